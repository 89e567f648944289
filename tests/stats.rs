//! `render --stats-json`'s `perFrameCpuMs` through the real binary: a frame's CPU split into the
//! encoder, the composition's drawing (timed on the page's thread by its CPU clock, which the
//! web-process extension gives the page) and the overhead, adding up to the CPU the render's
//! tally measured.

#[path = "support/cli.rs"]
mod cli;

use cli::stderr;

/// A canvas scene that spends a fixed amount of work in `draw()` and a DOM scene; both check
/// that the page's CPU clock is hidden from compositions, as the frame ring's function is.
const BUSY: &str = r#"
const look = () => {
  if (typeof globalThis.__bazaarThreadCpuMs !== "undefined") throw new Error("the render page exposes __bazaarThreadCpuMs");
};
export default {
  load() { look(); },
  draw(ctx, { frame, width, height }) {
    look();
    let x = frame;
    for (let i = 0; i < 2e5; i++) x = (x * 1103515245 + 12345) % 2147483647;
    ctx.fillStyle = `rgb(${x % 256}, 80, 160)`;
    ctx.fillRect(0, 0, width, height);
  },
};
"#;

const CARDS: &str = r#"
export default {
  dom: true,
  render(root, { frame }) {
    if (typeof globalThis.__bazaarThreadCpuMs !== "undefined") throw new Error("the render page exposes __bazaarThreadCpuMs");
    root.innerHTML = `<div style="position:absolute;inset:0;background:linear-gradient(90deg,#203,#f80)">
      <div style="position:absolute;left:${20 + frame * 8}px;top:40px;width:120px;height:80px;border-radius:12px;background:#fff">${frame}</div></div>`;
  },
};
"#;

#[test]
fn per_frame_cpu_splits_the_tallied_cpu_into_encoder_drawing_and_overhead() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("busy.js"), BUSY).unwrap();
    std::fs::write(dir.path().join("cards.js"), CARDS).unwrap();
    let project = dir.path().join("project.json");
    std::fs::write(
        &project,
        r#"{ "version": 1, "width": 640, "height": 360, "fps": 30,
             "compositions": { "Busy": "./busy.js", "Cards": "./cards.js" },
             "scenes": [ { "composition": "Busy", "durationInFrames": 20 },
                         { "composition": "Cards", "durationInFrames": 10 } ] }"#,
    )
    .unwrap();
    let (out, figures) = (dir.path().join("out.mp4"), dir.path().join("stats.json"));
    let o = cli::render_command(
        &project,
        &out,
        &["--quality", "low", "--stats", "--stats-json", figures.to_str().unwrap()],
        120,
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "render failed: {}", stderr(&o));
    assert!(stderr(&o).contains("CPU per frame beyond x264 and the drawing: overhead"), "{}", stderr(&o));
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
    let number = |v: &serde_json::Value, name: &str| {
        let n = v.as_f64().unwrap_or_else(|| panic!("{name} is not a number: {stats}"));
        assert!(n.is_finite() && n >= 0.0, "{name} = {n}: {stats}");
        n
    };
    let frames = number(&stats["frames"], "frames");
    assert_eq!(frames, 30.0);
    let split = &stats["perFrameCpuMs"];
    let (encoder, draw, overhead) =
        (number(&split["encoder"], "encoder"), number(&split["draw"], "draw"), number(&split["overhead"], "overhead"));
    let cpu = &stats["cpu"];
    let roles = ["encoder", "media", "app", "page", "webOther"];
    let tallied: f64 = roles.iter().map(|r| number(&cpu[r], r)).sum::<f64>() * 1000.0 / frames;
    assert!(tallied > 0.0, "{stats}");
    // The tally's own reading of /proc is reported apart, in none of the roles (a render that
    // is not measured does not pay it).
    assert!(number(&cpu["measuring"], "measuring") > 0.0, "{stats}");
    assert!(stderr(&o).contains("reading these figures from /proc took"), "{}", stderr(&o));
    let sum = encoder + draw + overhead;
    assert!(
        (sum - tallied).abs() <= 0.1 * tallied,
        "encoder + draw + overhead = {sum} ms, the tally {tallied} ms: {stats}"
    );
    // The drawing was timed by the page thread's CPU clock, and it is part of the page thread's
    // CPU as the tally saw it: 200,000 steps a canvas frame show, and cannot exceed that.
    assert_eq!(stats["page"]["drawClock"], "thread", "{stats}");
    assert!(draw >= 0.5, "draw {draw} ms a frame: {stats}");
    let page = number(&cpu["page"], "page") * 1000.0 / frames;
    assert!(draw <= page * 1.1 + 1.0, "draw {draw} ms a frame, the page's thread {page} ms: {stats}");
    // Reading the canvas back, by the same clock: some CPU for every canvas frame, and with the
    // drawing still within the page thread's.
    let read = number(&stats["page"]["readCpuMs"], "readCpuMs") / frames;
    assert!(read > 0.0, "{stats}");
    assert!(
        draw + read <= page * 1.1 + 1.0,
        "draw {draw} + read {read} ms a frame, the page's thread {page} ms: {stats}"
    );
    assert!((encoder - number(&cpu["encoder"], "encoder") * 1000.0 / frames).abs() < 1e-6, "{stats}");
}
