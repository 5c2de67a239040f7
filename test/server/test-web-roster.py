#!/usr/bin/env python3
# test-web-roster.py: the roster in headless Chromium (playwright-core as test/browser
# installs it; web-roster.mjs): an admin's upload of a file chosen in the form, names,
# year and registration groups in the queue, on the capture page and the timeline, flags
# for a headteacher and not for a moderator without them, the queue's year filter.
# Skips without /usr/bin/chromium or node. usage: test-web-roster.py [--shots DIR]
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER = os.path.join(HERE, '..', 'browser')
import harness  # noqa: E402
from harness import Web, group, upload  # noqa: E402
from importlib import util as _util  # noqa: E402

SCHOOL = 'Oakridge Primary'
CSV = ('Username,First,Last,Preferred,Year,Form,Needs\n'
       '22patelr,Riya,Patel,,Year 9,9B,CP;CLA\n'
       'jsmith,John,Smith,Johnny,Year 7,7A,\n'
       '23okoyea,Ade,Okoye,,Year 8,8C,SEN\n')
MAP = ('login=Username,given_name=First,family_name=Last,preferred_name=Preferred,'
       'year_group=Year,reg_group=Form,flags=Needs')


def browser_helpers():
    spec = _util.spec_from_file_location('test_browser', os.path.join(BROWSER, 'test-browser.py'))
    mod = _util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def need_chromium():
    return browser_helpers().need_chromium()


@group
def roster_in_chromium(c):
    browser_helpers().ensure_playwright()
    srv = c.srv
    key = srv.admin('school', 'add', SCHOOL).stdout.strip()
    tok = srv.enrol(key, 'LAB1-PC07')
    ids = {'cla': upload(srv, tok, user='22patelr')['id'],
           'y7': upload(srv, tok, user='jsmith')['id']}
    secret = harness.add_admin(srv, 'admin', school=SCHOOL)
    harness.add_user(srv, 'head', 'headteacher', school=SCHOOL)
    harness.add_user(srv, 'mod', 'moderator')
    cookies = {}
    for who in ('admin', 'head', 'mod'):
        w = Web(srv)
        w.login(who, code=harness.totp_code(secret) if who == 'admin' else None)
        cookies[who] = w.cookie
    path = os.path.join(srv.root, 'sims-export.csv')
    with open(path, 'w') as f:
        f.write(CSV)
    cfg = {'url': srv.url(), 'cookies': cookies, 'csv': path, 'map': MAP, 'ids': ids,
           'shots': c.args.shots}
    harness.run_node(os.path.join(HERE, 'web-roster.mjs'), cfg, BROWSER,
                    env={'VIGIL_PLAYWRIGHT': os.path.join(BROWSER, 'package.json')})


if __name__ == '__main__':
    sys.exit(harness.main(needs=[need_chromium], backends=('sqlite',),
                          options=lambda ap: ap.add_argument('--shots', default='')))
