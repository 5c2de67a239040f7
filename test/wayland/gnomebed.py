# gnomebed.py: a headless GNOME Shell 43 (mutter) session of an ordinary user for the
# Wayland tests, with Vigil's session extension enabled by the package's locked dconf
# default: a system bus (started when none runs), /run/systemd hidden by a private tmpfs
# (no logind here: the Shell then uses its dummy login manager), the user's own session
# bus and runtime directory. The Shell needs a home, so the pupil is a user of its own,
# made here when missing (PUPIL).
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from swaybed import Bed, pupil_file

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.environ.get("VIGIL_SOURCE_ROOT", os.path.join(HERE, "..", "..")))
PUPIL = "vigilpupil"
UUID = "vigil-session@vigil.invalid"
SIZE = (1280, 800)


SYSTEM_BUS = "/run/dbus/system_bus_socket"


def system_bus_up():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(SYSTEM_BUS)
        return True
    except OSError:
        return False
    finally:
        s.close()


def ensure_pupil():
    try:
        pwd.getpwnam(PUPIL)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", PUPIL], check=True)
    pw = pwd.getpwnam(PUPIL)
    return pw.pw_uid, pw.pw_gid, pw.pw_dir


def as_pupil():
    uid, gid, _ = ensure_pupil()
    return {"user": uid, "group": gid, "extra_groups": []}


SYSTEM_BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"""


class Gnome(Bed):
    def __init__(self, root, helper):
        uid, gid, self.home = ensure_pupil()
        self.root = root
        self.runtime = tempfile.mkdtemp(prefix="vgn.", dir="/tmp")
        os.chown(self.runtime, uid, gid)
        os.chmod(self.runtime, 0o700)
        self.log_path = os.path.join(root, "gnome-shell.log")
        self.proc = self.sysbus = None
        self.clients = []
        self._extension(helper)
        self._dconf()

    def _extension(self, helper):
        """The extension from its source, answering helper (the build tree's)."""
        self.share = os.path.join(self.root, "share")
        d = os.path.join(self.share, "gnome-shell", "extensions", UUID)
        os.makedirs(d)
        src = os.path.join(SRC, "agent", "session", "gnome")
        for name in ("extension.js", "metadata.json"):
            with open(os.path.join(src, name + ".in")) as f:
                text = f.read().replace("@HELPER@", helper).replace("@UUID@", UUID)
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        for dirpath, dirs, files in os.walk(self.share):
            os.chmod(dirpath, 0o755)
            for n in files:
                os.chmod(os.path.join(dirpath, n), 0o644)

    def _dconf(self):
        """The package's dconf default and locks, compiled into a database of the test's."""
        d = os.path.join(self.root, "dconf")
        os.makedirs(os.path.join(d, "local.d", "locks"))
        pkg = os.path.join(SRC, "packaging", "gnome")
        shutil.copy(os.path.join(pkg, "vigil-session.dconf"),
                    os.path.join(d, "local.d", "50-vigil-session"))
        shutil.copy(os.path.join(pkg, "vigil-session.locks"),
                    os.path.join(d, "local.d", "locks", "vigil-session"))
        subprocess.run(["dconf", "compile", os.path.join(d, "local"),
                        os.path.join(d, "local.d")], check=True)
        self.profile = os.path.join(d, "profile")
        with open(self.profile, "w") as f:
            f.write("user-db:user\nfile-db:%s\n" % os.path.join(d, "local"))
        for dirpath, dirs, files in os.walk(d):
            os.chmod(dirpath, 0o755)
            for n in files:
                os.chmod(os.path.join(dirpath, n), 0o644)

    @property
    def socket(self):
        return os.path.join(self.runtime, "wayland-0")

    def env(self):
        return {"PATH": "/usr/bin:/bin", "HOME": self.home, "XDG_RUNTIME_DIR": self.runtime,
                "WAYLAND_DISPLAY": "wayland-0", "LANG": "C.UTF-8", "GDK_BACKEND": "wayland",
                "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(self.runtime, "bus")}

    def start(self):
        # Xwayland wants the X sockets' directory as a machine's boot makes it: root's,
        # 1777 (a compositor that ran as the pupil before may have made it theirs)
        os.makedirs("/tmp/.X11-unix", exist_ok=True)
        os.chown("/tmp/.X11-unix", 0, 0)
        os.chmod("/tmp/.X11-unix", 0o1777)
        if not system_bus_up():
            os.makedirs("/run/dbus", exist_ok=True)
            if os.path.exists(SYSTEM_BUS):
                os.unlink(SYSTEM_BUS)  # left by a bus that is gone
            # A bus of the test's, with no services to start: where none runs (a container,
            # a fresh root) the Shell's requests for polkit and the like fail at once
            # instead of waiting on an activation that cannot work there.
            conf = os.path.join(self.root, "system-bus.conf")
            with open(conf, "w") as f:
                f.write(SYSTEM_BUS_CONF % SYSTEM_BUS)
            self.sysbus = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork",
                                            "--nopidfile"], start_new_session=True)
            for _ in range(100):
                if system_bus_up():
                    break
                time.sleep(0.05)
        env = dict(self.env(), DCONF_PROFILE=self.profile, VIGIL_TEST_HIDE_OVERVIEW="1",
                   XDG_DATA_DIRS=self.share + ":/usr/local/share:/usr/share")
        env.pop("WAYLAND_DISPLAY")
        env.pop("GDK_BACKEND")
        shell = ("dbus-daemon --session --nofork --address=$DBUS_SESSION_BUS_ADDRESS & "
                 "sleep 0.3; exec gnome-shell --headless --wayland --virtual-monitor %dx%d"
                 % SIZE)
        inner = ["runuser", "-u", PUPIL, "--", "env", "-i"] + [
            "%s=%s" % kv for kv in env.items()] + ["sh", "-c", shell]
        # Where /run/systemd is there but no logind runs, the Shell must not see it (it
        # would wait for logind): a mount namespace of its own hides it. Elsewhere the
        # Shell stays in the agent's namespace: in another, a bind-mounted root (a chroot)
        # shows it the helper's executable under another path than the extension expects.
        if os.path.isdir("/run/systemd"):
            hide = "mount -t tmpfs -o mode=755 none /run/systemd"
            argv = ["unshare", "-m", "sh", "-c", hide + ' && exec "$@"', "sh"] + inner
        else:
            argv = inner
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + 60
        while time.monotonic() < end and self.proc.poll() is None:
            if "vigil: session extension enabled" in self.log() and os.path.exists(self.socket):
                break
            time.sleep(0.2)
        # the Shell's first seconds may be busy (the system bus activating polkit): it
        # answers on its bus before the test goes on
        while time.monotonic() < end and self.proc.poll() is None:
            r = self.run(["gdbus", "call", "--session", "--dest", "org.gnome.Shell",
                          "--object-path", "/org/gnome/Shell", "--method",
                          "org.freedesktop.DBus.Peer.Ping"], timeout=60)
            if r.returncode == 0:
                return self
            time.sleep(0.5)
        raise RuntimeError("gnome-shell did not start with the extension: " + self.log())

    def pupil(self):
        return as_pupil()

    def type(self, *words):
        return self.run(["python3", pupil_file(os.path.join(HERE, "gnome-type.py"), self.root)]
                        + list(words))

    def _started(self):
        """pids of the processes in the Shell's session (its bus, what the bus started)."""
        out = []
        if not self.proc:
            return out
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[3]) == self.proc.pid:
                    out.append(int(pid))
            except (OSError, ValueError, IndexError):
                pass
        return out

    def stop(self):
        self.stop_clients()
        started = self._started()
        self.stop_compositor()
        for pid in started:  # what the session bus started in the Shell's session
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.logf.close()
        self.proc = None
        if self.sysbus:
            self.sysbus.terminate()  # it removes its socket
            self.sysbus.wait()
            self.sysbus = None
