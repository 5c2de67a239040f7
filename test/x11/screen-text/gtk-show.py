#!/usr/bin/python3
# gtk-show.py: a GTK 3 window for the screen-text tests: a label whose text is replaced by
# each line read from stdin (--label), or a PNG shown full size (--image FILE).
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402


def main():
    title = sys.argv[sys.argv.index("--title") + 1] if "--title" in sys.argv else "vigil test"
    win = Gtk.Window(title=title)
    win.set_default_size(900, 300)
    win.connect("destroy", Gtk.main_quit)
    if "--image" in sys.argv:
        widget = Gtk.Image.new_from_file(sys.argv[sys.argv.index("--image") + 1])
    else:
        widget = Gtk.Label(label="nothing to see here")

        def on_line(source, cond):
            line = sys.stdin.readline()
            if not line:
                Gtk.main_quit()
                return False
            widget.set_text(line.rstrip("\n"))
            return True

        GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_line)
    win.add(widget)
    win.show_all()
    Gtk.main()


main()
