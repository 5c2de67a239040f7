#!/usr/bin/env python3
# test-sway-session.py: the pupil's helper (vigil-session) on headless sway with a session
# bus, run as an ordinary user with the real vigil-server: text typed (wtype) into a GTK 3
# entry reaches the agent through AT-SPI and is a typed capture of that window; text typed
# into a password entry is not; killing the helper (the pupil owns it) is a tamper capture
# and a restart the heartbeat counts, and a new helper is running; stopping it (SIGSTOP)
# is tamper once the helper has been silent past its bound; a pupil's program that holds
# org.gnome.Shell is not trusted. TAP output.
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
from wltest import capenv, check, main, new_records, sessions  # noqa: E402
import wltest  # noqa: E402
from agent import cpu_ticks, mem_kib  # noqa: E402
from swaybed import PUPIL, Sway, pupil_file, pupil_ids, pupil_reads  # noqa: E402
from xenv import wait_for  # noqa: E402


def helpers(agent):
    return wltest.helpers(agent, pupil_ids()[0])


def focus_on(agent, app_seen):
    wait_for(lambda: agent.log(since_start=True).count("active toplevel") > app_seen, 15)
    time.sleep(1.5)  # GTK's accessible objects and focus events settle


def run(root):
    sway = Sway(root).start().session_bus()
    srv = capenv.Server(root)
    agent = None
    try:
        srv.start()
        key = srv.admin("school", "add", "Wayland School").stdout.strip()
        agent = capenv.Agent(root, None, srv.url(), key,
                             extra_conf=["moment-seconds = 0", "run-as = " + PUPIL])
        agent.lists = os.path.join(capenv.SRC, "test", "x11", "lists")
        agent.session_args = ["--wayland", sway.socket, "--user", PUPIL]
        os.chmod(root, 0o777)
        # a pupil's program holds org.gnome.Shell before the helper starts
        impostor = os.path.join(root, "impostor.log")
        sway.spawn(["sh", "-c", "exec python3 %s > %s 2>&1" % (
            pupil_file(os.path.join(HERE, "fake-shell.py"), root), impostor)])
        wait_for(lambda: os.path.exists(impostor) and "owning" in open(impostor).read(), 10)
        agent.start(ready="monitoring wayland")
        up = wait_for(lambda: "session helper up" in agent.log(since_start=True), 20)
        check("the helper runs as the pupil and reaches AT-SPI",
              up and "AT-SPI yes" in agent.log(since_start=True) and len(helpers(agent)) == 1,
              agent.log()[-2000:])
        check("a pupil's program holding org.gnome.Shell is not trusted, never asked",
              "GNOME Shell no" in agent.log(since_start=True)
              and "not trusted" in agent.log(since_start=True)
              and "asked" not in open(impostor).read(), agent.log()[-1500:])
        h = helpers(agent)
        check("the pupil cannot read the helper's memory (not dumpable), only the pupil's "
              "own processes'", h and not pupil_reads(h[0], *pupil_ids())
              and pupil_reads(sway.proc.pid, *pupil_ids()))

        # The helper idle: its CPU (clock ticks) over 10 s and its memory.
        t0 = cpu_ticks([h[0]]) if h else 0
        time.sleep(10)
        idle = cpu_ticks([h[0]]) - t0 if h else -1
        print("# vigil-session idle: %d clock ticks over 10 s, PSS %d KiB" % (
            idle, mem_kib(h[0])[1] if h else -1))
        check("the helper is idle when nothing happens (%d ticks in 10 s)" % idle,
              0 <= idle <= 1)

        # 1. Typed into a GTK entry: a typed capture of that window.
        n = agent.log(since_start=True).count("active toplevel")
        sway.gtk_entry("Pupil notes")
        focus_on(agent, n)
        seen = len(srv.export())
        sway.type("i want to kill myself")
        recs = new_records(srv, seen)
        if check("text typed into a GTK entry makes a typed capture (%d)" % len(recs),
                 len(recs) >= 1 and recs[0]["source"] == "typed", agent.log()[-3000:]):
            r = recs[0]
            check("attributed to the entry's window", r["window"]["title"] == "Pupil notes",
                  r["window"])
            check("its context is what was typed", "kill myself" in r["context"], r["context"])
            check("with a screenshot of the session", r["screenshot"]["width"] == sway.size[0])

        # 2. Typed into a password entry: nothing.
        time.sleep(1)
        n = agent.log(since_start=True).count("active toplevel")
        sway.gtk_entry("Sign in", password=True)
        focus_on(agent, n)
        seen = len(srv.export())
        sway.type("i want to kill myself")
        time.sleep(5)
        recs = [r for r in srv.export()[seen:] if r["source"] == "typed"]
        check("text typed into a password entry makes no capture (%d)" % len(recs), not recs,
              recs)

        # 3. The pupil kills the helper: a tamper capture, a restart, a new helper.
        old = helpers(agent)
        seen = len(srv.export())
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        recs = new_records(srv, seen, timeout=30)
        tamper = [r for r in recs if r["source"] == "tamper"]
        check("killing the helper makes a tamper capture (%d)" % len(tamper), len(tamper) == 1,
              agent.log()[-3000:])
        check("the tamper capture says the session helper was killed",
              tamper and "session helper killed" in tamper[0]["context"],
              [t["context"] for t in tamper])
        s = wait_for(lambda: [x for x in sessions(srv) if x.get("restarts_1h", 0) >= 1
                              and x["monitored"]], 20, 0.5)
        check("the heartbeat counts the restart and the session is monitored again", s,
              sessions(srv))
        new = wait_for(lambda: helpers(agent), 10)
        check("a new helper runs (%s, was %s)" % (new, old), new and set(new) != set(old))

        # 4. The pupil stops the helper (SIGSTOP): silent past its bound, it is tamper too.
        time.sleep(1)
        seen = len(srv.export())
        stopped = helpers(agent)
        t = time.monotonic()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        recs = new_records(srv, seen, timeout=60)
        tamper = [r for r in recs if r["source"] == "tamper"]
        check("a stopped helper makes a tamper capture (%d, after %.0f s)" % (
            len(tamper), time.monotonic() - t), len(tamper) == 1, agent.log()[-2000:])
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        check("typed text is nowhere in the agent's log", "kill myself" not in agent.log())
    finally:
        if agent:
            agent.stop()
        srv.stop(signal.SIGKILL)
        sway.cleanup()


if __name__ == "__main__":
    sys.exit(main("sway session test", run, "vigil-wls-",
                  ("sway", "wtype", "dbus-daemon", "python3"),
                  "the session's compositor runs as another user: needs root"))
