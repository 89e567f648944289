//! Colour end to end: the 24-patch test card (`tests/fixtures/colour-card/`: primaries,
//! secondaries, skin tones, six greys, white, black; drawn on the canvas, then as HTML) exported
//! in every format at `high`, decoded back, each patch compared with the page's colour; and each
//! video file's colour tags, as ffprobe reads them.
//!
//! 1280×720 (`--size`): above 576 rows, where GStreamer's default matrix (and once ours) turns
//! to BT.709, which VP8's decoders do not follow (its file came out 23 off: docs/colour.md).
//! Needs a display, like every render test.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/cli.rs"]
mod cli;
#[path = "support/colour_browser.rs"]
mod colour_browser;
#[path = "support/colour_card.rs"]
mod colour_card;

use bazaar_core::encode::Format;
use browser::Browser;
use cli::{render, stderr};
use colour_browser::patches_in;
use colour_card::{differences, ffmpeg_rgb, ffprobe, measure, patches, worst};
use std::path::{Path, PathBuf};

/// What a format's card must decode to: each patch within `tolerance` (8-bit) of the page's
/// colour, white and black exact; a YUV file tagged BT.709 primaries and transfer, limited
/// range, and its matrix (`matrix`, ffprobe's name). `None`: a format without pictures.
struct Expect {
    tolerance: u8,
    matrix: Option<&'static str>,
}

/// Every format id there is or is planned (issue 31), with what it must keep. A format in
/// `Format::ALL` that is not here fails the test: none is added untested.
fn expected(id: &str) -> Option<Option<Expect>> {
    let yuv = |tolerance, matrix| Some(Some(Expect { tolerance, matrix: Some(matrix) }));
    let rgb = |tolerance| Some(Some(Expect { tolerance, matrix: None }));
    match id {
        "mp4" | "mp4-hevc" | "webm-vp9" => yuv(3, "bt709"),
        // VP8 is BT.601 by definition (RFC 6386); its file says so (profile.rs).
        "webm" => yuv(3, "smpte170m"),
        "prores" => yuv(1, "bt709"),
        "gif" => rgb(0),
        "png-seq" => rgb(1),
        "jpeg-seq" => rgb(JPEG_TOLERANCE),
        "wav" | "mp3" | "m4a" | "opus" => Some(None),
        _ => None,
    }
}

/// JPEG at the image sequence's quality (measured: docs/colour.md).
const JPEG_TOLERANCE: u8 = 3;

/// Renders the card as `format` (`--quality high`, 1280×720) into `dir`; the file, or for an
/// image sequence the folder.
fn render_card(format: Format, dir: &Path) -> PathBuf {
    let id = format.id();
    let out = if id.ends_with("-seq") {
        dir.join(format!("card-{id}"))
    } else {
        dir.join(format!("card-{id}.{}", format.profile().extension))
    };
    let o = render(&colour_card::project(), &out, &["--quality", "high", "--size", "1280x720", "--format", id]);
    assert!(o.status.success(), "{id}: render failed: {}", stderr(&o));
    out
}

/// The pictures of a render's output: a video's frames, or a folder's images in name order.
fn pictures(out: &Path) -> Vec<PathBuf> {
    if !out.is_dir() {
        return vec![out.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).collect();
    files.retain(|f| f.extension().is_some_and(|e| e == "png" || e == "jpg" || e == "jpeg"));
    files.sort();
    files
}

/// What FFmpeg decodes of one format's card, against the card: a line of the table, or what
/// is wrong.
fn check_format(format: Format, expect: &Expect, dir: &Path) -> Result<String, String> {
    let id = format.id();
    let want = patches();
    let out = render_card(format, dir);
    let mut frames = Vec::new();
    for picture in pictures(&out) {
        let (decoded, w, h) = ffmpeg_rgb(&picture);
        frames.extend(decoded.iter().map(|rgb| measure(rgb, w, h)));
    }
    // Two canvas frames, then two DOM frames (the card's two scenes, 10 fps).
    if frames.len() != 4 {
        return Err(format!("{id}: {} frames decoded, the card has 4", frames.len()));
    }
    let mut problems = Vec::new();
    for (i, got) in frames.iter().enumerate() {
        let scene = if i < 2 { "canvas" } else { "DOM" };
        if worst(got, &want) > expect.tolerance {
            problems.push(format!(
                "{id} frame {i} ({scene}): off by {} (more than {}): {}",
                worst(got, &want),
                expect.tolerance,
                differences(got, &want)
            ));
        }
        // Patch 18 is white, 19 black: exact, whatever the tolerance.
        if got[18] != [255; 3] || got[19] != [0; 3] {
            problems.push(format!("{id} frame {i} ({scene}): white {:?}, black {:?}", got[18], got[19]));
        }
    }
    if let Some(matrix) = expect.matrix {
        let s = ffprobe(&pictures(&out)[0]);
        let tags = ["color_primaries", "color_transfer", "color_space", "color_range"].map(|k| s[k].as_str());
        let want_tags = [Some("bt709"), Some("bt709"), Some(matrix), Some("tv")];
        if tags != want_tags {
            problems
                .push(format!("{id}: tagged {tags:?} (primaries, transfer, matrix, range), should be {want_tags:?}"));
        }
    }
    let row = |i: usize| format!("{:>3}", worst(&frames[i], &want));
    let line = format!("{id:<9} canvas {} {}  DOM {} {}", row(0), row(1), row(2), row(3));
    if problems.is_empty() {
        Ok(line)
    } else {
        Err(problems.join("\n"))
    }
}

/// Every format in `Format::ALL` renders the card; FFmpeg decodes each patch of every frame
/// (canvas and DOM) within the format's tolerance, white 255 and black 0, and the video files
/// carry their colour tags. Prints the worst error per frame (`--nocapture`).
#[test]
fn the_test_card_comes_back_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut table = Vec::new();
    for format in Format::ALL {
        match expected(format.id()) {
            None => problems.push(format!(
                "{}: no colour tolerance in tests/colour.rs `expected`: add the format there",
                format.id()
            )),
            Some(None) => {}
            Some(Some(expect)) => match check_format(format, &expect, dir.path()) {
                Ok(line) => table.push(line),
                Err(e) => problems.push(e),
            },
        }
    }
    eprintln!("worst patch error per frame, FFmpeg:\n{}", table.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The formats a browser must show (H.264, VP8, VP9, GIF, PNG: what browsers play), as
/// `(id, an image)`. HEVC, ProRes and JPEG sequences are not asked of them.
const IN_BROWSERS: [(&str, bool); 5] =
    [("mp4", false), ("webm", false), ("webm-vp9", false), ("gif", true), ("png-seq", true)];

/// What a browser may add to a format's tolerance, for what it does to every file alike
/// (measured in docs/colour.md, on files FFmpeg decodes within 2):
/// - WebKitGTK (GStreamer) shows YUV video 2 to 3 darker (white 253, every grey −2 or −3);
///   it does follow the file's tags, so a matrix or range that disagrees with them shows.
/// - Chromium shows BT.709 video (H.264 and VP9 alike, ours or FFmpeg's) with blue's
///   coefficient off (blue 255 → 243) whatever the tags say; BT.601 (VP8) within 2, which is
///   what catches VP8's matrix.
fn browser_allowance(browser: Browser, expect: &Expect) -> u8 {
    match (browser, expect.matrix) {
        (Browser::WebKit, Some(_)) => 3,
        (Browser::Chromium, Some("bt709")) => 10,
        _ => 0,
    }
}

/// The card's files shown by real browsers (Chromium, and WebKitGTK: the engine behind the
/// app's own preview), drawn to a canvas and read back: each patch within the format's
/// tolerance of the page's colour, and the browser's allowance. A `<video>` at frames 0 (canvas) and 2 (DOM); an image its
/// first frame (a sequence's first file).
#[test]
fn the_test_card_comes_back_in_browsers() {
    let dir = tempfile::tempdir().unwrap();
    let want = patches();
    let (mut problems, mut table) = (Vec::new(), Vec::new());
    for (id, image) in IN_BROWSERS {
        let Some(format) = Format::ALL.into_iter().find(|f| f.id() == id) else { continue };
        let Some(Some(expect)) = expected(id) else { unreachable!("{id} has a tolerance") };
        let out = render_card(format, dir.path());
        let file = &pictures(&out)[0];
        let frames: &[u32] = if image { &[0] } else { &[0, 2] };
        for browser in [Browser::Chromium, Browser::WebKit] {
            match patches_in(browser, file, image, frames, 10) {
                Err(e) => problems.push(format!("{id} in {e}")),
                Ok(got) => {
                    let errors: Vec<String> = got.iter().map(|g| format!("{:>3}", worst(g, &want))).collect();
                    table.push(format!("{id:<9} {:<9} {}", browser.name(), errors.join(" ")));
                    let tolerance = expect.tolerance + browser_allowance(browser, &expect);
                    for (g, f) in got.iter().zip(frames) {
                        if g.len() != want.len() || worst(g, &want) > tolerance {
                            problems.push(format!(
                                "{id} in {}, frame {f}: off by {} (more than {tolerance}): {}",
                                browser.name(),
                                worst(g, &want),
                                differences(g, &want)
                            ));
                        }
                    }
                }
            }
        }
    }
    eprintln!("worst patch error per frame, browsers:\n{}", table.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
