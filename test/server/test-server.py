#!/usr/bin/env python3
# test-server.py: integration tests of vigil-server. Starts the real server on a loopback
# port (as an unprivileged user when run as root) and drives the agent API over HTTP:
# ingest and validation, tokens and schools, body caps, slow clients, restarts and
# SIGTERM, enrolment, heartbeats, the signed phrase-list bundle, list edits, export.
# usage: test-server.py --backend sqlite|pg [--only GROUP]   (pg needs VIGIL_TEST_PG, else 77)
import base64
import copy
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import harness
from harness import (BAD_LIST, GOOD_LIST, MAX_BODY, OFFLINE_AFTER, SERVER, TIMEOUT, VERIFY, check,
                     expect, group, png, record)

def machines(c):
    """`vigil-server machines` by (school, machine)."""
    return {(m['school'], m['machine']): m for m in c.srv.machines()}


def setup(c):
    """Two schools, three machines, one capture of school A, the first list bundle, a
    technician: what the groups build on."""
    c.key_a = c.srv.admin('school', 'add', 'Alpha Academy').stdout.strip()
    c.key_b = c.srv.admin('school', 'add', 'Beta School').stdout.strip()
    c.tok_a = c.srv.enrol(c.key_a, 'LAB1-PC07')
    c.tok_a2 = c.srv.enrol(c.key_a, 'LAB1-PC08')
    c.tok_b = c.srv.enrol(c.key_b, 'B-PC01')
    c.rec = record(png(320, 160, noise=160))
    expect(c.srv.request('POST', '/api/v1/captures', c.rec, token=c.tok_a), 201, 'store')
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    c.etag = r.headers.get('etag', '')
    harness.add_user(c.srv, 'tech', 'technician')


# ---- the groups --------------------------------------------------------------


@group
def health_and_routing(c):
    r = expect(c.srv.request('GET', '/healthz'), 200, 'healthz')
    check(r.json() == {'status': 'ok'}, 'healthz body')
    expect(c.srv.request('GET', '/nope'), 404, 'unknown path')
    r = expect(c.srv.request('GET', '/api/v1/captures'), 405, 'GET captures')
    check('error' in r.json(), '405 has a JSON error')


@group
def enrolment(c):
    # setup added the schools and enrolled their machines
    check(len(c.key_a) == 43 and c.key_a != c.key_b, 'enrolment keys look random')
    p = c.srv.admin('school', 'add', 'Alpha Academy', check_ok=False)
    check(p.returncode == 1 and 'exists' in p.stderr, 'duplicate school refused')
    check(c.tok_a != c.tok_a2, 'each machine gets its own token')
    bogus = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')
    r = expect(c.srv.request('POST', '/api/v1/enrol', {'key': bogus, 'machine': 'X'}), 403,
               'unknown key')
    check('error' in r.json(), '403 has a JSON error')
    expect(c.srv.request('POST', '/api/v1/enrol', {'key': 'short', 'machine': 'X'}), 403,
           'malformed key')
    expect(c.srv.request('POST', '/api/v1/enrol', {'key': c.key_a}), 400, 'missing machine')
    expect(c.srv.request('POST', '/api/v1/enrol', {'key': c.key_a, 'machine': 'a b/c'}), 400,
           'bad machine name')
    expect(c.srv.request('POST', '/api/v1/enrol', 'not json'), 400, 'not JSON')
    # Tokens and keys are stored hashed: neither appears in the database.
    if not c.srv.database:
        with open(os.path.join(c.srv.data, 'vigil.db'), 'rb') as f:
            raw = f.read()
        for wal in ('vigil.db-wal',):
            p = os.path.join(c.srv.data, wal)
            if os.path.exists(p):
                raw += open(p, 'rb').read()
        check(c.tok_a.encode() not in raw and c.key_a.encode() not in raw,
              'token or key stored in clear')
        check(hashlib.sha256(c.tok_a.encode()).hexdigest().encode() in raw,
              'token hash stored')


@group
def store_and_duplicate(c):
    image = png(320, 160, noise=160)
    rec = record(image)
    r = expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'store')
    check(r.json() == {'id': rec['id']}, '201 body names the id')
    r = expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 200, 'duplicate')
    check(r.json()['id'] == rec['id'], '200 body names the id')
    rows = [e for e in c.srv.export() if e['id'] == rec['id']]
    check(len(rows) == 1, 'duplicate stored once (%d rows)' % len(rows))
    sha = rec['screenshot']['sha256']
    path = os.path.join(c.srv.data, 'images', sha[:2], sha + '.png')
    check(os.path.exists(path), 'image stored under its sha256')
    with open(path, 'rb') as f:
        check(f.read() == image, 'image bytes identical')
    # The same image in another capture is stored once on disk.
    rec2 = record(image)
    expect(c.srv.request('POST', '/api/v1/captures', rec2, token=c.tok_a2), 201, 'same image')
    files = os.listdir(os.path.join(c.srv.data, 'images', sha[:2]))
    check(files.count(sha + '.png') == 1 and not [f for f in files if f.endswith('.tmp')],
          'one image file, no temporaries')
    # Upper-case UUIDs are the same capture.
    rec3 = copy.deepcopy(rec2)
    rec3['id'] = rec2['id'].upper()
    expect(c.srv.request('POST', '/api/v1/captures', rec3, token=c.tok_a2), 200, 'upper-case id')



@group
def screenshot_text_found_in_place(c):
    # The server reads the screenshot's base64 where it stands in the body; whatever else
    # the body holds, the image stored is the one screenshot.data names.
    def stored(rec, body):
        expect(c.srv.request('POST', '/api/v1/captures', body, token=c.tok_a,
                             headers={'Content-Type': 'application/json'}), 201, 'store')
        sha = rec['screenshot']['sha256']
        with open(os.path.join(c.srv.data, 'images', sha[:2], sha + '.png'), 'rb') as f:
            check(hashlib.sha256(f.read()).hexdigest() == sha, 'the image named by sha256')
        row = [e for e in c.srv.export() if e['id'] == rec['id']]
        check(len(row) == 1 and 'data' not in row[0]['screenshot'] and 'data' not in row[0],
              'stored without the base64: %r' % row[:1])
    big = png(200, 100, noise=100)
    decoy = base64.b64encode(os.urandom(len(big) * 2)).decode()
    # A longer base64 string under another "data" member, before and after the image.
    rec = record(big)
    body = json.dumps(dict(rec, data=decoy))
    stored(rec, body)
    rec = record(big)
    body = json.dumps({'data': decoy, **rec})
    stored(rec, body)
    # Spaces around the colon, and the base64 written with escaped slashes.
    rec = record(png(200, 100, noise=100))
    stored(rec, json.dumps(rec, separators=(' , ', ' : ')))
    rec = record(png(200, 100, noise=100))
    stored(rec, json.dumps(rec).replace('/', '\\/'))
    # A decoy that is not base64, and a record whose only long base64 is not the image.
    rec = record(png(200, 100, noise=100))
    bad = copy.deepcopy(rec)
    bad['screenshot']['data'] = base64.b64encode(png(8, 8)).decode()
    r = expect(c.srv.request('POST', '/api/v1/captures', json.dumps(dict(bad, data=rec['screenshot']['data'])),
                             token=c.tok_a, headers={'Content-Type': 'application/json'}),
               400, 'the long base64 elsewhere is not the screenshot')
    check('screenshot' in r.json()['error'], 'error names the screenshot: %r' % r.json())

def drop(path):
    def f(rec):
        parts = path.split('.')
        obj = rec
        for p in parts[:-1]:
            obj = obj[p]
        del obj[parts[-1]]
    return f


def put(path, value):
    def f(rec):
        parts = path.split('.')
        obj = rec
        for p in parts[:-1]:
            obj = obj[p]
        obj[parts[-1]] = value
    return f


def swap_image(image, fix_sha=True, fix_size=False):
    def f(rec):
        rec['screenshot']['data'] = base64.b64encode(image).decode()
        if fix_sha:
            rec['screenshot']['sha256'] = hashlib.sha256(image).hexdigest()
    return f


# A hit of record()'s context "i just want to k1ll mys3lf tonight": bytes 15-26.
HIT = {'category': 'self-harm', 'severity': 4, 'phrase': 'kill my self', 'rule': 'self-harm.txt:14',
       'matched': 'k1ll mys3lf', 'start': 15, 'end': 26}

REQUIRED = ['schema', 'id', 'time', 'machine', 'user', 'source', 'reason', 'reason.category',
            'reason.severity', 'reason.phrase', 'reason.matched', 'reason.rule', 'context',
            'window', 'window.title', 'window.app', 'screenshot', 'screenshot.type',
            'screenshot.width', 'screenshot.height', 'screenshot.sha256', 'screenshot.data',
            'agent', 'agent.version', 'agent.wordlists']

INVALID = [('missing ' + f, drop(f), f) for f in REQUIRED] + [
    ('schema wrong', put('schema', 'vigil.capture/2'), 'schema'),
    ('id not a string', put('id', 12345), 'id'),
    ('id not a UUID', put('id', 'not-a-uuid'), 'id'),
    ('time month 13', put('time', '2026-13-01T00:00:00Z'), 'time'),
    ('time 30 February', put('time', '2026-02-30T10:00:00Z'), 'time'),
    ('time without zone', put('time', '2026-11-23T09:14:03'), 'time'),
    ('time with a space', put('time', '2026-11-23 09:14:03Z'), 'time'),
    ('time a number', put('time', 1700000000), 'time'),
    ('machine a list', put('machine', ['a']), 'machine'),
    ('machine empty', put('machine', ''), 'machine'),
    ('machine too long', put('machine', 'M' * 65), 'machine'),
    ('user with a newline', put('user', 'a\nb'), 'user'),
    ('unknown source', put('source', 'keylogger'), 'source'),
    ('reason a string', put('reason', 'x'), 'reason'),
    ('severity a string', put('reason.severity', '5'), 'reason.severity'),
    ('severity 9', put('reason.severity', 9), 'reason.severity'),
    ('severity 0', put('reason.severity', 0), 'reason.severity'),
    ('severity 2.5', put('reason.severity', 2.5), 'reason.severity'),
    ('category upper case', put('reason.category', 'Self Harm'), 'reason.category'),
    ('phrase too long', put('reason.phrase', 'p' * 257), 'reason.phrase'),
    ('context over 256 characters', put('context', 'é' * 257), 'context'),
    ('context a number', put('context', 5), 'context'),
    ('window title too long', put('window.title', 't' * 1025), 'window.title'),
    ('screenshot type gif', put('screenshot.type', 'image/gif'), 'screenshot.type'),
    ('width a string', put('screenshot.width', '64'), 'screenshot.width'),
    ('width negative', put('screenshot.width', -64), 'screenshot.width'),
    ('sha256 not hex', put('screenshot.sha256', 'z' * 64), 'screenshot.sha256'),
    ('sha256 short', put('screenshot.sha256', 'ab' * 31), 'screenshot.sha256'),
    ('bad base64', put('screenshot.data', '!!!not base64!!!'), 'screenshot.data'),
    ('base64 with junk after', put('screenshot.data',
                                   base64.b64encode(png(64, 32)).decode() + '@@'),
     'screenshot.data'),
    ('not a PNG', swap_image(b'GIF89a' + b'\x00' * 100), 'screenshot.data'),
    ('truncated PNG', swap_image(png(64, 32)[:20]), 'screenshot.data'),
    ('PNG width differs', swap_image(png(65, 32)), 'screenshot.width'),
    ('PNG height differs', swap_image(png(64, 31)), 'screenshot.height'),
    ('sha256 mismatch', swap_image(png(64, 32), fix_sha=False), 'screenshot.sha256'),
    ('agent version empty', put('agent.version', ''), 'agent.version'),
] + [('hits: ' + name, put('hits', value), field) for name, value, field in [
    ('an object', {'category': 'x'}, 'hits'),
    ('entry a string', [HIT, 'x'], 'hits[1]'),
    ('category missing', [HIT, {k: v for k, v in HIT.items() if k != 'category'}],
     'hits[1].category'),
    ('category upper case', [dict(HIT, category='Self Harm')], 'hits[0].category'),
    ('severity 6', [HIT, HIT, dict(HIT, severity=6)], 'hits[2].severity'),
    ('severity a string', [dict(HIT, severity='4')], 'hits[0].severity'),
    ('phrase empty', [dict(HIT, phrase='')], 'hits[0].phrase'),
    ('rule with a newline', [dict(HIT, rule='a.txt:1\nx')], 'hits[0].rule'),
    ('matched too long', [dict(HIT, matched='m' * 257)], 'hits[0].matched'),
    ('start missing', [{k: v for k, v in HIT.items() if k != 'start'}], 'hits[0].start'),
    ('start negative', [dict(HIT, start=-1)], 'hits[0].start'),
    ('end past the context', [dict(HIT, end=35)], 'hits[0].end'),
    ('end before start', [dict(HIT, start=20, end=15)], 'hits[0].end'),
    ('start a string', [dict(HIT, start='15')], 'hits[0].start'),
    ('one offset null', [dict(HIT, end=None)], 'hits[0].end'),
    ('too many', [HIT] * 65, 'hits'),
    ('base_severity a string', [dict(HIT, base_severity='5')], 'hits[0].base_severity'),
    ('base_severity below severity', [HIT, dict(HIT, base_severity=3)], 'hits[1].base_severity'),
    ('base_severity 6', [dict(HIT, base_severity=6)], 'hits[0].base_severity'),
    ('why a number', [dict(HIT, why=5)], 'hits[0].why'),
    ('why empty', [dict(HIT, why='')], 'hits[0].why'),
    ('why with a newline', [dict(HIT, why='severity 5 \u2192 4:\nx')], 'hits[0].why'),
    ('why too long', [HIT, HIT, dict(HIT, why='w' * 257)], 'hits[2].why'),
    ('context_rule a list', [dict(HIT, context_rule=['s.txt:3'])], 'hits[0].context_rule'),
    ('context_rule null', [dict(HIT, context_rule=None)], 'hits[0].context_rule'),
]] + [
    ('reason.base_severity a string', put('reason.base_severity', '5'), 'reason.base_severity'),
    ('reason.base_severity below severity', put('reason.base_severity', 1),
     'reason.base_severity'),
    ('reason.why an object', put('reason.why', {'a': 1}), 'reason.why'),
    ('reason.why too long', put('reason.why', 'é' * 257), 'reason.why'),
    ('reason.context_rule a number', put('reason.context_rule', 17), 'reason.context_rule'),
] + [('hits: severity above the reason', lambda rec: rec.update(
    reason=dict(rec['reason'], severity=3), hits=[dict(HIT, severity=3), HIT]), 'hits[1].severity'),
    ('hits: offset inside a character', lambda rec: rec.update(
    context='é' * 10, hits=[dict(HIT, start=1, end=4)]), 'hits[0].start')]


@group
def invalid_records(c):
    failures = []
    for name, mutate, field in INVALID:
        rec = record(png(64, 32, noise=2))
        mutate(rec)
        r = c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a)
        try:
            body = r.json()
        except ValueError:
            body = {}
        if r.status != 400 or body.get('field') != field or field not in body.get('error', ''):
            failures.append('%s: %d %s' % (name, r.status, r.body[:200]))
    for name, raw in [('not JSON', b'{"schema": '), ('an array', b'[1,2]'),
                      ('duplicate keys', b'{"id": "a", "id": "b"}'), ('empty body', b'')]:
        r = c.srv.request('POST', '/api/v1/captures', raw, token=c.tok_a,
                          headers={'Content-Type': 'application/json'})
        if r.status != 400 or 'error' not in r.json():
            failures.append('%s: %d %s' % (name, r.status, r.body[:200]))
    check(not failures, 'invalid records not refused as expected:\n  ' + '\n  '.join(failures))
    # The limits are inclusive: 256 characters of context (multi-byte) are fine.
    expect(c.srv.request('POST', '/api/v1/captures', record(context='é' * 256), token=c.tok_a),
           201, 'context of exactly 256 characters')
    # Offsets and unknown fields are accepted and not stored.
    rec = record(extra={'x': 1})
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'unknown field')
    row = [e for e in c.srv.export() if e['id'] == rec['id']][0]
    check('extra' not in row and 'data' not in row['screenshot'], 'stored record trimmed')
    rec = record(time='2026-11-23T10:14:03+01:00', source='screen-text')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'offset time')
    # A machine speaks only for itself: the token's machine is stored, not the claim.
    rec = record(machine='HEAD-OFFICE-PC', source='tamper')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'other machine')
    row = [e for e in c.srv.export() if e['id'] == rec['id']][0]
    check(row['machine'] != 'HEAD-OFFICE-PC' and row['machine'] == record()['machine'],
          "the token's machine is stored, not the one the record names: %s" % row['machine'])


def stored_hits(c, capture_id, columns='seq, category, severity, phrase, rule, matched, '
                'start_byte, end_byte'):
    """The capture_hits rows of a capture, in order, from the database itself (numbers as
    int, NULL as None)."""
    sql = ('SELECT %s FROM capture_hits WHERE capture_id = \'%s\' ORDER BY seq'
           % (columns, capture_id))
    if c.srv.database:
        out = subprocess.run([shutil.which('psql'), c.srv.database, '-AtF', '\t', '-P',
                              'null=\\N', '-c', sql],
                             capture_output=True, text=True, check=True).stdout
        rows = [line.split('\t') for line in out.splitlines() if line]
        return [tuple(None if v == '\\N' else int(v) if v.lstrip('-').isdigit() else v
                      for v in r) for r in rows]
    import sqlite3
    db = sqlite3.connect(os.path.join(c.srv.data, 'vigil.db'))
    try:
        return [tuple(r) for r in db.execute(sql)]
    finally:
        db.close()


@group
def hits(c):
    # Every hit of a moment is kept: in the record (export) and in capture_hits.
    hits = [dict(HIT, severity=5, phrase='kill myself', rule='self-harm.txt:12'),
            HIT,
            {'category': 'bullying', 'severity': 3, 'phrase': 'tonight', 'rule': 'b.txt:3',
             'matched': 'tonight', 'start': None, 'end': None, 'note': 'dropped'}]
    rec = record(hits=hits)
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'record with hits')
    row = [e for e in c.srv.export() if e['id'] == rec['id']][0]
    want = [{k: v for k, v in h.items() if k != 'note'} for h in hits]
    check(row.get('hits') == want, 'export lists every hit, unknown keys left out: %r'
          % row.get('hits'))
    check(stored_hits(c, rec['id']) == [
        (i, h['category'], h['severity'], h['phrase'], h['rule'], h['matched'], h['start'],
         h['end']) for i, h in enumerate(want)], 'capture_hits rows: %r'
        % stored_hits(c, rec['id']))
    # A retry of the same id stores nothing more.
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 200, 'duplicate')
    check(len(stored_hits(c, rec['id'])) == 3, 'hits stored once')
    # A record without hits is still accepted; it has no hit rows.
    plain = record()
    expect(c.srv.request('POST', '/api/v1/captures', plain, token=c.tok_a), 201, 'no hits')
    row = [e for e in c.srv.export() if e['id'] == plain['id']][0]
    check('hits' not in row and stored_hits(c, plain['id']) == [], 'no hits, none stored')
    # Multi-byte context: offsets are bytes, on character boundaries.
    rec = record(context='é k1ll mys3lf', hits=[dict(HIT, start=3, end=14)])
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'byte offsets')
    # An empty list is fine.
    expect(c.srv.request('POST', '/api/v1/captures', record(hits=[]), token=c.tok_a), 201,
           'empty hits')


@group
def hit_why(c):
    # What changed a hit's severity travels with it: kept in the record (export), in
    # capture_hits, and optional (a hit without it stays as it was).
    why = "severity 5 \u2192 2: 'haha' 2 words after"
    lowered = dict(HIT, severity=2, base_severity=5, why=why, context_rule='self-harm.txt:19')
    rec = record(reason=dict(record()['reason'], severity=2, base_severity=5, why=why,
                             context_rule='self-harm.txt:19'),
                 hits=[lowered, dict(HIT, severity=2, phrase='so done', start=None, end=None)])
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'record with why')
    row = [e for e in c.srv.export() if e['id'] == rec['id']][0]
    check(row.get('hits') == rec['hits'], 'export keeps each hit\'s why: %r' % row.get('hits'))
    check({k: row['reason'].get(k) for k in ('base_severity', 'why', 'context_rule')}
          == {'base_severity': 5, 'why': why, 'context_rule': 'self-harm.txt:19'},
          'export keeps the reason\'s why: %r' % row['reason'])
    got = stored_hits(c, rec['id'], 'seq, severity, base_severity, why, context_rule')
    check(got == [(0, 2, 5, why, 'self-harm.txt:19'), (1, 2, None, None, None)],
          'capture_hits rows: %r' % got)


@group
def tokens(c):
    rec = record()
    r = expect(c.srv.request('POST', '/api/v1/captures', rec), 401, 'no token')
    check(r.headers.get('www-authenticate', '').startswith('Bearer'), 'WWW-Authenticate')
    bogus = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=bogus), 401, 'unknown token')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token='x' * 500), 401, 'long token')
    expect(c.srv.request('POST', '/api/v1/captures', rec, headers={'Authorization': 'Basic eDp5'}),
           401, 'basic auth')
    expect(c.srv.request('POST', '/api/v1/heartbeat', {}, token=bogus), 401, 'heartbeat')
    expect(c.srv.request('GET', '/api/v1/wordlists', token=bogus), 401, 'wordlists')
    check(rec['id'] not in [e['id'] for e in c.srv.export()], 'refused capture not stored')
    # A stranger's upload is refused before its body is read.
    s = socket.create_connection(('127.0.0.1', c.srv.port), timeout=10)
    s.sendall(b'POST /api/v1/captures HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' +
              bogus.encode() + b'\r\nContent-Length: %d\r\n\r\n' % (MAX_BODY - 1))
    head = s.recv(4096)
    s.close()
    check(head.startswith(b'HTTP/1.1 401'), 'early 401: %r' % head[:40])


def client_from(c, addr):
    """A TCP connection to the server from the loopback address addr (127.x.y.z)."""
    s = socket.socket()
    s.bind((addr, 0))
    s.settimeout(10)
    s.connect(('127.0.0.1', c.srv.port))
    return s


@group
def body_budget(c):
    # The review's attack: 42 strangers POST /wordlists announcing 12 MiB and 600 POST
    # /login announcing 16 KiB, each sending one byte, from other addresses. Memory is
    # reserved as bytes arrive and after the early check, captures have their own budget:
    # a capture upload still succeeds.
    held = []
    try:
        for i in range(642):
            s = client_from(c, '127.0.%d.%d' % (10 + i // 20, 2 + i % 20))
            path, length = ('/wordlists', 12 * 1024 * 1024) if i < 42 else ('/login', 16384)
            s.sendall(b'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/'
                      b'x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nx' % (path.encode(), length))
            held.append(s)
        t0 = time.time()
        r = c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_a, timeout=20)
        took = time.time() - t0
        print('  capture upload during 42 + 600 slow bodies: %d in %.0f ms' % (r.status, took * 1e3))
        check(r.status == 201, 'capture upload during the attack: %d %s' % (r.status, r.body[:100]))
    finally:
        for s in held:
            s.close()
    # One machine cannot take the upload budget: past max-inflight-per-machine its
    # uploads are answered 503 while another machine's are stored.
    c.srv.stop()
    c.srv.start(['--max-inflight-per-machine', str(3 * 1024 * 1024)])
    held, statuses = [], []
    try:
        for i in range(5):
            s = client_from(c, '127.0.0.1')
            s.sendall(b'POST /api/v1/captures HTTP/1.1\r\nHost: x\r\nContent-Type: application/json'
                      b'\r\nAuthorization: Bearer ' + c.tok_a.encode() +
                      b'\r\nContent-Length: %d\r\n\r\n' % MAX_BODY + b' ' * (600 * 1024))
            held.append(s)
        time.sleep(0.5)
        expect(c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_a2), 201,
               "another machine's upload while one machine fills its cap")
        for s in held:
            s.sendall(b' ' * (MAX_BODY - 600 * 1024))
            statuses.append(int(s.recv(64).split()[1]))
    finally:
        for s in held:
            s.close()
    print('  5 uploads of 1 MiB at once from one machine capped at 3 MiB: %r' % statuses)
    # Without the cap all five would be read whole (400: padding is not a record). Which
    # of them cross it depends on when the server frees a finished body (slower under a
    # sanitizer): at least two are refused, at most three read whole.
    check(statuses.count(503) >= 2 and 1 <= statuses.count(400) <= 3 and
          statuses.count(400) + statuses.count(503) == 5, 'answers %r' % statuses)
    # One address cannot hold every connection: past max-connections-per-address (64
    # here) each new one closes the address's oldest connection still waiting for a
    # request's head, and /healthz still answers.
    held, closed = [], 0
    c.srv.stop()
    c.srv.start(['--max-connections-per-address', '64'])
    try:
        for i in range(100):
            s = client_from(c, '127.0.9.9')
            s.sendall(b'GET /healthz HTTP/1.1\r\nHo')
            held.append(s)
        for s in held:
            s.settimeout(0.2)
            try:
                closed += s.recv(16) == b''
            except socket.timeout:
                pass
            except OSError:
                closed += 1
        r = c.srv.request('GET', '/healthz', timeout=10)
        print('  100 half-open sockets from one address: %d closed at once; /healthz %d'
              % (closed, r.status))
        check(closed >= 100 - 64 and r.status == 200, '%d of 100 closed, healthz %d' % (closed, r.status))
    finally:
        for s in held:
            s.close()
        c.srv.stop()
        c.srv.start()


@group
def other_school(c):
    # School B cannot overwrite or claim school A's capture by reusing its id.
    rec = copy.deepcopy(c.rec)
    rec['user'] = 'intruder'
    r = expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_b), 409, 'foreign id')
    check(r.json().get('field') == 'id', '409 names the id')
    rows = [e for e in c.srv.export() if e['id'] == c.rec['id']]
    check(len(rows) == 1 and rows[0]['school'] == 'Alpha Academy' and rows[0]['user'] == 'jsmith',
          'school A capture untouched')
    mine = record()
    expect(c.srv.request('POST', '/api/v1/captures', mine, token=c.tok_b), 201, 'B stores')
    b_rows = c.srv.export('--school', 'Beta School')
    check([e['id'] for e in b_rows] == [mine['id']], 'B export holds only B captures')
    check(all(e['school'] == 'Alpha Academy' for e in c.srv.export('--school', 'Alpha Academy')),
          'A export holds only A captures')
    # The school comes from the token, never from the body.
    row = [e for e in c.srv.export() if e['id'] == mine['id']][0]
    check(row['school'] == 'Beta School', 'school from the token')


@group
def oversized(c):
    # Content-Length over the cap: 413 before the body is sent.
    s = socket.create_connection(('127.0.0.1', c.srv.port), timeout=10)
    s.sendall(b'POST /api/v1/captures HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
              b'Authorization: Bearer ' + c.tok_a.encode() + b'\r\n'
              b'Content-Length: %d\r\n\r\n' % (MAX_BODY + 1))
    head = s.recv(4096)
    s.close()
    check(head.startswith(b'HTTP/1.1 413'), 'oversized: %r' % head[:60])
    check(b'"error"' in head, '413 has a JSON error')
    # A client that sends it all anyway gets 413 too (or a closed connection, never 201).
    big = b'{"pad":"' + b'a' * (MAX_BODY + 10) + b'"}'
    try:
        r = c.srv.request('POST', '/api/v1/captures', big, token=c.tok_a,
                          headers={'Content-Type': 'application/json'})
        check(r.status == 413, 'oversized sent whole: %d' % r.status)
    except (BrokenPipeError, ConnectionResetError):
        pass
    # Without Content-Length (chunked), the cap still holds.
    conn = http.client.HTTPConnection('127.0.0.1', c.srv.port, timeout=30)
    conn.putrequest('POST', '/api/v1/captures')
    conn.putheader('Authorization', 'Bearer ' + c.tok_a)
    conn.putheader('Transfer-Encoding', 'chunked')
    conn.endheaders()
    try:
        for _ in range(20):
            piece = b'x' * 65536
            conn.send(b'%x\r\n' % len(piece) + piece + b'\r\n')
        conn.send(b'0\r\n\r\n')
    except (BrokenPipeError, ConnectionResetError):
        pass
    status = conn.getresponse().status
    check(status == 413, 'chunked oversized: %d' % status)
    # Small endpoints have small caps.
    expect(c.srv.request('POST', '/api/v1/heartbeat', b'{' + b' ' * 20000 + b'}', token=c.tok_a),
           413, 'oversized heartbeat')
    expect(c.srv.request('GET', '/healthz'), 200, 'server fine after 413s')


@group
def slow_clients(c):
    # Slow and partial clients hold connections; others are served meanwhile.
    slow = []
    for i in range(30):
        s = socket.create_connection(('127.0.0.1', c.srv.port))
        if i % 2:
            s.sendall(b'POST /api/v1/captures HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n'
                      b'Authorization: Bearer ' + c.tok_a.encode() + b'\r\n\r\n{"schema"')
        else:
            s.sendall(b'POST /api/v1/captures HTTP/1.1\r\nHo')
        slow.append(s)
    rec = record()
    t0 = time.time()
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a, timeout=10), 201,
           'capture while 30 clients stall')
    elapsed = time.time() - t0
    check(elapsed < TIMEOUT, 'served while slow clients wait (%.2f s)' % elapsed)
    # The server drops connections that go silent for longer than its timeout.
    slow[1].settimeout(TIMEOUT + 10)
    t0 = time.time()
    try:
        data = slow[1].recv(100)
    except ConnectionResetError:
        data = b''
    check(data == b'' or data.startswith(b'HTTP/1.1 408'), 'stalled client dropped: %r' % data[:40])
    check(time.time() - t0 >= TIMEOUT - 1.5, 'dropped after the timeout, not at once')
    for s in slow:
        s.close()
    check(len([e for e in c.srv.export() if e['id'] == rec['id']]) == 1, 'stored once')


@group
def heartbeats_and_offline(c):
    sessions = [{'id': 'c2', 'display': ':0', 'user': 'jsmith', 'type': 'x11',
                 'monitored': True, 'restarts_1h': 2, 'last_gap': 0.25},
                {'id': 'c3', 'display': '', 'user': 'akhan', 'type': 'wayland',
                 'monitored': False, 'restarts_1h': 0, 'last_gap': None}]
    r = c.srv.request('POST', '/api/v1/heartbeat',
                      {'version': '0.1.0', 'wordlists': 'v1', 'spooled': 3, 'dropped': 1,
                       'sessions': sessions}, token=c.tok_a)
    expect(r, 204, 'heartbeat')
    check(r.body == b'', '204 without a body')
    for bad, field in (({'monitored': 'yes'}, 'sessions[1].monitored'),
                       ({'restarts_1h': -1}, 'sessions[1].restarts_1h'),
                       ({'user': 'a\nb'}, 'sessions[1].user'),
                       ({'last_gap': 'long'}, 'sessions[1].last_gap')):
        r = c.srv.request('POST', '/api/v1/heartbeat',
                          {'sessions': [sessions[0], dict(sessions[1], **bad)]}, token=c.tok_a)
        expect(r, 400, 'bad session %s' % bad)
        check(json.loads(r.body).get('field') == field, 'error names %s: %s' % (field, r.body))
    expect(c.srv.request('POST', '/api/v1/heartbeat', {'spooled': -1}, token=c.tok_a), 400,
           'negative spooled')
    expect(c.srv.request('POST', '/api/v1/heartbeat', {'version': 7}, token=c.tok_a), 400,
           'version a number')
    m = machines(c)
    pc7 = m[('Alpha Academy', 'LAB1-PC07')]
    check(pc7['status'] == 'online' and pc7['version'] == '0.1.0' and pc7['spooled'] == 3
          and pc7['dropped'] == 1 and pc7['wordlists'] == 'v1', 'heartbeat recorded: %s' % pc7)
    check(pc7['sessions'] == sessions, 'machines prints the sessions: %s' % pc7['sessions'])
    check(m[('Alpha Academy', 'LAB1-PC08')]['status'] == 'never-seen', 'silent machine listed')
    time.sleep(OFFLINE_AFTER + 0.5)
    expect(c.srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0'}, token=c.tok_b), 204,
           'B heartbeat')
    m = machines(c)
    check(m[('Alpha Academy', 'LAB1-PC07')]['status'] == 'offline',
          'silent machine offline: %s' % m[('Alpha Academy', 'LAB1-PC07')])
    check(m[('Beta School', 'B-PC01')]['status'] == 'online', 'B online')
    check(m[('Alpha Academy', 'LAB1-PC07')]['version'] == '0.1.0',
          "B's heartbeat did not touch A's machine")
    # The server reports it in its log too, once.
    deadline = time.time() + 5
    while time.time() < deadline and 'machine Alpha Academy/LAB1-PC07: no heartbeat' not in \
            c.srv.log_text():
        time.sleep(0.2)
    log = c.srv.log_text()
    check(log.count('machine Alpha Academy/LAB1-PC07: no heartbeat') == 1, 'offline logged once')
    check('Beta School/B-PC01: no heartbeat' not in log, 'online machine not reported')
    expect(c.srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0'}, token=c.tok_a), 204,
           'A back')
    deadline = time.time() + 5
    while time.time() < deadline and 'LAB1-PC07: heard from again' not in c.srv.log_text():
        time.sleep(0.2)
    check('LAB1-PC07: heard from again' in c.srv.log_text(), 'return logged')


def verify(bundle_body, key):
    p = subprocess.run([VERIFY, key], input=bundle_body, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode().strip()


@group
def wordlists_bundle(c):
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    etag = r.headers.get('etag', '')
    check(etag.startswith('"') and len(etag) == 34, 'ETag %r' % etag)
    outer = r.json()
    payload = json.loads(outer['payload'])
    check(payload['format'] == 'vigil.wordlists/1' and outer['version'] == payload['version'],
          'bundle format')
    check([f['name'] for f in payload['files']] == ['self-harm.txt'] and
          payload['files'][0]['text'] == GOOD_LIST, 'bundle carries the list files')
    check(etag == '"%s"' % payload['version'], 'ETag is the version')
    key = c.srv.admin('key', 'show').stdout.strip()
    code, version = verify(r.body, key)
    check(code == 0 and version == payload['version'], 'signature verifies with key show')
    tampered = json.loads(r.body)
    tampered['payload'] = tampered['payload'].replace('kill myself', 'kill yourself')
    code, _ = verify(json.dumps(tampered).encode(), key)
    check(code == 1, 'tampered payload does not verify')
    other = base64.b64encode(os.urandom(32)).decode()
    check(verify(r.body, other)[0] == 1, 'another key does not verify')
    r2 = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a,
                              headers={'If-None-Match': etag}), 304, 'If-None-Match')
    check(r2.body == b'' and r2.headers.get('etag') == etag, '304 empty with ETag')
    expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a,
                         headers={'If-None-Match': '"0000"'}), 200, 'stale ETag')
    check(etag == c.etag, 'the same ETag for the same lists: %r, %r' % (etag, c.etag))


@group
def lists_edit_refused(c):
    # A technician saves a broken file in the lists directory: refused with FILE:LINE,
    # the last good bundle is still served.
    bad = os.path.join(c.srv.lists, 'bullying.txt')
    with open(bad, 'w') as f:
        f.write(BAD_LIST)
    os.chmod(bad, 0o644)
    c.srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and 'refused; still serving' not in c.srv.log_text():
        time.sleep(0.1)
    log = c.srv.log_text()
    check('bullying.txt:4:' in log, 'FILE:LINE error logged: %s' % log[-600:])
    check('refused; still serving version ' + c.etag.strip('"') in log, 'last good kept')
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    check(r.headers['etag'] == c.etag, 'same bundle served after a bad edit')
    p = c.srv.admin('lists', 'check', check_ok=False)
    check(p.returncode == 1 and 'bullying.txt:4:' in p.stdout, 'lists check reports FILE:LINE')
    # Fixing the file is noticed without a signal (lists-check-interval 1).
    with open(bad, 'w') as f:
        f.write(BAD_LIST.replace('@severity 9', '@severity 2'))
    deadline = time.time() + 10
    while time.time() < deadline:
        r = c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a)
        if r.headers['etag'] != c.etag:
            break
        time.sleep(0.2)
    check(r.headers['etag'] != c.etag, 'fixed list served')
    names = [f['name'] for f in json.loads(r.json()['payload'])['files']]
    check(names == ['bullying.txt', 'self-harm.txt'], 'both files served: %s' % names)
    os.unlink(bad)
    c.srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline:
        r = c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a)
        if r.headers['etag'] == c.etag:
            break
        time.sleep(0.2)
    check(r.headers['etag'] == c.etag, 'same content, same version')


@group
def lists_upload(c):
    c.srv.admin('user', 'add', '--role', 'moderator', '--school', 'Alpha Academy', 'mod',
                stdin='another password\n')
    p = c.srv.admin('user', 'add', '--role', 'moderator', '--school', 'Nowhere', 'x',
                    stdin='another password\n', check_ok=False)
    check(p.returncode == 1, 'user of an unknown school refused')
    auth = {'Authorization': 'Basic ' + base64.b64encode(b'tech:correct horse battery').decode()}
    wrong = {'Authorization': 'Basic ' + base64.b64encode(b'tech:wrong').decode()}
    mod = {'Authorization': 'Basic ' + base64.b64encode(b'mod:another password').decode()}
    expect(c.srv.request('PUT', '/api/v1/wordlists/bullying.txt', GOOD_LIST, headers=wrong), 401,
           'wrong password')
    expect(c.srv.request('PUT', '/api/v1/wordlists/bullying.txt', GOOD_LIST, headers=mod), 401,
           'moderator may not edit lists')
    expect(c.srv.request('PUT', '/api/v1/wordlists/bullying.txt', GOOD_LIST, token=c.tok_a), 401,
           'a machine may not edit lists')
    r = expect(c.srv.request('PUT', '/api/v1/wordlists/bullying.txt', BAD_LIST, headers=auth), 400,
               'bad list upload')
    errs = r.json()['errors']
    check(any(e.startswith('bullying.txt:4:') for e in errs), 'FILE:LINE in the answer: %s' % errs)
    check(not os.path.exists(os.path.join(c.srv.lists, 'bullying.txt')), 'bad file not written')
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    check(r.headers['etag'] == c.etag, 'last good bundle after a bad upload')
    good = BAD_LIST.replace('@severity 9', '@severity 2')
    r = expect(c.srv.request('PUT', '/api/v1/wordlists/bullying.txt', good, headers=auth), 200,
               'good upload')
    version = r.json()['version']
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    check(r.headers['etag'] == '"%s"' % version, 'new bundle served')
    with open(os.path.join(c.srv.lists, 'bullying.txt')) as f:
        check(f.read() == good, 'upload written to the lists directory')
    expect(c.srv.request('PUT', '/api/v1/wordlists/../etc.txt', good, headers=auth), 400,
           'path in a list name')
    r = expect(c.srv.request('DELETE', '/api/v1/wordlists/bullying.txt', headers=auth), 200,
               'delete')
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    check(r.headers['etag'] == c.etag, 'back to the first lists')
    # Every change through the API is in the audit log, with who made it.
    rows = c.srv.sql("SELECT login, action, detail FROM audit WHERE action LIKE 'wordlist-%' "
                     "ORDER BY id")
    check(['tech', 'wordlist-save', 'bullying.txt (API)'] in rows and
          ['tech', 'wordlist-delete', 'bullying.txt (API)'] in rows, 'list edits audited: %r' % rows)
    # HTTP Basic goes through the sign-in limits: 5 wrong guesses, then even the right
    # password is refused for a while (429).
    c.srv.admin('user', 'add', '--role', 'technician', 'tech2', stdin='correct horse battery\n')
    wrong2 = {'Authorization': 'Basic ' + base64.b64encode(b'tech2:guess').decode()}
    right2 = {'Authorization': 'Basic ' + base64.b64encode(b'tech2:correct horse battery').decode()}
    for i in range(7):
        expect(c.srv.request('PUT', '/api/v1/wordlists/x.txt', good, headers=wrong2),
               401 if i < 5 else 429, 'wrong Basic password %d' % i)
    expect(c.srv.request('PUT', '/api/v1/wordlists/x.txt', good, headers=right2), 429,
           'the right password after 7 wrong ones')
    check(not os.path.exists(os.path.join(c.srv.lists, 'x.txt')), 'nothing written')


@group
def export_output(c):
    for i in range(4):
        expect(c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_a), 201,
               'capture %d' % i)
    before = c.srv.export()
    check(len(before) >= 5, 'captures exported')
    for e in before:
        check(set(e) >= {'schema', 'id', 'time', 'machine', 'user', 'source', 'reason',
                         'context', 'window', 'screenshot', 'agent', 'school', 'received',
                         'status'}, 'export fields: %s' % sorted(e))
        check('data' not in e['screenshot'] and e['status'] == 'new', 'no image data, status')
    a = [e for e in before if e['id'] == c.rec['id']][0]
    want = copy.deepcopy(c.rec)
    del want['screenshot']['data']
    for k, v in want.items():
        check(a[k] == v, 'export %s: %r != %r' % (k, a[k], v))
    time.sleep(0.01)
    cut = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(time.time() + 1)) + 'Z'
    check(c.srv.export('--since', cut) == [], '--since in the future: nothing')
    check(len(c.srv.export('--since', '2000-01-01T00:00:00Z')) == len(before), '--since past')
    p = c.srv.admin('export', '--since', 'yesterday', check_ok=False)
    check(p.returncode == 2 and 'RFC 3339' in p.stderr, 'bad --since refused')


@group
def revocation(c):
    c.srv.admin('machine', 'revoke', '--school', 'Alpha Academy', 'LAB1-PC08')
    expect(c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_a2), 401,
           'revoked machine')
    expect(c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_a), 201,
           'other machine of the school still works')
    check(machines(c)[('Alpha Academy', 'LAB1-PC08')]['status'] == 'revoked',
          'listed revoked')
    c.srv.admin('school', 'revoke', 'Beta School')
    expect(c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_b), 401,
           "revoked school's machine")
    expect(c.srv.request('POST', '/api/v1/enrol', {'key': c.key_b, 'machine': 'B-PC02'}), 403,
           'revoked school key')
    p = c.srv.admin('school', 'revoke', 'Nowhere', check_ok=False)
    check(p.returncode == 1, 'unknown school')


@group
def machine_take_over(c):
    # The school key does not undo machine revoke: the revoked machine stays revoked.
    c.srv.enrol(c.key_a, 'LAB1-PC09')
    c.srv.admin('machine', 'revoke', '--school', 'Alpha Academy', 'LAB1-PC09')
    r = expect(c.srv.request('POST', '/api/v1/enrol', {'key': c.key_a, 'machine': 'LAB1-PC09'}),
               403, 'enrolling a revoked machine again')
    check(r.json().get('field') == 'machine', 'names the machine: %r' % r.json())
    check(machines(c)[('Alpha Academy', 'LAB1-PC09')]['status'] == 'revoked',
          'still revoked')
    c.srv.admin('machine', 'allow', '--school', 'Alpha Academy', 'LAB1-PC09')
    tok = c.srv.enrol(c.key_a, 'LAB1-PC09')
    expect(c.srv.request('POST', '/api/v1/captures', record(), token=tok), 201, 'allowed again')
    # Enrolling a live machine again (a re-imaged PC) replaces its token: the old one
    # stops working, and it is audited and shown on the machines page.
    old = c.tok_a
    c.tok_a = c.srv.enrol(c.key_a, 'LAB1-PC07')
    expect(c.srv.request('POST', '/api/v1/captures', record(), token=old), 401, 'old token')
    expect(c.srv.request('POST', '/api/v1/captures', record(), token=c.tok_a), 201, 'new token')
    rows = c.srv.sql("SELECT login, action, detail FROM audit WHERE action LIKE 'machine-%' "
                     "ORDER BY id")
    check(['system', 'machine-allow', 'LAB1-PC09'] in rows and
          ['system', 'machine-replaced', 'LAB1-PC07'] in rows, 'audited: %r' % rows)
    r = c.srv.request('POST', '/login', body='login=tech&password=correct+horse+battery',
                      headers={'Content-Type': 'application/x-www-form-urlencoded'})
    cookie = r.headers.get('set-cookie', '').split(';')[0]
    page = expect(c.srv.request('GET', '/machines', headers={'Cookie': cookie}), 200,
                  'machines page').body.decode()
    table = page.split('id="replaced"', 1)[-1].split('</table>', 1)[0]
    check('<td>LAB1-PC07</td><td>1</td>' in table and 'B-PC01' not in table,
          'the replaced machine on the machines page: %s' % table[:400])


@group
def restart_keeps_data(c):
    before = c.srv.export()
    code = c.srv.stop()
    check(code == 0, 'clean exit on SIGTERM (%s)' % code)
    check('stopped' in c.srv.log_text(), 'logged the stop')
    c.srv.start()
    check(c.srv.export() == before, 'captures kept across a restart')
    expect(c.srv.request('POST', '/api/v1/captures', c.rec, token=c.tok_a), 200,
           'duplicate after restart')
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=c.tok_a), 200, 'bundle')
    check(r.headers['etag'] == c.etag, 'same bundle version after restart')


@group
def sigterm_loses_nothing(c):
    # Uploads race a SIGTERM: every capture answered 201 is stored.
    accepted, lock = [], threading.Lock()
    stop = threading.Event()

    def uploader():
        while not stop.is_set():
            rec = record(png(320, 100, noise=100))
            try:
                r = c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a, timeout=10)
            except OSError:
                return
            if r.status == 201:
                with lock:
                    accepted.append(rec['id'])
    threads = [threading.Thread(target=uploader) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    code = c.srv.stop()
    stop.set()
    for t in threads:
        t.join()
    check(code == 0, 'clean exit (%s)' % code)
    check(len(accepted) > 5, 'uploads were running (%d)' % len(accepted))
    c.srv.start()
    stored = {e['id'] for e in c.srv.export()}
    missing = [i for i in accepted if i not in stored]
    check(not missing, '%d of %d accepted captures lost' % (len(missing), len(accepted)))


@group
def upload_waiting_does_not_hold_its_loop(c):
    # With one epoll loop, an upload waiting for its commit (the database held by another
    # writer) does not hold up that loop's other requests: it waits on a worker while its
    # connection is suspended, and is stored once the database is free.
    c.srv.stop()
    c.srv.start(['--threads', '1'])
    if c.srv.database:
        holder = subprocess.Popen([shutil.which('psql'), c.srv.database, '-qAt', '-c',
                                   'BEGIN; LOCK TABLE captures IN EXCLUSIVE MODE; '
                                   'SELECT pg_sleep(4); COMMIT;'], stdout=subprocess.DEVNULL)
        release = holder.wait
    else:
        import sqlite3
        db = os.path.join(c.srv.data, 'vigil.db')
        con = sqlite3.connect(db, timeout=10, isolation_level=None)
        con.execute('BEGIN IMMEDIATE')

        def release():
            time.sleep(4)
            con.rollback()
            con.close()
    time.sleep(0.5)  # the lock is held
    rec, answer = record(png(200, 100, noise=100)), []
    upload = threading.Thread(target=lambda: answer.append(
        c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a, timeout=30)))
    upload.start()
    time.sleep(0.5)  # the upload is waiting for its commit
    t0 = time.time()  # a request that needs nothing but the loop (not the database)
    expect(c.srv.request('GET', '/static/web.js', timeout=10), 200, 'a script during the wait')
    took = time.time() - t0
    waiting = upload.is_alive()
    release()
    upload.join()
    check(waiting, 'the upload was still waiting when the script was sent')
    check(took < 1.5, 'the script sent in %.1f s beside the waiting upload' % took)
    check(answer and answer[0].status == 201, 'the upload is stored once the database is free: %r'
          % (answer[0].status if answer else None))
    c.srv.stop()
    c.srv.start()


@group
def cannot_store_503(c):
    # The image store stops taking writes: 503 (the agent keeps the capture and retries),
    # /healthz says so, nothing half-stored; once it recovers the retry is stored.
    images = os.path.join(c.srv.data, 'images')
    dirs = [images] + [os.path.join(images, d) for d in os.listdir(images)]
    modes = {d: os.stat(d).st_mode & 0o777 for d in dirs}
    rec = record(png(100, 50, noise=50))
    for d in dirs:
        os.chmod(d, 0o500)
    try:
        r = expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 503,
                   'image store read-only')
        check('error' in r.json(), '503 has a JSON error')
        expect(c.srv.request('GET', '/healthz'), 503, 'healthz while read-only')
    finally:
        for d in dirs:
            os.chmod(d, modes[d])
    check(rec['id'] not in [e['id'] for e in c.srv.export()], 'no row without its image')
    expect(c.srv.request('GET', '/healthz'), 200, 'healthz recovered')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'retry stored')


@group
def refuses_root(c):
    if os.geteuid() != 0:
        return
    p = subprocess.run([SERVER, '--data', c.srv.data, '--listen', '127.0.0.1:0'],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode != 0 and 'refusing to run as root' in p.stderr, 'root refused: %s' % p.stderr)
    out = subprocess.run(['ps', '-o', 'user=', '-p', str(c.srv.proc.pid)], capture_output=True,
                         text=True).stdout.strip()
    check(out == 'nobody', 'server runs as nobody, not %r' % out)



if __name__ == '__main__':
    sys.exit(harness.main(setup=setup))
