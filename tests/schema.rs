//! `schema/project.schema.json` (JSON Schema 2020-12, for editors) against the projects the app
//! reads: it accepts every sample, fixture and benchmark project, and rejects the malformed
//! ones in `tests/fixtures/bad-projects/`, except those only the app can judge (a composition
//! that does not exist, a module missing from the folder, look-alike dots, crossfade rules that
//! depend on the scenes around). Validated with Debian's python3-jsonschema.

#[path = "support/cli.rs"]
mod cli;

use cli::repo;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `ok`/`bad` per file, with the first error.
fn validate(files: &[PathBuf]) -> BTreeMap<String, String> {
    let o = std::process::Command::new("/usr/bin/python3")
        .arg(repo("tests/tools/check_schema.py"))
        .arg(repo("schema/project.schema.json"))
        .args(files)
        .output()
        .expect("python3 runs (scripts/install-deps.sh installs python3-jsonschema)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let (verdict, rest) = l.split_once(' ')?;
            let file = rest.split(": ").next()?.rsplit('/').next()?.to_string();
            let key = if file == "project.json" { rest.split(": ").next()?.to_string() } else { file };
            Some((key, format!("{verdict}: {rest}")))
        })
        .collect()
}

fn json_files(dir: &str, name: Option<&str>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![repo(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && name.is_none_or(|n| p.file_name().is_some_and(|f| f == n))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_schema_accepts_every_project_the_app_accepts() {
    let mut files = json_files("samples", None);
    files.extend(json_files("tests/fixtures", Some("project.json")));
    files.extend(json_files("benchmarks", Some("project.json")));
    // New projects from every template, as written.
    let made = tempfile::tempdir().unwrap();
    for t in bazaar_core::templates::list() {
        let folder = made.path().join(t.id);
        std::fs::create_dir(&folder).unwrap();
        files.push(bazaar_core::templates::create(t.id, &folder).unwrap());
    }
    assert!(files.len() >= 12, "{files:?}");
    let verdicts = validate(&files);
    let refused: Vec<_> = verdicts.values().filter(|v| !v.starts_with("ok")).collect();
    assert!(refused.is_empty(), "{refused:#?}");
    assert_eq!(verdicts.len(), files.len());
}

#[test]
fn the_schema_refuses_malformed_projects() {
    let files = json_files("tests/fixtures/bad-projects", None);
    assert_eq!(files.len(), 52);
    let verdicts = validate(&files);
    // What only the app can judge: the project folder's files, the names it knows, the scenes around.
    let app_only = [
        "14-unknown-composition.json",
        "33-module-missing.json",
        "36-module-unicode-dots.json",
        "42-crossfade-first.json",
        "43-crossfade-too-long.json",
    ];
    for (file, verdict) in &verdicts {
        if app_only.contains(&file.as_str()) {
            assert!(
                verdict.starts_with("ok"),
                "{file} is now refused by the schema: move it out of the app-only list ({verdict})"
            );
        } else {
            assert!(verdict.starts_with("bad"), "the schema accepts {file}");
        }
    }
}
