#!/usr/bin/env python3
# test-localtime.py: times in the school's time zone (setting time-zone, default
# Europe/London), named on the page: a capture at 23:30 UTC on a Sunday in June is 00:30
# BST on Monday in the queue, on its page, in the case record and in the week that starts
# at local midnight (2026-W27, not W26); the queue's date filters are local days; a winter
# capture is GMT; an unknown zone stops the server before it starts.
# usage: test-localtime.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import re
import sys
import urllib.parse

import harness
from harness import Web, add_user, check, expect, group, upload

SCHOOL = 'Oakridge Primary'
Q = urllib.parse.quote(SCHOOL)


def setup(c):
    # The suites' own configuration sets UTC; this one leaves the default.
    c.srv = harness.Server(c.database, c.lists, config={'offline-after': 4})
    c.smtp = None
    if not harness.need_aiosmtpd():
        c.smtp = harness.Smtp(c.srv.root)
        c.smtp.start()
        c.at_exit(c.smtp.stop)
        c.srv.config.update({'smtp-url': 'smtp://127.0.0.1:%d' % c.smtp.port,
                             'smtp-from': 'vigil@school.example'})
    key = c.srv.admin('school', 'add', SCHOOL).stdout.strip()
    c.srv.start()
    tok = c.srv.enrol(key, 'LAB1-PC07')
    c.summer = upload(c.srv, tok, user='jsmith', time='2026-06-28T23:30:00Z')['id']
    c.winter = upload(c.srv, tok, user='jsmith', time='2026-11-23T09:14:03Z')['id']
    add_user(c.srv, 'head', role='headteacher', school=SCHOOL)
    c.web = Web(c.srv)
    c.web.login('head')


@group
def pages_in_local_time(c):
    q = c.web.req('GET', '/captures').text
    check('>Time (Europe/London)</th>' in q, 'the queue names the zone')
    check('2026-06-29 00:30' in q and '2026-11-23 09:14' in q, 'local times in the queue')
    page = c.web.req('GET', '/captures/' + c.summer).text
    check(re.search(r'<th>Time \(Europe/London\)</th><td>2026-06-29 00:30</td>', page),
          'the capture page: %s' % re.findall(r'<th>Time[^<]*</th><td>[^<]*', page))
    t = c.web.req('GET', '/pupils/%s/jsmith' % Q).text
    check('Time (Europe/London)' in t and '2026-06-29 00:30' in t, 'the timeline')
    # The queue's dates are local days.
    f = c.web.req('GET', '/captures?status=all&from=2026-06-29&to=2026-06-29').text
    check(c.summer in f and c.winter not in f, 'from/to a local day')
    f = c.web.req('GET', '/captures?status=all&to=2026-06-28').text
    check(c.summer not in f, 'Sunday 28 June (local) does not hold it')


@group
def weeks_from_local_midnight(c):
    w27 = expect(c.web.req('GET', '/reports/%s/2026-W27' % Q), 200, 'W27').text
    w26 = expect(c.web.req('GET', '/reports/%s/2026-W26' % Q), 200, 'W26').text
    check('<strong>1</strong> capture this week' in w27, 'Monday 00:30 BST is week 27')
    check('<strong>0</strong> captures this week' in w26, 'not week 26 (as in UTC)')
    check('Times are Europe/London' in w27, 'the report names the zone')
    csv = c.web.req('GET', '/reports/%s/2026-W27?format=csv' % Q).text
    check('2026-W27' in csv and ',1' in csv, 'the CSV counts it: %r' % csv)



@group
def monday_email_of_the_local_week(c):
    if not c.smtp:
        return
    c.srv.admin('user', 'email', 'head', 'head@school.example')
    for week in ('2026-W27', '2026-W26'):
        c.srv.admin('report', 'send', '--school', SCHOOL, '--week', week)
    bodies = {}
    for m in harness.until(lambda: len(c.smtp.messages()) >= 2 and c.smtp.messages(), 10,
                           'two summaries'):
        bodies[m['subject']] = m.get_payload(decode=True).decode()
    w27 = [b for s, b in bodies.items() if '2026-W27' in s]
    w26 = [b for s, b in bodies.items() if '2026-W26' in s]
    check(w27 and re.search(r'^All(\s+\d+){5}\s+1\s', w27[0], re.M),
          'week 27 counts the Monday 00:30 BST capture: %r' % w27)
    check(w26 and 'No captures this week' in w26[0], 'week 26 has none: %r' % w26)


@group
def case_record_in_local_time(c):
    csrf = c.web.csrf('/captures/' + c.summer)
    expect(c.web.req('POST', '/captures/%s/action' % c.summer,
                     {'action': 'concern', 'csrf': csrf}), 303, 'concern')
    text = c.web.req('GET', '/captures/%s/case' % c.summer).text
    check('2026-06-29 00:30:00 BST' in text, 'summer time is BST: %s' % text[:600])
    csrf = c.web.csrf('/captures/' + c.winter)
    expect(c.web.req('POST', '/captures/%s/action' % c.winter,
                     {'action': 'concern', 'csrf': csrf}), 303, 'concern')
    text = c.web.req('GET', '/captures/%s/case' % c.winter).text
    check('2026-11-23 09:14:03 GMT' in text, 'winter is GMT')


@group
def unknown_zone_refused(c):
    p = c.srv.admin('--time-zone', 'Mars/Olympus_Mons', 'machines', check_ok=False)
    check(p.returncode == 2 and 'no zone "Mars/Olympus_Mons"' in p.stderr, p.stderr)
    p = c.srv.admin('--time-zone', '../../etc/passwd', 'machines', check_ok=False)
    check(p.returncode == 2 and 'not a time zone name' in p.stderr, p.stderr)


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, server=False))
