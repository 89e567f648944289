#!/usr/bin/env bash
# Installs the Rust-side tools from crates.io when they are missing, built from source (nothing
# prebuilt is downloaded): tauri-driver (the WebDriver bridge for the window tests) and, with
# --with-bundler, the Tauri CLI (`cargo tauri`, whose bundler makes the .deb: scripts/package.sh;
# about ten minutes to build on two cores, so the quick start's first step does without it).
set -euo pipefail
bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if [ -x "$bin/tauri-driver" ]; then
  echo "ensure-rust-tools: tauri-driver present"
else
  cargo install tauri-driver --version '^2' --locked
fi
if [ "${1:-}" = "--with-bundler" ]; then
  if [ -x "$bin/cargo-tauri" ]; then
    echo "ensure-rust-tools: cargo-tauri present"
  else
    cargo install tauri-cli --version '^2' --locked
  fi
fi
