#!/usr/bin/env python3
# test-moment.py: one flagged moment makes one capture, on real X: Xvfb + openbox + xterm,
# vigil-server and vigil-agent, typed with xdotool. All hits of a typed message make one
# capture listing them (nested hits dropped); a further hit in the window a moment later
# amends the spooled capture; a hit lowered by context says what lowered it; a message
# typed in pieces over lines is matched as one and its context shows the line before;
# every hit keeps its own source and words, and a hit that joins after the screenshot
# has a frame of its own that shows its words (read back with tesseract). TAP output.
import datetime
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fault"))
import capenv  # noqa: E402
from pixels import png_text  # noqa: E402
from xenv import wait_for  # noqa: E402

results = []
MOMENT_S = 4


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    return bool(cond)


def scan(text, lists):
    """The hits vigil-wordlist reports for one line."""
    p = subprocess.run([os.path.join(capenv.BUILD, "agent", "vigil-wordlist"), "scan", "--json",
                        "--lists", lists], input=text + "\n", capture_output=True, text=True,
                       timeout=60, check=True)
    return json.loads(p.stdout.splitlines()[0])["hits"]


def expected_moment(hits):
    """The hits one capture lists: a hit wholly inside another of the same category goes
    (of two with one span the more severe stays, or the first)."""
    kept = []
    for h in hits:
        def inside(a, b):
            return (a["category"] == b["category"] and b["start"] <= a["start"]
                    and a["end"] <= b["end"])
        if any(inside(h, k) and not (inside(k, h) and h["severity"] > k["severity"])
               for k in kept):
            continue
        kept = [k for k in kept if not inside(k, h)] + [h]
    return kept


def offsets_ok(rec):
    """Each hit with offsets names its matched text in its own context (byte offsets)."""
    for h in rec.get("hits", []):
        if h["start"] is None:
            continue
        ctx = h.get("context", rec["context"]).encode()
        if ctx[h["start"]:h["end"]].decode().lower() != h["matched"].lower():
            return False
    return True


def new_records(srv, seen, want, timeout):
    wait_for(lambda: len(srv.export()) - seen >= want, timeout, 0.3)
    time.sleep(1.0)  # a further capture would have arrived by now
    return srv.export()[seen:]


def one_message(x, srv, sentence, lists):
    """Types one message; checks it makes one capture listing all of its hits."""
    want = expected_moment(scan(sentence, lists))
    seen = len(srv.export())
    x.type(sentence)
    x.key("Return")
    recs = new_records(srv, seen, 1, 30)
    check("'%s' typed: exactly one capture (%d; %d hits in the lists, %d not nested)"
          % (sentence, len(recs), len(scan(sentence, lists)), len(want)),
          len(recs) == 1, [r.get("reason") for r in recs])
    if not recs:
        return
    rec = recs[0]
    got = [(h["category"], h["severity"], h["phrase"], h["rule"], h["matched"])
           for h in rec.get("hits", [])]
    check("'%s': its hits are every hit of the message, nested ones dropped" % sentence,
          got == [(h["category"], h["severity"], h["phrase"], h["rule"], h["matched"])
                  for h in want], (got, want))
    top = max(want, key=lambda h: h["severity"]) if want else {}
    check("'%s': reason is the most severe hit" % sentence,
          rec["reason"]["severity"] == top.get("severity")
          and rec["reason"]["phrase"] == top.get("phrase"), rec["reason"])
    check("'%s': hits' offsets point at their text in the context" % sentence,
          rec.get("hits") and offsets_ok(rec)
          and all(h["start"] is not None for h in rec["hits"]), rec)


def explained(x, srv, sentence, lists):
    """Types a message whose hit context lowers; the capture says what lowered it, and
    which rules, as vigil-wordlist scan does."""
    want = expected_moment(scan(sentence, lists))
    keys = ("phrase", "severity", "rule", "base_severity", "why", "context_rule")
    check("'%s': the lists lower its hit (%s)" % (sentence, [h.get("why") for h in want]),
          want and all(h.get("why") and h["base_severity"] > h["severity"] for h in want), want)
    seen = len(srv.export())
    x.type(sentence)
    x.key("Return")
    recs = new_records(srv, seen, 1, 30)
    check("'%s' typed: one capture (%d)" % (sentence, len(recs)), len(recs) == 1,
          [r.get("reason") for r in recs])
    if not recs:
        return
    rec = recs[0]
    got = [{k: h.get(k) for k in keys} for h in rec.get("hits", [])]
    check("'%s': each hit of the capture on the server says what lowered it and names its "
          "rules" % sentence, got == [{k: h.get(k) for k in keys} for h in want], (got, want))
    top = max(want, key=lambda h: h["severity"]) if want else {}
    check("'%s': the reason explains its severity (%s)" % (sentence, rec["reason"].get("why")),
          {k: rec["reason"].get(k) for k in keys} == {k: top.get(k) for k in keys}
          and "'lol'" in rec["reason"].get("why", ""), (rec["reason"], top))
    # The screenshot stands on its own: its text chunks say what lowered the reason.
    sha = rec["screenshot"]["sha256"]
    with open(os.path.join(srv.data, "images", sha[:2], sha + ".png"), "rb") as f:
        text = png_text(f.read())
    # The PNG is stamped with the reason at the time of the screenshot; on a loaded machine
    # a hit of the same severity may arrive after it and become the record's reason, so
    # the stamped hit is looked up among the record's hits rather than assumed to be top.
    stamped = [h for h in rec.get("hits", [])
               if text.get("Vigil Reason") == "%s severity %d: %s (%s)"
               % (h["category"], h["severity"], h["phrase"], h["rule"])]
    check("'%s': the PNG's Vigil Why chunk says what lowered its reason and which rule" % sentence,
          len(stamped) == 1 and stamped[0].get("why")
          and text.get("Vigil Why") == "%s (rule %s)" % (stamped[0]["why"],
                                                         stamped[0]["context_rule"]),
          (text, rec.get("hits")))


def ocr(path):
    """The words tesseract reads in a PNG, enlarged three times first (lower case)."""
    big = path + ".big.png"
    subprocess.run(["convert", path, "-scale", "300%", big], check=True, timeout=60)
    out = subprocess.run(["tesseract", big, "-", "--psm", "6"], capture_output=True,
                         text=True, timeout=120)
    return " ".join(out.stdout.lower().split())


def image_path(srv, sha):
    return os.path.join(srv.data, "images", sha[:2], sha + ".png")


def evidence(x, srv, root):
    """Two messages a second apart in one window make one capture in which every hit keeps
    its own source, words and a screenshot taken at or after it."""
    first, second = "i just want to k1ll mys3lf tonight", "dont tell your parents about our chats ok"
    title = "evidence-chat"
    # A terminal that shows what is typed, in a font OCR reads.
    x.spawn(["xterm", "-T", title, "-geometry", "60x6+0+0", "-fa", "DejaVu Sans Mono",
             "-fs", "14", "-e", "sh", "-c", "cat >/dev/null"])
    wid = wait_for(lambda: x.run(["xdotool", "search", "--name", "^" + title + "$"],
                                 check=False).split(), 20)
    if not check("a terminal for the evidence test maps", wid):
        return
    x.activate(wid[0])
    seen = len(srv.export())
    x.type(first)
    x.key("Return")
    time.sleep(1.0)
    x.type(second)
    x.key("Return")
    recs = new_records(srv, seen, 1, 30)
    time.sleep(MOMENT_S)  # the moment closes; nothing more may arrive
    recs = srv.export()[seen:]
    check("two messages a second apart in one window: one capture (%d)" % len(recs),
          len(recs) == 1, [r.get("reason") for r in recs])
    if not recs:
        return
    rec = recs[0]
    hits = {h["category"]: h for h in rec.get("hits", [])}
    sh, gr = hits.get("self-harm", {}), hits.get("grooming", {})
    check("the capture lists the self-harm and the grooming hit (%s)" % sorted(hits),
          sh and gr and gr.get("severity") == 5, rec.get("hits"))
    check("each hit says it was typed", sh.get("source") == "typed"
          and gr.get("source") == "typed", rec.get("hits"))
    check("the grooming hit keeps its own words as context",
          "dont tell your parents" in gr.get("context", "")
          and gr["context"].encode()[gr["start"]:gr["end"]].decode() == gr.get("matched"), gr)
    check("the self-harm hit keeps its words", "k1ll mys3lf" in sh.get("context", ""), sh)
    frames = rec.get("frames", [])
    check("a frame was added for the hit that joined after the screenshot (%d frame(s); "
          "self-harm on %s, grooming on %s)" % (len(frames), sh.get("frame"), gr.get("frame")),
          len(frames) >= 1 and sh.get("frame") == 0 and gr.get("frame", 0) >= 1, rec)
    if not frames or gr.get("frame", 0) < 1:
        return
    frame = frames[gr["frame"] - 1]
    check("the frame was taken at or after the grooming hit and after the capture's time",
          frame.get("time", "") >= rec["time"], (frame.get("time"), rec["time"]))
    shot, later = image_path(srv, rec["screenshot"]["sha256"]), image_path(srv, frame["sha256"])
    check("the frame's image is stored", os.path.exists(later), later)
    if not os.path.exists(later):
        return
    with open(later, "rb") as f:
        stamp = png_text(f.read())
    check("the frame is stamped with the grooming hit", "grooming severity 5" in
          stamp.get("Vigil Reason", ""), stamp)
    before, after = ocr(shot), ocr(later)
    check("OCR: the screenshot shows the first message, not the second",
          "mys3lf" in before.replace(" ", "") and "parents" not in before, before)
    check("OCR: the grooming hit's frame shows its words",
          "tell your parents" in after, after)


def run(root):
    with capenv.server_and_display(root, "Moment School") as (srv, key, x):
        x.xterm("moment-chat")
        agent = capenv.Agent(root, x.display, srv.url(), key,
                             extra_conf=["moment-seconds = %d" % MOMENT_S])
        default_lists = os.path.join(capenv.SRC, "wordlists")
        test_lists = os.path.join(capenv.SRC, "test", "x11", "lists")
        agent.lists = default_lists
        agent.start()
        try:
            # 1. One typed message with several hits (default lists) -> one capture.
            for sentence in ("send me nudes tonight", "how to make a pipe bomb"):
                one_message(x, srv, sentence, default_lists)
                time.sleep(MOMENT_S + 0.5)
            explained(x, srv, "maths test tomorrow, i will kill myself lol", default_lists)
            time.sleep(MOMENT_S + 0.5)
            agent.stop()
            time.sleep(0.5)

            # 2. A further hit in the window a moment later amends the spooled capture.
            agent.lists = test_lists
            agent.start()
            seen = len(srv.export())
            x.type("i hate everyone")
            x.key("Tab")
            spooled = wait_for(lambda: agent.spool_files(), 5, 0.02)
            lag = None
            if spooled:
                path = os.path.join(agent.spool, spooled[0])
                with open(path) as f:
                    hit_time = json.load(f)["time"]
                when = datetime.datetime.fromisoformat(hit_time.replace("Z", "+00:00"))
                lag = os.stat(path).st_mtime - when.timestamp()
            check("the capture is durable in the spool within 1 s of its hit (%s s)"
                  % ("%.2f" % lag if lag is not None else "-"),
                  lag is not None and lag < 1.0, agent.log()[-1500:])
            time.sleep(0.5)
            x.type("i want to kill myself")
            x.key("Tab")
            recs = new_records(srv, seen, 1, 30)
            check("two hits in one window within seconds: one capture (%d)" % len(recs),
                  len(recs) == 1, [r.get("reason") for r in recs])
            if recs:
                rec = recs[0]
                check("the amended capture lists both hits, the most severe as reason",
                      [h["phrase"] for h in rec.get("hits", [])] == ["hate everyone", "kill myself"]
                      and rec["reason"]["phrase"] == "kill myself"
                      and rec["reason"]["severity"] == 5, rec.get("hits"))
                check("the context is the reason's; each hit keeps its own words",
                      "kill myself" in rec["context"] and offsets_ok(rec)
                      and "hate everyone" in rec["hits"][0].get("context", ""), rec)
            check("amended spool files are whole records, uploaded once", not agent.spool_files()
                  and len(set(r["id"] for r in srv.export())) == len(srv.export()))

            # 3. Once the moment has closed, a hit in the same window is a new capture.
            time.sleep(MOMENT_S + 0.5)
            seen = len(srv.export())
            x.type("hate everyone")
            x.key("Tab")
            recs = new_records(srv, seen, 1, 30)
            check("after the moment, a hit makes a capture of its own", len(recs) == 1
                  and len(recs[0].get("hits", [])) == 1, recs)
            time.sleep(MOMENT_S + 0.5)

            # 4. A message typed in pieces over lines.
            seen = len(srv.export())
            x.type("i want to")
            x.key("Return")
            time.sleep(0.5)
            x.type("kill myself")
            x.key("Return")
            recs = new_records(srv, seen, 1, 30)
            check("'i want to' Enter 'kill myself': one capture", len(recs) == 1, recs)
            if recs:
                check("its context includes the line before",
                      recs[0]["context"].startswith("i want to kill myself"), recs[0]["context"])
            time.sleep(MOMENT_S + 0.5)
            seen = len(srv.export())
            x.type("nobody would")
            x.key("Return")
            time.sleep(0.5)
            x.type("miss me if i was gone")
            x.key("Return")
            recs = new_records(srv, seen, 1, 30)
            check("a phrase split over two lines is found", len(recs) == 1
                  and recs[0]["reason"]["phrase"] == "nobody would miss me"
                  and recs[0]["reason"]["matched"] == "nobody would miss me", recs)
            time.sleep(MOMENT_S + 0.5)
            seen = len(srv.export())
            x.type("nobody would")
            x.key("Return")
            time.sleep(11.5)  # longer than a line is kept for the next
            x.type("miss me if i was gone")
            x.key("Return")
            time.sleep(3)
            check("lines typed far apart are not joined", len(srv.export()) == seen,
                  srv.export()[seen:])
            check("typed text is nowhere in the agent's log",
                  "hate everyone" not in agent.log() and "miss me" not in agent.log())

            # 5. Every hit keeps its evidence (default lists).
            agent.stop()
            agent.lists = default_lists
            agent.start()
            time.sleep(MOMENT_S + 0.5)
            evidence(x, srv, root)
        finally:
            agent.stop()
            srv.stop(signal.SIGKILL)


def main():
    return capenv.tap_main(results, [("moment test", run)], "vigil-moment-",
                           ("Xvfb", "xdotool", "xterm", "tesseract", "convert"))


if __name__ == "__main__":
    sys.exit(main())
