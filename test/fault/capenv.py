# capenv.py: the real parts for capture and upload tests: vigil-server on loopback with a
# temporary data dir (test/server/harness.py's), Xvfb (test/x11/xenv.py's), and vigil-agent
# with a spool, a state dir and an --inject FIFO; the TAP report of these tests.
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, os.path.join(HERE, "..", "x11"))
import harness  # noqa: E402
from harness import RUN_USER, Failure, free_port  # noqa: E402,F401 (for the tests)
from xenv import XEnv, Xvfb, wait_for  # noqa: E402,F401 (for the tests)

SRC = os.environ.get("VIGIL_SOURCE_ROOT", os.path.join(HERE, "..", ".."))
BUILD = harness.BUILD
AGENT = os.path.join(BUILD, "agent", "vigil-agent")
LISTS = os.path.join(SRC, "test", "fault", "lists")


def Server(root):
    """vigil-server under root with test/fault/lists, on a port of its own that stays
    across restarts (the agent's configuration names it), with its default settings."""
    lists = harness.make_lists(os.path.join(root, "server-lists"), source=LISTS)
    return harness.Server(root=root, lists=lists, port=free_port(), config={}, args=())


@contextlib.contextmanager
def server_and_display(root, school):
    """A started Server(root) with the school (yields its enrolment key) and a display
    (XEnv in root/x, Xvfb and openbox started): (srv, key, x). Both stop at the end."""
    srv = Server(root)
    try:
        srv.start()
        key = srv.admin("school", "add", school).stdout.strip()
        with XEnv(BUILD, workdir=os.path.join(root, "x")) as x:
            os.makedirs(x.dir, exist_ok=True)
            x.start_x()
            yield srv, key, x
    finally:
        srv.stop(signal.SIGKILL)


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
        # Arguments naming the session to watch instead of --display (e.g. --wayland).
        self.session_args = None

    def start(self, lists=True, ready="monitoring display"):
        # display None: the sessions logind knows of
        which = ["--display", self.display, "--user", "testpupil"] if self.display else []
        if self.session_args:
            which = list(self.session_args)
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


def tap_report(results, notes=(), tail=30):
    """Prints results [(name, ok, detail)] as TAP, notes as comments after the plan and
    the last tail lines of each failure's detail as comments; returns the exit status: 1
    when any failed."""
    print("1..%d" % len(results))
    for note in notes:
        print("# " + note)
    bad = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            bad += 1
            for line in str(detail).splitlines()[-tail:]:
                print("# " + line)
    return 1 if bad else 0


def tap_main(results, runs, prefix, programs):
    """The main() of a TAP test of the agent: "1..0 # SKIP" when one of programs is not
    installed; else each (label, run) of runs gets a fresh root (make_root(prefix)), an
    exception it raises is the failed check "label ran without error", and results
    [(name, ok, detail)] are reported as TAP. Returns the exit status."""
    for p in programs:
        if not shutil.which(p):
            print("1..0 # SKIP %s is not installed (tools/deps/agent.txt)" % p)
            return 0
    for label, run in runs:
        root = make_root(prefix)
        try:
            run(root)
        except Exception as e:  # noqa: BLE001 (reported as a failed check)
            results.append(("%s ran without error" % label, False, repr(e)))
        finally:
            if not os.environ.get("VIGIL_KEEP_TEST_DIR"):
                shutil.rmtree(root, ignore_errors=True)
    return tap_report(results)
