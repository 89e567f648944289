#!/usr/bin/python3
"""A tiny GTK3 window at (x, y) that offers a file as `text/uri-list` when dragged, like a file
manager does. Used with xdotool to drop a real file onto the app's window under Xvfb.

usage: drag_source.py <path> <x> <y>
"""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

path, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
uri = GLib.filename_to_uri(path, None)

win = Gtk.Window(title="drag source")
win.set_decorated(False)
win.set_default_size(100, 100)
win.move(x, y)
box = Gtk.EventBox()
box.add(Gtk.Label(label="drag me"))
win.add(box)
box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
box.drag_source_add_uri_targets()


def on_get(_w, _ctx, data, _info, _time):
    data.set_uris([uri])


box.connect("drag-data-get", on_get)
win.connect("destroy", Gtk.main_quit)
win.show_all()
print("ready", flush=True)
Gtk.main()
