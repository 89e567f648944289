//! A module file as the page gets it: the (compiled) code with each import's specifier replaced
//! by the URL of the file it resolves to, relative to the module's own URL, and a CommonJS
//! module asked for as one wrapped into an ES module.
//!
//! Why specifiers are rewritten rather than declared in an import map: where `react` leads
//! depends on who imports it (nested `node_modules`, pnpm's folders), which an import map can
//! only say in scopes made for the whole graph before the first module loads; and a module
//! reached by `import("x")` later would need the map to have known it. Rewritten as each file
//! is served, every import (dynamic ones with a literal name too) resolves where Node would
//! from that file, and nothing has to be known ahead.

use super::analyze::{Format, Import, ImportKind, NODE_ENV};
use super::resolve::{Resolved, Resolver};
use super::{analysis_of, jsx_import_source, Language, ModuleError, COMMONJS_QUERY};
use crate::input_file::read_regular;
use std::path::Path;

/// Module files larger than this are refused (a bundled library is a few MB).
pub const MAX_MODULE_BYTES: u64 = 64 * 1024 * 1024;
/// The query a URL carries for a `.json` file imported (or required) as a module.
pub const JSON_QUERY: &str = "json";

/// A module for the page.
pub struct Served {
    pub code: String,
}

/// The module at `rel` (as the page asked for it, relative to the project folder) whose file is
/// `full` (links followed, inside the folder). `query`: the URL's query ([`COMMONJS_QUERY`]
/// wraps a CommonJS file, [`JSON_QUERY`] makes JSON a module). `None`: not a module file.
pub fn serve_module(resolver: &Resolver, rel: &str, full: &Path, query: &str) -> Option<Result<Served, ModuleError>> {
    let json = query == JSON_QUERY && full.extension().is_some_and(|e| e == "json");
    let language = Language::of(full);
    if language.is_none() && !json {
        return None;
    }
    let source = match read_regular(full, MAX_MODULE_BYTES) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return Some(Err(ModuleError::Unreadable { file: rel.to_string(), why: e.to_string() })),
    };
    let Some(language) = language else {
        return Some(Ok(Served { code: format!("export default {};\n", source.trim()) }));
    };
    Some(rewrite(resolver, rel, full, &source, language, query == COMMONJS_QUERY))
}

fn rewrite(
    resolver: &Resolver,
    rel: &str,
    full: &Path,
    source: &str,
    language: Language,
    wrap: bool,
) -> Result<Served, ModuleError> {
    let jsx = jsx_import_source(resolver.root());
    let analysis = analysis_of(source, language, rel, &jsx)?;
    let text = analysis.code.as_deref().unwrap_or(source);
    let wrap = wrap && analysis.format == Format::CommonJs;
    let mut edits: Vec<(u32, u32, String)> =
        analysis.node_env.iter().map(|&(s, e)| (s, e, format!("{NODE_ENV:?}"))).collect();
    let mut required: Vec<(String, String)> = Vec::new();
    for (n, import) in analysis.imports.iter().enumerate() {
        let Some((url, commonjs)) = target_url(resolver, rel, full, import, &jsx) else { continue };
        match &import.kind {
            ImportKind::Require if wrap => {
                if !required.iter().any(|(s, _)| *s == import.specifier) {
                    required.push((import.specifier.clone(), url));
                }
            }
            ImportKind::Require => {}
            kind if commonjs => edits.push((import.statement.0, import.statement.1, interop(kind, &url, n))),
            _ => edits.push((import.literal.0, import.literal.1, quoted(&url))),
        }
    }
    edits.sort_by_key(|e| e.0);
    let mut code = String::with_capacity(text.len() + 256);
    let mut at = 0usize;
    for (start, end, with) in edits {
        let (start, end) = (start as usize, end as usize);
        if start < at || end > text.len() {
            continue;
        }
        code.push_str(&text[at..start]);
        code.push_str(&with);
        at = end;
    }
    code.push_str(&text[at..]);
    if wrap {
        code = commonjs_module(code, &required);
    }
    Ok(Served { code })
}

/// The URL (relative to the module `rel`) of what `import` leads to, and whether that is a
/// CommonJS module; `None` when it leads nowhere the page may go (`check` names why, and the
/// page's own error names the specifier).
fn target_url(resolver: &Resolver, rel: &str, full: &Path, import: &Import, jsx: &str) -> Option<(String, bool)> {
    let Resolved::File(target) = resolver.resolve(full, &import.specifier, &import.kind) else { return None };
    let target_rel = target.strip_prefix(resolver.root()).ok()?;
    let mut url = relative_url(rel, &target_rel.to_string_lossy());
    let commonjs = match Language::of(&target) {
        Some(language) => {
            let source = read_regular(&target, MAX_MODULE_BYTES).ok()?;
            let source = String::from_utf8_lossy(&source);
            analysis_of(&source, language, &target_rel.to_string_lossy(), jsx)
                .is_ok_and(|a| a.format == Format::CommonJs)
        }
        None => false,
    };
    if commonjs {
        url = format!("{url}?{COMMONJS_QUERY}");
    } else if target.extension().is_some_and(|e| e == "json") {
        url = format!("{url}?{JSON_QUERY}");
    }
    Some((url, commonjs))
}

/// `to` (relative to the project folder) as a URL relative to the module at `from`.
fn relative_url(from: &str, to: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'@')
        .remove(b'+');
    let from_dir: Vec<&str> = from.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let from_dir = &from_dir[..from_dir.len().saturating_sub(1)];
    let to: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut url = if common == from_dir.len() { "./".to_string() } else { "../".repeat(from_dir.len() - common) };
    let rest: Vec<String> =
        to[common..].iter().map(|s| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()).collect();
    url += &rest.join("/");
    url
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// An import of a CommonJS module, whose exports are one object (its default export): names
/// become its properties, `default` is the object (or its `default` for Babel's `__esModule`).
fn interop(kind: &ImportKind, url: &str, n: usize) -> String {
    let m = format!("__bazaar_cjs{n}");
    let default = format!("({m} && {m}.__esModule ? {m}.default : {m})");
    let mut out = format!("import {m} from {};", quoted(url));
    match kind {
        ImportKind::Static { default: d, namespace, named } => {
            if let Some(d) = d {
                out += &format!(" const {d} = {default};");
            }
            if let Some(ns) = namespace {
                out += &format!(" const {ns} = {m};");
            }
            for (imported, local) in named {
                let value = if imported == "default" { default.clone() } else { format!("{m}[{}]", quoted(imported)) };
                out += &format!(" const {local} = {value};");
            }
        }
        ImportKind::ExportFrom { names } => {
            for (i, (local, exported)) in names.iter().enumerate() {
                let value = if local == "default" { default.clone() } else { format!("{m}[{}]", quoted(local)) };
                out += &format!(" const {m}_{i} = {value}; export {{ {m}_{i} as {} }};", export_name(exported));
            }
        }
        ImportKind::ExportAll { name: Some(name) } => out += &format!(" export {{ {m} as {} }};", export_name(name)),
        // `export *` of one object cannot list its names before it runs: its `default` only.
        ImportKind::ExportAll { name: None } => {}
        ImportKind::Dynamic => {
            return format!("import({}).then((m) => ({{ ...m.default, default: m.default }}))", quoted(url));
        }
        ImportKind::Require => {}
    }
    out
}

fn export_name(name: &str) -> String {
    let plain = name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        quoted(name)
    }
}

/// A CommonJS module's code as an ES module: every `require("x")` found is imported first, the
/// code runs in Node's function wrapper (`exports`, `require`, `module`, `global`, `process`),
/// and `module.exports` is the default export. The header stays on the code's first line, so
/// every other line keeps its number.
fn commonjs_module(mut code: String, required: &[(String, String)]) -> String {
    if code.starts_with("#!") {
        code.replace_range(..2, "//");
    }
    let mut head = String::new();
    let mut table = String::new();
    for (i, (specifier, url)) in required.iter().enumerate() {
        head += &format!("import * as __bazaar_req{i} from {}; ", quoted(url));
        table += &format!("{}: __bazaar_req{i}, ", quoted(specifier));
    }
    head += "const __bazaar_module = { exports: {} }; (function (exports, require, module, global, process) {";
    format!(
        "{head}{code}\n}}).call(__bazaar_module.exports, __bazaar_module.exports, __bazaar_require({{ {table}}}), __bazaar_module, globalThis, \
         {{ env: {{ NODE_ENV: {NODE_ENV:?} }}, browser: true }});\n\
         export default __bazaar_module.exports;\nexport const __bazaarCommonJs = true;\n\
         function __bazaar_require(table) {{\n  return (name) => {{\n    if (!Object.prototype.hasOwnProperty.call(table, name)) \
         throw new Error(`require(${{JSON.stringify(name)}}) cannot be loaded: only require() of a string that names a package or file \
         the page may load is supported`);\n    const m = table[name];\n    return m.__bazaarCommonJs ? m.default : m;\n  }};\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_relative_to_the_importing_module() {
        assert_eq!(relative_url("scene.ts", "node_modules/react/index.js"), "./node_modules/react/index.js");
        assert_eq!(relative_url("scenes/a.tsx", "node_modules/@s/p q/x.js"), "../node_modules/@s/p%20q/x.js");
        assert_eq!(relative_url("node_modules/a/lib/x.js", "node_modules/b/y.js"), "../../b/y.js");
    }

    #[test]
    fn commonjs_is_wrapped_and_esm_imports_of_it_get_its_properties() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let pkg = root.join("node_modules/cj");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("package.json"), r#"{"name":"cj","main":"index.js"}"#).unwrap();
        std::fs::write(
            pkg.join("index.js"),
            "if (process.env.NODE_ENV === 'production') { module.exports = require('./prod.js'); } else { module.exports = require('./dev.js'); }",
        )
        .unwrap();
        std::fs::write(pkg.join("prod.js"), "exports.twice = (x) => 2 * x;").unwrap();
        std::fs::write(root.join("scene.ts"), "import { twice } from 'cj';\nexport const y: number = twice(2);\n")
            .unwrap();
        let r = Resolver::new(&root);
        let scene = serve_module(&r, "scene.ts", &root.join("scene.ts"), "").unwrap().unwrap().code;
        assert!(scene.contains("import __bazaar_cjs0 from \"./node_modules/cj/index.js?commonjs\";"), "{scene}");
        assert!(scene.contains("const twice = __bazaar_cjs0[\"twice\"];"), "{scene}");
        let index =
            serve_module(&r, "node_modules/cj/index.js", &pkg.join("index.js"), "commonjs").unwrap().unwrap().code;
        assert!(index.contains("import * as __bazaar_req0 from \"./prod.js?commonjs\";"), "{index}");
        assert!(!index.contains("dev.js\";"), "the development build is not loaded: {index}");
        assert!(index.contains("if (\"production\" === 'production')"), "{index}");
        assert!(index.contains("export default __bazaar_module.exports;"), "{index}");
    }
}
