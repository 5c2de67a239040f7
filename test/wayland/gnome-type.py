# gnome-type.py WORD...: types into the focused window of a GNOME (mutter) session through
# org.gnome.Mutter.RemoteDesktop, as the session's user on its bus (a test aid: headless
# mutter has no keyboard). "^x" is Ctrl+x, "\n" is Return; anything else is typed as is.
import sys
import time

from gi.repository import Gio, GLib

RD = "org.gnome.Mutter.RemoteDesktop"
SESSION = RD + ".Session"
SHIFT, CTRL, RETURN = 0xffe1, 0xffe3, 0xff0d

bus = Gio.bus_get_sync(Gio.BusType.SESSION)


def call(path, iface, method, args=None):
    return bus.call_sync(RD, path, iface, method, args, None, Gio.DBusCallFlags.NONE, 5000, None)


def key(path, sym, down):
    call(path, SESSION, "NotifyKeyboardKeysym", GLib.Variant("(ub)", (sym, down)))


def tap(path, sym):
    key(path, sym, True)
    key(path, sym, False)


def keysym(ch):
    return ord(ch) if ord(ch) < 0x100 else 0x01000000 + ord(ch)


def main():
    path = call("/org/gnome/Mutter/RemoteDesktop", RD, "CreateSession").unpack()[0]
    call(path, SESSION, "Start")
    time.sleep(0.5)  # keys right after Start are dropped
    tap(path, SHIFT)  # and the first one after that
    for word in sys.argv[1:]:
        if word.startswith("^") and len(word) == 2:
            key(path, CTRL, True)
            tap(path, keysym(word[1]))
            key(path, CTRL, False)
        elif word == "\\n":
            tap(path, RETURN)
        else:
            for ch in word:
                tap(path, keysym(ch))
        time.sleep(0.05)
    time.sleep(0.3)
    call(path, SESSION, "Stop")


main()
