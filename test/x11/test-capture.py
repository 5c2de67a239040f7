#!/usr/bin/env python3
# test-capture.py: end to end on real X: Xvfb + openbox + xterm, vigil-server and
# vigil-agent; a flagged phrase typed with xdotool becomes a capture on the server whose
# PNG shows the typed text (compared by pixels with an xwd screenshot taken by the test),
# with the right time, machine, user, reason and PNG text chunks. TAP output.
import datetime
import hashlib
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fault"))
import capenv  # noqa: E402
from pixels import diff_pixels, distinct_colours, png_read, xwd_read  # noqa: E402
from xenv import wait_for  # noqa: E402

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    return bool(cond)


def xwd_root(x):
    p = subprocess.run(["xwd", "-root", "-silent"], env=x.env, capture_output=True, timeout=30)
    return xwd_read(p.stdout)


def diff_box(a, b):
    ys = [y for y in range(len(a)) if a[y] != b[y]]
    if not ys:
        return None
    xs = [x for y in ys for x in range(len(a[0]) // 3) if a[y][x * 3:x * 3 + 3] != b[y][x * 3:x * 3 + 3]]
    return min(xs), ys[0], max(xs), ys[-1]


def window_box(x, wid):
    """The window's box on the root (xwininfo's absolute position)."""
    out = x.run(["xwininfo", "-id", wid])
    g = {}
    for line in out.splitlines():
        k, _, v = line.strip().partition(":")
        g[k] = v.strip()
    x0, y0 = int(g["Absolute upper-left X"]), int(g["Absolute upper-left Y"])
    return x0, y0, x0 + int(g["Width"]), y0 + int(g["Height"])


def run(root):
    with capenv.server_and_display(root, "E2E School") as (srv, key, x):
        x.spawn(["xterm", "-T", "capture-e2e", "-geometry", "60x8+40+40", "-fa", "", "-e", "cat"])
        wid = wait_for(lambda: x.run(["xdotool", "search", "--name", "^capture-e2e$"],
                                     check=False).split(), 20)
        if not wid:
            raise RuntimeError("xterm did not map")
        wid = wid[0]
        x.activate(wid)
        agent = capenv.Agent(root, x.display, srv.url(), key)
        agent.lists = os.path.join(capenv.SRC, "test", "x11", "lists")
        agent.start()
        try:
            before = xwd_root(x)
            t0 = datetime.datetime.now(datetime.timezone.utc)
            x.type("i want to kill myself ")
            ok = wait_for(lambda: len(srv.export()) >= 1, 30, 0.3)
            t1 = datetime.datetime.now(datetime.timezone.utc)
            check("typed phrase arrives on the server as a capture", ok, agent.log()[-2000:])
            if not ok:
                return
            time.sleep(0.5)
            after = xwd_root(x)
            rec = srv.export()[0]
            r = rec["reason"]
            check("reason: category, severity, phrase, matched, rule",
                  (r["category"], r["severity"], r["phrase"], r["matched"], r["rule"])
                  == ("test-concern", 5, "kill myself", "kill myself", "concern.txt:5"), r)
            check("machine, user and source", (rec["machine"], rec["user"], rec["source"])
                  == ("TESTPC01", "testpupil", "typed"), rec)
            check("window title and app", (rec["window"].get("title"), rec["window"].get("app"))
                  == ("capture-e2e", "xterm"), rec["window"])
            # The focused window's rectangle (openbox's frame: the xterm and its title bar),
            # from which the server's thumbnail is cut.
            box = window_box(x, wid)
            rect = rec["window"].get("rect") or {}
            r0 = (rect.get("x", -1), rect.get("y", -1), rect.get("x", 0) + rect.get("width", 0),
                  rect.get("y", 0) + rect.get("height", 0))
            check("window.rect holds the focused xterm and no more than its frame",
                  r0[0] <= box[0] and r0[1] <= box[1] and r0[2] >= box[2] and r0[3] >= box[3]
                  and box[0] - r0[0] <= 16 and box[1] - r0[1] <= 48 and r0[2] - box[2] <= 16
                  and r0[3] - box[3] <= 16, (rect, box))
            check("context holds the typed sentence", "want to kill myself" in rec["context"])
            when = datetime.datetime.fromisoformat(rec["time"].replace("Z", "+00:00"))
            check("time is RFC 3339 UTC with ms and within the typing",
                  rec["time"].endswith("Z") and len(rec["time"]) == 24
                  and t0 - datetime.timedelta(seconds=1) <= when <= t1, (rec["time"], t0, t1))
            sha = rec["screenshot"]["sha256"]
            path = os.path.join(srv.data, "images", sha[:2], sha + ".png")
            png = open(path, "rb").read()
            check("stored PNG matches its sha256", hashlib.sha256(png).hexdigest() == sha)
            w, h, rows, text = png_read(png)
            check("PNG is the whole screen (1024x768)", (w, h) == (1024, 768)
                  and rec["screenshot"]["width"] == 1024, (w, h))
            check("PNG text chunks: time, machine, user, reason, id",
                  text.get("Creation Time") == rec["time"] and text.get("Vigil Machine") == "TESTPC01"
                  and text.get("Vigil User") == "testpupil"
                  and "kill myself" in text.get("Vigil Reason", "")
                  and text.get("Vigil Capture") == rec["id"], text)
            check("no Vigil Why chunk when context lowered nothing",
                  "why" not in r and "Vigil Why" not in text, text)
            box = window_box(x, wid)
            changed = diff_pixels(before[2], after[2], box)
            check("typing changed the xterm on screen (%d pixels)" % changed, changed > 200,
                  (box, diff_pixels(before[2], after[2]), diff_box(before[2], after[2])))
            same = diff_pixels(rows, after[2], box)
            check("captured xterm region equals the screen after typing (%d of %d pixels "
                  "differ: at most the cursor cell)" % (same, changed), same <= 200, same)
            check("captured xterm region shows the text: not uniform, and differs from the "
                  "screen before typing exactly where typing changed it",
                  distinct_colours(rows, box) >= 2 and diff_pixels(rows, before[2], box) == changed,
                  distinct_colours(rows, box))
            whole = diff_pixels(rows, after[2])
            check("whole capture equals the screen (%d pixels differ)" % whole, whole <= 400)
            check("typed text is nowhere in the agent's log", "want to kill" not in agent.log())
            wait_for(lambda: not agent.spool_files(), 10)
            check("spool emptied after upload", not agent.spool_files(), agent.spool_files())
            check("spool directory is 0700 and files belong to the upload user",
                  (os.stat(agent.spool).st_mode & 0o777) == 0o700
                  and (os.geteuid() != 0 or os.stat(agent.spool).st_uid
                       == __import__("pwd").getpwnam(capenv.RUN_USER).pw_uid))
            token = os.path.join(agent.state, "token")
            check("machine token stored with mode 0600",
                  os.path.exists(token) and (os.stat(token).st_mode & 0o777) == 0o600)
            m = [m for m in srv.machines() if m.get("machine") == "TESTPC01"]
            check("heartbeat recorded (version, spooled 0)", m and m[0].get("version") == "0.1.0",
                  m)
        finally:
            agent.stop()
            srv.stop(signal.SIGKILL)


def main():
    return capenv.tap_main(results, [("end-to-end capture", run)], "vigil-capture-e2e-",
                           ("Xvfb", "xdotool", "xterm", "xwd"))


if __name__ == "__main__":
    sys.exit(main())
