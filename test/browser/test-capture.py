#!/usr/bin/env python3
# test-capture.py: one capture's page in headless Chromium with JavaScript off, as a
# designated safeguarding lead uses it: on a 1366 x 768 screen the screenshot and the facts
# are in the first viewport; assign to me, assign to someone, decide, close with an outcome
# and a note, reopen, each confirmed on the page; hiding the image is set apart and asks for
# a ticked confirmation; on a 390-pixel phone nothing scrolls sideways. Starts vigil-server
# with a school whose capture comes through the real API and runs capture.mjs.
# usage: test-capture.py [--shots DIR]   (skips without /usr/bin/chromium or node)
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'server'))
import harness  # noqa: E402
from harness import Web, group, png, upload  # noqa: E402


def browser_helpers():
    """test-browser.py's need_chromium and ensure_playwright (one installation of both)."""
    return runpy.run_path(os.path.join(HERE, 'test-browser.py'), run_name='test_browser')


def need_chromium():
    return browser_helpers()['need_chromium']()


@group
def capture_page(c):
    browser_helpers()['ensure_playwright']()
    key = c.srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    tok = c.srv.enrol(key, 'LAB1-PC07')
    for login, role in (('head-a', 'headteacher'), ('mod', 'moderator')):
        harness.add_user(c.srv, login, role, 'Oakridge Primary' if role == 'headteacher' else None)
    # A full-HD screen, and a context as long as the agent sends (256 characters).
    context = ('we were talking after school and honestly i just want to k1ll mys3lf tonight, '
               'nobody would even notice if i was gone and i have thought about how ' * 2)[:256]
    rec = upload(c.srv, tok, user='amy', image=png(1920, 1080, noise=40), context=context)
    other = upload(c.srv, tok, user='a-pupil-with-a-long-login-name', image=png(1920, 1080, noise=9),
                   window={'title': 'y' * 300, 'app': 'firefox'}, context='x' * 250)
    web = Web(c.srv)
    web.login('head-a')
    cfg = {'url': c.srv.url(), 'cookie': web.cookie, 'id': rec['id'], 'id2': other['id'], 'me': 'head-a',
           'other': 'mod', 'shots': c.args.shots}
    harness.run_node(os.path.join(HERE, 'capture.mjs'), cfg, HERE)


if __name__ == '__main__':
    sys.exit(harness.main(needs=[need_chromium], backends=('sqlite',),
                          options=lambda ap: ap.add_argument('--shots', default='')))
