# xenv.py: a private X display for tests and benchmarks: Xvfb (the one place that starts
# it), a window manager, xterms, and vigil-agent watching it, with helpers to type and to
# wait for hits.
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time


class Skip(Exception):
    pass


def need(*programs):
    for p in programs:
        if not shutil.which(p):
            raise Skip(f"{p} is not installed (tools/deps/agent.txt)")


def wait_for(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            return v
        time.sleep(step)


class Xvfb:
    """Xvfb on a free display (or on :number again), told by -displayfd: .display, .proc."""

    def __init__(self, size="1024x768x24", number=None, extra=()):
        r, w = os.pipe()
        argv = ["Xvfb"] + ([f":{number}"] if number is not None else []) + [
            "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp",
            "-noreset"] + list(extra)
        self.proc = subprocess.Popen(argv, pass_fds=(w,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(w)
        num = b""
        end = time.monotonic() + 30
        while not num.endswith(b"\n") and time.monotonic() < end:
            chunk = os.read(r, 16)
            if not chunk:
                break
            num += chunk
        os.close(r)
        if not num.strip():
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + num.decode().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class XEnv:
    """Xvfb on a free display, openbox, and helpers. Use as a context manager."""

    def __init__(self, build_root, workdir=None):
        need("Xvfb", "xdotool", "xterm", "xprop")
        self.build_root = build_root
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="vigil-x11-")
        self.procs = []
        self.agent = None
        self.agent_log = os.path.join(self.dir, "agent.log")
        self.hits_path = os.path.join(self.dir, "hits.jsonl")
        self.hits_seen = 0
        self.display = None
        self.agent_bin = os.path.join(build_root, "agent", "vigil-agent")

    # --- X server and windows -------------------------------------------------
    def start_x(self, wm=True, extra=(), number=None):
        """Starts Xvfb (on a free display, or on :number again) and openbox."""
        x = Xvfb(number=number, extra=extra)
        self.procs.append(x.proc)
        self.xvfb = x.proc
        self.display = x.display
        self.env = dict(os.environ, DISPLAY=self.display)
        self.env.pop("XAUTHORITY", None)
        if wm and shutil.which("openbox"):
            self.spawn(["openbox", "--sm-disable"])
            ok = wait_for(lambda: "_NET_SUPPORTING_WM_CHECK(WINDOW)" in self.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], check=False), 20)
            if not ok:
                raise RuntimeError("openbox did not start")
        return self.display

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def run(self, argv, check=True, input=None, timeout=60):
        r = subprocess.run(argv, env=self.env, input=input, capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{argv}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def copy_to_clipboard(self, text):
        """xclip takes CLIPBOARD and stays in the background serving it."""
        subprocess.run(["xclip", "-selection", "clipboard"], env=self.env, input=text.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                       check=True)

    def xterm(self, title):
        """Opens an xterm titled title running a shell that swallows input; returns its id."""
        self.spawn(["xterm", "-T", title, "-n", title, "-geometry", "80x10",
                    "-e", "sh", "-c", "stty -echo 2>/dev/null; cat >/dev/null"])
        out = wait_for(lambda: self.run(["xdotool", "search", "--name", "^" + title + "$"],
                                        check=False).split(), 20)
        if not out:
            raise RuntimeError(f"xterm {title} did not map")
        wid = out[0]
        self.activate(wid)
        return wid

    def activate(self, wid):
        self.run(["xdotool", "windowactivate", "--sync", wid], check=False)
        wait_for(lambda: self.active() == int(wid), 10)
        time.sleep(0.2)

    def active(self):
        out = self.run(["xprop", "-root", "_NET_ACTIVE_WINDOW"], check=False)
        try:
            return int(out.split()[-1], 16)
        except (ValueError, IndexError):
            return None

    def type(self, text, delay_ms=25):
        self.run(["xdotool", "type", "--delay", str(delay_ms), text])

    def key(self, *keys):
        self.run(["xdotool", "key", "--delay", "25"] + list(keys))

    # --- the agent ------------------------------------------------------------
    def write_config(self, lines):
        path = os.path.join(self.dir, "agent.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start_agent(self, lists, config_lines=(), extra=(), display=True,
                    ready="monitoring display"):
        agent = self.agent_bin
        conf = self.write_config(list(config_lines))
        which = ["--display", self.display, "--user", "testpupil"] if display else []
        argv = [agent, "--config", conf] + which + [
                "--foreground", "--log-level", "debug", "--lists", lists,
                "--hits-out", self.hits_path,
                "--spool", os.path.join(self.dir, "spool"),
                "--state", os.path.join(self.dir, "state")] + list(extra)
        self.log_file = open(self.agent_log, "ab")
        self.agent = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                      stdout=self.log_file, stderr=subprocess.STDOUT,
                                      cwd=self.dir)
        ok = wait_for(lambda: ready in self.log(), 30)
        if not ok:
            raise RuntimeError("agent did not start:\n" + self.log())
        time.sleep(0.3)
        return self.agent

    def stop_agent(self):
        if self.agent and self.agent.poll() is None:
            self.agent.send_signal(signal.SIGTERM)
            try:
                self.agent.wait(20)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait()
        return self.agent.returncode if self.agent else None

    def log(self):
        try:
            with open(self.agent_log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def hits(self):
        try:
            with open(self.hits_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def new_hits(self, want=1, timeout=10.0, settle=0.0):
        """Waits for at least `want` hits after the last call, then `settle` seconds
        more; returns the new hits and marks them seen."""
        wait_for(lambda: len(self.hits()) - self.hits_seen >= want, timeout)
        if settle:
            time.sleep(settle)
        all_hits = self.hits()
        new = all_hits[self.hits_seen:]
        self.hits_seen = len(all_hits)
        return new

    def close(self):
        self.stop_agent()
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if getattr(self, "log_file", None):
            self.log_file.close()
        if self.own_dir and not os.environ.get("VIGIL_KEEP_TEST_DIR"):
            shutil.rmtree(self.dir, ignore_errors=True)  # it holds test "pupil" text

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
