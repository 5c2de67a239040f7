#!/usr/bin/env python3
# test-totp.py: the second factor of a password sign-in (TOTP, RFC 6238): a user with an
# authenticator signs in only with the current code, each code once; an admin needs one
# (`user add --role admin` sets it up; without it an admin's password alone is refused);
# `user totp LOGIN off` takes it away. The codes are computed here from the secret the
# command printed, at the real clock (test-totp-units checks a fixed one).
# usage: test-totp.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import re
import sys
import time

import harness
from harness import Web, add_admin, add_user, check, expect, group, totp_code


def wait_fresh_step():
    """Waits so that the next codes are not near the end of their 30 s step."""
    if time.time() % 30 > 24:
        time.sleep(30 - time.time() % 30 + 0.5)


@group
def moderator_with_a_code(c):
    srv = c.srv
    add_user(srv, 'mod')
    out = srv.admin('user', 'totp', 'mod').stdout
    uri = re.search(r'^otpauth://totp/Vigil:mod\?secret=([A-Z2-7]+)&issuer=Vigil', out, re.M)
    check(uri, 'an otpauth URI: %r' % out)
    secret = uri.group(1)
    w = Web(srv)
    r = w.login('mod', status=401)
    check('6-digit code' in r.text, 'a code is asked for: %s' % r.text[-600:])
    wait_fresh_step()
    wrong = '%06d' % ((int(totp_code(secret)) + 1) % 1000000)
    check('Wrong login, password or code' in w.login('mod', code=wrong, status=401).text,
          'a wrong code')
    check('Wrong login' in w.login('mod', password='not the password', code=totp_code(secret),
                                   status=401).text, 'the right code with a wrong password')
    code = totp_code(secret)
    w.login('mod', code=code)
    expect(w.req('GET', '/captures'), 200, 'signed in with the code')
    r = Web(srv).login('mod', code=code, status=401)
    check('used already' in r.text, 'a code signs in once: %s' % r.text[-400:])
    srv.admin('user', 'totp', 'mod', 'off')
    Web(srv).login('mod')  # the password alone again
    audit = [a[0] for a in srv.sql("SELECT action FROM audit WHERE detail = 'mod'")]
    check('user-totp' in audit and 'user-totp-off' in audit, 'audited: %r' % audit)


@group
def admins_need_a_code(c):
    srv = c.srv
    secret = add_admin(srv, 'boss')
    wait_fresh_step()
    r = Web(srv).login('boss', status=401)
    check('6-digit code' in r.text, 'an admin is asked for the code')
    w = Web(srv)
    r = w.login('boss', code=totp_code(secret))
    check(r.headers['location'] == '/admin/', 'an admin signs in with it')
    srv.admin('user', 'totp', 'boss', 'off')
    r = Web(srv).login('boss', status=401)
    check('An admin signs in with a code' in r.text and 'user totp boss' in r.text,
          'an admin without one is told how to get one: %s' % r.text[-500:])


if __name__ == '__main__':
    sys.exit(harness.main())
