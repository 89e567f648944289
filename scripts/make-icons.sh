#!/usr/bin/env bash
# Renders the app icon (packaging/icon.svg) to the PNG sizes the window and the .deb use
# (src-tauri/icons). A design step, not part of the build: the PNGs are committed. Needs
# rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
out=src-tauri/icons
for s in 32 48 64 128 256; do
  rsvg-convert -w "$s" -h "$s" packaging/icon.svg -o "$out/${s}x${s}.png"
done
rsvg-convert -w 512 -h 512 packaging/icon.svg -o "$out/icon.png"
echo "make-icons: $(ls "$out" | tr '\n' ' ')"
