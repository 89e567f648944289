//! What the export panel offers reaches the file: the project's own size, a ProRes profile, a
//! GIF's frame rate, and the frame the preview shows saved as a still.

use super::*;

/// The export panel's size choice: "As the project" exports the project's own size (640×360
/// here, where the preset `low` makes 1280×720), and the panel says so before it starts.
#[test]
fn the_panel_exports_at_the_project_s_own_size_when_asked() {
    let run = start_indexed("own-size.mp4");
    let (s, save) = (&run.app.session, &run.save);
    s.open_export_panel();
    s.choose(&[("export-quality", "low")]);
    s.wait(10, "the preset's size", |s| s.text("export-size").filter(|t| t.starts_with("1280 × 720 px")));
    s.choose(&[("export-size-choice", "project")]);
    s.wait(10, "the project's size", |s| s.text("export-size").filter(|t| t.starts_with("640 × 360 px")));
    s.click("export-confirm");
    s.wait(120, "the export to finish", |s| s.text("export-result"));
    let info = probe::discover(save).unwrap();
    assert_eq!((info.width, info.height), (640, 360));
}

/// ProRes from the panel: the profile chosen there reaches the file, and the panel says the
/// codec it will write and the file's size at the profile's data rate.
#[test]
fn the_panel_exports_prores_with_the_chosen_profile() {
    let run = start_indexed("edit.mov");
    let (s, save) = (&run.app.session, &run.save);
    s.open_export_panel();
    s.choose(&[
        ("export-format", "prores"),
        ("export-quality", "low"),
        ("export-size-choice", "project"),
        ("export-prores", "4444"),
    ]);
    s.wait(10, "the codec line", |s| s.text("export-codec").filter(|t| t.contains("Apple ProRes 4444")));
    // ProRes 4444's 330 Mbit/s at 1080p29.97, scaled to 640×360 at 30 fps, for 1 s.
    s.wait(10, "the size estimate", |s| {
        s.text("export-size").filter(|t| t.contains("about 4.6 MB at the profile's data rate"))
    });
    s.click("export-confirm");
    s.wait(120, "the export to finish", |s| s.text("export-result"));
    let o = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "stream=codec_name,profile,width",
            "-of",
            "csv=p=0",
        ])
        .arg(save)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "prores,4444,640");
}

/// A GIF from the panel at the frame rate chosen there: 20 fps of the 30 fps project is 20
/// frames for its second (the quality's own rate would be 10), and the queue and the history
/// say the options chosen.
#[test]
fn the_panel_exports_a_gif_at_the_chosen_frame_rate() {
    let run = start_indexed("loop.gif");
    let (s, save) = (&run.app.session, &run.save);
    s.open_export_panel();
    s.choose(&[
        ("export-format", "gif"),
        ("export-quality", "low"),
        ("export-gif-loops", "1"),
        ("export-gif-fps", "20"),
    ]);
    s.wait(10, "the size line", |s| s.text("export-size").filter(|t| t.contains("at 20 fps, 20 frames")));
    s.click("export-confirm");
    s.wait(120, "the export to finish", |s| s.text("export-result"));
    let o = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=nb_read_frames:format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(save)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let figures: Vec<f64> = text.split_whitespace().filter_map(|l| l.trim_matches(',').parse().ok()).collect();
    assert_eq!(figures, [20.0, 1.0], "{text}");
    s.wait(10, "the history's options", |s| {
        s.js("return document.getElementById('export-history').textContent;", json!([]))
            .as_str()
            .filter(|t| t.contains("GIF low (20 fps, plays twice)"))
            .map(str::to_string)
    });
}

/// Save frame… in the preview: the frame shown, written where the save dialog says (here
/// `BAZAAR_EXPORT_SAVE_PATH`), at the project's own size, as the page drew it; a name the still
/// code refuses (a folder that is not there) shows its error in the window.
#[test]
fn save_frame_writes_the_frame_the_preview_shows() {
    let _screen = screen();
    let (dir, project) = cli::card_project();
    let data = dir.path().join("data");
    let save = dir.path().join("frame-{n}.png");
    let app = start(&data, &save, &project);
    let s = &app.session;
    wait_preview(s);
    s.preview_frame(5);
    s.click("save-frame");
    let said =
        s.wait(90, "the frame to be saved", |s| s.text("save-frame-status").filter(|t| !t.starts_with("Saving")));
    assert!(said.starts_with("Saved"), "{said}");
    let out = dir.path().join("frame-5.png");
    assert!(said.contains(out.to_str().unwrap()), "{said}");
    let (rgba, w, h) = bazaar_core::encode::still::png_rgba(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!((w, h), (64, 36));
    let px = |x: usize, y: usize| rgba[(y * 64 + x) * 4..][..3].to_vec();
    assert_eq!((px(4, 4), px(60, 32)), (vec![255, 255, 255], vec![50, 40, 90]));
    drop(app);

    let bad = dir.path().join("gone").join("frame-{n}.png");
    let app = start(&data, &bad, &project);
    let s = &app.session;
    wait_preview(s);
    s.preview_frame(2);
    s.click("save-frame");
    let said = s.wait(60, "the error", |s| s.text("save-frame-status").filter(|t| t.contains("not saved")));
    assert!(said.contains("does not exist"), "{said}");
}

/// Waits until the preview has loaded the 10-frame project.
fn wait_preview(s: &Session) {
    s.wait(30, "the preview to be ready", |s| {
        s.js("return document.getElementById('preview-scrubber').max;", json!([]))
            .as_str()
            .filter(|m| *m == "9")
            .map(|_| ())
    });
}
