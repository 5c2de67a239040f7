# fake-shell.py: a pupil's program that takes org.gnome.Shell on the session bus before
# anyone else and answers Vigil's extension interface with made-up windows: the helper
# must not trust it (it is not the session's compositor, nor gnome-shell).
from gi.repository import Gio, GLib

IFACE = """<node><interface name="org.vigil.Session1">
  <method name="Windows"><arg type="a(tssb)" direction="out"/></method>
  <method name="Screenshot"><arg type="ay" direction="out"/><arg type="u" direction="out"/></method>
  <method name="Clipboard"><arg type="u" direction="in"/><arg type="s" direction="out"/></method>
  <signal name="Title"><arg type="t"/><arg type="s"/><arg type="s"/></signal>
</interface></node>"""
bus = Gio.bus_get_sync(Gio.BusType.SESSION)
node = Gio.DBusNodeInfo.new_for_xml(IFACE)
asked = []


def call(conn, sender, path, iface, method, params, inv):
    asked.append(method)
    print("asked", method, flush=True)
    if method == "Windows":
        inv.return_value(GLib.Variant("(a(tssb))", ([(1, "made up by the pupil", "evil", True)],)))
    elif method == "Clipboard":
        inv.return_value(GLib.Variant("(s)", ("made up by the pupil",)))
    else:
        inv.return_value(GLib.Variant("(ayu)", (b"", 0)))


bus.register_object("/org/vigil/Session", node.interfaces[0], call, None, None)
Gio.bus_own_name_on_connection(bus, "org.gnome.Shell", Gio.BusNameOwnerFlags.NONE, None, None)


def tick():
    bus.emit_signal(None, "/org/vigil/Session", "org.vigil.Session1", "Title",
                    GLib.Variant("(tss)", (1, "made up by the pupil", "evil")))
    return True


GLib.timeout_add(500, tick)
print("owning org.gnome.Shell", flush=True)
GLib.MainLoop().run()
