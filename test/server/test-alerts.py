#!/usr/bin/env python3
# test-alerts.py: urgent alerts of vigil-server against a real SMTP server (aiosmtpd,
# started here) and a real HTTP receiver: one e-mail per contact and one signed webhook
# for a severity-5 capture, none for severity 3, no pupil data in either, the alert sent
# once after the server is killed right after storing the capture, SMTP down: retried,
# failure in the audit log and on the capture page, uploads still work; the e-mail says
# what lowered a hit's severity and by which rule, and nothing of the kind when context
# lowered nothing.
# usage: test-alerts.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import socket
import sys
import threading
import time

import harness
from harness import Smtp, capture_page, check, for_capture, group, until, upload

CONTACTS = ['dsl@school.example', 'deputy@school.example']
SECRET = 'webhook-test-secret-0123456789'
CONTEXT = 'i just want to k1ll mys3lf tonight'
PUPIL = 'jsmith'


class Hooks:
    def __init__(self):
        self.got = []      # (headers, body) of the requests answered 204
        self.refused = 0   # answered 500 (fail_next of them)
        self.fail_next = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                if outer.fail_next > 0:
                    outer.fail_next -= 1
                    outer.refused += 1
                    self.send_response(500)
                else:
                    outer.got.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def webhook_receiver(c, srv, name):
    """A running webhook receiver and the 0600 secret file (name) the server signs with."""
    hooks = Hooks()
    c.at_exit(hooks.httpd.shutdown)
    secret = os.path.join(srv.root, name)
    with open(secret, 'w') as f:
        f.write(SECRET + '\n')
    os.chmod(secret, 0o600)
    harness.give(secret)
    return hooks, secret


def hook_for(hooks, capture_id):
    """The body of the webhook for a capture, parsed, or None."""
    for _, body in hooks.got:
        j = json.loads(body)
        if j['link'].endswith('/captures/' + capture_id):
            return j
    return None


def outward_address():
    """This machine's non-loopback IPv4 address, or None (no packet is sent)."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(('192.0.2.1', 9))
        addr = s.getsockname()[0]
        s.close()
        return None if addr.startswith('127.') else addr
    except OSError:
        return None


def starttls_required(srv):
    """alerts test: plain SMTP is fine on loopback, refused elsewhere (no STARTTLS)."""
    smtp = Smtp(srv.root, name='maildir-test')
    smtp.start()
    try:
        r = srv.admin('--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
                      'vigil@school.example', 'alerts', 'test', 'it@school.example')
        check('sent' in r.stdout and len(smtp.messages()) == 1, 'test message on loopback')
    finally:
        smtp.stop()
    addr = outward_address()
    if not addr:
        print('no non-loopback address: STARTTLS refusal not checked')
        return
    smtp = Smtp(srv.root, host=addr, name='maildir-remote')
    smtp.start()
    try:
        r = srv.admin('--smtp-url', 'smtp://%s:%d' % (addr, smtp.port), '--smtp-from',
                      'vigil@school.example', 'alerts', 'test', 'it@school.example',
                      check_ok=False)
        check(r.returncode == 1 and not smtp.messages(),
              'a server without STARTTLS off loopback is refused: %d %s' % (r.returncode,
                                                                           r.stderr))
        print('ok STARTTLS required off loopback (%s)' % r.stderr.strip())
    finally:
        smtp.stop()


def audit_has(srv, database, action, cid):
    return action in capture_page(srv, cid, audit=True)


@group
def alerts(c):
    srv, database = c.srv, c.database
    smtp = Smtp(srv.root)
    c.at_exit(smtp.stop)
    hooks, secret = webhook_receiver(c, srv, 'webhook.secret')
    # The webhook receiver is on loopback: allowed here, refused by default (below).
    extra = ['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
             'vigil@school.example', '--public-url', 'https://vigil.school.example',
             '--webhook-allow-private', 'yes']
    smtp.start()
    key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    starttls_required(srv)
    cmd = ['school', 'alerts', 'Oakridge Primary', '--threshold', '5',
           '--hours', '08:00-16:30', '--webhook', 'http://127.0.0.1:%d/hook' % hooks.port,
           '--webhook-secret-file', secret]
    for a in CONTACTS:
        cmd += ['--contact', a]
    srv.admin(*cmd)
    bad = srv.admin('school', 'alerts', 'Oakridge Primary', '--contact', 'not-an-address',
                    check_ok=False)
    check(bad.returncode == 2 and 'e-mail address' in bad.stderr, 'bad address refused')
    srv.start(extra)
    token = srv.enrol(key, 'LAB1-PC07')

    # Severity 5: one e-mail per contact and one signed webhook, within 60 s; the
    # webhook receiver fails the first try (HTTP 500): retried. The capture stands
    # for a moment of three hits, two of them urgent: still one alert.
    hooks.fail_next = 1
    t0 = time.time()
    hit = {'category': 'self-harm', 'severity': 5, 'phrase': 'kill myself',
           'rule': 'self-harm.txt:12', 'matched': 'k1ll mys3lf', 'start': None, 'end': None}
    rec = upload(srv, token, hits=[hit, dict(hit, phrase='kill my self'),
                                   dict(hit, severity=4, phrase='mys3lf')])
    msgs = until(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2 and
                 smtp.messages(), 60, 'two e-mails')
    latency = time.time() - t0
    hook = until(lambda: hooks.got, 60, 'the webhook')
    time.sleep(2)  # nothing more arrives
    mine = for_capture(smtp.messages(), rec['id'])
    check(sorted(m['To'] for m in mine) == sorted(CONTACTS),
          'one e-mail per contact: %r' % [m['To'] for m in mine])
    check(len(hooks.got) == 1 and hooks.refused == 1,
          'one webhook after one refused try, got %d/%d' % (len(hooks.got), hooks.refused))
    headers, body = hook[0]
    want = 'sha256=' + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    check(headers.get('X-Vigil-Signature') == want, 'webhook signature verifies')
    j = json.loads(body)
    check(j['severity'] == 5 and j['category'] == 'self-harm' and
          j['school'] == 'Oakridge Primary' and j['machine'] == 'LAB1-PC07' and
          j['link'] == 'https://vigil.school.example/captures/' + rec['id'], 'webhook fields')
    for text in [m.as_string() for m in mine] + [body.decode()]:
        check(CONTEXT not in text and 'k1ll' not in text and PUPIL not in text,
              'no context or user name in the alert')
    m = mine[0].get_payload(decode=True).decode()
    check('self-harm' in m and 'Severity: 5' in m and 'LAB1-PC07' in m and
          'https://vigil.school.example/captures/' + rec['id'] in m, 'e-mail fields')
    print('ok severity-5 alert: e-mails in %.2f s (upload to delivery)' % latency)
    # Message-IDs: unique across databases and servers (a random part and the host of
    # public-url), so no mail system drops an alert as one it has seen.
    ids = [m['Message-ID'] for m in smtp.messages()]
    for mid in ids:
        check(re.match(r'^<vigil-alert-\d+\.[0-9a-f]{24}@vigil\.school\.example>$', mid or ''),
              'Message-ID with a random part and the public-url host: %r' % mid)
    check(len(set(ids)) == len(ids), 'Message-IDs unique: %r' % ids)
    print('ok Message-IDs unique: %s' % ids[0])

    # Severity 3: nothing.
    before, hooks_before = len(smtp.messages()), len(hooks.got)
    upload(srv, token, reason={'category': 'bullying', 'severity': 3, 'phrase': 'loser',
                               'matched': 'loser', 'rule': 'bullying.txt:3'})
    time.sleep(3)
    check(len(smtp.messages()) == before and len(hooks.got) == hooks_before,
          'no alert for severity 3')
    print('ok severity-3: no alert')

    # Killed right after the 201: sent after the restart, once.
    rec = upload(srv, token)
    srv.stop(signal.SIGKILL)
    srv.start(extra)
    until(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2, 60,
          'alerts after restart')
    time.sleep(3)
    n = len(for_capture(smtp.messages(), rec['id']))
    check(n == 2, 'sent once after SIGKILL and restart: %d e-mails' % n)
    print('ok killed after the 201: alert sent once after restart')

    # SMTP down: retried, visible in the audit log and on the capture page; uploads go on.
    smtp.stop()
    rec = upload(srv, token)
    until(lambda: audit_has(srv, database, 'alert-failed', rec['id']), 30,
          'alert-failed in the audit log')
    rec2 = upload(srv, token, reason={'category': 'bullying', 'severity': 3,
                                      'phrase': 'loser', 'matched': 'loser',
                                      'rule': 'bullying.txt:3'})
    check(rec2, 'uploads work while SMTP is down')
    page = capture_page(srv, rec['id'])
    check('pending' in page and 'dsl@school.example' in page and 'attempt' in page,
          'capture page shows the pending alert and its error')
    smtp.start()
    until(lambda: len(for_capture(smtp.messages(), rec['id'])) >= 2, 60,
          'alerts after SMTP returns')
    check(audit_has(srv, database, 'alert-sent', rec['id']), 'alert-sent audited')
    print('ok SMTP down: retried, audited, shown, delivered when back')

    # Without webhook-allow-private a webhook to a loopback, link-local (cloud
    # metadata) or private address is refused before connecting, and says why.
    srv.stop()
    key2 = srv.admin('school', 'add', 'Lakeside').stdout.strip()
    srv.admin('school', 'alerts', 'Lakeside', '--threshold', '5', '--webhook',
              'http://127.0.0.1:%d/hook' % hooks.port)
    srv.start(extra[:-2])
    token2 = srv.enrol(key2, 'LK-PC01')
    got = len(hooks.got) + hooks.refused
    rec = upload(srv, token2)
    until(lambda: 'private address' in capture_page(srv, rec['id']), 30,
          'the refused webhook on the capture page')
    check(len(hooks.got) + hooks.refused == got, 'nothing reached the private address')
    print('ok webhook to a private address refused without webhook-allow-private')


@group
def alerts_why(c):
    # A school alerting from severity 2 gets an e-mail for a hit context lowered from 5 to
    # 2; the e-mail says, beside the hit's category, what lowered it and which rule did,
    # for every hit lowered, in the plain-text body; a capture whose hits context left
    # alone explains nothing.
    # The webhook's body carries the same explanations, as a "lowered" array.
    srv = c.srv
    smtp = Smtp(srv.root, name='maildir-why')
    c.at_exit(smtp.stop)
    smtp.start()
    hooks, secret = webhook_receiver(c, srv, 'webhook-why.secret')
    srv.stop()
    key = srv.admin('school', 'add', 'Riverside').stdout.strip()
    srv.admin('school', 'alerts', 'Riverside', '--threshold', '2', '--contact',
              'dsl@riverside.example', '--webhook', 'http://127.0.0.1:%d/hook' % hooks.port,
              '--webhook-secret-file', secret)
    srv.start(['--smtp-url', 'smtp://127.0.0.1:%d' % smtp.port, '--smtp-from',
               'vigil@school.example', '--public-url', 'https://vigil.school.example',
               '--webhook-allow-private', 'yes'])
    token = srv.enrol(key, 'RS-PC03')
    context = 'honestly i could just disappear lol, ur so dumb only joking'
    lowered = {'category': 'self-harm', 'severity': 2, 'phrase': 'could just disappear',
               'rule': 'self-harm.txt:31', 'matched': 'could just disappear', 'start': 11,
               'end': 31, 'base_severity': 5, 'why': "severity 5 \u2192 2: 'lol' 1 word after",
               'context_rule': 'self-harm.txt:17'}
    joke = {'category': 'bullying', 'severity': 2, 'phrase': 'ur so dumb', 'rule': 'bullying.txt:8',
            'matched': 'ur so dumb', 'start': 37, 'end': 47, 'base_severity': 4,
            'why': "severity 4 \u2192 2: 'only joking' 1 word after",
            'context_rule': 'bullying.txt:40'}
    plain = {'category': 'profanity', 'severity': 1, 'phrase': 'dumb', 'rule': 'profanity.txt:5',
             'matched': 'dumb', 'start': 43, 'end': 47}
    rec = upload(srv, token, context=context, reason={k: v for k, v in lowered.items()
                                                   if k not in ('start', 'end')},
                 hits=[lowered, joke, plain])
    mail = until(lambda: for_capture(smtp.messages(), rec['id']), 60, 'the e-mail')[0]
    check(mail.get_content_type() == 'text/plain', 'one plain-text part: %s'
          % mail.get_content_type())
    body = mail.get_payload(decode=True).decode()
    want = ["Lowered:  self-harm, severity 5 \u2192 2: 'lol' 1 word after "
            "(rule self-harm.txt:17)\n",
            "Lowered:  bullying, severity 4 \u2192 2: 'only joking' 1 word after "
            "(rule bullying.txt:40)\n"]
    for line in want:
        check(line in body, 'the e-mail explains the lowered hit: %r in %r' % (line, body))
    check(body.count('Lowered:') == 2 and 'profanity' not in body,
          'a hit context left alone is not explained: %r' % body)
    check(context not in body and 'jsmith' not in body and 'disappear' not in body,
          'still no context, matched words or user name: %r' % body)
    print('ok a lowered hit: the e-mail says what lowered it and which rule')
    hook = until(lambda: hook_for(hooks, rec['id']), 60, 'the webhook')
    check(hook['lowered'] == [{'category': 'self-harm', 'why': want[0][len('Lowered:  self-harm, '):-1]},
                              {'category': 'bullying', 'why': want[1][len('Lowered:  bullying, '):-1]}],
          'the webhook explains each lowered hit as the e-mail does: %r' % hook)
    check(context not in json.dumps(hook) and 'disappear' not in json.dumps(hook),
          'still no context or matched words in the webhook: %r' % hook)
    print('ok a lowered hit: the webhook says what lowered it and which rule')

    rec = upload(srv, token, context='you are such a loser', reason={
        'category': 'bullying', 'severity': 3, 'phrase': 'loser', 'matched': 'loser',
        'rule': 'bullying.txt:3'})
    mail = until(lambda: for_capture(smtp.messages(), rec['id']), 60, 'the e-mail')[0]
    body = mail.get_payload(decode=True).decode()
    check('Severity: 3' in body and 'Lowered' not in body and '\u2192' not in body
          and '(rule' not in body, 'nothing lowered: no explanation: %r' % body)
    print('ok a hit context left alone: no explanation in the e-mail')
    hook = until(lambda: hook_for(hooks, rec['id']), 60, 'the webhook')
    check(hook['lowered'] == [], 'nothing lowered: an empty "lowered" array: %r' % hook)
    print('ok a hit context left alone: no explanation in the webhook')


if __name__ == '__main__':
    sys.exit(harness.main(needs=[harness.need_aiosmtpd], start=False))
