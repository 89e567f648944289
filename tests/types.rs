//! `types/composition.d.ts` type-checks the built-in compositions and the sample's own (each
//! annotated with `@type {import(…).Composition}`) with `tsc --checkJs` (TypeScript from npm,
//! installed by `scripts/ensure-node-tools.sh`), and catches a composition that breaks the
//! contract.

#[path = "support/cli.rs"]
mod cli;

use cli::repo;
use std::path::PathBuf;
use std::process::Command;

fn tsc() -> PathBuf {
    let tsc = repo("target/node-tools/node_modules/.bin/tsc");
    assert!(
        tsc.exists(),
        "tsc is not installed, so compositions cannot be type-checked: run scripts/ensure-node-tools.sh (it needs npm)"
    );
    tsc
}

#[test]
fn the_built_ins_and_the_sample_s_compositions_meet_the_contract() {
    let o = Command::new(tsc()).args(["-p"]).arg(repo("types/tsconfig.json")).output().unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_composition_that_breaks_the_contract_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let types = repo("types/composition").to_string_lossy().into_owned();
    for (name, body) in [
        ("no-draw.js", "defaultProps: {}"),
        ("dom-no-render.js", "dom: true, draw(ctx) {}"),
        ("bad-info.js", "dom: true, render(root, info) { root.textContent = info.frame.toUpperCase(); }"),
    ] {
        std::fs::write(
            dir.path().join(name),
            format!("/** @type {{import({types:?}).Composition}} */\nexport default {{ {body} }};\n"),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("tsconfig.json"),
        r#"{ "compilerOptions": { "allowJs": true, "checkJs": true, "noEmit": true, "target": "es2022", "module": "es2022",
             "moduleResolution": "bundler", "lib": ["es2022", "dom"], "skipLibCheck": true }, "include": ["*.js"] }"#,
    )
    .unwrap();
    let o = Command::new(tsc()).arg("-p").arg(dir.path().join("tsconfig.json")).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success());
    for name in ["no-draw.js", "dom-no-render.js", "bad-info.js"] {
        assert!(out.contains(name), "tsc did not catch {name}:\n{out}");
    }
}

/// A new project from each template type-checks as written: its compositions point at the
/// `.bazaar/composition.d.ts` the template puts beside them.
#[test]
fn every_template_s_compositions_meet_the_contract() {
    for t in bazaar_core::templates::list() {
        let dir = tempfile::tempdir().unwrap();
        bazaar_core::templates::create(t.id, dir.path()).unwrap();
        std::fs::write(
            dir.path().join("tsconfig.json"),
            r#"{ "compilerOptions": { "allowJs": true, "checkJs": true, "noEmit": true, "target": "es2022", "module": "es2022",
                 "moduleResolution": "bundler", "lib": ["es2022", "dom", "dom.iterable"], "skipLibCheck": true },
                 "include": ["*.js", "*.ts", ".bazaar/composition.d.ts"] }"#,
        )
        .unwrap();
        let o = Command::new(tsc()).arg("-p").arg(dir.path().join("tsconfig.json")).output().unwrap();
        assert!(o.status.success(), "template {}: {}", t.id, String::from_utf8_lossy(&o.stdout));
    }
}
