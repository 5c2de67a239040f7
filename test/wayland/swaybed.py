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

# the agent starts the pupil's helper from the build tree, not the installed one
BUILD = os.environ.get("VIGIL_BUILD_ROOT", os.path.join(os.path.dirname(__file__), "..", "..",
                                                        "build"))
HELPER = os.path.join(os.path.abspath(BUILD), "agent", "session", "vigil-session")
os.environ.setdefault("VIGIL_SESSION_HELPER", HELPER)


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def helpers_of(agent_pid, helper, uid):
    """pids of the helper processes (executable helper, run as uid) whose parent is a
    monitor of the agent agent_pid: another test's agent may run one for the same user."""
    out = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.readlink("/proc/%s/exe" % pid) == helper and \
                    os.stat("/proc/" + pid).st_uid == uid and ppid(ppid(int(pid))) == agent_pid:
                out.append(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    return out


def pupil_reads(pid, uid, gid):
    """Whether user uid can read the memory map of process pid (it cannot when the process
    is not dumpable, though it runs as that user)."""
    r = subprocess.run(["cat", "/proc/%d/maps" % pid], capture_output=True,
                       user=uid, group=gid, extra_groups=[])
    return r.returncode == 0 and len(r.stdout) > 0


def pupil_ids():
    pw = pwd.getpwnam(PUPIL)
    return pw.pw_uid, pw.pw_gid


def pupil_file(path, root):
    """A copy of path (a script or library of the checkout's) in root's pupil-files/, for
    the pupil's programs to run: a checkout under /root (0700) is closed to them."""
    d = os.path.join(root, "pupil-files")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    copy = os.path.join(d, os.path.basename(path))
    shutil.copyfile(path, copy)
    os.chmod(copy, 0o755)
    return copy


def as_pupil():
    """subprocess keyword arguments that run a client as the pupil (when we are root)."""
    if os.geteuid() != 0:
        return {}
    uid, gid = pupil_ids()
    return {"user": uid, "group": gid, "extra_groups": []}


class Bed:
    """What every test compositor does alike: clients run as the pupil (started in cwd,
    killed with the bed), the compositor's log, and stopping it. A bed sets self.proc,
    self.logf, self.log_path, self.runtime and self.clients, and defines env() and
    pupil() (subprocess keyword arguments of the pupil)."""

    cwd = "/"  # a checkout under /root (0700) is no place the pupil's programs can start
    log_tail = 6000

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-self.log_tail:]
        except FileNotFoundError:
            return ""

    def spawn(self, argv):
        p = subprocess.Popen(argv, env=self.env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, cwd=self.cwd, **self.pupil())
        self.clients.append(p)
        return p

    def run(self, argv, input=None, timeout=30, text=True):
        return subprocess.run(argv, env=self.env(), input=input, capture_output=True,
                              text=text, timeout=timeout, cwd=self.cwd, **self.pupil())

    def stop_clients(self):
        for p in self.clients:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.clients = []

    def stop_compositor(self):
        """SIGTERM to the compositor's process group, SIGKILL after 10 s."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)


class Sway(Bed):
    """sway -c CONFIG, headless, one output of width x height."""

    def __init__(self, root, width=1024, height=768):
        self.runtime = tempfile.mkdtemp(prefix="vwl.", dir="/tmp")
        self.root = root
        self.size = (width, height)
        self.proc = None
        self.clients = []
        self.bus = None
        if os.geteuid() == 0:
            uid, gid = pupil_ids()
            os.chown(self.runtime, uid, gid)
        os.chmod(self.runtime, 0o700)
        self.conf = os.path.join(root, "sway.conf")
        with open(self.conf, "w") as f:
            f.write("output HEADLESS-1 resolution %dx%d\n" % self.size)
            f.write("default_border none\n")
            f.write("xwayland disable\n")  # no X server of the pupil's in /tmp/.X11-unix
        os.chmod(self.conf, 0o644)
        self.log_path = os.path.join(root, "sway.log")

    def env(self):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.runtime, "XDG_RUNTIME_DIR": self.runtime,
               "WAYLAND_DISPLAY": "wayland-1", "LANG": "C.UTF-8"}
        if self.bus:
            env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + os.path.join(self.runtime, "bus")
        return env

    def session_bus(self):
        """The pupil's session bus at $XDG_RUNTIME_DIR/bus, where the agent's helper looks
        (AT-SPI's accessibility bus is started from it on demand)."""
        path = os.path.join(self.runtime, "bus")
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--address=unix:path=" + path],
            env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True, cwd=self.cwd,
            **as_pupil())
        for _ in range(100):
            if os.path.exists(path):
                break
            time.sleep(0.05)
        return self

    def gtk_entry(self, title, password=False):
        """A GTK 3 window titled title with one text entry (a password entry: hidden)."""
        script = pupil_file(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "gtk-entry.py"), self.root)
        return self.spawn(["python3", script, title] + (["--password"] if password else []))

    def type(self, text):
        """wtype as the pupil (a throw-away Shift first: the first key of a run is lost)."""
        return self.run(["wtype", "-k", "Shift_L", text])

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
                                     start_new_session=True, cwd=self.cwd, **as_pupil())
        for _ in range(200):
            if os.path.exists(self.socket) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.socket):
            raise RuntimeError("sway did not start: " + self.log())
        return self

    log_tail = 3000

    def pupil(self):
        return as_pupil()

    def terminal(self, title):
        """A foot terminal titled title (it keeps the title: the shell inside sleeps)."""
        return self.spawn(["foot", "-T", title, "sh", "-c", "sleep 600"])

    def copy(self, text, primary=False, mime=None):
        """wl-copy serves the selection from the background, as the pupil."""
        argv = ["wl-copy"] + (["--primary"] if primary else []) + (
            ["--type", mime] if mime else []) + [text]
        # it stays in the background holding the selection: no pipes to wait on
        return subprocess.run(argv, env=self.env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30, cwd=self.cwd,
                              **as_pupil())

    def grim(self, path):
        r = self.run(["grim", "-"], text=False)
        with open(path, "wb") as f:
            f.write(r.stdout)
        return r.returncode == 0

    def stop(self):
        self.stop_clients()
        self.stop_compositor()
        if self.proc:
            self.logf.close()
        self.proc = None
        if self.bus and self.bus.poll() is None:
            os.killpg(self.bus.pid, signal.SIGKILL)
            self.bus.wait()
        self.bus = None
