#!/usr/bin/env bash
# Video-clip benchmark: a 10-second 1920×1080 30 fps project whose every frame shows a 1080p
# H.264 clip full-frame (`VideoClip`), against the same project with a flat colour instead,
# rendered to MP4 at `high`, in alternation, RUNS times each (default 3). Target: the clip
# project at ≥ 0.6× the speed of the flat one. Prints where the page's time goes (draw, which
# includes waiting for the decoded frame; read back; waiting for Rust).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-3}"
bench_binaries
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/clips"
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=10" -c:v libx264 -preset veryfast -crf 20 \
  -pix_fmt yuv420p "$dir/clips/clip.mp4"
cat > "$dir/flat.js" <<'JS'
export default { opaque: true, draw(ctx, { width, height }) { ctx.fillStyle = "#3a6"; ctx.fillRect(0, 0, width, height); } };
JS
cat > "$dir/clip.json" <<'JSON'
{ "version": 1, "width": 1920, "height": 1080, "fps": 30,
  "scenes": [ { "composition": "VideoClip", "durationInFrames": 300, "props": { "src": "clips/clip.mp4" } } ] }
JSON
cat > "$dir/flat.json" <<'JSON'
{ "version": 1, "width": 1920, "height": 1080, "fps": 30, "compositions": { "Flat": "./flat.js" },
  "scenes": [ { "composition": "Flat", "durationInFrames": 300 } ] }
JSON
declare -A fps
for i in $(seq "$runs"); do
  for variant in flat clip; do
    "$bazaar" render "$dir/$variant.json" -o "$dir/$variant.mp4" --quality high \
      --stats --stats-json "$dir/$variant-stats.json" 2>&1 | grep -E "page per frame|CPU per frame|peak RSS" | sed "s/^/  $variant: /"
    f="$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%.1f" % (s["frames"] / s["totalSecs"]))' "$dir/$variant-stats.json")"
    fps[$variant]+="$f "
    echo "run $i $variant: $f fps"
  done
done
mf="$(median ${fps[flat]})" mc="$(median ${fps[clip]})"
awk -v f="$mf" -v c="$mc" 'BEGIN { printf "median: flat colour %.1f fps, 1080p clip %.1f fps, ratio %.2f (target ≥ 0.60)\n", f, c, c / f }'
