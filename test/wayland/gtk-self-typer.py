# gtk-self-typer.py TITLE TEXT: a GTK 3 window with one focused entry that, once the window
# is active, inserts TEXT into the entry a character every 40 ms, as typing would (for
# compositors with no virtual keyboard to type with: AT-SPI reports the same insertions).
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402

title, text = sys.argv[1], sys.argv[2]
win = Gtk.Window(title=title)
entry = Gtk.Entry()
win.add(entry)
win.connect("destroy", Gtk.main_quit)
state = {"i": 0, "started": False}


def type_one():
    if state["i"] >= len(text):
        return False
    entry.insert_text(text[state["i"]], entry.get_position())
    entry.set_position(entry.get_position() + 1)
    state["i"] += 1
    return True


def on_active(*_):
    if win.is_active() and not state["started"]:
        state["started"] = True
        GLib.timeout_add(2000, lambda: GLib.timeout_add(40, type_one) and False)


win.connect("notify::is-active", on_active)
win.show_all()
entry.grab_focus()
Gtk.main()
