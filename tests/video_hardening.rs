//! Video clips as a user and an attacker give them (issue 35), through the binary: a still
//! image named as a clip and a one-frame 8192×8192 clip render, held; a clip failing mid-render
//! ends the render at once (it used to wait for ever, deaf to signals); a 1 fps clip and a
//! recording whose picture stops before its sound are held to their end, not called cut short;
//! `check` says what a clip without a picture is, at once; a composition asking for a clip at
//! many sizes at once is refused beyond the app's bound on clip decoders, naming the clip; a
//! clip swapped for a link out of the folder mid-render is refused; absurd times and sizes give
//! the frames the rule picks.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{check_refused, children_named, files_in, render_command, running};
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longer than any of these renders takes on a loaded two-core machine: a render still
/// running then is hung.
const DEADLINE: Duration = Duration::from_secs(90);

fn ffmpeg(args: &[&str], out: &Path) {
    let ok = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).arg(out).status().unwrap();
    assert!(ok.success(), "ffmpeg could not make {}", out.display());
}

fn write_project(dir: &Path, (w, h): (u32, u32), compositions: &str, scenes: &str) -> std::path::PathBuf {
    let p = dir.join("project.json");
    let json = format!(
        r#"{{ "version": 1, "width": {w}, "height": {h}, "fps": 30, "compositions": {compositions}, "scenes": {scenes} }}"#
    );
    std::fs::write(&p, json).unwrap();
    p
}

struct Ended {
    code: Option<i32>,
    err: String,
    took: Duration,
    webkit: Vec<u32>,
}

/// Renders `project` to `out` (`env` added); past [`DEADLINE`] the render's process group is
/// killed and the test fails: it hung.
fn render_bounded(project: &Path, out: &Path, env: &[(&str, &str)]) -> Ended {
    render_watched(project, out, env, |_| {})
}

/// As [`render_bounded`], with each line the render says given to `said` as it comes.
fn render_watched(project: &Path, out: &Path, env: &[(&str, &str)], mut said: impl FnMut(&str)) -> Ended {
    let mut command = render_command(project, out, &["--quality", "low"], 60);
    command.envs(env.iter().copied()).process_group(0).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    let pipe = child.stderr.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let started = Instant::now();
    let (mut err, mut webkit) = (String::new(), Vec::new());
    let status = loop {
        for line in lines.try_iter() {
            said(&line);
            err.push_str(&line);
            err.push('\n');
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        webkit.extend(children_named(pid, "WebKit").into_iter().filter(|p| !webkit.contains(p)).collect::<Vec<_>>());
        if started.elapsed() > DEADLINE {
            // SAFETY: kill(2) on the process group this test made for the render.
            unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
            let _ = child.wait();
            panic!("the render hung: still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The rest of what it said (the pipe closes when it ends).
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        err.push_str(&line);
        err.push('\n');
    }
    Ended { code: status.code(), err, took: started.elapsed(), webkit }
}

/// Nothing is left of a failed render: only `files` in the folder, no WebKit process.
fn nothing_left(ended: &Ended, dir: &Path, files: &[&str]) {
    assert_eq!(files_in(dir), files, "{}", ended.err);
    std::thread::sleep(Duration::from_millis(500));
    let left: Vec<_> = ended.webkit.iter().filter(|p| running(**p)).collect();
    assert!(left.is_empty(), "WebKit processes outlived the render: {left:?}");
}

/// The colour of each exported frame's centre.
fn centre_colours(video: &Path) -> Vec<[u8; 3]> {
    let info = probe::discover(video).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut colours = Vec::new();
    probe::decode_frames(video, |_, _, rgba| {
        let i = ((h / 2) * w + w / 2) * 4;
        colours.push([rgba[i], rgba[i + 1], rgba[i + 2]]);
    })
    .unwrap();
    colours
}

/// A still image named as a clip (a PNG renamed `.mp4`) and a one-frame 8192×8192 MP4 are
/// one-frame clips: each frame of their scenes shows the picture, held. They used to wait for
/// ever at a frame (the page waiting for a frame the failed clip decoder never made), or fail
/// as "has no picture (it may be a sound file)" past one second.
#[test]
fn a_still_image_and_a_one_frame_8k_clip_render_held() {
    let dir = tempfile::tempdir().unwrap();
    let png = ["-f", "image2", "-c:v", "png"];
    let still = dir.path().join("still.mp4");
    ffmpeg(&[&["-f", "lavfi", "-i", "color=c=0x2080e0:s=4096x4096", "-frames:v", "1"][..], &png[..]].concat(), &still);
    let big = dir.path().join("big.mp4");
    let x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
    ffmpeg(
        &[&["-f", "lavfi", "-i", "color=c=0xe08020:s=8192x8192:r=30", "-frames:v", "1"][..], &x264[..]].concat(),
        &big,
    );
    let scenes = r#"[ { "composition": "VideoClip", "durationInFrames": 60, "props": { "src": "still.mp4" } },
                      { "composition": "VideoClip", "durationInFrames": 45, "props": { "src": "big.mp4" } } ]"#;
    let project = write_project(dir.path(), (192, 108), "{}", scenes);
    let out = dir.path().join("out.mp4");
    let ended = render_bounded(&project, &out, &[]);
    assert_eq!(ended.code, Some(0), "{}", ended.err);
    let colours = centre_colours(&out);
    assert_eq!(colours.len(), 105);
    let near = |c: [u8; 3], want: [u8; 3]| c.iter().zip(want).all(|(a, b)| a.abs_diff(b) < 12);
    for (i, c) in colours.iter().enumerate() {
        let want = if i < 60 { [0x20, 0x80, 0xe0] } else { [0xe0, 0x80, 0x20] };
        assert!(near(*c, want), "frame {i} shows {c:?}, not {want:?}");
    }
}

/// A clip whose pictures stop halfway (a 4K clip cut in half: the app decodes it slower than
/// the page asks, so the page is waiting for its next frame when the cut is found) fails the
/// render at once, naming the clip and its scene, and leaves nothing. It used to wait for ever:
/// the page's request kept the render's session, the encoder waited for it, the render for the
/// encoder, and signals were not heard.
#[test]
fn a_clip_failing_mid_render_ends_the_render_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("cut.mp4");
    let x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart"];
    ffmpeg(&[&["-f", "lavfi", "-i", "testsrc2=s=3840x2160:r=30", "-frames:v", "60"][..], &x264[..]].concat(), &clip);
    let bytes = std::fs::read(&clip).unwrap();
    std::fs::write(&clip, &bytes[..bytes.len() / 2]).unwrap();
    let scenes = r#"[ { "composition": "VideoClip", "durationInFrames": 60, "props": { "src": "cut.mp4" } } ]"#;
    let project = write_project(dir.path(), (192, 108), "{}", scenes);
    let ended = render_bounded(&project, &dir.path().join("out.mp4"), &[]);
    assert_eq!(ended.code, Some(1), "{}", ended.err);
    for words in ["cut.mp4", "cut short", "scene 1 (VideoClip)"] {
        assert!(ended.err.contains(words), "no {words:?} in: {}", ended.err);
    }
    nothing_left(&ended, dir.path(), &["cut.mp4", "project.json"]);
}

/// A scene's clip swapped for a link out of the project folder while the render runs (after
/// the project was checked, before the app opens that scene's clip) is refused when it is
/// opened, naming it: the picture of a file outside the folder never reaches the video. The
/// app used to open it by name and put it in the video.
#[test]
fn a_clip_swapped_for_a_link_out_of_the_folder_mid_render_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("project");
    std::fs::create_dir(&folder).unwrap();
    let secret = dir.path().join("secret.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "color=c=red:s=192x108:r=30", "-frames:v", "30", "-c:v", "libx264"], &secret);
    for (name, frames) in [("first.mp4", 150), ("second.mp4", 30)] {
        synth::encode_clip(&folder.join(name), 192, 108, "30", frames, &["-c:v", "libx264"]).unwrap();
    }
    let scenes = r#"[ { "composition": "VideoClip", "durationInFrames": 150, "props": { "src": "first.mp4" } },
                      { "composition": "VideoClip", "durationInFrames": 30, "props": { "src": "second.mp4" } } ]"#;
    let project = write_project(&folder, (192, 108), "{}", scenes);
    let second = folder.join("second.mp4");
    let mut swapped = false;
    // Once frames come out of the encoder, every scene's load() is done (the page asked for
    // each clip then, and was let through); the app is making the first scene's 150 frames and
    // opens the second scene's clip only when it gets there.
    let ended = render_watched(&project, &folder.join("out.mp4"), &[], |line| {
        let encoded = line.strip_prefix("rendering: ").and_then(|l| l.split('/').next()?.parse::<u32>().ok());
        if !swapped && encoded.is_some_and(|n| n > 0) {
            std::fs::remove_file(&second).unwrap();
            std::os::unix::fs::symlink(&secret, &second).unwrap();
            swapped = true;
        }
    });
    assert!(swapped, "the render never said it had encoded a frame: {}", ended.err);
    assert_eq!(ended.code, Some(1), "the clip swapped for a link out was read: {}", ended.err);
    for words in ["scene 2 (VideoClip)", "second.mp4", "outside the project folder"] {
        assert!(ended.err.contains(words), "no {words:?} in: {}", ended.err);
    }
    nothing_left(&ended, &folder, &["first.mp4", "project.json", "second.mp4"]);
}

/// A time-lapse at 1 fps (3 frames, 3 s) and a recording whose picture stops after 1 s while
/// its sound goes on for 4 s: every exported frame shows the frame the rule picks, the last
/// one held to the clip's end. Both used to fail mid-render as "damaged or cut short".
#[test]
fn a_one_fps_clip_and_a_picture_shorter_than_its_sound_are_held_to_their_end() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (192, 108);
    let timelapse = dir.path().join("timelapse.mp4");
    synth::encode_clip(&timelapse, w, h, "1", 3, &["-c:v", "libx264"]).unwrap();
    let picture = dir.path().join("picture.mp4");
    synth::encode_clip(&picture, w, h, "30", 30, &["-c:v", "libx264"]).unwrap();
    let recording = dir.path().join("recording.mp4");
    let video = picture.to_str().unwrap();
    ffmpeg(&["-i", video, "-f", "lavfi", "-t", "4", "-i", "sine", "-c:v", "copy", "-c:a", "aac"], &recording);
    let scenes = r#"[ { "composition": "VideoClip", "durationInFrames": 90, "props": { "src": "timelapse.mp4" } },
                      { "composition": "VideoClip", "durationInFrames": 120, "props": { "src": "recording.mp4", "volume": 0 } } ]"#;
    let project = write_project(dir.path(), (w, h), "{}", scenes);
    let out = dir.path().join("out.mp4");
    let ended = render_bounded(&project, &out, &[]);
    assert_eq!(ended.code, Some(0), "{}", ended.err);
    let info = probe::discover(&out).unwrap();
    let mut shown = Vec::new();
    probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, info.width, info.height) as usize))
        .unwrap();
    let lapse = synth::presentation_times(&timelapse).unwrap();
    let rec = synth::presentation_times(&recording).unwrap();
    let mut expected: Vec<usize> = (0..90).map(|n| synth::nearest_frame(&lapse, f64::from(n) / 30.0)).collect();
    expected.extend((0..120).map(|n| synth::nearest_frame(&rec, f64::from(n) / 30.0)));
    assert_eq!(shown, expected);
}

/// A composition asking its clip for absurd times and sizes (huge, infinite, negative, not a
/// number) gets the last frame past the end and the first before it, as the rule says. A time
/// past 2^63 µs (1e300 s, Infinity) or a size past 2^32 used to be written "1e+300" in the
/// request, which named no frame: "it is outside the project folder".
#[test]
fn absurd_times_and_sizes_give_the_frames_the_rule_picks() {
    let dir = tempfile::tempdir().unwrap();
    synth::encode_clip(&dir.path().join("clip.mp4"), 192, 108, "30", 30, &["-c:v", "libx264"]).unwrap();
    std::fs::write(dir.path().join("absurd.js"), ABSURD_JS).unwrap();
    let scenes = r#"[ { "composition": "Absurd", "durationInFrames": 8 } ]"#;
    let project = write_project(dir.path(), (192, 108), r#"{ "Absurd": "./absurd.js" }"#, scenes);
    let out = dir.path().join("out.mp4");
    let ended = render_bounded(&project, &out, &[]);
    assert_eq!(ended.code, Some(0), "{}", ended.err);
    let info = probe::discover(&out).unwrap();
    let mut shown = Vec::new();
    probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, info.width, info.height))).unwrap();
    assert_eq!(shown, [29, 0, 0, 29, 0, 29, 0, 29]);
}

const ABSURD_JS: &str = r#"
export default {
  async load({ assets }) {
    return { clip: await assets.video("clip.mp4") };
  },
  async draw(ctx, { frame, width, height, loaded }) {
    const t = [1e9, -5, NaN, Infinity, -Infinity, 1e300, "x", 1e15][frame];
    const size = [{ width: 1e300, height: 1e300 }, { width: -3, height: NaN }, undefined, { width: 5e9, height: 5e9 }][frame % 4];
    const picture = await loaded.clip.frameAt(t, size);
    ctx.drawImage(picture, 0, 0, width, height);
    picture.close();
  },
};
"#;

/// `check` says what a clip without a picture is, each at its JSON path, at once: an MP4 cut
/// before its index, one whose video track ends before its first picture (not "a sound
/// file"), a sound file, a file with only subtitles, a picture too large; speeds of 0 or less,
/// or absurd, are refused as before.
#[test]
fn check_says_what_a_clip_without_a_picture_is_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let x264 = ["-c:v", "libx264"];
    synth::encode_clip(&d.join("no-index.mp4"), 192, 108, "30", 60, &x264).unwrap();
    let bytes = std::fs::read(d.join("no-index.mp4")).unwrap();
    std::fs::write(d.join("no-index.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    let faststart = [&x264[..], &["-movflags", "+faststart"]].concat();
    synth::encode_clip(&d.join("no-frame.mp4"), 192, 108, "30", 60, &faststart).unwrap();
    let bytes = std::fs::read(d.join("no-frame.mp4")).unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    std::fs::write(d.join("no-frame.mp4"), &bytes[..mdat + 64]).unwrap();
    ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac"], &d.join("tone.mp4"));
    std::fs::write(d.join("s.srt"), "1\n00:00:00,000 --> 00:00:01,000\nhello\n").unwrap();
    ffmpeg(&["-i", d.join("s.srt").to_str().unwrap(), "-c:s", "mov_text"], &d.join("words.mp4"));
    ffmpeg(
        &["-f", "lavfi", "-i", "color=c=blue:s=8200x8200", "-frames:v", "1", "-f", "image2", "-c:v", "png"],
        &d.join("huge.mp4"),
    );
    synth::encode_clip(&d.join("ok.mp4"), 192, 108, "30", 30, &x264).unwrap();
    let scene = |src: &str, extra: &str| {
        format!(r#"{{ "composition": "VideoClip", "durationInFrames": 10, "props": {{ "src": "{src}"{extra} }} }}"#)
    };
    let scenes = [
        scene("no-index.mp4", ""),
        scene("no-frame.mp4", ""),
        scene("tone.mp4", ""),
        scene("words.mp4", ""),
        scene("huge.mp4", ""),
    ];
    let project = write_project(d, (192, 108), "{}", &format!("[{}]", scenes.join(",")));
    let started = Instant::now();
    let text = check_refused(&project, &[]);
    let took = started.elapsed();
    for said in [
        "scenes[0].props.src: no-index.mp4 is damaged or cut short",
        "scenes[1].props.src: no-frame.mp4 is damaged or cut short: its video track ends before its first picture",
        "scenes[2].props.src: tone.mp4 has no picture, only sound: use \"audio\" for sounds",
        "scenes[3].props.src: words.mp4 has no picture: it has no video track",
        "scenes[4].props.src: huge.mp4 is 8200×8200 pixels; a video clip may be at most 8192×8192 pixels",
    ] {
        assert!(text.contains(said), "no {said:?} in:\n{text}");
    }
    assert!(!text.contains("sound file"), "{text}");
    // GStreamer knows each in well under a second; 30 s a file was the stall.
    assert!(took < Duration::from_secs(30), "check took {took:?}");
    // Speeds of 0 or less, or absurd, were refused already (held).
    let speeds = [scene("ok.mp4", r#", "playbackRate": -1"#), scene("ok.mp4", r#", "playbackRate": 1e9"#)];
    let project = write_project(d, (192, 108), "{}", &format!("[{}]", speeds.join(",")));
    let text = check_refused(&project, &[]);
    for at in ["scenes[0].props.playbackRate", "scenes[1].props.playbackRate"] {
        assert!(text.contains(&format!("{at}: must be a speed above 0")), "{text}");
    }
}

/// A composition asking for its clip at 16 sizes at once (16 decoders of an 8K clip took the
/// app to 6.8 GB): the app's clip decoders are bounded (8, and their memory), and beyond the
/// bound a request is refused and the render fails naming the clip. Here the bound is lowered
/// so that one decoder fits: the second size, asked while the first is still decoding (a frame
/// far into a long-GOP clip), is refused; asked one after another, the idle decoder is closed
/// to make room and it renders; lowered below one decoder, the clip is refused outright.
#[test]
fn a_clip_asked_for_at_many_sizes_at_once_is_refused_beyond_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let gop = ["-c:v", "libx264", "-g", "1000", "-keyint_min", "1000"];
    synth::encode_clip(&dir.path().join("clip.mp4"), 640, 360, "30", 100, &gop).unwrap();
    std::fs::write(dir.path().join("sizes.js"), SIZES_JS).unwrap();
    for (together, memory_mb, refused) in
        [(true, "100", Some("clip decoders are busy")), (false, "100", None), (false, "50", Some("draw it smaller"))]
    {
        let scenes = format!(
            r#"[ {{ "composition": "Sizes", "durationInFrames": 2, "props": {{ "together": {together} }} }} ]"#
        );
        let project = write_project(dir.path(), (192, 108), r#"{ "Sizes": "./sizes.js" }"#, &scenes);
        let out = dir.path().join("out.mp4");
        let ended = render_bounded(&project, &out, &[("BAZAAR_CLIP_MEMORY_MB", memory_mb)]);
        let case = format!("together: {together}, {memory_mb} MB ({:?})", ended.took);
        let Some(why) = refused else {
            assert_eq!(ended.code, Some(0), "{case}: {}", ended.err);
            std::fs::remove_file(&out).unwrap();
            continue;
        };
        assert_eq!(ended.code, Some(1), "{case}: {}", ended.err);
        for words in ["scene 1 (Sizes)", "clip.mp4", why] {
            assert!(ended.err.contains(words), "{case}: no {words:?} in: {}", ended.err);
        }
        nothing_left(&ended, dir.path(), &["clip.mp4", "project.json", "sizes.js"]);
    }
}

const SIZES_JS: &str = r#"
// Asks for its clip at 16 sizes, all at once or one after another, near its end (2.9 s into
// a clip with one keyframe: each size decodes 87 frames).
export default {
  async load({ assets }) {
    return { clip: await assets.video("clip.mp4") };
  },
  async draw(ctx, { frame, width, height, props, loaded }) {
    const sizes = Array.from({ length: 16 }, (_, i) => ({ width: 100 + 16 * i, height: 60 + 9 * i }));
    const at = (size) => loaded.clip.frameAt(2.9 + frame / 30, size);
    const pictures = [];
    if (props.together) pictures.push(...(await Promise.all(sizes.map(at))));
    else for (const size of sizes) pictures.push(await at(size));
    for (const p of pictures) {
      ctx.drawImage(p, 0, 0, width, height);
      p.close();
    }
  },
};
"#;
