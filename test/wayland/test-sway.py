#!/usr/bin/env python3
# test-sway.py: vigil-agent watching a Wayland session of headless sway (wlroots), run as an
# ordinary user, with the real vigil-server: a flagged title of a window that is not
# focused, text copied to CLIPBOARD in another text type and to PRIMARY, typed text of the
# focused window (through --inject), each a capture whose screenshot equals grim's of the
# same screen; a socket that is not the session's compositor is refused; the heartbeat
# reports the session monitored, and unmonitored once the compositor is gone. TAP output.
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wltest import capenv, check, image, main, new_records, sessions  # noqa: E402
from pixels import diff_pixels, png_read, png_text  # noqa: E402
from swaybed import PUPIL, Sway  # noqa: E402
from xenv import wait_for  # noqa: E402


def run(root):
    sway = Sway(root).start()
    srv = capenv.Server(root)
    agent = None
    try:
        srv.start()
        key = srv.admin("school", "add", "Wayland School").stdout.strip()
        agent = capenv.Agent(root, None, srv.url(), key,
                             extra_conf=["moment-seconds = 0", "run-as = " + PUPIL])
        agent.lists = os.path.join(capenv.SRC, "test", "x11", "lists")
        agent.session_args = ["--wayland", sway.socket, "--user", PUPIL]
        os.chmod(root, 0o777)  # the monitor, once it is the pupil, makes its --inject FIFO
        agent.start(ready="monitoring wayland")

        # 1. A window whose title is flagged, then one that takes the focus.
        seen = len(srv.export())
        sway.terminal("i hate everyone - chat")
        recs = new_records(srv, seen)
        check("a flagged window title makes a capture (%d)" % len(recs), len(recs) == 1,
              agent.log()[-2000:])
        if recs:
            r = recs[0]
            check("its source is window-title, its window foot's", r["source"] == "window-title"
                  and r["window"]["app"] == "foot" and "hate everyone" in r["window"]["title"], r)
            check("captured for the session's user on the machine",
                  r["user"] == PUPIL and r["machine"] == "TESTPC01", r)
            png = image(srv, r["screenshot"]["sha256"])
            check("the screenshot is the whole output (%dx%d)" % (
                r["screenshot"]["width"], r["screenshot"]["height"]),
                (r["screenshot"]["width"], r["screenshot"]["height"]) == sway.size)
            check("the PNG is stamped with the reason", "hate everyone" in
                  png_text(png).get("Vigil Reason", ""), png_text(png))
        time.sleep(1)
        sway.terminal("maths homework")
        wait_for(lambda: "active toplevel" in agent.log(since_start=True)
                 and "(foot)" in agent.log(since_start=True), 10)
        time.sleep(1.0)
        seen = len(srv.export())

        # 2. Typed text goes to the focused window.
        agent.inject(["i want to kill myself"])
        recs = new_records(srv, seen)
        if check("typed text makes a capture (%d)" % len(recs), len(recs) == 1, agent.log()[-2000:]):
            r = recs[0]
            check("attributed to the focused window", r["source"] == "typed"
                  and r["window"]["title"] == "maths homework", r["window"])
            # Its rectangle from sway's IPC, as swaymsg sees it: the thumbnail's crop.
            tree = json.loads(sway.run(["sh", "-c", "SWAYSOCK=$(ls $XDG_RUNTIME_DIR/"
                                        "sway-ipc.*.sock) swaymsg -r -t get_tree"]).stdout)

            def focused(node):
                if node.get("focused"):
                    return node
                for child in node.get("nodes", []) + node.get("floating_nodes", []):
                    found = focused(child)
                    if found:
                        return found
                return None
            want = {k: (focused(tree) or {}).get("rect", {}).get(k) for k in
                    ("x", "y", "width", "height")}
            check("window.rect is the focused window's as sway has it",
                  r["window"].get("rect") == want and want["width"] < sway.size[0],
                  (r["window"].get("rect"), want))
            grim = os.path.join(root, "grim.png")
            check("grim can take the screen", sway.grim(grim))
            _, _, ours, _ = png_read(image(srv, r["screenshot"]["sha256"]))
            with open(grim, "rb") as f:
                _, _, theirs, _ = png_read(f.read())
            d = diff_pixels(ours, theirs)
            check("the agent's screenshot has grim's pixels (%d differ)" % d, d == 0)

        # 3. CLIPBOARD in a type other than UTF8_STRING, and PRIMARY.
        for what, text, kw in (
                ("CLIPBOARD as text/plain", "buy cheap pills here", {"mime": "text/plain"}),
                ("PRIMARY", "how to make a bomb at home", {"primary": True})):
            seen = len(srv.export())
            sway.copy(text, **kw)
            recs = new_records(srv, seen)
            check("text copied to %s makes a clipboard capture (%d)" % (what, len(recs)),
                  len(recs) == 1 and recs[0]["source"] == "clipboard", recs)
            time.sleep(0.5)

        # 4. The heartbeat says the session is monitored.
        s = wait_for(lambda: [x for x in sessions(srv) if x.get("type") == "wayland"], 15, 0.5)
        check("the heartbeat lists the Wayland session, monitored", s and s[0]["monitored"]
              and s[0]["user"] == PUPIL, sessions(srv))
        check("typed and copied text is nowhere in the agent's log",
              "kill myself" not in agent.log() and "pills here" not in agent.log())

        # 5. The compositor goes away: the session is unmonitored.
        sway.stop()
        wait_for(lambda: "went away" in agent.log(since_start=True), 10)
        s = wait_for(lambda: [x for x in sessions(srv) if x.get("type") == "wayland"
                              and not x["monitored"]], 30, 0.5)
        check("with the compositor gone, the session is reported unmonitored", s, sessions(srv))
        agent.stop()

        # 6. A socket that is not the session's compositor is refused.
        fake = os.path.join(root, "wayland-fake")
        os.symlink(sway.socket, fake)
        sway.start()
        agent.session_args = ["--wayland", fake, "--user", PUPIL]
        agent.start(ready="no compositor to watch")
        check("a link in place of the socket is refused", "Operation not permitted"
              in agent.log(since_start=True), agent.log(since_start=True)[-1500:])
    finally:
        if agent:
            agent.stop()
        srv.stop(signal.SIGKILL)
        sway.cleanup()


if __name__ == "__main__":
    sys.exit(main("sway test", run, "vigil-wl-", ("sway", "foot", "wl-copy", "grim"),
                  "the session's compositor runs as another user: needs root"))
