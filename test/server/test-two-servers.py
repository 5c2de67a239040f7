#!/usr/bin/env python3
# test-two-servers.py: two vigil-server processes on one PostgreSQL database and one
# S3-compatible bucket (s3rver, SigV4 checked), as a trust runs them behind a load
# balancer: a capture uploaded through one is exported, shown, decided on and imaged
# through the other; one alert e-mail per contact (aiosmtpd), not one per server; a web
# session and the sign-in limit hold across both; both serve the same signed bundle.
# usage: test-two-servers.py   (needs VIGIL_TEST_PG, node for s3rver and aiosmtpd;
# exit 77 when one is missing)
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


st = load('server_test', 'test-server.py')
ta = load('alerts_test', 'test-alerts.py')
s3 = load('s3_test', 'test-s3.py')
check, expect, Failure = st.check, st.expect, st.Failure

SCHOOL = 'Oakridge Primary'
CONTACTS = ['dsl@school.example', 'deputy@school.example']
PASSWORD = 'correct horse battery'


def login(srv, who, password):
    return srv.request('POST', '/login', body=urllib.parse.urlencode(
        {'login': who, 'password': password}),
        headers={'Content-Type': 'application/x-www-form-urlencoded'})


def run(database, lists, store, smtp):
    extra = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
             'vigil@school.example', '--public-url', 'https://vigil.school.example']
    a = s3.S3Server(database, lists, store)
    b = s3.S3Server(database, lists, store)
    servers = [a, b]
    try:
        key = a.admin('school', 'add', SCHOOL).stdout.strip()
        cmd = ['school', 'alerts', SCHOOL, '--threshold', '5', '--hours', '00:00-23:59']
        for addr in CONTACTS:
            cmd += ['--contact', addr]
        a.admin(*cmd)
        a.admin('user', 'add', '--role', 'moderator', 'mod', stdin=PASSWORD + '\n')
        a.start(extra)
        # The second server signs with the same key, as docs/scale.md says.
        shutil.copy2(os.path.join(a.data, 'signing.key'), os.path.join(b.data, 'signing.key'))
        if a.user:
            st_a = os.stat(os.path.join(a.data, 'signing.key'))
            os.chown(os.path.join(b.data, 'signing.key'), st_a.st_uid, st_a.st_gid)
        b.start(extra)
        token = a.enrol(key, 'LAB1-PC07')

        # Upload through B; export, page and image through A.
        rec = ta.upload(b, token)
        check(rec['id'] in s3.exported_ids(a), 'A exports what B stored')
        r = expect(login(a, 'mod', PASSWORD), 303, 'sign in on A')
        cookie = r.headers.get('set-cookie', '').split(';')[0]
        page = expect(b.request('GET', '/captures/' + rec['id'], headers={'Cookie': cookie}),
                      200, 'capture page on B with A\'s session').body.decode()
        check('mys3lf' in page, 'the page shows the context')
        img = expect(b.request('GET', '/captures/%s/image' % rec['id'],
                               headers={'Cookie': cookie}), 200, 'image on B').body
        check(hashlib.sha256(img).hexdigest() == rec['screenshot']['sha256'],
              'B serves the image from the shared bucket')
        print('ok a capture stored through one server is exported, shown and imaged by the other')

        # A decision made through A is seen through B.
        csrf = re.search(r'id="act-note".*?name="csrf" value="([^"]+)"', page, re.S).group(1)
        expect(a.request('POST', '/captures/%s/action' % rec['id'],
                         body=urllib.parse.urlencode({'action': 'note', 'csrf': csrf,
                                                      'text': 'seen by the DSL zx81'}),
                         headers={'Cookie': cookie,
                                  'Content-Type': 'application/x-www-form-urlencoded'}),
               303, 'note through A')
        page = b.request('GET', '/captures/' + rec['id'], headers={'Cookie': cookie}).body
        check(b'seen by the DSL zx81' in page, 'B shows the note made through A')
        print('ok a note made through one server is shown by the other')

        # One e-mail per contact, though both servers watch the outbox.
        ta.wait_for(lambda: len(ta.for_capture(smtp.messages(), rec['id'])) >= 2,
                    60, 'two e-mails')
        time.sleep(4)
        mine = ta.for_capture(smtp.messages(), rec['id'])
        check(sorted(m['To'] for m in mine) == sorted(CONTACTS),
              'one e-mail per contact, not one per server: %r' % [m['To'] for m in mine])
        print('ok one alert e-mail per contact with two servers')

        # The sign-in limit counts failures made through either server.
        a.admin('user', 'add', '--role', 'moderator', 'mod2', stdin=PASSWORD + '\n')
        statuses = []
        for i in range(8):
            srv = a if i % 2 == 0 else b
            statuses.append(login(srv, 'mod2', 'wrong password %d' % i).status)
        check(429 in statuses, 'failures through both servers reach the limit: %r' % statuses)
        first = statuses.index(429)
        check(first <= 6, 'limit reached by the 7th attempt at the latest: %r' % statuses)
        print('ok the sign-in limit counts failures through both servers (%r)' % statuses)

        # The same signed bundle, and its ETag, from both.
        ra = expect(a.request('GET', '/api/v1/wordlists', token=token), 200, 'bundle from A')
        rb = expect(b.request('GET', '/api/v1/wordlists', token=token), 200, 'bundle from B')
        check(ra.body == rb.body and ra.headers.get('etag') == rb.headers.get('etag'),
              'both servers serve the same signed bundle')
        expect(b.request('GET', '/api/v1/wordlists', token=token,
                         headers={'If-None-Match': ra.headers.get('etag')}), 304,
               'B answers 304 to A\'s ETag')
        print('ok both servers serve the same signed bundle')
        return 0
    except Exception as e:  # noqa: BLE001
        print('FAIL: %s' % e)
        traceback.print_exc()
        for name, s in (('A', a), ('B', b)):
            print('server %s log (tail):\n%s' % (name, s.log_text()[-2000:]))
        return 1
    finally:
        for s in servers:
            s.stop()
            s.cleanup()


def main():
    if not os.environ.get('VIGIL_TEST_PG'):
        print('VIGIL_TEST_PG not set: several servers share a PostgreSQL database; skipping')
        return 77
    if subprocess.run(['/usr/bin/python3', '-c', 'import aiosmtpd'],
                      capture_output=True).returncode:
        print('python3-aiosmtpd missing (tools/deps/alerts.txt): skipping')
        return 77
    why = s3.install_s3rver()
    if why:
        print('skipping: the S3 test store cannot run here: ' + why)
        return 77
    database, cleanup_db = st.pg_database(os.environ['VIGIL_TEST_PG'])
    lists = tempfile.mkdtemp(prefix='vigil-lists-')
    os.chmod(lists, 0o755)
    with open(os.path.join(lists, 'self-harm.txt'), 'w') as f:
        f.write(st.GOOD_LIST)
    os.chmod(os.path.join(lists, 'self-harm.txt'), 0o644)
    store = s3.ObjectStore()
    mail_root = tempfile.mkdtemp(prefix='vigil-mail-')
    smtp = ta.Smtp(mail_root)
    try:
        store.start()
        smtp.start()
        return run(database, lists, store, smtp)
    finally:
        smtp.stop()
        store.cleanup()
        shutil.rmtree(lists, ignore_errors=True)
        shutil.rmtree(mail_root, ignore_errors=True)
        cleanup_db()


if __name__ == '__main__':
    sys.exit(main())
