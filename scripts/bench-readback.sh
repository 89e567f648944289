#!/usr/bin/env bash
# The floor of the canvas read-back (issue 30's per-frame overhead), measured in a render page:
# a 1080p canvas made as the page makes its frame canvas, the full-motion benchmark's frames
# drawn into it, read back with getImageData in 128-row bands (as the page does), in 32-row ones
# (its band before 2026-12-07) and whole, and the same 8 MB copied by TypedArray.set for scale (benchmarks/readback/readback.js reports by
# failing with its figures). `render --stats`' "reading a canvas frame back into the ring" is
# this plus the extension's conversion to I420. Wall time on the page's thread: run it on an
# otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_binaries
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cp benchmarks/readback/* benchmarks/render-full-motion/full-motion.js "$dir/"
for i in $(seq "${RUNS:-3}"); do
  out="$("$bazaar" render "$dir/project.json" -o "$dir/out.mp4" --quality high 2>&1 || true)"
  grep -o "read-back floor.*" <<<"$out" || {
    printf 'run %s: no figures (the render page did not report):\n%s\n' "$i" "$out" >&2
    exit 1
  }
done
