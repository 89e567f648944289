#!/usr/bin/python3
"""Saves a PNG of the whole X display ($DISPLAY) using GTK's own bindings (no ImageMagick)."""
import sys

import gi

gi.require_version("Gdk", "3.0")
from gi.repository import Gdk  # noqa: E402

root = Gdk.get_default_root_window()
w, h = root.get_width(), root.get_height()
pixbuf = Gdk.pixbuf_get_from_window(root, 0, 0, w, h)
if pixbuf is None:
    sys.exit("screenshot: could not read the display")
pixbuf.savev(sys.argv[1] if len(sys.argv) > 1 else "screenshot.png", "png", [], [])
