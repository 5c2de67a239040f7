#!/usr/bin/env python3
# test-alerts-escalate.py: acknowledgement, escalation and the offline alarm of
# vigil-server with a faked clock ("vigil-server alerts tick --now RFC3339"), against a
# real SMTP server (aiosmtpd): the one-click link and the capture page's button stop
# escalation; unacknowledged in school hours goes to the next contact, then to the
# moderators; not outside school hours; a silent machine is reported once, cleared when
# heartbeats return. Everything appears in the audit log.
# usage: test-alerts-escalate.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else 77)
import datetime
import os
import re
import sys
import urllib.parse

import harness
from harness import Smtp, capture_page, check, expect, group, signed_in, until, upload


def weekday_at(days_ahead, hour, minute=0, weekend=False):
    """An RFC 3339 UTC time days_ahead or later, on a weekday (or a Saturday)."""
    d = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=days_ahead)
    while (d.weekday() == 5) != weekend or (not weekend and d.weekday() == 6):
        d += datetime.timedelta(days=1)
    return datetime.datetime(d.year, d.month, d.day, hour, minute,
                             tzinfo=datetime.timezone.utc)


def rfc(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def to(smtp, addr, cid=None):
    return [m for m in smtp.messages() if m['To'] == addr and
            (cid is None or cid in m.get_payload(decode=True).decode())]


@group
def escalation(ctx):
    os.environ['TZ'] = 'UTC'  # school hours are local time
    srv = ctx.srv
    smtp = Smtp(srv.root)
    ctx.at_exit(smtp.stop)
    extra = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
             'vigil@school.example', '--public-url', 'https://vigil.school.example',
             '--offline-alarm-after', '1800']

    def tick(t):
        return srv.admin('--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
                         'vigil@school.example', '--public-url', 'https://vigil.school.example',
                         'alerts', 'tick', '--now', rfc(t))

    def audit():
        return capture_page(srv, None, audit=True)

    smtp.start()
    key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    srv.admin('school', 'alerts', 'Oakridge Primary', '--contact', 'dsl@school.example',
              '--escalate', 'head@school.example', '--technician', 'tech@school.example',
              '--hours', '08:00-16:30', '--ack-minutes', '15')
    srv.start(extra)
    token = srv.enrol(key, 'LAB1-PC07')
    token2 = srv.enrol(key, 'LAB1-PC08')
    capture_page(srv, 'x')  # signs in (creates the moderator)

    # 1. Unacknowledged: the next contact, then the moderators, in school hours only.
    a = upload(srv, token)
    until(lambda: to(smtp, 'dsl@school.example', a['id']), 60, 'the first alert')
    sat = weekday_at(1, 10, weekend=True)
    tick(sat)
    check(not to(smtp, 'head@school.example', a['id']), 'no escalation on a Saturday')
    t = weekday_at(1, 10)
    tick(t.replace(hour=7))
    check(not to(smtp, 'head@school.example', a['id']), 'no escalation before 08:00')
    tick(t)
    esc = until(lambda: to(smtp, 'head@school.example', a['id']), 30, 'escalation')
    check(len(esc) == 1 and '(escalated)' in esc[0]['Subject'], 'escalated to the head')
    tick(t + datetime.timedelta(minutes=5))
    check(len(to(smtp, 'head@school.example', a['id'])) == 1, 'escalated once')
    tick(t + datetime.timedelta(minutes=16))
    check('escalated to the moderators' in audit(), 'then to the moderators (audit)')
    page = capture_page(srv, a['id'])
    check('escalated to the moderators' in page, 'moderators note on the capture page')
    tick(t + datetime.timedelta(minutes=40))
    check(audit().count('escalated to the moderators') == 1, 'moderators told once')
    print('ok escalation: next contact, then moderators; not outside school hours')

    # 2. The one-click link in the e-mail acknowledges; escalation stops.
    b = upload(srv, token)
    mail = until(lambda: to(smtp, 'dsl@school.example', b['id']), 60, 'alert b')
    body = mail[0].get_payload(decode=True).decode()
    m = re.search(r'https://vigil\.school\.example(/alerts/ack\?a=\d+&t=[A-Za-z0-9_-]+)',
                  body)
    check(m, 'an acknowledgement link in the e-mail')
    r = srv.request('GET', m.group(1))
    expect(r, 200, 'ack page')
    check(b'id="ack"' in r.body, 'GET shows a button and changes nothing')
    check('alert-acknowledged' not in audit(), 'GET did not acknowledge')
    bad = srv.request('POST', m.group(1)[:-3] + 'AAA')
    check(bad.status == 404, 'a forged link is refused: %d' % bad.status)
    expect(srv.request('POST', m.group(1)), 200, 'ack POST')
    page = capture_page(srv, b['id'])
    check(re.search(r'class="alert-ack">dsl@school\.example, ', page), 'acked on the page')
    tick(t + datetime.timedelta(minutes=20))
    check(not to(smtp, 'head@school.example', b['id']), 'acknowledged: no escalation')
    check('alert-acknowledged' in audit(), 'acknowledgement audited')
    print('ok one-click acknowledgement stops escalation')

    # 3. The button on the capture page (signed in, with CSRF).
    c = upload(srv, token)
    until(lambda: to(smtp, 'dsl@school.example', c['id']), 60, 'alert c')
    page = capture_page(srv, c['id'])
    check('id="act-ack"' in page, 'an acknowledge button')
    csrf = re.search(r'id="act-ack".*?name="csrf" value="([^"]+)"', page, re.S).group(1)
    r = srv.request('POST', '/captures/%s/action' % c['id'],
                    body=urllib.parse.urlencode({'action': 'ack-alert'}),
                    headers={'Cookie': 'vigil_session=' + signed_in(srv).cookie,
                             'Content-Type': 'application/x-www-form-urlencoded'})
    check(r.status != 303, 'no CSRF: refused (%d)' % r.status)
    r = srv.request('POST', '/captures/%s/action' % c['id'],
                    body=urllib.parse.urlencode({'action': 'ack-alert', 'csrf': csrf}),
                    headers={'Cookie': 'vigil_session=' + signed_in(srv).cookie,
                             'Content-Type': 'application/x-www-form-urlencoded'})
    expect(r, 303, 'ack button')
    page = capture_page(srv, c['id'])
    check(re.search(r'class="alert-ack">mod, ', page), 'acked by the moderator')
    tick(t + datetime.timedelta(minutes=20))
    check(not to(smtp, 'head@school.example', c['id']), 'button: no escalation')
    print('ok capture page acknowledge button')

    # 4. Offline alarm: once in school hours, none outside, cleared by a heartbeat.
    for tok in (token, token2):
        expect(srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0'}, token=tok),
               204, 'heartbeat')
    tick(weekday_at(1, 18))
    check(not to(smtp, 'tech@school.example'), 'silence after school hours is normal')
    tick(t)
    until(lambda: len(to(smtp, 'tech@school.example')) >= 2, 30, 'offline alarms')
    tick(t + datetime.timedelta(minutes=5))
    tick(t + datetime.timedelta(minutes=60))
    msgs = to(smtp, 'tech@school.example')
    check(len(msgs) == 2 and all('Machine offline' in x['Subject'] for x in msgs),
          'one alarm per machine, once: %d' % len(msgs))
    expect(srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0'}, token=token),
           204, 'heartbeat again')
    tick(t + datetime.timedelta(minutes=61))
    log = audit()
    check('offline-cleared' in log and 'LAB1-PC07: heartbeats again' in log,
          'cleared when heartbeats return')
    print('ok offline alarm: once, in school hours only, cleared by a heartbeat')


if __name__ == '__main__':
    sys.exit(harness.main(needs=[harness.need_aiosmtpd], start=False))
