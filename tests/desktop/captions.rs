//! The window's captions (issue 33): the project's caption files listed beside its sounds, the
//! caption table (a typo fixed and saved into the .srt as that text alone; a backup when the
//! file changed on disk meanwhile), and Align script… for a sound (PocketSphinx, off the UI
//! thread; words it cannot place listed; paths outside the project folder refused).

use super::*;

const SRT: &str = "1\r\n00:00:00,500 --> 00:00:01,000\r\nThe qiuck brown fox\r\n\r\n2\r\n00:00:01,500 --> 00:00:02,500\r\n<i>jumps</i> over\r\n";

#[test]
fn captions_are_listed_fixed_in_the_table_and_a_script_is_aligned_to_a_sound() {
    let _screen = screen();
    let (dir, file) = indexed_project(15);
    let folder = dir.path();
    voice::voice(&["the", "quick", "brown", "fox"], &folder.join("voice.wav"));
    std::fs::create_dir(folder.join("captions")).unwrap();
    std::fs::write(folder.join("captions/voice.srt"), SRT).unwrap();
    std::fs::write(folder.join("script.txt"), "The quick Zorbleflax brown fox\n").unwrap();
    let mut project: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    project["audio"] = json!([{ "src": "voice.wav" }]);
    project["captions"] = json!([{ "src": "captions/voice.srt", "burn": true }]);
    std::fs::write(&file, serde_json::to_string_pretty(&project).unwrap()).unwrap();

    let driver = Driver::start();
    let s = driver.session(bin(), &[file.to_str().unwrap()], "");
    wait_ready(&s, 29);
    let listed = s.wait(10, "the captions list", |s| s.text("caption-0"));
    assert!(listed.contains("captions/voice.srt") && listed.contains("2 cues"), "{listed}");

    // The table: times and text; a typo fixed; Save writes that text alone.
    s.click("caption-edit-0");
    let first = s.wait(10, "the caption table", |s| {
        let error = s.text("caption-status").filter(|t| !t.is_empty());
        assert!(error.is_none(), "the table did not open: {error:?}");
        s.text("caption-row-0")
    });
    assert!(first.contains("0:00.500 → 0:01.000"), "{first}");
    let set = |row: usize, value: &str| {
        s.js(
            "const i = document.querySelector(`[data-testid=\"caption-text-${arguments[0]}\"]`); i.value = arguments[1]; i.dispatchEvent(new Event('input')); return i.value;",
            json!([row, value]),
        )
    };
    assert_eq!(
        s.js("return document.querySelector('[data-testid=\"caption-text-0\"]').value;", json!([])),
        json!("The qiuck brown fox")
    );
    set(0, "The quick brown fox");
    s.click("caption-save");
    let saved = s.wait(10, "saved", |s| s.text("caption-status").filter(|t| !t.is_empty()));
    assert!(saved.starts_with("Saved"), "{saved}");
    let srt = folder.join("captions/voice.srt");
    assert_eq!(std::fs::read_to_string(&srt).unwrap(), SRT.replace("qiuck", "quick"), "only that text changed");

    // Changed on disk since the table was read (another fix, made in an editor, while an edit
    // is pending in the table): Save keeps the disk's version as a backup, then writes the edit
    // over it (the other fix stays).
    set(1, "leaps over");
    let on_disk = SRT.replace("qiuck", "quick").replace("brown", "red");
    std::fs::write(&srt, &on_disk).unwrap();
    s.click("caption-save");
    let status = s.wait(10, "saved with a backup", |s| s.text("caption-status").filter(|t| t.contains("kept as")));
    let backup = std::fs::read_dir(folder.join("captions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("voice.srt.backup-"))
        .expect("a backup file");
    assert!(status.contains(backup.to_str().unwrap()), "{status}");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), on_disk);
    assert_eq!(std::fs::read_to_string(&srt).unwrap(), on_disk.replace("<i>jumps</i> over", "leaps over"));

    // Align script… for the sound: a path out of the folder is refused, then the script aligned.
    s.click("align-script-0");
    let fill = |id: &str, value: &str| {
        s.js(
            "const i = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); i.value = arguments[1]; return true;",
            json!([id, value]),
        );
    };
    assert_eq!(s.js("return document.getElementById('align-output').value;", json!([])), json!("captions/voice.json"));
    fill("align-script-file", "../script.txt");
    s.click("align-run");
    let refused = s.wait(10, "refused", |s| s.text("align-status").filter(|t| t.contains("inside the project folder")));
    assert!(refused.contains("the script"), "{refused}");
    fill("align-script-file", "script.txt");
    // A folder that is not there yet is made.
    fill("align-output", "words/voice.json");
    s.click("align-run");
    let report = s.wait(60, "the alignment", |s| s.text("align-status").filter(|t| t.starts_with("Wrote")));
    assert!(report.contains("4 of the script's 5 words placed"), "{report}");
    assert!(report.contains("line 1, word 3: \"Zorbleflax\" is not in the dictionary"), "{report}");
    let words: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("words/voice.json")).unwrap()).unwrap();
    let texts: Vec<&str> = words.as_array().unwrap().iter().map(|w| w["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["The", "quick", "brown", "fox"]);
}
