#!/usr/bin/env python3
# test-digest.py: the Monday e-mail of vigil-server with a faked clock ("alerts tick --now"),
# received by a real SMTP server (aiosmtpd): not before report-time, then once per school
# and week to its headteachers with an address and its alert contacts (not to moderators),
# with counts by category and severity and the change from the week before, a link to
# the report, and no pupil's name or words; "report send" sends one now; "user add
# --email" and "user email" set the addresses. Everything appears in the audit log.
# usage: test-digest.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else 77)
import datetime
import os
import re
import sys

import harness
from harness import Smtp, capture_page, check, group, until, upload

UTC = datetime.timezone.utc
PUPIL_WORDS = ['amy', 'ben', 'jsmith', 'quartzwing', 'marmalade']


def rfc(t):
    return t.strftime('%Y-%m-%dT%H:%M:%S.000Z')


def summaries(smtp, addr):
    return [m for m in smtp.messages()
            if m['To'] == addr and 'Weekly summary' in (m['Subject'] or '')]


def body(m):
    return m.get_payload(decode=True).decode()


@group
def weekly_digest(c):
    os.environ['TZ'] = 'UTC'  # report-time is local time
    srv = c.srv
    smtp = Smtp(srv.root)
    c.at_exit(smtp.stop)
    mail = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
            'vigil@school.example', '--public-url', 'https://vigil.school.example']

    def tick(t):
        return srv.admin(*mail, '--report-time', '07:00', 'alerts', 'tick', '--now', rfc(t))

    # The schools are added now: this week is the first they have. The captures fall in
    # this week and the one before; the summary of this week goes out next Monday.
    now = datetime.datetime.now(UTC)
    monday = (now - datetime.timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0)
    this_week = '%d-W%02d' % now.isocalendar()[:2]
    next_monday = monday + datetime.timedelta(days=7)
    smtp.start()
    key_a = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    key_b = srv.admin('school', 'add', 'Lakeside').stdout.strip()
    srv.admin('school', 'alerts', 'Oakridge Primary', '--contact', 'dsl@school.example',
              '--threshold', '5')
    pw = 'correct horse battery\n'
    srv.admin('user', 'add', '--role', 'headteacher', '--school', 'Oakridge Primary',
              '--email', 'head@school.example', 'head-a', stdin=pw)
    srv.admin('user', 'add', '--role', 'moderator', '--email', 'mod@school.example', 'moderator-x',
              stdin=pw)
    srv.admin('user', 'add', '--role', 'headteacher', '--school', 'Lakeside', 'head-b',
              stdin=pw)
    srv.admin('user', 'email', 'head-b', 'headb@school.example')
    bad = srv.admin('user', 'email', 'head-b', 'not an address', check_ok=False)
    check(bad.returncode == 2 and 'not an e-mail address' in bad.stderr, 'bad address')
    bad = srv.admin('user', 'email', 'nobody', 'x@school.example', check_ok=False)
    check(bad.returncode == 1 and 'no user' in bad.stderr, 'unknown user')
    print('ok user add --email, user email')

    srv.start(mail + ['--report-time', '07:00'])
    tok_a, tok_b = srv.enrol(key_a, 'LAB1-PC07'), srv.enrol(key_b, 'B-PC01')
    recent = max(monday + datetime.timedelta(minutes=1), now - datetime.timedelta(minutes=5))
    harm = {'category': 'self-harm', 'severity': 4, 'phrase': 'hurt myself',
            'matched': 'hurt myself', 'rule': 'self-harm.txt:2'}
    bully = {'category': 'bullying', 'severity': 2, 'phrase': 'loser', 'matched': 'loser',
             'rule': 'bullying.txt:3'}
    for user, reason, ctx, t in (
            ('amy', harm, 'quartzwing i will hurt myself', recent),
            ('amy', harm, 'marmalade hurt myself again', recent),
            ('ben', bully, 'quartzwing you loser', recent),
            ('amy', harm, 'marmalade hurt myself', recent - datetime.timedelta(days=7))):
        upload(srv, tok_a, user=user, reason=reason, context=ctx, time=rfc(t))
    upload(srv, tok_b, user='jsmith', time=rfc(recent))

    tick(next_monday + datetime.timedelta(hours=6, minutes=55))
    check(not summaries(smtp, 'head@school.example'), 'nothing before report-time')
    tick(next_monday + datetime.timedelta(hours=7, minutes=5))
    head = until(lambda: summaries(smtp, 'head@school.example'), 30, 'summary')
    dsl = until(lambda: summaries(smtp, 'dsl@school.example'), 30, 'contact summary')
    headb = until(lambda: summaries(smtp, 'headb@school.example'), 30, 'B summary')
    text = body(head[0])
    print(text)
    check(head[0]['Subject'] == '[Vigil] Weekly summary: Oakridge Primary, ' + this_week,
          'subject: ' + head[0]['Subject'])
    row = re.search(r'^self-harm +0 +0 +0 +2 +0 +2 +1 +\+1\r?$', text, re.M)
    check(row, 'self-harm: two at severity 4, one the week before, +1:\n' + text)
    check(re.search(r'^bullying +0 +1 +0 +0 +0 +1 +0 +\+1\r?$', text, re.M), 'bullying row')
    check(re.search(r'^All +0 +1 +0 +2 +0 +3 +1 +\+2\r?$', text, re.M), 'totals row')
    check('https://vigil.school.example/reports/Oakridge%20Primary/' + this_week in text,
          'link to the report')
    for m in head + dsl + headb:
        b = body(m).lower()
        for w in PUPIL_WORDS:
            check(w not in b, 'the summary names no pupil and quotes nothing: ' + w)
    check('Lakeside' in body(headb[0]) and 'Oakridge' not in body(headb[0]),
          'each school its own summary')
    check(not summaries(smtp, 'mod@school.example'), 'moderators are not recipients')
    tick(next_monday + datetime.timedelta(hours=9))
    tick(next_monday + datetime.timedelta(days=2))
    check(len(summaries(smtp, 'head@school.example')) == 1, 'sent once per week')
    print('ok Monday e-mail at report-time, once, no pupil named')

    out = srv.admin(*mail, 'report', 'send', '--school', 'Oakridge Primary', '--week',
                    this_week)
    check('2 recipients queued' in out.stdout, 'report send: ' + out.stdout)
    until(lambda: len(summaries(smtp, 'head@school.example')) == 2, 30, 'sent now')
    check(len(summaries(smtp, 'dsl@school.example')) == 2, 'to the contact too')
    p = srv.admin('report', 'send', '--school', 'Nowhere', '--week', this_week,
                  check_ok=False)
    check(p.returncode == 1 and 'no school' in p.stderr, 'unknown school')
    p = srv.admin('report', 'send', '--school', 'Lakeside', '--week', '2026-W60',
                  check_ok=False)
    check(p.returncode == 2 and 'ISO week' in p.stderr, 'bad week')
    log = capture_page(srv, None, audit=True)
    check('digest-queued' in log and 'email to head@school.example' in log,
          'queued and sent in the audit log')
    print('ok report send')


if __name__ == '__main__':
    sys.exit(harness.main(needs=[harness.need_aiosmtpd], start=False))
