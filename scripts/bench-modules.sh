#!/usr/bin/env bash
# Modules benchmark (issue 32): time to the first frame (`--stats-json`'s firstFrameSecs, from
# the render's start, after the project's checks) and the whole command's time (process start
# to exit: the checks' walk of every module included; a render of two frames) of projects
# importing npm packages, compiled at load: cold (an empty
# module cache: every file parsed, TypeScript/JSX compiled, CommonJS converted) and warm (the
# cache on disk from the run before, a new process), RUNS times each (default 3), beside the
# same size of plain JavaScript DOM scene with no imports (the page's own start). The projects
# are tests/fixtures/modules' (React 18 and react-dom, CommonJS, in a .tsx scene; a TypeScript
# canvas scene; color-convert; `everything`: React, three.js, gsap and lottie-web in one scene):
# run scripts/ensure-npm-fixtures.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
runs="${RUNS:-3}"
bench_binaries
fixture=tests/fixtures/modules
[ -d "$fixture/node_modules/lottie-web" ] || { echo "run scripts/ensure-npm-fixtures.sh first" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/plain"
cat >"$dir/plain/plain.bazaar.json" <<'JSON'
{ "version": 1, "name": "plain", "width": 320, "height": 180, "fps": 30,
  "compositions": { "Card": "./card.js" }, "scenes": [{ "composition": "Card", "durationInFrames": 2 }] }
JSON
echo 'export default { dom: true, render(root, { frame }) { root.innerHTML = `<h1 style="color: white">Frame ${frame}</h1>`; } };' >"$dir/plain/card.js"
first_frame() { python3 -c 'import json, sys; print("%.2f" % json.load(open(sys.argv[1]))["firstFrameSecs"])' "$dir/stats.json"; }
XDG_CACHE_HOME="$dir/cache" "$bazaar" render "$dir/plain/plain.bazaar.json" -o "$dir/out.mp4" >/dev/null 2>&1
for project in plain react thirds convert everything; do
  file="$fixture/$project.bazaar.json"
  [ "$project" = plain ] && file="$dir/plain/plain.bazaar.json"
  cold="" warm="" cold_all="" warm_all=""
  for i in $(seq "$runs"); do
    # Only the module cache goes: the cache folder also holds Mesa's shader cache, whose
    # absence would cost every "cold" run the same, imports or not.
    rm -rf "$dir/cache/bazaar-export/modules"
    for kind in cold warm; do
      start="$(now)"
      XDG_CACHE_HOME="$dir/cache" "$bazaar" render "$file" -o "$dir/out.mp4" \
        --stats-json "$dir/stats.json" >/dev/null 2>&1
      all="$(seconds_since "$start")"
      t="$(first_frame)"
      if [ "$kind" = cold ]; then cold+="$t " cold_all+="$all "; else warm+="$t " warm_all+="$all "; fi
    done
  done
  echo "$project: first frame cold $(median $cold) s ($cold), warm $(median $warm) s ($warm);" \
    "whole command cold $(median $cold_all) s ($cold_all), warm $(median $warm_all) s ($warm_all)"
done
