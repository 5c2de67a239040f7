#!/usr/bin/env python3
# test-attacks.py: a pupil's own X clients against the agent, each run as an unprivileged
# user on the display the agent watches (Xvfb, openbox, xterms): RECORD contexts found and
# disabled, _NET_ACTIVE_WINDOW flipped every 5 ms, the keyboard grabbed, an
# override-redirect window taking the focus, text copied only as text/plain;charset=utf-8,
# STRING or text/plain, the agent's processes signalled, and (as root, where no logind
# runs) a FIFO and a /dev/zero link as ~/.Xauthority of a session found through logind's
# state files. Typed text, titles and copies are still caught; a refused cookie is a
# tamper capture at once; the times from each attack are printed. TAP output.
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from xenv import XEnv, Xvfb, wait_for  # noqa: E402

BUILD = os.environ.get("VIGIL_BUILD_ROOT", os.path.join(HERE, "..", "..", "build"))
LISTS = os.path.join(HERE, "lists")
ATTACK = os.path.join(BUILD, "test", "x11", "x11-attack")
PUPIL = "nobody"  # the unprivileged user whose programs attack
# created (and removed) for the cookie attacks, as root; its own name in each run, as
# several test runs may share the machine (and logind's state files)
COOKIE_USER = "vigilp%d" % os.getpid()
LOGIND_SESSIONS = "/run/systemd/sessions"
results = []
figures = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    return bool(cond)


def skip(name, why):
    results.append(("skip: %s # SKIP %s" % (name, why), True, ""))


def as_pupil(user=PUPIL):
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam(user)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


class Attacker:
    """x11-attack ARGS as the pupil; .ready() waits for its "ready" line."""

    def __init__(self, x, *args):
        self.proc = subprocess.Popen([ATTACK] + [str(a) for a in args], env=x.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, **as_pupil())
        self.lines = []

    def ready(self, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            if not line:
                return False
            self.lines.append(line.strip())
            if line.strip() == "ready":
                return True
        return False

    def finish(self, timeout=30):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.lines += out.split("\n")
        return self.lines


def phrases(hits):
    return [h["reason"]["phrase"] for h in hits]


def agent_pids(x):
    """The supervisor and its children."""
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(x.agent.pid)],
                          capture_output=True, text=True).stdout.split()
    return [x.agent.pid] + [int(k) for k in kids]


def restarts(x):
    return x.log().count("our X connection was killed")


def scenario_record(x, wid):
    """The review's first attack: every RECORD context found is disabled. A RECORD
    listener (what the agent used to be) goes blind; the agent does not."""
    victim = Attacker(x, "record-victim")
    check("a RECORD listener runs as the pupil", victim.ready(), victim.lines)
    x.activate(wid)
    x.type("ab")
    before = restarts(x)
    t0 = time.monotonic()
    attack = Attacker(x, "record", 3)
    attack.ready()
    ended = wait_for(lambda: victim.proc.poll() is not None, 5)
    lines = victim.finish(5)
    found = attack.finish()
    figures.append("RECORD attack: a RECORD listener's context found and disabled in %.2f s"
                   % (time.monotonic() - t0))
    check("the attacker finds and disables a RECORD listener's context",
          ended and "end of data" in lines and any(f.startswith("found") for f in found),
          (lines, found))
    x.new_hits(0)
    t1 = time.monotonic_ns()
    x.type("i hate everyone ")
    hits = x.new_hits(1, settle=0.3)
    check("after the RECORD attack typed text is still caught",
          phrases(hits) == ["hate everyone"] and hits[0]["source"] == "typed", hits)
    if hits:
        figures.append("RECORD attack: phrase typed afterwards caught %.0f ms after its first key"
                       % ((hits[0]["mono_ns"] - t1) / 1e6))
    check("the RECORD attack interrupted nothing", restarts(x) == before, x.log()[-1500:])


def scenario_flip(x, wid_a, wid_b):
    """The review's second attack: _NET_ACTIVE_WINDOW flipped between two 1x1 windows every
    5 ms while the pupil types and a window's title changes."""
    x.activate(wid_a)
    x.new_hits(0)
    flip = Attacker(x, "flip", 8)
    check("the flipper runs as the pupil", flip.ready(), flip.lines)
    time.sleep(0.3)
    x.type("where can i kill myself today ", delay_ms=40)
    x.key("Return")
    hits = x.new_hits(1, settle=0.5)
    typed = [h for h in hits if h["source"] == "typed"]
    check("typed text is caught while the active-window property flips every 5 ms",
          phrases(typed) == ["kill myself"] and typed[0]["reason"]["matched"] == "kill myself",
          hits)
    check("... and attributed to the window with the input focus",
          typed and typed[0]["window"]["id"] == int(wid_a)
          and typed[0]["window"]["title"] == "pupil-a", typed)
    x.run(["xdotool", "set_window", "--name", "How to make a bomb - Search", wid_b])
    hits = x.new_hits(1, settle=0.3)
    check("a window that does not have the focus is scanned for its title while the flips go on",
          phrases(hits) == ["how to make a bomb"] and hits[0]["source"] == "window-title"
          and hits[0]["window"]["id"] == int(wid_b), hits)
    out = flip.finish()
    print("# flipper: %s" % " ".join(line for line in out if line.startswith("flips")))
    # The property now names a window that is gone: titles are watched all the same.
    x.run(["xdotool", "set_window", "--name", "buy cheap pills", wid_a])
    hits = x.new_hits(1, settle=0.3)
    check("after the flips a flagged title is still reported",
          phrases(hits) == ["buy cheap pills"] and hits[0]["window"]["id"] == int(wid_a), hits)
    x.run(["xdotool", "set_window", "--name", "pupil-a", wid_a])
    x.run(["xdotool", "set_window", "--name", "pupil-b", wid_b])


def scenario_grab(x, wid):
    """A program of the pupil's grabs the keyboard: keys go to it, and the agent still sees
    them (raw events reach their selection whatever the grabs)."""
    x.activate(wid)
    x.new_hits(0)
    grab = Attacker(x, "grab", 3)
    check("the pupil's program grabs the keyboard", grab.ready() and "grab success" in grab.lines,
          grab.lines)
    x.type("i hate everyone ")
    hits = x.new_hits(1, settle=0.3)
    check("keys typed during a keyboard grab are caught", phrases(hits) == ["hate everyone"], hits)
    grab.finish()


def scenario_override(x, wid):
    """An override-redirect window (no window manager frames it or lists it) with a flagged
    name takes the input focus: its title and what is typed into it are caught."""
    x.new_hits(0)
    win = Attacker(x, "override", "how to make a bomb", 4)
    check("the pupil's override-redirect window takes the focus", win.ready(), win.lines)
    hits = x.new_hits(1, settle=0.3)
    check("its flagged name is scanned", phrases(hits) == ["how to make a bomb"]
          and hits[0]["source"] == "window-title", hits)
    x.type("i hate everyone ")
    hits = x.new_hits(1, settle=0.3)
    check("text typed into it is caught, attributed to it",
          phrases(hits) == ["hate everyone"] and hits[0]["window"]["title"] == "how to make a bomb",
          hits)
    win.finish()
    x.activate(wid)


def scenario_clipboard_types(x):
    """Text offered only as text/plain;charset=utf-8 (what a browser pastes), STRING
    (ISO 8859-1) or text/plain, in CLIPBOARD and PRIMARY, copied by the pupil with xclip."""
    cases = [("clipboard", "text/plain;charset=utf-8", "where to buy cheap pills online\n".encode(),
              "cheap pills online"),
             ("clipboard", "STRING", "where to buy cheap pills café\n".encode("latin-1"),
              "cheap pills café"),
             ("primary", "text/plain", b"where to buy cheap pills here\n", "cheap pills here"),
             ("primary", "text/plain;charset=utf-8", b"where to buy cheap pills now\n",
              "cheap pills now")]
    for selection, target, data, seen in cases:
        x.new_hits(0)
        subprocess.run(["xclip", "-selection", selection, "-t", target], env=x.env, input=data,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                       check=True, **as_pupil())
        hits = x.new_hits(1, settle=0.3)
        check("%s copied as %s only is scanned" % (selection.upper(), target),
              phrases(hits) == ["buy cheap pills"] and hits[0]["source"] == "clipboard"
              and seen in hits[0]["context"], hits)
    x.new_hits(0)
    subprocess.run(["xclip", "-selection", "clipboard", "-t", "image/png"], env=x.env,
                   input=b"where to buy cheap pills", stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30, check=True, **as_pupil())
    time.sleep(1)
    check("a copy offered as an image only is not read as text", x.new_hits(0) == [],
          x.log()[-800:])


def scenario_signals(x):
    """The agent's processes do not belong to the pupil: signals are refused."""
    if os.geteuid() != 0:
        skip("the pupil cannot signal the agent's processes", "needs root")
        return
    pids = agent_pids(x)
    refused = [subprocess.run(["kill", "-KILL", str(p)], capture_output=True,
                              **as_pupil()).returncode != 0 for p in pids]
    time.sleep(0.3)
    check("the pupil's SIGKILL to the agent and its children is refused (%d processes)"
          % len(pids), all(refused) and x.agent.poll() is None and len(pids) >= 2,
          (pids, refused))


# --- cookies: a session found through logind's state files, as root -------------------

def logind_running():
    return subprocess.run(["pgrep", "-x", "systemd-logind"], capture_output=True).returncode == 0


def write_session(sid, uid, user, display):
    os.makedirs(LOGIND_SESSIONS, exist_ok=True)
    path = os.path.join(LOGIND_SESSIONS, sid)
    with open(path + ".tmp", "w") as f:
        f.write("UID=%d\nUSER=%s\nACTIVE=1\nSTATE=active\nREMOTE=0\nTYPE=x11\nCLASS=user\n"
                "DISPLAY=%s\nSEAT=seat0\n" % (uid, user, display))
    os.rename(path + ".tmp", path)
    return path


def place(home, kind, uid, gid):
    path = os.path.join(home, ".Xauthority")
    if os.path.lexists(path):
        os.unlink(path)
    if kind == "fifo":
        os.mkfifo(path, 0o600)
        os.lchown(path, uid, gid)
    elif kind == "zero":
        os.symlink("/dev/zero", path)
        os.lchown(path, uid, gid)
    elif kind == "big":
        with open(path, "wb") as f:
            f.write(b"\0" * (1 << 20))
        os.chown(path, uid, gid)
    return path


def scenario_cookies(build):
    name = "a FIFO or a /dev/zero link as ~/.Xauthority"
    if os.geteuid() != 0 or logind_running():
        skip(name, "needs root and no running logind")
        return
    home = tempfile.mkdtemp(prefix="vigil-pupil-")
    created = subprocess.run(["useradd", "-M", "-d", home, "-s", "/usr/sbin/nologin",
                              COOKIE_USER], capture_output=True, text=True)
    if created.returncode != 0:
        skip(name, "cannot create a user: " + created.stderr.strip())
        shutil.rmtree(home, ignore_errors=True)
        return
    pw = pwd.getpwnam(COOKIE_USER)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(home, 0o700)
    sessions = []
    try:
        with XEnv(build) as x:
            x.start_x()
            x.xterm("cookie")
            x.start_agent(LISTS, ["debounce-seconds = 0"], display=False,
                          ready="vigil-agent 0.1.0 started")
            for n, (kind, said) in enumerate([("fifo", "is a FIFO"),
                                              ("zero", "is a symbolic link"),
                                              ("big", "is larger than")]):
                place(home, kind, pw.pw_uid, pw.pw_gid)
                sid = "vigilcookie%d%d" % (os.getpid(), n)
                t0 = time.monotonic_ns()
                sessions.append(write_session(sid, pw.pw_uid, COOKIE_USER, x.display))

                def tamper():
                    return [h for h in x.hits() if h["source"] == "tamper"
                            and h["user"] == COOKIE_USER and said in h["context"]
                            and h["mono_ns"] > t0]
                got = wait_for(tamper, 10)
                took = (got[0]["mono_ns"] - t0) / 1e9 if got else -1
                figures.append("~/.Xauthority %s: tamper capture %.2f s after the session "
                               "appeared" % (kind, took))
                check("~/.Xauthority %s: the monitor starts at once and makes a tamper capture "
                      "(%.2f s)" % (kind, took), got and 0 < took <= 2.0, x.log()[-2000:])
                if got:
                    print("# context: " + got[0]["context"])
                if n == 0:
                    x.new_hits(0)
                    x.type("i hate everyone ")
                    hits = [h for h in x.new_hits(1, settle=0.3) if h["source"] == "typed"]
                    check("~/.Xauthority a FIFO: the session's typed text is still monitored",
                          phrases(hits) == ["hate everyone"] and hits[0]["user"] == COOKIE_USER,
                          hits)
                os.unlink(sessions[-1])
                wait_for(lambda: ("session %s of %s ended" % (sid, COOKIE_USER)) in x.log(), 10)
                time.sleep(0.5)
            check("the agent never hung on a cookie file and is still running",
                  x.agent.poll() is None, x.log()[-1500:])
            n_tamper = len([h for h in x.hits() if h["source"] == "tamper"
                            and h["user"] == COOKIE_USER])
            check("one tamper capture per session with a refused cookie (%d)" % n_tamper,
                  n_tamper == 3, x.hits())
            spooled = [f for f in os.listdir(os.path.join(x.dir, "spool")) if f.endswith(".json")]
            check("the tamper captures are in the spool", len(spooled) >= 3, spooled)
        scenario_cookie_refused(build, home, pw, sessions)
    finally:
        for p in sessions:
            if os.path.exists(p):
                os.unlink(p)
        subprocess.run(["userdel", COOKIE_USER], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def scenario_cookie_refused(build, home, pw, sessions):
    """An X server that wants a cookie, and the pupil's is a FIFO: the monitor cannot get
    in, does not hang, and the session is reported unmonitored (the technician's alarm)."""
    with XEnv(build) as x:
        auth = os.path.join(x.dir, "server.auth")
        subprocess.run(["xauth", "-f", auth, "add", ":0", ".", "0123456789abcdef" * 2],
                       check=True, capture_output=True)
        y = Xvfb(extra=["-auth", auth])
        x.procs.append(y.proc)
        place(home, "fifo", pw.pw_uid, pw.pw_gid)
        x.display = y.display
        x.env = dict(os.environ, DISPLAY=y.display)
        x.start_agent(LISTS, [], display=False, ready="vigil-agent 0.1.0 started")
        sid = "vigilrefused%d" % os.getpid()
        sessions.append(write_session(sid, pw.pw_uid, COOKIE_USER, y.display))
        state = os.path.join(x.dir, "state", "sessions.json")

        def unmonitored():
            try:
                with open(state) as f:
                    s = [s for s in json.load(f) if s["id"] == sid]
            except (OSError, ValueError):
                return None
            return s and s[0]["monitored"] is False
        got = wait_for(unmonitored, 15, 0.2)
        check("a server that refuses the monitor without the cookie: the session is reported "
              "unmonitored (the alarm), the agent goes on", got and x.agent.poll() is None,
              x.log()[-1500:])
        check("... and the refused cookie file is logged",
              "refused: %s/.Xauthority is a FIFO" % home in x.log(), x.log()[-1500:])
        os.unlink(sessions[-1])


def main():
    global ATTACK
    for p in ("Xvfb", "xdotool", "xterm", "xclip", "xauth"):
        if not shutil.which(p):
            print("1..0 # SKIP %s is not installed (tools/deps/agent.txt)" % p)
            return 0
    if not os.path.exists(ATTACK):
        print("1..0 # SKIP %s not built" % ATTACK)
        return 0
    # The attacker runs as the pupil, who cannot enter a build under /root (0700): a copy
    # in a directory of its own that anyone may read.
    copies = tempfile.mkdtemp(prefix="vigil-attack-")
    os.chmod(copies, 0o755)
    shutil.copy(ATTACK, copies)
    ATTACK = os.path.join(copies, os.path.basename(ATTACK))
    try:
        with XEnv(BUILD) as x:
            x.start_x()
            wid_b = x.xterm("pupil-b")
            wid_a = x.xterm("pupil-a")
            x.start_agent(LISTS, ["debounce-seconds = 0"])
            x.activate(wid_a)
            for fn, args in ((scenario_record, (x, wid_a)), (scenario_flip, (x, wid_a, wid_b)),
                             (scenario_grab, (x, wid_a)), (scenario_override, (x, wid_a)),
                             (scenario_clipboard_types, (x,)), (scenario_signals, (x,))):
                try:
                    fn(*args)
                except Exception as e:  # noqa: BLE001 (a failed check)
                    check("%s ran without error" % fn.__name__, False, repr(e))
            check("no attack interrupted the monitor", restarts(x) == 0, x.log()[-1500:])
            rc = x.stop_agent()
            check("agent stops cleanly", rc == 0, rc)
        scenario_cookies(BUILD)
    except Exception as e:  # noqa: BLE001
        check("attacks ran without error", False, repr(e))
    finally:
        shutil.rmtree(copies, ignore_errors=True)
    print("1..%d" % len(results))
    for f in figures:
        print("# " + f)
    bad = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            bad += 1
            for line in str(detail).splitlines()[-30:]:
                print("# " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
