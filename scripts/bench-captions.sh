#!/usr/bin/env bash
# Burned captions benchmark (issue 33): the sample (samples/launch-teaser, 25 s at 1280×720,
# canvas scenes, a full-frame clip, sound) rendered to MP4 at `high` with burned `words`
# captions over its whole length (a word every 300 ms, pages of 4, a pause every 12 words, as a
# voice-over's word timings), against the very same project without captions, and with the
# words that would be over its full-frame clip left out ("around": no caption over the clip, so
# that variant is the captions' own drawing over the page's frames). Runs alternate (without, with, around,
# without, …), RUNS times each (default 3); the medians are compared (goal:
# under 5 % slower). Printed per run: frames per second of the render itself (--stats-json:
# frames / totalSecs) and how many frames the app made without the page (all the clip's: the
# app lays the captions the page drew alone over those that show one, render/caption_layer.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-3}"
bench_binaries
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cp -r samples/launch-teaser "$dir/s"
python3 - "$dir/s" <<'PY'
import json, os, sys
d = sys.argv[1]
base = json.load(open(f"{d}/launch-teaser.bazaar.json"))
frames = sum(s["durationInFrames"] for s in base["scenes"])
ms = frames * 1000 // base["fps"]
words, t, i = [], 200, 0
while t + 250 < ms:
    words.append({"text": ("" if i % 12 == 0 else " ") + ["bazaar", "export", "turns", "code", "into", "video"][i % 6], "startMs": t, "endMs": t + 250})
    t += 300 + (700 if i % 12 == 11 else 0)
    i += 1
os.makedirs(f"{d}/captions", exist_ok=True)
json.dump(words, open(f"{d}/captions/voice.json", "w"))
with_captions = dict(base, captions=[{"src": "captions/voice.json", "style": "words",
    "styleProps": {"fontSize": 56, "wordsPerPage": 4, "highlight": "#ffd400", "background": "rgba(0,0,0,0.6)"}}])
json.dump(with_captions, open(f"{d}/with.json", "w"), indent=1)
# The same words minus those over the full-frame clip: the captions' own drawing, with the
# clip's frames still made by the app.
start, clip = 0, []
for s in base["scenes"]:
    if s["composition"] == "VideoClip":
        clip.append((start * 1000 // base["fps"], (start + s["durationInFrames"]) * 1000 // base["fps"] + 1))
    start += s["durationInFrames"]
json.dump([w for w in words if not any(a - 1000 <= w["endMs"] and w["startMs"] <= b for a, b in clip)],
          open(f"{d}/captions/around.json", "w"))
around = dict(with_captions, captions=[dict(with_captions["captions"][0], src="captions/around.json")])
json.dump(around, open(f"{d}/around.json", "w"), indent=1)
json.dump(base, open(f"{d}/without.json", "w"), indent=1)
print(f"{frames} frames, {len(words)} words")
PY
declare -A fps cpu
for i in $(seq "$runs"); do
  for variant in without with around; do
    "$bazaar" render "$dir/s/$variant.json" -o "$dir/$variant.mp4" --quality high --stats-json "$dir/$variant-stats.json" >/dev/null 2>&1
    read -r f d c < <(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); p = s["page"]; print("%.2f %d %.2f" % (s["frames"] / s["totalSecs"], p["direct"], p["drawCpuMs"] / max(1, s["frames"] - p["direct"] - 1)))' "$dir/$variant-stats.json")
    fps[$variant]+="$f " cpu[$variant]+="$c "
    echo "run $i $variant captions: ${f} fps; page's drawing ${c} ms CPU a frame it draws (frames made by the app: $d)"
  done
done
a="$(median ${fps[without]})" b="$(median ${fps[with]})"
c="$(median ${fps[around]})"
ca="$(median ${cpu[without]})" cb="$(median ${cpu[with]})" cc="$(median ${cpu[around]})"
awk -v a="$a" -v b="$b" -v c="$c" -v ca="$ca" -v cb="$cb" -v cc="$cc" 'BEGIN {
  printf "median: without captions %.2f fps, with burned words %.2f fps; ratio %.3f (%+.1f %% time; goal under +5 %%)\n", a, b, b / a, (a / b - 1) * 100
  printf "median, captions around the clip only (its frames still the app'"'"'s): %.2f fps; ratio %.3f (%+.1f %% time)\n", c, c / a, (a / c - 1) * 100
  printf "median page drawing (thread CPU, a frame the page draws): without %.2f ms, with %.2f ms (%+.2f), around the clip %.2f ms (%+.2f)\n", ca, cb, cb - ca, cc, cc - ca
}'
