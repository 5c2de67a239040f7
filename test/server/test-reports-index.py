#!/usr/bin/env python3
# test-reports-index.py: the reports index lists every week with captures of each school
# the user sees, newest first, this week included (weeks in the school's time zone),
# each linking to its report as a page, PDF and CSV; and counts agree with their nouns
# ("1 capture", "2 captures", "1 confirmed or escalated concern") in the weekly report
# (page and PDF) and in the Monday e-mail.
# usage: test-reports-index.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else 77)
import datetime
import re
import shutil
import subprocess
import sys
import zoneinfo

import harness
from harness import Smtp, Web, check, expect, group, until, upload

ZONE = zoneinfo.ZoneInfo('Europe/London')  # the server's default time-zone
SCHOOL = 'Fernhill Academy'
Q = 'Fernhill%20Academy'


def rfc(t):
    return t.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z')


def week_of(t):
    return '%d-W%02d' % t.astimezone(ZONE).isocalendar()[:2]


def setup(c):
    """Fernhill: one capture this week, two last week (one confirmed a concern, one a
    false positive), one three weeks ago; Brookside: none."""
    c.smtp = Smtp(c.srv.root)
    c.at_exit(c.smtp.stop)
    c.smtp.start()
    c.mail = ['--smtp-url', 'smtp://127.0.0.1:%d' % c.smtp.port, '--smtp-from',
              'vigil@school.example']
    key = c.srv.admin('school', 'add', SCHOOL).stdout.strip()
    c.srv.admin('school', 'add', 'Brookside')
    harness.add_user(c.srv, 'mod', 'moderator')
    harness.add_user(c.srv, 'head', 'headteacher', SCHOOL)
    c.srv.admin('user', 'email', 'head', 'head@school.example')
    c.srv.start(c.mail)
    tok = c.srv.enrol(key, 'FH-PC01')
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
    c.times = [now, now - datetime.timedelta(days=7), now - datetime.timedelta(days=7, hours=1),
               now - datetime.timedelta(days=21)]
    c.weeks = [week_of(now), week_of(c.times[1]), week_of(c.times[3])]
    c.recs = [upload(c.srv, tok, time=rfc(t)) for t in c.times]
    c.mod = Web(c.srv)
    c.mod.login('mod')
    c.head = Web(c.srv)
    c.head.login('head')
    for rec, form in ((c.recs[1], {'action': 'concern'}),
                      (c.recs[2], {'action': 'false-positive', 'text': 'song lyrics'})):
        form['csrf'] = c.mod.csrf('/captures/' + rec['id'])
        expect(c.mod.req('POST', '/captures/%s/action' % rec['id'], form), 303, form['action'])


def weeks_listed(html, school):
    """[(week, the line's text, [its links])] of school's list on the index."""
    m = re.search(r'<h2>%s</h2><ul class="weeks">(.*?)</ul>' % re.escape(school), html, re.S)
    check(m, '%s has its list on the index' % school)
    out = []
    for li in re.findall(r'<li>(.*?)</li>', m.group(1), re.S):
        links = re.findall(r'href="([^"]+)"', li)
        text = re.sub(r'<[^>]+>', '', li)
        out.append((text.split(' ')[0].split(':')[0], text, links))
    return out


@group
def index_lists_every_week_newest_first(c):
    html = expect(c.mod.req('GET', '/reports/'), 200, 'index').text
    got = weeks_listed(html, SCHOOL)
    check([w for w, _, _ in got] == c.weeks,
          'the three weeks with captures, newest first: %r, want %r' % (got, c.weeks))
    this, last, old = got
    check('(this week): 1 capture ' in this[1], 'this week, one capture: %r' % this[1])
    check('(this week)' not in last[1] and ': 2 captures ' in last[1],
          'last week, two captures: %r' % last[1])
    check(': 1 capture ' in old[1], 'three weeks ago, one capture: %r' % old[1])
    for week, _, links in got:
        base = '/reports/%s/%s' % (Q, week)
        check(links == [base, base + '?format=pdf', base + '?format=csv'],
              '%s links to its page, PDF and CSV: %r' % (week, links))
    check(weeks_listed(html, 'Brookside') == [], 'a school without captures lists no week')
    # The headteacher sees their own school only, with the same weeks.
    hh = expect(c.head.req('GET', '/reports/'), 200, 'headteacher index').text
    check('Brookside' not in hh and [w for w, _, _ in weeks_listed(hh, SCHOOL)] == c.weeks,
          'headteacher: own school, same weeks')
    # Every link answers with the report of that week.
    for week, _, links in got:
        page, pdf, csv = (c.mod.req('GET', l) for l in links)
        check(page.status == 200 and '<h1>' in page.text and week in page.text,
              '%s page %d' % (week, page.status))
        check(pdf.status == 200 and pdf.body.startswith(b'%PDF'), '%s PDF %d' % (week, pdf.status))
        check(csv.status == 200 and csv.text.startswith('school,week'),
              '%s CSV %d' % (week, csv.status))


def summary(c, week):
    html = expect(c.mod.req('GET', '/reports/%s/%s' % (Q, week)), 200, week).text
    s = re.search(r'<p id="summary">(.*?)</p>', html, re.S).group(1)
    m = re.search(r'<p id="moderation">(.*?)</p>', html, re.S).group(1)
    return re.sub(r'<[^>]+>', '', s), re.sub(r'<[^>]+>', '', m)


@group
def report_wording_singular_and_plural(c):
    s, m = summary(c, c.weeks[0])
    check(s == '1 capture this week: 0 confirmed or escalated concerns, 0 false positives, '
          '1 not yet moderated.', 'this week: %r' % s)
    check(m == 'No capture of this week has been decided yet.', 'none decided: %r' % m)
    s, m = summary(c, c.weeks[1])
    check(s == '2 captures this week: 1 confirmed or escalated concern, 1 false positive, '
          '0 not yet moderated.', 'last week: %r' % s)
    check(m.startswith('2 captures decided;'), 'two decided: %r' % m)
    if not shutil.which('pdftotext'):
        print('pdf wording: skipped, pdftotext is not installed')
        return
    for week, want in ((c.weeks[0], '1 capture this week: 0 confirmed or escalated concerns'),
                       (c.weeks[1], '2 captures this week: 1 confirmed or escalated concern,')):
        pdf = c.mod.req('GET', '/reports/%s/%s?format=pdf' % (Q, week)).body
        text = ' '.join(subprocess.run(['pdftotext', '-', '-'], input=pdf, capture_output=True,
                                       check=True).stdout.decode().split())
        check(want in text, '%s PDF says %r' % (week, want))


@group
def monday_email_wording(c):
    def sent(week):
        return [m.get_payload(decode=True).decode() for m in c.smtp.messages()
                if m['To'] == 'head@school.example' and week in (m['Subject'] or '')]

    for week, want in ((c.weeks[1], 'This week: 2 captures, against 0 the week before.'),
                       (c.weeks[0], 'This week: 1 capture, against 2 the week before.')):
        c.srv.admin(*c.mail, 'report', 'send', '--school', SCHOOL, '--week', week)
        until(lambda: sent(week), 30, 'the summary of %s arrives' % week)
        check(want in sent(week)[0], '%s e-mail says %r: %r' % (week, want, sent(week)[0]))


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, needs=[harness.need_aiosmtpd], start=False))
