//! The export commands, in the product spec's shape. Thin: each validates its input, calls the
//! [`ExportService`], and returns an [`IpcError`] a creator can read.

use super::dialog;
use super::service::{ExportService, JobView, LAST_FOLDER};
use crate::config::Config;
use crate::ipc_error::{guard, IpcError};
use bazaar_core::captions::sidecar::SidecarFormat;
use bazaar_core::encode::{Format, FormatOptions, OutputKind, ProresProfile, Quality};
use bazaar_core::jobs::history::HistoryEntry;
use bazaar_core::render_plan::OutputSize;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tauri::{AppHandle, State};

fn parse_format(s: &str) -> Result<Format, IpcError> {
    Format::parse(s)
        .ok_or_else(|| IpcError::invalid(format!("unknown format {s:?}: choose one the export panel lists")))
}

fn parse_quality(s: &str) -> Result<Quality, IpcError> {
    Quality::parse(s).ok_or_else(|| IpcError::invalid(format!("unknown quality {s:?}: choose low, medium or high")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub export_id: String,
    pub job: JobView,
}

/// `start_export {projectPath, format, quality, outputPath} → {exportId}`: validates the project
/// again (it may have changed on disk) and queues the export.
#[tauri::command]
#[allow(clippy::too_many_arguments)] // each argument is a named field of the IPC call
pub async fn start_export(
    service: State<'_, ExportService>,
    project_path: PathBuf,
    format: String,
    quality: String,
    output_path: PathBuf,
    size: Option<String>,
    prores_profile: Option<String>,
    gif_loops: Option<u16>,
    gif_fps: Option<u32>,
    keep_alpha: Option<bool>,
    variant: Option<String>,
    captions_sidecar: Option<String>,
) -> Result<Started, IpcError> {
    guard(async move {
        let format = parse_format(&format)?;
        let quality = parse_quality(&quality)?;
        let prores_profile = match prores_profile.as_deref() {
            None => ProresProfile::default(),
            Some(p) => ProresProfile::parse(p).ok_or_else(|| {
                IpcError::invalid(format!("unknown ProRes profile {p:?}: choose one the panel lists"))
            })?,
        };
        if let Some(fps) = gif_fps.filter(|f| !(1..=50).contains(f)) {
            return Err(IpcError::invalid(format!("a GIF's frame rate is 1 to 50 fps, not {fps}")));
        }
        let keep_alpha = keep_alpha.unwrap_or(false);
        if keep_alpha {
            bazaar_core::encode::alpha::check_keep_alpha(format, prores_profile).map_err(IpcError::invalid)?;
        }
        let size = OutputSize::parse(size.as_deref().unwrap_or("preset")).map_err(IpcError::invalid)?;
        if !output_path.is_absolute() {
            return Err(IpcError::invalid(format!(
                "{} is not a full path; choose where to save again",
                output_path.display()
            )));
        }
        let output = dialog::fix_extension(&output_path, format);
        let path = project_path.clone();
        let project = tauri::async_runtime::spawn_blocking(move || {
            crate::project_open::open_project_as(&path, &Default::default(), variant.as_deref())
        })
        .await
        .map_err(|e| IpcError::internal(format!("loading the project stopped unexpectedly: {e}")))?
        .map_err(|e| {
            crate::project_open::moved_away_error(&project_path, "Nothing was exported.").unwrap_or(e.into())
        })?;
        bazaar_core::encode::check_output(format, &output, &project.files_read())
            .map_err(|e| IpcError::invalid(e.to_string()))?;
        // "Captions beside the video": checked as the command line's --captions-sidecar.
        let sidecar = match captions_sidecar.as_deref().filter(|s| !s.is_empty() && *s != "none") {
            None => None,
            Some(s) => {
                let f = SidecarFormat::parse(s)
                    .ok_or_else(|| IpcError::invalid(format!("unknown caption file {s:?}: choose SRT or VTT")))?;
                if format.kind() != OutputKind::Video {
                    return Err(IpcError::invalid(format!(
                        "captions beside the video go with a video, not {}",
                        format.id()
                    )));
                }
                bazaar_core::captions::sidecar::check(&project.captions, &output, f, &project.files_read())
                    .map_err(IpcError::invalid)?;
                Some(f)
            }
        };
        let options = FormatOptions {
            prores_profile,
            gif_loops: gif_loops.unwrap_or(0),
            gif_fps: gif_fps.filter(|_| format == Format::Gif),
            keep_alpha,
        };
        let job = service.enqueue(project, format, quality, size, output, (options, sidecar));
        Ok(Started { export_id: job.job.id.clone(), job })
    })
    .await
}

#[tauri::command]
pub async fn export_status(export_id: String, service: State<'_, ExportService>) -> Result<JobView, IpcError> {
    guard(async move {
        service.status(&export_id).ok_or_else(|| IpcError::invalid(format!("no export with id {export_id}")))
    })
    .await
}

#[tauri::command]
pub async fn cancel_export(
    app: AppHandle,
    export_id: String,
    service: State<'_, ExportService>,
) -> Result<JobView, IpcError> {
    guard(async move {
        service.cancel(&app, &export_id).ok_or_else(|| IpcError::invalid(format!("no export with id {export_id}")))
    })
    .await
}

#[tauri::command]
pub async fn list_exports(service: State<'_, ExportService>) -> Result<Vec<JobView>, IpcError> {
    guard(async move { Ok(service.list()) }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    pub entries: Vec<HistoryEntry>,
    /// Set when the history file was damaged or unusable (shown once in the window).
    pub warning: Option<String>,
}

#[tauri::command]
pub async fn export_history(service: State<'_, ExportService>) -> Result<HistoryView, IpcError> {
    guard(async move {
        let (entries, warning) = service.history(200);
        Ok(HistoryView { entries, warning })
    })
    .await
}

/// An export's log (its stages, fallbacks and limits), kept with its history entry; `None` when
/// none was kept (an export of an older version, or one still running).
#[tauri::command]
pub async fn export_log(export_id: String, service: State<'_, ExportService>) -> Result<Option<String>, IpcError> {
    guard(async move { Ok(service.log(&export_id)) }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresetView {
    pub format: &'static str,
    pub quality: &'static str,
    /// `preset` (the preset's size) or `project` (the project's own).
    pub size: &'static str,
    pub label: &'static str,
    /// The video codec and its quality number (CRF, or VP8/VP9's `cq-level`; none for ProRes
    /// and GIF), shown under the choice.
    pub codec: &'static str,
    pub crf: Option<u32>,
    /// What the format writes (`video`, `soundOnly`): the panel shows a size only for pictures.
    pub kind: OutputKind,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: usize,
    /// Seconds on this machine, once an export has been measured.
    pub estimate_seconds: Option<f64>,
    /// The file's size where it is known before (`size_estimate`), by ProRes profile id for
    /// ProRes (the panel's choice), under `""` for the other formats; empty when unknown.
    pub estimate_bytes: std::collections::BTreeMap<&'static str, u64>,
    /// The format can keep a transparent project's alpha (the panel's Keep transparency).
    pub keeps_alpha: bool,
    /// The matte (`#rrggbb`) a transparent project is flattened over when its alpha is not
    /// kept; `None` for an opaque project.
    pub flattened_over: Option<String>,
    /// What becomes of the project's sounds in this format, in words (`None`: it has none).
    pub sound: Option<String>,
    /// The project's caption files: the panel offers "Captions beside the video" when there are.
    pub captions: usize,
    /// The one line said when the format cannot carry the captions' tracks (`"track": true`).
    pub captions_note: Option<String>,
}

/// Sizes, rates and estimates of every format × quality for the open project.
#[tauri::command]
pub async fn export_options(
    state: State<'_, crate::state::AppState>,
    service: State<'_, ExportService>,
) -> Result<Vec<PresetView>, IpcError> {
    guard(async move {
        let project = state.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?.clone();
        let project = project.ok_or_else(|| IpcError::invalid("open a project first"))?;
        let mut out = Vec::new();
        let tracks = project.captions.iter().filter(|t| t.track).count();
        for format in Format::ALL {
            for (quality, (size, size_id)) in Quality::ALL
                .iter()
                .flat_map(|q| [(*q, (OutputSize::Preset, "preset")), (*q, (OutputSize::Project, "project"))])
            {
                let plan = bazaar_core::render_plan::plan_sized(&project, format, quality, None, size, None)
                    .map_err(IpcError::invalid)?;
                let pixels = f64::from(plan.width) * f64::from(plan.height) * plan.project_frames.len() as f64;
                out.push(PresetView {
                    format: format.id(),
                    quality: quality.id(),
                    size: size_id,
                    label: format.profile().label,
                    codec: format.profile().codec,
                    crf: format.profile().preset(quality).crf,
                    kind: format.kind(),
                    width: plan.width,
                    height: plan.height,
                    fps: plan.fps,
                    frames: plan.project_frames.len(),
                    // A sound-only export draws nothing: the estimate (pixels per second) says nothing of it.
                    estimate_seconds: (format.kind() != OutputKind::SoundOnly)
                        .then(|| service.estimate_seconds(pixels))
                        .flatten(),
                    estimate_bytes: estimates(&project, format, quality, &plan),
                    keeps_alpha: format.profile().alpha,
                    flattened_over: project.flattened_over(false).map(|m| m.hex()),
                    sound: sound_note(&project, format, quality),
                    captions: project.captions.len(),
                    captions_note: bazaar_core::encode::subtitles::not_carried_note(format, tracks),
                });
            }
        }
        Ok(out)
    })
    .await
}

/// The file's size where it can be known ([`PresetView::estimate_bytes`]).
fn estimates(
    project: &bazaar_core::project::Project,
    format: Format,
    quality: Quality,
    plan: &bazaar_core::render_plan::RenderPlan,
) -> std::collections::BTreeMap<&'static str, u64> {
    let profiles: Vec<(&'static str, ProresProfile)> = if format == Format::Prores {
        ProresProfile::ALL.iter().map(|p| (p.id(), *p)).collect()
    } else {
        vec![("", ProresProfile::default())]
    };
    let shape = (plan.width, plan.height, plan.fps);
    let (seconds, sound) = (plan.duration.as_secs_f64(), !project.audio.is_empty());
    profiles
        .into_iter()
        .filter_map(|(id, p)| {
            bazaar_core::encode::size_estimate::estimate_bytes(format, quality, p, shape, seconds, sound)
                .map(|b| (id, b))
        })
        .collect()
}

/// "with sound: AAC-LC 192 kbit/s, 48 kHz stereo", or for GIF, that the sounds are left out.
fn sound_note(project: &bazaar_core::project::Project, format: Format, quality: Quality) -> Option<String> {
    if project.audio.is_empty() {
        return None;
    }
    Some(match &format.profile().audio {
        Some(a) => {
            let what = if format.kind() == OutputKind::SoundOnly { "the sound only" } else { "with sound" };
            match a.bitrate(quality) {
                0 if format.kind() == OutputKind::ImageSequence => {
                    format!("with sound: {}, 48 kHz stereo, as a WAV file in the folder", a.codec)
                }
                0 => format!("{what}: {}, 48 kHz stereo", a.codec),
                rate => format!("{what}: {} {} kbit/s, 48 kHz stereo", a.codec, rate / 1000),
            }
        }
        None => "GIF has no sound: the project's sounds are left out (the pictures still follow them)".into(),
    })
}

static SAVE_COUNTER: AtomicU64 = AtomicU64::new(1);

/// The save dialog (or `BAZAAR_EXPORT_SAVE_PATH` in automated tests). `None`: cancelled, and
/// nothing else changes.
#[tauri::command]
pub async fn choose_output(
    project_name: String,
    format: String,
    service: State<'_, ExportService>,
    config: State<'_, Config>,
) -> Result<Option<String>, IpcError> {
    guard(async move {
        let format = parse_format(&format)?;
        if let Some(template) = &config.save_path {
            let n = SAVE_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = template.to_string_lossy().replace("{n}", &n.to_string());
            return Ok(Some(dialog::fix_extension(std::path::Path::new(&path), format).display().to_string()));
        }
        let name = dialog::default_file_name(&project_name, format);
        let folder = dialog::default_folder(service.setting(LAST_FOLDER).as_deref(), &config);
        let picked = tauri::async_runtime::spawn_blocking(move || dialog::ask(format, &name, folder))
            .await
            .map_err(|e| IpcError::internal(format!("the save dialog stopped unexpectedly: {e}")))?;
        Ok(picked.map(|p| p.display().to_string()))
    })
    .await
}

/// Opens a finished file in the default player.
#[tauri::command]
pub async fn open_output(path: PathBuf) -> Result<(), IpcError> {
    guard(async move {
        // A file, or an image sequence's folder (opened in the file manager).
        if !path.is_file() && !path.is_dir() {
            return Err(IpcError::invalid(format!("{} is no longer there: it was moved or deleted", path.display())));
        }
        spawn_detached("xdg-open", &[path.as_os_str()])
    })
    .await
}

/// Shows a file in the file manager, selected (freedesktop FileManager1), or opens its folder.
#[tauri::command]
pub async fn show_in_folder(path: PathBuf) -> Result<(), IpcError> {
    guard(async move {
        let Some(dir) = path.parent().filter(|d| d.is_dir()) else {
            return Err(IpcError::invalid(format!("the folder of {} is no longer there", path.display())));
        };
        let uri = file_uri(&path);
        let shown = std::process::Command::new("gdbus")
            .args(["call", "--session", "--dest", "org.freedesktop.FileManager1", "--object-path"])
            .args(["/org/freedesktop/FileManager1", "--method", "org.freedesktop.FileManager1.ShowItems"])
            .arg(format!("['{uri}']"))
            .arg("")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if shown {
            return Ok(());
        }
        spawn_detached("xdg-open", &[dir.as_os_str()])
    })
    .await
}

fn spawn_detached(program: &str, args: &[&std::ffi::OsStr]) -> Result<(), IpcError> {
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| IpcError::internal(format!("could not run {program}: {e} (install xdg-utils)")))?;
    // Reap it in the background so it never lingers as a zombie.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// A file's `file://` URI: every byte of its path escaped but `/` and the unreserved ones, so a
/// name with `'` (which would end the gdbus string), `%`, `#`, spaces or non-UTF-8 bytes names
/// that very file.
fn file_uri(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    const KEPT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    format!("file://{}", percent_encoding::percent_encode(path.as_os_str().as_bytes(), KEPT))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_uri_escapes_what_would_change_its_meaning() {
        let path = std::path::Path::new("/home/me/it's 100% #1 ü.mp4");
        assert_eq!(super::file_uri(path), "file:///home/me/it%27s%20100%25%20%231%20%C3%BC.mp4");
    }
}
