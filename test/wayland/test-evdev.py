#!/usr/bin/env python3
# test-evdev.py: the kernel's keyboard events as the Wayland backend reads them from
# /dev/input, replayed from recorded streams (evemu-record's text format) through the
# agent's decoder (xkbcommon with a given layout), its typed-text segments and detector:
# text and edits come out as the layout makes them, a flagged phrase typed on a German
# keyboard is caught with the German keymap and not with the US one, Backspace edits,
# key repeat, Shift, a shortcut, and events the kernel dropped. TAP output.
import json
import os
import subprocess
import sys
import tempfile

REPLAY = sys.argv[1]
SRC = os.environ.get("VIGIL_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
LISTS = os.path.join(SRC, "test", "x11", "lists")

# evdev key codes (linux/input-event-codes.h) of the keys a US keyboard labels so
KEYS = {c: k for k, c in zip(
    [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 36, 37, 38,
     44, 45, 46, 47, 48, 49, 50], "qwertyuiopasdfghjklzxcvbnm")}
KEYS[" "] = 57
SHIFT, CTRL, BACKSPACE, ENTER, SYN_DROPPED = 42, 29, 14, 28, "dropped"
GERMAN = {"y": KEYS["z"], "z": KEYS["y"]}  # the keys a German keyboard swaps

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


class Stream:
    """An evemu-record text stream, built key by key."""

    def __init__(self):
        self.lines, self.t = ["# EVEMU 1.3", "N: recorded keyboard"], 0

    def ev(self, code, value, kind=1):
        self.t += 1
        self.lines.append("E: 0.%06d %04x %04x %d" % (self.t, kind, code, value))
        self.lines.append("E: 0.%06d 0000 0000 0" % self.t)  # SYN_REPORT

    def key(self, code, repeats=0):
        self.ev(code, 1)
        for _ in range(repeats):
            self.ev(code, 2)
        self.ev(code, 0)

    def text(self, s, layout="us"):
        for ch in s:
            low = ch.lower()
            code = (GERMAN.get(low) if layout == "de" else None) or KEYS[low]
            if ch != low:
                self.ev(SHIFT, 1)
            self.key(code)
            if ch != low:
                self.ev(SHIFT, 0)
        return self

    def dropped(self):
        self.t += 1
        self.lines.append("E: 0.%06d 0000 0003 0" % self.t)  # SYN_DROPPED
        return self

    def write(self):
        f = tempfile.NamedTemporaryFile("w", suffix=".evemu", delete=False)
        f.write("\n".join(self.lines) + "\n")
        f.close()
        return f.name


def replay(stream, layout="us"):
    path = stream.write()
    try:
        out = subprocess.run([REPLAY, "--layout", layout, "--lists", LISTS, path],
                             capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    text = "".join(r.get("text", "") for r in rows if r.get("edit") == "insert")
    hits = [r["hit"] for r in rows if "hit" in r]
    return text, [r["edit"] for r in rows if "edit" in r], hits, out.stderr


def main():
    s = Stream().text("i want to kill myself")
    s.key(ENTER)
    text, edits, hits, err = replay(s)
    check("a US stream decodes to its text ('%s')" % text, text == "i want to kill myself", err)
    check("Enter ends the line", edits[-1] == "newline", edits[-3:])
    check("the phrase is a typed hit of the focused window, severity 5",
          len(hits) == 1 and hits[0]["phrase"] == "kill myself" and hits[0]["severity"] == 5
          and hits[0]["source"] == "typed" and hits[0]["window"] == "Chat - Firefox", hits)

    s = Stream().text("i want to kill myself", layout="de")
    s.key(ENTER)
    text, _, hits, _ = replay(s, "de")
    check("a German keyboard's stream, with the German keymap: '%s', caught" % text,
          text == "i want to kill myself" and len(hits) == 1, hits)
    text, _, hits, _ = replay(s, "us")
    check("the same stream with a US keymap reads otherwise ('%s'): the session's own "
          "keymap matters" % text, text == "i want to kill mzself" and not hits, hits)

    s = Stream().text("i want to kill mzz")
    s.key(BACKSPACE)
    s.key(BACKSPACE)
    s.text("yself")
    s.key(ENTER)
    _, edits, hits, _ = replay(s)
    check("Backspace edits the segment: 'mzz' corrected to 'myself' is caught",
          edits.count("backspace") == 2 and len(hits) == 1, (edits, hits))

    s = Stream()
    s.key(KEYS["k"])
    s.key(KEYS["i"], repeats=3)
    text, _, _, _ = replay(s)
    check("a held key repeats its character ('%s')" % text, text == "kiiii", text)

    s = Stream().text("I Want")
    text, _, _, _ = replay(s)
    check("Shift makes capitals ('%s')" % text, text == "I Want", text)

    s = Stream()
    s.ev(SHIFT, 1)
    s.dropped()
    s.text("ok")
    text, _, _, _ = replay(s)
    check("after the kernel dropped events no modifier is stuck ('%s')" % text, text == "ok")

    s = Stream().text("kill my")
    s.ev(CTRL, 1)
    s.key(KEYS["a"])
    s.ev(CTRL, 0)
    s.text("self")
    s.key(ENTER)
    _, edits, hits, _ = replay(s)
    check("a shortcut (Ctrl+A) breaks the segment: nothing is joined across it",
          "break" in edits and not hits, (edits, hits))

    print("1..%d" % len(results))
    bad = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            bad += 1
            for line in str(detail).splitlines()[-20:]:
                print("# " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
