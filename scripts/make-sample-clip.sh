#!/usr/bin/env bash
# Makes the sample project's video clip (samples/launch-teaser/clips/fractal.mp4): a zoom into
# the Mandelbrot set computed by FFmpeg's own `mandelbrot` source, 2.5 s of 640×360 H.264 at
# 30 fps, so it is ours to ship (CC0, see the folder's LICENSE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ffmpeg -v error -y -f lavfi -i "mandelbrot=size=640x360:rate=30:start_scale=3:end_scale=0.02:end_pts=75:maxiter=300" \
  -t 2.5 -c:v libx264 -preset slow -crf 30 -pix_fmt yuv420p -movflags +faststart -map_metadata -1 \
  samples/launch-teaser/clips/fractal.mp4
ls -l samples/launch-teaser/clips/fractal.mp4
