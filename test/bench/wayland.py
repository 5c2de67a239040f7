#!/usr/bin/env python3
# wayland.py: vigil-agent's cost in a Wayland session of headless sway (wlroots) run as an
# ordinary user: the time and CPU of one screenshot through the agent's wlr-screencopy
# grabber (stamped PNG, zlib level 1) against grim (the wlroots screenshot tool) in the
# same run, and the whole agent's idle CPU (clock ticks, target 0) and memory (PSS of all
# its processes) while it watches the session.
# Usage: wayland.py BUILD_ROOT SOURCE_ROOT (VIGIL_BENCH_IDLE_S shortens the idle phase)
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(SRC, "test", "wayland"))
sys.path.insert(0, os.path.join(SRC, "test", "bench"))
from agent import cpu_ticks, mem_kib, pids_of  # noqa: E402
from swaybed import PUPIL, Sway  # noqa: E402

IDLE_S = float(os.environ.get("VIGIL_BENCH_IDLE_S", "30"))
SHOTS = 20


def grim_per_shot(sway, root):
    """Wall and CPU ms per screenshot of grim writing a PNG, over SHOTS runs."""
    out = os.path.join(root, "grim.png")
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    for _ in range(SHOTS):
        sway.grim(out)
    t1 = time.monotonic()
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    return 1000 * (t1 - t0) / SHOTS, 1000 * cpu / SHOTS, os.path.getsize(out)


def main():
    if os.geteuid() != 0:
        print("skipped: the session's compositor runs as another user: needs root")
        return 77
    root = tempfile.mkdtemp(prefix="vigil-bench-wl.")
    os.chmod(root, 0o755)
    sway = Sway(root, 1920, 1080).start()
    agent = None
    try:
        sway.terminal("homework - notes")
        time.sleep(1.5)
        probe = os.path.join(BUILD, "test", "wayland", "wl-probe")
        ours = os.path.join(root, "ours.png")
        r = subprocess.run([probe, "shot", sway.socket, ours, str(SHOTS)], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            print("wl-probe failed: " + r.stderr)
            return 1
        v = json.loads(r.stdout)
        g_ms, g_cpu, g_size = grim_per_shot(sway, root)
        print(f"screenshot 1920x1080 on sway (pixman), {SHOTS} each: vigil {v['ms_per_shot']:.1f} ms, "
              f"{v['cpu_ms_per_shot']:.1f} ms CPU, {os.path.getsize(ours) // 1024} KiB; "
              f"grim {g_ms:.1f} ms, {g_cpu:.1f} ms CPU (its process), {g_size // 1024} KiB; "
              f"vigil/grim time {v['ms_per_shot'] / g_ms:.2f}")

        spool = os.path.join(root, "spool")
        os.makedirs(spool)
        agent = subprocess.Popen(
            [os.path.join(BUILD, "agent", "vigil-agent"), "--config", "/dev/null",
             "--wayland", sway.socket, "--user", PUPIL, "--foreground", "--spool", spool,
             "--state", os.path.join(root, "state"), "--lists",
             os.path.join(SRC, "wordlists"), "--run-as", PUPIL, "--upload-user", PUPIL],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(3)  # lists compiled, the session watched
        pids = pids_of(agent.pid)
        t0 = cpu_ticks(pids)
        time.sleep(IDLE_S)
        ticks = cpu_ticks(pids_of(agent.pid)) - t0
        pss = sum(mem_kib(p)[1] for p in pids_of(agent.pid))
        print(f"agent idle in the Wayland session: {ticks} clock ticks over {IDLE_S:.0f} s "
              f"(target 0); PSS of its {len(pids)} processes {pss / 1024:.1f} MiB")
    finally:
        if agent:
            agent.terminate()
            agent.wait(10)
        sway.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
