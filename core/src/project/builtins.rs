//! The built-in compositions shipped in `compositions/`, embedded at build time by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

/// The ids a scene may name without declaring a module of its own.
pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
    BUILTIN_COMPOSITIONS.iter().map(|(id, _)| *id)
}

/// The embedded source of a file under `compositions/` (e.g. `title-card.js`, `lib/easing.js`).
pub fn builtin_file(rel: &str) -> Option<&'static str> {
    BUILTIN_FILES.iter().find(|(p, _)| *p == rel).map(|(_, src)| *src)
}

/// The file (relative to `compositions/`) that implements a built-in id.
pub fn builtin_module(id: &str) -> Option<&'static str> {
    BUILTIN_COMPOSITIONS.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}
