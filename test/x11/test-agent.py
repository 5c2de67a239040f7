#!/usr/bin/env python3
# test-agent.py: vigil-agent on a real X server (Xvfb): typed text, layouts, window titles,
# the clipboard, segments, debouncing, privacy and a display that goes away. TAP output.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xenv import XEnv, Skip, wait_for  # noqa: E402

SRC = os.environ.get("VIGIL_SOURCE_ROOT",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("VIGIL_BUILD_ROOT", os.path.join(SRC, "build"))
LISTS = os.path.join(SRC, "test", "x11", "lists")
DEBOUNCE_S = 2

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    return bool(cond)


def phrases(hits):
    return [h["reason"]["phrase"] for h in hits]


def pause_for_debounce():
    time.sleep(DEBOUNCE_S + 0.3)


def scenario_typed(x):
    x.type("i want to kill myself ")
    hits = x.new_hits(1, settle=0.3)
    ok = len(hits) == 1 and hits[0]["reason"]["phrase"] == "kill myself"
    h = hits[0] if hits else {}
    check("typed phrase gives one hit", ok, hits)
    check("hit has source typed, rule, matched text and context",
          h.get("source") == "typed" and h.get("reason", {}).get("rule") == "concern.txt:5"
          and h.get("reason", {}).get("matched") == "kill myself"
          and "want to kill myself" in h.get("context", ""), h)
    check("hit carries the window title and app",
          h.get("window", {}).get("title") == "pupil-a" and h.get("window", {}).get("app") == "xterm",
          h.get("window"))
    check("hit is logged without the typed text",
          "rule concern.txt:5 source typed" in x.log() and "want to kill" not in x.log())
    x.key("Return")


def scenario_leet(x):
    pause_for_debounce()
    x.type("k1ll mys3lf")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    check("leetspeak phrase is found", phrases(hits) == ["kill myself"]
          and hits[0]["reason"]["matched"] == "k1ll mys3lf", hits)


def scenario_stretched(x):
    pause_for_debounce()
    x.type("i h8 u and i haaaate    everyyyyone. ")
    hits = x.new_hits(1, settle=0.3)
    check("stretched letters and extra spaces are seen through",
          phrases(hits) == ["hate everyone"], hits)
    x.key("Return")


def scenario_backspace(x):
    pause_for_debounce()
    x.type("i will kill mysalf")
    x.key("BackSpace", "BackSpace", "BackSpace")
    x.type("elf")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    check("phrase corrected with Backspace is found",
          phrases(hits) == ["kill myself"] and hits[0]["reason"]["matched"] == "kill myself",
          hits)
    pause_for_debounce()
    # A flagged phrase deleted before it was finished is not reported.
    x.type("kill mys")
    x.key(*["BackSpace"] * 8)
    x.type("a cat ")
    x.key("Return")
    hits = x.new_hits(1, timeout=2.5)
    check("phrase deleted with Backspace is not reported", hits == [], hits)


def scenario_cursor_delete(x):
    pause_for_debounce()
    x.type("meet me secretlyx")
    x.key("Left", "Delete", "End")
    x.type(" ok")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    check("Left and Delete edit the segment",
          phrases(hits) == ["meet me secretly"]
          and hits[0]["reason"]["matched"] == "meet me secretly", hits)


def scenario_idle(x):
    pause_for_debounce()
    t0 = time.monotonic()
    x.type("blue whale challenge")  # no key after the last letter
    hits = x.new_hits(1, timeout=6)
    took = time.monotonic() - t0
    check("phrase typed last is reported after a short pause", phrases(hits) == [
          "blue whale challenge"] and took < 5, (hits, took))
    x.key("Return")
    pause_for_debounce()
    x.type("blue whale ")
    time.sleep(1.6)  # longer than the idle scan: the segment goes on
    x.type("challenge ")
    hits = x.new_hits(1, settle=0.3)
    check("phrase spanning a pause between words is found",
          phrases(hits) == ["blue whale challenge"], hits)
    x.key("Return")


def scenario_capslock(x):
    pause_for_debounce()
    x.key("Caps_Lock")
    x.type("hate everyone")
    x.key("Caps_Lock")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    check("Caps Lock is decoded", phrases(hits) == ["hate everyone"]
          and hits[0]["reason"]["matched"] == "HATE EVERYONE", hits)


def scenario_uk(x):
    pause_for_debounce()
    x.run(["setxkbmap", "gb"])
    time.sleep(0.5)
    x.type('send me £50 for pics and "knife crime" ')
    x.key("Return")
    hits = x.new_hits(2, settle=0.3)
    pause_for_debounce()
    x.type("i hat")
    x.key("ISO_Level3_Shift+4")  # AltGr+4 is the euro sign on a UK keyboard
    x.type(" everyone ")
    x.key("Return")
    altgr = x.new_hits(1, settle=0.3)
    x.run(["setxkbmap", "us"])
    time.sleep(0.5)
    check("UK layout: AltGr+4 decoded as the euro sign",
          phrases(altgr) == ["hate everyone"] and altgr[0]["reason"]["matched"] == "hat€ everyone",
          altgr)
    ctx = hits[-1]["context"] if hits else ""
    check("UK layout: both phrases found", sorted(phrases(hits)) == sorted(
        ['"knife crime"', "£50 for pics"]), hits)
    check("UK layout: £ and \" decoded from the gb keymap",
          '£50 for pics and "knife crime"' in ctx, ctx)


def scenario_dead_keys(x):
    pause_for_debounce()
    x.run(["setxkbmap", "us", "-variant", "intl"])
    time.sleep(0.5)
    x.type("i hate ")
    x.key("dead_acute", "e")
    x.type("veryone ")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    x.run(["setxkbmap", "us"])
    time.sleep(0.5)
    check("dead keys are combined (US international: dead acute + e)",
          phrases(hits) == ["hate everyone"] and hits[0]["reason"]["matched"] == "hate éveryone",
          hits)


def scenario_autorepeat(x):
    """A held key repeats (the server sends more presses of it before one release): the
    repeated letters are in the text, as the application shows them, and the key is not
    left held afterwards."""
    if not check_tool(x, "xset"):
        return
    x.run(["xset", "r", "on"])
    x.run(["xset", "r", "rate", "200", "30"])
    pause_for_debounce()
    x.type("i hat")
    x.run(["xdotool", "keydown", "e"])
    time.sleep(0.8)
    x.run(["xdotool", "keyup", "e"])
    x.type(" everyone ")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    m = hits[0]["reason"]["matched"] if hits else ""
    check("a held letter repeats in the text, as the application shows it",
          phrases(hits) == ["hate everyone"] and m.startswith("hateee") and m.endswith(" everyone"),
          hits)
    pause_for_debounce()
    x.type("i hate everyone ")
    x.key("Return")
    hits = x.new_hits(1, settle=0.3)
    check("after a held key the next keys decode normally",
          phrases(hits) == ["hate everyone"] and hits[0]["reason"]["matched"] == "hate everyone",
          hits)


def scenario_title(x, wid):
    x.run(["xdotool", "set_window", "--name", "How to make a bomb - Search", wid])
    hits = x.new_hits(1, settle=0.3)
    check("window renamed to a flagged title gives a window-title hit",
          phrases(hits) == ["how to make a bomb"] and hits[0]["source"] == "window-title"
          and hits[0]["window"]["title"] == "How to make a bomb - Search", hits)
    x.run(["xdotool", "set_window", "--name", "pupil-a", wid])


def scenario_clipboard(x):
    if not check_tool(x, "xclip"):
        return
    x.copy_to_clipboard("where to buy cheap pills online\n")
    hits = x.new_hits(1, settle=0.3)
    check("flagged clipboard copy gives a clipboard hit",
          phrases(hits) == ["buy cheap pills"] and hits[0]["source"] == "clipboard"
          and "buy cheap pills online" in hits[0]["context"], hits)


def scenario_primary(x):
    """Text selected and pasted with a middle click goes through PRIMARY, not CLIPBOARD."""
    if not check_tool(x, "xclip"):
        return
    pause_for_debounce()
    subprocess.run(["xclip", "-selection", "primary"], env=x.env,
                   input=b"where to buy cheap pills today\n", stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30, check=True)
    hits = x.new_hits(1, settle=0.3)
    check("flagged PRIMARY selection (middle-click paste) gives a clipboard hit",
          phrases(hits) == ["buy cheap pills"] and hits[0]["source"] == "clipboard"
          and "cheap pills today" in hits[0]["context"], hits)


def scenario_clipboard_trickle(x):
    """An owner that trickles INCR chunks cannot stall clipboard monitoring: the transfer
    has one deadline, 3 s after it started, and the next copy is scanned."""
    helper = os.path.join(BUILD, "test", "x11", "clip-trickle")
    if not check(f"{helper} built", os.path.exists(helper)):
        return
    pause_for_debounce()
    before = x.log().count("did not finish within")
    p = subprocess.Popen([helper], env=x.env, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    try:
        p.stdout.readline()  # "owner"
        t0 = time.monotonic()
        cut = wait_for(lambda: x.log().count("did not finish within") > before, 10)
        took = time.monotonic() - t0
        check("a trickling INCR owner is cut off 3 s after the request (%.1f s)" % took,
              cut and took < 4.5, x.log()[-1500:])
        x.copy_to_clipboard("where to buy cheap pills now\n")
        hits = x.new_hits(1, settle=0.3)
        check("the copy after a trickling owner is scanned",
              phrases(hits) == ["buy cheap pills"], hits)
    finally:
        p.kill()
        p.wait()


def scenario_clipboard_large(x):
    """A large copy comes in INCR chunks; only the first clipboard-max-bytes are scanned."""
    # About 5 MB: more than one request can carry, so the owner sends it in INCR chunks.
    filler = "lorem ipsum dolor sit amet " * 200000
    pause_for_debounce()
    x.copy_to_clipboard("how to make a bomb " + filler)
    hits = x.new_hits(1, settle=0.3)
    check("large clipboard copy (INCR) is read and scanned",
          phrases(hits) == ["how to make a bomb"] and hits[0]["source"] == "clipboard"
          and "comes in chunks (INCR)" in x.log(), hits)
    pause_for_debounce()  # so that debouncing cannot hide a hit
    x.copy_to_clipboard(filler + " buy cheap pills")
    hits = x.new_hits(1, timeout=4)
    check("clipboard text beyond clipboard-max-bytes is not scanned", hits == [], hits)


def check_tool(x, name):
    import shutil
    return check(f"{name} available", shutil.which(name))


def scenario_innocent(x):
    pause_for_debounce()
    x.type("the skills test went well, i love my family and killer whales ")
    x.key("Return")
    x.type("my self portrait is blue ")
    x.key("Return")
    hits = x.new_hits(1, timeout=3)
    check("innocent text gives no hit", hits == [], hits)


def scenario_split(x, wid_a, wid_b):
    pause_for_debounce()
    x.type("i hate ")
    x.activate(wid_b)
    x.type("everyone ")
    x.key("Return")
    x.activate(wid_a)
    x.type("everyone ")
    x.key("Return")
    hits = x.new_hits(1, timeout=3)
    check("phrase split across two windows gives no hit", hits == [], hits)


def scenario_click(x):
    pause_for_debounce()
    x.type("kill ")
    x.run(["xdotool", "click", "1"])
    time.sleep(0.2)
    x.type("myself ")
    x.key("Return")
    hits = x.new_hits(1, timeout=3)
    check("a mouse click ends the segment", hits == [], hits)


def scenario_debounce(x):
    pause_for_debounce()
    x.type("hate everyone. ")
    x.key("Return")
    x.type("really hate everyone ")
    x.key("Return")
    hits = x.new_hits(1, timeout=5, settle=1.5)
    check("same rule in the same window within the interval: one hit",
          phrases(hits) == ["hate everyone"], hits)


def scenario_privacy(x, started):
    secret = "zebra quantum marmalade seventeen"
    x.type(secret + " ")
    x.key("Return")
    x.type("ostrich " + secret)
    time.sleep(1.5)
    rc = x.stop_agent()
    check("agent stops cleanly on SIGTERM", rc == 0, rc)
    found = []
    roots = [x.dir, "/tmp", "/var/tmp", "/run", "/var/log", os.path.expanduser("~")]
    for root in roots:
        for dirpath, dirnames, files in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".X11") and d != "proc"]
            for fn in files:
                p = os.path.join(dirpath, fn)
                try:
                    st = os.lstat(p)
                    if not os.path.isfile(p) or os.path.islink(p) or st.st_mtime < started \
                            or st.st_size > 50 * 1024 * 1024:
                        continue
                    with open(p, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if p.endswith("test-agent.py"):
                    continue
                for needle in (b"quantum marmalade", b"zebra quantum", b"q u a n t u m"):
                    if needle in data:
                        found.append(p)
    # The test runner's own log of this script's output is not the agent's.
    found = [p for p in found if "meson-logs" not in p]
    check("typed text is nowhere on disk or in the debug log", not found, found)
    mode = os.stat(x.hits_path).st_mode & 0o777 if os.path.exists(x.hits_path) else None
    check("hits-out file is mode 0600", mode == 0o600, oct(mode or 0))


def scenario_no_record_then_gone(build):
    """Without RECORD the agent still watches keys and titles; a display that goes away is not a
    crash, and the agent picks the display up again when it returns."""
    with XEnv(build) as y:
        y.start_x(extra=["-extension", "RECORD"])
        number = y.display[1:]
        wid = y.xterm("lonely")
        y.start_agent(LISTS)
        y.run(["xdotool", "set_window", "--name", "buy cheap pills", wid])
        hits = y.new_hits(1)
        check("without RECORD window titles are scanned",
              phrases(hits) == ["buy cheap pills"], hits)
        # (this Xvfb has no XTEST either, so nothing can be typed here)
        check("without RECORD the agent still watches keys (XInput 2 raw events)",
              "typed text is not monitored" not in y.log(), y.log()[-1500:])

        y.xvfb.terminate()
        y.xvfb.wait(10)
        gone = wait_for(lambda: "went away" in y.log(), 10)
        time.sleep(1.0)
        check("display going away is logged, not a crash",
              gone and y.agent.poll() is None, y.log()[-2000:])

        y.start_x(number=number)
        back = wait_for(lambda: y.log().count("monitoring display") >= 2, 60)
        check("agent monitors the display again when it returns", back, y.log()[-2000:])
        y.xterm("again")
        time.sleep(0.5)
        y.type("i hate everyone ")
        hits = y.new_hits(1)
        check("typed text is monitored on the returned display",
              phrases(hits) == ["hate everyone"], hits)
        rc = y.stop_agent()
        check("agent stops cleanly after its display came back", rc == 0, rc)


def scenario_reload(build):
    """SIGHUP swaps the phrase lists in a running agent; broken lists are refused and the
    lists in use stay."""
    import shutil
    import signal
    with XEnv(build) as y:
        lists = os.path.join(y.dir, "lists")
        os.makedirs(lists)
        shutil.copy(os.path.join(LISTS, "concern.txt"), lists)
        y.start_x()
        y.xterm("reload")
        y.start_agent(lists, ["debounce-seconds = 0"])
        y.type("the purple otter dance ")
        y.key("Return")
        check("reload: a phrase not yet listed gives no hit", y.new_hits(1, timeout=2.5) == [])
        with open(os.path.join(lists, "extra.txt"), "w") as f:
            f.write("@category test-extra\npurple otter\n")
        y.agent.send_signal(signal.SIGHUP)
        ok = wait_for(lambda: "lists reloaded for display" in y.log(), 15)
        y.type("the purple otter dance ")
        y.key("Return")
        hits = y.new_hits(1)
        check("reload: SIGHUP brings in a new list", ok and phrases(hits) == ["purple otter"]
              and hits[0]["reason"]["category"] == "test-extra", hits)
        with open(os.path.join(lists, "broken.txt"), "w") as f:
            f.write("@category test-broken\n@severity 9\nsome phrase\n")
        y.agent.send_signal(signal.SIGHUP)
        refused = wait_for(lambda: "broken.txt:2:" in y.log() and "refused" in y.log(), 15)
        y.type("a purple otter again ")
        y.key("Return")
        hits = y.new_hits(1)
        check("reload: broken lists are refused with FILE:LINE and the lists in use stay",
              refused and phrases(hits) == ["purple otter"] and y.agent.poll() is None,
              y.log()[-1500:])
        check("reload: a refused list is logged once",
              y.log().count("broken.txt:2:") == 1, y.log()[-1500:])


LOGIND_SESSIONS = "/run/systemd/sessions"


def logind_running():
    r = subprocess.run(["pgrep", "-x", "systemd-logind"], capture_output=True)
    return r.returncode == 0


def scenario_logind(build):
    """Sessions from logind's state files, read by the real sd-login: a new X11 session
    gets a monitor, an ended one loses it, other session types are ignored. Only where no
    logind runs (a container, CI) and /run/systemd is ours to write."""
    name = "skip: sessions from logind"
    if os.geteuid() != 0 or logind_running():
        results.append((name + " # SKIP needs root and no running logind", True, ""))
        return
    os.makedirs(LOGIND_SESSIONS, exist_ok=True)
    sid = f"vigiltest{os.getpid()}"
    tty_sid = sid + "tty"
    paths = [os.path.join(LOGIND_SESSIONS, n) for n in (sid, tty_sid)]

    def write_session(path, typ, display):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"UID=0\nUSER=root\nACTIVE=1\nSTATE=active\nREMOTE=0\nTYPE={typ}\n"
                    f"CLASS=user\nDISPLAY={display}\nSEAT=seat0\n")
        os.rename(tmp, path)

    try:
        with XEnv(build) as y:
            y.start_x()
            y.xterm("logind")
            y.start_agent(LISTS, display=False, ready="vigil-agent 0.1.0 started")
            write_session(paths[1], "tty", "")
            write_session(paths[0], "x11", y.display)
            ok = wait_for(lambda: "monitoring display " + y.display in y.log(), 30)
            check("logind: a new X11 session gets a monitor", ok, y.log()[-1500:])
            check("logind: a tty session is ignored", tty_sid not in y.log(), y.log()[-1500:])
            y.type("i hate everyone ")
            hits = y.new_hits(1)
            check("logind: the session's typed text is monitored, attributed to its user",
                  phrases(hits) == ["hate everyone"] and hits[0]["user"] == "root", hits)
            os.unlink(paths[0])
            ended = wait_for(lambda: f"session {sid} of root ended" in y.log()
                             and "stopped monitoring display " + y.display in y.log(), 30)
            check("logind: a logout stops that session's monitor", ended, y.log()[-1500:])
            check("logind: the agent goes on after the logout", y.agent.poll() is None)
            rc = y.stop_agent()
            check("logind: agent stops cleanly", rc == 0, rc)
    finally:
        for p in paths:
            if os.path.exists(p):
                os.unlink(p)


def main():
    started = time.time() - 1
    try:
        with XEnv(BUILD) as x:
            x.start_x()
            wid_b = x.xterm("pupil-b")
            wid_a = x.xterm("pupil-a")
            x.start_agent(LISTS, [f"debounce-seconds = {DEBOUNCE_S}", "idle-flush-ms = 1000"])
            x.activate(wid_a)
            for fn in (scenario_typed, scenario_leet, scenario_stretched, scenario_backspace,
                       scenario_cursor_delete, scenario_idle, scenario_capslock, scenario_uk,
                       scenario_dead_keys, scenario_autorepeat):
                fn(x)
            scenario_title(x, wid_a)
            scenario_clipboard(x)
            scenario_primary(x)
            scenario_clipboard_trickle(x)
            scenario_clipboard_large(x)
            scenario_innocent(x)
            scenario_split(x, wid_a, wid_b)
            scenario_click(x)
            scenario_debounce(x)
            scenario_privacy(x, started)
            if any(not ok for _, ok, _ in results):
                sys.stderr.write("---- agent log ----\n" + x.log()[-6000:] + "\n")
        scenario_no_record_then_gone(BUILD)
        scenario_reload(BUILD)
        scenario_logind(BUILD)
    except Skip as e:
        print("1..0 # SKIP " + str(e))
        return 77
    except Exception as e:  # a broken environment is a failure, with its reason
        results.append(("environment", False, repr(e)))
    print(f"1..{len(results)}")
    for i, (name, ok, detail) in enumerate(results, 1):
        if name.startswith("skip: "):
            print(f"ok {i} - {name[6:]}")
            continue
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            for line in str(detail).splitlines()[:20]:
                print("# " + line)
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
