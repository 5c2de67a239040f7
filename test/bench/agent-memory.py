#!/usr/bin/env python3
# agent-memory.py: the proportional set size (PSS) of every vigil-agent process, the
# supervisor, each session's monitor and the uploader, with the default phrase lists,
# on Xvfb: one session given with --display, with screen text off, atspi and all (OCR's
# Tesseract and its English model loaded), then two X sessions found through logind's
# state files with screen text off (where no logind runs and we are root; else skipped).
# PSS splits a page between the processes that share it, so its sum over the processes is
# what the agent costs the machine.
# Usage: agent-memory.py BUILD_ROOT SOURCE_ROOT [LISTS]
# (VIGIL_BENCH_AGENT names another vigil-agent binary, to compare an older build in the
# same run; VIGIL_BENCH_SETTLE_S, seconds to let it settle, default 4)
import os
import subprocess
import sys
import time

SRC = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
LISTS = os.path.abspath(sys.argv[3] if len(sys.argv) > 3 else os.path.join(SRC, "wordlists"))
SETTLE = float(os.environ.get("VIGIL_BENCH_SETTLE_S", "4"))
sys.path.insert(0, os.path.join(SRC, "test", "x11"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xenv import XEnv, Skip, wait_for  # noqa: E402
from agent import mem_kib, pids_of  # noqa: E402

SESSIONS = "/run/systemd/sessions"


def comm(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[0].decode(errors="replace").rsplit("/", 1)[-1]
    except OSError:
        return "?"


def measure(x, label):
    time.sleep(SETTLE)
    pids = [p for p in pids_of(x.agent.pid) if comm(p) == "vigil-agent"]
    each = [mem_kib(p)[1] for p in pids]
    print(f"{label}: PSS of {len(pids)} agent processes {sum(each) / 1024:.1f} MiB "
          f"(each: {', '.join(f'{k / 1024:.1f}' for k in each)} MiB)")
    return sum(each)


def config(x, screen_text="off"):
    os.chmod(x.dir, 0o755)  # the uploader's user reaches its spool and state in it
    # an uploader as in production: it runs as its own user (nobody here)
    return ["debounce-seconds = 0", f"screen-text = {screen_text}", "upload-user = nobody"]


def one_session(build_agent, screen_text="off"):
    with XEnv(BUILD) as x:
        x.start_x()
        x.xterm("bench")
        if build_agent:
            x.agent_bin = build_agent
        x.start_agent(LISTS, config(x, screen_text),
                      extra=["--log-level", "info", "--server", "http://127.0.0.1:9",
                             "--enrol-key", "k"])
        x.type("then i said i want to kill myself. we had tea ")
        x.new_hits(1, timeout=10)
        total = measure(x, f"one session, screen text {screen_text}")
        x.stop_agent()
        return total


def two_sessions(build_agent):
    if os.geteuid() != 0 or subprocess.run(["pgrep", "-x", "systemd-logind"],
                                           capture_output=True).returncode == 0:
        print("two sessions: skipped (needs root and no running logind)")
        return None
    os.makedirs(SESSIONS, exist_ok=True)
    sid = f"vigilmem{os.getpid()}"
    paths = []
    try:
        with XEnv(BUILD) as x, XEnv(BUILD) as y:
            x.start_x()
            y.start_x()
            x.xterm("one")
            y.xterm("two")
            if build_agent:
                x.agent_bin = build_agent
            x.start_agent(LISTS, config(x), display=False, ready="started",
                          extra=["--log-level", "info", "--server", "http://127.0.0.1:9",
                                 "--enrol-key", "k"])
            for i, d in enumerate((x.display, y.display)):
                path = os.path.join(SESSIONS, f"{sid}{i}")
                with open(path + ".tmp", "w") as f:
                    f.write(f"UID=0\nUSER=root\nACTIVE=1\nSTATE=active\nREMOTE=0\nTYPE=x11\n"
                            f"CLASS=user\nDISPLAY={d}\nSEAT=seat0\n")
                os.rename(path + ".tmp", path)
                paths.append(path)
            ok = wait_for(lambda: x.log().count("monitoring display") >= 2, 30)
            if not ok:
                print("two sessions: the agent did not monitor both\n" + x.log()[-1500:])
                return None
            x.type("then i said i want to kill myself. we had tea ")
            y.type("then i said i want to kill myself. we had tea ")
            total = measure(x, "two sessions, screen text off")
            x.stop_agent()
            return total
    finally:
        for p in paths:
            if os.path.exists(p):
                os.unlink(p)


def main():
    peer = os.environ.get("VIGIL_BENCH_AGENT")
    for label, binary in (("this build", None), ("peer " + (peer or ""), peer)):
        if binary is None and label != "this build":
            continue
        print(f"== {label}")
        for screen_text in ("off", "atspi", "all"):
            one_session(binary, screen_text)
        two_sessions(binary)
    print("targets: <= 24 MiB with one session, <= 32 MiB with two")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Skip as e:
        print("skipped: " + str(e))
        sys.exit(77)
