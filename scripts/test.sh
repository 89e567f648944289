#!/usr/bin/env bash
# Quick start, step 2: the tests, in two tiers. Idempotent; fast when everything is installed.
#
#   ./scripts/test.sh           the whole suite (what CI runs: .ci/run)
#   ./scripts/test.sh --quick   format, lints, the build, the unit tests, one small render and
#                               the command line's bad-input tests: for each change, minutes
#
# One release build serves every test (unit, encode, render, window E2E). Tests that need a
# display run under xvfb-run; the window tests drive the real app through tauri-driver.
# Arguments after the tier go to `cargo test` (the whole suite only).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
if [ "${1:-}" = "--quick" ]; then
  quick=true
  shift
fi
# 1280x1024: the window tests place a drag source to the right of the 1100-px-wide window.
xvfb() { xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp -maxclients 1024" "$@"; }

./scripts/install-deps.sh
if ! $quick; then
  # tauri-driver (window tests), the Tauri CLI (the .deb test) and tsc (types test): the quick
  # tier runs none of those tests, so it does without them.
  ./scripts/ensure-rust-tools.sh --with-bundler
  ./scripts/ensure-node-tools.sh
  # The npm packages test fixtures import (tests/clock.rs: GSAP, three.js; tests/modules.rs: React).
  ./scripts/ensure-npm-fixtures.sh
fi

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings

if $quick; then
  # The app is built as the tests build it (with the tests' features), so this tier and the
  # whole suite share one build instead of making two.
  echo "== build (release: the app and the tests of this tier)"
  cargo test --release --workspace --lib --bins --test render --test bad_projects --no-run
  # The render views' web-process extension is a cdylib: test builds make only its test
  # harness, and a render with an extension of another build fails (the ring's layout).
  cargo build --release -p bazaar-web-extension
  echo "== quick tests: unit, one small render, the command line's bad inputs"
  xvfb cargo test --release --workspace --lib --bins
  xvfb cargo test --release -p bazaar-export --test render -- --exact indexed_project_to_mp4
  xvfb cargo test --release -p bazaar-export --test bad_projects
  echo "== quick tests passed (the whole suite: ./scripts/test.sh)"
  exit 0
fi

echo "== build (release, shared by every test)"
cargo build --release --workspace --all-targets

echo "== tests"
xvfb cargo test --release --workspace --no-fail-fast "$@"
echo "== all tests passed"
