#!/usr/bin/env python3
# test-atspi-bus.py: a pupil writes a bogus accessibility bus address into the root
# window's AT_SPI_BUS property (any client may); the agent with --screen-text atspi takes
# the bus from the session bus (org.a11y.Bus GetAddress) and still reads a flagged GTK
# label. Real Xvfb, session bus, AT-SPI registry (dbus-run-session), as test-screen-text.
#
# Usage: test-atspi-bus.py FIXTURES_DIR   (TAP on stdout)
import json
import os
import pwd
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xenv import Skip, XEnv, wait_for  # noqa: E402

FIX = os.path.abspath(sys.argv[1])
LISTS = os.path.join(FIX, "lists")
SYS_PY = "/usr/bin/python3"  # sees Debian's python3-gi
PUPIL = "nobody"
BOGUS = "unix:path=/tmp/vigil-no-such-a11y-bus"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok" if ok else "not ok") + f" {len(results)} - {name}")
    if not ok and detail:
        for line in str(detail).splitlines()[-40:]:
            print("# " + line)
    sys.stdout.flush()


def as_pupil():
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam(PUPIL)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def root_bus(xe):
    return xe.run(["xprop", "-root", "AT_SPI_BUS"], check=False)


def run(xe):
    # A GTK program starts the accessibility bus (which writes AT_SPI_BUS itself); then the
    # pupil overwrites the property.
    gtk = subprocess.Popen([SYS_PY, os.path.join(FIX, "gtk-show.py"), "--title", "Group chat"],
                           env=xe.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, text=True)
    xe.procs.append(gtk)
    wait_for(lambda: "unix:" in root_bus(xe), 10)
    subprocess.run(["xprop", "-root", "-f", "AT_SPI_BUS", "8s", "-set", "AT_SPI_BUS", BOGUS],
                   env=xe.env, check=True, capture_output=True, **as_pupil())
    check("the pupil wrote a bogus AT_SPI_BUS on the root window", BOGUS in root_bus(xe),
          root_bus(xe))
    env = dict(xe.env)
    env.pop("AT_SPI_BUS_ADDRESS", None)
    xe.env = env
    xe.start_agent(LISTS, extra=["--screen-text", "atspi"])
    time.sleep(2)
    gtk.stdin.write("nobody would miss me if I kill myself\n")
    gtk.stdin.flush()

    def screen_hits():
        try:
            with open(xe.hits_path) as f:
                return [h for h in map(json.loads, filter(str.strip, f))
                        if h.get("source") == "screen-text"]
        except FileNotFoundError:
            return []
    hits = wait_for(screen_hits, 20)
    check("the agent takes the accessibility bus from the session bus and reads the flagged "
          "label", len(hits) == 1 and hits[0]["window"]["title"] == "Group chat",
          json.dumps(hits) + "\n" + xe.log())
    check("the bogus address is used nowhere", "vigil-no-such-a11y-bus" not in xe.log(), xe.log())
    gtk.stdin.close()
    gtk.wait(10)
    check("agent stops cleanly", xe.stop_agent() == 0, xe.log())


def main():
    if not os.environ.get("VIGIL_SCREEN_TEXT_BUS"):
        if not shutil.which("dbus-run-session"):
            print("1..0 # SKIP dbus-run-session is not installed")
            return 0
        tap = os.dup(1)
        env = dict(os.environ, VIGIL_SCREEN_TEXT_BUS="1", VIGIL_TAP_FD=str(tap))
        env.pop("AT_SPI_BUS_ADDRESS", None)
        return subprocess.call(["dbus-run-session", "--", sys.executable] + sys.argv, env=env,
                               stdout=2, pass_fds=(tap,))
    if os.environ.get("VIGIL_TAP_FD"):
        sys.stdout = os.fdopen(int(os.environ["VIGIL_TAP_FD"]), "w")
    if subprocess.run([SYS_PY, "-c", "import gi; gi.require_version('Gtk', '3.0')"],
                      capture_output=True).returncode != 0:
        print("1..0 # SKIP python3-gi with GTK 3 is not installed")
        return 0
    try:
        xe = XEnv(os.environ.get("VIGIL_BUILD_ROOT", "."))
        xe.start_x()
    except Skip as e:
        print(f"1..0 # SKIP {e}")
        return 0
    with xe:
        try:
            run(xe)
        except Exception as e:  # noqa: BLE001 (a failed check)
            check("the AT_SPI_BUS attack ran", False, repr(e))
    print(f"1..{len(results)}")
    return 0 if all(results) else 1


sys.exit(main())
