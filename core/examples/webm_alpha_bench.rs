//! What the alpha stream of a transparent WebM costs: the whole [`WebmAlphaEncoder`] session
//! (RGBA split, two vp9enc, our muxer) against one opaque vp9enc with the same settings fed
//! ready-made I420 (the encoder alone, no conversion), on the same 1080p frames.
//!
//! usage: cargo run --release -p bazaar-core --example webm_alpha_bench -- [frames] [low|medium|high]

use bazaar_core::encode::webm_alpha::{keyframe_every, VP9_PRESETS};
use bazaar_core::encode::{gst_init, EncodeSettings, Format, PixelFormat, Quality, WebmAlphaEncoder};
use bazaar_core::{synth, CancelToken};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::Arc;
use std::time::Instant;

const W: u32 = 1920;
const H: u32 = 1080;
const FPS: u32 = 30;
/// Distinct frames made up front and cycled, so making them costs nothing during the runs.
const DISTINCT: u64 = 60;

/// CPU seconds (user + system) used by this process so far, every thread.
fn cpu_secs() -> f64 {
    // SAFETY: getrusage fills the struct it is given and touches nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Synthetic moving content with a moving, feathered opaque disc and a half-transparent band
/// on a transparent background: the alpha an overlay typically has.
fn frame(index: u64) -> Vec<u8> {
    let mut px = synth::frame(index, W, H);
    let (cx, cy) = (400.0 + (index * 12 % 1100) as f64, 540.0);
    for y in 0..H as usize {
        for x in 0..W as usize {
            let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
            let disc = ((400.0 - d) / 32.0).clamp(0.0, 1.0) * 255.0;
            let a = if y > 900 { disc.max(128.0) } else { disc };
            px[(y * W as usize + x) * 4 + 3] = a as u8;
        }
    }
    px
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let frames: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(150);
    let quality = args.get(2).and_then(|q| Quality::parse(q)).unwrap_or(Quality::High);
    gst_init().expect("GStreamer");
    eprintln!("making {DISTINCT} distinct {W}×{H} frames…");
    let rgba: Vec<Vec<u8>> = (0..DISTINCT).map(frame).collect();
    let i420: Vec<Vec<u8>> = rgba
        .iter()
        .map(|f| bazaar_core::encode::rgba_to_i420(f, W, H, bazaar_core::encode::YuvMatrix::Bt709))
        .collect();

    let dir = tempfile_dir();
    let dest = dir.join("bench.webm");
    let settings = EncodeSettings {
        format: Format::Webm,
        quality,
        width: W,
        height: H,
        fps: FPS,
        total_frames: frames,
        duration: None,
        input: PixelFormat::Rgba,
        audio: false,
        keep_alpha: true,
        prores_profile: Default::default(),
        gif_loops: 0,
    };
    let (t, c) = (Instant::now(), cpu_secs());
    let mut enc = WebmAlphaEncoder::start(settings, &[], &dest, CancelToken::new(), Arc::new(|_| {})).expect("start");
    for i in 0..frames {
        enc.push_frame(i, rgba[(i % DISTINCT) as usize].clone()).expect("push");
    }
    enc.finish().expect("finish");
    let (alpha_s, alpha_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
    let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);

    let props = VP9_PRESETS[Quality::ALL.iter().position(|&q| q == quality).unwrap_or(2)];
    let desc = format!("appsrc name=src ! vp9enc {props} ! fakesink sync=false");
    let pipeline = gst::parse::launch(&desc).expect("pipeline").downcast::<gst::Pipeline>().expect("a pipeline");
    let src = pipeline.by_name("src").and_then(|e| e.downcast::<gst_app::AppSrc>().ok()).expect("appsrc");
    let caps = gst::Caps::builder("video/x-raw")
        .field("format", "I420")
        .field("width", W as i32)
        .field("height", H as i32)
        .field("framerate", gst::Fraction::new(FPS as i32, 1))
        .field("colorimetry", "bt709")
        .build();
    src.set_caps(Some(&caps));
    src.set_format(gst::Format::Time);
    src.set_block(true);
    src.set_max_bytes(i420[0].len() as u64 * 2);
    let (t, c) = (Instant::now(), cpu_secs());
    pipeline.set_state(gst::State::Playing).expect("play");
    for i in 0..frames {
        let mut b = gst::Buffer::from_slice(i420[(i % DISTINCT) as usize].clone());
        let pts = gst::ClockTime::from_nseconds(i * 1_000_000_000 / u64::from(FPS));
        if let Some(b) = b.get_mut() {
            b.set_pts(pts);
        }
        if i > 0 && i % keyframe_every(FPS) == 0 {
            let e = gstreamer_video::DownstreamForceKeyUnitEvent::builder().running_time(pts).build();
            src.send_event(e);
        }
        src.push_buffer(b).expect("push");
    }
    src.end_of_stream().expect("eos");
    let bus = pipeline.bus().expect("bus");
    bus.timed_pop_filtered(gst::ClockTime::NONE, &[gst::MessageType::Eos, gst::MessageType::Error]);
    let (opaque_s, opaque_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
    let _ = pipeline.set_state(gst::State::Null);

    let n = frames as f64;
    println!("{frames} frames {W}×{H} at {}:", quality.id());
    println!(
        "  transparent WebM session: {:.1} fps, {:.1} CPU-ms/frame, {:.1} MB",
        n / alpha_s,
        alpha_cpu * 1000.0 / n,
        size as f64 / 1e6
    );
    println!("  one opaque vp9enc alone:  {:.1} fps, {:.1} CPU-ms/frame", n / opaque_s, opaque_cpu * 1000.0 / n);
    println!("  ratio (session / opaque): {:.2} in fps, {:.2} in CPU", opaque_s / alpha_s, alpha_cpu / opaque_cpu);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("webm-alpha-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("a temp folder");
    d
}
