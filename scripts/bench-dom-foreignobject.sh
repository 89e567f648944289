#!/usr/bin/env bash
# The capture path not taken for DOM scenes (issue 17), measured in the same engine: the
# bench-dom.sh scene serialised into an SVG foreignObject (CSS and web font inlined as data:
# URLs), drawn into a 1080p canvas from a data: URL and read back, 60 times, inside a render
# page (benchmarks/dom-foreignobject/fo.js reports by failing with its figure). Compare with
# bench-dom.sh's "picture taken … ms from asking" (render, layout and paint included).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p bazaar-export -p bazaar-web-extension >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cp benchmarks/dom-foreignobject/* "$dir/"
mkdir -p "$dir/fonts"
cp /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf "$dir/fonts/brand.ttf"
for i in $(seq "${RUNS:-3}"); do
  ./target/release/bazaar-export render "$dir/project.json" -o "$dir/out.mp4" --quality high 2>&1 | grep -o "foreignObject capture.*" || true
done
