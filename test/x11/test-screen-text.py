# test-screen-text.py: viewed text (AT-SPI and OCR) on a real Xvfb with a real session bus
# and the AT-SPI registry: a GTK label, Chromium showing local pages, images of text.
#
# Usage: test-screen-text.py PROBE FIXTURES_DIR   (TAP on stdout)
# The script runs itself again inside dbus-run-session, so the session bus, the
# accessibility bus and the registry are new for each run and go away with it.
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xenv import Skip, XEnv, wait_for  # noqa: E402

PROBE, FIX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
LISTS = os.path.join(FIX, "lists")
SYS_PY = "/usr/bin/python3"  # sees Debian's python3-gi


def browser():
    for b in ("chromium", "chromium-browser"):
        if shutil.which(b):
            return b
    return None


class Probe:
    """screentext-probe on the display: pieces of text in its debug log, hits in a file."""

    def __init__(self, xe, mode, extra=()):
        self.xe = xe
        n = len([f for f in os.listdir(xe.dir) if f.startswith("hits-")])
        self.hits_path = os.path.join(xe.dir, f"hits-{n}.jsonl")
        self.log_path = os.path.join(xe.dir, f"probe-{n}.log")
        self.log = open(self.log_path, "wb")
        self.p = subprocess.Popen(
            [PROBE, "--display", xe.display, "--lists", LISTS, "--hits-out", self.hits_path,
             "--mode", mode, "--debug", "--show-text"] + list(extra),
            env=xe.env, stdout=subprocess.PIPE, stderr=self.log)
        if not wait_for(lambda: "probe: ready" in self.text(), 20):
            raise RuntimeError("probe did not start:\n" + self.text())

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def pieces(self, via, app=None):
        return [ln for ln in self.text().splitlines()
                if f"via {via} from" in ln and (app is None or app.lower() in ln.lower())]

    def hits(self):
        try:
            with open(self.hits_path) as f:
                return [json.loads(ln) for ln in f if ln.strip()]
        except FileNotFoundError:
            return []

    def stop(self):
        self.p.terminate()
        out, _ = self.p.communicate(timeout=30)
        self.log.close()
        try:
            return json.loads(out.decode().strip().splitlines()[-1])
        except (IndexError, ValueError):
            return {}


results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok" if ok else "not ok") + f" {len(results)} - {name}")
    if not ok and detail:
        for line in str(detail).splitlines()[-40:]:
            print("# " + line)
    sys.stdout.flush()


def skip(name, why):
    results.append(True)
    print(f"ok {len(results)} - {name} # SKIP {why}")


def gtk_label(xe):
    pr = Probe(xe, "atspi")
    gtk = subprocess.Popen([SYS_PY, os.path.join(FIX, "gtk-show.py"), "--title", "Class chat"],
                           env=xe.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, text=True)
    xe.procs.append(gtk)
    # the window's first text shows the probe reads it at all
    wait_for(lambda: pr.pieces("atspi"), 20)
    gtk.stdin.write("see you at the river later\n")
    gtk.stdin.flush()
    seen = wait_for(lambda: len(pr.pieces("atspi")) >= 2, 10)
    check("gtk: the label's text is read through AT-SPI", seen, pr.text())
    time.sleep(1)
    check("gtk: innocent label text gives no hit", pr.hits() == [], pr.hits())
    gtk.stdin.write("honestly I want to kill myself\n")
    gtk.stdin.flush()
    hits = wait_for(pr.hits, 10)
    ok = (len(hits) == 1 and hits[0]["source"] == "screen-text"
          and hits[0]["reason"]["phrase"] == "kill myself"
          and "I want to kill myself" in hits[0]["context"]
          and hits[0]["window"]["title"] == "Class chat")
    check("gtk: a label changed to a flagged phrase gives one screen-text hit with context "
          "and window", ok, json.dumps(hits) + "\n" + pr.text())
    # the label changes and comes back: the new text is read, the old is not read again
    gtk.stdin.write("ok see you tomorrow\n")
    gtk.stdin.flush()
    wait_for(lambda: "probe: text: ok see you tomorrow" in pr.text(), 10)
    gtk.stdin.write("honestly I want to kill myself\n")
    gtk.stdin.flush()
    time.sleep(1.5)
    again = pr.text().count("probe: text: honestly I want to kill myself")
    check("gtk: text already scanned is not handed over again",
          again == 1 and "probe: text: ok see you tomorrow" in pr.text() and len(pr.hits()) == 1,
          pr.text())
    gtk.stdin.close()
    gtk.wait(10)
    stats = pr.stop()
    check("gtk: counters", stats.get("atspi_events", 0) > 0 and stats.get("dropped") == 0,
          stats)


def agent_gtk(xe):
    """The real vigil-agent with --screen-text atspi: a flagged label is a screen-text hit."""
    xe.start_agent(LISTS, extra=["--screen-text", "atspi"])
    gtk = subprocess.Popen([SYS_PY, os.path.join(FIX, "gtk-show.py"), "--title", "Group chat"],
                           env=xe.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, text=True)
    xe.procs.append(gtk)
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
    check("agent: --screen-text atspi turns a flagged GTK label into a screen-text hit",
          len(hits) == 1 and hits[0]["window"]["title"] == "Group chat", json.dumps(hits) + "\n"
          + xe.log())
    gtk.stdin.close()
    gtk.wait(10)
    check("agent: stops cleanly with screen text on", xe.stop_agent() == 0, xe.log())


def chromium_page(xe, page, profile):
    b = browser()
    argv = [b, "--force-renderer-accessibility", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-default-browser-check", "--disable-dev-shm-usage",
            "--password-store=basic", f"--user-data-dir={profile}", "--window-size=1000,700",
            "file://" + os.path.join(FIX, page)]
    env = dict(xe.env, ACCESSIBILITY_ENABLED="1")
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    xe.procs.append(p)
    return p


def stop_browser(p):
    try:
        os.killpg(p.pid, 15)
    except ProcessLookupError:
        pass
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.wait()


def browser_pages(xe):
    if not browser():
        skip("chromium: flagged page", "chromium is not installed (tools/deps/screentext.txt)")
        skip("chromium: innocent page", "chromium is not installed")
        return
    for page, flagged in (("innocent.html", False), ("flagged.html", True)):
        pr = Probe(xe, "atspi")
        profile = tempfile.mkdtemp(prefix="chromium-", dir=xe.dir)
        p = chromium_page(xe, page, profile)
        # the page's last sentence shows the page was read (the probe's --show-text)
        read = wait_for(lambda: "probe: text: Please read chapter four" in pr.text(), 90, 0.5)
        time.sleep(2)
        hits = pr.hits()
        stop_browser(p)
        stats = pr.stop()
        if flagged:
            ok = (len(hits) == 1 and hits[0]["source"] == "screen-text"
                  and hits[0]["reason"]["phrase"] == "kill myself"
                  and "just want to kill myself tonight" in hits[0]["context"]
                  # the page title, or its file name while the title is not set yet
                  and ("Reading for class" in hits[0]["window"]["title"]
                       or "flagged.html" in hits[0]["window"]["title"])
                  and hits[0]["window"]["app"].lower() == "chromium")
            check("chromium: a local page with a flagged sentence gives a screen-text hit "
                  "with the page's window", ok, json.dumps(hits) + "\n" + pr.text())
        else:
            check("chromium: the innocent page's text is read", bool(read),
                  json.dumps(stats) + "\n" + pr.text())
            check("chromium: the same page with innocent text gives no hit", hits == [],
                  json.dumps(hits))


def png(xe, name, text):
    path = os.path.join(xe.dir, name)
    subprocess.run(["/usr/bin/convert", "-background", "white", "-fill", "black",
                    "-font", "DejaVu-Sans", "-pointsize", "48", "label:" + text, path],
                   check=True, capture_output=True, timeout=60)
    return path


def ocr(xe):
    if not os.path.exists("/usr/bin/convert"):
        skip("ocr: image of a flagged phrase", "ImageMagick is not installed")
        return
    for name, text, flagged in (
            ("plain.png", "Homework: read the river chapter\nand answer the questions", False),
            ("flagged.png", "Meet me secretly after school\ndo not tell anyone", True)):
        pr = Probe(xe, "ocr", ["--ocr-interval-ms", "1000", "--ocr-budget-pct", "50"])
        wait_for(lambda: pr.pieces("ocr") or "OCR of changed" in pr.text(), 20)
        before = len(pr.pieces("ocr"))
        img = subprocess.Popen([SYS_PY, os.path.join(FIX, "gtk-show.py"), "--title",
                                "picture viewer", "--image", png(xe, name, text)],
                               env=xe.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        xe.procs.append(img)
        read = wait_for(lambda: len(pr.pieces("ocr")) > before or pr.hits(), 60, 0.5)
        time.sleep(2)
        hits = pr.hits()
        img.terminate()
        img.wait(10)
        stats = pr.stop()
        if flagged:
            ok = (len(hits) == 1 and hits[0]["source"] == "screen-text"
                  and hits[0]["reason"]["phrase"] == "meet me secretly"
                  and hits[0]["window"]["title"] == "picture viewer")
            check("ocr: an image of a flagged phrase on the display gives a screen-text hit "
                  "with the window under it", ok, json.dumps(hits) + "\n" + pr.text())
        else:
            check("ocr: the image's text was read", bool(read),
                  json.dumps(stats) + "\n" + pr.text())
            check("ocr: a screen of ordinary text gives no hit", hits == [], json.dumps(hits))


def main():
    if not os.environ.get("VIGIL_SCREEN_TEXT_BUS"):
        if not shutil.which("dbus-run-session"):
            print("1..0 # SKIP dbus-run-session is not installed")
            return 0
        # TAP goes to a copy of stdout; what the bus's services print goes to stderr
        tap = os.dup(1)
        env = dict(os.environ, VIGIL_SCREEN_TEXT_BUS="1", VIGIL_TAP_FD=str(tap))
        env.pop("AT_SPI_BUS_ADDRESS", None)
        return subprocess.call(["dbus-run-session", "--", sys.executable] + sys.argv, env=env,
                               stdout=2, pass_fds=(tap,))
    if os.environ.get("VIGIL_TAP_FD"):
        sys.stdout = os.fdopen(int(os.environ["VIGIL_TAP_FD"]), "w")
    try:
        xe = XEnv(os.environ.get("VIGIL_BUILD_ROOT", "."))
        xe.start_x()
    except Skip as e:
        print(f"1..0 # SKIP {e}")
        return 0
    with xe:
        for case in (gtk_label, agent_gtk, browser_pages, ocr):
            try:
                case(xe)
            except Exception as e:  # a broken case is a failure, the others still run
                check(f"{case.__name__} ran", False, repr(e))
    print(f"1..{len(results)}")
    return 0 if all(results) else 1


sys.exit(main())
