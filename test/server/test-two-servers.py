#!/usr/bin/env python3
# test-two-servers.py: two vigil-server processes on one PostgreSQL database and one
# S3-compatible bucket (s3rver, SigV4 checked), as a trust runs them behind a load
# balancer: a capture uploaded through one is exported, shown, decided on and imaged
# through the other; one alert e-mail per contact (aiosmtpd), not one per server; a web
# session and the sign-in limit hold across both; both serve the same signed bundle.
# usage: test-two-servers.py   (needs VIGIL_TEST_PG, node for s3rver and aiosmtpd;
# exit 77 when one is missing)
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse

import harness
from harness import PASSWORD, S3Server, Smtp, check, expect, for_capture, group, until, upload

SCHOOL = 'Oakridge Primary'
CONTACTS = ['dsl@school.example', 'deputy@school.example']


def login(srv, who, password):
    return srv.request('POST', '/login', body=urllib.parse.urlencode(
        {'login': who, 'password': password}),
        headers={'Content-Type': 'application/x-www-form-urlencoded'})


def setup(c):
    c.store = harness.ObjectStore()
    c.at_exit(c.store.cleanup)
    c.store.start()
    mail = tempfile.mkdtemp(prefix='vigil-mail-')
    c.at_exit(lambda: shutil.rmtree(mail, ignore_errors=True))
    c.smtp = Smtp(mail)
    c.at_exit(c.smtp.stop)
    c.smtp.start()


@group
def two_servers(c):
    database, lists, store, smtp = c.database, c.lists, c.store, c.smtp
    extra = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
             'vigil@school.example', '--public-url', 'https://vigil.school.example']
    a = S3Server(database, lists, store)
    b = S3Server(database, lists, store)
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
    rec = upload(b, token)
    check(rec['id'] in {x['id'] for x in a.export()}, 'A exports what B stored')
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
    until(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2,
                60, 'two e-mails')
    time.sleep(4)
    mine = for_capture(smtp.messages(), rec['id'])
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


if __name__ == '__main__':
    # several servers share one PostgreSQL database: no SQLite variant
    sys.exit(harness.main(setup=setup, server=False, backends=('pg',),
                          needs=[harness.need_aiosmtpd, harness.need_s3rver]))
