#!/usr/bin/env bash
# Sound benchmark: a 3-minute 1920×1080 30 fps project of the built-ins (benchmarks/
# render-1080p's six scenes, 18 times), rendered to MP4 at `high` with a 3-minute music bed
# (MP3, 44.1 kHz, so it is resampled) and 20 sound effects, against the very same project
# without sound. Runs alternate (silent, sound, silent, …), RUNS times each (default 2), and
# the medians are compared: the export with sound may take at most 5 % longer, and its first
# frame may come at most 100 ms later.
#
# Printed per run: the render's own time and time to first frame (--stats-json, timed from
# the start of the render), and the whole command (process start to exit, which includes
# opening every sound file before the render).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-2}"
cargo build --release -p bazaar-export -p bazaar-web-extension >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/audio"
cp samples/launch-teaser/audio/{whoosh.wav,tick.ogg,chime.wav} "$dir/audio/"
# The music: three chords' worth of sines and a little noise for 180 s, as a 192 kbit/s MP3.
ffmpeg -v error -y -f lavfi -i "aevalsrc=0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277*t)+0.1*sin(2*PI*330*t)+0.05*(random(0)-0.5):s=44100:d=180:c=stereo" \
  -c:a libmp3lame -b:a 192k "$dir/audio/music.mp3"
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
base = json.load(open("benchmarks/render-1080p/project.json"))
scenes = []
for i in range(18):
    for j, s in enumerate(base["scenes"]):
        s = dict(s)
        if i > 0 and j == 0:
            s["transition"] = "crossfade"
        scenes.append(s)
effects = ["whoosh.wav", "tick.ogg", "chime.wav"]
sound = dict(base, name="Sound benchmark (3 min, 1080p)", scenes=scenes)
sound["audio"] = [{"src": "audio/music.mp3", "volume": 0.7, "fadeInFrames": 30, "fadeOutFrames": 90}] + [
    {"src": "audio/" + effects[k % 3], "at": 150 + k * 260, "volume": 0.8} for k in range(20)
]
silent = dict(base, name="Sound benchmark, silent", scenes=scenes)
json.dump(sound, open(f"{d}/sound.json", "w"), indent=1)
json.dump(silent, open(f"{d}/silent.json", "w"), indent=1)
PY
declare -A total first whole
for i in $(seq "$runs"); do
  for variant in silent sound; do
    t0="$(date +%s.%N)"
    ./target/release/bazaar-export render "$dir/$variant.json" -o "$dir/$variant.mp4" --quality high \
      --stats-json "$dir/$variant-stats.json" >/dev/null 2>&1
    t1="$(date +%s.%N)"
    read -r t f < <(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%.2f %.3f" % (s["totalSecs"], s["firstFrameSecs"]))' "$dir/$variant-stats.json")
    w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
    total[$variant]+="$t " first[$variant]+="$f " whole[$variant]+="$w "
    echo "run $i $variant: render ${t} s, first frame ${f} s, whole command ${w} s"
  done
done
ffprobe -v error -show_entries stream=codec_name,duration -of compact "$dir/sound.mp4"
ts="$(median ${total[silent]})" tw="$(median ${total[sound]})"
fs="$(median ${first[silent]})" fw="$(median ${first[sound]})"
ws="$(median ${whole[silent]})" ww="$(median ${whole[sound]})"
awk -v ts="$ts" -v tw="$tw" -v fs="$fs" -v fw="$fw" -v ws="$ws" -v ww="$ww" 'BEGIN {
  printf "median render: silent %.2f s, with sound %.2f s (%+.1f %%; target ≤ +5 %%)\n", ts, tw, (tw / ts - 1) * 100
  printf "median first frame: silent %.0f ms, with sound %.0f ms (%+.0f ms; target ≤ +100 ms)\n", fs * 1000, fw * 1000, (fw - fs) * 1000
  printf "median whole command: silent %.2f s, with sound %.2f s (%+.1f %%)\n", ws, ww, (ww / ws - 1) * 100
}'
