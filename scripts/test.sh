#!/usr/bin/env bash
# Quick start, step 2: the whole test suite. Idempotent; fast when everything is installed.
#
# One release build serves every test (unit, encode, render, window E2E). Tests that need a
# display run under xvfb-run; the window tests drive the real app through tauri-driver.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/ensure-rust-tools.sh --with-bundler
./scripts/ensure-node-tools.sh

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings

echo "== build (release, shared by every test)"
cargo build --release --workspace --all-targets

echo "== tests"
# 1280x1024: the window tests place a drag source to the right of the 1100-px-wide window.
xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp -maxclients 1024" \
  cargo test --release --workspace --no-fail-fast "$@"
echo "== all tests passed"
