use super::*;
use serde_json::json;

fn props(v: &[(&str, Value)]) -> Vec<(String, Value)> {
    v.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect()
}

const FILE: &str = r#"{
    "version": 1,
    "name": "T",
    "x-editor": { "zoom": 2 },
    "width": 640, "height": 360, "fps": 30,
    "scenes": [
        {
            "composition": "TitleCard",
            "durationInFrames": 30,
            "props": {
                "title": "Old",
                "subtitle": "Keep"
            },
            "note": "unknown, kept"
        },
        { "composition": "TitleCard", "durationInFrames": 30, "props": { "title": "B" } },
        { "composition": "TitleCard", "durationInFrames": 30 }
    ]
}
"#;

#[test]
fn only_the_props_text_changes_keeping_order_and_indentation() {
    let out = set_scene_props(
        FILE,
        0,
        &props(&[("subtitle", json!("New \"sub\"")), ("title", json!("New")), ("color", json!("#ff0000"))]),
    )
    .unwrap();
    let want = FILE.replace(
        "{\n                \"title\": \"Old\",\n                \"subtitle\": \"Keep\"\n            }",
        "{\n                \"title\": \"New\",\n                \"subtitle\": \"New \\\"sub\\\"\",\n                \"color\": \"#ff0000\"\n            }",
    );
    assert_eq!(out, want);
}

#[test]
fn a_one_line_scene_stays_on_one_line_and_missing_props_are_added() {
    let out = set_scene_props(FILE, 1, &props(&[("title", json!("C")), ("size", json!(3.5))])).unwrap();
    assert_eq!(out, FILE.replace(r#""props": { "title": "B" }"#, r#""props": { "title": "C", "size": 3.5 }"#));
    let out = set_scene_props(FILE, 2, &props(&[("title", json!("D"))])).unwrap();
    assert_eq!(
        out,
        FILE.replace(r#""durationInFrames": 30 }"#, r#""durationInFrames": 30, "props": { "title": "D" } }"#)
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["x-editor"], json!({ "zoom": 2 }));
    assert!(set_scene_props(FILE, 3, &[]).is_err());
}

#[test]
fn saving_backs_up_a_file_that_changed_and_never_writes_a_broken_project() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.bazaar.json");
    std::fs::write(&file, FILE).unwrap();
    let read = stamp(FILE.as_bytes());
    let saved = save_scene_props(&file, 1, &props(&[("title", json!("E"))]), &read).unwrap();
    assert_eq!(saved.backup, None);
    assert!(std::fs::read_to_string(&file).unwrap().contains(r#""props": { "title": "E" }"#));
    // Changed on disk since it was read: the disk's version is kept beside it.
    let on_disk = std::fs::read_to_string(&file).unwrap();
    let saved = save_scene_props(&file, 1, &props(&[("title", json!("F"))]), &read).unwrap();
    let backup = saved.backup.expect("a backup");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), on_disk);
    // A scene out of range, or props that break validation: refused, file untouched.
    let before = std::fs::read_to_string(&file).unwrap();
    assert!(save_scene_props(&file, 9, &[], &stamp(before.as_bytes())).is_err());
    std::fs::write(&file, before.replace("\"TitleCard\"", "\"VideoClip\"")).unwrap();
    let now = std::fs::read(&file).unwrap();
    let e = save_scene_props(&file, 1, &props(&[("src", json!(42))]), &stamp(&now)).unwrap_err();
    assert!(e.to_string().contains("invalid"), "{e}");
    assert_eq!(std::fs::read(&file).unwrap(), now);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "the file and one backup, no temp file: {names:?}");
}

/// A project file in a folder of its own, and the stamp of its text.
fn project_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.bazaar.json");
    std::fs::write(&file, text).unwrap();
    (dir, file, stamp(text.as_bytes()))
}

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The names a backup made in the next few seconds could take under a seconds-only rule.
fn backup_names_around_now(file: &Path) -> Vec<PathBuf> {
    let now = now_secs();
    (now.saturating_sub(1)..now + 4).map(|s| file.with_file_name(format!("p.bazaar.json.backup-{s}"))).collect()
}

#[test]
fn backups_never_replace_one_another() {
    let (dir, file, read) = project_file(FILE);
    // Backups already there (an earlier save in the same second): each is kept as it was.
    let earlier = backup_names_around_now(&file);
    for b in &earlier {
        std::fs::write(b, "an earlier backup").unwrap();
    }
    // Two outside edits, each followed by a Save from the window (which read the first text):
    // both outside versions must be kept.
    let first = FILE.replace("\"T\"", "\"outside 1\"");
    std::fs::write(&file, &first).unwrap();
    let a = save_scene_props(&file, 1, &props(&[("title", json!("E"))]), &read).unwrap().backup.expect("a backup");
    let second = std::fs::read_to_string(&file).unwrap().replace("\"outside 1\"", "\"outside 2\"");
    std::fs::write(&file, &second).unwrap();
    let b = save_scene_props(&file, 1, &props(&[("title", json!("F"))]), &read).unwrap().backup.expect("a backup");
    assert_ne!(a, b, "two backups, two names");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), first);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), second);
    for e in &earlier {
        assert_eq!(std::fs::read_to_string(e).unwrap(), "an earlier backup", "{} was replaced", e.display());
    }
    // Readable and in order: the file's name, "backup", the time; a later one sorts after.
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().to_string();
    assert!(name(&a).starts_with("p.bazaar.json.backup-"), "{}", name(&a));
    let mut all: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| name(&e.unwrap().path())).collect();
    all.sort();
    let (ia, ib) = (all.iter().position(|n| *n == name(&a)), all.iter().position(|n| *n == name(&b)));
    assert!(ia < ib, "the later backup sorts after the earlier: {all:?}");
}

#[test]
fn save_never_writes_through_a_link_planted_at_a_temp_or_backup_name() {
    let (dir, file, read) = project_file(FILE);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "not yours").unwrap();
    // The names a save used to write to: the pid-named temp file and the backups of this second.
    let temp = dir.path().join(format!(".p.bazaar.json.saving-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &temp).unwrap();
    for b in backup_names_around_now(&file) {
        std::os::unix::fs::symlink(&victim, &b).unwrap();
    }
    // Changed on disk since read, so a backup is made too.
    std::fs::write(&file, FILE.replace("\"T\"", "\"outside\"")).unwrap();
    let saved = save_scene_props(&file, 1, &props(&[("title", json!("E"))]), &read).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours", "written through a planted link");
    let meta = std::fs::symlink_metadata(&file).unwrap();
    assert!(meta.file_type().is_file(), "the project file is a plain file, not a link");
    assert!(std::fs::read_to_string(&file).unwrap().contains(r#""props": { "title": "E" }"#));
    let backup = saved.backup.expect("a backup");
    assert!(std::fs::symlink_metadata(&backup).unwrap().file_type().is_file(), "the backup is a plain file");
    assert!(std::fs::read_to_string(&backup).unwrap().contains("\"outside\""));
}

#[test]
fn a_project_file_linked_out_of_its_folder_is_not_saved_through() {
    let (dir, file, _) = project_file(FILE);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("elsewhere.json");
    std::fs::write(&target, FILE).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    let e = save_scene_props(&file, 1, &props(&[("title", json!("E"))]), &stamp(FILE.as_bytes())).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("outside the project's folder") && msg.contains("not changed"), "{msg}");
    assert!(msg.contains(&target.display().to_string()), "names where the link leads: {msg}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), FILE, "the file outside is untouched");
    assert!(std::fs::symlink_metadata(&file).unwrap().file_type().is_symlink(), "the link is left as it is");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "nothing written beside it: {left:?}");
}

#[test]
fn a_project_file_linked_inside_its_folder_is_saved_in_the_file_it_names() {
    let (dir, file, read) = project_file(FILE);
    let versions = dir.path().join("versions");
    std::fs::create_dir(&versions).unwrap();
    std::fs::rename(&file, versions.join("v3.json")).unwrap();
    std::os::unix::fs::symlink("versions/v3.json", &file).unwrap();
    save_scene_props(&file, 1, &props(&[("title", json!("E"))]), &read).unwrap();
    assert!(std::fs::symlink_metadata(&file).unwrap().file_type().is_symlink(), "the creator's link stays");
    assert!(std::fs::read_to_string(versions.join("v3.json")).unwrap().contains(r#""props": { "title": "E" }"#));
}

#[test]
fn saves_at_the_same_time_each_write_a_whole_file() {
    let (dir, file, _) = project_file(FILE);
    let titles: Vec<String> = (0..16).map(|i| format!("title {i} {}", "x".repeat(20_000))).collect();
    std::thread::scope(|s| {
        for t in &titles {
            let file = &file;
            s.spawn(move || {
                let now = std::fs::read(file).unwrap();
                save_scene_props(file, 1, &props(&[("title", json!(t))]), &stamp(&now))
                    .unwrap_or_else(|e| panic!("{e}"));
            });
        }
    });
    let last = std::fs::read_to_string(&file).unwrap();
    let v: Value = serde_json::from_str(&last).expect("a whole JSON file");
    assert!(titles.iter().any(|t| v["scenes"][1]["props"]["title"] == json!(t)));
    let temps: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(temps.is_empty(), "no temp file left: {temps:?}");
}

#[test]
fn a_fifo_in_place_of_the_project_file_is_refused_without_waiting() {
    let (_dir, file, read) = project_file(FILE);
    std::fs::remove_file(&file).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&file).status().unwrap();
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let f = file.clone();
    std::thread::spawn(move || {
        let _ = tx.send(save_scene_props(&f, 1, &props(&[("title", json!("E"))]), &read).map_err(|e| e.to_string()));
    });
    let e = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("the save returned").unwrap_err();
    assert!(e.contains("named pipe") && e.contains("not changed"), "{e}");
}

#[test]
fn props_that_would_make_the_file_too_large_to_open_are_refused() {
    let (_dir, file, read) = project_file(FILE);
    let huge = "x".repeat(super::super::MAX_FILE_BYTES as usize + 1);
    let e = save_scene_props(&file, 1, &props(&[("title", json!(huge))]), &read).unwrap_err();
    assert!(e.to_string().contains("10 MiB"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FILE);
    // A 1 MB text is kept whole.
    let big = "y".repeat(1 << 20);
    save_scene_props(&file, 1, &props(&[("title", json!(big))]), &read).unwrap();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["scenes"][1]["props"]["title"].as_str().map(str::len), Some(1 << 20));
}

#[test]
fn saving_while_an_editor_rewrites_the_file_never_leaves_it_broken() {
    let (dir, file, _) = project_file(FILE);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        // An editor that writes the file in place, in two halves (a reader can see half a file).
        s.spawn(|| {
            for i in 0.. {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let text = FILE.replace("\"T\"", &format!("\"editor {i}\""));
                let (a, b) = text.split_at(text.len() / 2);
                let mut f = std::fs::File::create(&file).unwrap();
                f.write_all(a.as_bytes()).unwrap();
                std::thread::sleep(std::time::Duration::from_micros(300));
                f.write_all(b.as_bytes()).unwrap();
            }
        });
        for i in 0..200 {
            let now = std::fs::read(&file).unwrap();
            match save_scene_props(&file, 1, &props(&[("title", json!(format!("save {i}")))]), &stamp(&now)) {
                Ok(_) | Err(EditError::Refused { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    // Both writers have stopped: the file is whole (the editor's last write or a save).
    serde_json::from_str::<Value>(&std::fs::read_to_string(&file).unwrap()).expect("a whole project file");
    let temps = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.'))
        .count();
    assert_eq!(temps, 0, "no temp file left");
}
