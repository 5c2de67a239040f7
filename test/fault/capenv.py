# capenv.py: the real parts for capture and upload tests: vigil-server on loopback with a
# temporary data dir, Xvfb, and vigil-agent with a spool, a state dir and an --inject FIFO.
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SRC = os.environ.get("VIGIL_SOURCE_ROOT",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("VIGIL_BUILD_ROOT", os.path.join(SRC, "build"))
SERVER = os.environ.get("VIGIL_SERVER", os.path.join(BUILD, "server-upload", "vigil-server"))
AGENT = os.path.join(BUILD, "agent", "vigil-agent")
LISTS = os.path.join(SRC, "test", "fault", "lists")
RUN_USER = "nobody"  # the server's and the uploader's user when tests run as root


class Failure(Exception):
    pass


def wait_for(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def give(path):
    if os.geteuid() == 0:
        pw = pwd.getpwnam(RUN_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)


class Server:
    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "server-data")
        self.lists = os.path.join(root, "server-lists")
        os.mkdir(self.data, 0o700)
        shutil.copytree(LISTS, self.lists)
        for d in (self.data, self.lists):
            give(d)
        for f in os.listdir(self.lists):
            give(os.path.join(self.lists, f))
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(root, "server.log")

    def base(self):
        args = [SERVER, "--data", self.data, "--lists", self.lists]
        return args

    def admin(self, *args):
        p = subprocess.run(self.base() + list(args), capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise Failure("vigil-server %s: %s" % (" ".join(args), p.stderr))
        return p.stdout

    def start(self, extra=()):
        args = self.base() + ["--listen", "127.0.0.1:%d" % self.port, "--threads", "4",
                              "--lists-check-interval", "1", "--log-level", "debug"]
        args += list(extra)
        if os.geteuid() == 0:
            args += ["--user", RUN_USER]
        self.log = open(self.log_path, "a")
        start = os.path.getsize(self.log_path)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)

        def up():
            with open(self.log_path, errors="replace") as f:
                f.seek(start)
                t = f.read()
            if self.proc.poll() is not None:
                raise Failure("server exited: " + t)
            return "listening on" in t
        if not wait_for(up, 30):
            raise Failure("server did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def export(self):
        out = self.admin("export")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def machines(self):
        out = self.admin("machines")
        return [json.loads(line) for line in out.splitlines() if line.strip()]


class Xvfb:
    def __init__(self, size="640x480x24"):
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp",
             "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            raise Failure("Xvfb did not start")
        self.display = ":" + num.decode().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Agent:
    """vigil-agent on one display with --inject; one process group so a test can kill it."""

    def __init__(self, root, display, server_url, key, extra_conf=(), server_key=None):
        self.root = root
        self.display = display
        self.spool = os.path.join(root, "spool")
        self.state = os.path.join(root, "state")
        self.fifo = os.path.join(root, "inject.fifo")
        self.log_path = os.path.join(root, "agent.log")
        conf = ["server = " + server_url, "enrol-key = " + key, "debounce-seconds = 0",
                "moment-seconds = 0", "retry-max-seconds = 2", "heartbeat-seconds = 2",
                "spool-retry-ms = 300",
                "machine = TESTPC01", "lists-poll-seconds = 1"]
        if os.geteuid() == 0:
            conf.append("upload-user = " + RUN_USER)
        if server_key:
            conf.append("server-key = " + server_key)
        conf += list(extra_conf)
        self.conf = os.path.join(root, "agent.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = None
        self.lists = LISTS

    def start(self, lists=True, ready="monitoring display"):
        # display None: the sessions logind knows of
        which = ["--display", self.display, "--user", "testpupil"] if self.display else []
        argv = [AGENT, "--config", self.conf] + which + [
                "--foreground", "--log-level", "debug", "--spool", self.spool,
                "--state", self.state, "--inject", self.fifo]
        if lists:
            argv += ["--lists", self.lists]
        self.logf = open(self.log_path, "ab")
        self.log_start = os.path.getsize(self.log_path)
        env = dict(os.environ, DISPLAY=self.display or "")
        env.pop("XAUTHORITY", None)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, cwd=self.root, env=env,
                                     start_new_session=True)
        if not wait_for(lambda: ready in self.log(since_start=True)
                        or self.proc.poll() is not None, 30):
            raise Failure("agent did not start:\n" + self.log())
        if self.proc.poll() is not None:
            raise Failure("agent exited:\n" + self.log())

    def inject(self, lines):
        fd = os.open(self.fifo, os.O_WRONLY)
        try:
            for line in lines:
                os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def log(self, since_start=False):
        try:
            with open(self.log_path, errors="replace") as f:
                if since_start:
                    f.seek(self.log_start)
                return f.read()
        except FileNotFoundError:
            return ""

    def spooled_ids(self):
        """Ids the agent reported as durably spooled, over all its runs."""
        ids = []
        for line in self.log().splitlines():
            if ": capture " in line and " spooled" in line:
                ids.append(line.split(": capture ")[1].split(":")[0].strip())
        return ids

    def spool_files(self):
        try:
            return sorted(f for f in os.listdir(self.spool) if f.endswith(".json"))
        except FileNotFoundError:
            return []

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            if sig == signal.SIGKILL:
                # the whole group: monitor and uploader too
                wait_for(lambda: not _group_alive(self.proc.pid), 10)
        if self.proc:
            self.logf.close()
        self.proc = None


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def make_root(prefix):
    root = tempfile.mkdtemp(prefix=prefix)
    os.chmod(root, 0o755)  # the upload user must reach the spool inside
    return root


def tap_report(results):
    """Prints results [(name, ok, detail)] as TAP (the last 30 lines of each failure's
    detail as comments); returns the exit status: 1 when any failed."""
    print("1..%d" % len(results))
    bad = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            bad += 1
            for line in str(detail).splitlines()[-30:]:
                print("# " + line)
    return 1 if bad else 0
