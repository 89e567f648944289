#!/usr/bin/env bash
# Builds the installable package: target/release/bundle/deb/*.deb, with Tauri's bundler (the
# `cargo tauri` CLI, built from crates.io by scripts/ensure-rust-tools.sh). The release binary is
# the one the tests use; the bundler adds the .desktop entry (packaging/bazaar-export.desktop),
# the icons, the shared-mime-info type for *.bazaar.json and the package's dependencies
# (src-tauri/tauri.conf.json, "bundle").
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-rust-tools.sh --with-bundler >/dev/null
cargo build --release -p bazaar-export -p bazaar-web-extension
# No binary patching: the bundle type marker is only for the updater, which we do not use, and
# patching rewrites target/release/bazaar-export in place (tests may be running it).
(cd src-tauri && cargo tauri bundle --bundles deb --no-binary-patching)
deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
echo "package: $deb"
