//! Decodes finished files back: what codec, what size, how long, and every frame's pixels.
//! Tests and benchmarks use it to assert real properties of the output; it is plain GStreamer
//! (Discoverer + `decodebin`) for MP4/WebM and the `gif` crate for GIF, independent of the
//! encoding code.

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_pbutils as pbutils;
use gstreamer_pbutils::prelude::*;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// Container caps name, e.g. `video/quicktime`, `video/webm`, `image/gif`.
    pub container: String,
    /// Video caps name, e.g. `video/x-h264`, `video/x-vp8`, `image/gif`.
    pub codec: String,
    /// H.264 profile, chroma format and bit depth where the stream says them.
    pub profile: Option<String>,
    pub chroma_format: Option<String>,
    pub bit_depth: Option<u32>,
    pub width: u32,
    pub height: u32,
    pub duration: Duration,
}

pub fn discover(path: &Path) -> Result<MediaInfo, String> {
    if is_gif(path) {
        return discover_gif(path);
    }
    crate::encode::gst_init().map_err(|e| e.to_string())?;
    let uri =
        gst::glib::filename_to_uri(path.canonicalize().map_err(|e| e.to_string())?, None).map_err(|e| e.to_string())?;
    let disc = pbutils::Discoverer::new(gst::ClockTime::from_seconds(20)).map_err(|e| e.to_string())?;
    let info = disc.discover_uri(&uri).map_err(|e| format!("{}: {e}", path.display()))?;
    let container = info
        .stream_info()
        .and_then(|s| s.caps())
        .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
        .unwrap_or_default();
    let video =
        info.video_streams().into_iter().next().ok_or_else(|| format!("{} has no video stream", path.display()))?;
    let caps = video.caps().ok_or("the video stream has no caps")?;
    let st = caps.structure(0).ok_or("the video caps are empty")?;
    Ok(MediaInfo {
        container,
        codec: st.name().to_string(),
        profile: st.get::<String>("profile").ok(),
        chroma_format: st.get::<String>("chroma-format").ok(),
        bit_depth: st.get::<u32>("bit-depth-luma").ok(),
        width: video.width(),
        height: video.height(),
        duration: Duration::from_nanos(info.duration().map(|d| d.nseconds()).unwrap_or(0)),
    })
}

/// Calls `f(index, timestamp, rgba)` for every decoded frame; returns the frame count and size.
pub fn decode_frames(path: &Path, mut f: impl FnMut(u64, Duration, &[u8])) -> Result<(u64, u32, u32), String> {
    if is_gif(path) {
        return decode_gif(path, f);
    }
    crate::encode::gst_init().map_err(|e| e.to_string())?;
    let loc = path.to_str().ok_or("path is not UTF-8")?;
    let pipeline = gst::parse::launch(
        "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=RGBA ! appsink name=sink sync=false",
    )
    .map_err(|e| e.to_string())?
    .downcast::<gst::Pipeline>()
    .map_err(|_| "not a pipeline")?;
    pipeline.by_name("src").ok_or("no src")?.set_property("location", loc);
    let sink = pipeline.by_name("sink").and_then(|s| s.downcast::<gst_app::AppSink>().ok()).ok_or("no sink")?;
    pipeline.set_state(gst::State::Playing).map_err(|e| e.to_string())?;
    let (mut n, mut w, mut h) = (0u64, 0u32, 0u32);
    let result = loop {
        match sink.pull_sample() {
            Ok(sample) => {
                let info =
                    sample.caps().and_then(|c| gstreamer_video::VideoInfo::from_caps(c).ok()).ok_or("no caps")?;
                let buffer = sample.buffer().ok_or("no buffer")?;
                let pts = Duration::from_nanos(buffer.pts().map(|t| t.nseconds()).unwrap_or(0));
                let map = buffer.map_readable().map_err(|e| e.to_string())?;
                (w, h) = (info.width(), info.height());
                let stride = info.stride()[0] as usize;
                let row = w as usize * 4;
                if stride == row {
                    f(n, pts, &map.as_slice()[..row * h as usize]);
                } else {
                    let packed: Vec<u8> = (0..h as usize)
                        .flat_map(|y| map.as_slice()[y * stride..y * stride + row].iter().copied())
                        .collect();
                    f(n, pts, &packed);
                }
                n += 1;
            }
            Err(_) => break Ok(()),
        }
    };
    // Distinguish EOS from a decoding error.
    let bus = pipeline.bus().ok_or("no bus")?;
    let err = bus.pop_filtered(&[gst::MessageType::Error]).and_then(|m| match m.view() {
        gst::MessageView::Error(e) => Some(e.error().to_string()),
        _ => None,
    });
    let _ = pipeline.set_state(gst::State::Null);
    result.and(err.map_or(Ok((n, w, h)), Err))
}

/// A file's sound track as GStreamer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SoundTrack {
    /// Caps name, e.g. `audio/mpeg` (AAC, with `mpegversion` 4), `audio/x-opus`.
    pub codec: String,
    pub rate: u32,
    pub channels: u32,
}

/// The first sound track of a file, `None` if it has none.
pub fn discover_sound(path: &Path) -> Result<Option<SoundTrack>, String> {
    crate::encode::gst_init().map_err(|e| e.to_string())?;
    let uri =
        gst::glib::filename_to_uri(path.canonicalize().map_err(|e| e.to_string())?, None).map_err(|e| e.to_string())?;
    let disc = pbutils::Discoverer::new(gst::ClockTime::from_seconds(20)).map_err(|e| e.to_string())?;
    let info = disc.discover_uri(&uri).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(info.audio_streams().into_iter().next().map(|a| SoundTrack {
        codec: a.caps().and_then(|c| c.structure(0).map(|s| s.name().to_string())).unwrap_or_default(),
        rate: a.sample_rate(),
        channels: a.channels(),
    }))
}

/// A file's sound decoded by GStreamer (`decodebin`, as any GStreamer player would) to 48 kHz
/// mono float: what a listener hears, with the container's edit lists applied.
pub fn decode_sound(path: &Path) -> Result<Vec<f32>, String> {
    crate::encode::gst_init().map_err(|e| e.to_string())?;
    let location = path.to_str().ok_or("the path is not UTF-8")?.replace('"', "\\\"");
    let desc = format!(
        "filesrc location=\"{location}\" ! decodebin ! audioconvert ! audioresample ! \
         audio/x-raw,format=F32LE,rate=48000,channels=1 ! appsink name=sink sync=false"
    );
    let pipeline =
        gst::parse::launch(&desc).map_err(|e| e.to_string())?.downcast::<gst::Pipeline>().map_err(|_| "no pipeline")?;
    let sink = pipeline.by_name("sink").and_then(|e| e.downcast::<gst_app::AppSink>().ok()).ok_or("no sink")?;
    pipeline.set_state(gst::State::Playing).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(20)) {
        let Some(buffer) = sample.buffer() else { continue };
        let map = buffer.map_readable().map_err(|e| e.to_string())?;
        out.extend(map.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    }
    let eos = sink.is_eos();
    let _ = pipeline.set_state(gst::State::Null);
    if !eos {
        return Err(format!("{}: decoding the sound stopped before its end", path.display()));
    }
    Ok(out)
}

fn is_gif(path: &Path) -> bool {
    let mut magic = [0u8; 6];
    std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)).is_ok()
        && &magic[..3] == b"GIF"
}

fn gif_decoder(path: &Path) -> Result<gif::Decoder<std::io::BufReader<std::fs::File>>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    opts.read_info(std::io::BufReader::new(file)).map_err(|e| e.to_string())
}

fn discover_gif(path: &Path) -> Result<MediaInfo, String> {
    let mut total_cs = 0u64;
    let (n, w, h) = decode_gif(path, |_, _, _| {})?;
    let mut dec = gif_decoder(path)?;
    while let Some(frame) = dec.read_next_frame().map_err(|e| e.to_string())? {
        total_cs += u64::from(frame.delay);
    }
    let _ = n;
    Ok(MediaInfo {
        container: "image/gif".into(),
        codec: "image/gif".into(),
        profile: None,
        chroma_format: None,
        bit_depth: Some(8),
        width: w,
        height: h,
        duration: Duration::from_millis(total_cs * 10),
    })
}

/// Composites GIF frames onto a canvas (frames may cover part of it, with transparency) and
/// hands out each full picture with its start time.
fn decode_gif(path: &Path, mut f: impl FnMut(u64, Duration, &[u8])) -> Result<(u64, u32, u32), String> {
    let mut dec = gif_decoder(path)?;
    let (w, h) = (u32::from(dec.width()), u32::from(dec.height()));
    let mut canvas = vec![0u8; w as usize * h as usize * 4];
    let (mut n, mut t_cs) = (0u64, 0u64);
    while let Some(frame) = dec.read_next_frame().map_err(|e| e.to_string())? {
        let (fx, fy, fw) = (usize::from(frame.left), usize::from(frame.top), usize::from(frame.width));
        for (i, px) in frame.buffer.chunks_exact(4).enumerate() {
            let (x, y) = (fx + i % fw, fy + i / fw);
            if px[3] != 0 && x < w as usize && y < h as usize {
                let o = (y * w as usize + x) * 4;
                canvas[o..o + 4].copy_from_slice(px);
            }
        }
        f(n, Duration::from_millis(t_cs * 10), &canvas);
        t_cs += u64::from(frame.delay);
        n += 1;
    }
    Ok((n, w, h))
}

/// Peak signal-to-noise ratio over RGB (alpha ignored), in dB; `f64::INFINITY` when identical.
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let (mut se, mut n) = (0u64, 0u64);
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = i64::from(pa[c]) - i64::from(pb[c]);
            se += (d * d) as u64;
        }
        n += 3;
    }
    if se == 0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 / (se as f64 / n as f64)).log10()
}

/// Mean SSIM of the luma (BT.601) over 8×8 blocks. 1.0 means identical.
pub fn ssim(a: &[u8], b: &[u8], width: u32, height: u32) -> f64 {
    let (w, h) = (width as usize, height as usize);
    let luma = |p: &[u8], i: usize| {
        0.299 * f64::from(p[i * 4]) + 0.587 * f64::from(p[i * 4 + 1]) + 0.114 * f64::from(p[i * 4 + 2])
    };
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut blocks) = (0.0, 0u64);
    for by in (0..h.saturating_sub(7)).step_by(8) {
        for bx in (0..w.saturating_sub(7)).step_by(8) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in by..by + 8 {
                for x in bx..bx + 8 {
                    let (la, lb) = (luma(a, y * w + x), luma(b, y * w + x));
                    sa += la;
                    sb += lb;
                    saa += la * la;
                    sbb += lb * lb;
                    sab += la * lb;
                }
            }
            let n = 64.0;
            let (ma, mb) = (sa / n, sb / n);
            let (va, vb, cov) = (saa / n - ma * ma, sbb / n - mb * mb, sab / n - ma * mb);
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            blocks += 1;
        }
    }
    if blocks == 0 {
        1.0
    } else {
        total / blocks as f64
    }
}
