//! `join`: a folder of chunks checked, then joined without re-encoding the video.
//!
//! MP4: `filesrc ! qtdemux ! h264parse ! concat ! h264parse ! mp4mux ! filesink` (one source per
//! chunk; each chunk opens on an IDR, and chunks made with the same settings share their
//! parameter sets, so the streams join as they are); H.265 the same with `h265parse`. WebM (VP8,
//! VP9): the same with `matroskademux` and `webmmux` (each chunk opens on a keyframe). ProRes:
//! `qtdemux` and `qtmux` (every frame is a keyframe). Each format's demuxer and parser are its
//! profile's `chunk_reader`. The sound is mixed once, over the whole
//! timeline, and encoded into the joined file (`appsrc name=asrc ! audioconvert ! <encoder> !
//! mux.`): no seams. The caption tracks are written here, once, over the whole timeline
//! (`encode::subtitles`; the chunks carry none). GIF: see [`super::gif_join`]; transparent VP9
//! (alpha in `BlockAdditional`s, which `webmmux` drops): [`super::webm_alpha_join`]. Written to a temp file and renamed into
//! place; a failure (a full disk) leaves nothing.

use super::{file_names, gif_join, project_hash, range, render_again, settings_of, webm_alpha_join, ChunkManifest};
use crate::audio::feed::{self, Outputs};
use crate::content_hash::{is_current_hash, HASH_NAME};
use crate::encode::output::{check_destination, TempOutput};
use crate::encode::{gst_init, AudioInput, Format, Quality};
use crate::project::{open_project, Project};
use crate::CancelToken;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The chunks of a folder, checked ([`check`]).
pub struct Checked {
    pub manifests: Vec<ChunkManifest>,
    /// The project they were made from.
    pub project: Project,
    /// The chunks that hold frames, in order: each file as it was opened and hashed (so the
    /// file joined is the file checked, even if a name is swapped meanwhile), and a GIF chunk's
    /// bytes, read once (video chunks are read by the demuxer, from that open file).
    pub chunks: Vec<CheckedChunk>,
}

pub struct CheckedChunk {
    pub k: u64,
    pub file: File,
    /// A GIF chunk's bytes (empty for video chunks).
    pub gif: Vec<u8>,
}

/// What a manifest of an older bazaar-export (FNV-1a hashes, before [`HASH_NAME`]) is
/// told when its hashes do not match: not damage, a version to render again with.
fn older_manifest(m: &ChunkManifest, dir: &Path) -> Option<String> {
    (!is_current_hash(&m.file_hash) || !is_current_hash(&m.project_hash)).then(|| {
        format!(
            "chunk-{}-of-{}.json was written by an older bazaar-export (its hashes are not {}): {}",
            m.k,
            m.n,
            HASH_NAME,
            render_again(m.k, m.n, dir)
        )
    })
}

/// The chunks of `dir`, checked: all N there, from the same project content and settings,
/// each file whole and the chunk's own; with the project they were made from.
pub fn check(dir: &Path, cancel: &CancelToken) -> Result<Checked, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the chunk folder {}: {}", dir.display(), crate::input_file::io_reason(&e)))?;
    let mut manifests = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("chunk-") && name.ends_with(".json")) {
            continue;
        }
        let bytes =
            crate::input_file::read_regular(&e.path(), 1 << 20).map_err(|err| format!("cannot read {name}: {err}"))?;
        let m: ChunkManifest = serde_json::from_slice(&bytes).map_err(|err| format!("{name} is damaged: {err}"))?;
        let format =
            Format::parse(&m.format).ok_or_else(|| format!("{name} names an unknown format {:?}", m.format))?;
        if file_names(m.k, m.n, format).1 != name {
            return Err(format!("{name} is damaged: it describes chunk {} of {}", m.k, m.n));
        }
        manifests.push(m);
    }
    if manifests.is_empty() {
        return Err(format!(
            "{} holds no chunks (render them with --chunk K/N --chunk-dir {})",
            dir.display(),
            dir.display()
        ));
    }
    manifests.sort_by_key(|m| (m.n, m.k));
    let mut splits: Vec<u64> = manifests.iter().map(|m| m.n).collect();
    splits.dedup();
    if splits.len() > 1 {
        let list = splits.iter().map(|n| format!("of {n}")).collect::<Vec<_>>().join(" and ");
        return Err(format!(
            "{} holds chunks of different splits ({list}): keep the chunks of one split",
            dir.display()
        ));
    }
    let n = splits[0];
    for k in 0..n {
        if !manifests.iter().any(|m| m.k == k) {
            return Err(format!(
                "chunk {k} of {n} is missing: render it with --chunk {k}/{n} --chunk-dir {}",
                dir.display()
            ));
        }
    }
    let first = manifests[0].clone();
    let mut chunks = Vec::new();
    for m in &manifests {
        if m.project_hash != first.project_hash || m.project != first.project {
            if let Some(older) = older_manifest(m, dir).or_else(|| older_manifest(&first, dir)) {
                return Err(older);
            }
            return Err(format!(
                "chunk {} of {n} was made from other project content than chunk 0: render it again (or all of them)",
                m.k
            ));
        }
        if settings_of(m) != settings_of(&first) {
            return Err(format!(
                "chunk {} of {n} was made with other settings ({} {} {}×{}) than chunk 0 ({} {} {}×{}): render it again",
                m.k, m.format, m.quality, m.width, m.height, first.format, first.quality, first.width, first.height
            ));
        }
        if (m.from, m.to) != range(m.total_frames, m.k, n) {
            return Err(format!("chunk-{}-of-{n}.json is damaged: its frames do not match its place", m.k));
        }
        let format = Format::parse(&m.format).ok_or("unknown format")?;
        // The manifest names the chunk's own file and nothing else: a name edited to reach
        // outside the folder (`../`, an absolute path) or another chunk is never read.
        let own = if m.from == m.to { String::new() } else { file_names(m.k, n, format).0 };
        if m.file != own {
            return Err(format!(
                "chunk-{}-of-{n}.json is damaged: it names the file {:?}, not {own:?}: {}",
                m.k,
                m.file,
                render_again(m.k, n, dir)
            ));
        }
        if m.from == m.to {
            continue; // it holds no frames: it has no file, and the join skips it
        }
        let mut gif = Vec::new();
        let keep = (format == Format::Gif).then_some(&mut gif);
        let opened = super::open_and_hash(&dir.join(&m.file), keep, cancel)
            .map_err(|e| format!("chunk {} of {n}: {e}; {}", m.k, render_again(m.k, n, dir)))?;
        if opened.bytes != m.file_bytes || opened.hash != m.file_hash {
            if let Some(older) = older_manifest(m, dir) {
                return Err(older);
            }
            return Err(format!(
                "chunk {} of {n} ({}) is damaged or incomplete: it is {} bytes, its manifest says {} (and its content differs): render it again",
                m.k, m.file, opened.bytes, m.file_bytes
            ));
        }
        chunks.push(CheckedChunk { k: m.k, file: opened.file, gif });
    }
    let project = open_project(&first.project)
        .map_err(|e| format!("the project the chunks were made from cannot be opened: {e}"))?;
    if project_hash(&project, cancel)? != first.project_hash {
        if let Some(older) = older_manifest(&first, dir) {
            return Err(older);
        }
        return Err(format!(
            "{} (or a file it uses) has changed since the chunks were rendered: render them again",
            first.project.display()
        ));
    }
    Ok(Checked { manifests, project, chunks })
}

/// What `join` refuses to write before it reads a chunk: a name that is not a video format it
/// writes (as `render -o`), and any file in the chunk folder (a manifest replaced by the video
/// would break the folder; a new `chunk-*.json` too). The rest (links, devices, the project's
/// files, the chunks elsewhere by a hard link) is `check_destination`'s, once the chunks are known.
fn check_output(dir: &Path, out: &Path) -> Result<Format, String> {
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if crate::input_file::same_file(folder, dir) {
        return Err(format!(
            "{} is in the chunk folder {}: write the joined video outside it (the folder holds only chunks and their manifests)",
            out.display(),
            dir.display()
        ));
    }
    let format = Format::from_path(out).ok_or_else(|| {
        format!(
            "cannot tell the format from {}: name the file .mp4, .webm, .mov or .gif, as the chunks are",
            out.display()
        )
    })?;
    check_destination(out, &[]).map_err(|e| e.to_string())?;
    Ok(format)
}

/// Joins the chunks of `dir` into `out`. Returns the file.
pub fn join(dir: &Path, out: &Path, cancel: &CancelToken) -> Result<PathBuf, String> {
    let named = check_output(dir, out)?;
    let Checked { manifests, project, chunks } = check(dir, cancel)?;
    let first = &manifests[0];
    let format = Format::parse(&first.format).ok_or("unknown format")?;
    let quality = Quality::parse(&first.quality).ok_or("unknown quality")?;
    if named.profile().extension != format.profile().extension {
        return Err(format!("the chunks are {}, but {} names another format", format.id(), out.display()));
    }
    let mut reads = project.files_read();
    for m in &manifests {
        let what = format!("chunk {} of {}", m.k, m.n);
        reads.push((dir.join(file_names(m.k, m.n, format).1), format!("the manifest of {what}")));
        if !m.file.is_empty() {
            reads.push((dir.join(&m.file), what));
        }
    }
    check_destination(out, &reads).map_err(|e| e.to_string())?;
    let plan = crate::render_plan::plan(&project, format, quality, None)?;
    // The manifests agree with one another; they must also agree with the project they name (a
    // manifest edited to claim more frames would otherwise join a video shorter than it says).
    if (first.total_frames, first.fps) != (plan.settings.total_frames, plan.fps) {
        return Err(format!(
            "the chunks' manifests say the video has {} frames at {} fps, but {} makes {} at {} fps: render the chunks again",
            first.total_frames,
            first.fps,
            project.file.display(),
            plan.settings.total_frames,
            plan.fps
        ));
    }
    let output = TempOutput::create(out).map_err(|e| e.to_string())?;
    if format == Format::Gif {
        let end_cs = (plan.duration.as_millis() as u64).div_ceil(10);
        // Through the handle that created the temp file, never its name again.
        let file = output.file().map_err(|e| e.to_string())?;
        let mut w = std::io::BufWriter::new(file);
        let gifs: Vec<(u64, &[u8])> = chunks.iter().map(|c| (c.k, c.gif.as_slice())).collect();
        let frames = gif_join::join(&gifs, plan.fps, first.total_frames, end_cs, &mut w)?;
        use std::io::Write;
        w.flush().map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        if frames != first.total_frames {
            return Err(format!("the chunks hold {frames} frames, not {}", first.total_frames));
        }
    } else if crate::encode::any_encoder::own_webm_writer(format, first.options.transparent) {
        let file = output.file().map_err(|e| e.to_string())?;
        let mut sources = Vec::new();
        for c in &chunks {
            sources.push((manifests.iter().find(|m| m.k == c.k).ok_or("a chunk without its manifest")?, &c.file));
        }
        webm_alpha_join::join(dir, &sources, &project, &plan, quality, file, out, cancel)?;
    } else {
        mux_video(&chunks, &project, &plan, format, quality, output.temp_path(), cancel)?;
    }
    output.commit().map_err(|e| e.to_string())
}

fn mux_video(
    chunks: &[CheckedChunk],
    project: &Project,
    plan: &crate::render_plan::RenderPlan,
    format: Format,
    quality: Quality,
    temp: &Path,
    cancel: &CancelToken,
) -> Result<(), String> {
    gst_init().map_err(|e| e.to_string())?;
    let profile = format.profile();
    let reader = profile.chunk_reader.ok_or("this format's chunks are not joined as video")?;
    let muxer = profile.muxer.ok_or("no muxer for this format")?;
    let quote = |p: &Path| format!("\"{}\"", p.to_string_lossy().replace('\\', "\\\\").replace('"', "\\\""));
    let mut desc =
        format!("concat name=c ! {} ! {muxer} name=mux ! filesink name=sink location={}", reader.parser, quote(temp));
    let sound = !project.audio.is_empty() && profile.audio.is_some();
    if sound {
        desc += &format!(" {}", profile.audio_tail(quality).unwrap_or_default());
    }
    // The caption tracks, written once here over the whole timeline (the chunks carry none).
    let shape = (project.fps, plan.range.0, plan.duration.as_millis() as u64);
    let captions = crate::captions::in_file::for_export(&project.captions, shape);
    let subtitles = profile.captions.filter(|_| !captions.is_empty());
    if let Some(s) = subtitles {
        desc += &s.tail(captions.len());
    }
    let pipeline = gst::parse::launch(&desc)
        .map_err(|e| format!("cannot build the join: {e}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| "the join is not a pipeline".to_string())?;
    // The chunks, each linked to the next of concat's inputs in order (concat plays its inputs in
    // the order they were asked for; left to the description's delayed links, that order varied).
    let concat = pipeline.by_name("c").ok_or("the join has no concat")?;
    for m in chunks {
        let fail = |e: String| format!("cannot join chunk {}: {e}", m.k);
        let make = |name: &str| gst::ElementFactory::make(name).build().map_err(|e| fail(e.to_string()));
        // The file that was checked, as it was opened: read through its descriptor's link in
        // /proc (the same file whatever its name is now), which a demuxer can seek in. Through
        // `fdsrc` qtdemux works pushed, and then drops H.265 frames that B-frames reorder
        // (GStreamer 1.22: 1 frame of 4 came out of a chunk).
        let src = make("filesrc")?;
        src.set_property("location", format!("/proc/self/fd/{}", m.file.as_raw_fd()));
        let demuxer = make(reader.demuxer)?;
        let parser = gst::parse::bin_from_description(reader.parser, true)
            .map_err(|e| fail(e.to_string()))?
            .upcast::<gst::Element>();
        pipeline.add_many([&src, &demuxer, &parser]).map_err(|e| fail(e.to_string()))?;
        src.link(&demuxer).map_err(|e| fail(e.to_string()))?;
        let input = concat.request_pad_simple("sink_%u").ok_or_else(|| fail("concat has no input left".into()))?;
        let out = parser.static_pad("src").ok_or_else(|| fail("no output".into()))?;
        out.link(&input).map_err(|e| fail(format!("{e:?}")))?;
        // The demuxer's picture stream, once it has found it, to the parser.
        let parser_in = parser.static_pad("sink").ok_or_else(|| fail("no input".into()))?;
        demuxer.connect_pad_added(move |_, pad| {
            let video = pad
                .current_caps()
                .or_else(|| Some(pad.query_caps(None)))
                .is_some_and(|c| c.structure(0).is_some_and(|s| s.name().starts_with("video/")));
            if video && !parser_in.is_linked() {
                let _ = pad.link(&parser_in);
            }
        });
    }
    let audio = match sound {
        false => None,
        true => {
            let src = pipeline
                .by_name("asrc")
                .and_then(|e| e.downcast::<gstreamer_app::AppSrc>().ok())
                .ok_or("no sound input")?;
            Some(AudioInput::new(src)?)
        }
    };
    let subtitle_inputs = subtitles.map(|s| s.prepare(&pipeline, &captions)).transpose()?;
    pipeline.set_state(gst::State::Playing).map_err(|_| "the join could not start".to_string())?;
    if let (Some(s), Some(inputs)) = (subtitles, &subtitle_inputs) {
        s.push(inputs, &captions)?;
    }
    let mixer = audio.clone().map(|input| {
        let (clips, timeline, frames, cancel) =
            (project.audio.clone(), plan.timeline(project.fps), plan.output_frames(), cancel.clone());
        std::thread::spawn(move || {
            feed::run(&clips, timeline, frames, Outputs { sound: Some(input), figures: None }, &cancel)
        })
    });
    let bus = pipeline.bus().ok_or("the join has no bus")?;
    let outcome = loop {
        if cancel.is_cancelled() {
            break Err("cancelled".to_string());
        }
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(100)) else { continue };
        match msg.view() {
            gst::MessageView::Eos(_) => break Ok(()),
            gst::MessageView::Error(e) => break Err(format!("the join failed: {}", e.error())),
            _ => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    if let Some(m) = mixer {
        let _ = m.join();
    }
    outcome?;
    if let Some(finish) = subtitles.and_then(|s| s.finish) {
        finish(temp)?;
    }
    if let (Some(audio), Some(codec)) = (&audio, &profile.audio) {
        if codec.priming > 0 {
            crate::encode::mp4_priming::skip_priming(temp, codec.priming, audio.frames_pushed())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest of a version that hashed with FNV-1a: refused as such, not as damage.
    #[test]
    fn a_manifest_of_an_older_version_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("chunk-0-of-1.mp4"), b"a").unwrap();
        let m = serde_json::json!({ "k": 0, "n": 1, "from": 0, "to": 2, "project": dir.path().join("p.json"),
            "projectHash": "af63dc4c8601ec8c", "format": "mp4", "quality": "low", "width": 320, "height": 180,
            "fps": 30, "totalFrames": 2, "file": "chunk-0-of-1.mp4", "fileBytes": 1, "fileHash": "af63dc4c8601ec8c" });
        std::fs::write(dir.path().join("chunk-0-of-1.json"), m.to_string()).unwrap();
        let Err(e) = check(dir.path(), &CancelToken::new()) else { panic!("an old manifest passed") };
        assert!(
            e.contains("chunk-0-of-1.json was written by an older bazaar-export (its hashes are not xxh3-128)"),
            "{e}"
        );
        assert!(e.contains("render it again with --chunk 0/1"), "{e}");
        assert!(!e.contains("damaged"), "{e}");
    }
}
