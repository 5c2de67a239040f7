#!/usr/bin/env python3
# test-roster-ldap.py: "vigil-server roster sync" against a real OpenLDAP slapd started
# by the test (mdb database in a temporary directory, on a loopback port): pupils come
# from inetOrgPerson entries with the default attribute mapping (flags from every
# employeeType value); a second sync after the directory changed adds, updates and makes
# leavers; a bad entry is named by its DN and changes nothing; a wrong bind password is
# refused. Skips without slapd (tools/deps/server.txt).
# usage: test-roster-ldap.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import harness
from harness import Failure, check, free_port, give, group

SCHOOL = 'Oakridge Primary'
BASE = 'dc=oakridge,dc=example'
ADMIN_DN = 'cn=admin,' + BASE
ADMIN_PW = 'directory-secret'
READER_DN = 'cn=vigil,' + BASE
READER_PW = 'vigil-reader-secret'


def need_slapd():
    if not os.path.exists('/usr/sbin/slapd') or not shutil.which('ldapadd'):
        return 'slapd or ldap-utils missing (tools/deps/server.txt)'
    return None


def person(uid, given, family, year, form, flags=(), ou='pupils'):
    lines = ['dn: uid=%s,ou=%s,%s' % (uid, ou, BASE), 'objectClass: inetOrgPerson',
             'uid: ' + uid, 'cn: %s %s' % (given, family), 'givenName: ' + given,
             'sn: ' + family, 'departmentNumber: ' + year, 'ou: ' + form]
    lines += ['employeeType: ' + f for f in flags]
    return '\n'.join(lines) + '\n'


class Slapd:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='vigil-slapd-')
        self.port = free_port()
        os.mkdir(os.path.join(self.dir, 'db'), 0o700)
        conf = os.path.join(self.dir, 'slapd.conf')
        with open(conf, 'w') as f:
            f.write('\n'.join([
                'include /etc/ldap/schema/core.schema',
                'include /etc/ldap/schema/cosine.schema',
                'include /etc/ldap/schema/inetorgperson.schema',
                'modulepath /usr/lib/ldap', 'moduleload back_mdb',
                'pidfile %s/slapd.pid' % self.dir,
                'access to * by dn.exact="%s" read by * auth' % READER_DN,
                'database mdb', 'maxsize 10485760', 'suffix "%s"' % BASE,
                'rootdn "%s"' % ADMIN_DN, 'rootpw %s' % ADMIN_PW,
                'directory %s/db' % self.dir, '']))
        self.conf = conf
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(['/usr/sbin/slapd', '-d', '0', '-f', self.conf, '-h',
                                      'ldap://127.0.0.1:%d/' % self.port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure('slapd exited: ' + self.proc.stderr.read().decode()[-1500:])
            if subprocess.run(['ldapsearch', '-x', '-H', self.url(), '-D', ADMIN_DN, '-w',
                               ADMIN_PW, '-b', '', '-s', 'base'], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise Failure('slapd did not start')

    def url(self):
        return 'ldap://127.0.0.1:%d' % self.port

    def ldif(self, text, modify=False):
        p = subprocess.run(['ldapmodify' if modify else 'ldapadd', '-x', '-H', self.url(), '-D',
                            ADMIN_DN, '-w', ADMIN_PW], input=text, capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure('ldapadd: ' + p.stderr)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def setup(c):
    c.ldap = Slapd()
    c.at_exit(c.ldap.stop)
    c.ldap.start()
    c.ldap.ldif('\n'.join([
        'dn: ' + BASE, 'objectClass: dcObject', 'objectClass: organization', 'o: Oakridge',
        'dc: oakridge', '',
        'dn: ou=pupils,' + BASE, 'objectClass: organizationalUnit', 'ou: pupils', '',
        'dn: ou=staff,' + BASE, 'objectClass: organizationalUnit', 'ou: staff', '',
        'dn: ' + READER_DN, 'objectClass: simpleSecurityObject', 'objectClass: organizationalRole',
        'cn: vigil', 'userPassword: ' + READER_PW, '', '']))
    c.ldap.ldif(person('22patelr', 'Riya', 'Patel', 'Year 9', '9B', ['CP', 'CLA']) + '\n' +
                person('jsmith', 'John', 'Smith', 'Year 7', '7A') + '\n' +
                person('23okoyea', 'Ade', 'Okoye', 'Year 8', '8C', ['SEN']) + '\n' +
                person('mrjones', 'Tom', 'Jones', 'Staff', 'Staff', ou='staff'))
    pw = os.path.join(c.srv.root, 'ldap.pw')
    with open(pw, 'w') as f:
        f.write(READER_PW + '\n')
    os.chmod(pw, 0o600)
    give(pw)
    c.srv.config.update({'ldap-url': c.ldap.url(), 'ldap-bind-dn': READER_DN,
                         'ldap-password-file': pw, 'ldap-base': 'ou=pupils,' + BASE})
    c.srv.admin('school', 'add', SCHOOL)
    c.pw = pw


def roster(c):
    out = c.srv.admin('roster', 'list', '--school', SCHOOL).stdout
    return {p['login']: p for p in (json.loads(line) for line in out.splitlines() if line)}


@group
def sync_from_slapd(c):
    p = c.srv.admin('roster', 'sync', '--school', SCHOOL)
    check('3 added, 0 updated, 0 left, 0 unchanged' in p.stdout, p.stdout + p.stderr)
    r = roster(c)
    check(sorted(r) == ['22patelr', '23okoyea', 'jsmith'], 'pupils only: %r' % sorted(r))
    check(r['22patelr']['given_name'] == 'Riya' and r['22patelr']['year_group'] == 'Year 9' and
          r['22patelr']['reg_group'] == '9B' and r['22patelr']['flags'] == 'CLA;CP',
          'mapped attributes, every flag: %r' % r['22patelr'])
    # The directory changes: a new pupil, a moved one, a leaver.
    c.ldap.ldif(person('25brownk', 'Kai', 'Brown', 'Year 7', '7B', ['CIN']))
    c.ldap.ldif('dn: uid=jsmith,ou=pupils,%s\nchangetype: modify\nreplace: ou\nou: 7C\n' % BASE,
                modify=True)
    c.ldap.ldif('dn: uid=23okoyea,ou=pupils,%s\nchangetype: delete\n' % BASE, modify=True)
    p = c.srv.admin('roster', 'sync', '--school', SCHOOL)
    check('1 added, 1 updated, 1 left, 1 unchanged' in p.stdout, p.stdout + p.stderr)
    r = roster(c)
    check(r['jsmith']['reg_group'] == '7C' and not r['23okoyea']['current'],
          'moved and left: %r' % r)
    audit = c.srv.sql("SELECT login, action FROM audit WHERE action = 'roster-sync'")
    check(len(audit) == 2 and audit[0][0] == 'system', 'audited: %r' % audit)


@group
def bad_entry_and_bind_refused(c):
    before = roster(c)
    c.ldap.ldif(person('bad1', 'Bad', 'Flag', 'Year 7', '7A', ['CP', 'WIZARD']))
    p = c.srv.admin('roster', 'sync', '--school', SCHOOL, check_ok=False)
    check(p.returncode == 1 and 'uid=bad1,ou=pupils,' + BASE in p.stderr and
          'unknown flag "WIZARD"' in p.stderr and 'nothing changed' in p.stderr,
          'the entry is named: %r' % p.stderr)
    check(roster(c) == before, 'nothing changed')
    c.ldap.ldif('dn: uid=bad1,ou=pupils,%s\nchangetype: delete\n' % BASE, modify=True)
    with open(c.pw, 'w') as f:
        f.write('not the password\n')
    p = c.srv.admin('roster', 'sync', '--school', SCHOOL, check_ok=False)
    check(p.returncode == 1 and 'refused the bind' in p.stderr, p.stderr)
    os.chmod(c.pw, 0o644)
    p = c.srv.admin('roster', 'sync', '--school', SCHOOL, check_ok=False)
    check(p.returncode == 1 and 'readable by others' in p.stderr, p.stderr)
    check(roster(c) == before, 'nothing changed')


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, start=False, needs=[need_slapd]))
