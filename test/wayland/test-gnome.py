#!/usr/bin/env python3
# test-gnome.py: vigil-agent watching a headless GNOME Shell 43 session (mutter: none of
# the wlroots protocols) of an ordinary user, with the real vigil-server, through Vigil's
# session extension (enabled by the package's locked dconf default) and vigil-session:
# a flagged window title is a capture whose screenshot is the Shell's; text typed into a
# GTK entry (through mutter's remote-desktop keys) is a typed capture of that window by
# way of AT-SPI; text copied to the clipboard is a clipboard capture; another program of
# the pupil's calling the extension is refused; killing vigil-session is a tamper capture.
# Prints the screenshot time through the helper against the Shell's own call. TAP output.
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wltest import capenv, check, image, main, new_records  # noqa: E402
import wltest  # noqa: E402
from gnomebed import PUPIL, SIZE, Gnome, ensure_pupil  # noqa: E402
from pixels import png_read  # noqa: E402
from swaybed import HELPER, pupil_file, pupil_reads  # noqa: E402
from xenv import wait_for  # noqa: E402


def helpers(agent):
    return wltest.helpers(agent, ensure_pupil()[0])


def focused(agent, count):
    """Waits for the Shell to report another focused window (count seen before)."""
    wait_for(lambda: agent.log(since_start=True).count("as the Shell says") > count, 15)
    time.sleep(1.5)  # the application's accessible objects settle


def run(root):
    os.chmod(root, 0o777)
    # The helper from a copy the pupil's Shell can reach (a build under /root is closed
    # to it): the agent runs it and the extension is built to expect it.
    helper = pupil_file(HELPER, root)
    os.environ["VIGIL_SESSION_HELPER"] = helper
    gnome = Gnome(root, helper)
    srv = capenv.Server(root)
    agent = None
    try:
        t = time.monotonic()
        gnome.start()
        print("# gnome-shell with the extension up in %.1f s" % (time.monotonic() - t))
        srv.start()
        key = srv.admin("school", "add", "GNOME School").stdout.strip()
        agent = capenv.Agent(root, None, srv.url(), key,
                             extra_conf=["moment-seconds = 0", "run-as = " + capenv.RUN_USER])
        agent.lists = os.path.join(capenv.SRC, "test", "x11", "lists")
        agent.session_args = ["--wayland", gnome.socket, "--user", PUPIL]
        agent.start(ready="monitoring wayland")
        up = wait_for(lambda: "session helper up" in agent.log(since_start=True), 20)
        check("the helper runs as the pupil and trusts the Shell",
              up and "GNOME Shell yes" in agent.log(since_start=True), agent.log()[-3000:])
        check("the agent sees a compositor without wlroots protocols",
              "offers no wlr-foreign-toplevel" in agent.log(since_start=True))
        wait_for(lambda: "GNOME Shell extension found" in agent.log(since_start=True), 15)
        h = helpers(agent)
        uid, gid, _ = ensure_pupil()
        check("once the extension checked it, the pupil cannot read the helper's memory",
              h and not pupil_reads(h[0], uid, gid))

        # 1. A flagged window title: a capture with the Shell's screenshot.
        seen = len(srv.export())
        gnome.spawn(["zenity", "--info", "--title", "how to make a bomb", "--text", "hello"])
        recs = new_records(srv, seen, source="window-title")
        if check("a flagged window title makes a capture (%d)" % len(recs), len(recs) == 1,
                 agent.log()[-3000:] + gnome.log()[-2000:]):
            r = recs[0]
            check("its window is zenity's", "make a bomb" in r["window"]["title"]
                  and "zenity" in r["window"]["app"].lower(), r["window"])
            w, h, rows, _ = png_read(image(srv, r["screenshot"]["sha256"]))
            check("the screenshot is the Shell's whole screen (%dx%d)" % (w, h), (w, h) == SIZE)
            colours = {bytes(row[i:i + 3]) for row in rows[::4] for i in range(0, len(row), 12)}
            check("and not blank (%d colours)" % len(colours), len(colours) > 8)
            # The Shell says where the focused window (zenity's dialog) is: the thumbnail's crop.
            rect = r["window"].get("rect") or {}
            check("window.rect is a window on the screen, not the whole of it",
                  rect.get("width", 0) > 0 and rect.get("height", 0) > 0
                  and rect["x"] + rect["width"] <= w and rect["y"] + rect["height"] <= h
                  and rect["width"] * rect["height"] < w * h, rect)
        m = re.findall(r"screenshot through the session helper in (\d+) ms "
                       r"\(the Shell's own call (\d+) ms\)", agent.log())
        if m:
            print("# screenshot %dx%d: %s ms through vigil-session, the Shell's own call %s ms"
                  % (SIZE + m[0]))

        # 2. Typed into a GTK entry: a typed capture of that window (AT-SPI).
        n = agent.log(since_start=True).count("as the Shell says")
        gnome.spawn(["python3", pupil_file(os.path.join(HERE, "gtk-entry.py"), root),
                     "Pupil notes"])
        focused(agent, n)
        seen = len(srv.export())
        gnome.type("i want to kill myself")
        recs = new_records(srv, seen, source="typed")
        if check("text typed into a GTK entry makes a typed capture (%d)" % len(recs),
                 len(recs) == 1, agent.log()[-3000:]):
            check("attributed to the entry's window",
                  recs[0]["window"]["title"] == "Pupil notes", recs[0]["window"])

        # 3. Copied to the clipboard: a clipboard capture.
        seen = len(srv.export())
        for tries in range(1, 4):  # mutter's remote-desktop keys are sometimes dropped
            gnome.type("^a", "^c")
            recs = new_records(srv, seen, source="clipboard", timeout=10)
            if recs:
                break
        if tries > 1:
            print("# the copy took %d tries" % tries)
        # (selected with Ctrl+A: PRIMARY too, a capture of its own)
        check("text copied to the clipboard makes a clipboard capture (%d)" % len(recs),
              1 <= len(recs) <= 2 and all("kill myself" in r["context"] for r in recs),
              agent.log()[-2000:])

        # 4. Another program of the pupil's asks the extension: refused.
        r = gnome.run(["gdbus", "call", "--session", "--dest", "org.gnome.Shell",
                       "--object-path", "/org/vigil/Session", "--method",
                       "org.vigil.Session1.Clipboard", "0"])
        check("the extension refuses another program", r.returncode != 0
              and "AccessDenied" in r.stderr and "kill myself" not in r.stdout, r)

        # 5. The pupil kills vigil-session: a tamper capture, and a new helper.
        old = helpers(agent)
        seen = len(srv.export())
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        recs = new_records(srv, seen, source="tamper")
        check("killing vigil-session makes a tamper capture (%d)" % len(recs), len(recs) == 1,
              agent.log()[-3000:])
        new = wait_for(lambda: helpers(agent) if "GNOME Shell yes" in agent.log(since_start=True)
                       .rsplit("started as uid", 1)[-1] else None, 15)
        check("a new helper runs and trusts the Shell again (%s, was %s)" % (new, old),
              new and set(new) != set(old))
        check("typed and copied text is nowhere in the agent's log",
              "kill myself" not in agent.log())
    finally:
        if agent:
            agent.stop()
        srv.stop(signal.SIGKILL)
        gnome.cleanup()


if __name__ == "__main__":
    sys.exit(main("gnome test", run, "vigil-gn-", ("gnome-shell", "dconf", "zenity", "unshare", "dbus-daemon"),
                  "the session runs as another user, in a mount namespace: needs root"))
