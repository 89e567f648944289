//! Transparent WebM (VP9 + alpha in BlockAdditional): synthetic RGBA frames with known colour and
//! alpha patches are encoded, then decoded back by independent decoders: FFmpeg's libvpx
//! decoder (alpha and colour, its `overlay` composite, a seek), ffprobe (tags, frame count,
//! keyframes) and GStreamer's own `vp9alphadecodebin` (behind `vp9parse`, which gives it whole super-frames).

use bazaar_core::encode::{EncodeSettings, Format, PixelFormat, Quality, WebmAlphaEncoder};
use bazaar_core::CancelToken;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const W: u32 = 160;
const H: u32 = 96;
const FPS: u32 = 10;
const FRAMES: u64 = 30;
/// The alpha of each of the five bands in the top half, and their (straight) colours.
const ALPHAS: [u8; 5] = [0, 64, 128, 192, 255];
const BANDS: [[u8; 3]; 5] = [[250, 20, 20], [30, 200, 60], [40, 60, 220], [230, 200, 40], [200, 60, 30]];
/// The opaque square that moves across the transparent bottom half (inter frames).
const SQUARE: [u8; 3] = [40, 180, 90];
const SQUARE_SIDE: u32 = 24;
const BACKDROP: [u8; 3] = [0x33, 0x66, 0xCC];

fn square_x(index: u64) -> u32 {
    (index as u32 * 4) % (W - SQUARE_SIDE)
}

/// Frame `index`: five flat bands of known alpha on top; below, the square on a fully
/// transparent background whose colour (never seen) changes from frame to frame.
fn frame(index: u64) -> Vec<u8> {
    let mut px = vec![0u8; (W * H * 4) as usize];
    let band_w = W / 5;
    for y in 0..H {
        for x in 0..W {
            let o = ((y * W + x) * 4) as usize;
            let p = if y < H / 2 {
                let b = (x / band_w).min(4) as usize;
                [BANDS[b][0], BANDS[b][1], BANDS[b][2], ALPHAS[b]]
            } else if (square_x(index)..square_x(index) + SQUARE_SIDE).contains(&x)
                && (H / 2 + 16..H / 2 + 16 + SQUARE_SIDE).contains(&y)
            {
                [SQUARE[0], SQUARE[1], SQUARE[2], 255]
            } else {
                [(index * 8) as u8, 0, 255 - (index * 8) as u8, 0]
            };
            px[o..o + 4].copy_from_slice(&p);
        }
    }
    px
}

/// Where to sample and what to expect there in frame `index`: (x, y, rgb, alpha), centres of
/// flat areas (edges blur in 4:2:0 and in the codec).
fn samples(index: u64) -> Vec<(u32, u32, [u8; 3], u8)> {
    let band_w = W / 5;
    let mut s: Vec<_> = (0..5).map(|b| (b as u32 * band_w + band_w / 2, H / 4, BANDS[b], ALPHAS[b])).collect();
    s.push((square_x(index) + SQUARE_SIDE / 2, H / 2 + 16 + SQUARE_SIDE / 2, SQUARE, 255));
    s.push((((square_x(index) + SQUARE_SIDE + W / 2) % W).clamp(4, W - 4), H - 6, [0, 0, 0], 0));
    s.retain(|&(x, _, _, a)| a != 0 || !(square_x(index)..square_x(index) + SQUARE_SIDE + 8).contains(&x));
    s
}

fn encode(dir: &Path, quality: Quality) -> PathBuf {
    let dest = dir.join("alpha.webm");
    let settings = EncodeSettings {
        format: Format::Webm,
        quality,
        width: W,
        height: H,
        fps: FPS,
        total_frames: FRAMES,
        duration: None,
        input: PixelFormat::Rgba,
        audio: false,
        keep_alpha: true,
        prores_profile: Default::default(),
        gif_loops: 0,
    };
    let mut enc = WebmAlphaEncoder::start(settings, &[], &dest, CancelToken::new(), Arc::new(|_| {})).expect("start");
    for i in 0..FRAMES {
        enc.push_frame(i, frame(i)).expect("push");
    }
    enc.finish().expect("finish")
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("ffmpeg/ffprobe are installed (scripts/install-deps.sh)");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn ffprobe(path: &Path, args: &[&str]) -> String {
    String::from_utf8(run(Command::new("ffprobe").args(["-v", "error"]).args(args).arg(path))).unwrap()
}

/// Decodes with FFmpeg's libvpx decoder (the one that reads the alpha) to RGBA frames, after
/// `filter` when given.
fn ffmpeg_frames(path: &Path, before_input: &[&str], filter: Option<&str>, pix_fmt: &str) -> Vec<u8> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-nostdin"]).args(before_input).args(["-c:v", "libvpx-vp9", "-i"]).arg(path);
    if let Some(f) = filter {
        cmd.args([
            "-f",
            "lavfi",
            "-i",
            &format!(
                "color=c=0x{:02X}{:02X}{:02X}:s={W}x{H}:r={FPS},format=rgba",
                BACKDROP[0], BACKDROP[1], BACKDROP[2]
            ),
        ]);
        cmd.args(["-filter_complex", f]);
    }
    cmd.args(["-pix_fmt", pix_fmt, "-f", "rawvideo", "-"]);
    run(&mut cmd)
}

fn close(got: &[u8], want: &[u8], tolerance: i32) -> bool {
    got.iter().zip(want).all(|(&g, &w)| (i32::from(g) - i32::from(w)).abs() <= tolerance)
}

#[test]
fn ffmpeg_decodes_the_alpha_and_the_colour_and_composites_like_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = encode(dir.path(), Quality::High);

    let streams = ffprobe(&path, &["-count_frames", "-show_streams", "-show_format"]);
    for want in [
        "codec_name=vp9",
        &format!("width={W}"),
        &format!("height={H}"),
        "TAG:alpha_mode=1",
        &format!("nb_read_frames={FRAMES}"),
        "color_range=tv",
        "color_space=bt709",
        "color_transfer=bt709",
        "color_primaries=bt709",
        "format_name=matroska,webm",
    ] {
        assert!(streams.contains(want), "ffprobe does not say {want}:\n{streams}");
    }
    let duration: f64 =
        streams.lines().find_map(|l| l.strip_prefix("duration=").and_then(|d| d.parse().ok())).expect("a duration");
    assert!((duration - FRAMES as f64 / f64::from(FPS)).abs() < 0.02, "duration {duration}");

    // Keyframes every two seconds, both streams on the same frames (else not flagged K).
    let packets = ffprobe(&path, &["-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0"]);
    let keys: Vec<usize> = packets
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .filter(|(_, f)| f.starts_with('K'))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(keys, [0, 20], "{packets}");

    let rgba = ffmpeg_frames(&path, &[], None, "rgba");
    let frame_len = (W * H * 4) as usize;
    assert_eq!(rgba.len(), frame_len * FRAMES as usize, "FFmpeg decodes every frame");
    // Blended in RGB, on a backdrop made in RGB: with `format=auto` overlay blends in the
    // backdrop's YUV, which the lavfi colour source leaves untagged (read as BT.601), mixing two
    // matrices, and a YUV backdrop is itself 2–3 off its RGB after the round trip.
    let over = "[0:v]format=rgba[v];[1:v]format=rgba[b];[b][v]overlay=format=rgb:shortest=1,format=rgb24";
    let composite = ffmpeg_frames(&path, &[], Some(over), "rgb24");
    assert_eq!(composite.len(), (W * H * 3) as usize * FRAMES as usize);
    for (i, (f, c)) in rgba.chunks_exact(frame_len).zip(composite.chunks_exact((W * H * 3) as usize)).enumerate() {
        for (x, y, rgb, a) in samples(i as u64) {
            let o = ((y * W + x) * 4) as usize;
            assert!(close(&f[o + 3..o + 4], &[a], 3), "frame {i} ({x},{y}): alpha {} for {a}", f[o + 3]);
            if a == 255 {
                assert!(close(&f[o..o + 3], &rgb, 3), "frame {i} ({x},{y}): colour {:?} for {rgb:?}", &f[o..o + 3]);
            }
            // The page's own composite of the straight-alpha pixel over the backdrop.
            let want: Vec<u8> = (0..3)
                .map(|k| {
                    ((u32::from(rgb[k]) * u32::from(a) + u32::from(BACKDROP[k]) * (255 - u32::from(a)) + 127) / 255)
                        as u8
                })
                .collect();
            let o3 = ((y * W + x) * 3) as usize;
            assert!(
                close(&c[o3..o3 + 3], &want, 3),
                "frame {i} ({x},{y}) alpha {a}: composite {:?} for {want:?} (decoded {:?})",
                &c[o3..o3 + 3],
                &f[o..o + 4]
            );
        }
    }

    // A seek through the cues lands on the second keyframe, whose alpha decodes on its own.
    let seeked = ffmpeg_frames(&path, &["-ss", "2.0"], None, "rgba");
    assert_eq!(seeked.len(), frame_len * 10, "the seek starts at frame 20");
    for (x, y, _, a) in samples(20) {
        let o = ((y * W + x) * 4) as usize;
        assert!(close(&seeked[o + 3..o + 4], &[a], 3), "after the seek ({x},{y}): alpha {} for {a}", seeked[o + 3]);
    }
}

/// With sound: an Opus track fed from another thread while the frames are pushed, interleaved
/// with the pictures, whole in FFmpeg (its length, a 440 Hz tone's level), the alpha unchanged.
#[test]
fn a_sound_track_rides_along() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("alpha.webm");
    let settings = EncodeSettings {
        format: Format::Webm,
        quality: Quality::Medium,
        width: W,
        height: H,
        fps: FPS,
        total_frames: FRAMES,
        duration: None,
        input: PixelFormat::Rgba,
        audio: true,
        keep_alpha: true,
        prores_profile: Default::default(),
        gif_loops: 0,
    };
    let mut enc = WebmAlphaEncoder::start(settings, &[], &dest, CancelToken::new(), Arc::new(|_| {})).unwrap();
    let sound = enc.audio_input().expect("a sound input");
    let seconds = FRAMES as f64 / f64::from(FPS);
    let total = (seconds * 48_000.0) as usize;
    let feeder = std::thread::spawn(move || {
        for start in (0..total).step_by(4800) {
            let block: Vec<f32> = (start..(start + 4800).min(total))
                .flat_map(|n| {
                    let v = (n as f64 * 440.0 * std::f64::consts::TAU / 48_000.0).sin() as f32 * 0.5;
                    [v, v]
                })
                .collect();
            assert!(sound.push(&block));
        }
        sound.end();
    });
    for i in 0..FRAMES {
        enc.push_frame(i, frame(i)).unwrap();
    }
    feeder.join().unwrap();
    // As the render path ends an export: the file in place, the session dropped after.
    let path = enc.commit().unwrap();
    assert!(path.exists());
    drop(enc);

    let streams = ffprobe(&path, &["-show_streams"]);
    for want in ["codec_name=vp9", "TAG:alpha_mode=1", "codec_name=opus", "sample_rate=48000", "channels=2"] {
        assert!(streams.contains(want), "ffprobe does not say {want}:\n{streams}");
    }
    let pcm = run(Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(&path)
        .args(["-map", "0:a", "-f", "f32le", "-ar", "48000", "-"]));
    // The left channel (a downmix to mono would weigh both by -3 dB).
    let mono: Vec<f32> = pcm.chunks_exact(8).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let got = mono.len() as f64 / 48_000.0;
    assert!((got - seconds).abs() < 0.03, "{got} s of sound for {seconds}");
    let middle = &mono[mono.len() / 4..mono.len() * 3 / 4];
    let rms = (middle.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / middle.len() as f64).sqrt();
    assert!((rms - 0.5 / 2f64.sqrt()).abs() < 0.03, "the tone's level: rms {rms}");
    let rgba = ffmpeg_frames(&path, &[], None, "rgba");
    let frame_len = (W * H * 4) as usize;
    assert_eq!(rgba.len(), frame_len * FRAMES as usize);
    for (x, y, _, a) in samples(FRAMES - 1) {
        let o = frame_len * (FRAMES as usize - 1) + ((y * W + x) * 4) as usize;
        assert!(close(&rgba[o + 3..o + 4], &[a], 3), "last frame ({x},{y}): alpha {} for {a}", rgba[o + 3]);
    }
}

#[test]
fn gstreamer_decodes_it_with_alpha() {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    use gstreamer_app as gst_app;
    bazaar_core::encode::gst_init().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = encode(dir.path(), Quality::Medium);
    let desc = format!(
        "filesrc location={} ! matroskademux ! vp9parse ! vp9alphadecodebin ! video/x-raw,format=A420 ! videoconvert ! video/x-raw,format=RGBA ! appsink name=sink sync=false",
        path.display()
    );
    let pipeline = gst::parse::launch(&desc).unwrap().downcast::<gst::Pipeline>().unwrap();
    let sink = pipeline.by_name("sink").unwrap().downcast::<gst_app::AppSink>().unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut n = 0u64;
    while let Ok(sample) = sink.pull_sample() {
        let map = sample.buffer().unwrap().map_readable().unwrap();
        for (x, y, _, a) in samples(n) {
            let o = ((y * W + x) * 4) as usize;
            assert!(close(&map[o + 3..o + 4], &[a], 4), "frame {n} ({x},{y}): alpha {} for {a}", map[o + 3]);
        }
        n += 1;
    }
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(n, FRAMES, "GStreamer decodes every frame");
}

#[test]
fn bad_settings_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("alpha.webm");
    let settings = EncodeSettings {
        format: Format::Webm,
        quality: Quality::High,
        width: W,
        height: H,
        fps: FPS,
        total_frames: FRAMES,
        duration: None,
        input: PixelFormat::I420(bazaar_core::encode::YuvMatrix::Bt709),
        audio: false,
        keep_alpha: true,
        prores_profile: Default::default(),
        gif_loops: 0,
    };
    let e = WebmAlphaEncoder::start(settings.clone(), &[], &dest, CancelToken::new(), Arc::new(|_| {}))
        .err()
        .expect("refused");
    assert!(e.to_string().contains("RGBA frames with their alpha"), "{e}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

#[test]
fn a_dropped_session_leaves_nothing_and_a_cancel_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("alpha.webm");
    let settings = EncodeSettings {
        format: Format::Webm,
        quality: Quality::Low,
        width: W,
        height: H,
        fps: FPS,
        total_frames: FRAMES,
        duration: None,
        input: PixelFormat::Rgba,
        audio: false,
        keep_alpha: true,
        prores_profile: Default::default(),
        gif_loops: 0,
    };
    let cancel = CancelToken::new();
    let mut enc = WebmAlphaEncoder::start(settings, &[], &dest, cancel.clone(), Arc::new(|_| {})).unwrap();
    for i in 0..5 {
        enc.push_frame(i, frame(i)).unwrap();
    }
    assert!(enc.push_frame(7, frame(7)).unwrap_err().to_string().contains("out of order"));
    cancel.cancel();
    assert_eq!(enc.push_frame(5, frame(5)).unwrap_err().kind(), "cancelled");
    drop(enc);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the temp file is removed");
}

/// A page beside `path` that draws the video's first frame into a canvas, which keeps alpha,
/// and writes the sample points' RGBA (`getImageData`) into `#out`.
fn browser_page(path: &Path) -> PathBuf {
    let points: Vec<String> = samples(0).iter().map(|&(x, y, _, _)| format!("[{x},{y}]")).collect();
    let opaque = samples(0).into_iter().find(|s| s.3 == 255).map(|(x, y, _, _)| (x, y)).expect("an opaque point");
    let page = format!(
        r#"<!doctype html><html><body style="background:#3366cc">
<video id="v" muted playsinline preload="auto" src="{}"></video><canvas id="c"></canvas><pre id="out">pending</pre>
<script>
const v = document.getElementById('v'), out = document.getElementById('out');
v.onerror = () => {{ out.textContent = 'ERROR ' + (v.error && v.error.code); }};
v.addEventListener('loadeddata', () => {{
  const c = document.getElementById('c'); c.width = v.videoWidth; c.height = v.videoHeight;
  const ctx = c.getContext('2d');
  // `loadeddata` can come before the frame can be drawn (Chromium on a busy machine drew
  // nothing): draw again until the opaque patch shows, then read every point.
  let tries = 0;
  const read = () => {{
    try {{
      ctx.clearRect(0, 0, c.width, c.height); ctx.drawImage(v, 0, 0);
      if (ctx.getImageData({}, {}, 1, 1).data[3] === 0 && ++tries < 100) {{ setTimeout(read, 50); return; }}
      out.textContent = 'PIXELS ' + JSON.stringify([{}].map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data)));
    }} catch (e) {{ out.textContent = 'ERROR ' + e; }}
  }};
  read();
}});
</script></body></html>"#,
        path.file_name().unwrap().to_str().unwrap(),
        opaque.0,
        opaque.1,
        points.join(",")
    );
    let html = path.with_file_name("page.html");
    std::fs::write(&html, page).unwrap();
    html
}

/// Checks what a browser read from [`browser_page`]: alpha ±3, colour ±`colour_tolerance`
/// where opaque.
fn check_browser_pixels(browser: &str, result: &str, colour_tolerance: i32) {
    let json = result.trim().strip_prefix("PIXELS ").unwrap_or_else(|| panic!("{browser}'s page says {result}"));
    let pixels: Vec<Vec<u8>> = serde_json::from_str(json).unwrap();
    assert_eq!(pixels.len(), samples(0).len());
    for ((x, y, rgb, a), px) in samples(0).into_iter().zip(&pixels) {
        assert!(close(&px[3..4], &[a], 3), "{browser} ({x},{y}): alpha {} for {a}", px[3]);
        if a == 255 {
            assert!(close(&px[..3], &rgb, colour_tolerance), "{browser} ({x},{y}): colour {:?} for {rgb:?}", &px[..3]);
        }
    }
}

/// Debian's Chromium, headless, plays it transparent.
#[test]
fn chromium_plays_it_transparent() {
    let dir = tempfile::tempdir().unwrap();
    let html = browser_page(&encode(dir.path(), Quality::High));
    let profile = tempfile::tempdir().unwrap();
    let dom = run(Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        // The page reads pixels of a video beside it: file:// pages are each their own origin.
        .args(["--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom"])
        .arg(format!("file://{}", html.display())));
    let dom = String::from_utf8_lossy(&dom);
    let result = dom
        .split("<pre id=\"out\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_else(|| panic!("no result in the page: {dom}"));
    check_browser_pixels("Chromium", result, 3);
}

/// WebKitGTK, the app's own engine (its GStreamer player, `vp9alphadecodebin`), plays it
/// transparent: the page in a real window on a virtual display (`tools/webkit_page.py`).
#[test]
fn webkit_plays_it_transparent() {
    let dir = tempfile::tempdir().unwrap();
    let html = browser_page(&encode(dir.path(), Quality::High));
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/webkit_page.py");
    let out = run(Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x1024x24 -nolisten tcp", "/usr/bin/python3"])
        .arg(tool)
        .arg(&html));
    // WebKitGTK's own YUV → RGB is off by up to 4 on the opaque patches (green 60 → 56 in
    // the red-orange patch) where FFmpeg and Chromium are within 3: the colour of
    // WebKit's player, not the file's alpha.
    check_browser_pixels("WebKitGTK", &String::from_utf8_lossy(&out), 5);
}
