#!/usr/bin/env bash
# DOM-scene benchmark (issue 17): a 10-second 1920×1080 30 fps HTML/CSS scene — a title in a
# web font, CSS gradients, 20 cards moved (and turned) by CSS keyframes — exported to MP4 at
# `high`, RUNS times (default 3), in alternation with the same scene where every card and the
# title also cast a blurred shadow (box-shadow, text-shadow: what designers add, and what WebKit
# paints slowest). Target: ≥ 30 fps on this 2-core machine for the first. Prints where the time
# goes (the page's render, layout and paint; the app's conversion; x264).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-3}"
bench_binaries
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
write_dom_project "$dir"
declare -A fps
for i in $(seq "$runs"); do
  for variant in plain shadows; do
    "$bazaar" render "$dir/$variant.json" -o "$dir/out.mp4" --quality high \
      --stats --stats-json "$dir/stats.json" 2>&1 | grep -E "DOM scenes|CPU per frame|peak RSS" | sed "s/^/  $variant: /"
    f="$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%.1f" % (s["frames"] / s["totalSecs"]))' "$dir/stats.json")"
    fps[$variant]+="$f "
    echo "run $i $variant: $f fps"
  done
done
echo "median: the scene $(median ${fps[plain]}) fps (target ≥ 30), with blurred shadows $(median ${fps[shadows]}) fps"
