#!/usr/bin/env python3
"""demo-captures.py: shows the captures `vigil-server export` printed (stdin), and with
--check FLAGGED INNOCENT ('|'-separated sentences) fails unless every flagged sentence and
no innocent one was caught (by a capture's reason or any of its hits: sentences typed
a moment apart in one window are one capture). --ready FLAGGED INNOCENT is the same
check, silent, for waiting."""
import json
import sys


def matched(c):
    return [c["reason"]["matched"]] + [h["matched"] for h in c.get("hits", [])]


got = [json.loads(line) for line in sys.stdin if line.strip()]
if len(sys.argv) == 4 and sys.argv[1] in ("--check", "--ready"):
    flagged, innocent = sys.argv[2].split("|"), sys.argv[3].split("|")
    missing = [f for f in flagged if not any(m in f for c in got for m in matched(c))]
    wrong = [i for i in innocent if any(m in i for c in got for m in matched(c))]
    if sys.argv[1] == "--ready":
        sys.exit(1 if missing else 0)
for c in got:
    r, s = c["reason"], c["screenshot"]
    print(f"  {c['time']}  {c['machine']}  {c['user']:8s} {c['source']:8s} {r['category']:10s} "
          f"severity {r['severity']}  \"{r['matched']}\"  {len(c.get('hits', [])) or 1} hit(s)  "
          f"screenshot {s['width']}x{s['height']}")
    for h in c.get("hits", [r]):
        if h.get("why"):
            print(f"      \"{h['matched']}\" {h['why']} (rule {h.get('context_rule', '?')})")
if len(sys.argv) == 4 and sys.argv[1] == "--check":
    if missing or wrong:
        sys.exit(f"demo check failed: not captured {missing}; innocent captured {wrong}")
    print(f"demo check: {len(got)} captures on the server: every flagged sentence, no innocent one")
