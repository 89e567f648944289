#!/usr/bin/env bash
# Quick start, step 1: install what is missing (as root), build, and open the sample project.
# Idempotent: on a machine that has everything it only builds (incrementally) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/ensure-rust-tools.sh
cargo build --release -p bazaar-export -p bazaar-web-extension

project="samples/launch-teaser/launch-teaser.bazaar.json"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./target/release/bazaar-export "$project"
fi
# No display (a server or a container): run the window on a virtual one and show that it works
# by rendering the sample, since nobody could see the window itself.
echo "setup-and-run: no display; starting the window under xvfb-run for 10 s, then rendering the sample headless"
timeout 10 xvfb-run -a ./target/release/bazaar-export "$project" || true
exec ./target/release/bazaar-export render "$project" -o target/launch-teaser.mp4 --quality low
