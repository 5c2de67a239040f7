#!/usr/bin/env python3
# test-harden.py: the third outside review of vigil-server, each finding an attack that
# must fail: a referred image that comes back with a new capture of the same bytes, a
# school's technician changing every school's lists, one device behind a school's NAT
# address locking the school out, wrong passwords keeping an owner out, a long note in
# the text case record, a PNG that costs seconds to thumbnail, plain-HTTP S3 to another
# host. Each group is one finding.
# usage: test-harden.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else 77)
import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

import harness
from harness import Web, add_user, check, expect, group, png, shot, upload

OAK, LAKE = 'Oakridge Primary', 'Lakeside'


def setup(c):
    srv = c.srv
    c.key_a = srv.admin('school', 'add', OAK).stdout.strip()
    c.key_b = srv.admin('school', 'add', LAKE).stdout.strip()
    c.tok_a = srv.enrol(c.key_a, 'OAK-PC01')
    c.tok_b = srv.enrol(c.key_b, 'LAKE-PC01')
    add_user(srv, 'mod')
    add_user(srv, 'head-b', role='headteacher', school=LAKE)
    c.mod, c.head_b = Web(srv), Web(srv)
    c.mod.login('mod')
    c.head_b.login('head-b')


def act(web, cid, action, text=''):
    csrf = web.csrf('/captures/' + cid)
    expect(web.req('POST', '/captures/%s/action' % cid,
                   {'csrf': csrf, 'action': action, 'text': text,
                    'confirm': 'yes'}), 303, action)


@group
def hidden_image_stays_hidden(c):
    # A moderator hides a screenshot and its frame (referred); later captures with the
    # same bytes, from another school too, as screenshot or as a frame, are hidden as
    # they are stored: nothing of them leaves by any path.
    srv = c.srv
    image, frame = png(96, 48, noise=8), png(80, 40, noise=6)
    first = upload(srv, c.tok_a, image=image, user='amy',
                   frames=[shot(frame, '2026-11-23T09:14:05.400Z')])
    expect(c.mod.req('GET', '/captures/%s/thumb' % first['id']), 200, 'thumbnail before')
    act(c.mod, first['id'], 'hide-image', 'referred to police, ref 9')
    expect(c.mod.req('GET', '/captures/%s/image' % first['id']), 410, 'hidden')
    again = upload(srv, c.tok_b, image=image, user='bo')        # the same screenshot
    framed = upload(srv, c.tok_b, user='bo', frames=[shot(frame, '2026-11-23T09:14:06.000Z')])
    other = upload(srv, c.tok_b, user='bo')                      # nothing hidden
    for who, web in (('moderator', c.mod), ('headteacher of Lakeside', c.head_b)):
        for rec in (again, framed):
            base = '/captures/' + rec['id']
            expect(web.req('GET', base + '/image'), 410, who + ': image of a re-upload')
            expect(web.req('GET', base + '/thumb'), 404, who + ': thumbnail of a re-upload')
            r = expect(web.req('GET', base), 200, who + ': its page')
            check('id="image-hidden"' in r.text and base + '/image' not in r.text
                  and '/frames/' not in r.text, who + ': the page shows no image')
        expect(web.req('GET', '/captures/%s/frames/1' % framed['id']), 410,
               who + ': a frame with hidden bytes')
        expect(web.req('GET', '/captures/%s/image' % other['id']), 200, who + ': others shown')
    r = expect(c.head_b.req('GET', '/captures?status=all'), 200, 'queue')
    check('/captures/%s/thumb' % again['id'] not in r.text
          and '/captures/%s/thumb' % other['id'] in r.text, 'no thumbnail in the queue')
    # report and case record of a confirmed concern
    act(c.head_b, again['id'], 'concern')
    r = expect(c.head_b.req('GET', '/reports/Lakeside/2026-W48'), 200, 'report')
    check('/captures/%s/thumb' % again['id'] not in r.text and 'image hidden' in r.text,
          'the report shows no image')
    r = expect(c.head_b.req('GET', '/captures/%s/case' % again['id']), 200, 'case record')
    check('hidden' in r.text, 'the case record says hidden: ' + r.text[-400:])
    pdf = expect(c.head_b.req('GET', '/captures/%s/case.pdf' % again['id']), 200, 'case PDF')
    check(base64.b64encode(image[:40]) not in pdf.body and b'/Image' not in pdf.body,
          'no image in the case PDF')
    # export and subject access
    ex = {x['id']: x for x in srv.export()}
    check(ex[again['id']].get('image_hidden') is True and ex[framed['id']].get('image_hidden')
          is True and 'image_hidden' not in ex[other['id']], 'export marks hidden images')
    out = srv.admin('pupil', 'export', '--school', LAKE, 'bo').stdout
    lines = {x['id']: x for x in map(json.loads, out.splitlines())}
    check('data' not in lines[again['id']]['screenshot'] and
          'data' not in lines[framed['id']]['frames'][0] and
          'data' in lines[other['id']]['screenshot'], 'subject access withholds them')
    # A retry of the capture that was hidden, and a restart, change nothing.
    expect(srv.request('POST', '/api/v1/captures', first, token=c.tok_a), 200, 'retry')
    expect(c.mod.req('GET', '/captures/%s/image' % first['id']), 410, 'still hidden')


@group
def case_record_long_note(c):
    # A note of 1,280 bytes (and one of 4,000) made the text case record answer 503; a
    # window title of 400 bytes of "é" was cut in the middle of a character.
    rec = upload(c.srv, c.tok_a, user='cal',
                 window={'title': '\u00e9' * 200, 'app': 'firefox'})
    note = ('the pupil said this at length. ' * 42)[:1280]
    act(c.mod, rec['id'], 'note', note)
    act(c.mod, rec['id'], 'note', 'x' * 3990 + ' end.')
    act(c.mod, rec['id'], 'concern')
    r = expect(c.mod.req('GET', '/captures/%s/case' % rec['id']), 200, 'text case record')
    check(note in r.text and 'x' * 3990 + ' end.' in r.text, 'both notes whole')
    r.body.decode('utf-8')  # strict: raises on a split character
    m = re.search(r'^Window +(.*)$', r.text, re.M)
    check(m and m.group(1).endswith('\u00e9\u2026') and set(m.group(1)[:-1]) == {'\u00e9'},
          'the title cut between characters: %r' % (m and m.group(1)[-10:]))
    expect(c.mod.req('GET', '/captures/%s/case.pdf' % rec['id']), 200, 'PDF case record')


def big_png(w, h, depth, ctype):
    """A PNG of zeros: w x h pixels of colour type ctype (2 RGB, 6 RGBA) at depth bits."""
    ch = {2: 3, 6: 4}[ctype] * depth // 8

    def chunk(k, d):
        return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d) & 0xffffffff)
    z = zlib.compressobj(9)
    row = b'\x00' + bytes(w * ch)
    data = b''.join(z.compress(row) for _ in range(h)) + z.flush()
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
            + chunk(b'IDAT', data) + chunk(b'IEND', b''))


@group
def costly_png_refused(c):
    # A 311 KB PNG declaring 8000 x 5000 16-bit RGBA cost seconds of CPU for its first
    # thumbnail. Screenshots are 8 bits per channel and at most 25 megapixels (two 4K
    # screens are 16.6): the rest is refused at upload, naming the field; a frame too.
    srv = c.srv
    srv.stop()
    srv.start(['--max-body', str(16 << 20)])
    try:
        sixteen = big_png(8000, 5000, 16, 6)
        for over, field in ((dict(image=sixteen), 'screenshot.data'),
                            (dict(image=big_png(800, 500, 16, 2)), 'screenshot.data'),
                            (dict(image=big_png(8000, 5000, 8, 6)), 'screenshot.width'),
                            (dict(frames=[shot(big_png(640, 400, 16, 6), '2026-11-23T09:14:05Z')]),
                             'frames[0].data')):
            img = over.pop('image', None)
            r = srv.request('POST', '/api/v1/captures', harness.record(image=img, **over),
                            token=c.tok_a)
            check(r.status == 400 and r.json().get('field') == field,
                  '%s refused: %d %s' % (field, r.status, r.text[:200]))
        for w, h in ((2 * 3840, 2160), (6000, 4160)):  # two 4K screens; 24.96 megapixels
            ok = upload(srv, c.tok_a, image=big_png(w, h, 8, 6))
            t = time.time()
            expect(c.mod.req('GET', '/captures/%s/thumb' % ok['id']), 200, 'thumbnail')
            print('  thumbnail of %d x %d RGBA: %.2f s' % (w, h, time.time() - t))
        # One stored before (or under raised ceilings) is not decoded: no thumbnail.
        srv.stop()
        srv.start(['--max-body', str(16 << 20), '--max-image-megapixels', '100'])
        old = upload(srv, c.tok_a, image=big_png(8000, 5000, 8, 6))
        t = time.time()
        expect(c.mod.req('GET', '/captures/%s/thumb' % old['id']), 404, 'no thumbnail')
        check(time.time() - t < 0.5, 'refused before decoding: %.2f s' % (time.time() - t))
    finally:
        srv.stop()
        srv.start()


def login_from(c, login, password, client):
    """A sign-in through the trusted proxy (127.0.0.1) for client address client."""
    return Web(c.srv).req('POST', '/login', {'login': login, 'password': password},
                          headers={'X-Forwarded-For': client})


@group
def sign_in_backoff(c):
    # Twenty wrong sign-ins at once for a login made the right password answer 429
    # wherever it came from. Now the address that guessed waits, with a backoff; the
    # owner elsewhere signs in.
    srv = c.srv
    add_user(srv, 'owner')
    srv.stop()
    srv.start(['--trusted-proxy', '127.0.0.1'])
    try:
        got = []
        ts = [threading.Thread(target=lambda i=i: got.append(
            login_from(c, 'owner', 'guess %d' % i, '10.6.6.6').status)) for i in range(20)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        check(got.count(401) <= 5 and got.count(429) >= 15,
              'the guesser was checked at most 5 times: %r' % sorted(got))
        expect(login_from(c, 'owner', harness.PASSWORD, '10.1.1.1'), 303,
               'the owner from another address')
        r = expect(login_from(c, 'owner', harness.PASSWORD, '10.6.6.6'), 429,
                   'the guessing address, even with the right password')
        check('Try again in' in r.text, 'it says how long to wait')
        # Backoff: five failures are free, then each check waits 1 s, 2 s, 4 s… after the
        # last failure; an attempt that comes early is refused unchecked.
        for i in range(5):
            expect(login_from(c, 'owner', 'wrong %d' % i, '10.7.7.7'), 401, 'failure %d' % i)
        expect(login_from(c, 'owner', harness.PASSWORD, '10.7.7.7'), 429, 'at once: wait 1 s')
        time.sleep(1.2)
        expect(login_from(c, 'owner', 'wrong again', '10.7.7.7'), 401, 'after 1 s: checked')
        expect(login_from(c, 'owner', harness.PASSWORD, '10.7.7.7'), 429, 'now wait 2 s')
        time.sleep(2.2)
        expect(login_from(c, 'owner', harness.PASSWORD, '10.7.7.7'), 303, 'after 2 s: in')
        expect(login_from(c, 'owner', 'wrong', '10.7.7.7'), 401, 'a success starts afresh')
        # The lists API's HTTP Basic is counted the same way.
        add_user(srv, 'tech-x', role='technician')
        bad = {'Authorization': 'Basic ' + base64.b64encode(b'tech-x:guess').decode(),
               'X-Forwarded-For': '10.8.8.8'}
        for i in range(7):
            srv.request('PUT', '/api/v1/wordlists/x.txt', harness.GOOD_LIST, headers=bad)
        good = {'Authorization': 'Basic ' + base64.b64encode(
            ('tech-x:' + harness.PASSWORD).encode()).decode(), 'X-Forwarded-For': '10.9.9.9'}
        r = srv.request('DELETE', '/api/v1/wordlists/none.txt', headers=good)
        check(r.status == 404, 'the technician from elsewhere is let in: %d' % r.status)
    finally:
        srv.stop()
        srv.start()


class Tricklers:
    """n connections from 127.0.0.1 sending a request's head one byte every period
    seconds, never finishing it (each byte resets the server's silence timeout)."""

    def __init__(self, srv, n, period=1.0):
        self.socks, self.closed, self.stop = [], [], threading.Event()
        for _ in range(n):
            s = socket.create_connection(('127.0.0.1', srv.port), timeout=5)
            s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n')
            self.socks.append(s)
        self.t = threading.Thread(target=self.run, args=(period,), daemon=True)
        self.t.start()

    def run(self, period):
        while not self.stop.wait(period):
            for s in self.socks:
                if s in self.closed:
                    continue
                try:
                    s.sendall(b'X')
                except OSError:
                    self.closed.append(s)

    def gone(self):
        """How many the server has closed."""
        n = 0
        for s in self.socks:
            s.setblocking(False)
            try:
                n += s.recv(1) == b''
            except BlockingIOError:
                pass
            except OSError:
                n += 1
        return n

    def close(self):
        self.stop.set()
        self.t.join()
        for s in self.socks:
            s.close()


def heartbeat(srv, token):
    t = time.time()
    r = srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0', 'wordlists': 'x',
                                                  'spooled': 0, 'dropped': 0}, token=token,
                    timeout=10)
    return r.status, time.time() - t


@group
def nat_school_not_locked_out(c):
    # A school is one address: 64 connections trickling header bytes from it made its
    # agents' heartbeats fail for as long as they stayed. A request's head now has
    # head-timeout in all, and an address at its limit makes room by closing its oldest
    # connection still waiting for a head.
    srv = c.srv
    try:
        tr = Tricklers(srv, 64)
        time.sleep(1.5)
        try:
            status, took = heartbeat(srv, c.tok_a)
        except OSError as e:
            raise harness.Failure('heartbeat beside 64 trickling connections: %s' % e)
        check(status == 204, 'heartbeat beside 64 trickling connections: %d' % status)
        print('  heartbeat beside 64 trickling connections: %.0f ms' % (took * 1000))
        tr.close()
        srv.stop()
        srv.start(['--head-timeout', '3'])
        tr = Tricklers(srv, 64)
        t = time.time()
        harness.until(lambda: tr.gone() == 64, 8, 'the trickling heads closed at head-timeout')
        print('  64 trickling heads closed after %.1f s (head-timeout 3 s)' % (time.time() - t))
        tr.close()
        # At the address's limit (64 here) the newcomer gets the room of a trickler.
        srv.stop()
        srv.start(['--max-connections-per-address', '64'])
        tr = Tricklers(srv, 64)
        time.sleep(1.5)
        for i in range(3):
            status, took = heartbeat(srv, c.tok_a)
            check(status == 204, 'heartbeat %d at the limit of 64: %d' % (i, status))
        print('  heartbeat with 64 trickling at a limit of 64: %.0f ms' % (took * 1000))
        check(tr.gone() >= 1, 'tricklers made room: %d closed' % tr.gone())
        tr.close()
    finally:
        srv.stop()
        srv.start()


def served_bundle(srv, token):
    """(version, issued) of the signed bundle the server hands to token's machine."""
    r = expect(srv.request('GET', '/api/v1/wordlists', token=token), 200, 'bundle')
    p = json.loads(r.json()['payload'])
    return p['version'], p.get('issued')


@group
def bundle_issued_goes_forward(c):
    # Agents refuse a bundle older than theirs (test/fault/test-bundle-age.c): the server
    # signs when its lists were made, "issued", the newest change of the list files, and
    # a bundle of other lists is always later than the one served before, even when a
    # file comes back with an old time.
    srv = c.srv
    v1, t1 = served_bundle(srv, c.tok_a)
    check(isinstance(t1, int) and t1 > 1700000000000, 'issued in the payload: %r' % t1)
    path = os.path.join(srv.lists, 'extra.txt')
    with open(path, 'w') as f:
        f.write('@category bullying\n@severity 3\nnobody likes you\n')
    harness.give(path)
    v2, t2 = harness.until(lambda: (lambda b: b if b[0] != v1 else None)(
        served_bundle(srv, c.tok_a)), 10, 'the new lists served')
    check(t2 > t1, 'new lists, later: %r > %r' % (t2, t1))
    os.utime(path, (1500000000, 1500000000))  # restored with an old time (cp -p, rsync -t)
    os.utime(srv.lists, (1500000000, 1500000000))
    with open(path, 'a') as f:
        f.write('you are worthless\n')
    os.utime(path, (1500000000, 1500000000))
    os.utime(srv.lists, (1500000000, 1500000000))
    srv.proc.send_signal(signal.SIGHUP)
    v3, t3 = harness.until(lambda: (lambda b: b if b[0] != v2 else None)(
        served_bundle(srv, c.tok_a)), 10, 'the lists with an old time served')
    check(t3 > t2, 'still later than the lists before: %r > %r' % (t3, t2))
    os.unlink(path)
    harness.until(lambda: served_bundle(srv, c.tok_a)[0] == v1, 10, 'back to the first lists')


def bundle_files(srv, token):
    r = expect(srv.request('GET', '/api/v1/wordlists', token=token), 200, 'bundle')
    return sorted(f['name'] for f in json.loads(r.json()['payload'])['files'])


def basic(login):
    return {'Authorization': 'Basic ' + base64.b64encode(
        ('%s:%s' % (login, harness.PASSWORD)).encode()).decode()}


@group
def lists_scoped_to_school(c):
    # A technician of one school deleted a shared list for every school, and the audit
    # row had no school. Now the shared lists are a technician's without a school; a
    # school's technician edits the school's own lists, which its machines get on top.
    srv = c.srv
    add_user(srv, 'tech-oak', role='technician', school=OAK)
    add_user(srv, 'tech-trust', role='technician')
    add_user(srv, 'head-a', role='headteacher', school=OAK)
    before = bundle_files(srv, c.tok_b)
    check('self-harm.txt' in before, 'the shared list: %r' % before)
    for method in ('DELETE', 'PUT'):
        r = srv.request(method, '/api/v1/wordlists/self-harm.txt',
                        harness.GOOD_LIST if method == 'PUT' else None, headers=basic('tech-oak'))
        check(r.status == 403 and 'shared' in r.json().get('error', ''),
              '%s of a shared list by a school\'s technician: %d %s' % (method, r.status, r.text))
    check(os.path.exists(os.path.join(srv.lists, 'self-harm.txt')) and
          bundle_files(srv, c.tok_b) == before, 'the other school keeps the shared list')
    own = '@category bullying\n@severity 3\nnobody at oakridge likes you\n'
    r = srv.request('PUT', '/api/v1/wordlists/oak-local.txt', own, headers=basic('tech-oak'))
    check(r.status == 200, "the school's own list: %d %s" % (r.status, r.text))
    check(bundle_files(srv, c.tok_a) == sorted(before + ['oak-local.txt']),
          "its machines get the shared lists and its own: %r" % bundle_files(srv, c.tok_a))
    check(bundle_files(srv, c.tok_b) == before, 'another school does not')
    bad = srv.request('PUT', '/api/v1/wordlists/oak-bad.txt', harness.BAD_LIST,
                      headers=basic('tech-oak'))
    check(bad.status == 400 and 'oak-bad.txt:4' in bad.text, 'refused with FILE:LINE: %s' % bad.text)
    # the trust's technician edits the shared lists: every school gets them
    r = srv.request('PUT', '/api/v1/wordlists/trust.txt', '@category hate\nwe hate them all\n',
                    headers=basic('tech-trust'))
    check(r.status == 200, 'a shared list by a technician without a school: %d' % r.status)
    check('trust.txt' in bundle_files(srv, c.tok_a) and 'trust.txt' in bundle_files(srv, c.tok_b)
          and 'oak-local.txt' in bundle_files(srv, c.tok_a), 'both schools get it')
    # the web page: shared lists to read, the school's own to edit
    web = Web(srv)
    web.login('tech-oak')
    r = expect(web.req('GET', '/wordlists?file=self-harm.txt'), 200, 'lists page')
    check('id="shared-text"' in r.text and 'oak-local.txt' in r.text, 'shared read only, own listed')
    csrf = web.csrf('/wordlists')
    r = web.req('POST', '/wordlists', {'csrf': csrf, 'action': 'save', 'file': 'self-harm.txt',
                                        'text': '@category self-harm\nnothing\n'})
    check(r.status == 403, 'saving a shared list on the web: %d' % r.status)
    check(open(os.path.join(srv.lists, 'self-harm.txt')).read() == harness.GOOD_LIST,
          'the shared list unchanged')
    # audit rows carry the school they affect; shared changes are every school's
    rows = srv.sql("SELECT a.login, a.action, COALESCE(s.name, '') FROM audit a LEFT JOIN "
                   "schools s ON s.id = a.school_id WHERE a.action LIKE 'wordlist-%' ORDER BY a.id")
    check(['tech-oak', 'wordlist-save', OAK] in rows and ['tech-trust', 'wordlist-save', '']
          in rows and ['tech-oak', 'wordlist-refused', OAK] in rows, 'audit rows: %r' % rows)
    head_a = Web(srv)
    head_a.login('head-a')
    a_log = expect(head_a.req('GET', '/audit'), 200, 'audit (Oakridge)').text
    b_log = expect(c.head_b.req('GET', '/audit'), 200, 'audit (Lakeside)').text
    check('oak-local.txt' in a_log and 'oak-local.txt' not in b_log,
          "a school's list change in its own audit log only")
    check('trust.txt' in a_log and 'trust.txt' in b_log, 'a shared change in every school\'s')
    r = srv.request('DELETE', '/api/v1/wordlists/oak-local.txt', headers=basic('tech-oak'))
    check(r.status == 200 and 'oak-local.txt' not in bundle_files(srv, c.tok_a), 'own list deleted')
    srv.request('DELETE', '/api/v1/wordlists/trust.txt', headers=basic('tech-trust'))


@group
def s3_plain_http_refused(c):
    # s3-url = http:// to another host would send screenshots over the network in the
    # clear: the server refuses to start; loopback (a test store) is still accepted.
    srv = c.srv
    cred = os.path.join(srv.root, 's3.cred')
    with open(cred, 'w') as f:
        f.write('KEY:SECRET\n')
    os.chmod(cred, 0o600)
    harness.give(cred)
    for url in ('http://192.0.2.10:9000/vigil', 'http://s3.example.org/vigil',
                'http://127.0.0.1:1@s3.example.org/vigil'):
        args = srv.base_args() + ['--listen', '127.0.0.1:0', '--s3-url', url, '--s3-region',
                                  'eu-west-2', '--s3-credentials', cred]
        if srv.user:
            args += ['--user', srv.user]
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            raise harness.Failure('the server started with s3-url = ' + url)
        check(p.returncode == 1 and 's3-url' in p.stderr and 'https://' in p.stderr,
              'refused at start: %s: %d %s' % (url, p.returncode, p.stderr[-300:]))


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup))
