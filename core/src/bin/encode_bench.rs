//! `encode-bench`: how close the encoding engine runs to the encoder's own speed limit.
//!
//! For each format it encodes the same synthetic frames (from a raw file, 1920×1080 RGBA by
//! default) twice, each in a child process: once through `bazaar_core::encode::Encoder` (the
//! app's path), once through `gst-launch-1.0` with the identical encoder description (the
//! ceiling: no app code in the way). GIF has no GStreamer encoder, so its reference is ffmpeg's
//! two-pass `palettegen`/`paletteuse` at the same size and rate. It prints frames per second,
//! the ratio to the ceiling, each process's peak RSS and CPU, the output size, and the quality
//! of the decoded output against the source (mean SSIM; PSNR for GIF). Both children run with
//! transparent huge pages off, as the app does.
//!
//! usage: encode-bench [--frames N] [--quality low|medium|high|all] [--formats mp4,webm,gif]
//!                     [--source <video>]   (real frames: a rendered video, decoded by ffmpeg,
//!                                           or the exact frames of `render --dump-frames x.i420`)
//!
//! With a `.i420` source, the video formats' app run and ceiling both take those very I420
//! frames, as the renderer's encoder did: the ceiling is then x264 (or VP8) alone, with no
//! RGBA → I420 conversion in front of it (which would slow it by a tenth at 1080p and flatter
//! the render's ratio). Quality is still measured against the frames as RGBA.

use bazaar_core::encode::{EncodeSettings, Encoder, Format, FramePool, PixelFormat, Quality};
use bazaar_core::{probe, synth, CancelToken};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FPS: u32 = 30;

struct Run {
    secs: f64,
    peak_rss_mb: f64,
    /// The child's CPU (user + system, every thread), in seconds.
    cpu_secs: f64,
}

/// CPU used so far by the children this process has waited for (user + system), in seconds.
fn children_cpu() -> f64 {
    // SAFETY: getrusage fills the struct it is given and touches nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Peak resident memory of a live process (`VmHWM`, the kernel's high-water mark), in MB.
fn hwm_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs `cmd`, returning wall time and the child's peak RSS. The high-water mark is read from
/// /proc while the child runs (it only grows, so the last reading before exit is the peak).
fn measure(mut cmd: Command) -> Result<Run, String> {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("{cmd:?}: {e}"))?;
    let pid = child.id();
    let mut peak: f64 = 0.0;
    let status = loop {
        if let Some(mb) = hwm_mb(pid) {
            peak = peak.max(mb);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("{cmd:?} failed ({status})"));
    }
    // The child has been waited for (try_wait), so its CPU is in the children's total now.
    Ok(Run { secs, peak_rss_mb: peak, cpu_secs: children_cpu() - cpu_before })
}

/// Real frames: `video` decoded by ffmpeg, scaled to `w×h`, the first `n` frames. A `.i420`
/// file is raw I420 frames at `w×h` (what `bazaar-export render --dump-frames` writes for the
/// video formats), a `.rgba` file raw RGBA (what it writes for ProRes): the renderer's exact
/// frames, not a lossy copy.
fn frames_from_video(dir: &Path, video: &Path, w: u32, h: u32, n: u64) -> Result<PathBuf, String> {
    let path = dir.join(format!("source-{w}x{h}-{n}.rgba"));
    let mut ffmpeg = Command::new("ffmpeg");
    ffmpeg.args(["-v", "error", "-y"]);
    if let Some(raw) = video.extension().and_then(|e| match e.to_str() {
        Some("i420") => Some("yuv420p"),
        Some("rgba") => Some("rgba"),
        _ => None,
    }) {
        ffmpeg.args(["-f", "rawvideo", "-pix_fmt", raw, "-s", &format!("{w}x{h}")]);
    }
    let status = ffmpeg
        .arg("-i")
        .arg(video)
        .args(["-vf", &format!("scale={w}:{h}:flags=bicubic"), "-frames:v", &n.to_string()])
        .args(["-pix_fmt", "rgba", "-f", "rawvideo"])
        .arg(&path)
        .status()
        .map_err(|e| format!("ffmpeg: {e}"))?;
    let want = u64::from(w) * u64::from(h) * 4 * n;
    if !status.success() || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) != want {
        return Err(format!("could not decode {n} frames of {} at {w}×{h}", video.display()));
    }
    Ok(path)
}

fn frames_file(dir: &Path, w: u32, h: u32, n: u64) -> Result<PathBuf, String> {
    let path = dir.join(format!("frames-{w}x{h}-{n}.rgba"));
    let want = u64::from(w) * u64::from(h) * 4 * n;
    if std::fs::metadata(&path).map(|m| m.len() == want).unwrap_or(false) {
        return Ok(path);
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| e.to_string())?);
    for i in 0..n {
        f.write_all(&synth::frame(i, w, h)).map_err(|e| e.to_string())?;
    }
    f.flush().map_err(|e| e.to_string())?;
    Ok(path)
}

/// The child: reads raw frames and pushes them through the app's encoder.
/// `frames` may be `synthetic`: frames are then generated on the fly (memory tests).
fn child(settings: EncodeSettings, frames: &Path, out: &Path) -> Result<(), String> {
    let (n, size, w, h) = (settings.total_frames, settings.frame_bytes(), settings.width, settings.height);
    let mut enc = Encoder::start(settings, out, CancelToken::new(), Arc::new(|_| {})).map_err(|e| e.to_string())?;
    let mut file = if frames == Path::new("synthetic") {
        None
    } else {
        Some(std::fs::File::open(frames).map_err(|e| e.to_string())?)
    };
    // Frames from the file go into pooled buffers, as the renderer's do (a fresh 3–8 MB buffer
    // a frame would be faulted in and zeroed each time, a cost the app does not have).
    let pool = FramePool::new(size, 64);
    for i in 0..n {
        match file.as_mut() {
            Some(f) => {
                let mut buf = pool.take();
                f.read_exact(&mut buf).map_err(|e| e.to_string())?;
                enc.push_frame(i, buf)
            }
            None => enc.push_frame(i, synth::frame(i, w, h)),
        }
        .map_err(|e| e.to_string())?;
    }
    enc.finish().map_err(|e| e.to_string())?;
    Ok(())
}

/// Mean SSIM and PSNR of the decoded `path` against the source frames in the raw file.
fn quality_of(path: &Path, source: &Path, w: u32, h: u32) -> Result<(f64, f64, u64), String> {
    let (mut ssim, mut psnr, mut count) = (0.0, 0.0, 0u64);
    let mut src = std::io::BufReader::new(std::fs::File::open(source).map_err(|e| e.to_string())?);
    let mut last = vec![0u8; (w * h * 4) as usize];
    probe::decode_frames(path, |_, _, rgba| {
        // Decoded frames come in order, one per source frame.
        let _ = src.read_exact(&mut last);
        ssim += probe::ssim(&last, rgba, w, h);
        psnr += probe::psnr(&last, rgba).min(99.0);
        count += 1;
    })?;
    Ok((ssim / count.max(1) as f64, psnr / count.max(1) as f64, count))
}

fn size_mb(p: &Path) -> f64 {
    std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
}

fn main() {
    // As the app runs its encoder, and inherited by both children, the app run and the
    // ceiling alike: with huge pages, x264 spends up to a tenth of its time zeroing them, and
    // more or less of it as the machine has them to give, so either side could be slowed.
    bazaar_core::encode::prefer_small_pages();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let parse = || -> Option<_> {
            let f = Format::parse(args.get(2)?)?;
            Some((
                f,
                Quality::parse(args.get(3)?)?,
                PathBuf::from(args.get(4)?),
                args.get(5)?.parse().ok()?,
                args.get(6)?.parse().ok()?,
                args.get(7)?.parse().ok()?,
                args.get(8)?.parse().ok()?,
                PathBuf::from(args.get(9)?),
                match args.get(10).map(String::as_str) {
                    Some("i420") => f.profile().input,
                    Some("rgba") | None => PixelFormat::Rgba,
                    Some(_) => return None,
                },
            ))
        };
        let Some((f, q, frames, w, h, fps, n, out, input)) = parse() else {
            eprintln!("encode-bench: bad child arguments");
            std::process::exit(2);
        };
        let settings = EncodeSettings {
            format: f,
            quality: q,
            width: w,
            height: h,
            fps,
            total_frames: n,
            duration: None,
            input,
            audio: false,
            prores_profile: Default::default(),
            gif_loops: 0,
            keep_alpha: false,
        };
        if let Err(e) = child(settings, &frames, &out) {
            eprintln!("encode-bench child: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = bench(&args[1..]) {
        eprintln!("encode-bench: {e}");
        std::process::exit(1);
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut n: u64 = 300;
    let mut qualities = vec![Quality::High];
    let mut formats = Format::ALL.to_vec();
    let mut source: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--frames" => n = it.next().and_then(|v| v.parse().ok()).ok_or("--frames N")?,
            "--quality" => {
                let v = it.next().ok_or("--quality low|medium|high|all")?;
                qualities =
                    if v == "all" { Quality::ALL.to_vec() } else { vec![Quality::parse(v).ok_or("bad quality")?] };
            }
            "--formats" => {
                let v = it.next().ok_or("--formats mp4,webm,gif")?;
                formats = v
                    .split(',')
                    .map(|f| Format::parse(f).ok_or(format!("bad format {f}")))
                    .collect::<Result<_, _>>()?;
            }
            "--source" => source = Some(PathBuf::from(it.next().ok_or("--source <video file>")?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let dir = std::env::temp_dir().join("bazaar-encode-bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let what = source.as_ref().map(|s| format!("frames of {}", s.display())).unwrap_or("synthetic frames".into());
    println!(
        "encode-bench: {n} {what} from a raw file, {} cores",
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1)
    );
    println!(
        "{:<6} {:<7} {:>9} {:>9} {:>6} {:>10} {:>10} {:>9} {:>9} {:>7} {:>7}",
        "format", "quality", "app fps", "ceil fps", "ratio", "app RSS", "ceil RSS", "app MB", "ceil MB", "SSIM", "PSNR"
    );
    for &format in &formats {
        for &quality in &qualities {
            // Video presets encode 1080p at 30 fps; GIF's high preset is 960 px at 25 fps, and the
            // renderer draws GIF frames at that size, so the bench feeds them at that size.
            let (w, h, fps) = match format {
                Format::Gif => {
                    let p = format.profile().preset(quality);
                    let (w, h) = bazaar_core::encode::output_size((1920, 1080), p.size);
                    (w, h, bazaar_core::encode::output_fps(FPS, p))
                }
                _ => (1920, 1080, FPS),
            };
            let frames = match &source {
                Some(video) => frames_from_video(&dir, video, w, h, n)?,
                None => frames_file(&dir, w, h, n)?,
            };
            // What both encoders are fed: the renderer's own I420 frames when given, else RGBA.
            let exact = source
                .as_ref()
                .filter(|s| format != Format::Gif && s.extension().is_some_and(|e| e == "i420" || e == "rgba"));
            let (fed, input) = match exact {
                Some(raw) if raw.extension().is_some_and(|e| e == "i420") => (raw.clone(), format.profile().input),
                Some(rgba) => (rgba.clone(), PixelFormat::Rgba),
                None => (frames.clone(), PixelFormat::Rgba),
            };
            // rawvideoparse's and the child's name for it.
            let fed_format = input.gst_name().to_ascii_lowercase();
            let fed_bytes = input.frame_bytes(w, h);
            let ext = format.profile().extension;
            let app_out = dir.join(format!("app-{}-{}.{ext}", format.id(), quality.id()));
            let ceil_out = dir.join(format!("ceiling-{}-{}.{ext}", format.id(), quality.id()));
            let mut cmd = Command::new(&me);
            cmd.arg("--child").arg(format.id()).arg(quality.id()).arg(&fed);
            cmd.args([w.to_string(), h.to_string(), fps.to_string(), n.to_string()]).arg(&app_out).arg(&fed_format);
            let app = measure(cmd)?;
            let ceiling = match format {
                Format::Gif => {
                    let mut c = Command::new("ffmpeg");
                    c.args(["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", &format!("{w}x{h}")]);
                    c.args(["-r", &fps.to_string(), "-i"]).arg(&frames);
                    c.args(["-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "-loop", "0"]).arg(&ceil_out);
                    measure(c)?
                }
                _ => {
                    let tail = format.profile().tail(quality, Default::default());
                    // The frames' own matrix, so the encoder's videoconvert passes them through
                    // as it does in the app (rawvideoparse would assume the size's default).
                    let colorimetry = input.colorimetry().map(|c| format!(" colorimetry={c}")).unwrap_or_default();
                    let desc = format!(
                        "filesrc location={} blocksize={fed_bytes} num-buffers={n} ! rawvideoparse width={w} height={h} format={fed_format}{colorimetry} framerate={fps}/1 ! {tail} location={}",
                        fed.display(),
                        ceil_out.display()
                    );
                    let mut c = Command::new("gst-launch-1.0");
                    c.arg("-q").args(desc.split_whitespace());
                    measure(c)?
                }
            };
            let (ssim, psnr, decoded) = quality_of(&app_out, &frames, w, h)?;
            let (app_fps, ceil_fps) = (n as f64 / app.secs, n as f64 / ceiling.secs);
            println!(
                "{:<6} {:<7} {:>9.1} {:>9.1} {:>6.2} {:>7.0} MB {:>7.0} MB {:>9.2} {:>9.2} {:>7.4} {:>7.2}",
                format.id(),
                quality.id(),
                app_fps,
                ceil_fps,
                app_fps / ceil_fps,
                app.peak_rss_mb,
                ceiling.peak_rss_mb,
                size_mb(&app_out),
                size_mb(&ceil_out),
                ssim,
                psnr
            );
            let per_frame = |r: &Run| 1000.0 * r.cpu_secs / n as f64;
            let busy = |r: &Run| r.cpu_secs / r.secs.max(1e-9);
            println!(
                "       (CPU a frame: app {:.1} ms, ceiling {:.1} ms; cores busy: app {:.2}, ceiling {:.2})",
                per_frame(&app),
                per_frame(&ceiling),
                busy(&app),
                busy(&ceiling)
            );
            if format == Format::Gif {
                let (_, ref_psnr, _) = quality_of(&ceil_out, &frames, w, h)?;
                println!("       (GIF at {w}×{h} {fps} fps, {decoded} frames; ffmpeg palettegen/paletteuse PSNR {ref_psnr:.2} dB)");
            }
        }
    }
    Ok(())
}
