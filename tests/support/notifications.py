#!/usr/bin/env python3
"""A desktop notification server for the tests: owns org.freedesktop.Notifications on the
session bus it is started on and appends each notification to a file as one JSON line
(summary, body, app name, hints). Prints "ready" once the name is owned."""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

LOG = sys.argv[1]


class Server(dbus.service.Object):
    def __init__(self, bus):
        self.next_id = 1
        super().__init__(bus, "/org/freedesktop/Notifications")

    @dbus.service.method("org.freedesktop.Notifications", in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        with open(LOG, "a") as f:
            f.write(json.dumps({"app": str(app), "icon": str(icon), "summary": str(summary), "body": str(body),
                                "hints": {str(k): str(v) for k, v in hints.items()}}) + "\n")
        self.next_id += 1
        return self.next_id - 1

    @dbus.service.method("org.freedesktop.Notifications", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method("org.freedesktop.Notifications", out_signature="ssss")
    def GetServerInformation(self):
        return ("bazaar-test", "bazaar", "1", "1.2")


DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
name = dbus.service.BusName("org.freedesktop.Notifications", bus)
server = Server(bus)
print("ready", flush=True)
GLib.MainLoop().run()
