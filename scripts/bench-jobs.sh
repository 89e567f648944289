#!/usr/bin/env bash
# `render --jobs N` against one job (issue 18): the render benchmark's project
# (benchmarks/render-1080p: 10 s of 1080p30, MP4 at `high`), whole command timed, in alternation,
# RUNS times each (default 3). On this 2-core machine, --jobs 2 must not be more than 10 % slower
# than one job. Also prints one job's per-stage CPU, from which BENCHMARKS.md estimates larger
# machines.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-3}" jobs="${JOBS:-2}"
cargo build --release -p bazaar-export -p bazaar-web-extension >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
project=benchmarks/render-1080p/project.json
declare -A secs
for i in $(seq "$runs"); do
  for j in 1 "$jobs"; do
    start=$(now)
    ./target/release/bazaar-export render "$project" -o "$dir/out-$j.mp4" --quality high --jobs "$j" >/dev/null 2>&1
    s=$(seconds_since "$start")
    secs[$j]+="$s "
    printf 'run %d, --jobs %d: %.2f s\n' "$i" "$j" "$s"
  done
done
./target/release/bazaar-export render "$project" -o "$dir/stats.mp4" --quality high --stats 2>&1 | grep -E "CPU per frame|fps end-to-end" | sed 's/^/  one job: /'
one="$(median ${secs[1]})" many="$(median ${secs[$jobs]})"
awk -v a="$one" -v b="$many" -v j="$jobs" 'BEGIN { printf "median: one job %.2f s, --jobs %d %.2f s (%+.1f %%; limit +10 %%)\n", a, j, b, (b / a - 1) * 100 }'
