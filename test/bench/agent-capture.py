#!/usr/bin/env python3
# agent-capture.py: runs the capture benchmark on Xvfb at 1024x768 and 1920x1080 and prints
# the figures with the machine's load (other engineers' tests may share the cores).
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "x11"))
from xenv import Xvfb  # noqa: E402

prog = sys.argv[1]
print("load average: %s" % open("/proc/loadavg").read().split()[:3])
for size in ("1024x768x24", "1920x1080x24"):
    x = Xvfb(size)
    try:
        subprocess.run([prog, x.display], check=True, timeout=300)
    finally:
        x.stop()
