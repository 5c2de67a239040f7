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


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, start=False))
