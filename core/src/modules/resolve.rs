//! Where an import leads: Node's rules for the browser (`oxc_resolver`: package.json `exports`
//! with the `browser`, `import` (or `require`) and `default` conditions, then `module`, then
//! `main`), from the project's own `node_modules`, and never out of the project folder.
//!
//! Links (pnpm's layout) are followed, and the file is then where the link leads: it must be
//! inside the folder, and it is served at that path, so a package reached through two links is
//! one module. No `NODE_PATH`, no global folders, no network.

use super::analyze::ImportKind;
use std::path::{Path, PathBuf};

/// The package the automatic JSX runtime imports from when `tsconfig.json` names none.
pub const DEFAULT_JSX_IMPORT_SOURCE: &str = "react";

/// Where a specifier leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A file inside the project folder (links followed).
    File(PathBuf),
    /// Nothing in the project's `node_modules` (or no such relative file). `package`: the bare
    /// specifier's package name.
    Missing { package: Option<String> },
    /// A Node built-in module (`fs`, `node:path`), which a page cannot have.
    Builtin(String),
    /// Found, but a link led out of the project folder: `found` (inside) leads to `target`.
    Outside { found: PathBuf, target: PathBuf },
    /// The package is there but its package.json says nothing the page can load, in words.
    Unusable(String),
}

/// Resolves imports for one project folder.
pub struct Resolver {
    root: PathBuf,
    import: oxc_resolver::Resolver,
    require: oxc_resolver::Resolver,
}

impl Resolver {
    /// `root`: the project folder, links resolved (as `Project::root` is).
    pub fn new(root: &Path) -> Resolver {
        let options = |conditions: [&str; 3]| oxc_resolver::ResolveOptions {
            condition_names: conditions.iter().map(|c| c.to_string()).collect(),
            main_fields: vec!["module".into(), "main".into()],
            extensions: [".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".jsx", ".json"].map(String::from).to_vec(),
            // TypeScript's habit: `./util.js` names `util.ts`.
            extension_alias: vec![
                (".js".into(), vec![".js".into(), ".ts".into(), ".tsx".into()]),
                (".mjs".into(), vec![".mjs".into(), ".mts".into()]),
            ],
            builtin_modules: true,
            node_path: false,
            // Links are followed here, by `canonicalize`, to tell a link out of the folder
            // from a package that is not installed.
            symlinks: false,
            ..oxc_resolver::ResolveOptions::default()
        };
        Resolver {
            root: root.to_path_buf(),
            import: oxc_resolver::Resolver::new(options(["browser", "import", "default"])),
            require: oxc_resolver::Resolver::new(options(["browser", "require", "default"])),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `specifier`, imported by the file `importer` as `kind`, leads.
    pub fn resolve(&self, importer: &Path, specifier: &str, kind: &ImportKind) -> Resolved {
        let dir = importer.parent().unwrap_or(&self.root);
        let resolver = if *kind == ImportKind::Require { &self.require } else { &self.import };
        let bare = !(specifier.starts_with("./") || specifier.starts_with("../") || specifier.starts_with('/'));
        let package = bare.then(|| package_name(specifier).to_string());
        match resolver.resolve(dir, specifier) {
            Ok(found) => {
                let found = found.into_path_buf();
                let Ok(target) = found.canonicalize() else { return Resolved::Missing { package } };
                if target.starts_with(&self.root) {
                    Resolved::File(target)
                } else if found.starts_with(&self.root) {
                    Resolved::Outside { found, target }
                } else {
                    // Found in a folder above the project's: not installed in the project.
                    Resolved::Missing { package }
                }
            }
            Err(oxc_resolver::ResolveError::Builtin { resolved, .. }) => Resolved::Builtin(resolved),
            Err(
                oxc_resolver::ResolveError::NotFound(_)
                | oxc_resolver::ResolveError::ExtensionAlias(..)
                | oxc_resolver::ResolveError::IOError(_),
            ) => Resolved::Missing { package },
            Err(e) => Resolved::Unusable(e.to_string()),
        }
    }
}

/// The package of a bare specifier: `@scope/name` or `name`, without the path inside it.
pub fn package_name(specifier: &str) -> &str {
    let specifier = specifier.strip_prefix("npm:").unwrap_or(specifier);
    let mut ends = specifier.match_indices('/').map(|(i, _)| i);
    let end = if specifier.starts_with('@') { ends.nth(1) } else { ends.next() };
    &specifier[..end.unwrap_or(specifier.len())]
}

/// `compilerOptions.jsxImportSource` of the project's `tsconfig.json` (JSON with comments), or
/// [`DEFAULT_JSX_IMPORT_SOURCE`].
pub fn jsx_import_source(root: &Path) -> String {
    let found = std::fs::read_to_string(root.join("tsconfig.json")).ok().and_then(|mut text| {
        json_strip_comments::strip(&mut text).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        Some(json.pointer("/compilerOptions/jsxImportSource")?.as_str()?.to_string())
    });
    found.unwrap_or_else(|| DEFAULT_JSX_IMPORT_SOURCE.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_name_is_its_first_segment_or_two_when_scoped() {
        assert_eq!(package_name("gsap"), "gsap");
        assert_eq!(package_name("react-dom/client"), "react-dom");
        assert_eq!(package_name("@scope/pkg/sub/x.js"), "@scope/pkg");
    }

    #[test]
    fn tsconfig_with_comments_names_the_jsx_source() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(jsx_import_source(dir.path()), "react");
        std::fs::write(
            dir.path().join("tsconfig.json"),
            "{\n // c\n \"compilerOptions\": { \"jsxImportSource\": \"preact\", },\n}",
        )
        .unwrap();
        assert_eq!(jsx_import_source(dir.path()), "preact");
    }

    #[test]
    fn packages_resolve_inside_the_folder_and_links_out_are_named() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(outside.path().join("evil")).unwrap();
        std::fs::write(outside.path().join("evil/index.js"), "export default 1;").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let pkg = root.join("node_modules/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(
            pkg.join("package.json"),
            r#"{"name":"pkg","main":"main.cjs","module":"mod.js","exports":{".":{"browser":"./browser.js","require":"./main.cjs"}}}"#,
        )
        .unwrap();
        for f in ["main.cjs", "mod.js", "browser.js"] {
            std::fs::write(pkg.join(f), "").unwrap();
        }
        std::os::unix::fs::symlink(outside.path().join("evil"), root.join("node_modules/evil")).unwrap();
        std::fs::write(root.join("util.ts"), "").unwrap();
        let r = Resolver::new(&root);
        let from = root.join("scene.ts");
        let stat = ImportKind::Dynamic;
        assert_eq!(r.resolve(&from, "pkg", &stat), Resolved::File(pkg.join("browser.js")));
        assert_eq!(r.resolve(&from, "./util.js", &stat), Resolved::File(root.join("util.ts")));
        assert_eq!(r.resolve(&from, "gsap", &stat), Resolved::Missing { package: Some("gsap".into()) });
        assert_eq!(r.resolve(&from, "node:fs", &stat), Resolved::Builtin("node:fs".into()));
        assert!(matches!(r.resolve(&from, "fs", &stat), Resolved::Builtin(_)));
        assert!(
            matches!(r.resolve(&from, "evil", &stat), Resolved::Outside { .. }),
            "{:?}",
            r.resolve(&from, "evil", &stat)
        );
    }
}
