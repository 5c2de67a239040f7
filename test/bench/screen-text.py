# screen-text.py: CPU of the screen-text module while a page of text scrolls in Chromium,
# with accessibility (AT-SPI) on and with OCR on; the browser's own CPU as the peer.
#
# Usage: screen-text.py PROBE SOURCE_ROOT   (runs itself inside dbus-run-session)
# VIGIL_BENCH_SCROLL_S shortens the 60 s of scrolling per mode.
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PROBE = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(SRC, "test", "x11"))
from xenv import XEnv, wait_for  # noqa: E402

SCROLL_S = float(os.environ.get("VIGIL_BENCH_SCROLL_S", "60"))
TICK = os.sysconf("SC_CLK_TCK")
LISTS = os.path.join(SRC, "test", "x11", "screen-text", "lists")
WORDS = ("the river flows past the old mill and the children walk along the bank to "
         "school while the teacher reads a chapter about the history of the town").split()


def cpu_s(pids):
    """utime+stime in seconds of the processes (and their threads)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / TICK


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def page(path):
    import random
    rnd = random.Random(8)
    with open(path, "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Long reading"
                "</title></head><body style='font-size:18px'>\n")
        for i in range(400):
            f.write(f"<h3>Part {i}</h3><p>" + " ".join(rnd.choice(WORDS) for _ in range(60))
                    + ".</p>\n")
        f.write("</body></html>\n")


def run_mode(xe, mode, html, extra=()):
    hits = os.path.join(xe.dir, f"hits-{mode}.jsonl")
    log = open(os.path.join(xe.dir, f"probe-{mode}.log"), "wb")
    probe = subprocess.Popen([PROBE, "--display", xe.display, "--lists", LISTS,
                              "--hits-out", hits, "--mode", mode] + list(extra),
                             env=xe.env, stdout=subprocess.PIPE, stderr=log)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=xe.dir)
    browser = subprocess.Popen(
        ["chromium", "--force-renderer-accessibility", "--no-sandbox", "--disable-gpu",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-default-browser-check", "--password-store=basic",
         f"--user-data-dir={profile}", "--window-size=1000,740", "file://" + html],
        env=dict(xe.env, ACCESSIBILITY_ENABLED="1"), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wid = wait_for(lambda: xe.run(["xdotool", "search", "--name", "Long reading"],
                                  check=False).split(), 60, 0.5)
    time.sleep(10)  # the page loads and is read once; then we measure the scrolling
    if wid:
        xe.activate(wid[0])
    xe.run(["xdotool", "mousemove", "500", "400"], check=False)
    p0, b0, t0 = cpu_s([probe.pid]), cpu_s(tree(browser.pid)), time.monotonic()
    end = t0 + SCROLL_S
    steps = 0
    while time.monotonic() < end:
        xe.run(["xdotool", "click", "5"], check=False)  # wheel down: 3 lines
        steps += 1
        if steps % 150 == 0:
            xe.run(["xdotool", "key", "ctrl+Home"], check=False)
        time.sleep(0.2)
    wall = time.monotonic() - t0
    p1, b1 = cpu_s([probe.pid]), cpu_s(tree(browser.pid))
    os.killpg(browser.pid, 15)
    browser.wait(30)
    probe.terminate()
    out, _ = probe.communicate(timeout=30)
    log.close()
    stats = json.loads(out.decode().strip().splitlines()[-1])
    return {"mode": mode, "wall_s": round(wall, 1), "wheel_steps": steps,
            "module_cpu_pct": round(100 * (p1 - p0) / wall, 2),
            "browser_cpu_pct": round(100 * (b1 - b0) / wall, 1), "stats": stats}


def main():
    if not os.environ.get("VIGIL_SCREEN_TEXT_BUS"):
        env = dict(os.environ, VIGIL_SCREEN_TEXT_BUS="1")
        return subprocess.call(["dbus-run-session", "--", sys.executable] + sys.argv, env=env,
                               stderr=subprocess.DEVNULL)
    if not shutil.which("chromium"):
        print("screen-text bench: chromium is not installed (tools/deps/screentext.txt)")
        return 0
    with XEnv(SRC) as xe:
        xe.start_x()
        html = os.path.join(xe.dir, "long.html")
        page(html)
        print(f"screen-text bench: a 400-section page scrolled by the wheel every 200 ms for "
              f"{SCROLL_S:.0f} s per mode; load {os.getloadavg()[0]:.2f}")
        res = [run_mode(xe, "atspi", html),
               run_mode(xe, "ocr", html),
               run_mode(xe, "ocr", html, ["--ocr-budget-pct", "5"])]
        for r in res:
            s = r["stats"]
            budget = "" if r["mode"] == "atspi" else (
                " budget %s%%" % ("5" if r is res[2] else "10"))
            print(f"{r['mode']:6}{budget:12} module CPU {r['module_cpu_pct']:5.2f}% of a core "
                  f"over {r['wall_s']} s; atspi events {s['atspi_events']} pieces "
                  f"{s['atspi_pieces']}; ocr rounds {s['ocr_rounds']} skipped "
                  f"{s['ocr_skipped']} pieces {s['ocr_pieces']}; peer: chromium "
                  f"{r['browser_cpu_pct']}%")
        print("targets: accessibility <= 2% of a core; OCR within its budget")
        print(json.dumps(res))
    return 0


sys.exit(main())
