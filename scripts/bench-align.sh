#!/usr/bin/env bash
# Script alignment benchmark (issue 33): a 3-minute voice-over made with espeak-ng (American
# voice, 150 words a minute) from a script of varied sentences, aligned by
# `bazaar-export align`; RUNS runs (default 2). Printed per run: wall and CPU seconds of the
# whole command (decoding the voice, loading the model and dictionary, the alignment) and the
# real-time factor (seconds of work per second of voice: below 1 is faster than real time; the
# goal is below 1 on one core). Pinned to one core with `taskset` when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-2}"
# This checkout's binary, built now, or `BAZAAR=/path/to/bazaar-export` as it is.
if [ -z "${BAZAAR:-}" ]; then
  cargo build --release -p bazaar-export >/dev/null
  target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
fi
bazaar="${BAZAAR:-$target/release/bazaar-export}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# The script: sentences with numbers and symbols among the words, until 3 minutes are said.
python3 - "$dir/script.txt" <<'PY'
import sys
sentences = [
    "Welcome back to the channel, where we build videos with code instead of a timeline.",
    "Today we will render 42 scenes in under 3 minutes, and every frame is drawn on a canvas.",
    "First, open the project file and look at the list of scenes near the bottom.",
    "Each scene names a composition, how long it lasts, and the properties it is given.",
    "The export runs the same engine as the command line, so a preview is never a guess.",
    "Sound is mixed offline at 48000 samples a second, with fades and loops where you ask.",
    "Captions come from a subtitle file, or from the script you read, aligned to your voice.",
    "That alignment runs on your own machine: nothing is sent anywhere, and it is fast.",
    "If a word is not in the dictionary, it is reported instead of being given a made up time.",
    "Our sales grew 25% in 2024, from $3 million to a little under $4 million.",
    "Numbers are said the way you would read them aloud, and written the way you typed them.",
    "When you are done, press export, choose a folder, and the file appears a minute later.",
]
# 480 words: about 3 minutes at espeak-ng's 150 words a minute (it says numbers as several).
words, out = 0, []
while words < 480:
    s = sentences[len(out) % len(sentences)]
    out.append(s)
    words += len(s.split())
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
espeak-ng -v en-us -s 150 -w "$dir/voice.wav" -f "$dir/script.txt"
voice_s="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/voice.wav")"
echo "voice: ${voice_s} s, $(wc -w < "$dir/script.txt") words; $(load_now)"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
for i in $(seq 1 "$runs"); do
  measure_tree "$dir/run" "${pin[@]}" "$bazaar" align "$dir/voice.wav" "$dir/script.txt" -o "$dir/words.json" 2>"$dir/err" || true
  read -r wall cpu _ _ code < "$dir/run"
  [ "$code" = 0 ] || { cat "$dir/err"; exit 1; }
  awk -v w="$wall" -v c="$cpu" -v v="$voice_s" 'BEGIN { printf "run %d: %.2f s wall, %.2f s CPU for %.1f s of voice: real-time factor %.3f (CPU %.3f)\n", '"$i"', w, c, v, w / v, c / v }'
done
tail -n 1 "$dir/err"
