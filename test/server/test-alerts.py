#!/usr/bin/env python3
# test-alerts.py: urgent alerts of vigil-server against a real SMTP server (aiosmtpd,
# started here) and a real HTTP receiver: one e-mail per contact and one signed webhook
# for a severity-5 capture, none for severity 3, no pupil data in either, the alert sent
# once after the server is killed right after storing the capture, SMTP down: retried,
# failure in the audit log and on the capture page, uploads still work.
# usage: test-alerts.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import argparse
import hashlib
import hmac
import http.server
import importlib.util
import json
import mailbox
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('server_test', os.path.join(HERE, 'test-server.py'))
st = importlib.util.module_from_spec(spec)
spec.loader.exec_module(st)
check, expect, Failure, record = st.check, st.expect, st.Failure, st.record

CONTACTS = ['dsl@school.example', 'deputy@school.example']
SECRET = 'webhook-test-secret-0123456789'
CONTEXT = 'i just want to k1ll mys3lf tonight'
PUPIL = 'jsmith'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


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


class Hooks:
    def __init__(self):
        self.got = []      # (headers, body) of the requests answered 204
        self.refused = 0   # answered 500 (fail_next of them)
        self.fail_next = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                if outer.fail_next > 0:
                    outer.fail_next -= 1
                    outer.refused += 1
                    self.send_response(500)
                else:
                    outer.got.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def outward_address():
    """This machine's non-loopback IPv4 address, or None (no packet is sent)."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(('192.0.2.1', 9))
        addr = s.getsockname()[0]
        s.close()
        return None if addr.startswith('127.') else addr
    except OSError:
        return None


def starttls_required(srv):
    """alerts test: plain SMTP is fine on loopback, refused elsewhere (no STARTTLS)."""
    smtp = Smtp(srv.root, name='maildir-test')
    smtp.start()
    try:
        r = srv.admin('--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
                      'vigil@school.example', 'alerts', 'test', 'it@school.example')
        check('sent' in r.stdout and len(smtp.messages()) == 1, 'test message on loopback')
    finally:
        smtp.stop()
    addr = outward_address()
    if not addr:
        print('no non-loopback address: STARTTLS refusal not checked')
        return
    smtp = Smtp(srv.root, host=addr, name='maildir-remote')
    smtp.start()
    try:
        r = srv.admin('--smtp-url', 'smtp://%s:%d' % (addr, smtp.port), '--smtp-from',
                      'vigil@school.example', 'alerts', 'test', 'it@school.example',
                      check_ok=False)
        check(r.returncode == 1 and not smtp.messages(),
              'a server without STARTTLS off loopback is refused: %d %s' % (r.returncode,
                                                                           r.stderr))
        print('ok STARTTLS required off loopback (%s)' % r.stderr.strip())
    finally:
        smtp.stop()


def wait_for(fn, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise Failure('timed out waiting for ' + what)


def upload(srv, token, **over):
    rec = record(**over)
    expect(srv.request('POST', '/api/v1/captures', rec, token=token), 201, 'upload')
    return rec


def for_capture(msgs, cid):
    return [m for m in msgs if cid in m.get_payload(decode=True).decode()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--backend', choices=['sqlite', 'pg'], default='sqlite')
    args = ap.parse_args()
    database, cleanup_db = None, None
    if not os.path.exists('/usr/bin/python3') or subprocess.run(
            ['/usr/bin/python3', '-c', 'import aiosmtpd'], capture_output=True).returncode:
        print('python3-aiosmtpd missing (tools/deps/alerts.txt): skipping')
        return 77
    if args.backend == 'pg':
        if not os.environ.get('VIGIL_TEST_PG'):
            print('VIGIL_TEST_PG not set: skipping the PostgreSQL variant')
            return 77
        database, cleanup_db = st.pg_database(os.environ['VIGIL_TEST_PG'])
    lists = tempfile.mkdtemp(prefix='vigil-lists-')
    os.chmod(lists, 0o777)
    with open(os.path.join(lists, 'self-harm.txt'), 'w') as f:
        f.write(st.GOOD_LIST)
    os.chmod(os.path.join(lists, 'self-harm.txt'), 0o666)
    srv = st.Server(database, lists)
    smtp = Smtp(srv.root)
    hooks = Hooks()
    secret = os.path.join(srv.root, 'webhook.secret')
    with open(secret, 'w') as f:
        f.write(SECRET + '\n')
    os.chmod(secret, 0o600)
    if srv.user:
        pw = pwd.getpwnam(srv.user)
        os.chown(secret, pw.pw_uid, pw.pw_gid)
    # The webhook receiver is on loopback: allowed here, refused by default (below).
    extra = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
             'vigil@school.example', '--public-url', 'https://vigil.school.example',
             '--webhook-allow-private', 'yes']
    failed = 0
    try:
        smtp.start()
        key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
        starttls_required(srv)
        cmd = ['school', 'alerts', 'Oakridge Primary', '--threshold', '5',
               '--hours', '08:00-16:30', '--webhook', 'http://127.0.0.1:%d/hook' % hooks.port,
               '--webhook-secret-file', secret]
        for a in CONTACTS:
            cmd += ['--contact', a]
        srv.admin(*cmd)
        bad = srv.admin('school', 'alerts', 'Oakridge Primary', '--contact', 'not-an-address',
                        check_ok=False)
        check(bad.returncode == 2 and 'e-mail address' in bad.stderr, 'bad address refused')
        srv.start(extra)
        token = srv.enrol(key, 'LAB1-PC07')

        # Severity 5: one e-mail per contact and one signed webhook, within 60 s; the
        # webhook receiver fails the first try (HTTP 500): retried. The capture stands
        # for a moment of three hits, two of them urgent: still one alert.
        hooks.fail_next = 1
        t0 = time.time()
        hit = {'category': 'self-harm', 'severity': 5, 'phrase': 'kill myself',
               'rule': 'self-harm.txt:12', 'matched': 'k1ll mys3lf', 'start': None, 'end': None}
        rec = upload(srv, token, hits=[hit, dict(hit, phrase='kill my self'),
                                       dict(hit, severity=4, phrase='mys3lf')])
        msgs = wait_for(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2 and
                        smtp.messages(), 60, 'two e-mails')
        latency = time.time() - t0
        hook = wait_for(lambda: hooks.got, 60, 'the webhook')
        time.sleep(2)  # nothing more arrives
        mine = for_capture(smtp.messages(), rec['id'])
        check(sorted(m['To'] for m in mine) == sorted(CONTACTS),
              'one e-mail per contact: %r' % [m['To'] for m in mine])
        check(len(hooks.got) == 1 and hooks.refused == 1,
              'one webhook after one refused try, got %d/%d' % (len(hooks.got), hooks.refused))
        headers, body = hook[0]
        want = 'sha256=' + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        check(headers.get('X-Vigil-Signature') == want, 'webhook signature verifies')
        j = json.loads(body)
        check(j['severity'] == 5 and j['category'] == 'self-harm' and
              j['school'] == 'Oakridge Primary' and j['machine'] == 'LAB1-PC07' and
              j['link'] == 'https://vigil.school.example/captures/' + rec['id'], 'webhook fields')
        for text in [m.as_string() for m in mine] + [body.decode()]:
            check(CONTEXT not in text and 'k1ll' not in text and PUPIL not in text,
                  'no context or user name in the alert')
        m = mine[0].get_payload(decode=True).decode()
        check('self-harm' in m and 'Severity: 5' in m and 'LAB1-PC07' in m and
              'https://vigil.school.example/captures/' + rec['id'] in m, 'e-mail fields')
        print('ok severity-5 alert: e-mails in %.2f s (upload to delivery)' % latency)
        # Message-IDs: unique across databases and servers (a random part and the host of
        # public-url), so no mail system drops an alert as one it has seen.
        ids = [m['Message-ID'] for m in smtp.messages()]
        for mid in ids:
            check(re.match(r'^<vigil-alert-\d+\.[0-9a-f]{24}@vigil\.school\.example>$', mid or ''),
                  'Message-ID with a random part and the public-url host: %r' % mid)
        check(len(set(ids)) == len(ids), 'Message-IDs unique: %r' % ids)
        print('ok Message-IDs unique: %s' % ids[0])

        # Severity 3: nothing.
        before, hooks_before = len(smtp.messages()), len(hooks.got)
        upload(srv, token, reason={'category': 'bullying', 'severity': 3, 'phrase': 'loser',
                                   'matched': 'loser', 'rule': 'bullying.txt:3'})
        time.sleep(3)
        check(len(smtp.messages()) == before and len(hooks.got) == hooks_before,
              'no alert for severity 3')
        print('ok severity-3: no alert')

        # Killed right after the 201: sent after the restart, once.
        rec = upload(srv, token)
        srv.stop(signal.SIGKILL)
        srv.start(extra)
        wait_for(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2, 60,
                 'alerts after restart')
        time.sleep(3)
        n = len(for_capture(smtp.messages(), rec['id']))
        check(n == 2, 'sent once after SIGKILL and restart: %d e-mails' % n)
        print('ok killed after the 201: alert sent once after restart')

        # SMTP down: retried, visible in the audit log and on the capture page; uploads go on.
        smtp.stop()
        rec = upload(srv, token)
        wait_for(lambda: audit_has(srv, database, 'alert-failed', rec['id']), 30,
                 'alert-failed in the audit log')
        rec2 = upload(srv, token, reason={'category': 'bullying', 'severity': 3,
                                          'phrase': 'loser', 'matched': 'loser',
                                          'rule': 'bullying.txt:3'})
        check(rec2, 'uploads work while SMTP is down')
        page = capture_page(srv, rec['id'])
        check('pending' in page and 'dsl@school.example' in page and 'attempt' in page,
              'capture page shows the pending alert and its error')
        smtp.start()
        wait_for(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2, 60,
                 'alerts after SMTP returns')
        check(audit_has(srv, database, 'alert-sent', rec['id']), 'alert-sent audited')
        print('ok SMTP down: retried, audited, shown, delivered when back')

        # Without webhook-allow-private a webhook to a loopback, link-local (cloud
        # metadata) or private address is refused before connecting, and says why.
        srv.stop()
        key2 = srv.admin('school', 'add', 'Lakeside').stdout.strip()
        srv.admin('school', 'alerts', 'Lakeside', '--threshold', '5', '--webhook',
                  'http://127.0.0.1:%d/hook' % hooks.port)
        srv.start(extra[:-2])
        token2 = srv.enrol(key2, 'LK-PC01')
        got = len(hooks.got) + hooks.refused
        rec = upload(srv, token2)
        wait_for(lambda: 'private address' in capture_page(srv, rec['id']), 30,
                 'the refused webhook on the capture page')
        check(len(hooks.got) + hooks.refused == got, 'nothing reached the private address')
        print('ok webhook to a private address refused without webhook-allow-private')
    except Exception as e:  # noqa: BLE001
        failed = 1
        print('FAIL: %s' % e)
        import traceback
        traceback.print_exc()
        print('server log (tail):\n' + srv.log_text()[-3000:])
    finally:
        srv.stop()
        smtp.stop()
        hooks.httpd.shutdown()
        srv.cleanup()
        shutil.rmtree(lists, ignore_errors=True)
        if cleanup_db:
            cleanup_db()
    return failed


def audit_has(srv, database, action, cid):
    return action in capture_page(srv, cid, audit=True)


_session = {}


def capture_page(srv, cid, audit=False):
    if 'cookie' not in _session:
        srv.admin('user', 'add', '--role', 'moderator', 'mod', stdin='correct horse battery\n')
        r = srv.request('POST', '/login', body=urllib.parse.urlencode(
            {'login': 'mod', 'password': 'correct horse battery'}),
            headers={'Content-Type': 'application/x-www-form-urlencoded'})
        _session['cookie'] = r.headers.get('set-cookie', '').split(';')[0]
    r = srv.request('GET', '/audit' if audit else '/captures/' + cid,
                    headers={'Cookie': _session['cookie']})
    return r.body.decode(errors='replace')


if __name__ == '__main__':
    sys.exit(main())
