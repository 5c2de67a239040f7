# kwin-shot.py OUT [N]: the test's own call of org.kde.KWin.ScreenShot2.CaptureWorkspace
# (allowed by a .desktop file of the test's naming this Python), N times: the last
# image's raw bits (QImage, 4 bytes a pixel) in OUT and one JSON line with its width,
# height, stride, format and the milliseconds per call (the transfer included).
import json
import os
import sys
import threading
import time

from gi.repository import Gio, GLib

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
bus = Gio.bus_get_sync(Gio.BusType.SESSION)
t0 = time.monotonic()
for _ in range(n):
    r, w = os.pipe()
    fds = Gio.UnixFDList.new()
    idx = fds.append(w)
    os.close(w)
    data = []
    reader = threading.Thread(target=lambda: data.extend(iter(lambda: os.read(r, 1 << 20), b"")),
                              daemon=True)
    reader.start()
    try:
        res, _ = bus.call_with_unix_fd_list_sync(
            "org.kde.KWin", "/org/kde/KWin/ScreenShot2", "org.kde.KWin.ScreenShot2",
            "CaptureWorkspace", GLib.Variant("(a{sv}h)", ({
                "include-cursor": GLib.Variant("b", False),
                "native-resolution": GLib.Variant("b", True)}, idx)),
            GLib.VariantType("(a{sv})"), Gio.DBusCallFlags.NONE, 10000, fds, None)
    except GLib.Error as e:
        print(json.dumps({"error": e.message}))
        sys.exit(1)
    del fds  # our copy of the pipe's end: KWin's end closes when it is done
    reader.join()
    os.close(r)
ms = 1000 * (time.monotonic() - t0) / n
meta = res.unpack()[0]
with open(out, "wb") as f:
    f.write(b"".join(data))
print(json.dumps({"width": meta["width"], "height": meta["height"], "stride": meta["stride"],
                  "format": meta["format"], "ms": ms}))
