//! One test per validation rule: each bad input gives a problem at the right place, in words.

use super::*;
use std::fs;

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("temp dir"))
    }
    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.path().join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(&p, bytes).expect("write");
        p
    }
    fn project(&self, json: &str) -> Result<Project, ProjectError> {
        load_project(&self.write("project.json", json.as_bytes()))
    }
}

const SCENE: &str = r#"{ "composition": "TitleCard", "durationInFrames": 30 }"#;

fn with(fields: &str) -> String {
    format!(r#"{{ "version": 1, {fields} }}"#)
}

/// The problems of an invalid project, as `at: message` lines.
fn problems(r: Result<Project, ProjectError>) -> Vec<String> {
    match r {
        Ok(p) => panic!("expected problems, got a valid project {:?}", p.name),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    }
}

fn has(problems: &[String], at: &str, words: &str) -> bool {
    problems.iter().any(|p| p.starts_with(at) && p.contains(words))
}

#[track_caller]
fn assert_problem(json: &str, at: &str, words: &str) {
    let d = Dir::new();
    let p = problems(d.project(json));
    assert!(has(&p, at, words), "wanted {at:?} with {words:?}, got {p:#?}");
}

#[test]
fn a_valid_project_loads_with_defaults_and_timeline() {
    let d = Dir::new();
    d.write("scenes/a.js", b"export default { draw() {} };");
    let p = d
        .project(&with(&format!(
            r#""name": "Demo", "compositions": {{ "Mine": "./scenes/a.js" }},
               "scenes": [ {SCENE}, {{ "composition": "Mine", "durationInFrames": 45,
                           "transition": "crossfade", "props": {{ "x": 1 }} }} ]"#
        )))
        .expect("valid");
    assert_eq!((p.name.as_str(), p.width, p.height, p.fps), ("Demo", 1920, 1080, 30));
    assert_eq!(p.total_frames(), 75);
    assert_eq!(p.scenes[1].start_frame, 30);
    assert_eq!(p.scene_at(29), Some((0, 29)));
    assert_eq!(p.scene_at(30), Some((1, 0)));
    assert_eq!(p.scene_at(75), None);
    assert_eq!(p.modules.get("Mine"), Some(&ModuleSource::Project { file: "scenes/a.js".into() }));
    assert!(matches!(p.modules.get("TitleCard"), Some(ModuleSource::Builtin { .. })));
    assert!(p.summary().contains("0:02.50"));
}

#[test]
fn not_json_reports_line_and_column() {
    assert_problem("{\n  \"version\": 1,\n  \"scenes\": [\n}", "line 4, column 1", "not valid JSON");
}

#[test]
fn not_an_object() {
    assert_problem("[1, 2]", "", "must be a JSON object");
}

#[test]
fn missing_version_says_which_are_supported() {
    assert_problem(&format!(r#"{{ "scenes": [{SCENE}] }}"#), "version", "\"version\": 1");
}

#[test]
fn unsupported_version_says_which_are_supported() {
    assert_problem(
        &format!(r#"{{ "version": 7, "scenes": [{SCENE}] }}"#),
        "version",
        "version 7 is not supported; this app reads version 1",
    );
}

#[test]
fn missing_and_empty_scenes() {
    assert_problem(&with(r#""name": "x""#), "scenes", "missing");
    assert_problem(&with(r#""scenes": []"#), "scenes", "empty");
}

#[test]
fn unknown_composition_lists_the_known_ones() {
    let d = Dir::new();
    let p = problems(d.project(&with(r#""scenes": [{ "composition": "Nope", "durationInFrames": 10 }]"#)));
    assert!(has(&p, "scenes[0].composition", "Nope"), "{p:?}");
    for known in ["TitleCard", "KineticText", "ImageSlide", "LowerThird", "BulletList", "Countdown"] {
        assert!(p[0].contains(known), "{known} missing from {p:?}");
    }
}

#[test]
fn duration_must_be_a_positive_integer() {
    for bad in ["0", "-3", "2.5", "\"10\"", "null"] {
        assert_problem(
            &with(&format!(r#""scenes": [{{ "composition": "TitleCard", "durationInFrames": {bad} }}]"#)),
            "scenes[0].durationInFrames",
            "",
        );
    }
    assert_problem(&with(r#""scenes": [{ "composition": "TitleCard" }]"#), "scenes[0].durationInFrames", "missing");
}

#[test]
fn fps_outside_1_to_120() {
    for bad in ["0", "121", "29.97", "-1", "\"30\""] {
        assert_problem(&with(&format!(r#""fps": {bad}, "scenes": [{SCENE}]"#)), "fps", "1 to 120");
    }
}

#[test]
fn width_and_height_positive_even_and_bounded() {
    assert_problem(&with(&format!(r#""width": 1921, "scenes": [{SCENE}]"#)), "width", "odd");
    assert_problem(&with(&format!(r#""height": 0, "scenes": [{SCENE}]"#)), "height", "");
    assert_problem(&with(&format!(r#""width": -640, "scenes": [{SCENE}]"#)), "width", "");
    assert_problem(&with(&format!(r#""width": 7682, "scenes": [{SCENE}]"#)), "width", "7680");
    assert_problem(&with(&format!(r#""height": 4322, "scenes": [{SCENE}]"#)), "height", "4320");
    assert_problem(&with(&format!(r#""width": 1e400, "scenes": [{SCENE}]"#)), "", "");
}

#[test]
fn module_path_absolute() {
    assert_problem(
        &with(&format!(r#""compositions": {{ "A": "/etc/passwd.js" }}, "scenes": [{SCENE}]"#)),
        "compositions.A",
        "absolute",
    );
}

#[test]
fn module_path_leaving_the_folder() {
    assert_problem(
        &with(&format!(r#""compositions": {{ "A": "../x.js" }}, "scenes": [{SCENE}]"#)),
        "compositions.A",
        "",
    );
}

#[test]
fn module_path_missing() {
    assert_problem(
        &with(&format!(r#""compositions": {{ "A": "./nope.js" }}, "scenes": [{SCENE}]"#)),
        "compositions.A",
        "",
    );
}

#[cfg(unix)]
#[test]
fn module_symlink_escaping_the_folder() {
    let outside = Dir::new();
    let target = outside.write("evil.js", b"export default {}");
    let d = Dir::new();
    std::os::unix::fs::symlink(&target, d.0.path().join("link.js")).expect("symlink");
    let p = problems(d.project(&with(&format!(r#""compositions": {{ "A": "./link.js" }}, "scenes": [{SCENE}]"#))));
    assert!(has(&p, "compositions.A", "outside the project folder"), "{p:?}");
}

#[test]
fn props_must_be_an_object() {
    assert_problem(
        &with(r#""scenes": [{ "composition": "TitleCard", "durationInFrames": 5, "props": [1] }]"#),
        "scenes[0].props",
        "object",
    );
}

#[test]
fn not_utf8() {
    let d = Dir::new();
    let p = problems(load_project(&d.write("p.json", b"{ \"name\": \"\xff\xfe\" }")));
    assert!(p[0].contains("not UTF-8"), "{p:?}");
}

#[test]
fn over_10_mib() {
    let d = Dir::new();
    let big = vec![b' '; (MAX_FILE_BYTES + 1) as usize];
    let p = problems(load_project(&d.write("p.json", &big)));
    assert!(p[0].contains("10 MiB"), "{p:?}");
}

/// A FIFO reports 0 bytes and blocks a reader forever; /dev/zero reports 0 bytes and never
/// ends. Both are refused at once, without reading.
#[test]
fn a_fifo_or_a_device_is_not_a_project_file() {
    let d = Dir::new();
    let fifo = d.0.path().join("pipe.json");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let p = problems(load_project(&fifo));
    assert!(p[0].contains("named pipe"), "{p:?}");
    let p = problems(open_project(std::path::Path::new("/dev/zero")));
    assert!(p[0].contains("a device, not a project file"), "{p:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn every_problem_is_reported_at_once() {
    let d = Dir::new();
    let p = problems(d.project(
        r#"{ "version": 2, "fps": 0, "width": 3,
             "scenes": [ { "composition": "Nope", "durationInFrames": -1, "props": 5 } ] }"#,
    ));
    for at in ["version", "fps", "width", "scenes[0].composition", "scenes[0].durationInFrames", "scenes[0].props"] {
        assert!(p.iter().any(|x| x.starts_with(at)), "{at} missing from {p:#?}");
    }
}

#[test]
fn crossfade_rules() {
    assert_problem(
        &with(r#""scenes": [{ "composition": "TitleCard", "durationInFrames": 5, "transition": "crossfade" }]"#),
        "scenes[0].transition",
        "first scene",
    );
    assert_problem(
        &with(&format!(
            r#""scenes": [{SCENE}, {{ "composition": "TitleCard", "durationInFrames": 20,
               "transition": {{ "type": "crossfade", "durationInFrames": 25 }} }}]"#
        )),
        "scenes[1].transition.durationInFrames",
        "longer",
    );
    assert_problem(
        &with(&format!(
            r#""scenes": [{SCENE}, {{ "composition": "TitleCard", "durationInFrames": 20, "transition": "wipe" }}]"#
        )),
        "scenes[1].transition",
        "unknown transition",
    );
}

#[test]
fn a_folder_with_one_project_opens_it() {
    let d = Dir::new();
    d.write("teaser.json", with(&format!(r#""scenes": [{SCENE}]"#)).as_bytes());
    d.write("notes.txt", b"hi");
    let p = open_project(d.0.path()).expect("opens the one .json");
    assert_eq!(p.name, "teaser");
    d.write("other.json", b"{}");
    let e = open_project(d.0.path()).expect_err("two .json files is ambiguous");
    assert!(e.problems[0].message.contains("2 .json files"), "{e}");
    // A *.bazaar.json is the project whatever other JSON is beside it; two are ambiguous again.
    d.write("launch.bazaar.json", with(&format!(r#""scenes": [{SCENE}]"#)).as_bytes());
    assert_eq!(open_project(d.0.path()).expect("opens the .bazaar.json").name, "launch");
    d.write("second.bazaar.json", b"{}");
    assert!(open_project(d.0.path()).is_err());
}

#[test]
fn the_sample_project_is_valid() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/launch-teaser/launch-teaser.bazaar.json");
    let p = load_project(&sample).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.scenes.len() >= 7);
    let used: std::collections::BTreeSet<_> = p.scenes.iter().map(|s| s.composition.as_str()).collect();
    // Lottie plays an After Effects export, which the sample does not have (tests/clock.rs plays one).
    for id in builtin_ids().filter(|id| *id != "Lottie") {
        assert!(used.contains(id), "the sample should use built-in {id}");
    }
}

#[test]
fn sounds_are_placed_on_the_timeline() {
    let d = Dir::new();
    d.write("audio/music.mp3", b"x");
    d.write("audio/whoosh.wav", b"x");
    let p = d
        .project(&with(
            r#""fps": 30, "audio": [{ "src": "audio/music.mp3", "at": 0, "trimStart": 12.5, "durationInFrames": 900,
              "volume": 0.8, "fadeInFrames": 30, "fadeOutFrames": 60, "loop": true }],
            "scenes": [ { "composition": "TitleCard", "durationInFrames": 90 },
                        { "composition": "TitleCard", "durationInFrames": 90,
                          "audio": [ { "src": "./audio/whoosh.wav", "at": 12, "volume": [[0, 0], [6, 1]] } ] } ]"#,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.audio.len(), 2);
    let (music, whoosh) = (&p.audio[0], &p.audio[1]);
    assert_eq!((music.json_path.as_str(), music.at, music.until, music.looped), ("audio[0]", 0, 180, true));
    assert_eq!((music.trim_start, music.duration_in_frames, music.fade_out_frames), (12.5, Some(900), 60));
    assert_eq!((whoosh.json_path.as_str(), whoosh.src.as_str()), ("scenes[1].audio[0]", "audio/whoosh.wav"));
    // A scene's `at` counts from the scene's start, and its sounds stop at its end.
    assert_eq!((whoosh.at, whoosh.until, whoosh.scene), (102, 180, Some(1)));
    assert_eq!(whoosh.volume, Volume::Keyframes(vec![(0.0, 0.0), (6.0, 1.0)]));
    assert!(p.files_read().iter().any(|(f, what)| f.ends_with("whoosh.wav") && what.contains("scenes[1].audio[0]")));
}

#[test]
fn bad_sounds_are_each_reported_at_their_json_path() {
    let d = Dir::new();
    d.write("a.wav", b"x");
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("b.wav"), b"x").unwrap();
    let escape = format!("{}/b.wav", outside.path().display());
    let p = problems(d.project(&with(&format!(
        r#""audio": [ {{ "at": -3, "src": "a.wav" }},
                     {{ "src": "a.wav", "volume": 5 }},
                     {{ "src": "a.wav", "volume": [[10, 1], [5, 0.5]] }},
                     {{ "src": "a.wav", "Volume": 1 }},
                     {{ "src": "../b.wav" }},
                     {{ "src": {escape:?} }},
                     {{ "src": "missing.wav" }},
                     {{ "at": 5 }},
                     {{ "src": "a.wav", "trimStart": -1, "loop": "yes", "durationInFrames": 0 }},
                     {{ "src": "a.wav", "at": 30 }} ],
           "scenes": [ {{ "composition": "TitleCard", "durationInFrames": 30, "audio": {{ "src": "a.wav" }} }} ]"#
    ))));
    for (at, words) in [
        ("audio[0].at", "negative"),
        ("audio[1].volume", "a gain from 0 to 4"),
        ("audio[2].volume[1]", "in order"),
        ("audio[3].Volume", "not a field of a sound"),
        ("audio[4].src", "'..'"),
        ("audio[5].src", "absolute path"),
        ("audio[6].src", "does not exist"),
        ("audio[7].src", "is missing"),
        ("audio[8].trimStart", "number of seconds"),
        ("audio[8].loop", "true or false"),
        ("audio[8].durationInFrames", "at least one frame"),
        ("audio[9].at", "past the end of the project"),
        ("scenes[0].audio", "must be a list of sounds"),
    ] {
        assert!(has(&p, at, words), "no problem at {at} saying {words:?} in {p:#?}");
    }
}

#[test]
fn background_is_the_scenes_own_else_the_projects() {
    let d = Dir::new();
    let p = d
        .project(&with(&format!(
            r##""background": "transparent", "matte": "#FF8000", "scenes": [{SCENE},
            {{ "composition": "TitleCard", "durationInFrames": 30, "background": "opaque" }}]"##
        )))
        .unwrap();
    assert_eq!((p.background, p.matte), (Background::Transparent, Matte([255, 128, 0])));
    assert_eq!([p.scenes[0].background, p.scenes[1].background], [Background::Transparent, Background::Opaque]);
    assert!(p.is_transparent() && p.summary().contains("flattened over #ff8000"), "{}", p.summary());
    let p = d
        .project(&with(&format!(
            r#""scenes": [{SCENE}, {{ "composition": "TitleCard", "durationInFrames": 30, "background": "transparent" }}]"#
        )))
        .unwrap();
    assert_eq!((p.background, p.matte), (Background::Opaque, Matte([0, 0, 0])));
    assert!(p.is_transparent() && !p.scenes[0].background.is_transparent());
    let p = d.project(&with(&format!(r#""scenes": [{SCENE}]"#))).unwrap();
    assert!(!p.is_transparent() && !p.summary().contains("background"));
}

#[test]
fn bad_backgrounds_and_mattes_are_named_at_their_path() {
    let scenes = format!(
        r#""scenes": [{SCENE}, {{ "composition": "TitleCard", "durationInFrames": 30, "background": "none" }}]"#
    );
    let d = Dir::new();
    let p = problems(d.project(&with(&format!(r##""background": "#000", "matte": "black", {scenes}"##))));
    assert!(has(&p, "background", "\"transparent\" or \"opaque\""), "{p:#?}");
    assert!(has(&p, "matte", "#rrggbb"), "{p:#?}");
    assert!(has(&p, "scenes[1].background", "not the text \"none\""), "{p:#?}");
    assert_problem(&with(&format!(r#""matte": 0, "scenes": [{SCENE}]"#)), "matte", "not 0");
    assert_problem(&with(&format!(r#""background": true, "scenes": [{SCENE}]"#)), "background", "not true");
}
