#!/usr/bin/env bash
# Remotion 4 as the peer, on the full-motion project (benchmarks/render-full-motion) and the DOM
# benchmark's scene (bench-dom.sh's `plain`), in alternation with our own renders of the same
# projects: ours full motion, Remotion full motion, ours DOM, Remotion DOM, RUNS times (default 2).
# Both sides render 1920×1080 30 fps to MP4 with the same x264 settings: our `high` (CRF 18,
# veryfast, 4:2:0; no VBV cap since issue 31: see
# benchmarks/remotion/render.mjs). Each run is the whole command, process start to exit, with
# its whole process tree measured the same way for both (scripts/bench-lib.sh, `measure_tree`):
# fps and wall time, CPU, peak memory. The machine's load is printed before and after each run.
#
# Remotion is installed from npm (benchmarks/remotion/package-lock.json, exact versions) and
# drives Debian's Chromium (`/usr/lib/chromium/chromium`, installed with apt when missing and run
# as root): it never downloads a browser. Its compositions are bundled once, before the runs.
#
#   ./scripts/bench-remotion.sh                          # 2 runs of each, 300 frames
#   FRAMES=30 RUNS=1 ./scripts/bench-remotion.sh         # a dry run
#   BAZAAR=/path/to/bazaar-export ./scripts/bench-remotion.sh   # another build of ours
#   CONCURRENCY=2 ./scripts/bench-remotion.sh            # Remotion's parallel tabs (default 1)
#   CAPPED=1 ./scripts/bench-remotion.sh                 # Remotion with the 2 Mbit/s VBV cap of builds before issue 31
#
# Remotion's `--concurrency` is 1 here by default: on 2 cores x264 (3 threads) already keeps
# most of both busy, and a second tab only adds a browser's drawing in competition with it
# (measured in BENCHMARKS.md, "Remotion 4, the peer").
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-2}"
frames="${FRAMES:-300}"
concurrency="${CONCURRENCY:-1}"
browser="${REMOTION_BROWSER:-/usr/lib/chromium/chromium}"
bench_binaries
if [ ! -x "$browser" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench-remotion: Debian's chromium is not installed ($browser): run this as root, or apt-get install chromium" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
remotion="$PWD/benchmarks/remotion"
# npm's own record of what it installed, newer than the lock file: nothing to install. Installed
# by the lock file's exact versions, which it leaves as it is (`npm ci` refuses a lock file
# written on this platform: it lacks the other platforms' optional Remotion compositors).
if [ ! "$remotion/node_modules/.package-lock.json" -nt "$remotion/package-lock.json" ]; then
  (cd "$remotion" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null)
fi
mkdir -p "$remotion/public/fonts"
cp /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf "$remotion/public/fonts/brand.ttf"
echo "== bundling the Remotion compositions (once, not timed)"
(cd "$remotion" && npx remotion bundle src/index.jsx --out-dir "$dir/bundle" --log=error >/dev/null)
write_dom_project "$dir/dom"
last=$((frames - 1))
echo "ours: $bazaar; Remotion $(node -p 'require(process.argv[1]).version' "$remotion/node_modules/remotion/package.json") with $("$browser" --version 2>/dev/null | head -1 | sed 's/ *$//'), concurrency $concurrency; $frames frames"

declare -A fps wall mem
# One run: $1 side (ours, remotion), $2 project (full-motion, dom), then the command.
run() {
  local side="$1" project="$2"
  shift 2
  local before after
  before="$(load_now)"
  measure_tree "$dir/tree.txt" "$@" >"$dir/log.txt" 2>&1 || { cat "$dir/log.txt" >&2; exit 1; }
  after="$(load_now)"
  read -r secs cpu pss hwm _ <"$dir/tree.txt"
  local f
  f="$(awk -v n="$frames" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')"
  fps[$side-$project]+="$f "
  wall[$side-$project]+="$secs "
  mem[$side-$project]+="$pss "
  printf '%-8s %-11s %s fps, whole command %s s, CPU %s s, peak memory %s MB (sum of RSS peaks %s MB)\n' \
    "$side" "$project" "$f" "$secs" "$cpu" "$pss" "$hwm"
  grep -E "^remotion |end-to-end|beyond x264" "$dir/log.txt" | sed 's/^/           /' || true
  echo "           before: $before"
  echo "           after:  $after"
}
ours=("$bazaar" render --quality high --frames "0-$last" --stats --stats-json "$dir/ours.json" -o "$dir/ours.mp4")
theirs=(env -C "$remotion" REMOTION_BROWSER="$browser" node render.mjs "$dir/bundle")
for i in $(seq "$runs"); do
  echo "== run $i"
  run ours full-motion "${ours[@]}" benchmarks/render-full-motion/project.json
  run remotion full-motion "${theirs[@]}" FullMotion "$dir/remotion.mp4" "$frames" "$concurrency"
  run ours dom "${ours[@]}" "$dir/dom/plain.json"
  run remotion dom "${theirs[@]}" DomCards "$dir/remotion.mp4" "$frames" "$concurrency"
done
echo "== medians over $runs runs (whole command, process start to exit)"
for project in full-motion dom; do
  o="$(median ${fps[ours-$project]})" r="$(median ${fps[remotion-$project]})"
  awk -v p="$project" -v o="$o" -v r="$r" -v ow="$(median ${wall[ours-$project]})" -v rw="$(median ${wall[remotion-$project]})" \
    -v om="$(median ${mem[ours-$project]})" -v rm="$(median ${mem[remotion-$project]})" \
    'BEGIN { printf "%-11s ours %.1f fps (%.2f s, %.0f MB), Remotion %.1f fps (%.2f s, %.0f MB): ours / Remotion %.2f\n", p, o, ow, om, r, rw, rm, o / r }'
done
