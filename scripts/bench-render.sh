#!/usr/bin/env bash
# Render benchmark: a 10-second 1920×1080 30 fps project of the built-ins, rendered to MP4 at
# `high` through the real app (webview → frame bridge → x264), compared with the encoder alone
# (gst-launch-1.0 with the same x264 settings) on the very frames the render produced.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p bazaar-export -p bazaar-core --bins >/dev/null
out="$(mktemp -d)/render-bench.mp4"
echo "== end to end: bazaar-export render (high, MP4)"
./target/release/bazaar-export render benchmarks/render-1080p/project.json -o "$out" --quality high --stats 2>&1 \
  | grep -v '^rendering:\|^preparing:\|^finalizing:\|^done:'
echo "== encoder-only ceiling on the same frames (decoded from the render; same x264 settings)"
./target/release/encode-bench --frames 300 --formats mp4 --source "$out"
