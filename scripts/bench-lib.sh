# Shared by the benchmark scripts (sourced): the median of numbers (the mean of the middle two for
# an even count), seconds since a start taken with `now`, the DOM benchmark's project, and a
# command's whole process tree measured (wall time, CPU, peak memory).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Sets `bazaar` and `encode_bench`, the binaries the scripts run: ours is this checkout's, built
# now (in cargo's target folder, CARGO_TARGET_DIR included), or `BAZAAR=/path/to/bazaar-export`,
# another build (with its libbazaar_web_extension.so beside it) to measure as it is.
bench_binaries() {
  local target build=(-p bazaar-core --bin encode-bench)
  target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  cargo build --release "${build[@]}" >/dev/null
  [ -n "${BAZAAR:-}" ] || cargo build --release -p bazaar-export -p bazaar-web-extension >/dev/null
  bazaar="${BAZAAR:-$target/release/bazaar-export}"
  encode_bench="$target/release/encode-bench"
}

# Writes the DOM benchmark's project into folder $1 (bench-dom.sh, bench-remotion.sh): 10 s of a
# 1920×1080 30 fps HTML/CSS scene, `plain.json`, and the same with blurred shadows,
# `shadows.json`.
write_dom_project() {
  mkdir -p "$1/fonts"
  cp /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf "$1/fonts/brand.ttf"
  cat > "$1/style.css" <<'CSS'
@font-face { font-family: "Brand"; src: url("fonts/brand.ttf"); }
.scene { position: absolute; inset: 0; background: linear-gradient(135deg, #1d2b64, #f8cdda); font-family: "Brand"; color: #fff; }
.title { position: absolute; left: 120px; top: 80px; font-size: 96px; }
.card { position: absolute; width: 160px; height: 90px; border-radius: 16px; background: linear-gradient(90deg, #ff512f, #dd2476);
        animation: drift 4s ease-in-out infinite alternate; font-size: 28px; padding: 12px; box-sizing: border-box; }
.shadows .title { text-shadow: 0 4px 12px rgba(0, 0, 0, 0.4); }
.shadows .card { box-shadow: 0 6px 18px rgba(0, 0, 0, 0.3); }
@keyframes drift { from { transform: translateX(0) rotate(0deg); } to { transform: translateX(1400px) rotate(20deg); } }
CSS
  cat > "$1/cards.js" <<'JS'
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
    cat > "$1/$variant.json" <<JSON
{ "version": 1, "width": 1920, "height": 1080, "fps": 30, "compositions": { "Cards": "./cards.js" },
  "scenes": [ { "composition": "Cards", "durationInFrames": 300, "props": { "shadows": $shadows } } ] }
JSON
  done
}

# Runs a command (its arguments after $1) and writes its whole process tree's figures to file $1,
# one line: wall seconds, CPU seconds (every process it started and reaped), peak memory in MB as
# the sum of the tree's PSS (shared pages counted once; sampled every 0.5 s), the sum of each
# process's own peak RSS (VmHWM, shared pages counted in each; followed every 0.1 s), and the
# exit code. The same for our renders and Remotion's, so their figures compare.
measure_tree() {
  python3 -c '
import os, resource, subprocess, sys, time
def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open(f"/proc/{d}/stat").read()
                kids.setdefault(int(st[st.rfind(")") + 2:].split()[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    todo, found = [root], []
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(kids.get(p, []))
    return found
def field_kb(path, name):
    try:
        for line in open(path):
            if line.startswith(name):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
start = time.monotonic()
child = subprocess.Popen(sys.argv[2:])
peak_pss, hwm, tick = 0, {}, 0
while child.poll() is None:
    pids = tree(child.pid)
    for p in pids:
        hwm[p] = max(hwm.get(p, 0), field_kb(f"/proc/{p}/status", "VmHWM:"))
    if tick % 5 == 0:
        peak_pss = max(peak_pss, sum(field_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
    tick += 1
    time.sleep(0.1)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    f.write("%.2f %.2f %.0f %.0f %d\n" % (wall, r.ru_utime + r.ru_stime, peak_pss / 1024, sum(hwm.values()) / 1024, child.returncode))
sys.exit(child.returncode)
' "$@"
}

# The machine's load, for the log beside each figure: the 1-minute load average and the three
# busiest processes (top's first sample).
load_now() {
  printf 'load %s; busiest: %s' "$(cut -d' ' -f1 /proc/loadavg)" \
    "$(top -bn1 -o %CPU | awk 'NR > 7 && n < 3 { printf "%s %s%%, ", $12, $9; n++ }' | sed 's/, $//')"
}
