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
cargo build --release -p bazaar-export -p bazaar-web-extension >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/fonts"
cp /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf "$dir/fonts/brand.ttf"
cat > "$dir/style.css" <<'CSS'
@font-face { font-family: "Brand"; src: url("fonts/brand.ttf"); }
.scene { position: absolute; inset: 0; background: linear-gradient(135deg, #1d2b64, #f8cdda); font-family: "Brand"; color: #fff; }
.title { position: absolute; left: 120px; top: 80px; font-size: 96px; }
.card { position: absolute; width: 160px; height: 90px; border-radius: 16px; background: linear-gradient(90deg, #ff512f, #dd2476);
        animation: drift 4s ease-in-out infinite alternate; font-size: 28px; padding: 12px; box-sizing: border-box; }
.shadows .title { text-shadow: 0 4px 12px rgba(0, 0, 0, 0.4); }
.shadows .card { box-shadow: 0 6px 18px rgba(0, 0, 0, 0.3); }
@keyframes drift { from { transform: translateX(0) rotate(0deg); } to { transform: translateX(1400px) rotate(20deg); } }
CSS
cat > "$dir/cards.js" <<'JS'
export default {
  dom: true,
  render(root, { frame, fps, props }) {
    if (!root.firstChild) {
      const cards = Array.from({ length: 20 }, (_, i) =>
        `<div class="card" style="left: 60px; top: ${220 + (i % 10) * 80}px; animation-delay: -${(i * 0.37).toFixed(2)}s">#${i + 1}</div>`).join("");
      root.innerHTML = `<link rel="stylesheet" href="style.css"><div class="scene ${props.shadows ? "shadows" : ""}"><div class="title"></div>${cards}</div>`;
    }
    root.querySelector(".title").textContent = `Quarterly recap · ${(frame / fps).toFixed(1)} s`;
  },
};
JS
for variant in plain shadows; do
  shadows=false
  [ "$variant" = shadows ] && shadows=true
  cat > "$dir/$variant.json" <<JSON
{ "version": 1, "width": 1920, "height": 1080, "fps": 30, "compositions": { "Cards": "./cards.js" },
  "scenes": [ { "composition": "Cards", "durationInFrames": 300, "props": { "shadows": $shadows } } ] }
JSON
done
declare -A fps
for i in $(seq "$runs"); do
  for variant in plain shadows; do
    ./target/release/bazaar-export render "$dir/$variant.json" -o "$dir/out.mp4" --quality high \
      --stats --stats-json "$dir/stats.json" 2>&1 | grep -E "DOM scenes|CPU per frame|peak RSS" | sed "s/^/  $variant: /"
    f="$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%.1f" % (s["frames"] / s["totalSecs"]))' "$dir/stats.json")"
    fps[$variant]+="$f "
    echo "run $i $variant: $f fps"
  done
done
echo "median: the scene $(median ${fps[plain]}) fps (target ≥ 30), with blurred shadows $(median ${fps[shadows]}) fps"
