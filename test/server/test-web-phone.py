#!/usr/bin/env python3
# test-web-phone.py: the queue, a capture and a pupil's timeline on a 390-pixel phone in
# headless Chromium (playwright-core as test/browser installs it): nothing scrolls
# sideways, and the queue still names every category and source of a capture's hits.
# Skips without /usr/bin/chromium or node. usage: test-web-phone.py [--shots DIR]
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER = os.path.join(HERE, '..', 'browser')
import harness  # noqa: E402
from harness import Web, group, upload  # noqa: E402


def browser_helpers():
    """test/browser's need_chromium and ensure_playwright (one installation of both)."""
    spec = importlib.util.spec_from_file_location('test_browser',
                                                  os.path.join(BROWSER, 'test-browser.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def need_chromium():
    return browser_helpers().need_chromium()


@group
def phone(c):
    browser_helpers().ensure_playwright()
    key = c.srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    tok = c.srv.enrol(key, 'LAB1-PC07-WITH-A-LONG-MACHINE-NAME')
    harness.add_user(c.srv, 'mod', 'moderator')
    _, over = harness.evidence_record('jsmith')
    rec = upload(c.srv, tok, **over)
    upload(c.srv, tok, user='a-pupil-with-a-long-login-name', time='2026-11-23T08:00:00Z',
           context='x' * 250, window={'title': 'y' * 300, 'app': 'firefox'})
    web = Web(c.srv)
    web.login('mod')
    cfg = {'url': c.srv.url(), 'cookie': web.cookie, 'shots': c.args.shots, 'id': rec['id'],
           'pages': ['/captures?status=all', '/captures/' + rec['id'],
                     '/pupils/Oakridge%20Primary/jsmith'],
           'want': ['self-harm, grooming', 'clipboard', 'grooming 5: dont tell your parents',
                    'typed']}
    harness.run_node(os.path.join(HERE, 'web-phone.mjs'), cfg, BROWSER,
                    env={'VIGIL_PLAYWRIGHT': os.path.join(BROWSER, 'package.json')})


if __name__ == '__main__':
    sys.exit(harness.main(needs=[need_chromium], backends=('sqlite',),
                          options=lambda ap: ap.add_argument('--shots', default='')))
