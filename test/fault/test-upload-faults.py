#!/usr/bin/env python3
# test-upload-faults.py: nothing accepted is lost between a hit and the server: the server
# down, killed mid-upload, answering 503; the agent SIGKILLed at random points; a spool on a
# tiny tmpfs that fills up or turns read-only. Real vigil-server, Xvfb and vigil-agent
# (hits made through its --inject test aid). TAP output.
import datetime
import http.client
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capenv import (Agent, Failure, Server, Xvfb, make_root, tap_report,  # noqa: E402
                    wait_for)

results = []
FIGURES = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    return bool(cond)


def spooled_count(agent, start=0):
    return len(agent.spooled_ids()) - start


def inject_paced(agent, lines, batch=10, timeout=60):
    """Injects lines in batches, each after the agent has spooled the previous ones
    (the capture queue is bounded: hits faster than screenshots would be dropped)."""
    base = len(agent.spooled_ids())
    done = 0
    while done < len(lines):
        chunk = lines[done:done + batch]
        agent.inject(chunk)
        done += len(chunk)
        if not wait_for(lambda: spooled_count(agent, base) >= done, timeout, 0.05):
            raise Failure("agent spooled %d of %d" % (spooled_count(agent, base), done))


def server_ids(srv):
    return [r["id"] for r in srv.export()]


def spool_json_ok(agent):
    """Every complete name in the spool holds a whole, valid record."""
    for f in agent.spool_files():
        try:
            with open(os.path.join(agent.spool, f)) as fh:
                rec = json.load(fh)
            if rec.get("schema") != "vigil.capture/1" or not rec.get("screenshot", {}).get("data"):
                return f
        except (OSError, ValueError):
            return f
    return None


class Env:
    def __init__(self, name, size="640x480x24"):
        self.root = make_root("vigil-fault-%s-" % name)
        self.srv = Server(self.root)
        self.srv.start()
        self.key = self.srv.admin("school", "add", "Fault School").stdout.strip()
        self.x = Xvfb(size)
        self.agent = None

    def new_agent(self, url=None, extra=()):
        self.agent = Agent(self.root, self.x.display, url or self.srv.url(), self.key, extra)
        return self.agent

    def close(self):
        if self.agent:
            self.agent.stop(signal.SIGKILL)
        self.x.stop()
        self.srv.stop(signal.SIGKILL)
        subprocess.run(["umount", "-l", os.path.join(self.root, "spool")],
                       stderr=subprocess.DEVNULL)
        if not os.environ.get("VIGIL_KEEP_TEST_DIR"):
            shutil.rmtree(self.root, ignore_errors=True)


def all_arrive_once(env, expected_ids, what, timeout=90):
    a, srv = env.agent, env.srv
    wait_for(lambda: len(set(server_ids(srv)) & set(expected_ids)) >= len(set(expected_ids)),
             timeout, 0.5)
    ids = server_ids(srv)
    check("%s: all %d captures arrive" % (what, len(set(expected_ids))),
          set(expected_ids) <= set(ids), "missing %d" % len(set(expected_ids) - set(ids)))
    check("%s: each stored exactly once" % what, len(ids) == len(set(ids)),
          "%d rows, %d ids" % (len(ids), len(set(ids))))
    wait_for(lambda: not a.spool_files(), 20)
    check("%s: spool empty once uploaded" % what, not a.spool_files(), a.spool_files()[:3])


def scenario_server_down(env):
    a = env.new_agent()
    a.start()
    wait_for(lambda: "enrolled as" in a.log(), 20)
    env.srv.stop()
    lines = ["i want to kill myself %d" % i for i in range(100)]
    inject_paced(a, lines)
    ids = a.spooled_ids()
    check("server down: 100 hits spooled", len(ids) == 100 and len(a.spool_files()) == 100,
          "%d ids, %d files" % (len(ids), len(a.spool_files())))
    check("server down: spooled files are complete records", spool_json_ok(a) is None)
    warned = [l for l in a.log().splitlines() if "warning:" in l and "back-off" in l]
    check("server down: unreachable logged once as a warning", len(warned) == 1, warned)
    t0 = time.monotonic()
    env.srv.start()
    wait_for(lambda: set(ids) <= set(server_ids(env.srv)), 90, 0.1)
    dt = time.monotonic() - t0
    size = sum(os.path.getsize(os.path.join(env.srv.data, "images", r["screenshot"]["sha256"][:2],
                                            r["screenshot"]["sha256"] + ".png"))
               for r in env.srv.export()) / max(1, len(ids))
    def parse(t):
        return datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    rec = sorted(parse(r["received"]) for r in env.srv.export())
    span = (rec[-1] - rec[0]).total_seconds() if len(rec) > 1 else 0
    FIGURES.append("upload: %d captures received over %.2f s by the server (%.0f/s, one "
                   "connection; PNG %.1f KiB each; %.1f s from server start incl. back-off)"
                   % (len(rec), span, (len(rec) - 1) / span if span else 0, size / 1024, dt))
    all_arrive_once(env, ids, "server back")
    check("server back: logged as reachable again", "reachable again" in a.log())
    recs = env.srv.export()
    r = recs[0] if recs else {}
    check("records carry machine, user, reason and agent",
          r.get("machine") == "TESTPC01" and r.get("user") == "testpupil"
          and r.get("reason", {}).get("rule") == "fault.txt:6" and r.get("source") == "typed"
          and r.get("agent", {}).get("version"), r)
    a.stop()


def scenario_server_killed(env):
    a = env.new_agent()
    a.start()
    wait_for(lambda: "enrolled as" in a.log(), 20)
    env.srv.stop()
    base = len(a.spooled_ids())
    inject_paced(a, ["i could kill myself %d" % i for i in range(100)])
    ids = a.spooled_ids()[base:]
    kills = 0
    for _ in range(6):
        env.srv.start()
        time.sleep(random.uniform(0.05, 0.6))
        env.srv.stop(signal.SIGKILL)
        kills += 1
        time.sleep(0.2)
    env.srv.start()
    check("server killed %d times mid-upload" % kills, kills == 6)
    all_arrive_once(env, ids, "server killed mid-upload")
    a.stop()


class Flaky(http.server.BaseHTTPRequestHandler):
    """A proxy in front of the real server answering 503 to captures while failing."""
    protocol_version = "HTTP/1.1"
    upstream = None
    failing = True
    count_503 = 0

    def log_message(self, *args):
        pass

    def _relay(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if Flaky.failing and self.path.startswith("/api/v1/captures"):
            Flaky.count_503 += 1
            data = b'{"error":"cannot store now"}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        c = http.client.HTTPConnection("127.0.0.1", Flaky.upstream, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c.request(method, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length", "date",
                                 "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        c.close()

    def do_GET(self):
        self._relay("GET")

    def do_POST(self):
        self._relay("POST")


def scenario_503(env):
    Flaky.upstream = env.srv.port
    Flaky.failing = True
    Flaky.count_503 = 0
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    a = env.new_agent(url="http://127.0.0.1:%d" % proxy.server_address[1])
    a.start()
    base = len(a.spooled_ids())
    inject_paced(a, ["kill myself said the note %d" % i for i in range(20)])
    ids = a.spooled_ids()[base:]
    wait_for(lambda: Flaky.count_503 >= 3, 30)
    check("503: agent retries with back-off", Flaky.count_503 >= 3, Flaky.count_503)
    check("503: nothing deleted while the server cannot store", len(a.spool_files()) == 20,
          len(a.spool_files()))
    Flaky.failing = False
    all_arrive_once(env, ids, "after 503s")
    a.stop()
    proxy.shutdown()


def scenario_agent_killed(env):
    a = env.new_agent()
    a.start()
    wait_for(lambda: "enrolled as" in a.log(), 20)
    a.stop()
    corrupt = []
    for rnd in range(6):
        a.start()
        lines = ["round %d kill myself %d" % (rnd, i) for i in range(15)]
        a.inject(lines[:8])
        time.sleep(random.uniform(0.0, 0.5))
        a.inject(lines[8:])
        time.sleep(random.uniform(0.0, 0.8))
        a.stop(signal.SIGKILL)
        bad = spool_json_ok(a)
        if bad:
            corrupt.append(bad)
    ids = a.spooled_ids()
    check("agent SIGKILLed 6 times: no partial record under a final name", not corrupt, corrupt)
    a.start()
    all_arrive_once(env, ids, "agent killed at random points")
    leftovers = [f for f in os.listdir(a.spool) if f.startswith(".tmp-")]
    check("agent killed: no temporary file left after restart", not leftovers, leftovers)
    a.stop()


def scenario_tmpfs(env):
    spool = os.path.join(env.root, "spool")
    os.makedirs(spool, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k,mode=0700", "tmpfs", spool],
                       capture_output=True, text=True)
    if r.returncode != 0:
        check("# SKIP tmpfs spool: cannot mount (%s)" % r.stderr.strip(), True)
        return
    env.srv.stop()  # nothing leaves the spool while it fills
    a = env.new_agent(extra=["spool-max-bytes = 100000000"])
    a.start()
    inject_paced(a, ["apple crumble %d" % i for i in range(30)], batch=5)
    check("tmpfs: 30 low-severity captures spooled",
          len([f for f in a.spool_files() if f.startswith("1-")]) == 30)
    base = len(a.spooled_ids())
    inject_paced(a, ["kill myself %d" % i for i in range(80)], batch=5)
    high_ids = a.spooled_ids()[base:]
    files = a.spool_files()
    kept = [f[16:52] for f in files if f.startswith("5-")]
    check("tmpfs full: low-severity captures evicted first (none left)",
          not [f for f in files if f.startswith("1-")], files[:3])
    # Hits of one injected batch may share a millisecond (the time in the file name):
    # allow that much slack in "oldest".
    check("tmpfs full: then the oldest high ones; the newest %d kept" % len(kept),
          0 < len(kept) < 80 and set(high_ids[-(len(kept) - 5):]) <= set(kept)
          and not set(kept) & set(high_ids[:len(high_ids) - len(kept) - 5]), len(kept))
    check("tmpfs full: eviction logged", "evicted" in a.log())

    def dropped():
        try:
            return int(open(os.path.join(spool, "dropped")).read().strip() or 0)
        except FileNotFoundError:
            return 0
    before = dropped()
    a.inject(["apple crumble late %d" % i for i in range(5)])
    wait_for(lambda: a.log().count("(severity 1) dropped") >= 5, 20)
    files2 = a.spool_files()
    check("tmpfs full: a low never evicts a high",
          sorted(f[16:52] for f in files2 if f.startswith("5-")) == sorted(kept)
          and a.log().count("(severity 1) dropped") == 5, len(files2))
    check("tmpfs full: drops counted (%d -> %d)" % (before, dropped()), dropped() == before + 5)
    # Read-only spool: logged once, kept in memory, stored when writable again.
    subprocess.run(["mount", "-o", "remount,ro", spool], check=True)
    base = len(a.spooled_ids())
    a.inject(["kill myself while read-only %d" % i for i in range(3)])
    wait_for(lambda: a.log().count("keeping") >= 1, 10)
    time.sleep(1.5)
    check("read-only spool: error logged once, not in a loop",
          a.log().count("Read-only file system; keeping") == 1,
          a.log().count("Read-only file system; keeping"))
    check("read-only spool: agent still running", a.proc.poll() is None)
    subprocess.run(["mount", "-o", "remount,rw", spool], check=True)
    ok = wait_for(lambda: len(a.spooled_ids()) - base >= 3, 20)
    check("read-only spool: held captures spooled once writable", ok and "writable again" in a.log(),
          len(a.spooled_ids()) - base)
    env.srv.start()
    highs = [f for f in a.spool_files() if f.startswith("5-")]
    high_ids = [f[16:52] for f in highs]
    wait_for(lambda: not a.spool_files(), 60)
    ids = server_ids(env.srv)
    check("tmpfs: high-severity captures all reach the server", set(high_ids) <= set(ids),
          len(set(high_ids) - set(ids)))
    a.stop()


def fetch_bundle(env, token):
    c = http.client.HTTPConnection("127.0.0.1", env.srv.port, timeout=30)
    c.request("GET", "/api/v1/wordlists", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def scenario_lists(env):
    pub = env.srv.admin("key", "show").stdout.strip()
    a = env.new_agent()
    with open(a.conf, "a") as f:
        f.write("server-key = %s\n" % pub)
    a.start()  # with --lists: enrols, does not poll
    wait_for(lambda: os.path.exists(os.path.join(a.state, "token")), 20)
    a.stop()
    token = open(os.path.join(a.state, "token")).read().strip()
    status, body = fetch_bundle(env, token)
    bundle = os.path.join(a.state, "wordlists.bundle")
    with open(bundle, "wb") as f:
        f.write(body)
    v1 = json.loads(body)["version"]
    a.start(lists=False)
    check("lists: the stored signed bundle is used at start",
          ("phrase lists bundle %s" % v1) in a.log(), a.log()[-800:])
    # A technician adds a phrase: the server re-signs, the agent fetches, verifies, swaps.
    with open(os.path.join(env.srv.lists, "fault.txt"), "a") as f:
        f.write("purple monkey dishwasher = 4\n")
    ok = wait_for(lambda: "received and verified" in a.log(since_start=True)
                  and "lists reloaded for display" in a.log(since_start=True), 30, 0.2)
    v2 = json.loads(fetch_bundle(env, token)[1])["version"]
    check("lists: new bundle fetched, verified and swapped into the monitor without restart",
          ok and v2 != v1 and ("lists reloaded for display %s: %s" % (a.display, v2)) in a.log(),
          a.log()[-1500:])
    base = len(a.spooled_ids())
    a.inject(["a purple monkey dishwasher here"])
    wait_for(lambda: len(a.spooled_ids()) > base, 20)
    new_id = a.spooled_ids()[-1] if len(a.spooled_ids()) > base else None
    wait_for(lambda: new_id in server_ids(env.srv), 20)
    rec = [r for r in env.srv.export() if r["id"] == new_id]
    check("lists: the new phrase is caught and the record names the new lists version",
          rec and rec[0]["reason"]["phrase"] == "purple monkey dishwasher"
          and rec[0]["agent"]["wordlists"] == v2, rec)
    # A tampered or unsigned bundle on disk is refused on reload; the lists in use stay.
    good = open(bundle, "rb").read()
    doc = json.loads(good)
    doc["payload"] = doc["payload"].replace("purple monkey", "purple donkey")
    with open(bundle, "w") as f:
        json.dump(doc, f)
    os.killpg(a.proc.pid, signal.SIGHUP)
    wait_for(lambda: "does not verify" in a.log(since_start=True), 10)
    check("lists: a tampered bundle is refused and logged",
          "signature does not verify with the pinned server key" in a.log(since_start=True))
    del doc["signature"]
    with open(bundle, "w") as f:
        json.dump(doc, f)
    os.killpg(a.proc.pid, signal.SIGHUP)
    wait_for(lambda: "unsigned" in a.log(since_start=True), 10)
    check("lists: an unsigned bundle is refused and logged", "unsigned" in a.log(since_start=True))
    base = len(a.spooled_ids())
    a.inject(["purple monkey dishwasher again"])
    check("lists: the last good lists stay in use",
          wait_for(lambda: len(a.spooled_ids()) > base, 20) and a.proc.poll() is None)
    a.stop()


SCENARIOS = [
    ("phrase-list updates", scenario_lists),
    ("server down while 100 hits happen", scenario_server_down),
    ("server killed mid-upload", scenario_server_killed),
    ("server answers 503", scenario_503),
    ("agent killed at random points", scenario_agent_killed),
    ("spool on a tiny tmpfs", scenario_tmpfs),
]


def main():
    for prog in ("Xvfb",):
        if not shutil.which(prog):
            print("1..0 # SKIP %s is not installed" % prog)
            return 0
    only = os.environ.get("VIGIL_FAULT_ONLY")
    for name, fn in SCENARIOS:
        if only and only not in name:
            continue
        env = None
        try:
            env = Env(name.split()[0] + str(len(results)))
            fn(env)
        except Exception as e:  # noqa: BLE001
            log = env.agent.log()[-3000:] if env and env.agent else ""
            check("%s: ran without error" % name, False, "%r\n%s" % (e, log))
        finally:
            if env:
                env.close()
    return tap_report(results, FIGURES, tail=40)


if __name__ == "__main__":
    sys.exit(main())
