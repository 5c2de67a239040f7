#!/usr/bin/env python3
# test-browser.py: the web UI in real headless Chromium. Starts vigil-server on loopback
# with a temporary data directory, two schools whose captures come through the real API,
# and a user of each role; installs playwright-core (npm ci, no browser download) when
# missing, then runs web.mjs and checks the PDF it saved with pdfinfo.
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'server'))
import harness  # noqa: E402
from harness import PASSWORD, Failure, group  # noqa: E402


def locked_version():
    with open(os.path.join(HERE, 'package-lock.json')) as f:
        return json.load(f)['packages']['node_modules/playwright-core']['version']


def ensure_playwright():
    """node_modules as package-lock.json pins it (npm ci when missing or different)."""
    try:
        with open(os.path.join(HERE, 'node_modules', 'playwright-core', 'package.json')) as f:
            if json.load(f)['version'] == locked_version():
                return
    except (OSError, ValueError, KeyError):
        pass
    env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD='1')
    p = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=HERE, env=env,
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise Failure('npm ci failed:\n' + (p.stdout + p.stderr)[-3000:])


def post(srv, token, **over):
    return harness.upload(srv, token, **over)['id']


def need_chromium():
    if not os.path.exists('/usr/bin/chromium') or not shutil.which('node'):
        return 'no /usr/bin/chromium or node'
    return None


@group
def web_ui(c):
    srv = c.srv
    ensure_playwright()
    key_a = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    key_b = srv.admin('school', 'add', 'Lakeside').stdout.strip()
    tok_a, tok_b = srv.enrol(key_a, 'LAB1-PC07'), srv.enrol(key_b, 'B-PC01')
    for login, role, school in (('mod', 'moderator', None),
                                ('head-a', 'headteacher', 'Oakridge Primary'),
                                ('tech', 'technician', None)):
        harness.add_user(srv, login, role, school)
    triage = post(srv, tok_a, time='2026-11-23T09:14:03.120Z')
    post(srv, tok_a, time='2026-11-24T10:00:00Z', user='amy',
         reason={'category': 'bullying', 'severity': 3, 'phrase': 'loser',
                 'matched': 'loser', 'rule': 'bullying.txt:3'}, context='you are a loser')
    xss = post(srv, tok_a, time='2026-11-25T11:00:00Z',
               context='i just want to k1ll mys3lf <script>alert(1)</script>',
               window={'title': '"><img src=x onerror=alert(2)>', 'app': '<svg onload=alert(3)>'},
               machine='"><img src=x onerror=alert(4)>', user='<img src=x onerror=alert(5)>')
    b = post(srv, tok_b, time='2026-11-23T12:00:00Z')
    # For the thumbnails, bulk triage and the pupil's timeline.
    hide = post(srv, tok_a, time='2026-11-24T08:00:00Z', user='cat')
    bulk1 = post(srv, tok_a, time='2026-11-24T12:00:00Z', user='amy',
                 reason={'category': 'bullying', 'severity': 2, 'phrase': 'nobody likes you',
                         'matched': 'nobody likes you', 'rule': 'bullying.txt:7'},
                 context='honestly nobody likes you at all')
    bulk2 = post(srv, tok_a, time='2026-11-24T13:00:00Z', user='ben',
                 reason={'category': 'bullying', 'severity': 2, 'phrase': 'loser',
                         'matched': 'loser', 'rule': 'bullying.txt:3'},
                 context='what a loser that was')
    case = post(srv, tok_a, time='2026-11-24T14:00:00Z', user='dan',
                context='after school today i will hurt myself for real')
    # Monitoring of a session interrupted an hour ago: an alarm on the machines page.
    an_hour_ago = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() - 3600))
    post(srv, tok_b, time=an_hour_ago, source='tamper', user='jsmith',
         reason={'category': 'tamper', 'severity': 3, 'phrase': 'monitoring interrupted',
                 'matched': 'monitoring interrupted', 'rule': 'tamper'},
         context='monitoring interrupted on display :0')
    harness.expect(srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0', 'wordlists': 'v1',
              'spooled': 0, 'dropped': 0}, token=tok_a), 204, 'heartbeat')
    pdf_out = os.path.join(srv.root, 'report.pdf')
    cfg = {'url': 'http://127.0.0.1:%d' % srv.port, 'password': PASSWORD,
           'new_count': 9, 'case_id': case, 'case_pdf': os.path.join(srv.root, 'case.pdf'), 'xss_id': xss, 'hide_id': hide, 'bulk_ids': [bulk1, bulk2],
           'pupil': 'amy', 'pupil_count': 2, 'school_b': 'Lakeside', 'b_user': harness.record()['user'], 'triage_id': triage, 'b_id': b,
           'school_a': 'Oakridge Primary', 'week': '2026-W48', 'week_total': 7,
           'pdf_out': pdf_out}
    harness.run_node(os.path.join(HERE, 'web.mjs'), cfg, HERE)
    if shutil.which('pdfinfo'):
        info = subprocess.run(['pdfinfo', pdf_out], capture_output=True, text=True)
        print(info.stdout)
        if info.returncode != 0 or 'Pages:' not in info.stdout:
            raise Failure('pdfinfo does not accept the PDF')
    # The case record's PDF: a real PDF with the facts, the decisions and the screenshot.
    if shutil.which('pdftotext'):
        info = subprocess.run(['pdfinfo', cfg['case_pdf']], capture_output=True, text=True)
        text = subprocess.run(['pdftotext', '-layout', cfg['case_pdf'], '-'],
                              capture_output=True, text=True).stdout
        imgs = subprocess.run(['pdfimages', '-list', cfg['case_pdf']], capture_output=True,
                              text=True).stdout
        want = ['LAB1-PC07', 'dan', 'Oakridge Primary', 'self-harm, severity 5',
                'after school today i will hurt myself for real', 'Decisions and notes',
                'mod: concern', 'form tutor told', 'Screenshot', case]
        missing = [w for w in want if w not in text]
        if info.returncode != 0 or missing or len(imgs.splitlines()) < 3:
            raise Failure('case record PDF: missing %s; images:\n%s\n%s' % (missing, imgs, text))
        print('ok case record PDF (pdfinfo, pdftotext, pdfimages)')


if __name__ == '__main__':
    sys.exit(harness.main(needs=[need_chromium], backends=('sqlite',)))
