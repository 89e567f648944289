//! Analyses kept by content: in memory for the process (a second render, a live reload, the
//! window's preview after its check), and on disk under the user's cache folder, keyed by the
//! file's content hash, the JSX runtime and [`CONVERTER_VERSION`], so a new start of the app
//! does not compile unchanged files again (BENCHMARKS.md, "Modules: time to first frame").

use super::analyze::{analyze, Analysis};
use super::{Language, ModuleError, CONVERTER_VERSION};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The memory kept for analyses (their code's bytes); past it the table starts again.
const MEMORY_BYTES: usize = 256 * 1024 * 1024;

#[derive(Default)]
struct Memory {
    table: HashMap<u128, Arc<Analysis>>,
    bytes: usize,
}

static MEMORY: Mutex<Option<Memory>> = Mutex::new(None);
static DISK: OnceLock<PathBuf> = OnceLock::new();

/// Where analyses are kept between runs (`~/.cache/bazaar-export/modules`); set once at start.
/// Without it they are kept in memory only.
pub fn set_disk_cache(dir: PathBuf) {
    let _ = DISK.set(dir.join(CONVERTER_VERSION));
}

fn key(source: &[u8], language: Language, jsx_import_source: &str) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(CONVERTER_VERSION.as_bytes());
    h.update(&[language as u8, 0]);
    h.update(jsx_import_source.as_bytes());
    h.update(&[0]);
    h.update(source);
    h.digest128()
}

/// The analysis of a file's `source` (see [`analyze`]), from the cache when this content was
/// seen before. Errors are not kept (they name the file).
pub fn analysis_of(
    source: &str,
    language: Language,
    file: &str,
    jsx_import_source: &str,
) -> Result<Arc<Analysis>, ModuleError> {
    let key = key(source.as_bytes(), language, jsx_import_source);
    if let Some(found) = MEMORY.lock().ok().and_then(|m| m.as_ref()?.table.get(&key).cloned()) {
        return Ok(found);
    }
    let disk = DISK.get().map(|dir| dir.join(format!("{key:032x}.json")));
    let from_disk =
        disk.as_ref().and_then(|p| std::fs::read(p).ok()).and_then(|b| serde_json::from_slice::<Analysis>(&b).ok());
    let analysis = match from_disk {
        Some(a) => Arc::new(a),
        None => {
            let a = Arc::new(analyze(source, language, file, jsx_import_source)?);
            if let Some(path) = &disk {
                store(path, &a);
            }
            a
        }
    };
    if let Ok(mut memory) = MEMORY.lock() {
        let memory = memory.get_or_insert_with(Memory::default);
        let size = analysis.code.as_ref().map_or(0, String::len) + analysis.imports.len() * 64 + 64;
        if memory.bytes + size > MEMORY_BYTES {
            *memory = Memory::default();
        }
        memory.bytes += size;
        memory.table.insert(key, analysis.clone());
    }
    Ok(analysis)
}

/// Written to a temp file and renamed: a reader never sees half an entry. A cache that cannot
/// be written only costs time.
fn store(path: &std::path::Path, analysis: &Analysis) {
    let Some(dir) = path.parent() else { return };
    let Ok(json) = serde_json::to_vec(analysis) else { return };
    let temp = dir.join(format!(".{}.{}", std::process::id(), uuid::Uuid::new_v4()));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&temp, json))
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_content_is_analysed_once() {
        let a = analysis_of("export const x: number = 1;", Language::TypeScript, "a.ts", "react").unwrap();
        let b = analysis_of("export const x: number = 1;", Language::TypeScript, "b.ts", "react").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = analysis_of("export const x: number = 1;", Language::TypeScript, "b.ts", "preact").unwrap();
        assert!(!Arc::ptr_eq(&a, &c), "the JSX runtime is part of the key");
    }
}
