//! Embeds the built-in compositions (`../compositions/**/*.js`) into the core so the app, the
//! validator and the CLI all agree on the same set without locating files at run time.
use std::{env, fs, path::Path};

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "js") {
            let rel = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            out.push(rel);
        }
    }
}

fn pascal_case(stem: &str) -> String {
    stem.split(['-', '_'])
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../compositions");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut code = String::from("/// Every file under `compositions/`: (path relative to it, source).\npub static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    for rel in &files {
        println!("cargo:rerun-if-changed={}", root.join(rel).display());
        code += &format!("    ({rel:?}, include_str!({:?})),\n", root.join(rel).canonicalize().expect("file exists"));
    }
    code += "];\n/// Built-in composition ids (top-level modules, PascalCase of the file name) and their file.\npub static BUILTIN_COMPOSITIONS: &[(&str, &str)] = &[\n";
    for rel in files.iter().filter(|r| !r.contains('/')) {
        let stem = rel.trim_end_matches(".js");
        code += &format!("    ({:?}, {rel:?}),\n", pascal_case(stem));
    }
    code += "];\n";
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtins.rs");
    fs::write(out, code).expect("write builtins.rs");
}
