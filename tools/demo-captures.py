#!/usr/bin/env python3
"""demo-captures.py: shows the captures `vigil-server export` printed (stdin), and with
--check FLAGGED INNOCENT ('|'-separated sentences) fails unless every flagged sentence and
no innocent one was captured."""
import json
import sys

got = [json.loads(line) for line in sys.stdin if line.strip()]
for c in got:
    r, s = c["reason"], c["screenshot"]
    print(f"  {c['time']}  {c['machine']}  {c['user']:8s} {c['source']:8s} {r['category']:10s} "
          f"severity {r['severity']}  \"{r['matched']}\"  screenshot {s['width']}x{s['height']}")
if len(sys.argv) == 4 and sys.argv[1] == "--check":
    flagged, innocent = sys.argv[2].split("|"), sys.argv[3].split("|")
    missing = [f for f in flagged if not any(c["reason"]["matched"] in f for c in got)]
    wrong = [i for i in innocent if any(c["reason"]["matched"] in i for c in got)]
    if missing or wrong:
        sys.exit(f"demo check failed: not captured {missing}; innocent captured {wrong}")
    print(f"demo check: {len(got)} captures on the server: every flagged sentence, no innocent one")
