//! A composition's modules as the page gets them: TypeScript and JSX compiled, bare imports
//! (`import gsap from "gsap"`) resolved from the project's own `node_modules`, CommonJS and UMD
//! packages converted to ES modules, each file once per content (ARCHITECTURE.md, "Modules").
//!
//! ```text
//! file ─► analyze (oxc: parse, TS/JSX → JS + line map, imports, require()s) ─► cache (content hash)
//!      ─► serve: each import's specifier resolved (resolve: Node's rules, inside the folder)
//!               and spliced in as a relative URL; CommonJS wrapped ─► the page
//! ```
//!
//! [`check_graph`] walks the same imports from each composition for `check`, naming a missing
//! package, a Node built-in or a link out of the folder with the import chain that reaches it.

mod analyze;
mod cache;
mod graph;
mod resolve;
mod serve;
mod stack;

pub use analyze::{Analysis, Format, Import, ImportKind, LineMap};
pub use cache::{analysis_of, set_disk_cache};
pub use graph::{check_graph, GraphProblem};
pub use resolve::{jsx_import_source, package_name, Resolved, Resolver};
pub use serve::{serve_module, Served};
pub use stack::map_positions;

use std::path::Path;

/// The version of what [`analyze`] makes: part of every cache key, so a new converter never
/// reads an old one's output.
pub const CONVERTER_VERSION: &str = concat!("1-oxc0.146-", env!("CARGO_PKG_VERSION"));

/// The query a URL carries when the file is a CommonJS module imported as an ES module (the
/// app wraps it only then: the same file loaded by a `<script>` tag is served as it is).
pub const COMMONJS_QUERY: &str = "commonjs";

/// What a file is compiled as, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Language {
    /// `.js`, `.mjs`, `.cjs`: served as written (only import specifiers change).
    JavaScript,
    /// `.jsx`: JSX compiled.
    Jsx,
    /// `.ts`, `.mts`, `.cts`: types stripped.
    TypeScript,
    /// `.tsx`: types stripped, JSX compiled.
    Tsx,
}

impl Language {
    /// The language of a module file, or `None` for a file that is no module (a `.json`, a picture).
    pub fn of(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "js" | "mjs" | "cjs" => Some(Language::JavaScript),
            "jsx" => Some(Language::Jsx),
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            _ => None,
        }
    }

    /// Whether the file needs compiling (its positions then go through a [`LineMap`]).
    pub fn compiled(self) -> bool {
        self != Language::JavaScript
    }
}

/// Why a module cannot be served or checked, in words a creator understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    /// A syntax error, at the original file's line and column (1-based).
    #[error("{file}, line {line}, column {column}: SyntaxError: {message} (fix the module and try again)")]
    Syntax { file: String, line: u32, column: u32, message: String },
    #[error("{file} cannot be read: {why}")]
    Unreadable { file: String, why: String },
}
