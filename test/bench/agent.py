#!/usr/bin/env python3
# agent.py: vigil-agent's cost on a real X server: CPU and memory idle and while text is
# typed at 20 keys/s, and keystroke-to-hit latency; with a bare XRecord listener as peer.
# Usage: agent.py BUILD_ROOT SOURCE_ROOT
# (VIGIL_BENCH_IDLE_S, VIGIL_BENCH_TYPE_S and VIGIL_BENCH_LAT_S, seconds, shorten it;
# VIGIL_BENCH_AGENT names another vigil-agent binary, to compare an older build)
import os
import subprocess
import sys
import time

SRC = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("VIGIL_SOURCE_ROOT", "."))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VIGIL_BUILD_ROOT", "build"))
sys.path.insert(0, os.path.join(SRC, "test", "x11"))
from xenv import XEnv, Skip  # noqa: E402

IDLE_S = float(os.environ.get("VIGIL_BENCH_IDLE_S", "60"))
TYPE_S = float(os.environ.get("VIGIL_BENCH_TYPE_S", "60"))
LAT_S = float(os.environ.get("VIGIL_BENCH_LAT_S", "60"))
RATE = 20  # keys per second
BLOCK = "then i said i want to kill myself. we had tea "
LAT_BLOCK = "kill myself. "  # the latency phase: a phrase every 13 keys
PHRASE_END = "kill myself"


def pids_of(root):
    """root and its descendants."""
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def cpu_ns(pids):
    """Time on a CPU of all threads of pids, in ns (schedstat: finer than clock ticks)."""
    total = 0
    for p in pids:
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def cpu_ticks(pids):
    """utime + stime of all threads of pids, in clock ticks (what top and ps count)."""
    total = 0
    for p in pids:
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def mem_kib(pid):
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def measure(pids, seconds, during=None):
    t0, c0 = time.monotonic(), cpu_ns(pids)
    result = during() if during else time.sleep(seconds)
    t1, c1 = time.monotonic(), cpu_ns(pids)
    return 100.0 * (c1 - c0) / 1e9 / (t1 - t0), t1 - t0, result


def typing_text(seconds, block=BLOCK):
    """About `seconds` of typing: Return (a fresh segment), then block repeated."""
    n = int(seconds * RATE)
    text = "\n" + (block * (n // len(block) + 1))[:n - 1]
    triggers = []  # index of the key after each complete phrase
    i = text.find(PHRASE_END)
    while i >= 0 and i + len(PHRASE_END) < len(text):
        triggers.append(i + len(PHRASE_END))
        i = text.find(PHRASE_END, i + 1)
    return text, triggers


def type_at_rate(x, text):
    typer = os.path.join(BUILD, "test", "bench", "agent-typer")
    out = x.run([typer, "--type", str(RATE), text], timeout=len(text) / RATE + 60)
    sent = {}
    for line in out.splitlines():
        i, t = line.split()
        sent[int(i)] = int(t)
    return sent


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def main():
    lists = os.path.join(SRC, "test", "x11", "lists")
    with XEnv(BUILD) as x:
        x.start_x()
        x.xterm("bench")
        if os.environ.get("VIGIL_BENCH_AGENT"):
            x.agent_bin = os.environ["VIGIL_BENCH_AGENT"]
        agent = x.start_agent(lists, ["debounce-seconds = 0"], extra=["--log-level", "info"])
        time.sleep(2)
        pids = pids_of(agent.pid)
        monitor = pids[-1]

        ticks0 = cpu_ticks(pids)
        idle_cpu, idle_s, _ = measure(pids, IDLE_S)
        idle_ticks = cpu_ticks(pids) - ticks0
        idle_rss, idle_pss = mem_kib(monitor)
        parent_rss, parent_pss = mem_kib(agent.pid)

        text, triggers = typing_text(TYPE_S)
        x.new_hits(0)
        ticks0 = cpu_ticks(pids)
        type_cpu, type_s, sent = measure(pids, 0, lambda: type_at_rate(x, text))
        type_ticks = cpu_ticks(pids) - ticks0
        hits = x.new_hits(len(triggers), timeout=10, settle=0.5)
        type_rss, type_pss = mem_kib(monitor)
        lat = [(h["mono_ns"] - sent[t]) / 1e6 for h, t in zip(hits, triggers)]
        reported, expected = len(hits), len(triggers)

        lat_text, lat_triggers = typing_text(LAT_S, LAT_BLOCK)
        lat_sent = type_at_rate(x, lat_text)
        lat_hits = x.new_hits(len(lat_triggers), timeout=10, settle=0.5)
        lat += [(h["mono_ns"] - lat_sent[t]) / 1e6 for h, t in zip(lat_hits, lat_triggers)]
        reported += len(lat_hits)
        expected += len(lat_triggers)
        x.stop_agent()

        # Peer: a bare XRecord client that only counts the same keystrokes.
        listener = subprocess.Popen([os.path.join(BUILD, "test", "bench", "agent-typer"),
                                     "--listen"], env=x.env, stdout=subprocess.PIPE, text=True)
        listener.stdout.readline()
        peer_cpu, _, _ = measure([listener.pid], 0, lambda: type_at_rate(x, text))
        peer_rss, _ = mem_kib(listener.pid)
        listener.terminate()
        listener.wait(10)

    print(f"agent idle:    {idle_cpu:.3f}% of a core over {idle_s:.0f} s "
          f"(target <= 0.1%); {idle_ticks} clock ticks of {os.sysconf('SC_CLK_TCK')}/s "
          f"(target 0)")
    print(f"agent typing:  {type_cpu:.3f}% of a core over {type_s:.0f} s at {RATE} keys/s, "
          f"{len(text)} keys (target <= 1%); {type_ticks} clock ticks")
    print(f"agent memory:  monitor RSS {idle_rss / 1024:.1f} MiB idle, "
          f"{type_rss / 1024:.1f} MiB after typing (PSS {type_pss / 1024:.1f} MiB); "
          f"supervisor RSS {parent_rss / 1024:.1f} MiB (PSS {parent_pss / 1024:.1f} MiB) "
          f"(target RSS <= 15 MB)")
    print(f"hit latency:   {reported} of {expected} phrases reported; keystroke to hit "
          f"p50 {pct(lat, 50):.2f} ms, p90 {pct(lat, 90):.2f} ms, p99 {pct(lat, 99):.2f} ms, "
          f"max {max(lat) if lat else float('nan'):.2f} ms (target p99 <= 5 ms)")
    print(f"peer (bare XRecord listener, same typing): {peer_cpu:.3f}% of a core, "
          f"RSS {peer_rss / 1024:.1f} MiB")
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(load)} at the end "
          f"(latency tails grow when other work competes for the cores)")
    return 0 if reported == expected else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Skip as e:
        print("skipped: " + str(e))
        sys.exit(77)
