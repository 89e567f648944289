#!/usr/bin/env bash
# Installs the Rust-side test tool (tauri-driver, the WebDriver bridge for Tauri windows) from
# crates.io when it is missing. Built from source: nothing prebuilt is downloaded.
set -euo pipefail
bin="${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver"
if [ -x "$bin" ]; then
  echo "ensure-rust-tools: tauri-driver present"
  exit 0
fi
cargo install tauri-driver --version '^2' --locked
