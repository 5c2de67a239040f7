# gtk-entry.py TITLE [--password]: a GTK 3 window with one entry that has the focus, as a
# pupil's application (accessible through AT-SPI). With --password the entry hides its
# text, so its accessible role is "password text".
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk  # noqa: E402

win = Gtk.Window(title=sys.argv[1])
entry = Gtk.Entry()
if "--password" in sys.argv[2:]:
    entry.set_visibility(False)
win.add(entry)
win.connect("destroy", Gtk.main_quit)
win.show_all()
entry.grab_focus()
Gtk.main()
