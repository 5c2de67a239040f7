# swaybed.py: a headless sway (wlroots) session of an ordinary user, for the Wayland tests:
# its own runtime directory (0700, the user's), the compositor on the pixman renderer with
# no input devices, and clients (foot, wl-copy, grim) run as that user.
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

PUPIL = "nobody"  # an ordinary user that exists everywhere


def pupil_ids():
    pw = pwd.getpwnam(PUPIL)
    return pw.pw_uid, pw.pw_gid


def as_pupil():
    """subprocess keyword arguments that run a client as the pupil (when we are root)."""
    if os.geteuid() != 0:
        return {}
    uid, gid = pupil_ids()
    return {"user": uid, "group": gid, "extra_groups": []}


class Sway:
    """sway -c CONFIG, headless, one output of width x height."""

    def __init__(self, root, width=1024, height=768):
        self.runtime = tempfile.mkdtemp(prefix="vwl.", dir="/tmp")
        self.root = root
        self.size = (width, height)
        self.proc = None
        self.clients = []
        if os.geteuid() == 0:
            uid, gid = pupil_ids()
            os.chown(self.runtime, uid, gid)
        os.chmod(self.runtime, 0o700)
        self.conf = os.path.join(root, "sway.conf")
        with open(self.conf, "w") as f:
            f.write("output HEADLESS-1 resolution %dx%d\n" % self.size)
            f.write("default_border none\n")
        os.chmod(self.conf, 0o644)
        self.log_path = os.path.join(root, "sway.log")

    def env(self):
        return {"PATH": "/usr/bin:/bin", "HOME": self.runtime, "XDG_RUNTIME_DIR": self.runtime,
                "WAYLAND_DISPLAY": "wayland-1", "LANG": "C.UTF-8"}

    @property
    def socket(self):
        return os.path.join(self.runtime, "wayland-1")

    def start(self):
        env = dict(self.env(), WLR_BACKENDS="headless", WLR_RENDERER="pixman",
                   WLR_LIBINPUT_NO_DEVICES="1")
        env.pop("WAYLAND_DISPLAY")
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["sway", "-c", self.conf], env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True, **as_pupil())
        for _ in range(200):
            if os.path.exists(self.socket) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.socket):
            raise RuntimeError("sway did not start: " + self.log())
        return self

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-3000:]
        except FileNotFoundError:
            return ""

    def spawn(self, argv):
        p = subprocess.Popen(argv, env=self.env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, **as_pupil())
        self.clients.append(p)
        return p

    def run(self, argv, input=None, timeout=30):
        return subprocess.run(argv, env=self.env(), input=input, capture_output=True,
                              timeout=timeout, **as_pupil())

    def terminal(self, title):
        """A foot terminal titled title (it keeps the title: the shell inside sleeps)."""
        return self.spawn(["foot", "-T", title, "sh", "-c", "sleep 600"])

    def copy(self, text, primary=False, mime=None):
        """wl-copy serves the selection from the background, as the pupil."""
        argv = ["wl-copy"] + (["--primary"] if primary else []) + (
            ["--type", mime] if mime else []) + [text]
        # it stays in the background holding the selection: no pipes to wait on
        return subprocess.run(argv, env=self.env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30, **as_pupil())

    def grim(self, path):
        r = self.run(["grim", "-"])
        with open(path, "wb") as f:
            f.write(r.stdout)
        return r.returncode == 0

    def stop(self):
        for p in self.clients:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.clients = []
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self.logf.close()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)
