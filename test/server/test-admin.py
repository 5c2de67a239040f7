#!/usr/bin/env python3
# test-admin.py: the admin's pages and what they change, all audited: users (add, disable,
# password, e-mail, role, school), the school's alert contacts, threshold, hours, webhook,
# the test e-mail; a capture escalated where no contact is set says so on its page, and
# one escalated with contacts queues them an e-mail that names no pupil.
# usage: test-admin.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import re
import sys

import harness
from harness import Web, add_admin, add_user, check, expect, group, totp_code, upload

SCHOOL = 'Oakridge Primary'
OTHER = 'Hillside Academy'


def setup(c):
    c.smtp = None
    if not harness.need_aiosmtpd():
        c.smtp = harness.Smtp(c.srv.root)
        c.smtp.start()
        c.at_exit(c.smtp.stop)
        c.srv.config.update({'smtp-url': 'smtp://127.0.0.1:%d' % c.smtp.port,
                             'smtp-from': 'vigil@school.example'})
    c.key = c.srv.admin('school', 'add', SCHOOL).stdout.strip()
    c.srv.admin('school', 'add', OTHER)
    c.srv.start()
    c.token = c.srv.enrol(c.key, 'LAB1-PC07')


def act(web, cid, action, text=''):
    csrf = web.csrf('/captures/' + cid)
    return expect(web.req('POST', '/captures/%s/action' % cid,
                          {'action': action, 'csrf': csrf, 'text': text}), 303, action)


@group
def escalation_without_contact_says_so(c):
    srv = c.srv
    add_user(srv, 'mod')
    mod = Web(srv)
    mod.login('mod')
    cid = upload(srv, c.token, user='jsmith')['id']
    check('id="no-contact"' not in mod.req('GET', '/captures/' + cid).text, 'no notice before')
    act(mod, cid, 'escalate')
    page = mod.req('GET', '/captures/' + cid).text
    check('id="no-contact"' in page and 'nobody was told' in page,
          'the page says nobody was told')
    audit = srv.sql("SELECT action FROM audit WHERE capture_id = '%s'" % cid)
    check(['escalate-untold'] in audit, 'audited: %r' % audit)
    # With contacts: each is sent an e-mail (queued), and the page has no notice.
    srv.admin('school', 'alerts', SCHOOL, '--contact', 'dsl@school.example', '--contact',
              'deputy@school.example')
    cid2 = upload(srv, c.token, user='jsmith', reason={
        'category': 'bullying', 'severity': 2, 'phrase': 'loser', 'matched': 'loser',
        'rule': 'bullying.txt:3'})['id']
    act(mod, cid2, 'escalate')
    rows = srv.sql("SELECT target FROM alerts WHERE capture_id = '%s' AND kind = 'referral' "
                   "ORDER BY id" % cid2)
    check(rows == [['dsl@school.example'], ['deputy@school.example']], 'queued: %r' % rows)
    check('id="no-contact"' not in mod.req('GET', '/captures/' + cid2).text, 'no notice')


def post(web, path, form):
    form = dict(form, csrf=web.csrf(path))
    return web.req('POST', path, form)


@group
def users_page(c):
    srv = c.srv
    secret = add_admin(srv, 'sadmin', school=SCHOOL)
    add_user(srv, 'otherhead', role='headteacher', school=OTHER)
    admin = Web(srv)
    admin.login('sadmin', code=totp_code(secret))
    r = expect(post(admin, '/admin/users', {'action': 'add', 'login': 'newmod', 'role': 'moderator',
                                            'email': 'newmod@school.example',
                                            'password': 'a new password'}), 200, 'add')
    check('Done: add newmod as moderator of Oakridge Primary' in r.text, r.text[-800:])
    page = admin.req('GET', '/admin/users').text
    check('data-login="newmod"' in page and 'newmod@school.example' in page, 'listed')
    check('otherhead' not in page, "another school's users are not listed")
    Web(srv).login('newmod', password='a new password')
    expect(post(admin, '/admin/users', {'action': 'passwd', 'login': 'newmod',
                                        'password': 'another password'}), 200, 'passwd')
    Web(srv).login('newmod', password='a new password', status=401)
    Web(srv).login('newmod', password='another password')
    expect(post(admin, '/admin/users', {'action': 'email', 'login': 'newmod',
                                        'email': 'dsl@school.example'}), 200, 'email')
    expect(post(admin, '/admin/users', {'action': 'role', 'login': 'newmod',
                                        'role': 'headteacher', 'school': OTHER}), 200, 'role')
    row = srv.sql("SELECT u.role, s.name, u.email FROM users u JOIN schools s ON s.id = "
                  "u.school_id WHERE login = 'newmod'")
    check(row == [['headteacher', SCHOOL, 'dsl@school.example']],
          "an admin of one school keeps users in it: %r" % row)
    expect(post(admin, '/admin/users', {'action': 'disable', 'login': 'newmod'}), 200, 'disable')
    Web(srv).login('newmod', password='another password', status=401)
    expect(post(admin, '/admin/users', {'action': 'enable', 'login': 'newmod'}), 200, 'enable')
    Web(srv).login('newmod', password='another password')
    expect(post(admin, '/admin/users', {'action': 'disable', 'login': 'otherhead'}), 404,
           "another school's user")
    r = expect(post(admin, '/admin/users', {'action': 'add', 'login': 'x1', 'role': 'moderator',
                                            'password': 'short'}), 400, 'short password')
    check('8 characters' in r.text, 'says why')
    # An authenticator set up from the page: a QR code and the secret, shown once.
    r = expect(post(admin, '/admin/users', {'action': 'totp', 'login': 'newmod'}), 200, 'totp')
    m = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.text)
    check(m and '<svg id="totp-qr"' in r.text, 'a QR code and the secret')
    Web(srv).login('newmod', password='another password', status=401)
    Web(srv).login('newmod', password='another password', code=totp_code(m.group(1)))
    check(m.group(1) not in admin.req('GET', '/admin/users').text, 'shown once')
    expect(post(admin, '/admin/users', {'action': 'totp-off', 'login': 'newmod'}), 200, 'off')
    Web(srv).login('newmod', password='another password')
    r = expect(post(admin, '/admin/users', {'action': 'totp-off', 'login': 'sadmin'}), 400,
               "an admin's own")
    # A new admin comes with an authenticator: the QR code at once, and signs in with it.
    r = expect(post(admin, '/admin/users', {'action': 'add', 'login': 'admin2', 'role': 'admin',
                                            'password': 'admin two password'}), 200, 'add admin')
    m = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.text)
    check(m and '<svg id="totp-qr"' in r.text, 'a new admin gets an authenticator')
    Web(srv).login('admin2', password='admin two password', code=totp_code(m.group(1)))
    actions = [a[0] for a in srv.sql("SELECT action FROM audit WHERE login = 'sadmin' "
                                     "AND action LIKE 'user-%' ORDER BY id")]
    check(actions == ['user-add', 'user-passwd', 'user-email', 'user-role', 'user-disable',
                      'user-enable', 'user-totp', 'user-totp-off', 'user-add'],
          'audited: %r' % actions)
    c.admin = admin


@group
def alerts_page(c):
    srv, admin = c.srv, c.admin
    page = admin.req('GET', '/admin/alerts').text
    check('id="no-contacts"' not in page and 'dsl@school.example' in page,
          'the contacts set before are shown')
    r = expect(post(admin, '/admin/alerts', {
        'action': 'save', 'school': SCHOOL, 'contacts': 'dsl@school.example\ndeputy@school.example',
        'escalate': 'head@school.example', 'threshold': '4', 'ack_minutes': '20',
        'hours': '08:30-15:45', 'webhook': 'https://safeguarding.example/hook',
        'technician': 'it@school.example', 'flag_threshold': '3', 'flags': 'cp, CLA'}),
        200, 'save')
    check('Saved.' in r.text, r.text[-500:])
    st = srv.sql("SELECT threshold, hours_start, hours_end, ack_minutes, webhook, technician, "
                 "flag_threshold, flags FROM alert_settings s JOIN schools sc ON "
                 "sc.id = s.school_id WHERE sc.name = '%s'" % SCHOOL)
    check(st == [['4', '510', '945', '20', 'https://safeguarding.example/hook',
                  'it@school.example', '3', 'CLA;CP']], 'stored: %r' % st)
    ct = srv.sql("SELECT kind, address FROM alert_contacts ORDER BY kind, position")
    check(ct == [['contact', 'dsl@school.example'], ['contact', 'deputy@school.example'],
                 ['escalate', 'head@school.example']], 'contacts: %r' % ct)
    r = expect(post(admin, '/admin/alerts', {'action': 'save', 'school': SCHOOL,
                                             'contacts': 'not an address', 'threshold': '4',
                                             'ack_minutes': '20', 'hours': '08:30-15:45'}),
               400, 'bad contact')
    check(srv.sql("SELECT count(*) FROM alert_contacts")[0][0] == '3', 'nothing changed')
    expect(post(admin, '/admin/alerts', {'action': 'save', 'school': OTHER, 'threshold': '4',
                                         'ack_minutes': '20', 'hours': '08:30-15:45'}), 404,
           "another school's alerts")
    if c.smtp:
        r = expect(post(admin, '/admin/alerts', {'action': 'test', 'school': SCHOOL,
                                                 'to': 'dsl@school.example'}), 200, 'test')
        check('A test e-mail was sent to dsl@school.example' in r.text, r.text[-400:])
        harness.until(lambda: any('[Vigil] Test message' in (m['subject'] or '')
                                  for m in c.smtp.messages()), 10, 'the test e-mail')
    actions = [a[0] for a in srv.sql("SELECT action FROM audit WHERE login = 'sadmin' AND "
                                     "action LIKE 'alert-%' ORDER BY id")]
    check(actions[:1] == ['alert-settings'] and (not c.smtp or 'alert-test' in actions),
          'audited: %r' % actions)


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, start=False))
