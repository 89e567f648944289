//! Burned captions through the binary (issue 33, burn-in): SubRip, WebVTT with word time stamps
//! and JSON word timings in each style (`words`, `karaoke`, `subtitle`), rendered and decoded
//! back. Each file is a layer of its own at the top, middle or bottom of a 320×180 frame, so one
//! render checks all three: the frames where a caption appears and goes (exactly the pinned
//! timing rule's, `bazaar_core::captions::shown_on`, the expected frames computed here from the
//! rule itself), the highlighted word moving on at the right frame, karaoke's fill advancing,
//! every caption pixel inside the title-safe area (a very long word included), captions over a
//! DOM scene and over a full-frame video clip (those frames still made by the app, the captions
//! laid over them: `tests/captions_over_clips.rs` compares them with the page's own), and
//! `burn: false` drawing nothing; the window's preview showing them on the same frames.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/webdriver.rs"]
mod webdriver;

use bazaar_core::captions::shown_on;
use bazaar_core::{probe, synth};
use cli::{render, repo, stderr};
use serde_json::json;
use std::path::{Path, PathBuf};

const W: usize = 320;
const H: usize = 180;
const FPS: u32 = 30;
/// Every caption file below starts at project frame 3.
const AT: u64 = 3;
const FRAMES: usize = 40;
/// The words of every file, and their times (ms) in the WebVTT and JSON files.
const WORDS: [(&str, u64, u64); 3] = [("AAA", 0, 333), ("BBB", 333, 667), ("CCC", 667, 1000)];
/// SubRip has no word times: its cue's time is shared out by length (4 characters each).
const SRT_WORDS: [(u64, u64); 3] = [(0, 333), (333, 666), (666, 1000)];
const SRT: &str = "1\n00:00:00,000 --> 00:00:01,000\nAAA BBB CCC\n";
const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:01.000\nAAA <00:00:00.333>BBB <00:00:00.667>CCC\n";
const JSON: &str = r#"[{"text":"AAA","startMs":0,"endMs":333},{"text":" BBB","startMs":333,"endMs":667},{"text":" CCC","startMs":667,"endMs":1000}]"#;

const GREY: &str = "export default { draw(ctx, { width, height }) { ctx.fillStyle = \"#808080\"; ctx.fillRect(0, 0, width, height); } };";
const DOM_GREY: &str =
    "export default { dom: true, render(root) { root.style.background = \"#808080\"; root.textContent = \"\"; } };";

/// A project of `scenes` (compositions `Grey` and `DomGrey`) with the three caption files and
/// `captions`; 320×180 at 30 fps.
fn project(captions: &str, scenes: &str, extra: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8]); 5] = [
        ("grey.js", GREY.as_bytes()),
        ("dom-grey.js", DOM_GREY.as_bytes()),
        ("captions/voice.srt", SRT.as_bytes()),
        ("captions/words.vtt", VTT.as_bytes()),
        ("captions/words.json", JSON.as_bytes()),
    ];
    for (name, bytes) in files.iter().chain(extra) {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let path = dir.path().join("project.json");
    std::fs::write(
        &path,
        format!(
            r#"{{ "version": 1, "width": 320, "height": 180, "fps": 30,
  "compositions": {{ "Grey": "./grey.js", "DomGrey": "./dom-grey.js" }},
  "captions": {captions}, "scenes": {scenes} }}"#
        ),
    )
    .unwrap();
    (dir, path)
}

fn grey_scene() -> String {
    format!(r#"[{{ "composition": "Grey", "durationInFrames": {FRAMES} }}]"#)
}

/// Three layers of `style`, one per file: SubRip at the top, WebVTT in the middle, JSON at the
/// bottom, white (`#ffffff`) on a black band, the spoken word green.
fn three_layers(style: &str, files: &[(&str, &str)]) -> String {
    let layers: Vec<String> = files
        .iter()
        .map(|(src, position)| {
            format!(
                r##"{{ "src": "captions/{src}", "at": {AT}, "style": "{style}", "styleProps": {{ "fontSize": 24, "color": "#ffffff", "highlight": "#00ff00", "background": "#000000", "position": "{position}", "fontFamily": "Inter" }} }}"##
            )
        })
        .collect();
    format!("[{}]", layers.join(", "))
}

/// Renders `project` to MP4 and decodes every frame (RGBA).
fn frames(project: &Path, extra: &[&str]) -> (Vec<Vec<u8>>, String) {
    let out = project.with_file_name("out.mp4");
    let mut args = vec!["--quality", "high", "--size", "project"];
    args.extend_from_slice(extra);
    let o = render(project, &out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut frames = Vec::new();
    let (_, w, h) = probe::decode_frames(&out, |_, _, rgba| frames.push(rgba.to_vec())).unwrap();
    assert_eq!((w as usize, h as usize, frames.len()), (W, H, FRAMES));
    (frames, stderr(&o))
}

/// The points of `frame` within rows `rows` whose colour passes `is`.
fn points(frame: &[u8], rows: std::ops::Range<usize>, is: impl Fn(u8, u8, u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for y in rows {
        for x in 0..W {
            let o = (y * W + x) * 4;
            if is(frame[o], frame[o + 1], frame[o + 2]) {
                out.push((x, y));
            }
        }
    }
    out
}

fn band(r: u8, g: u8, b: u8) -> bool {
    r < 40 && g < 40 && b < 40
}

fn green(r: u8, g: u8, b: u8) -> bool {
    g > 150 && r < 110 && b < 110
}

/// The top, middle and bottom thirds of the frame, where the three layers are.
const THIRDS: [std::ops::Range<usize>; 3] = [0..60, 60..120, 120..180];

/// Which frames the rule shows a file's caption on: its first word's start to its last's end.
fn rule_frames() -> Vec<usize> {
    (0..FRAMES).filter(|&f| shown_on(f as u64, AT, FPS, 0, 1000)).collect()
}

/// Nothing a caption draws (the black band) outside the title-safe area (the middle 90 %).
fn assert_inside_title_safe(frames: &[Vec<u8>]) {
    let (x0, x1, y0, y1) = (W / 20, W - W / 20, H / 20, H - H / 20);
    for (i, f) in frames.iter().enumerate() {
        let outside: Vec<(usize, usize)> =
            points(f, 0..H, band).into_iter().filter(|&(x, y)| x < x0 || x >= x1 || y < y0 || y >= y1).collect();
        assert!(
            outside.is_empty(),
            "frame {i}: caption pixels outside the title-safe area, at {:?}",
            &outside[..outside.len().min(5)]
        );
    }
}

/// Each layer's band is on exactly the frames of the rule, in its own third.
fn assert_shown_by_the_rule(frames: &[Vec<u8>], thirds: &[usize]) {
    let expected = rule_frames();
    assert_eq!(expected, (3..33).collect::<Vec<_>>());
    for &t in thirds {
        let shown: Vec<usize> =
            (0..FRAMES).filter(|&i| points(&frames[i], THIRDS[t].clone(), band).len() > 100).collect();
        assert_eq!(shown, expected, "the caption of third {t}");
    }
}

/// `words`: pages of words, the spoken word highlighted, moving on at the rule's frame (the
/// WebVTT and JSON words' own times, SubRip's shared out by length).
#[test]
fn words_show_and_highlight_on_the_frames_of_the_timing_rule() {
    let files = [("voice.srt", "top"), ("words.vtt", "middle"), ("words.json", "bottom")];
    let (_dir, p) = project(&three_layers("words", &files), &grey_scene(), &[]);
    let (frames, _) = frames(&p, &[]);
    assert_shown_by_the_rule(&frames, &[0, 1, 2]);
    assert_inside_title_safe(&frames);
    for (t, times) in [SRT_WORDS, WORDS.map(|w| (w.1, w.2)), WORDS.map(|w| (w.1, w.2))].iter().enumerate() {
        // The word the rule says is spoken on each frame, and the one drawn green: the
        // highlight's middle in the left, middle or right third of the caption.
        let expected: Vec<Option<usize>> =
            (0..FRAMES).map(|f| times.iter().position(|&(s, e)| shown_on(f as u64, AT, FPS, s, e))).collect();
        let seen: Vec<Option<usize>> = frames
            .iter()
            .map(|f| {
                let g = points(f, THIRDS[t].clone(), green);
                (g.len() > 20).then(|| {
                    let x = g.iter().map(|p| p.0).sum::<usize>() / g.len();
                    usize::from(x >= 130) + usize::from(x >= 190)
                })
            })
            .collect();
        assert_eq!(seen, expected, "the highlighted word of layer {t} ({})", files[t].0);
    }
    // The moves are where the rule puts them: the WebVTT's second word at 333 ms is frame 13
    // (3 + ⌈9.99⌉), SubRip's third at 666 ms is frame 23, WebVTT's at 667 ms frame 24.
    let green_at = |t: usize, f: usize| {
        let g = points(&frames[f], THIRDS[t].clone(), green);
        g.iter().map(|p| p.0).sum::<usize>() / g.len().max(1)
    };
    assert!(green_at(1, 12) < 130 && green_at(1, 13) >= 130);
    assert!(green_at(0, 22) < 190 && green_at(0, 23) >= 190 && green_at(1, 23) < 190 && green_at(1, 24) >= 190);
}

/// `karaoke`: the green fill advances through each word in proportion to the time inside it,
/// whole once the word is over. (SubRip has no word times: `check` refuses it for karaoke.)
#[test]
fn karaoke_fill_advances_through_each_word() {
    let files = [("words.vtt", "middle"), ("words.json", "bottom")];
    let (_dir, p) = project(&three_layers("karaoke", &files), &grey_scene(), &[]);
    let (frames, _) = frames(&p, &[]);
    assert_shown_by_the_rule(&frames, &[1, 2]);
    assert_inside_title_safe(&frames);
    for t in [1, 2] {
        // The fill's right edge, frame by frame.
        let edge: Vec<usize> =
            frames.iter().map(|f| points(f, THIRDS[t].clone(), green).iter().map(|p| p.0).max().unwrap_or(0)).collect();
        assert!(edge[..3].iter().chain(&edge[33..]).all(|&x| x == 0), "no fill off the caption's frames: {edge:?}");
        assert!(edge[3..33].windows(2).all(|w| w[1] + 1 >= w[0]), "the fill never goes back: {edge:?}");
        // Inside the first word (frames 3–12) it moves on several times, and the second word
        // starts filling at frame 13.
        let steps = edge[3..13].windows(2).filter(|w| w[1] > w[0]).count();
        assert!(steps >= 4 && edge[12] > edge[4] + 10, "layer {t}: the fill advances inside a word: {edge:?}");
        assert!(edge[14] > edge[12] + 5, "layer {t}: the next word starts filling: {edge:?}");
    }
    let o = std::process::Command::new(cli::bin())
        .arg("check")
        .arg(project(&three_layers("karaoke", &[("voice.srt", "top")]), &grey_scene(), &[]).1)
        .output()
        .unwrap();
    assert!(!o.status.success() && stderr(&o).contains("karaoke needs each word's time"), "{}", stderr(&o));
}

/// `subtitle` over a DOM scene: the cues' bands on the rule's frames above the HTML, and a word
/// far too long for the frame shrunk and broken inside the title-safe area.
#[test]
fn subtitles_over_a_dom_scene_stay_inside_the_title_safe_area() {
    let long = "1\n00:00:00,000 --> 00:00:00,500\nAAA\n\n2\n00:00:00,500 --> 00:00:01,000\nPneumonoultramicroscopicsilicovolcanoconiosis\n";
    let files = [("long.srt", "top"), ("words.vtt", "middle"), ("words.json", "bottom")];
    // The long word at 40 px is 2.5 times the title-safe width.
    let captions = three_layers("subtitle", &files).replacen("\"fontSize\": 24", "\"fontSize\": 40", 1);
    let scenes = format!(r#"[{{ "composition": "DomGrey", "durationInFrames": {FRAMES} }}]"#);
    let (_dir, p) = project(&captions, &scenes, &[("captions/long.srt", long.as_bytes())]);
    let (frames, _) = frames(&p, &[]);
    assert_shown_by_the_rule(&frames, &[0, 1, 2]);
    assert_inside_title_safe(&frames);
    // The long word's cue from 500 ms: frame 3 + 15; the band is another shape from then on.
    let width = |f: usize| {
        let b = points(&frames[f], THIRDS[0].clone(), band);
        b.iter().map(|p| p.0).max().unwrap_or(0) - b.iter().map(|p| p.0).min().unwrap_or(0)
    };
    assert!(width(17) < width(18), "the second cue from frame 18: {} then {}", width(17), width(18));
    // The long word's band spans the title-safe width (it is broken to fit, not cut off).
    assert!(width(20) > W * 8 / 10, "{}", width(20));
}

/// A full-frame video clip under captions: every frame still made by the app, which lays the
/// captions the page drew alone over the frames of the rule; a file with `burn: false` draws
/// nothing.
#[test]
fn captions_over_a_full_frame_clip_and_burn_false_draws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    synth::encode_clip(&clip, W as u32, H as u32, "30", FRAMES as u64, &["-c:v", "libx264"]).unwrap();
    let clip = std::fs::read(&clip).unwrap();
    // Words from 233 to 567 ms at frame 3: frames 3 + ⌈6.99⌉ = 10 to 3 + ⌈17.01⌉ = 21.
    let json = r#"[{"text":"Over","startMs":233,"endMs":400},{"text":" clip","startMs":400,"endMs":567}]"#;
    let captions = format!(
        r##"[{{ "src": "captions/clip.json", "at": {AT}, "style": "words", "styleProps": {{ "background": "#ff00ff", "fontSize": 30 }} }},
            {{ "src": "captions/words.vtt", "burn": false, "track": true, "styleProps": {{ "background": "#00ffff" }} }}]"##
    );
    let scenes = format!(
        r#"[{{ "composition": "VideoClip", "durationInFrames": {FRAMES}, "props": {{ "src": "clip.mp4" }} }}]"#
    );
    let (_dir, p) = project(&captions, &scenes, &[("clip.mp4", &clip), ("captions/clip.json", json.as_bytes())]);
    let (frames, stats) = frames(&p, &["--stats"]);
    let magenta = |r: u8, g: u8, b: u8| r > 200 && g < 70 && b > 200;
    let cyan = |r: u8, g: u8, b: u8| r < 70 && g > 200 && b > 200;
    let shown: Vec<usize> = (0..FRAMES).filter(|&i| points(&frames[i], 0..H, magenta).len() > 100).collect();
    let expected: Vec<usize> = (0..FRAMES).filter(|&f| shown_on(f as u64, AT, FPS, 233, 567)).collect();
    assert_eq!(expected, (10..21).collect::<Vec<_>>());
    assert_eq!(shown, expected);
    assert!(frames.iter().all(|f| points(f, 0..H, cyan).len() < 10), "burn: false drew its captions");
    // The colours left out are the defaults: white text, the spoken word in #ffd400.
    let white = |r: u8, g: u8, b: u8| r > 200 && g > 200 && b > 200;
    let yellow = |r: u8, g: u8, b: u8| r > 200 && g > 170 && b < 90;
    for f in [12, 18] {
        let (w, y) = (points(&frames[f], 130..H, white).len(), points(&frames[f], 130..H, yellow).len());
        assert!(w > 30 && y > 30, "frame {f}: {w} white and {y} yellow pixels in the caption");
    }
    let made = stats.lines().find(|l| l.contains("frames made by the app")).and_then(|l| l.rsplit(':').next());
    assert_eq!(made.map(str::trim), Some("40"), "{stats}");
    // Under the caption, the clip's own frame.
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(synth::read_index(f, W as u32, H as u32), i as u64, "frame {i}");
    }
}

/// The window's preview draws the captions with the same code, on the same frames: a word from
/// 333 to 667 ms is on frames 10 to 20 (the rule's edges), in a band of one colour (text,
/// highlight and background alike) where the preview's probe reads the picture.
#[test]
fn the_preview_shows_burned_captions_on_the_rule_s_frames() {
    let (dir, p) = project("[]", "[]", &[]);
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), dir.path().join("indexed.js")).unwrap();
    let json = r#"[{"text":"Shown","startMs":333,"endMs":667}]"#;
    std::fs::write(dir.path().join("captions/one.json"), json).unwrap();
    std::fs::write(
        &p,
        r##"{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": { "Indexed": "./indexed.js" },
  "captions": [{ "src": "captions/one.json", "style": "words", "styleProps": { "fontSize": 60, "color": "#00ff00", "highlight": "#00ff00", "background": "#00ff00" } }],
  "scenes": [{ "composition": "Indexed", "durationInFrames": 30, "props": { "color": "#d02020" } }] }"##,
    )
    .unwrap();
    let driver = webdriver::Driver::start();
    let s = driver.session(std::path::Path::new(cli::bin()), &[p.to_str().unwrap()], "");
    s.wait(30, "the preview to be ready", |s| {
        s.js("return document.getElementById('preview-scrubber').max;", json!([]))
            .as_str()
            .filter(|m| *m == "29")
            .map(|_| ())
    });
    for (frame, shown) in [(9u64, false), (10, true), (20, true), (21, false), (15, true), (0, false)] {
        assert_eq!(shown_on(frame, 0, FPS, 333, 667), shown);
        let probe = s.preview_frame(frame);
        let expected = if shown { json!([0, 255, 0]) } else { json!([208, 32, 32]) };
        assert_eq!(probe["color"], expected, "the preview at frame {frame}: {probe}");
    }
}

/// A transparent project keeps its transparency around the captions: a still (PNG, alpha kept)
/// of a frame with a caption has the opaque band and clear pixels elsewhere; one without a
/// caption is clear all over.
#[test]
fn captions_over_a_transparent_frame_keep_the_rest_clear() {
    let clear = "export default { draw() {} };";
    let json = r#"[{"text":"Clear","startMs":333,"endMs":667}]"#;
    let (dir, p) = project("[]", "[]", &[("clear.js", clear.as_bytes()), ("captions/one.json", json.as_bytes())]);
    std::fs::write(
        &p,
        r##"{ "version": 1, "width": 320, "height": 180, "fps": 30, "background": "transparent", "compositions": { "Clear": "./clear.js" },
  "captions": [{ "src": "captions/one.json", "style": "words", "styleProps": { "fontSize": 40, "background": "#000000" } }],
  "scenes": [{ "composition": "Clear", "durationInFrames": 30 }] }"##,
    )
    .unwrap();
    let still = |frame: u64| {
        let out = dir.path().join(format!("f{frame}.png"));
        let o = std::process::Command::new(cli::bin())
            .args(["still", "--frame", &frame.to_string(), "-o"])
            .arg(&out)
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let o = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&out)
            .args(["-f", "rawvideo", "-pix_fmt", "rgba", "-"])
            .output()
            .unwrap();
        assert_eq!(o.stdout.len(), W * H * 4);
        o.stdout
    };
    let opaque = |rgba: &[u8]| rgba.chunks(4).filter(|px| px[3] == 255 && px[..3].iter().all(|&c| c < 40)).count();
    let clear = |rgba: &[u8]| rgba.chunks(4).filter(|px| px[3] == 0).count();
    let (on, off) = (still(15), still(5));
    assert!(opaque(&on) > 1000 && clear(&on) > W * H / 2, "{} opaque, {} clear", opaque(&on), clear(&on));
    assert_eq!(clear(&off), W * H);
    // Outside the title-safe area, clear.
    assert!((0..W).all(|x| on[(x * 4) + 3] == 0 && on[((H - 1) * W + x) * 4 + 3] == 0));
}
