"""Loads a local page in WebKitGTK (the app's engine) and prints the text of its element
`#out` once it is no longer 'pending' (or after 30 s): for core/tests/webm_alpha.rs.

Run under a display (xvfb-run): media elements do not load in an unmapped offscreen window.
usage: webkit_page.py <page.html>
"""
import sys
import warnings

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)
view = WebKit2.WebView()
settings = view.get_settings()
# The page reads the pixels of a video beside it: file:// pages are each their own origin.
settings.set_allow_file_access_from_file_urls(True)
settings.set_allow_universal_access_from_file_urls(True)
settings.set_media_playback_requires_user_gesture(False)
window = Gtk.Window()
window.set_default_size(400, 300)
window.add(view)
window.show_all()
deadline = GLib.get_monotonic_time() + 30_000_000


def poll():
    def done(source, result):
        text = source.run_javascript_finish(result).get_js_value().to_string()
        if text != "pending" or GLib.get_monotonic_time() > deadline:
            print(text)
            Gtk.main_quit()
        else:
            GLib.timeout_add(200, poll)

    # run_javascript: deprecated in 4.1 for evaluate_javascript, which Debian 12's PyGObject
    # does not call back here.
    # The element is missing until the page has loaded.
    view.run_javascript("(document.getElementById('out') || {}).textContent || 'pending'", None, done)
    return False


view.load_uri("file://" + sys.argv[1])
GLib.timeout_add(300, poll)
Gtk.main()
