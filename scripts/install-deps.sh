#!/usr/bin/env bash
# Installs the Debian 12 packages Bazaar Export needs to build, run and test.
# Idempotent: when everything is present it only checks (no apt-get update).
set -euo pipefail

PACKAGES=(
  # toolchain helpers for -sys crates
  build-essential pkg-config curl file
  # Tauri 2 on Linux: WebKitGTK 4.1 + GTK 3
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev
  # GStreamer 1.22 + the encoders we use (x264 is in -ugly, vp8/mp4/webm in -good)
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
  gstreamer1.0-libav
  # a display for the window and the render webview when none is present
  xvfb xauth
  # WebDriver for end-to-end tests, ffmpeg/ffprobe to decode-check outputs independently
  webkit2gtk-driver ffmpeg xdotool python3-gi gir1.2-gtk-3.0
  # Open / Show in folder after an export (xdg-open, gdbus to the file manager)
  xdg-utils libglib2.0-bin
  # fonts so text renders identically everywhere
  fonts-dejavu-core
  # the cluster tests: a live one-node Slurm cluster (scripts/slurm/local-cluster.sh)
  slurm-wlm munge
  # a second browser beside WebKitGTK's MiniBrowser: the colour test card (tests/colour.rs) and
  # the transparent WebM (core/tests/webm_alpha.rs)
  chromium
  # the project file's JSON Schema checked against the projects (tests/schema.rs)
  python3-jsonschema
  # the .deb's checks (tests/package.rs): its desktop entry validated, xdg-open resolving a
  # *.bazaar.json through shared-mime-info (mimetype) and the desktop entries' cache
  desktop-file-utils libfile-mimeinfo-perl shared-mime-info
  # the notification test: a session bus of its own and a notification server in Python
  dbus python3-dbus
  # `align` (script alignment): PocketSphinx, opened at run time, and its English model; the
  # tests and scripts/bench-align.sh make their voice with espeak-ng
  libpocketsphinx3 pocketsphinx-en-us espeak-ng
  # the ISO 639-2 codes a WebM caption track's Language holds (encode/subtitles): iso-codes' tables
  iso-codes
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} system packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or with sudo) to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
