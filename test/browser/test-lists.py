#!/usr/bin/env python3
# test-lists.py: the phrase-list editor and the machines page in real headless Chromium:
# starts vigil-server with a school, a technician, a moderator, machines in two rooms and
# a false positive, then runs lists.mjs (see there for what it checks). Skips without
# /usr/bin/chromium or node. usage: test-lists.py [--shots DIR]
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'server'))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import GOOD_LIST, BAD_LIST, Failure, Web, expect, group, upload  # noqa: E402


# test-browser.py's need_chromium and ensure_playwright (one installation of both).
browser = importlib.import_module('test-browser')
need_chromium = browser.need_chromium


@group
def list_editor(c):
    browser.ensure_playwright()
    srv = c.srv
    key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    harness.add_user(srv, 'tech', 'technician')
    harness.add_user(srv, 'mod', 'moderator')
    toks = [srv.enrol(key, n) for n in ('LAB1-PC01', 'LAB1-PC02', 'LAB2-PC01')]
    etag = expect(srv.request('GET', '/api/v1/wordlists', token=toks[0]), 200,
                  'bundle').headers['etag'].strip('"')
    for tok, lists in zip(toks[:2], (etag, 'ffffffffffffffffffffffffffffffff')):
        expect(srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0', 'wordlists': lists,
               'spooled': 0, 'dropped': 0}, token=tok), 204, 'heartbeat')
    fp = upload(srv, toks[0], reason={'category': 'self-harm', 'severity': 5,
                                      'phrase': 'end my life', 'matched': 'end my life',
                                      'rule': 'self-harm.txt:4'})
    mod = Web(srv)
    mod.login('mod')
    csrf = mod.csrf('/captures/' + fp['id'])
    expect(mod.req('POST', '/captures/%s/action' % fp['id'],
                   {'csrf': csrf, 'action': 'false-positive', 'text': 'a song lyric'}), 303, 'fp')
    tech = Web(srv)
    tech.login('tech')
    cfg = {'url': srv.url(), 'cookie': tech.cookie, 'shots': c.args.shots, 'good': GOOD_LIST,
           'bad': BAD_LIST.replace('bullying', 'self-harm')}
    harness.run_node(os.path.join(HERE, 'lists.mjs'), cfg, HERE)
    with open(os.path.join(srv.lists, 'self-harm.txt')) as f:
        if f.read() != GOOD_LIST:
            raise Failure('the rollback left the original list on disk')


if __name__ == '__main__':
    sys.exit(harness.main(needs=[need_chromium], backends=('sqlite',),
                          options=lambda ap: ap.add_argument('--shots', default='')))
