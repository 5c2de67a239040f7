#!/usr/bin/env python3
# test-hits.py: every hit of a capture counts and keeps its own evidence. Per-hit source,
# context and frame, and the capture's later screenshots (frames), validated field by
# field, kept in the stored record (without image data), in capture_hits and
# capture_frames, the frames' PNGs in the image store; records without them accepted as
# before. The queue's category and severity filters, the weekly report (HTML, CSV, PDF),
# the Monday e-mail and the alerts consider every hit; export prints each hit's evidence;
# retention, erasure and subject access handle the frames' images.
# usage: test-hits.py --backend sqlite|pg [--only GROUP]   (pg needs VIGIL_TEST_PG, else 77)
import base64
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import time

import harness
from harness import Smtp, Web, check, expect, group, png, record, until, upload

UTC = datetime.timezone.utc
TIME = '2026-11-23T09:14:03.120Z'  # record()'s time: a Monday, week 2026-W48
WEEK = '2026-W48'
NULLABLE = "COALESCE(CAST(%s AS TEXT), '-')"  # NULL as '-' on both back ends
SELF_HARM = {'category': 'self-harm', 'severity': 5, 'phrase': 'kill myself',
             'matched': 'k1ll mys3lf', 'rule': 'self-harm.txt:12', 'start': 15, 'end': 26}
GROOM_CONTEXT = 'dont tell your parents about our chats ok'
GROOMING = {'category': 'grooming', 'severity': 5, 'phrase': "don't tell your parents",
            'matched': 'dont tell your parents', 'rule': 'grooming.txt:7', 'start': 0,
            'end': 22, 'source': 'clipboard', 'context': GROOM_CONTEXT, 'frame': 1}
BULLY = {'category': 'bullying', 'severity': 3, 'phrase': 'loser', 'matched': 'loser',
         'rule': 'bullying.txt:3', 'start': None, 'end': None, 'source': 'window-title',
         'context': 'Chat - you loser', 'frame': 0}


def frame(image, time='2026-11-23T09:14:04.500Z', **over):
    f = {'type': 'image/png', 'width': int.from_bytes(image[16:20], 'big'),
         'height': int.from_bytes(image[20:24], 'big'),
         'sha256': hashlib.sha256(image).hexdigest(),
         'data': base64.b64encode(image).decode(), 'time': time}
    f.update(over)
    return f


def moment(**over):
    """A self-harm capture with a severity-5 grooming hit of its own evidence (clipboard,
    its own context, on frame 1) and a bullying hit from the window title."""
    shot2 = png(48, 24, noise=3)
    t = datetime.datetime.fromisoformat(over.get('time', TIME).replace('Z', '+00:00'))
    later = (t + datetime.timedelta(seconds=1.38)).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'
    rec = record(hits=[SELF_HARM, GROOMING, BULLY], frames=[frame(shot2, time=later)], **over)
    return rec, shot2


def image_path(c, sha):
    return os.path.join(c.srv.data, 'images', sha[:2], sha + '.png')


def exported(c, cid):
    rows = [e for e in c.srv.export() if e['id'] == cid]
    check(len(rows) == 1, 'export has the capture %s' % cid)
    return rows[0]


def setup(c):
    c.key = c.srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    c.tok = c.srv.enrol(c.key, 'LAB1-PC07')
    c.key_b = c.srv.admin('school', 'add', 'Lakeside').stdout.strip()
    c.tok_b = c.srv.enrol(c.key_b, 'B-PC01')
    harness.add_user(c.srv, 'mod')
    harness.add_user(c.srv, 'head-a', 'headteacher', 'Oakridge Primary')
    c.mod = Web(c.srv)
    c.mod.login('mod')


# ---- validation ----------------------------------------------------------------


def bad(c, rec, field, what):
    r = expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok), 400, what)
    j = r.json()
    check(j.get('field') == field and field in j.get('error', ''),
          '%s: the error names %s: %r' % (what, field, j))


@group
def validation(c):
    one = png(48, 24, noise=2)
    hits = [SELF_HARM, SELF_HARM]
    cases = [
        ('hit source unknown', dict(hits=hits + [dict(GROOMING, source='keyboard')]),
         'hits[2].source'),
        ('hit source a number', dict(hits=[dict(SELF_HARM, source=3)]), 'hits[0].source'),
        ('hit source empty', dict(hits=[dict(SELF_HARM, source='')]), 'hits[0].source'),
        ('hit context a number', dict(hits=[dict(SELF_HARM, context=5)]), 'hits[0].context'),
        ('hit context too long', dict(hits=[SELF_HARM, dict(SELF_HARM, context='x' * 257)]),
         'hits[1].context'),
        ('hit end past its own context', dict(hits=[dict(GROOMING, frame=0, context='short')]),
         'hits[0].end'),
        ('hit start inside a character of its own context',
         dict(hits=[dict(SELF_HARM, context='é k1ll', start=1, end=4)]), 'hits[0].start'),
        ('hit frame past the frames', dict(hits=[dict(SELF_HARM, frame=1)]), 'hits[0].frame'),
        ('hit frame negative', dict(hits=[dict(SELF_HARM, frame=-1)], frames=[frame(one)]),
         'hits[0].frame'),
        ('hit frame a string', dict(hits=[dict(SELF_HARM, frame='0')]), 'hits[0].frame'),
        ('frames an object', dict(frames=frame(one)), 'frames'),
        ('frames too many', dict(frames=[frame(one)] * 9), 'frames'),
        ('frame not an object', dict(frames=[frame(one), 'x']), 'frames[1]'),
        ('frame type', dict(frames=[frame(one, type='image/jpeg')]), 'frames[0].type'),
        ('frame width missing', dict(frames=[{k: v for k, v in frame(one).items()
                                              if k != 'width'}]), 'frames[0].width'),
        ('frame width differs', dict(frames=[frame(one), frame(one, width=49)]),
         'frames[1].width'),
        ('frame height 0', dict(frames=[frame(one, height=0)]), 'frames[0].height'),
        ('frame sha256 wrong', dict(frames=[frame(one), frame(one, sha256='0' * 64)]),
         'frames[1].sha256'),
        ('frame sha256 upper case', dict(frames=[frame(one, sha256=hashlib.sha256(
            one).hexdigest().upper())]), 'frames[0].sha256'),
        ('frame data not base64', dict(frames=[frame(one, data='!!!!')]), 'frames[0].data'),
        ('frame data not a PNG', dict(frames=[frame(one, data=base64.b64encode(
            b'GIF89a' + bytes(40)).decode())]), 'frames[0].data'),
        ('frame data missing', dict(frames=[{k: v for k, v in frame(one).items()
                                             if k != 'data'}]), 'frames[0].data'),
        ('frame time missing', dict(frames=[{k: v for k, v in frame(one).items()
                                             if k != 'time'}]), 'frames[0].time'),
        ('frame time not RFC 3339', dict(frames=[frame(one, time='yesterday')]),
         'frames[0].time'),
        ('frame time before the capture', dict(frames=[frame(one, time='2026-11-23T09:14:03Z')]),
         'frames[0].time'),
    ]
    for what, over, field in cases:
        bad(c, record(**over), field, what)
    # A frame over the server's pixel ceiling (--max-image-side default 8192) is refused
    # like a screenshot.
    big = png(9000, 1)
    bad(c, record(frames=[frame(big)]), 'frames[0].width', 'frame over the ceiling')
    print('ok %d invalid records refused, each naming its field' % (len(cases) + 1))


@group
def old_records(c):
    # Records without the new fields are accepted and stored exactly as before.
    plain = upload(c.srv, c.tok)
    row = exported(c, plain['id'])
    check('frames' not in row and 'hits' not in row, 'nothing added: %r' % row)
    old_hit = {k: v for k, v in SELF_HARM.items()}
    rec = upload(c.srv, c.tok, hits=[old_hit])
    row = exported(c, rec['id'])
    check(row['hits'] == [old_hit], 'hits without evidence kept as sent: %r' % row['hits'])
    got = c.srv.sql("SELECT source, %s, %s FROM capture_hits WHERE capture_id = '%s'"
                    % (NULLABLE % 'context', NULLABLE % 'frame', rec['id']))
    check(got == [['typed', '-', '-']], 'a hit without a source takes the capture\'s: %r'
          % got)
    check(c.srv.sql("SELECT COUNT(*) FROM capture_frames WHERE capture_id = '%s'"
                    % rec['id']) == [['0']], 'no frames')
    print('ok records without per-hit evidence or frames accepted as before')


@group
def stored(c):
    rec, shot2 = moment()
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok), 201, 'store')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok), 200, 'retry')
    row = exported(c, rec['id'])
    check(row['hits'] == [SELF_HARM, GROOMING, BULLY],
          'export prints every hit with its own source, context and frame: %r' % row['hits'])
    want = {k: v for k, v in rec['frames'][0].items() if k != 'data'}
    check(row.get('frames') == [want], 'frames kept without data: %r' % row.get('frames'))
    check('data' not in row['screenshot'], 'no screenshot data')
    got = c.srv.sql("SELECT seq, category, source, %s, %s, %s FROM capture_hits "
                    "WHERE capture_id = '%s' ORDER BY seq"
                    % (NULLABLE % 'context', NULLABLE % 'frame', NULLABLE % 'start_byte', rec['id']))
    check(got == [['0', 'self-harm', 'typed', '-', '-', '15'],
                  ['1', 'grooming', 'clipboard', GROOM_CONTEXT, '1', '0'],
                  ['2', 'bullying', 'window-title', 'Chat - you loser', '0', '-']],
          'capture_hits rows: %r' % got)
    sha2 = hashlib.sha256(shot2).hexdigest()
    got = c.srv.sql("SELECT seq, sha256, time, width, height FROM capture_frames WHERE "
                    "capture_id = '%s'" % rec['id'])
    want_ms = int(datetime.datetime(2026, 11, 23, 9, 14, 4, 500000, UTC).timestamp() * 1000)
    check(got == [['0', sha2, str(want_ms), '48', '24']], 'capture_frames row: %r' % got)
    with open(image_path(c, sha2), 'rb') as f:
        check(f.read() == shot2, 'the frame\'s PNG is in the image store')
    c.moment = rec
    print('ok per-hit source, context, frame and the frames stored (record, rows, images)')


# ---- counting every hit --------------------------------------------------------------


def queue(c, query):
    r = expect(c.mod.req('GET', '/captures?status=all&' + query), 200, 'queue ' + query)
    return set(re.findall(r'/captures/([0-9a-f-]{36})', r.text))


@group
def queue_filters(c):
    both, _ = moment(time='2026-11-24T10:00:00Z')
    expect(c.srv.request('POST', '/api/v1/captures', both, token=c.tok), 201, 'moment')
    weak = record(time='2026-11-24T10:00:01Z',
                  hits=[SELF_HARM, dict(GROOMING, severity=3, frame=0)])
    expect(c.srv.request('POST', '/api/v1/captures', weak, token=c.tok), 201, 'weak grooming')
    plain = upload(c.srv, c.tok, time='2026-11-24T10:00:02Z')  # no hits: its reason
    bully = upload(c.srv, c.tok, time='2026-11-24T10:00:03Z',
                   reason={'category': 'bullying', 'severity': 3, 'phrase': 'loser',
                           'matched': 'loser', 'rule': 'bullying.txt:3'})
    got = queue(c, 'category=grooming')
    check(both['id'] in got and weak['id'] in got and plain['id'] not in got,
          'category=grooming lists the captures with a grooming hit')
    got = queue(c, 'category=GROOMING&severity=5')
    check(both['id'] in got and weak['id'] not in got and plain['id'] not in got,
          'category and severity together need one hit with both (case-insensitive)')
    got = queue(c, 'category=bullying&severity=4')
    check(both['id'] not in got and bully['id'] not in got, 'severity is at least, per hit')
    got = queue(c, 'category=bullying&severity=3')
    check(both['id'] in got and bully['id'] in got, 'a reason alone matches too')
    got = queue(c, 'category=self-harm&severity=5')
    check({both['id'], weak['id'], plain['id']} <= got and bully['id'] not in got,
          'a record without hits counts its reason')
    got = queue(c, 'severity=4')
    check(plain['id'] in got and bully['id'] not in got, 'severity alone is at least')
    print('ok queue filters by category and severity consider every hit')


def report_school(c):
    """A school of its own for counting: a self-harm capture with a grooming hit, and a
    bullying capture; both in 2026-W48."""
    if getattr(c, 'count_tok', None):
        return
    key = c.srv.admin('school', 'add', 'Countview').stdout.strip()
    c.count_tok = c.srv.enrol(key, 'CV-PC01')
    harness.add_user(c.srv, 'head-cv', 'headteacher', 'Countview')
    rec, _ = moment(time='2026-11-24T09:00:00Z')
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.count_tok), 201, 'moment')
    upload(c.srv, c.count_tok, time='2026-11-25T09:00:00Z',
           reason={'category': 'bullying', 'severity': 3, 'phrase': 'loser',
                   'matched': 'loser', 'rule': 'bullying.txt:3'})
    csrf = c.mod.csrf('/captures/' + rec['id'])
    expect(c.mod.req('POST', '/captures/%s/action' % rec['id'], {'action': 'concern', 'csrf': csrf}),
           303, 'concern')
    c.head_cv = Web(c.srv)
    c.head_cv.login('head-cv')


@group
def report_counts(c):
    report_school(c)
    base = '/reports/Countview/' + WEEK
    r = expect(c.head_cv.req('GET', base), 200, 'report')
    counts = r.text[r.text.index('id="counts"'):]
    counts = counts[:counts.index('</table>')]
    rows = {m.group(1): [int(x) for x in re.findall(r'<td[^>]*>(\d+)</td>', m.group(2))]
            for m in re.finditer(r'<tr><th>([^<]+)</th>(.*?)</tr>', counts)}
    check(rows.get('self-harm') == [0, 0, 0, 0, 1, 1], 'self-harm row: %r' % rows)
    check(rows.get('grooming') == [0, 0, 0, 0, 1, 1], 'the grooming hit counts: %r' % rows)
    check(rows.get('bullying') == [0, 0, 2, 0, 0, 2],
          'bullying: the capture and the window-title hit: %r' % rows)
    check(rows.get('All') == [0, 0, 1, 0, 1, 2], 'All counts each capture once: %r' % rows)
    check('counts under every category it has a hit in' in r.text, 'the report says so')
    check('self-harm, grooming, bullying' in r.text,
          'the confirmed concern names every category of its hits')
    r = expect(c.head_cv.req('GET', base + '?format=csv'), 200, 'CSV')
    lines = r.text.strip().splitlines()[1:]
    check('"Countview","%s","grooming",5,1' % WEEK in lines, 'CSV grooming row: %r' % lines)
    check('"Countview","%s","bullying",3,2' % WEEK in lines, 'CSV bullying row: %r' % lines)
    r = expect(c.head_cv.req('GET', base + '?format=pdf'), 200, 'PDF')
    pdf = os.path.join(c.srv.root, 'counts.pdf')
    with open(pdf, 'wb') as f:
        f.write(r.body)
    try:
        text = subprocess.run(['pdftotext', pdf, '-'], capture_output=True, text=True,
                              check=True).stdout
    except FileNotFoundError:
        print('pdftotext missing: the PDF text is not checked')
        return
    flat = ' '.join(text.split())
    check(re.search(r'grooming 0 0 0 0 1 1\b', flat), 'PDF grooming row: ' + flat[:800])
    check(re.search(r'All categories 0 0 1 0 1 2\b', flat), 'PDF totals row: ' + flat[:800])
    check('self-harm, grooming, bullying' in flat, 'PDF: the concern\'s categories')
    print('ok the weekly report counts a capture under every category it has a hit in')


@group
def digest(c):
    report_school(c)
    smtp = Smtp(c.srv.root, name='maildir-digest')
    c.at_exit(smtp.stop)
    smtp.start()
    mail = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
            'vigil@school.example', '--public-url', 'https://vigil.school.example']
    c.srv.admin('school', 'alerts', 'Countview', '--contact', 'dsl@countview.example')
    c.srv.stop()
    c.srv.start(mail)
    out = c.srv.admin(*mail, 'report', 'send', '--school', 'Countview', '--week', WEEK)
    check('1 recipients queued' in out.stdout, 'report send: ' + out.stdout)
    msg = until(lambda: [m for m in smtp.messages() if 'Weekly summary' in (m['Subject'] or '')],
                60, 'the summary')[0]
    text = msg.get_payload(decode=True).decode()
    check(re.search(r'^grooming +0 +0 +0 +0 +1 +1 +0 +\+1\r?$', text, re.M),
          'grooming counted in the Monday e-mail:\n' + text)
    check(re.search(r'^bullying +0 +0 +2 +0 +0 +2 +0 +\+2\r?$', text, re.M), 'bullying:\n' + text)
    check(re.search(r'^All +0 +0 +1 +0 +1 +2 +0 +\+2\r?$', text, re.M),
          'All counts each capture once:\n' + text)
    check('counts under every category' in text, 'the e-mail says so')
    print('ok the Monday e-mail counts every hit\'s category')


@group
def alerts(c):
    smtp = Smtp(c.srv.root, name='maildir-alerts')
    c.at_exit(smtp.stop)
    smtp.start()
    hooks, secret = webhook(c)
    c.srv.stop()
    key = c.srv.admin('school', 'add', 'Alertfield').stdout.strip()
    c.srv.admin('school', 'alerts', 'Alertfield', '--contact', 'dsl@alertfield.example',
                '--threshold', '5', '--webhook', 'http://127.0.0.1:%d/hook' % hooks.port,
                '--webhook-secret-file', secret)
    c.srv.start(['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
                 'vigil@school.example', '--public-url', 'https://vigil.school.example',
                 '--webhook-allow-private', 'yes'])
    tok = c.srv.enrol(key, 'AF-PC01')
    rec, _ = moment()
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=tok), 201, 'moment')
    until(lambda: [m for m in smtp.messages() if rec['id'] in body(m)], 60, 'the alert')
    until(lambda: hooks.got, 60, 'the webhook')
    mine = [m for m in smtp.messages() if rec['id'] in body(m)]
    check(len(mine) == 1, 'one alert per capture and contact: %d' % len(mine))
    m, text = mine[0], body(mine[0])
    check('self-harm, grooming' in m['Subject'], 'the subject names both: ' + m['Subject'])
    check('Crossed:  self-harm, severity 5, from typed' in text and
          'Crossed:  grooming, severity 5, from clipboard' in text,
          'every category over the threshold with its source:\n' + text)
    check('bullying' not in text, 'a category under the threshold is not named:\n' + text)
    hook = json.loads(hooks.got[0][1])
    check(hook['categories'] == [
        {'category': 'self-harm', 'severity': 5, 'sources': ['typed']},
        {'category': 'grooming', 'severity': 5, 'sources': ['clipboard']}],
        'the webhook names every category and its sources: %r' % hook)
    time.sleep(2)
    check(len(hooks.got) == 1, 'one webhook per capture')
    for t in (text, m['Subject'], hooks.got[0][1].decode()):
        for w in ('jsmith', 'k1ll', 'tell your parents', 'our chats', 'loser', GROOM_CONTEXT):
            check(w not in t, 'no pupil and no words in the alert: %r' % w)
    print('ok one alert naming every category over the threshold and its source')


def body(m):
    return m.get_payload(decode=True).decode()


def webhook(c):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'alerts_test', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-alerts.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.webhook_receiver(c, c.srv, 'hits-webhook.secret')


# ---- frames: retention, erasure, subject access ------------------------------------


@group
def pupil_frames(c):
    shot2 = png(40, 20, noise=5)
    rec = record(user='fiona', hits=[SELF_HARM, GROOMING], frames=[frame(shot2)],
                 image=png(44, 22, noise=5))
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok), 201, 'store')
    sha2 = hashlib.sha256(shot2).hexdigest()
    out = c.srv.admin('pupil', 'export', '--school', 'Oakridge Primary', 'fiona').stdout
    rows = [json.loads(x) for x in out.splitlines() if x.strip()]
    check(len(rows) == 1 and base64.b64decode(rows[0]['frames'][0]['data']) == shot2,
          'subject access includes the frame\'s image')
    check(rows[0]['hits'][1]['context'] == GROOM_CONTEXT, 'and each hit\'s own context')
    check(os.path.exists(image_path(c, sha2)), 'frame stored')
    out = c.srv.admin('pupil', 'delete', '--school', 'Oakridge Primary', 'fiona').stdout
    check('2 images' in out or '"images": 2' in out or 'images: 2' in out,
          'screenshot and frame removed: ' + out)
    check(not os.path.exists(image_path(c, sha2)), 'the frame\'s image is gone')
    check(c.srv.sql("SELECT COUNT(*) FROM capture_frames WHERE capture_id = '%s'" % rec['id'])
          == [['0']], 'its frame row is gone')
    print('ok subject access exports frames; erasure deletes them')


@group
def retention_frames(c):
    shot2, shared = png(36, 18, noise=6), png(38, 18, noise=6)
    old = record(time='2020-01-06T09:00:00Z', hits=[SELF_HARM], image=png(34, 18, noise=6),
                 frames=[frame(shot2, time='2020-01-06T09:00:01Z'),
                         frame(shared, time='2020-01-06T09:00:02Z')])
    expect(c.srv.request('POST', '/api/v1/captures', old, token=c.tok), 201, 'old capture')
    keep = upload(c.srv, c.tok, frames=[frame(shared)])  # a recent capture shows it too
    sha2, sha_shared = (hashlib.sha256(x).hexdigest() for x in (shot2, shared))
    out = c.srv.admin('--retention-days', '365', 'retention', 'run').stdout
    check(not os.path.exists(image_path(c, sha2)), 'the old frame\'s image is gone: ' + out)
    check(not os.path.exists(image_path(c, old['screenshot']['sha256'])), 'and its screenshot')
    check(os.path.exists(image_path(c, sha_shared)), 'a frame another capture shows stays')
    check(c.srv.sql("SELECT COUNT(*) FROM capture_frames WHERE capture_id = '%s'" % old['id'])
          == [['0']], 'its frame rows are gone')
    check(exported(c, keep['id'])['frames'][0]['sha256'] == sha_shared, 'the other stays')
    print('ok retention deletes frames and their images')


@group
def object_store_frames(c):
    # With the images in an S3-compatible store the frames are objects like the
    # screenshot: stored by their sha256, read back for subject access, deleted by
    # erasure (and by retention, which shares the code with erasure and the disk store).
    why = harness.need_s3rver()
    if why:
        print('skipping the object store: ' + why)
        return
    store = harness.ObjectStore()
    c.at_exit(store.cleanup)
    store.start()
    srv = harness.S3Server(c.database, c.lists, store)
    srv.start()
    key = srv.admin('school', 'add', 'Storehill').stdout.strip()
    tok = srv.enrol(key, 'SH-PC01')
    shot2 = png(42, 20, noise=4)
    rec = record(user='gwen', hits=[SELF_HARM, GROOMING], frames=[frame(shot2)],
                 image=png(46, 20, noise=4))
    expect(srv.request('POST', '/api/v1/captures', rec, token=tok), 201, 'store')
    sha1, sha2 = rec['screenshot']['sha256'], hashlib.sha256(shot2).hexdigest()
    check(store.objects() == sorted([sha1 + '.png', sha2 + '.png']),
          'screenshot and frame are objects: %r' % store.objects())
    out = srv.admin('pupil', 'export', '--school', 'Storehill', 'gwen').stdout
    row = json.loads(out.splitlines()[0])
    check(base64.b64decode(row['frames'][0]['data']) == shot2, 'the frame read back')
    srv.admin('pupil', 'delete', '--school', 'Storehill', 'gwen')
    check(store.objects() == [], 'erasure deleted both objects: %r' % store.objects())
    srv.stop()
    print('ok frames in the object store: stored, read back, erased')


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, needs=[harness.need_aiosmtpd]))
