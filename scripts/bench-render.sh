#!/usr/bin/env bash
# Render benchmark, on three projects rendered at 1920×1080 30 fps: the built-ins
# (benchmarks/render-1080p, 10 s: about a third of each frame changes), a full-motion one
# (benchmarks/render-full-motion, 10 s: drifting gradients, 150 moving shapes, scrolling text;
# every pixel changes every frame) and the sample (samples/launch-teaser, 25 s: sound, a clip, a
# DOM scene). Each is rendered to MP4 at `high` through the real app (webview → frame bridge →
# x264), compared with the encoder alone
# (gst-launch-1.0: the same x264 settings fed the very I420 frames the render's encoder was
# given, with no conversion in front: a separate render dumps them; the timed ones do not).
#
# End to end is timed by the app from the start of the render (what a creator waits for after
# clicking Export, the app already running); the whole command's time, process start and exit
# included, is printed beside it.
#
# This machine's speed drifts by ±20 % from minute to minute, so the render and the ceiling are
# measured in alternation, RUNS times each (default 3), and the medians are compared. The last
# line says how far the render's own CPU a frame lets it go on this machine's cores.
# `BAZAAR=/path/to/bazaar-export` measures another build (scripts/bench-lib.sh).
# `FORMAT=mp4-hevc|webm-vp9|prores|webm` measures another video format (default mp4), at its
# `high`, against the same encoder alone (`Profile::tail`, ProRes hq) on the same frames.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
format="${FORMAT:-mp4}"
case "$format" in
  mp4 | mp4-hevc) ext=mp4 raw=i420 ;;
  webm | webm-vp9) ext=webm raw=i420 ;;
  prores) ext=mov raw=rgba ;; # ProRes is given the page's RGBA
  *) echo "FORMAT=$format: give mp4, mp4-hevc, webm, webm-vp9 or prores" >&2; exit 2 ;;
esac
. scripts/bench-lib.sh
bench_binaries
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

bench() {
project="$1"
echo "######## $project"
"$bazaar" render "$project" -o "$dir/dump.$ext" --format "$format" --quality high --dump-frames "$dir/frames.$raw" >/dev/null 2>&1
e2e=() ceil=() whole=() bound=()
for i in $(seq "$runs"); do
  echo "== run $i: end to end (bazaar-export render, high, $format)"
  t0="$(date +%s.%N)"
  # Run through python for the CPU of the command and every process it started (its web
  # process, its Xvfb), from start to exit.
  python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f" % (r.ru_utime + r.ru_stime))' "$dir/cpu.txt" \
    "$bazaar" render "$project" -o "$dir/render.$ext" --format "$format" --quality high --stats \
    --stats-json "$dir/e2e.json" 2>&1 | grep -v '^rendering:\|^preparing:\|^finalizing:\|^done:\|^wrote'
  t1="$(date +%s.%N)"
  # The figures from --stats-json (the printed --stats text is for people).
  frames="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["frames"])' "$dir/e2e.json")"
  e2e+=("$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%.1f" % (s["frames"] / s["totalSecs"]))' "$dir/e2e.json")")
  # The whole command, process start and exit included (the ceiling's gst-launch is timed so).
  whole+=("$(awk -v a="$t0" -v b="$t1" -v n="$frames" 'BEGIN { printf "%.1f", n / (b - a) }')")
  # What the CPU allows: the whole command's CPU (every process, start to exit) spread over
  # every core, against the whole command's own rate.
  bound+=("$(awk -v n="$frames" -v c="$(cat "$dir/cpu.txt")" -v k="$(nproc)" 'BEGIN { printf "%.1f", k * n / c }')")
  echo "  whole command (process start to exit)  ${whole[-1]} fps; its CPU $(cat "$dir/cpu.txt") s, so at most ${bound[-1]} fps on $(nproc) cores"
  echo "== run $i: encoder-only ceiling on the render's own frames"
  "$encode_bench" --frames "$frames" --formats "$format" --source "$dir/frames.$raw" | tee "$dir/ceil.txt"
  ceil+=("$(awk -v f="$format" '$1 == f { print $4 }' "$dir/ceil.txt")")
done
m_e2e="$(median "${e2e[@]}")"
m_ceil="$(median "${ceil[@]}")"
m_whole="$(median "${whole[@]}")"
m_bound="$(median "${bound[@]}")"
echo "== summary over $runs runs: end to end ${e2e[*]} fps; whole command ${whole[*]} fps; ceiling ${ceil[*]} fps"
awk -v a="$m_e2e" -v c="$m_ceil" -v w="$m_whole" 'BEGIN { printf "median end to end %.1f fps, median ceiling %.1f fps, ratio %.2f (whole command: %.1f fps, ratio %.2f)\n", a, c, a / c, w, w / c }'
# The most the whole command could reach with every core busy on its own work (start-up, page,
# encoder): when its ratio is near this, only less CPU a frame moves it.
awk -v b="$m_bound" -v c="$m_ceil" 'BEGIN { printf "CPU bound: the whole command'"'"'s CPU on every core allows at most %.1f fps, %.2f of the ceiling\n", b, b / c }'
}

for p in ${PROJECTS:-benchmarks/render-1080p/project.json benchmarks/render-full-motion/project.json samples/launch-teaser/launch-teaser.bazaar.json}; do
  bench "$p"
done
