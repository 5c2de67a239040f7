#!/usr/bin/env python3
"""test-wordlist-cli.py: vigil-wordlist lint, scan, dump and stats as a technician runs them.

usage: test-wordlist-cli.py VIGIL_WORDLIST
"""
import json
import os
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
failed = 0


def check(cond, what):
    global failed
    if not cond:
        failed += 1
        print(f"FAIL: {what}")


def run(args, stdin=b""):
    p = subprocess.run([TOOL] + args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


LIST = """@category self-harm
@severity 4
kill my self = 5
suicid*
! dying to see
dying = 2
@include common.inc
"""
INC = """@category profanity
@severity 1
shit
"""

with tempfile.TemporaryDirectory() as d:
    good = os.path.join(d, "good")
    os.mkdir(good)
    with open(os.path.join(good, "self-harm.txt"), "w") as f:
        f.write(LIST)
    with open(os.path.join(good, "common.inc"), "w") as f:
        f.write(INC)

    # lint: clean lists pass and say what they hold
    rc, out, err = run(["lint", good])
    check(rc == 0, f"lint of good lists exits 0 (got {rc}: {err})")
    check("4 phrases, 1 exclusions" in out, f"lint summary: {out!r}")

    # lint: each bad line is reported as FILE:LINE, all of them, exit 1
    bad = os.path.join(d, "bad.txt")
    with open(bad, "wb") as f:
        f.write(b"@category self-harm\nkill myself = 7\n@colour red\n*kill\nfine phrase\nki\xffll\n")
    rc, out, err = run(["lint", bad])
    check(rc == 1, f"lint of bad list exits 1 (got {rc})")
    for line, msg in [(2, 'unknown severity "7" (expected 1-5)'), (3, 'unknown directive "@colour"'),
                      (4, "cannot start with *"), (6, "invalid UTF-8")]:
        check(f"{bad}:{line}: " in err and msg in err, f"lint reports {bad}:{line}: {msg}; got {err!r}")
    check(f"{bad}:5:" not in err, "a good line between bad ones is not reported")
    rc, out, err = run(["lint", os.path.join(d, "missing.txt")])
    check(rc == 1 and "missing.txt: No such file" in err, f"lint of a missing file: {err!r}")

    # scan --json: one object per input line, byte offsets, empty lines included
    text = "i want to k1ll mys3lf\n\nI'm dying to see it\nI am dying\né shit\n".encode()
    rc, out, err = run(["scan", "--lists", good, "--json"], text)
    check(rc == 0, f"scan exits 0 ({err})")
    rows = [json.loads(l) for l in out.splitlines()]
    check([r["line"] for r in rows] == [1, 2, 3, 4, 5], f"one object per line: {out!r}")
    h = rows[0]["hits"]
    check(len(h) == 1 and h[0]["category"] == "self-harm" and h[0]["severity"] == 5
          and h[0]["phrase"] == "kill my self" and (h[0]["start"], h[0]["end"]) == (10, 21)
          and h[0]["matched"] == "k1ll mys3lf" and h[0]["rule"] == "self-harm.txt:3",
          f"line 1 hit: {h}")
    check(rows[1]["hits"] == [] and rows[2]["hits"] == [], f"empty and excluded lines: {rows[1:3]}")
    check([x["phrase"] for x in rows[3]["hits"]] == ["dying"], f"line 4: {rows[3]}")
    check([(x["category"], x["start"], x["end"]) for x in rows[4]["hits"]] == [("profanity", 3, 7)],
          f"offsets are bytes after a 2-byte character: {rows[4]}")

    # empty input: no output, success
    rc, out, err = run(["scan", "--lists", good, "--json"], b"")
    check(rc == 0 and out == "", f"empty input: rc {rc} out {out!r}")
    # a last line without a newline is still scanned
    rc, out, err = run(["scan", "--lists", good, "--json"], b"suicidal")
    check(rc == 0 and json.loads(out)["hits"][0]["phrase"] == "suicid*", f"no final newline: {out!r}")
    # a 1 MB line and NUL bytes: no crash, the hit at the right offset
    big = b"a " * 524288 + b"kill\x00my self\n"
    rc, out, err = run(["scan", "--lists", good, "--json"], big)
    hit = json.loads(out)["hits"]
    check(rc == 0 and hit and hit[0]["start"] == 1048576, f"1 MB line: {out[:200]!r}")

    # the human form names the rule and shows the matched text
    rc, out, err = run(["scan", "--lists", good], b"KILL MY SELF\n")
    check('self-harm (severity 5) "kill my self" [self-harm.txt:3]' in out and '"KILL MY SELF"' in out,
          f"human scan output: {out!r}")

    # dump: phrases only, plain lower-case text; --verbose: every rule
    rc, out, err = run(["dump", "--lists", good])
    check(out.splitlines() == ["kill my self", "suicid", "dying", "shit"], f"dump: {out!r}")
    rc, out, err = run(["dump", "--lists", good, "--verbose"])
    check("self-harm\t0\texclusion\tself-harm.txt:5\tdying to see" in out, f"dump --verbose: {out!r}")

    # stats: per category and severity, compile time and memory
    rc, out, err = run(["stats", "--lists", good])
    check(rc == 0 and "self-harm" in out and "profanity" in out and "compile:" in out
          and "MB" in out, f"stats: {out!r}")

    # context and word classes: scan --json names the rules and what lowered a hit;
    # dump expands word classes; lint reports an unused class
    ctx = os.path.join(d, "ctx")
    os.mkdir(ctx)
    with open(os.path.join(ctx, "lists.txt"), "w") as f:
        f.write("@context joke: lol, \U0001F480\n@class group: gays, muslims\n@class unused: ab\n"
                "@category self-harm\n@floor 2\n@when joke within 3 -> 2\n"
                "want to die = 5\n@category hate\nkill all the <group> = 5\n")
    rc, out, err = run(["scan", "--lists", ctx, "--json"],
                       "i want to die lol\nkill all the muslims\n".encode())
    rows = [json.loads(l) for l in out.splitlines()]
    h = rows[0]["hits"][0] if rows and rows[0]["hits"] else {}
    check(h.get("severity") == 2 and h.get("base_severity") == 5
          and h.get("context") == "severity 5 \u2192 2: 'lol' 1 word after"
          and h.get("rules") == ["lists.txt:7", "lists.txt:6"] and h.get("rule") == "lists.txt:7"
          and h.get("matched") == "want to die", f"context in scan --json: {rows}")
    check(h.get("why") == h.get("context") and h.get("context_rule") == "lists.txt:6",
          f"scan --json names why and context_rule as the capture record does: {h}")
    h = rows[1]["hits"][0] if len(rows) > 1 and rows[1]["hits"] else {}
    check(h.get("phrase") == "kill all the <group>" and h.get("pattern") == "kill all the muslims"
          and h.get("severity") == 5 and "context" not in h and h.get("rules") == ["lists.txt:9"]
          and "why" not in h and "context_rule" not in h,
          f"word class in scan --json: {rows}")
    rc, out, err = run(["dump", "--lists", ctx])
    check(out.splitlines() == ["want to die", "kill all the gays", "kill all the muslims"],
          f"dump expands word classes: {out!r}")
    rc, out, err = run(["lint", ctx])
    check(rc == 0 and "lists.txt:3: warning: word class <unused> is not used" in out + err,
          f"lint warns of an unused class: {out!r} {err!r}")

    # lint warns of a combination one of whose terms is an exclusion: it can never report
    dead = os.path.join(d, "dead")
    os.mkdir(dead)
    with open(os.path.join(dead, "lists.txt"), "w") as f:
        f.write("@category bullying\n! nobody likes\nnobody likes & you ~5 = 3\n"
                "you & are & a loser ~6 = 3\n")
    rc, out, err = run(["lint", dead])
    check(rc == 0 and "lists.txt:3: warning: \"nobody likes & you ~5\" can never report: its term 1"
          " is also an exclusion" in out + err and "lists.txt:4:" not in out + err,
          f"lint warns of a combination that can never report: {out!r} {err!r}")
    rc, out, err = run(["scan", "--lists", dead, "--json"], b"nobody likes you\n")
    check(rc == 0 and json.loads(out)["hits"] == [], f"... and indeed it never reports: {out!r}")

    # refused lists make scan fail loudly, not scan with nothing
    rc, out, err = run(["scan", "--lists", bad], b"kill myself\n")
    check(rc == 1 and "refused" in err and out == "", f"scan with bad lists: rc {rc} {err!r}")
    rc, out, err = run(["frobnicate"])
    check(rc == 2 and "unknown command" in err, f"unknown command: {err!r}")

print(f"{'FAILED' if failed else 'ok'}: {failed} failed checks")
sys.exit(1 if failed else 0)
