//! The render page's canvas read where WebKit keeps its pixels (web-extension/src/canvas.rs)
//! instead of by `getImageData`: the frames the encoder takes are the same bytes either way,
//! the composition never sees the marks and stamps the page puts on its canvas to find it, and
//! a canvas that WebKit moves (a composition resizing it) is read by bands, then found again.

#[path = "support/cli.rs"]
mod cli;

use cli::stderr;
use std::path::Path;

/// Stripes of 8 rows whose colours change every frame, across the whole width; it throws if the
/// canvas's corners are not what it drew there the frame before (the page's marks and stamps
/// must be put back). `RESET` is replaced by what to do to the canvas first.
const STRIPES: &str = r#"
let last = null;
const corners = (ctx, w, h) => [...ctx.getImageData(0, 0, 2, 1).data, ...ctx.getImageData(w - 16, h - 1, 16, 1).data].join(",");
export default {
  opaque: true,
  draw(ctx, { frame, width, height }) {
    const before = corners(ctx, width, height);
    if (last !== null && before !== last) throw new Error(`frame ${frame}: the canvas's corners changed between frames: ${before} against ${last}`);
    RESET
    for (let y = 0; y < height; y += 8) {
      ctx.fillStyle = `rgb(${(frame * 37 + y) % 256}, ${(y * 3) % 256}, ${(frame * 13 + 100) % 256})`;
      ctx.fillRect(0, y, width, 8);
    }
    last = corners(ctx, width, height);
  },
};
"#;

const FRAMES: usize = 12;
const W: usize = 320;
const H: usize = 180;

/// Renders `composition` at the project's 320×180, [`FRAMES`] frames: the frames as the encoder
/// took them (I420), and the page's figures.
fn render(dir: &Path, name: &str, composition: &str) -> (Vec<u8>, serde_json::Value) {
    let (frames, page, _) = render_frames(dir, name, composition, FRAMES, "mp4");
    (frames, page)
}

/// The file name extension of `format` (`mp4-hevc`: `mp4`), as its profile says.
fn extension(format: &str) -> &'static str {
    bazaar_core::encode::Format::parse(format).expect("a format").profile().extension
}

/// As [`render`], `frames` frames to `<name>.<extension>`, the job's log (`--log-level info`) too.
fn render_frames(
    dir: &Path,
    name: &str,
    composition: &str,
    frames: usize,
    format: &str,
) -> (Vec<u8>, serde_json::Value, String) {
    std::fs::write(dir.join(format!("{name}.js")), composition).unwrap();
    let project = dir.join(format!("{name}.json"));
    std::fs::write(
        &project,
        format!(
            r#"{{ "version": 1, "width": {W}, "height": {H}, "fps": 30, "compositions": {{ "S": "./{name}.js" }},
                 "scenes": [ {{ "composition": "S", "durationInFrames": {frames} }} ] }}"#
        ),
    )
    .unwrap();
    let (dump, figures) = (dir.join(format!("{name}.yuv")), dir.join(format!("{name}.stats.json")));
    let extra = [
        "--format",
        format,
        "--log-level",
        "info",
        "--size",
        "project",
        "--quality",
        "low",
        "--dump-frames",
        dump.to_str().unwrap(),
        "--stats-json",
        figures.to_str().unwrap(),
    ];
    let o = cli::render(&project, &dir.join(format!("{name}.{}", extension(format))), &extra);
    assert!(o.status.success(), "{name}: render failed: {}", stderr(&o));
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
    (std::fs::read(&dump).unwrap(), stats["page"].clone(), stderr(&o))
}

#[test]
fn canvas_frames_read_in_place_are_the_frames_read_by_bands() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, page) = render(dir.path(), "plain", &STRIPES.replace("RESET", ""));
    let frame = W * H * 3 / 2;
    assert_eq!(plain.len(), FRAMES * frame, "{page}");
    assert_eq!(page["inPlace"], FRAMES, "every frame read in place: {page}");
    assert_eq!(page["bands"], 0, "{page}");
    // Under the stamps (the first two pixels), the stripe's own colour: the same luma as along
    // the rest of the row, and the same chroma as the next 2×2 block.
    let u_at = W * H;
    for (k, f) in plain.chunks_exact(frame).enumerate() {
        assert!(f[..W].iter().all(|&y| y == f[0]), "frame {k}: the first row is not one colour: {:?}", &f[..8]);
        let (u, v) = (&f[u_at..u_at + W / 2], &f[u_at + W * H / 4..u_at + W * H / 4 + W / 2]);
        assert!(u.iter().all(|&c| c == u[0]) && v.iter().all(|&c| c == v[0]), "frame {k}: the first chroma row varies");
        if k > 0 {
            assert_ne!(f[0], plain[(k - 1) * frame], "frame {k} is the frame before it");
        }
    }

    // A canvas resized gets new pixels (frames 3, 5 and 9, resized and back); a canvas of the
    // same size made meanwhile takes the old ones' place, so WebKit puts the new ones elsewhere.
    // The page reads those frames by bands and finds the canvas again.
    let reset = "if (again.has(frame)) { ctx.canvas.height = height - 2; const c = document.createElement('canvas'); \
                 c.width = width; c.height = height; c.getContext('2d').fillRect(0, 0, 1, 1); kept.push(c); \
                 ctx.canvas.height = height; }";
    let again = "let last = null; const again = new Set([3, 5, 9]); const kept = [];";
    let (moved, page) = render(
        dir.path(),
        "moved",
        &STRIPES
            .replace("RESET", reset)
            .replace("let last = null;", again)
            .replace("if (last !== null && before", "if (last !== null && !again.has(frame) && before"),
    );
    let (in_place, bands) = (page["inPlace"].as_u64().unwrap(), page["bands"].as_u64().unwrap());
    assert!(in_place > 0 && in_place < FRAMES as u64 && bands > 0, "some frames each way: {page}");
    assert!(moved == plain, "the frames differ from those read in place ({page})");
}

/// Frames lent to the encoders that copy their input, x264, x265, VP8 and VP9 (the ring's
/// slots, not copies): the page writes a slot again only once the encoder has taken its frame
/// in, so each encoded frame is the frame the page drew, not a later one written into the same
/// slot. Forty frames through a ring of nine slots, each format.
#[test]
fn frames_lent_to_the_encoders_are_the_frames_they_encode() {
    let dir = tempfile::tempdir().unwrap();
    let many = STRIPES.replace("RESET", "").replace("(frame * 37 + y)", "(frame * 61 + y)");
    for format in ["mp4", "mp4-hevc", "webm", "webm-vp9"] {
        let name = format!("lent-{format}");
        let (drawn, _, log) = render_frames(dir.path(), &name, &many, 40, format);
        assert!(log.contains("frames lent to the encoder"), "{format}: the frames were copied: {log}");
        let decoded = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(dir.path().join(format!("{name}.{}", extension(format))))
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
            .output()
            .unwrap();
        assert!(decoded.status.success(), "{format}: {}", String::from_utf8_lossy(&decoded.stderr));
        let frame = W * H * 3 / 2;
        assert_eq!(decoded.stdout.len(), drawn.len(), "{format}: 40 frames");
        // Each decoded frame is nearest the frame drawn for it (`low` is lossy), luma and
        // chroma (some frames' colours differ in chroma alone).
        let distance = |a: &[u8], b: &[u8]| a.iter().zip(b).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum::<u64>();
        let drawn: Vec<&[u8]> = drawn.chunks_exact(frame).collect();
        for (k, got) in decoded.stdout.chunks_exact(frame).enumerate() {
            let nearest = (0..drawn.len()).min_by_key(|&j| distance(got, drawn[j])).unwrap();
            assert_eq!(nearest, k, "{format}: encoded frame {k} is nearest drawn frame {nearest}");
        }
    }
}

/// Paint that is not opaque on the opaque canvas (a `copy` of a half-transparent colour,
/// `putImageData` of half-transparent pixels), which WebKit keeps premultiplied: frames with it
/// go by bands, whose `getImageData` gives their colours straight, as before frames were read
/// in place; the frames before them are read in place.
#[test]
fn frames_with_paint_that_is_not_opaque_go_by_bands() {
    let dir = tempfile::tempdir().unwrap();
    let translucent = "if (frame >= 5) { ctx.globalCompositeOperation = 'copy'; ctx.fillStyle = 'rgba(200, 100, 50, 0.5)'; \
        ctx.fillRect(40, 40, 80, 60); ctx.globalCompositeOperation = 'source-over'; \
        const d = new ImageData(60, 40); for (let i = 0; i < d.data.length; i += 4) d.data.set([200, 100, 50, 128], i); \
        ctx.putImageData(d, 200, 100); }";
    let stripes = STRIPES.replace("RESET", "").replace(
        "    last = corners(ctx, width, height);",
        &format!("    {translucent}\n    last = corners(ctx, width, height);"),
    );
    let (frames, page, _) = render_frames(dir.path(), "translucent", &stripes, 10, "mp4");
    assert_eq!(page["inPlace"], 5, "{page}");
    assert_eq!(page["bands"], 5 * 2, "frames 5 to 9 in two bands each: {page}");
    // (200, 100, 50) straight, as getImageData gives it, in both patches.
    let mut want = vec![0u8; W * H * 3 / 2];
    let card: Vec<u8> = [200u8, 100, 50, 255].repeat(W * H);
    bazaar_pixels::to_i420_into(
        &card,
        W * 4,
        bazaar_pixels::Channels::RGBA,
        W as u32,
        H as u32,
        bazaar_pixels::YuvMatrix::Bt709,
        &mut want,
    );
    for (k, f) in frames.chunks_exact(W * H * 3 / 2).enumerate().skip(5) {
        assert_eq!((f[60 * W + 60], f[110 * W + 220]), (want[0], want[0]), "frame {k}");
    }
}
