#!/usr/bin/env python3
"""test-summary.py: counts results in meson test logs and prints 'N passed, N failed'.

usage: test-summary.py BUILDDIR... ; exits 1 when a test failed or no test ran.
"""
import json
import sys

passed = failed = 0
for build in sys.argv[1:]:
    path = f"{build}/meson-logs/testlog.json"
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                result = json.loads(line).get("result")
                if result in ("OK", "EXPECTEDFAIL", "SKIP"):
                    passed += result != "SKIP"
                else:
                    failed += 1
    except FileNotFoundError:
        print(f"{path}: missing (the test run did not start)")
        failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
