#!/usr/bin/env python3
"""test-debs.py: builds the .debs with packaging/build-debs and proves what they install.

TAP output. Steps:
  1. packaging/build-debs into a temporary directory;
  2. lintian: any error (E:) fails, warnings and the rest are reported;
  3. the packages' contents: programs, units, conffiles, default lists, manual pages,
     owners and modes (dpkg-deb --contents);
  4. systemd-analyze verify of both units in a root made of the extracted packages;
  5. a throw-away Debian 12 root (debootstrap, cached between runs): the packages are
     installed with apt exactly as docs/install.md says, so the maintainer scripts
     run for real (system users, 0700 state and spool, statoverride, enabled units);
     then the installed programs run there (vigil-wordlist scan with the default
     lists, vigil-server school add / lists check, the server as its own user
     answering /healthz, systemd-analyze verify of the installed units), a second
     install as an upgrade, and remove/purge with what they keep;
  6. the fleet's apt repository, in that root: vigil-server publishes the agent package
     (apt add), serves it, and the root adds the key and the source with the lines of
     docs/install.md, installs vigil-agent with apt-get, upgrades it to a higher version
     published later, and refuses the index once its signed Release is tampered with.
Steps 5 and 6 need root and a reachable Debian mirror; without them they are skipped,
saying so.

Environment: VIGIL_SOURCE_ROOT (the tree), VIGIL_PKG_CACHE (where the debootstrap base
is kept, default /var/cache/vigil-test), VIGIL_DEBIAN_MIRROR (default: from apt's
sources), VIGIL_PKG_KEEP=1 keeps the temporary directory.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from harness import free_port  # noqa: E402

SRC = os.environ.get("VIGIL_SOURCE_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.environ.get("VIGIL_PKG_CACHE", "/var/cache/vigil-test")
SUITE = "bookworm"

n = 0
failed = 0


def tap(ok, name, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {name}", flush=True)
    if detail:
        for line in str(detail).rstrip().splitlines():
            print(f"# {line}", flush=True)
    if not ok:
        # meson shows a failing TAP test's stderr, not its stdout: the output goes there too
        print(f"not ok {n} - {name}\n{str(detail).rstrip()}", file=sys.stderr, flush=True)
    return ok


def skip(name, why):
    global n
    n += 1
    print(f"ok {n} - {name} # SKIP {why}", flush=True)


def note(text):
    for line in str(text).rstrip().splitlines():
        print(f"# {line}", flush=True)


def run(cmd, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    return subprocess.run(cmd, **kw)


def version():
    with open(os.path.join(SRC, "meson.build")) as f:
        return re.search(r"version:\s*'([^']+)'", f.read()).group(1)


# --- 1. build ------------------------------------------------------------------------
def build(tmp):
    out = os.path.join(tmp, "debs")
    t0 = time.monotonic()
    r = run([os.path.join(SRC, "packaging", "build-debs"), "--build-dir",
             os.path.join(tmp, "build-pkg"), out])
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    debs = {p: os.path.join(out, f"{p}_{version()}_{arch}.deb")
            for p in ("vigil-agent", "vigil-server")}
    ok = r.returncode == 0 and all(os.path.exists(d) for d in debs.values())
    tap(ok, f"build-debs builds both packages ({time.monotonic() - t0:.0f} s)",
        r.stdout if not ok else "\n".join(
            f"{os.path.basename(d)}: {os.path.getsize(d)} bytes" for d in debs.values()))
    return debs if ok else None


# --- 2. lintian ----------------------------------------------------------------------
def lintian(debs):
    if not shutil.which("lintian"):
        skip("lintian", "lintian is not installed (tools/deps/packaging.txt)")
        return
    r = run(["lintian", "--pedantic", "--display-info", "--show-overrides", *debs.values()])
    lines = [l for l in r.stdout.splitlines() if re.match(r"^[EWIPXO]: ", l)]
    errors = [l for l in lines if l.startswith("E: ")]
    counts = {k: sum(1 for l in lines if l.startswith(k + ": ")) for k in "EWIPXO"}
    summary = (f"lintian --pedantic: {counts['E']} errors, {counts['W']} warnings, "
               f"{counts['I']} info, {counts['P']} pedantic, {counts['O']} overridden")
    tap(not errors, "lintian reports no errors", "\n".join([summary] + lines))


# --- 3. contents ---------------------------------------------------------------------
def contents(deb):
    """{path: (mode string, owner/group)} from dpkg-deb --contents."""
    out = {}
    for line in run(["dpkg-deb", "--contents", deb]).stdout.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        path = parts[5].split(" -> ")[0]
        out[path.lstrip(".")] = (parts[0], parts[1])
    return out


def field(deb, name):
    return run(["dpkg-deb", "--field", deb, name]).stdout.strip()


def ctrl_file(deb, name):
    r = run(["sh", "-c", 'dpkg-deb --ctrl-tarfile "$1" | tar -xOf - "./$2"', "-", deb, name],
            stderr=subprocess.DEVNULL)
    return r.stdout if r.returncode == 0 else ""


EXPECT = {
    "vigil-agent": {
        "/usr/sbin/vigil-agent": "-rwxr-xr-x",
        "/usr/bin/vigil-wordlist": "-rwxr-xr-x",
        "/lib/systemd/system/vigil-agent.service": "-rw-r--r--",
        "/etc/vigil/agent.conf": "-rw-------",
        "/etc/default/vigil-agent": "-rw-r--r--",
        "/usr/lib/vigil/vigil-x11-only": "-rwxr-xr-x",
        "/usr/share/vigil/wordlists/self-harm.txt": "-rw-r--r--",
        "/usr/share/man/man8/vigil-agent.8.gz": "-rw-r--r--",
        "/usr/share/man/man1/vigil-wordlist.1.gz": "-rw-r--r--",
        "/usr/share/doc/vigil-agent/copyright": "-rw-r--r--",
    },
    "vigil-server": {
        "/usr/bin/vigil-server": "-rwxr-xr-x",
        "/lib/systemd/system/vigil-server.service": "-rw-r--r--",
        "/etc/vigil/server.conf": "-rw-r--r--",
        "/usr/share/vigil-server/wordlists/self-harm.txt": "-rw-r--r--",
        "/usr/share/man/man8/vigil-server.8.gz": "-rw-r--r--",
        "/usr/share/doc/vigil-server/copyright": "-rw-r--r--",
    },
}
CONFFILES = {"vigil-agent": ["/etc/default/vigil-agent", "/etc/vigil/agent.conf"],
             "vigil-server": ["/etc/vigil/server.conf"]}


def check_contents(debs):
    lists = sorted(os.path.basename(p) for p in glob.glob(os.path.join(SRC, "wordlists", "*"))
                   if p.endswith((".txt", ".inc")))
    with open(os.path.join(SRC, "packaging", "meson.build")) as f:
        meson_lists = sorted(re.findall(r"'\.\./wordlists/([^']+)'", f.read()))
    tap(meson_lists == lists, "packaging/meson.build installs every default phrase list",
        f"listed {meson_lists}\nin wordlists/ {lists}" if meson_lists != lists else "")
    for pkg, deb in debs.items():
        c = contents(deb)
        bad = [f"{p}: {c.get(p, ('missing',))[0]} (want {m})" for p, m in EXPECT[pkg].items()
               if c.get(p, ("",))[0] != m]
        bad += [f"{p}: owner {o}" for p, (m, o) in c.items() if o != "root/root"]
        bad += [f"{p}: {m} is writable by group or others" for p, (m, o) in c.items()
                if not m.startswith("l") and (m[5] == "w" or m[8] == "w")]
        tap(not bad, f"{pkg}: files, modes, owned by root", "\n".join(bad))
        listdir = "/usr/share/vigil/wordlists/" if pkg == "vigil-agent" else \
            "/usr/share/vigil-server/wordlists/"
        got = sorted(p[len(listdir):] for p in c if p.startswith(listdir) and p != listdir)
        tap(got == lists, f"{pkg}: all {len(lists)} default phrase lists in {listdir}",
            f"got {got}\nwant {lists}" if got != lists else "")
        conff = sorted(ctrl_file(deb, "conffiles").split())
        tap(conff == CONFFILES[pkg], f"{pkg}: conffiles {conff}",
            f"want {CONFFILES[pkg]}" if conff != CONFFILES[pkg] else "")
        scripts = [s for s in ("postinst", "prerm", "postrm") if ctrl_file(deb, s)]
        md5 = ctrl_file(deb, "md5sums")
        tap(len(scripts) == 3 and re.search(r"^[0-9a-f]{32}  usr/s?bin/vigil-", md5, re.M),
            f"{pkg}: maintainer scripts {scripts} and md5sums", md5[:2000])
        deps = field(deb, "Depends")
        tap("adduser" in deps and "libc6" in deps,
            f"{pkg}: Depends has the shared libraries and adduser", deps)


# --- 4. unit verification in the extracted root --------------------------------------
def verify_units(root, label, chroot=False):
    if not shutil.which("systemd-analyze"):
        skip(f"systemd-analyze verify ({label})", "systemd is not installed")
        return
    for unit in ("vigil-agent.service", "vigil-server.service"):
        path = f"/lib/systemd/system/{unit}"
        if chroot:
            r = run(["chroot", root, "systemd-analyze", "verify", "--man=no", path])
        else:
            r = run(["systemd-analyze", "verify", "--man=no", f"--root={root}", path])
        tap(r.returncode == 0 and not r.stdout.strip(),
            f"systemd-analyze verify {unit} ({label})", r.stdout)


def extracted_root(tmp, debs):
    root = os.path.join(tmp, "extracted")
    os.makedirs(root)
    for deb in debs.values():
        run(["dpkg-deb", "--extract", deb, root], check=True)
    # What a Debian system around the units provides: the standard targets and kill.
    for t in glob.glob("/lib/systemd/system/*.target"):
        shutil.copy(t, os.path.join(root, "lib/systemd/system/"))
    os.makedirs(os.path.join(root, "usr/bin"), exist_ok=True)
    kill = shutil.which("kill") or "/usr/bin/kill"
    if os.path.exists(kill):
        shutil.copy(kill, os.path.join(root, "usr/bin/kill"))
    return root


def security_figures(root):
    for unit in ("vigil-agent.service", "vigil-server.service"):
        r = run(["systemd-analyze", "security", "--offline=true", f"--root={root}",
                 f"/lib/systemd/system/{unit}"])
        m = re.search(r"Overall exposure level for \S+: ([\d.]+ \S+)", r.stdout)
        note(f"systemd-analyze security {unit}: exposure {m.group(1) if m else '?'}")


# --- 5. a throw-away Debian root -----------------------------------------------------
def mirror():
    if os.environ.get("VIGIL_DEBIAN_MIRROR"):
        return os.environ["VIGIL_DEBIAN_MIRROR"]
    for path in glob.glob("/etc/apt/sources.list.d/*.sources") + ["/etc/apt/sources.list"]:
        try:
            text = open(path).read()
        except OSError:
            continue
        for m in re.finditer(r"(?:URIs:|^deb)\s+(\S+/debian)/?\s", text, re.M):
            return m.group(1)
    return None


def base_tarball():
    """A cached minbase bookworm with systemd, made once a week."""
    tar = os.path.join(CACHE, f"{SUITE}-minbase-systemd.tar")
    if os.path.exists(tar) and time.time() - os.path.getmtime(tar) < 7 * 86400:
        return tar, "cached"
    url = mirror()
    if not url or not shutil.which("debootstrap"):
        return None, "no debootstrap or no Debian mirror in apt's sources"
    os.makedirs(CACHE, exist_ok=True)
    work = tempfile.mkdtemp(prefix="base.", dir=CACHE)
    try:
        t0 = time.monotonic()
        r = run(["debootstrap", "--variant=minbase", "--include=systemd,procps",
                 SUITE, work, url])
        if r.returncode != 0:
            return None, "debootstrap failed:\n" + r.stdout[-2000:]
        # the same sources as this machine, so that updated libraries resolve
        src = "/etc/apt/sources.list.d/debian.sources"
        if os.path.exists(src):
            shutil.copy(src, os.path.join(work, "etc/apt/sources.list.d/debian.sources"))
            open(os.path.join(work, "etc/apt/sources.list"), "w").close()
        os.chmod(work, 0o755)
        run(["tar", "-C", work, "-cf", tar + ".new", "."], check=True)
        os.replace(tar + ".new", tar)
        return tar, f"made by debootstrap in {time.monotonic() - t0:.0f} s"
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Chroot:
    def __init__(self, root):
        self.root = root

    def sh(self, script, stdin=None):
        """Runs script with sh in the chroot, in a private mount namespace with /proc."""
        inner = ("mount -t proc proc \"$R/proc\" && mount --rbind /dev \"$R/dev\" && "
                 "cp /etc/resolv.conf \"$R/etc/resolv.conf\" 2>/dev/null; "
                 "exec chroot \"$R\" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "
                 "DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 /bin/sh -c \"$S\"")
        env = dict(os.environ, R=self.root, S=script)
        return run(["unshare", "--mount", "--propagation", "private", "sh", "-c", inner],
                   env=env, input=stdin)

    def stat(self, path):
        r = self.sh(f"stat -c '%a %U %G' {path}")
        return r.stdout.strip() if r.returncode == 0 else "missing"


def server_runs(ch):
    """The packaged server, started as the service starts it, answers /healthz."""
    port = free_port()
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         "mount -t proc proc \"$R/proc\" && exec chroot --userspec=vigil-server:vigil-server "
         "\"$R\" /usr/bin/vigil-server --config /etc/vigil/server.conf "
         f"--listen 127.0.0.1:{port}"],
        env=dict(os.environ, R=ch.root), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    status, body = None, ""
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status, body = r.status, r.read().decode()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    tap(status == 200, "vigil-server runs as vigil-server with the packaged config and "
        "answers /healthz", f"status {status} {body}\n{out}")
    # What systemctl stop sends: the server must stop cleanly, not be killed by it.
    tap(proc.returncode == 0, "vigil-server exits 0 on SIGTERM", f"exit {proc.returncode}\n{out}")


def agent_sees_typing(ch):
    """The packaged agent with the fleet agent.conf (run-as vigil) on a real X display."""
    need = [t for t in ("Xvfb", "xterm", "xdotool") if not shutil.which(t)]
    if need:
        skip("the installed agent finds a typed phrase", f"{' '.join(need)} not installed")
        return
    # Xvfb picks a free display itself (another may be in use in the same network
    # namespace, where /tmp/.X11-unix does not show it) and writes its number.
    rfd, wfd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "800x600x24",
                             "-nolisten", "tcp"], pass_fds=(wfd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    procs = [xvfb]
    agent = None
    try:
        with os.fdopen(rfd) as f:
            disp = f.readline().strip()
        if not disp:
            tap(False, "Xvfb starts for the installed agent", f"exit {xvfb.poll()}")
            return
        env = dict(os.environ, DISPLAY=f":{disp}")
        procs.append(subprocess.Popen(["xterm", "-T", "pkgterm"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # The chroot sees the X sockets as the service does (BindReadOnlyPaths).
        agent = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             "mount -t proc proc \"$R/proc\" && mkdir -p \"$R/tmp/.X11-unix\" && "
             "mount --bind -o ro /tmp/.X11-unix \"$R/tmp/.X11-unix\" && "
             "exec chroot \"$R\" /usr/sbin/vigil-agent --config /etc/vigil/agent.conf "
             f"--display :{disp} --user pupil --foreground"],
            env=dict(os.environ, R=ch.root), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        run(["xdotool", "search", "--sync", "--name", "pkgterm", "windowactivate", "--sync"],
            env=env, timeout=20)
        time.sleep(2)
        # uids of the supervisor's children: the display monitors
        uids = run(["ps", "-o", "uid=", "--ppid", str(agent.pid)]).stdout.split()
        run(["xdotool", "type", "--delay", "20", "i want to kill myself tonight"], env=env)
        run(["xdotool", "key", "Return"], env=env)
        time.sleep(2)
    finally:
        if agent:
            agent.terminate()
            try:
                out, _ = agent.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                agent.kill()
                out, _ = agent.communicate()
        for p in procs:
            p.terminate()
            p.wait()
    tap("hit: self-harm severity 5" in out and "monitoring display" in out,
        "the installed agent with the packaged lists finds a phrase typed on an X display",
        out)
    vigil_uid = ch.sh("id -u vigil").stdout.strip()
    tap(uids and all(u == vigil_uid for u in uids),
        "its display monitor and uploader run as the vigil system user (run-as, upload-user)",
        f"child uids {uids}, vigil is {vigil_uid}")
    spooled = ch.sh("find /var/spool/vigil -type f -user vigil -perm 0600 | wc -l").stdout
    tap("spooled" in out and int(spooled.strip() or 0) >= 1,
        "the capture is spooled in the package's /var/spool/vigil, owned by vigil, 0600",
        f"files: {spooled}")


INSTALL = ("apt-get -qq -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef "
           "install -y --no-install-recommends /debs/vigil-agent.deb /debs/vigil-server.deb")


# --- 6. the fleet's apt repository ------------------------------------------------
DOC_URL = "https://vigil.school.example:8443"


def install_lines():
    """The workstation's lines of docs/install.md: the fenced block that fetches the key."""
    with open(os.path.join(SRC, "docs", "install.md")) as f:
        blocks = re.findall(r"```sh\n(.*?)```", f.read(), re.S)
    for b in blocks:
        if "vigil-archive-keyring.gpg" in b and "sources.list.d" in b:
            return [l for l in b.splitlines() if l.strip() and not l.startswith("#")]
    return []


def repack(deb, new_version, out, summary=None):
    """deb again with another Version (and another summary): the next release as apt
    sees it, or another build under a version published already."""
    work = out + ".d"
    run(["dpkg-deb", "--raw-extract", deb, work], check=True)
    ctl = os.path.join(work, "DEBIAN", "control")
    with open(ctl) as f:
        text = re.sub(r"^Version: .*$", f"Version: {new_version}", f.read(), flags=re.M)
    if summary:
        text = re.sub(r"^Description: .*$", f"Description: {summary}", text, flags=re.M)
    with open(ctl, "w") as f:
        f.write(text)
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", work, out], check=True)
    shutil.rmtree(work)


def apt_repository(tmp, ch, debs):
    t_start = time.monotonic()
    server_bin = os.path.join(tmp, "build-pkg", "server-upload", "vigil-server")
    lines = install_lines()
    if not tap(len(lines) >= 2 and any("apt-get install" in l for l in lines),
               "docs/install.md gives the workstation's key, source and install lines",
               "\n".join(lines)):
        return
    # The server's data directory, owned by the user it runs as (nobody here); the
    # packages are handed to it as root gives them (apt add reads them before it drops).
    os.chmod(tmp, 0o711)
    data = os.path.join(tmp, "apt-data")
    os.makedirs(data, mode=0o700)
    shutil.chown(data, "nobody")
    srv = [server_bin, "--data", data, "--user", "nobody"]
    r = run(srv + ["apt", "add", debs["vigil-agent"]])
    a_version = version()
    key = os.path.join(data, "apt-signing.key")
    st = os.stat(key) if os.path.exists(key) else None
    nobody = int(run(["id", "-u", "nobody"]).stdout)
    tap(r.returncode == 0 and f"vigil-agent {a_version}" in r.stdout and st is not None
        and (st.st_mode & 0o777) == 0o600 and st.st_uid == nobody,
        "vigil-server apt add publishes the agent; its signing key is made 0600, owned by "
        "the server's user", r.stdout)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(srv + ["--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2).close()
                break
            except OSError as e:
                if getattr(e, "code", None):
                    break
                time.sleep(0.1)
        apt_via_server(ch, url, lines, srv, data, debs, tmp, a_version)
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    note(f"apt repository steps: {time.monotonic() - t_start:.0f} s")


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), b""


def apt_via_server(ch, url, lines, srv, data, debs, tmp, a_version):
    got = {p: fetch(f"{url}/apt/{p}")[:2] for p in (
        "dists/stable/InRelease", "vigil-archive-keyring.gpg",
        f"pool/main/vigil-agent_{a_version}_{run(['dpkg', '--print-architecture']).stdout.strip()}.deb",
        "../apt-signing.key", "%2e%2e/apt-signing.key", "pool/main/..%2f..%2fapt-signing.key",
        "dists/stable/.hidden")}
    ok = [s for s, _ in list(got.values())[:3]] == [200] * 3 and \
        all(s == 404 for s, _ in list(got.values())[3:])
    tap(ok and got["dists/stable/InRelease"][1].startswith("text/plain")
        and got["vigil-archive-keyring.gpg"][1] == "application/pgp-keys",
        "GET /apt/ serves the published files without sign-in, with their types, and "
        "nothing else (the signing key, .., hidden names: 404)",
        "\n".join(f"{p}: {v}" for p, v in got.items()))
    script = "set -e\n" + "\n".join(l.replace(DOC_URL, url) for l in lines)
    t0 = time.monotonic()
    r = ch.sh(script)
    inst = ch.sh("dpkg-query -W -f='${Version}' vigil-agent").stdout.strip()
    tap(r.returncode == 0 and inst == a_version,
        f"the documented lines add the key and the source and apt-get installs vigil-agent "
        f"{a_version} from the server ({time.monotonic() - t0:.0f} s)",
        f"installed {inst!r}\n{r.stdout[-3000:]}")
    if r.returncode != 0:
        return

    b_version = a_version + "+1"
    b_deb = os.path.join(tmp, "vigil-agent-b.deb")
    repack(debs["vigil-agent"], b_version, b_deb)
    r = run(srv + ["apt", "add", b_deb])
    tap(r.returncode == 0 and f"added vigil-agent {b_version}" in r.stdout,
        f"vigil-server apt add publishes version {b_version}", r.stdout)
    t0 = time.monotonic()
    r = ch.sh("apt-get -qq update && apt-get -qq -o Dpkg::Options::=--force-confold "
              "upgrade -y")
    inst = ch.sh("dpkg-query -W -f='${Version}' vigil-agent").stdout.strip()
    tap(r.returncode == 0 and inst == b_version,
        f"apt-get update && apt-get upgrade installs {b_version} "
        f"({time.monotonic() - t0:.0f} s)", f"installed {inst!r}\n{r.stdout[-3000:]}")

    # Bad input is refused, naming the file and what is wrong; nothing is left behind.
    junk = os.path.join(tmp, "junk.deb")
    with open(junk, "w") as f:
        f.write("not a package\n")
    other = os.path.join(tmp, "vigil-agent-other.deb")
    repack(debs["vigil-agent"], b_version, other, summary="another build")
    r1 = run(srv + ["apt", "add", junk])
    r2 = run(srv + ["apt", "add", other])
    left = [n for n in os.listdir(data) if n.startswith(".")] + \
        [n for n in os.listdir(os.path.join(data, "apt", "pool", "main")) if n.startswith(".")]
    tap(r1.returncode == 1 and "junk.deb: not a Debian package" in r1.stdout
        and r2.returncode == 1 and "with other contents" in r2.stdout and not left,
        "apt add refuses a file that is not a .deb and another build under a published "
        "version, saying which; no temporary file or GnuPG home is left",
        f"{r1.stdout}{r2.stdout}left: {left}")

    # Someone changes the published index: apt must refuse it, not install from it.
    dists = os.path.join(data, "apt", "dists", "stable")
    for name in ("InRelease", "Release"):
        path = os.path.join(dists, name)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("Label: Vigil", "Label: Vigi1"))
    # apt keeps the index it had and warns; --error-on=any makes that the exit status
    r = ch.sh("apt-get --error-on=any update")
    tap(r.returncode != 0 and "BADSIG" in r.stdout and "not updated" in r.stdout,
        "a tampered Release and InRelease are refused by apt-get update (BADSIG; the index "
        "apt had is kept)", r.stdout[-2000:])


def throwaway_install(tmp, debs):
    if os.geteuid() != 0:
        skip("install into a throw-away Debian root", "needs root (chroot)")
        return
    # Its /proc and /dev are mounted in a private mount namespace, which needs / to be a
    # mount point: it is on a machine, not in a chroot of a plain directory.
    r = run(["unshare", "--mount", "--propagation", "private", "true"])
    if r.returncode != 0:
        skip("install into a throw-away Debian root", "no private mount namespace here "
             f"(is / a mount point?): {r.stdout.strip()}")
        return
    tar, how = base_tarball()
    if not tar:
        skip("install into a throw-away Debian root", how)
        return
    note(f"Debian {SUITE} base root: {how}")
    root = os.path.join(tmp, "root")
    os.makedirs(root)
    run(["tar", "-C", root, "-xf", tar], check=True)
    os.chmod(root, 0o755)  # the chroot's / must be searchable by the system users
    os.makedirs(os.path.join(root, "debs"))
    for pkg, deb in debs.items():
        shutil.copy(deb, os.path.join(root, "debs", f"{pkg}.deb"))
    ch = Chroot(root)

    # A fleet install: agent.conf written first (0600), then the package; the local
    # file is kept without a question (docs/install.md).
    conf = ("server = https://vigil.test.example:8443\nenrol-key = TESTKEY\n"
            "spool = /var/spool/vigil\nstate = /var/lib/vigil\nrun-as = vigil\n")
    r = ch.sh("mkdir -p /etc/vigil && umask 077 && cat >/etc/vigil/agent.conf", stdin=conf)
    if not tap(r.returncode == 0, "the throw-away root takes a fleet agent.conf", r.stdout):
        return
    t0 = time.monotonic()
    r = ch.sh(f"apt-get -qq update && {INSTALL}")
    if not tap(r.returncode == 0, f"apt installs both packages with their dependencies "
               f"({time.monotonic() - t0:.0f} s)", r.stdout[-3000:] if r.returncode else ""):
        return
    r = ch.sh("cat /etc/vigil/agent.conf")
    tap(r.stdout == conf, "a pre-written /etc/vigil/agent.conf is kept, without a question",
        r.stdout if r.stdout != conf else "")
    r = ch.sh("getent passwd vigil vigil-server")
    users = [l.split(":") for l in r.stdout.splitlines()]
    tap(len(users) == 2 and all(int(u[2]) < 1000 and u[6].endswith("nologin") for u in users),
        "system users vigil and vigil-server (uid < 1000, no login shell)", r.stdout)
    want = {
        "/var/lib/vigil": "700 vigil vigil",
        "/var/spool/vigil": "700 vigil vigil",
        "/var/lib/vigil-server": "700 vigil-server vigil-server",
        "/etc/vigil/agent.conf": "600 root root",
        "/etc/vigil/server.conf": "640 root vigil-server",
        "/usr/sbin/vigil-agent": "755 root root",
    }
    got = {p: ch.stat(p) for p in want}
    tap(got == want, "postinst: owners and modes of state, spool, data and configuration",
        "\n".join(f"{p}: {got[p]} (want {want[p]})" for p in want if got[p] != want[p]))
    r = ch.sh("dpkg-query -W -f='${Conffiles}\\n' vigil-agent vigil-server")
    tap("/etc/vigil/agent.conf" in r.stdout and "/etc/vigil/server.conf" in r.stdout,
        "dpkg records both configuration files as conffiles", r.stdout)
    r = ch.sh("ls /var/lib/vigil-server/wordlists/ && stat -c '%U' /var/lib/vigil-server/wordlists")
    tap("self-harm.txt" in r.stdout and r.stdout.strip().endswith("vigil-server"),
        "the server's phrase lists are seeded from the defaults", r.stdout)
    r = ch.sh("ls /etc/systemd/system/multi-user.target.wants/")
    tap("vigil-agent.service" in r.stdout and "vigil-server.service" in r.stdout,
        "both units are enabled", r.stdout)
    verify_units(root, "installed in the Debian root", chroot=True)

    r = ch.sh("printf 'i just want to k1ll mys3lf\\nwe went to Scunthorpe\\n' | "
              "vigil-wordlist scan --json")
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    tap(len(lines) == 2 and any(h["category"] == "self-harm" for h in lines[0]["hits"])
        and not lines[1]["hits"],
        "installed vigil-wordlist scan finds a phrase with the installed default lists",
        r.stdout)
    r = ch.sh("vigil-agent --version")
    tap(r.returncode == 0 and version() in r.stdout, "installed vigil-agent runs", r.stdout)

    r = ch.sh("vigil-server --config /etc/vigil/server.conf school add 'Test School' && "
              "vigil-server --config /etc/vigil/server.conf lists check && "
              "stat -c '%U %a' /var/lib/vigil-server/vigil.db")
    tap(r.returncode == 0 and re.search(r"vigil-server 600\s*$", r.stdout),
        "vigil-server school add and lists check as root act as vigil-server", r.stdout)
    server_runs(ch)
    agent_sees_typing(ch)

    # X11 sessions only: display managers' files as their packages ship them (GDM's
    # daemon.conf, SDDM's and LightDM's directories), X11_ONLY=yes, then the upgrade
    # below runs postinst configure, which applies it.
    gdm = "# GDM configuration storage\n[daemon]\n#WaylandEnable=false\n\n[security]\n"
    ch.sh("mkdir -p /etc/gdm3 /etc/sddm.conf.d /etc/lightdm && cat >/etc/gdm3/daemon.conf",
          stdin=gdm)
    ch.sh("sed -i 's/^X11_ONLY=no$/X11_ONLY=yes/' /etc/default/vigil-agent")

    # Upgrade path: the same packages again run prerm upgrade / postinst configure OLD.
    r = ch.sh("echo '# local change' >>/etc/vigil/server.conf && "
              "dpkg -i --force-confold /debs/vigil-agent.deb /debs/vigil-server.deb && "
              "tail -1 /etc/vigil/server.conf")
    tap(r.returncode == 0 and r.stdout.strip().endswith("# local change")
        and ch.stat("/var/spool/vigil") == "700 vigil vigil"
        and ch.stat("/etc/vigil/server.conf") == "640 root vigil-server",
        "reinstall over itself (upgrade path) keeps local configuration and modes", r.stdout)
    r = ch.sh("cat /etc/gdm3/daemon.conf; echo ---; cat /etc/sddm.conf.d/50-vigil-x11-only.conf;"
              " echo ---; cat /etc/lightdm/lightdm.conf.d/50-vigil-x11-only.conf")
    parts = r.stdout.split("---\n")
    tap(len(parts) == 3
        and re.search(r"^\[daemon\]\nWaylandEnable=false ", parts[0], re.M)
        and parts[0].count("WaylandEnable=false #") == 1 and "[security]" in parts[0]
        and "DisplayServer=x11" in parts[1]
        and "SessionDir=/usr/share/vigil/no-wayland-sessions" in parts[1]
        and "sessions-directory=/usr/share/lightdm/sessions:/usr/share/xsessions" in parts[2]
        and ch.sh("test -d /usr/share/vigil/no-wayland-sessions").returncode == 0,
        "X11_ONLY=yes: GDM WaylandEnable=false, SDDM and LightDM drop-ins for X11 sessions only",
        r.stdout)
    r = ch.sh("/usr/lib/vigil/vigil-x11-only && grep -c 'WaylandEnable=false #' "
              "/etc/gdm3/daemon.conf")
    tap(r.stdout.strip().endswith("1"), "applying it again changes nothing", r.stdout)

    # Remove and purge: the token goes; a capture that was never uploaded stays.
    ch.sh("echo '{}' >/var/spool/vigil/pending.json && echo token >/var/lib/vigil/token")
    r = ch.sh("apt-get -qq purge -y vigil-agent vigil-server")
    purge_out = r.stdout
    gone = lambda p: ch.sh(f"test -e {p}").returncode != 0
    tap(r.returncode == 0 and gone("/var/lib/vigil") and gone("/etc/vigil/agent.conf")
        and not gone("/var/spool/vigil/pending.json") and "never uploaded" in purge_out,
        "purge of vigil-agent removes the token and its conffile, keeps an unsent capture",
        purge_out)
    r = ch.sh("cat /etc/gdm3/daemon.conf")
    tap(r.stdout == gdm and gone("/etc/sddm.conf.d/50-vigil-x11-only.conf")
        and gone("/etc/lightdm/lightdm.conf.d/50-vigil-x11-only.conf"),
        "removing vigil-agent takes its display-manager settings away, GDM's file as it was",
        r.stdout)
    so = ch.sh("dpkg-statoverride --list").stdout
    wants = ch.sh("ls /etc/systemd/system/multi-user.target.wants/").stdout
    tap(not gone("/var/lib/vigil-server/vigil.db") and "server.conf" not in so
        and "vigil" not in wants and gone("/etc/vigil/server.conf"),
        "purge of vigil-server keeps its data, forgets its statoverride and its unit",
        f"statoverrides: {so}\nwants: {wants}\n{purge_out}")
    return ch


def main():
    print("TAP version 13", flush=True)
    tmp = tempfile.mkdtemp(prefix="vigil-pkg.")
    try:
        debs = build(tmp)
        if debs:
            lintian(debs)
            check_contents(debs)
            root = extracted_root(tmp, debs)
            verify_units(root, "extracted packages")
            security_figures(root)
            ch = throwaway_install(tmp, debs)
            if ch:  # the purged root: the agent's libraries are there, nothing to download
                apt_repository(tmp, ch, debs)
            else:
                skip("the fleet's apt repository", "no throw-away Debian root (step 5)")
    finally:
        if os.environ.get("VIGIL_PKG_KEEP"):
            note(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n}", flush=True)
    note(f"{n - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
