# kdebed.py: a headless KDE Plasma 5.27 session (kwin_wayland --virtual, started through
# kwin_wayland_wrapper as a Plasma login starts it) of an ordinary user for the Wayland
# tests: the user's own session bus and runtime directory, and the
# package's .desktop file (naming the build tree's vigil-session) where KWin looks for
# applications, so that KWin allows it org.kde.KWin.ScreenShot2. KWin keeps its service
# cache in the user's home, so the pupil is the user with a home that the GNOME bed makes
# (gnomebed.PUPIL). Debian's kwin_wayland carries a file capability (cap_sys_resource)
# that a container's bounding set may lack (execve fails): it runs from a copy, which has
# none.
import os
import shutil
import signal
import subprocess
import tempfile
import time

from gnomebed import SRC, as_pupil, ensure_pupil
from swaybed import Bed

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (1280, 800)
KWIN = "/usr/bin/kwin_wayland"
KWIN_WRAPPER = "/usr/bin/kwin_wayland_wrapper"
SYSTEM_PYTHON = "/usr/bin/python3"  # with python3-gi


def desktop_file(helper):
    """The package's .desktop file with the helper's path written in."""
    with open(os.path.join(SRC, "agent", "session", "kde", "vigil-session.desktop.in")) as f:
        return f.read().replace("@HELPER@", helper)


class Kwin(Bed):
    def __init__(self, root, helper, wrapper=True, preload=None):
        """wrapper: start KWin as a Plasma login does, through kwin_wayland_wrapper (which
        holds the Wayland socket and starts kwin_wayland: the socket's peer is the
        wrapper); else kwin_wayland itself."""
        self.wrapper = wrapper
        self.preload = preload  # a shared object preloaded into KWin (kwin-undumpable)
        uid, gid, self.home = ensure_pupil()
        self.cwd = self.home
        self.root = root
        self.runtime = tempfile.mkdtemp(prefix="vkd.", dir="/tmp")
        os.chown(self.runtime, uid, gid)
        os.chmod(self.runtime, 0o700)
        self.log_path = os.path.join(root, "kwin.log")
        self.proc = None
        self.clients = []
        self.share = os.path.join(root, "share")
        apps = os.path.join(self.share, "applications")
        os.makedirs(apps)
        with open(os.path.join(apps, "vigil-session.desktop"), "w") as f:
            f.write(desktop_file(helper))
        bindir = os.path.join(root, "bin")
        os.makedirs(bindir)
        self.kwin = os.path.join(bindir, "kwin_wayland")
        shutil.copy(KWIN, self.kwin)  # without the file capability
        # The test's own ScreenShot2 caller: a copy of Python that a .desktop file of the
        # test's names (KWin takes the first .desktop file naming a program, and Debian's
        # python3.11.desktop names the system's Python without the key).
        self.python = os.path.join(bindir, "python3-kwin-shot")
        shutil.copy(os.path.realpath(SYSTEM_PYTHON), self.python)
        with open(os.path.join(apps, "vigil-test-shot.desktop"), "w") as f:
            f.write("[Desktop Entry]\nType=Application\nName=Vigil test screenshot\n"
                    "Exec=%s\nNoDisplay=true\nX-KDE-DBUS-Restricted-Interfaces="
                    "org.kde.KWin.ScreenShot2\n" % self.python)
        for top in (self.share, bindir):
            for dirpath, dirs, files in os.walk(top):
                os.chmod(dirpath, 0o755)
                for n in files:
                    os.chmod(os.path.join(dirpath, n), 0o755 if dirpath == bindir else 0o644)

    @property
    def socket(self):
        return os.path.join(self.runtime, "wayland-0")

    def env(self):
        return {"PATH": "/usr/bin:/bin", "HOME": self.home, "XDG_RUNTIME_DIR": self.runtime,
                "WAYLAND_DISPLAY": "wayland-0", "LANG": "C.UTF-8", "GDK_BACKEND": "wayland",
                "QT_QPA_PLATFORM": "wayland",
                "XDG_DATA_DIRS": self.share + ":/usr/local/share:/usr/share",
                "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(self.runtime, "bus")}

    def start(self):
        env = self.env()
        for k in ("WAYLAND_DISPLAY", "GDK_BACKEND", "QT_QPA_PLATFORM"):
            env.pop(k)
        # the wrapper finds kwin_wayland on PATH: the copy comes first
        env["PATH"] = os.path.dirname(self.kwin) + ":" + env["PATH"]
        if self.preload:
            env["LD_PRELOAD"] = self.preload
        cmd = ("dbus-daemon --session --nofork --address=$DBUS_SESSION_BUS_ADDRESS & "
               "sleep 0.3; exec %s --socket wayland-0 --virtual --width %d --height %d "
               "--no-lockscreen" % ((KWIN_WRAPPER if self.wrapper else self.kwin,) + SIZE))
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["env", "-i"] + ["%s=%s" % kv for kv in env.items()]
                                     + ["sh", "-c", cmd], stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=self.home, **as_pupil())
        end = time.monotonic() + 60
        while time.monotonic() < end and self.proc.poll() is None:
            if os.path.exists(self.socket):
                r = self.run(["gdbus", "call", "--session", "--dest", "org.kde.KWin",
                              "--object-path", "/Scripting", "--method",
                              "org.freedesktop.DBus.Peer.Ping"])
                if r.returncode == 0:
                    return self
            time.sleep(0.3)
        raise RuntimeError("kwin_wayland did not start: " + self.log())

    def pupil(self):
        return as_pupil()

    def copy(self, text):
        """wl-copy (wlr-data-control, no window) holds the selection from the background."""
        return subprocess.run(["wl-copy", text], env=self.env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30, cwd=self.home,
                              **as_pupil())

    def bus_pid_names(self, pid):
        """The unique names on the pupil's session bus that process pid holds."""
        r = self.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                      "--object-path", "/org/freedesktop/DBus", "--method",
                      "org.freedesktop.DBus.ListNames"])
        out = []
        for name in r.stdout.replace("'", " ").replace(",", " ").split():
            if name.startswith(":1."):
                p = self.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                              "--object-path", "/org/freedesktop/DBus", "--method",
                              "org.freedesktop.DBus.GetConnectionUnixProcessID", name])
                if p.stdout.strip() == "(uint32 %d,)" % pid:
                    out.append(name)
        return out

    def kwin_pids(self):
        """The kwin_wayland processes of this session (its process group's)."""
        out = []
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/comm" % pid) as f:
                    if f.read().strip() == "kwin_wayland" and self.proc and \
                            os.getpgid(int(pid)) == self.proc.pid:
                        out.append(int(pid))
            except (OSError, ValueError):
                pass
        return out

    def stop(self):
        self.stop_clients()
        self.stop_compositor()  # kwin and its session bus
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # what the bus started (AT-SPI)
            except ProcessLookupError:
                pass
            self.logf.close()
        self.proc = None
