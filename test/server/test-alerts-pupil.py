#!/usr/bin/env python3
# test-alerts-pupil.py: subject access and erasure for one pupil:
# "vigil-server pupil export --school NAME USER" gives every capture of that pupil as JSON
# lines with the screenshot's bytes; "pupil delete" leaves no row, image or log line of
# the pupil (the data directory, the database and the server log are searched), and
# another pupil's captures stay.
# usage: test-alerts-pupil.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import base64
import hashlib
import json
import os
import re
import sys
import urllib.parse

import harness
from harness import capture_page, check, expect, group, signed_in, upload


PUPIL = 'zq-pupil-4471'
OTHER = 'other-pupil-9'


def grep_tree(root, needle):
    hits = []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if needle in f:
                hits.append(p)
                continue
            try:
                with open(p, 'rb') as fh:
                    if needle.encode() in fh.read():
                        hits.append(p)
            except OSError:
                pass
    return hits


@group
def pupil_export_and_delete(c):
    srv, database = c.srv, c.database
    key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    srv.start()
    token = srv.enrol(key, 'LAB1-PC07')
    mine = [upload(srv, token, user=PUPIL, time='2026-11-2%dT09:00:00Z' % i)
            for i in range(3, 6)]
    other = upload(srv, token, user=OTHER)
    # A moderator's note naming the pupil (kept in the history and the audit log).
    capture_page(srv, mine[0]['id'])
    page = capture_page(srv, mine[0]['id'])
    csrf = re.search(r'id="act-note".*?name="csrf" value="([^"]+)"', page, re.S).group(1)
    expect(srv.request('POST', '/captures/%s/action' % mine[0]['id'],
                       body=urllib.parse.urlencode({'action': 'note', 'csrf': csrf,
                                                    'text': 'spoke to %s' % PUPIL}),
                       headers={'Cookie': 'vigil_session=' + signed_in(srv).cookie,
                                'Content-Type': 'application/x-www-form-urlencoded'}),
           303, 'note')

    def act(cid, action, text):
        page = capture_page(srv, cid)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        expect(srv.request('POST', '/captures/%s/action' % cid,
                           body=urllib.parse.urlencode({'action': action, 'csrf': csrf,
                                                        'text': text, 'confirm': 'yes'}),
                           headers={'Cookie': 'vigil_session=' + signed_in(srv).cookie,
                                    'Content-Type': 'application/x-www-form-urlencoded'}),
               303, action)
    # One image hidden as possible child abuse material: never in a subject access export.
    act(mine[1]['id'], 'hide-image', 'referred to the police')
    # Another pupil's note that contains a short pupil name ("ed") as letters.
    act(other['id'], 'note', 'referred to CAMHS')
    ed = upload(srv, token, user='ed')
    srv.stop()

    out = srv.admin('pupil', 'export', '--school', 'Oakridge Primary', PUPIL).stdout
    lines = [json.loads(x) for x in out.splitlines()]
    check(sorted(x['id'] for x in lines) == sorted(r['id'] for r in mine),
          'export: every capture of the pupil, no other: %d lines' % len(lines))
    for x, r in zip(sorted(lines, key=lambda x: x['id']), sorted(mine, key=lambda r: r['id'])):
        check(x['context'] == r['context'] and x['user'] == PUPIL, 'export carries the record')
        if r['id'] == mine[1]['id']:
            check('data' not in x['screenshot'] and 'withheld' in x['screenshot'],
                  'the hidden image is withheld: %r' % x['screenshot'])
            continue
        img = base64.b64decode(x['screenshot']['data'])
        check(hashlib.sha256(img).hexdigest() == r['screenshot']['sha256'],
              'export carries the screenshot')
    p = srv.admin('pupil', 'export', '--school', 'Oakridge Primary', PUPIL)
    check('1 images withheld' in p.stderr, 'the export says so: %r' % p.stderr)
    print('ok pupil export: %d captures, the hidden image withheld' % len(lines))

    # Erasing pupil "ed" takes ed's rows only: the note "referred to CAMHS" stays.
    res = srv.admin('pupil', 'delete', '--school', 'Oakridge Primary', 'ed').stdout
    check('1 captures' in res, 'ed erased: %r' % res)
    notes = srv.sql("SELECT detail FROM audit WHERE detail = 'referred to CAMHS'")
    check(notes == [['referred to CAMHS']], "another pupil's note kept: %r" % notes)
    check(not srv.sql("SELECT id FROM captures WHERE id = '%s'" % ed['id']), 'ed gone')
    print('ok pupil delete "ed": another pupil\'s audit note kept')

    if c.backend == 'sqlite':
        check(grep_tree(srv.data, PUPIL), 'the search finds the pupil before the delete')
    res = srv.admin('pupil', 'delete', '--school', 'Oakridge Primary', PUPIL).stdout
    check('3 captures and 3 images' in res, 'delete counts: %r' % res)
    out = srv.admin('pupil', 'export', '--school', 'Oakridge Primary', PUPIL).stdout
    check(out.strip() == '', 'nothing left to export')
    out = srv.admin('pupil', 'export', '--school', 'Oakridge Primary', OTHER).stdout
    check(len(out.splitlines()) == 1, 'the other pupil stays')
    for r in mine:
        # The hash of the image hidden as possible child abuse material stays, naming
        # no capture: the same image is never shown again (hidden_images, docs/privacy.md).
        hidden = r['id'] == mine[1]['id']
        for needle in (r['id'],) + (() if hidden else (r['screenshot']['sha256'],)):
            check(not grep_tree(srv.data, needle), 'no trace of %s in the data dir: %s'
                  % (needle, grep_tree(srv.data, needle)))
    kept = srv.sql("SELECT COALESCE(capture_id, 'none') FROM hidden_images WHERE sha256 = '%s'"
                   % mine[1]['screenshot']['sha256'])
    check(kept == [['none']], 'the hidden image\'s hash kept without its capture: %r' % kept)
    check(not grep_tree(srv.data, PUPIL), 'pupil name not in the data dir: %s'
          % grep_tree(srv.data, PUPIL))
    check(PUPIL not in srv.log_text(), 'pupil name not in the server log')
    if c.backend == 'sqlite':
        import sqlite3
        db = sqlite3.connect(os.path.join(srv.data, 'vigil.db'))
        dump = '\n'.join(db.iterdump())
        db.close()
        check(PUPIL not in dump and mine[0]['id'] not in dump, 'not in the database dump')
        check(other['id'] in dump, 'the dump does hold the other capture')
    else:
        import subprocess
        dump = subprocess.run(['pg_dump', database], capture_output=True, text=True)
        if dump.returncode == 0:
            check(PUPIL not in dump.stdout and mine[0]['id'] not in dump.stdout,
                  'not in pg_dump')
            check(other['id'] in dump.stdout, 'pg_dump holds the other capture')
    print('ok pupil delete: no row, image or log line remains')


if __name__ == '__main__':
    sys.exit(harness.main(needs=[], start=False))
