//! `check`'s walk of a project's modules: from each composition's module through every import
//! and `require()` (packages included), each file once, naming what the page could not load
//! with the import chain that reaches it: a syntax error (at the `.ts` file's own line and
//! column), a package that is not installed and what to run, a Node built-in, a link out of
//! the folder.

use super::analyze::ImportKind;
use super::resolve::{jsx_import_source, Resolved, Resolver};
use super::serve::MAX_MODULE_BYTES;
use super::{analysis_of, Language};
use crate::input_file::read_regular;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// At most this many files are followed through imports.
const MAX_MODULES: usize = 5000;

/// A problem found in the modules of composition `composition` (its id in the project).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphProblem {
    pub composition: String,
    pub message: String,
}

/// One step of a chain: the file (relative to the folder), the line, and what it imports.
type Step = (String, u32, String);

/// Walks `modules` (composition id, file relative to `root`). `plain_syntax`: the syntax check
/// of a plain JavaScript file of the project's own (not a package's), with the page's engine:
/// `Some(message)` for an error. Returns the problems and every file read.
pub fn check_graph(
    root: &Path,
    modules: &[(String, String)],
    plain_syntax: &mut dyn FnMut(&str, &str) -> Option<String>,
) -> (Vec<GraphProblem>, Vec<PathBuf>) {
    let resolver = Resolver::new(root);
    let jsx = jsx_import_source(root);
    let mut seen = BTreeSet::new();
    let mut problems: Vec<GraphProblem> = Vec::new();
    for (id, file) in modules {
        let mut queue: Vec<(PathBuf, Vec<Step>)> = vec![(root.join(file), Vec::new())];
        while let Some((path, chain)) = queue.pop() {
            if seen.len() >= MAX_MODULES || !seen.insert(path.clone()) {
                continue;
            }
            let Ok(bytes) = read_regular(&path, MAX_MODULE_BYTES) else { continue };
            let Some(language) = Language::of(&path) else { continue };
            let code = String::from_utf8_lossy(&bytes);
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().to_string();
            let mut problem = |message: String| {
                if !problems.iter().any(|p| p.message == message) {
                    problems.push(GraphProblem { composition: id.clone(), message });
                }
            };
            let package = rel.split('/').any(|s| s == "node_modules");
            if language == Language::JavaScript && !package {
                if let Some(e) = plain_syntax(&code, &rel) {
                    problem(e);
                    continue;
                }
            }
            let analysis = match analysis_of(&code, language, &rel, &jsx) {
                Ok(a) => a,
                Err(e) => {
                    problem(format!("{e}{}", through(&chain)));
                    continue;
                }
            };
            for import in &analysis.imports {
                let step = (rel.clone(), import.line, import.specifier.clone());
                let at = format!("{rel}, line {}", import.line);
                let verb = if import.kind == ImportKind::Require { "requires" } else { "imports" };
                let spec = &import.specifier;
                match resolver.resolve(&path, spec, &import.kind) {
                    Resolved::File(target) => {
                        let mut next = chain.clone();
                        next.push(step);
                        queue.push((target, next));
                    }
                    Resolved::Missing { package: Some(name) } => problem(format!(
                        "{at} {verb} `{spec}`, but the package `{name}` is not installed in the project folder{}: run `npm install {name}` in the project folder",
                        through(&chain)
                    )),
                    Resolved::Missing { package: None } => {
                        problem(format!("{at} {verb} `{spec}`, which does not exist in the project folder{}", through(&chain)))
                    }
                    Resolved::Builtin(_) => {
                        let name = spec;
                        let mut steps = chain.clone();
                        steps.push(step);
                        problem(format!(
                            "`{name}` is a Node built-in module, which a composition cannot use (it runs in a web page, not in Node): {}. Use a package made for the browser",
                            chain_text(&steps)
                        ))
                    }
                    Resolved::Outside { found, target } => problem(format!(
                        "{at} {verb} `{spec}`, which leads through a link ({}) to {}, outside the project folder{}; links in node_modules are followed only while they stay inside it: install the package into the project (`npm install`)",
                        found.strip_prefix(root).unwrap_or(&found).display(),
                        target.display(),
                        through(&chain)
                    )),
                    Resolved::Unusable(why) => problem(format!("{at} {verb} `{spec}`, which cannot be loaded: {why}{}", through(&chain))),
                }
            }
        }
    }
    let problems = problems.into_iter().collect();
    (problems, seen.into_iter().collect())
}

/// " (imported through a.ts line 1 → node_modules/x/index.js line 3)", or nothing at the top.
fn through(chain: &[Step]) -> String {
    if chain.is_empty() {
        String::new()
    } else {
        format!(" (reached through {})", chain_text(chain))
    }
}

/// "scene.ts line 1 imports `pkg` → node_modules/pkg/index.js line 3 imports `fs`".
fn chain_text(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|(file, line, spec)| format!("{file} line {line} imports `{spec}`"))
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for (name, text) in files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        (dir, root)
    }

    fn check(root: &Path, file: &str) -> Vec<String> {
        let modules = [("main".to_string(), file.to_string())];
        check_graph(root, &modules, &mut |_, _| None).0.into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn a_missing_package_names_the_line_and_what_to_run() {
        let (_d, root) = project(&[(
            "scene.ts",
            "// gsap\nimport gsap from \"gsap\";\nexport default { draw() { gsap.to({}, {}); } };\n",
        )]);
        let problems = check(&root, "scene.ts");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("scene.ts, line 2 imports `gsap`"), "{problems:?}");
        assert!(problems[0].ends_with("run `npm install gsap` in the project folder"), "{problems:?}");
    }

    #[test]
    fn a_node_builtin_is_named_with_the_chain_that_reaches_it() {
        let (_d, root) = project(&[
            ("scene.js", "import x from \"nodey\";\nexport default { draw() {} };\n"),
            ("node_modules/nodey/package.json", r#"{"name":"nodey","main":"index.js"}"#),
            ("node_modules/nodey/index.js", "\n\nconst fs = require('fs');\nmodule.exports = fs;\n"),
        ]);
        let problems = check(&root, "scene.js");
        assert_eq!(
            problems,
            ["`fs` is a Node built-in module, which a composition cannot use (it runs in a web page, not in Node): \
              scene.js line 1 imports `nodey` → node_modules/nodey/index.js line 3 imports `fs`. Use a package made for the browser"]
        );
    }

    #[test]
    fn a_typescript_syntax_error_names_the_ts_file_line_and_column() {
        let (_d, root) = project(&[
            ("a.ts", "import { b } from './b';\nexport default b;\n"),
            ("b.ts", "export const b: number = 1;\nlet c: = 2;\n"),
        ]);
        let problems = check(&root, "a.ts");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("b.ts, line 2, column 8: SyntaxError: "), "{problems:?}");
        assert!(problems[0].contains("(reached through a.ts line 1 imports `./b`)"), "{problems:?}");
    }
}
