//! npm packages, TypeScript and JSX in compositions, end to end through the binary: a React +
//! TypeScript DOM scene (text and layout from props), a TypeScript canvas scene (interfaces,
//! enums, generics), a CommonJS package, each checked by its pixels; and the bad cases named
//! by `check` (a missing package with file, line and what to run, a Node built-in with its
//! import chain, a TypeScript syntax error at the `.ts` file's line and column, a link out of
//! the folder in node_modules) and by a render (a throw in a `.ts` at its own line and column).
//!
//! The packages (tests/fixtures/modules/package.json, pinned by its lock file) are installed
//! from the npm registry by scripts/ensure-npm-fixtures.sh before the tests, never by the app.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::probe;
use cli::{check_refused, render, render_command, repo, stderr};
use std::path::{Path, PathBuf};

/// A project of the fixture, whose packages must have been installed.
fn fixture(project: &str) -> PathBuf {
    let dir = repo("tests/fixtures/modules");
    assert!(
        dir.join("node_modules/react-dom/package.json").exists(),
        "the fixture's packages are not installed: run scripts/ensure-npm-fixtures.sh (npm ci in tests/fixtures/modules)"
    );
    dir.join(project)
}

/// Every frame of `project` rendered to a lossless-enough MP4, as RGBA, with its width.
fn frames(project: &Path) -> (Vec<Vec<u8>>, usize) {
    let out = tempfile::tempdir().unwrap();
    let video = out.path().join("out.mp4");
    let o = render(project, &video, &["--size", "project"]);
    assert!(o.status.success(), "render failed: {}", stderr(&o));
    let mut frames = Vec::new();
    let (_, w, _) = probe::decode_frames(&video, |_, _, rgba| frames.push(rgba.to_vec())).unwrap();
    (frames, w as usize)
}

fn at(frame: &[u8], width: usize, x: usize, y: usize) -> [u8; 3] {
    let i = (y * width + x) * 4;
    [frame[i], frame[i + 1], frame[i + 2]]
}

fn near(got: [u8; 3], want: [u8; 3], what: &str) {
    let off = got.iter().zip(want).map(|(g, w)| (*g as i32 - w as i32).abs()).max().unwrap();
    assert!(off <= 24, "{what}: got {got:?}, want {want:?}");
}

#[test]
fn a_react_typescript_dom_scene_lays_out_its_props() {
    let (frames, w) = frames(&fixture("react.bazaar.json"));
    assert_eq!((frames.len(), w), (2, 320));
    // The bar: a quarter of the width, then three quarters (its share, a prop).
    near(at(&frames[0], w, 40, 40), [255, 0, 0], "inside the first bar");
    near(at(&frames[0], w, 120, 40), [0, 0, 0], "right of the first bar");
    near(at(&frames[1], w, 200, 40), [255, 0, 0], "inside the second bar");
    near(at(&frames[1], w, 280, 40), [0, 0, 0], "right of the second bar");
    // The title (a prop) in white at the bottom left: "I" is narrow, "WWWWW" is wide.
    let right_edge = |f: &[u8]| (0..w).rev().find(|&x| (130..180).any(|y| at(f, w, x, y)[0] > 200)).unwrap_or(0);
    let (narrow, wide) = (right_edge(&frames[0]), right_edge(&frames[1]));
    assert!(narrow > 0 && narrow < 40, "the title \"I\" reaches x = {narrow}");
    assert!(wide > 120, "the title \"WWWWW\" reaches x = {wide}");
}

#[test]
fn a_typescript_canvas_scene_with_interfaces_enums_and_generics() {
    let (frames, w) = frames(&fixture("thirds.bazaar.json"));
    assert_eq!(frames.len(), 2);
    let (red, green, blue) = ([255, 0, 0], [0, 255, 0], [0, 0, 255]);
    for (frame, order) in [(0, [red, green, blue]), (1, [blue, red, green])] {
        for (third, want) in order.into_iter().enumerate() {
            near(at(&frames[frame], w, third * 64 + 32, 32), want, &format!("frame {frame}, third {third}"));
        }
    }
}

#[test]
fn a_commonjs_package_is_imported_as_a_module() {
    let (frames, w) = frames(&fixture("convert.bazaar.json"));
    near(at(&frames[0], w, 32, 32), [255, 128, 0], "convert.hex.rgb(\"FF8000\")");
    near(at(&frames[0], w, 96, 32), [30, 144, 255], "keyword.rgb(\"dodgerblue\") (a named import)");
}

/// React, gsap, three and lottie-web (UMD, through the CommonJS wrapper) by their bare names
/// in one scene: each third of the frame is green when its library loaded whole.
#[test]
fn every_library_the_issue_names_loads_by_its_bare_name() {
    let (frames, w) = frames(&fixture("everything.bazaar.json"));
    for (x, name) in [(32, "gsap"), (96, "three"), (160, "lottie-web")] {
        near(at(&frames[0], w, x, 32), [0, 200, 0], name);
    }
}

/// A second render of an unchanged project compiles nothing again: the module cache's entries
/// (by content hash) are read, not rewritten; a changed file adds one entry.
#[test]
fn a_second_render_reads_compiled_modules_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let (d, p) = project(&[("scene.ts", "enum C { Red = \"rgb(255, 0, 0)\" }\nexport default { draw(ctx: CanvasRenderingContext2D) { ctx.fillStyle = C.Red; ctx.fillRect(0, 0, 64, 36); } };\n")], "scene.ts");
    let entries = || -> Vec<(PathBuf, std::time::SystemTime)> {
        let mut all = Vec::new();
        for version in std::fs::read_dir(cache.path().join("bazaar-export/modules")).unwrap().flatten() {
            for e in std::fs::read_dir(version.path()).unwrap().flatten() {
                all.push((e.path(), e.metadata().unwrap().modified().unwrap()));
            }
        }
        all.sort();
        all
    };
    let out = tempfile::tempdir().unwrap();
    let run = || {
        let o = render_command(&p, &out.path().join("o.mp4"), &[], 120)
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run();
    let first = entries();
    assert_eq!(first.len(), 1, "scene.ts compiled once, by check and page alike: {first:?}");
    run();
    assert_eq!(entries(), first, "nothing compiled again");
    std::fs::write(
        d.path().join("scene.ts"),
        "export default { draw(ctx: CanvasRenderingContext2D) { ctx.fillRect(0, 0, 1, 1); } };\n",
    )
    .unwrap();
    run();
    assert_eq!(entries().len(), 2, "the changed file, once more");
}

/// A project of one composition `file` (with `files` beside it) in a new folder.
fn project(files: &[(&str, &str)], module: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let json = format!(
        r#"{{ "version": 1, "name": "t", "width": 64, "height": 36, "fps": 30,
             "compositions": {{ "Main": "./{module}" }}, "scenes": [{{ "composition": "Main", "durationInFrames": 2 }}] }}"#
    );
    let file = dir.path().join("project.json");
    std::fs::write(&file, json).unwrap();
    (dir, file)
}

#[test]
fn a_missing_package_is_named_with_its_line_and_what_to_run() {
    let (_d, p) = project(
        &[("scene.ts", "// a tween\nimport gsap from \"gsap\";\nexport default { draw() { gsap.to({}, {}); } };\n")],
        "scene.ts",
    );
    let e = check_refused(&p, &[]);
    assert!(e.contains("scene.ts, line 2 imports `gsap`"), "{e}");
    assert!(e.contains("run `npm install gsap` in the project folder"), "{e}");
}

#[test]
fn a_node_builtin_is_refused_naming_the_import_chain() {
    let (_d, p) = project(
        &[
            ("scene.js", "import read from \"reader\";\nexport default { draw() { read(); } };\n"),
            ("node_modules/reader/package.json", r#"{ "name": "reader", "main": "lib/index.js" }"#),
            (
                "node_modules/reader/lib/index.js",
                "'use strict';\nconst fs = require('node:fs');\nmodule.exports = () => fs.readFileSync('x');\n",
            ),
        ],
        "scene.js",
    );
    let e = check_refused(&p, &[]);
    assert!(e.contains("`node:fs` is a Node built-in module"), "{e}");
    assert!(
        e.contains("scene.js line 1 imports `reader` → node_modules/reader/lib/index.js line 2 imports `node:fs`"),
        "{e}"
    );
}

#[test]
fn a_typescript_syntax_error_names_the_ts_file_line_and_column() {
    let (_d, p) = project(
        &[
            ("scene.tsx", "import { size } from \"./lib/size\";\nexport default { draw() { size(); } };\n"),
            ("lib/size.ts", "interface S { w: number }\nexport function size(): S {\n  return { w: 1 + };\n}\n"),
        ],
        "scene.tsx",
    );
    let e = check_refused(&p, &[]);
    assert!(e.contains("lib/size.ts, line 3, column 19: SyntaxError"), "{e}");
}

#[test]
fn a_link_out_of_the_folder_in_node_modules_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("index.js"), "export default 1;\n").unwrap();
    std::fs::write(outside.path().join("package.json"), r#"{ "name": "far", "main": "index.js" }"#).unwrap();
    let (d, p) =
        project(&[("scene.js", "import far from \"far\";\nexport default { draw() { far; } };\n")], "scene.js");
    std::fs::create_dir(d.path().join("node_modules")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.path().join("node_modules/far")).unwrap();
    let e = check_refused(&p, &[]);
    assert!(e.contains("scene.js, line 1 imports `far`, which leads through a link (node_modules/far"), "{e}");
    assert!(e.contains("outside the project folder"), "{e}");
}

#[test]
fn a_throw_in_typescript_names_the_ts_line_and_column() {
    // The same code as TypeScript and as JavaScript, the types on lines of their own: the
    // TypeScript file's error must name the position WebKit names for the JavaScript one.
    let ts = "interface Args {\n  frame: number;\n}\n\ntype Maybe<T> = T | undefined;\n\nfunction fail(a: Args): Maybe<number> {\n  if (a.frame >= 1) throw new Error(\"frame \" + a.frame + \" is too late\");\n  return a.frame;\n}\n\nexport default { draw(_ctx: unknown, info: Args) { fail(info); } };\n";
    let js = "\n\n\n\n\n\nfunction fail(a) {\n  if (a.frame >= 1) throw new Error(\"frame \" + a.frame + \" is too late\");\n  return a.frame;\n}\n\nexport default { draw(_ctx, info) { fail(info); } };\n";
    let throw_at = |file: &str, code: &str| {
        let (_d, p) = project(&[(file, code)], file);
        let out = tempfile::tempdir().unwrap();
        let o = render(&p, &out.path().join("o.mp4"), &[]);
        assert!(!o.status.success());
        let e = stderr(&o);
        assert!(e.contains("at frame 1: draw() threw: frame 1 is too late"), "{e}");
        let at = e.split(&format!("fail@{file}:")).nth(1).unwrap_or_else(|| panic!("no position in {file}: {e}"));
        at.split_whitespace().next().unwrap().to_string()
    };
    let js_at = throw_at("scene.js", js);
    assert!(js_at.starts_with("8:"), "{js_at}");
    assert_eq!(throw_at("scene.ts", ts), js_at, "scene.ts names the line and column of the throw");
}
