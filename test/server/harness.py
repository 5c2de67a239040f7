# harness.py: what the python suites that drive vigil-server share: the server on a
# loopback port with a temporary data directory and a phrase-lists directory (as nobody
# when run as root), the back end (SQLite, or a fresh PostgreSQL database from
# VIGIL_TEST_PG), capture records and PNGs, sign-in to the web UI, a real SMTP server, and
# one runner: --backend, --only GROUP, exit 77 to skip, the server log's tail on failure.
# Scripts next to it `import harness`; others put test/server on sys.path first.
import argparse
import base64
import hashlib
import http.client
import json
import mailbox
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import traceback
import urllib.parse
import uuid
import zlib

BUILD = os.environ.get('VIGIL_BUILD_ROOT', os.path.join(os.path.dirname(
    os.path.abspath(__file__)), '..', '..', 'build'))
SERVER = os.environ.get('VIGIL_SERVER', os.path.join(BUILD, 'server-upload', 'vigil-server'))
VERIFY = os.environ.get('VIGIL_VERIFY_BUNDLE', os.path.join(BUILD, 'test', 'server',
                                                            'verify-bundle'))
SKIP = 77  # the exit status meson reads as "skipped"
RUN_USER = 'nobody'  # the server's user when the tests run as root
MAX_BODY = 1024 * 1024
OFFLINE_AFTER = 4
TIMEOUT = 5
# What the server suites run with: small ceilings and a short offline time, so tests
# reach them quickly; times in UTC (test-localtime.py runs in Europe/London). Tests of the agent against a server pass config={}, args=().
SUITE_CONFIG = {'offline-after': OFFLINE_AFTER, 'time-zone': 'UTC'}
SUITE_ARGS = ('--max-body', str(MAX_BODY), '--timeout', str(TIMEOUT))
PASSWORD = 'correct horse battery'
GOOD_LIST = '@category self-harm\n@severity 4\nkill myself = 5\nend my life\n'
BAD_LIST = '@category bullying\n@severity 3\nloser\n@severity 9\nidiot\n'  # line 4: severity 9


class Failure(Exception):
    """A check that did not hold: the runner prints it as FAIL and the script exits 1."""


class Skip(Exception):
    """Something the test needs is not here: the runner prints why and exits 77."""


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def expect(resp, status, what):
    if resp.status != status:
        raise Failure('%s: expected %d, got %d %s' % (what, status, resp.status, resp.body[:300]))
    return resp


def until(fn, timeout, what):
    """fn()'s first true value within timeout seconds, else Failure naming what."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise Failure('timed out waiting for ' + what)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def give(path):
    """Hands path to the server's user when the tests run as root."""
    if os.geteuid() == 0:
        pw = pwd.getpwnam(RUN_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)


# ---- what is uploaded ------------------------------------------------------

def png(width, height, noise=0, text=None):
    """A valid PNG of width x height (RGB); noise > 0 adds that many random rows."""
    def chunk(kind, data):
        c = struct.pack('>I', len(data)) + kind + data
        return c + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    rows = []
    for y in range(height):
        row = os.urandom(width * 3) if y < noise else bytes(width * 3)
        rows.append(b'\x00' + row)
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
    if text:
        out += chunk(b'tEXt', text)
    out += chunk(b'IDAT', zlib.compress(b''.join(rows), 6)) + chunk(b'IEND', b'')
    return out


def record(image=None, **over):
    """A valid capture record (a severity-5 self-harm hit) with over's fields replaced."""
    image = image if image is not None else png(64, 32, noise=4)
    rec = {
        'schema': 'vigil.capture/1',
        'id': str(uuid.uuid4()),
        'time': '2026-11-23T09:14:03.120Z',
        'machine': 'LAB1-PC07',
        'user': 'jsmith',
        'source': 'typed',
        'reason': {'category': 'self-harm', 'severity': 5, 'phrase': 'kill myself',
                   'matched': 'k1ll mys3lf', 'rule': 'self-harm.txt:12'},
        'context': 'i just want to k1ll mys3lf tonight',
        'window': {'title': 'Untitled Document 1 - LibreOffice Writer', 'app': 'libreoffice'},
        'screenshot': {'type': 'image/png', 'width': struct.unpack('>I', image[16:20])[0],
                       'height': struct.unpack('>I', image[20:24])[0],
                       'sha256': hashlib.sha256(image).hexdigest(),
                       'data': base64.b64encode(image).decode()},
        'agent': {'version': '0.1.0', 'wordlists': 'abc'},
    }
    rec.update(over)
    return rec


def upload(srv, token, **over):
    """Uploads record(**over) (image=... for the PNG) as the machine of token: 201."""
    rec = record(image=over.pop('image', None), **over)
    expect(srv.request('POST', '/api/v1/captures', rec, token=token), 201, 'upload')
    return rec


def shot(image, time=None):
    """A screenshot object of a record for image (a PNG): "screenshot", or with time one
    of its "frames"."""
    o = {'type': 'image/png', 'width': struct.unpack('>I', image[16:20])[0],
         'height': struct.unpack('>I', image[20:24])[0],
         'sha256': hashlib.sha256(image).hexdigest(), 'data': base64.b64encode(image).decode()}
    if time:
        o['time'] = time
    return o


EVIDENCE_CONTEXT = 'i just want to k1ll mys3lf tonight'
EVIDENCE_GROOMING = 'dont tell your parents about our <b>chats</b> ok'


def evidence_record(user):
    """(frame PNG, upload() fields) of one flagged moment with two hits: self-harm typed
    (in the capture's context, on the screenshot) and, two seconds later, grooming from
    the clipboard with words of its own (EVIDENCE_GROOMING) on a later frame."""
    frame = png(80, 40, noise=6)
    return frame, dict(
        user=user, time='2026-11-23T09:14:03.120Z', context=EVIDENCE_CONTEXT,
        hits=[{'category': 'self-harm', 'severity': 5, 'phrase': 'kill myself',
               'matched': 'k1ll mys3lf', 'rule': 'self-harm.txt:12', 'start': 15, 'end': 26,
               'source': 'typed', 'frame': 0},
              {'category': 'grooming', 'severity': 5, 'phrase': 'dont tell your parents',
               'matched': 'dont tell your parents', 'rule': 'grooming.txt:3', 'start': 0,
               'end': 22, 'source': 'clipboard', 'context': EVIDENCE_GROOMING, 'frame': 1}],
        frames=[shot(frame, '2026-11-23T09:14:05.400Z')])


def make_lists(path, files=None, source=None):
    """A phrase-lists directory at path: the files of source (a directory), else files
    {name: text}, else GOOD_LIST as self-harm.txt. Directory 0755, files 0644, all the
    server's when the tests run as root (it writes the lists technicians upload)."""
    if source:
        shutil.copytree(source, path)
    else:
        os.mkdir(path)
        for name, text in (files or {'self-harm.txt': GOOD_LIST}).items():
            with open(os.path.join(path, name), 'w') as f:
                f.write(text)
    os.chmod(path, 0o755)
    give(path)
    for name in os.listdir(path):
        os.chmod(os.path.join(path, name), 0o644)
        give(os.path.join(path, name))
    return path


def pg_database(base_url):
    """A fresh database for this run (dropped at the end): its URL and a cleanup."""
    name = 'vigil_t_%d_%d' % (os.getpid(), int(time.time()))
    psql = shutil.which('psql')
    if not psql:
        raise Skip('psql not found')
    subprocess.run([psql, base_url, '-qc', 'CREATE DATABASE ' + name], check=True)
    url = base_url.rsplit('/', 1)[0] + '/' + name

    def cleanup():
        subprocess.run([psql, base_url, '-qc', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name],
                       capture_output=True)
    return url, cleanup


# ---- the server under test -------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self.text = body.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.body)


_servers = []  # every Server of this process: the runner prints their logs, then removes them


class Server:
    """vigil-server with its own data directory under root (a temporary directory, or
    root/server when root is given), on 127.0.0.1:port (port 0: a free one, read from
    the log at each start), as RUN_USER when run as root. database: a PostgreSQL URL, or
    None for SQLite; lists: a directory from make_lists() (default: one of its own)."""

    def __init__(self, database=None, lists=None, root=None, port=0, config=SUITE_CONFIG,
                 args=SUITE_ARGS):
        if root:
            self.root = os.path.join(root, 'server')
            os.mkdir(self.root)
        else:
            self.root = tempfile.mkdtemp(prefix='vigil-server-test-')
        self.own_root = root is None
        self.data = os.path.join(self.root, 'data')
        os.mkdir(self.data, 0o700)
        self.lists = lists or make_lists(os.path.join(self.root, 'lists'))
        self.database = database
        self.config, self.args = dict(config), list(args)
        self.user = RUN_USER if os.geteuid() == 0 else None
        os.chmod(self.root, 0o755)
        give(self.root)
        give(self.data)
        self.listen_port = port
        self.port = port or None
        self.proc = None
        self.log = None
        self.log_start = 0
        self.log_path = os.path.join(self.root, 'server.log')
        self.web_session = None  # signed_in()'s client
        _servers.append(self)

    def base_args(self):
        # The settings every command shares come from a configuration file.
        conf = os.path.join(self.root, 'vigil-server.conf')
        with open(conf, 'w') as f:
            f.write('# test configuration\ndata = %s\nlists = %s\ndatabase = %s\n'
                    % (self.data, self.lists, self.database or ''))
            for k, v in self.config.items():
                f.write('%s = %s\n' % (k, v))
        return [SERVER, '--config', conf]

    def admin(self, *args, stdin=None, check_ok=True):
        """A vigil-server command on this server's data (it need not be running)."""
        p = subprocess.run(self.base_args() + list(args), input=stdin, capture_output=True,
                           text=True, timeout=60)
        if check_ok and p.returncode != 0:
            raise Failure('vigil-server %s: exit %d: %s' % (' '.join(args), p.returncode, p.stderr))
        return p

    def start(self, extra=()):
        args = self.base_args() + ['--listen', '127.0.0.1:%d' % self.listen_port,
                                   '--lists-check-interval', '1', '--threads', '4',
                                   '--log-level', 'debug'] + self.args + list(extra)
        if self.user:
            args += ['--user', self.user]
        self.log = open(self.log_path, 'a')
        self.log_start = os.path.getsize(self.log_path)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            text = self.log_text()
            if 'listening on 127.0.0.1:' in text:
                self.port = int(text.split('listening on 127.0.0.1:')[1].split()[0])
                break
            if self.proc.poll() is not None:
                raise Failure('server exited %d: %s' % (self.proc.returncode, text))
            time.sleep(0.05)
        else:
            raise Failure('server did not start: ' + self.log_text())
        while time.time() < deadline:
            if 'lists: ' in self.log_text():
                return
            time.sleep(0.05)

    def log_text(self):
        """The log since the last start."""
        try:
            with open(self.log_path, errors='replace') as f:
                f.seek(self.log_start)
                return f.read()
        except FileNotFoundError:
            return ''

    def stop(self, sig=signal.SIGTERM):
        """Signals the server (SIGTERM: a clean stop) and waits: its exit status."""
        if not self.proc:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self.log.close()
        return code

    def exited_early(self):
        return self.proc is not None and self.proc.poll() is not None

    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def request(self, method, path, body=None, token=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h['Authorization'] = 'Bearer ' + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault('Content-Type', 'application/json')
        elif isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        return resp

    def sql(self, statement):
        """Runs one SQL statement on the server's database (both back ends): rows as lists
        of strings. For tests that need a row no command makes (an older server's)."""
        if self.database:
            out = subprocess.run([shutil.which('psql'), self.database, '-qAt', '-F', '\x1f', '-c',
                                  statement], capture_output=True, text=True, check=True).stdout
            return [line.split('\x1f') for line in out.splitlines() if line]
        import sqlite3
        db = os.path.join(self.data, 'vigil.db')
        con = sqlite3.connect(db, timeout=10)
        try:
            rows = [[None if v is None else str(v) for v in r] for r in con.execute(statement)]
            con.commit()
        finally:
            con.close()
        for f in (db, db + '-wal', db + '-shm'):  # files SQLite made as root
            if os.path.exists(f):
                give(f)
        return rows

    def enrol(self, key, machine):
        r = expect(self.request('POST', '/api/v1/enrol', {'key': key, 'machine': machine}),
                   201, 'enrol ' + machine)
        return r.json()['token']

    def export(self, *args):
        out = self.admin('export', *args).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def machines(self):
        """`vigil-server machines`: one dict a machine."""
        out = self.admin('machines').stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def cleanup(self):
        self.stop(signal.SIGKILL)
        if self.own_root:
            shutil.rmtree(self.root, ignore_errors=True)


# ---- the web UI --------------------------------------------------------------

class Web:
    """A browser-like client of one server: one session cookie, form posts."""

    def __init__(self, srv):
        self.srv, self.cookie = srv, None

    def req(self, method, path, form=None, headers=None):
        h = dict(headers or {})
        if self.cookie:
            h['Cookie'] = 'vigil_session=' + self.cookie
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h['Content-Type'] = 'application/x-www-form-urlencoded'
        return self.srv.request(method, path, body=body, headers=h)

    def login(self, login, password=PASSWORD, status=303, code=None):
        form = {'login': login, 'password': password}
        if code is not None:
            form['code'] = code
        r = expect(self.req('POST', '/login', form), status, 'login ' + login)
        if status == 303:
            m = re.match(r'vigil_session=([A-Za-z0-9_-]{43});', r.headers.get('set-cookie', ''))
            check(m, 'session cookie set: %r' % r.headers.get('set-cookie'))
            self.cookie = m.group(1)
        return r

    def csrf(self, path):
        r = expect(self.req('GET', path), 200, 'GET ' + path)
        m = re.search(r'name="csrf" value="([^"]+)"', r.text)
        check(m, 'a CSRF field on ' + path)
        return m.group(1)


def run_node(script, cfg, cwd, env=None, timeout=240):
    """Runs a browser test's script with node in cwd (where playwright-core is installed),
    given cfg as VIGIL_WEB and env besides; prints what it said. Failure unless it exits 0."""
    p = subprocess.run(['node', script], env=dict(os.environ, VIGIL_WEB=json.dumps(cfg),
                                                  **(env or {})),
                       cwd=cwd, capture_output=True, text=True, timeout=timeout)
    print(p.stdout + p.stderr[-3000:])
    if p.returncode != 0:
        raise Failure('%s: exit %d' % (os.path.basename(script), p.returncode))


def add_user(srv, login, role='moderator', school=None, password=PASSWORD):
    srv.admin('user', 'add', '--role', role, *(['--school', school] if school else []), login,
              stdin=password + '\n')


def totp_code(secret, at=None, step=0):
    """The TOTP code (RFC 6238: HMAC-SHA-1, 30 s, 6 digits) of a base32 secret at a time
    (now), step steps later."""
    import hmac
    key = base64.b32decode(secret + '=' * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30) + step
    h = hmac.new(key, struct.pack('>Q', counter), 'sha1').digest()
    o = h[-1] & 15
    return '%06d' % ((struct.unpack('>I', h[o:o + 4])[0] & 0x7fffffff) % 1000000)


def add_admin(srv, login, school=None, password=PASSWORD):
    """An admin (who signs in with a TOTP code too): their authenticator's secret."""
    out = srv.admin('user', 'add', '--role', 'admin', *(['--school', school] if school else []),
                    login, stdin=password + '\n').stdout
    return re.search(r'^secret: ([A-Z2-7]+)$', out, re.M).group(1)


def signed_in(srv):
    """A Web client signed in as the moderator "mod" (added on first use), one a server."""
    if not srv.web_session:
        add_user(srv, 'mod')
        srv.web_session = Web(srv)
        srv.web_session.login('mod')
    return srv.web_session


def capture_page(srv, cid, audit=False):
    """The capture page of cid (or the audit log) as the moderator sees it."""
    return signed_in(srv).req('GET', '/audit' if audit else '/captures/' + cid).text


# ---- a real SMTP server ------------------------------------------------------------

def need_aiosmtpd():
    if not os.path.exists('/usr/bin/python3') or subprocess.run(
            ['/usr/bin/python3', '-c', 'import aiosmtpd'], capture_output=True).returncode:
        return 'python3-aiosmtpd missing (tools/deps/alerts.txt)'
    return None


class Smtp:
    """aiosmtpd writing every message into a maildir."""

    def __init__(self, root, host='127.0.0.1', name='maildir'):
        self.dir = os.path.join(root, name)
        self.host = host
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(['/usr/bin/python3', '-m', 'aiosmtpd', '-n', '-l',
                                      '%s:%d' % (self.host, self.port), '-c',
                                      'aiosmtpd.handlers.Mailbox', self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise Failure('aiosmtpd did not start')

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
            self.proc = None

    def messages(self):
        if not os.path.isdir(os.path.join(self.dir, 'new')):
            return []
        return [m for m in mailbox.Maildir(self.dir, create=False)]


def for_capture(msgs, cid):
    """The messages that name capture cid."""
    return [m for m in msgs if cid in m.get_payload(decode=True).decode()]


# ---- an S3-compatible object store ---------------------------------------------

S3_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 's3')
BUCKET = 'vigil-images'


def need_s3rver():
    """npm ci of the pinned store into test/s3 (once); None when it works, else why not."""
    if not shutil.which('node') or not shutil.which('npm'):
        return 'the S3 test store cannot run here: no node or npm'
    if os.path.isdir(os.path.join(S3_DIR, 'node_modules', '@20minutes', 's3rver')):
        return None
    env = dict(os.environ, npm_config_update_notifier='false')
    p = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=S3_DIR, env=env,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        return 'the S3 test store cannot run here: npm ci failed: ' + p.stderr[-2000:]
    return None


class ObjectStore:
    """s3rver on 127.0.0.1 keeping its objects under a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='vigil-s3-')
        self.port = 0
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(['node', os.path.join(S3_DIR, 's3rver-run.js'),
                                      str(self.port), self.dir, BUCKET],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('listening '):
            raise Failure('s3rver did not start: ' + line + self.proc.stdout.read()[-2000:])
        self.port = int(line.split()[1])

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None

    def url(self):
        return 'http://127.0.0.1:%d/%s' % (self.port, BUCKET)

    def objects(self):
        d = os.path.join(self.dir, BUCKET)
        suffix = '._S3rver_object'
        return sorted(f[:-len(suffix)] for f in os.listdir(d) if f.endswith(suffix))

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class S3Server(Server):
    """The server under test with its images in the object store."""

    def __init__(self, database, lists, store, secret='S3RVER'):
        super().__init__(database, lists)
        self.store = store
        self.cred = os.path.join(self.root, 's3.cred')
        self.write_secret(secret)

    def write_secret(self, secret):
        with open(self.cred, 'w') as f:
            f.write('S3RVER:%s\n' % secret)
        os.chmod(self.cred, 0o600)
        give(self.cred)

    def base_args(self):
        args = super().base_args()
        with open(args[-1], 'a') as f:
            f.write('s3-url = %s\ns3-region = eu-west-2\ns3-credentials = %s\n'
                    % (self.store.url(), self.cred))
        return args


# ---- the runner ------------------------------------------------------------------

_groups = {}  # module name: its groups, in the order they are defined


def group(fn):
    """Marks fn(c) as a group of tests of its script, run by main() in this order."""
    _groups.setdefault(fn.__module__, []).append(fn)
    return fn


def groups_of(module):
    """The @group functions of a module (of the script: '__main__'), in order."""
    return list(_groups.get(module, []))


class Ctx:
    """What the groups of a run share: args, backend, database, lists, srv and whatever
    setup and the groups put there; at_exit(fn) runs fn when the run ends."""

    def __init__(self, args):
        self.args, self.backend = args, args.backend
        self.database, self.lists, self.srv = None, None, None
        self.exits = []

    def at_exit(self, fn):
        self.exits.append(fn)


def _log_tails(why):
    for s in _servers:
        print('%s: server log %s (tail):\n%s' % (why, s.root, s.log_text()[-3000:]))


def main(groups=None, setup=None, server=True, start=True, needs=(), options=None,
         backends=('sqlite', 'pg'), lists=None):
    """Runs the groups (functions of the Ctx) in order and returns the exit status: 0
    all passed, 1 a failure, 77 skipped. Before them: each of needs (a function
    returning why the tests cannot run here, or None), a PostgreSQL database with
    --backend pg, a lists directory (c.lists: make_lists' files=lists), the server c.srv (server=False: none;
    start=False: not started) and setup(c). --only NAME runs setup and the group NAME
    alone; options(parser) adds a script's own arguments; groups may be a function of
    the parsed arguments; by default they are the script's @group functions."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--backend', choices=list(backends), default=backends[0])
    ap.add_argument('--only', metavar='GROUP', help='run only this group (after setup)')
    if options:
        options(ap)
    args = ap.parse_args()
    if groups is None:
        groups = groups_of('__main__')
    elif callable(groups):
        groups = groups(args)
    names = [g.__name__ for g in groups]
    if args.only and args.only not in names:
        ap.error('--only: no group %r (groups: %s)' % (args.only, ', '.join(names)))
    c = Ctx(args)
    passed = failed = 0
    skipped = None
    try:
        for need in needs:
            skipped = need()
            if skipped:
                return SKIP
        if args.backend == 'pg':
            if not os.environ.get('VIGIL_TEST_PG'):
                skipped = 'VIGIL_TEST_PG not set: no PostgreSQL to run on'
                return SKIP
            c.database, drop = pg_database(os.environ['VIGIL_TEST_PG'])
            c.at_exit(drop)
        lists_root = tempfile.mkdtemp(prefix='vigil-lists-')
        os.chmod(lists_root, 0o755)
        c.at_exit(lambda: shutil.rmtree(lists_root, ignore_errors=True))
        c.lists = make_lists(os.path.join(lists_root, 'lists'), files=lists)
        if server:
            c.srv = Server(c.database, c.lists)
            if start:
                c.srv.start()
        if setup:
            setup(c)
        for g in groups:
            if args.only and g.__name__ != args.only:
                continue
            try:
                g(c)
                print('ok %s' % g.__name__)
                passed += 1
            except Skip:
                raise
            except Exception as e:  # noqa: BLE001 (report every failure, go on)
                failed += 1
                print('FAIL %s: %s' % (g.__name__, e))
                traceback.print_exc()
    except Skip as e:  # a group's or setup's: 77 unless something failed before
        skipped = str(e)
    except Exception as e:  # noqa: BLE001 (a failure outside the groups: setup)
        failed += 1
        print('FAIL setup: %s' % e)
        traceback.print_exc()
    finally:
        if skipped:
            print('skipping: %s' % skipped)
        if failed:
            _log_tails('failed')
        elif any(s.exited_early() for s in _servers):
            failed += 1
            _log_tails('server exited early')
        for s in reversed(_servers):
            s.cleanup()
        for fn in reversed(c.exits):
            fn()
    if skipped and not failed:
        return SKIP
    print('%s: %d passed, %d failed' % (args.backend, passed, failed))
    return 1 if failed else 0
