//! The window as a workspace (issue 34), driven through WebDriver under Xvfb: the variant switch
//! shows the project at another of its sizes with that variant's props, the export panel
//! exports several sizes at once (one file each, decoded back), and the safe-zones toggle draws
//! its guides over the preview, never into an export. `BAZAAR_EXPORT_SAVE_PATH` stands in for
//! the native save dialog.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/colour_card.rs"]
mod colour_card;
#[path = "support/webdriver.rs"]
mod webdriver;

/// The timeline under the preview.
#[path = "workspace/timeline.rs"]
mod timeline;

use colour_card::ffmpeg_rgb;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use webdriver::{Driver, Session};

/// One window at a time on the shared X screen (keys go to the focused one).
static SCREEN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn screen() -> std::sync::MutexGuard<'static, ()> {
    SCREEN.lock().unwrap_or_else(|e| e.into_inner())
}

const BLUE: [u8; 3] = [20, 60, 220];
const RED: [u8; 3] = [220, 30, 30];

/// "Variants", 64×36 at 10 fps, 10 frames of blue; `vertical` (36×64) overrides it to red,
/// `square` (48×48) keeps it.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fill.js"),
        "export default { draw(ctx, { width, height, props }) { ctx.fillStyle = props.color; ctx.fillRect(0, 0, width, height); } };\n",
    )
    .unwrap();
    let project = dir.path().join("project.json");
    std::fs::write(
        &project,
        r#"{ "version": 1, "name": "Variants", "width": 64, "height": 36, "fps": 10,
  "variants": { "vertical": { "width": 36, "height": 64 }, "square": { "width": 48, "height": 48 } },
  "compositions": { "Fill": "./fill.js" },
  "scenes": [ { "composition": "Fill", "durationInFrames": 10, "props": { "color": "rgb(20, 60, 220)" },
                "variants": { "vertical": { "props": { "color": "rgb(220, 30, 30)" } } } } ] }"#,
    )
    .unwrap();
    (dir, project)
}

fn near(v: &Value, want: [u8; 3]) -> bool {
    (0..3).all(|k| v[k].as_i64().is_some_and(|x| (x - i64::from(want[k])).abs() <= 6))
}

fn zones(s: &Session) -> Option<String> {
    s.js(
        "const z = document.querySelector('[data-testid=safe-zones-overlay]'); return getComputedStyle(z).display === 'none' ? null : z.dataset.zones;",
        json!([]),
    )
    .as_str()
    .map(str::to_owned)
}

/// The first frame's size and middle colour.
fn decoded(file: &Path) -> (u32, u32, [u8; 3]) {
    let (frames, w, h) = ffmpeg_rgb(file);
    let at = ((h / 2 * w + w / 2) * 3) as usize;
    (w, h, frames[0][at..at + 3].try_into().unwrap())
}

#[test]
fn the_variant_switch_shows_a_variant_and_the_panel_exports_each_size_ticked() {
    let _screen = screen();
    let (_dir, project) = project();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // What the save dialog gives for the first size ticked (the project's own); the others go
    // beside it, named by their variant.
    let save = out.path().join("Variants.mp4");
    let driver = Driver::start_with_env(&[("XDG_DATA_HOME", data.path()), ("BAZAAR_EXPORT_SAVE_PATH", &save)]);
    let s = &driver.session(Path::new(cli::bin()), &[project.to_str().unwrap()], "");
    s.wait(30, "the project", |s| s.text("project-name").filter(|t| t == "Variants"));
    let options = s
        .js("return [...document.querySelector('[data-testid=variant-switch]').options].map(o => o.value);", json!([]));
    assert_eq!(options, json!(["", "vertical", "square"]));
    assert!(s.text("variant-switch").is_some(), "the switch shows for a project with variants");
    s.wait_true(30, "the preview to be ready", "return document.getElementById('preview-scrubber').max === '9';");
    assert!(near(&s.preview_frame(2)["color"], BLUE));

    // Safe zones: the title- and action-safe frames; in 9:16 also what the apps cover.
    s.click("safe-zones");
    s.wait(10, "the guides", |s| zones(s).filter(|z| z == "action title"));

    s.choose(&[("variant-switch", "vertical")]);
    s.wait(30, "the vertical variant's size", |s| s.text("project-size").filter(|t| t == "36 × 64"));
    s.wait(30, "the vertical variant's props in the preview", |s| near(&s.probe()["color"], RED).then_some(()));
    s.wait(10, "the 9:16 guides", |s| zones(s).filter(|z| z == "covered covered covered covered action title"));
    s.click("safe-zones");
    s.wait(10, "the guides to go", |s| zones(s).is_none().then_some(()));

    // The panel: the shown variant is ticked; tick the project's own size and the square too.
    s.open_export_panel();
    let ticked = s.js(
        "return [...document.querySelectorAll('[data-testid=export-variants] input')].map(i => [i.dataset.testid, i.checked]);",
        json!([]),
    );
    assert_eq!(
        ticked,
        json!([["export-variant-project", false], ["export-variant-vertical", true], ["export-variant-square", false]])
    );
    s.click("export-variant-project");
    s.click("export-variant-square");
    s.choose(&[("export-format", "mp4"), ("export-quality", "low"), ("export-size-choice", "project")]);
    s.click("export-confirm");
    s.wait(180, "three exports to complete", |s| {
        let done = s.js(
            "return [...document.querySelectorAll('[data-testid=export-queue] li')].filter(li => li.dataset.status === 'completed').length;",
            json!([]),
        );
        (done.as_u64() == Some(3)).then_some(())
    });
    let mut files = cli::files_in(out.path());
    files.sort();
    assert_eq!(files, ["Variants-square.mp4", "Variants-vertical.mp4", "Variants.mp4"]);
    let (w, h, c) = decoded(&out.path().join("Variants-vertical.mp4"));
    assert_eq!((w, h), (36, 64));
    assert!(c.iter().zip(RED).all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() <= 6), "{c:?}");
    let (w, h, c) = decoded(&out.path().join("Variants-square.mp4"));
    assert_eq!((w, h), (48, 48));
    assert!(c.iter().zip(BLUE).all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() <= 6), "{c:?}");
    let (w, h, _) = decoded(&save);
    assert_eq!((w, h), (64, 36));
    // The preview's variant is remembered through a live reload of the file.
    let text = std::fs::read_to_string(&project).unwrap().replace("\"name\": \"Variants\"", "\"name\": \"Variants 2\"");
    std::fs::write(&project, text).unwrap();
    s.wait(30, "the reload", |s| s.text("project-name").filter(|t| t == "Variants 2"));
    assert_eq!(s.text("project-size").as_deref(), Some("36 × 64"));
}
