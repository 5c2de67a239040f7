# wltest.py: what the Wayland tests share: TAP checks, the captures and sessions the real
# server reports, the agent's vigil-session processes, and the main() that needs root.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fault"))
sys.path.insert(0, os.path.join(HERE, "..", "x11"))
import capenv  # noqa: E402
from swaybed import HELPER, helpers_of  # noqa: E402
from xenv import wait_for  # noqa: E402

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    return bool(cond)


def image(srv, sha):
    """The stored PNG of a screenshot or frame."""
    with open(os.path.join(srv.data, "images", sha[:2], sha + ".png"), "rb") as f:
        return f.read()


def new_records(srv, seen, want=1, timeout=30, source=None):
    """The captures exported after the first seen (of source, when given), once want of
    them are there or timeout seconds passed."""
    def got():
        recs = srv.export()[seen:]
        return [r for r in recs if source is None or r["source"] == source]
    wait_for(lambda: len(got()) >= want, timeout, 0.3)
    return got()


def sessions(srv):
    """The sessions of the one machine's latest heartbeat."""
    m = srv.machines()
    return m[0].get("sessions", []) if m else []


def helpers(agent, uid):
    """pids of the vigil-session processes the agent started (its monitor's children),
    run from VIGIL_SESSION_HELPER (a test may point it at a copy)."""
    return helpers_of(agent.proc.pid, os.environ.get("VIGIL_SESSION_HELPER", HELPER), uid)


def main(label, run, prefix, programs, why_root):
    """A test's main(): skipped unless root (why_root says why), else capenv's."""
    if os.geteuid() != 0:
        print("1..0 # SKIP " + why_root)
        return 0
    return capenv.tap_main(results, [(label, run)], prefix, programs)
