#!/usr/bin/env python3
# test-roster.py: a school's pupils from its MIS export: "vigil-server roster import
# --school NAME [--map COL=HEADER,...] FILE.csv" with good, bad and partial files (a bad
# row names FILE:LINE and changes nothing; a good import prints added / updated / left;
# pupils missing from the file become leavers, kept), the same upload from the web by an
# admin, and the names, year and registration group and flags shown where staff decide.
# usage: test-roster.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import json
import os
import re
import shutil
import subprocess
import sys

import harness
from harness import Web, add_admin, add_user, check, expect, group, totp_code, upload

SCHOOL = 'Oakridge Primary'
OTHER = 'Hillside Academy'

# A SIMS-like export: its own headers, a BOM, quoted fields, CRLF line ends.
SIMS = ('\ufeffUsername,Forename,Surname,"Preferred Forename",Year,Reg,Needs,Tutor\r\n'
        '22patelr,Riya,Patel,,Year 9,9B,CP;cla,Mr Jones\r\n'
        'JSMITH,John,Smith,Johnny,Year 7,7A,,Ms Brown\r\n'
        '23okoyea,"Ade, Jr",Okoye,Ade,Year 8,8C,SEN;EAL;PP,Mr Lee\r\n'
        ',,,,,,,\r\n')
SIMS_MAP = ('login=Username,given_name=Forename,family_name=Surname,'
            'preferred_name=Preferred Forename,year_group=Year,reg_group=Reg,flags=Needs')


def write(c, name, text):
    path = os.path.join(c.srv.root, name)
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    return path


def roster(c, school=SCHOOL):
    out = c.srv.admin('roster', 'list', '--school', school).stdout
    return {p['login']: p for p in (json.loads(line) for line in out.splitlines() if line)}


def imp(c, path, *extra, ok=True):
    p = c.srv.admin('roster', 'import', '--school', SCHOOL, *extra, path, check_ok=ok)
    return p


def setup(c):
    c.key = c.srv.admin('school', 'add', SCHOOL).stdout.strip()
    c.srv.admin('school', 'add', OTHER)


@group
def cli_import_with_map(c):
    path = write(c, 'sims.csv', SIMS)
    p = imp(c, path, '--map', SIMS_MAP)
    check('3 added, 0 updated, 0 left' in p.stdout, 'counts: %r' % p.stdout)
    r = roster(c)
    check(sorted(r) == ['22patelr', '23okoyea', 'jsmith'], 'logins lower-cased: %r' % sorted(r))
    check(r['22patelr']['flags'] == 'CLA;CP', 'flags canonical: %r' % r['22patelr'])
    check(r['23okoyea']['given_name'] == 'Ade, Jr' and r['23okoyea']['flags'] == 'SEN;EAL;PP',
          'quoted field and flags: %r' % r['23okoyea'])
    check(r['jsmith']['preferred_name'] == 'Johnny' and r['jsmith']['year_group'] == 'Year 7'
          and r['jsmith']['reg_group'] == '7A', 'row: %r' % r['jsmith'])
    check(roster(c, OTHER) == {}, 'another school has no pupils')
    # The same file again changes nothing.
    p = imp(c, path, '--map', SIMS_MAP)
    check('0 added, 0 updated, 0 left, 3 unchanged' in p.stdout, 'again: %r' % p.stdout)


@group
def cli_bad_files_change_nothing(c):
    before = roster(c)
    cases = [
        ('flag.csv', 'login,flags\nfoo,CP\nbar,CP;XYZ\n', [], 'flag.csv:3: unknown flag "XYZ"'),
        ('dup.csv', 'login\na1\nb2\nA1\n', [], 'dup.csv:4: login "a1" again (first on line 2)'),
        ('cut.csv', 'login,given_name\nq1,"Ann\nq2,Bo\n', [],
         'cut.csv:2: the file ends inside a quoted field'),
        ('nologin.csv', 'Username,Year\nz1,7\n', [], 'nologin.csv:1: no column "login"'),
        ('nomap.csv', 'Username,Year\nz1,7\n', ['--map', 'login=Username,year_group=Yr'],
         'nomap.csv:1: no column "Yr" (mapped to year_group)'),
        ('empty.csv', 'login,year_group\nz1,7\n,8\n', [], 'empty.csv:3: login is empty'),
        ('wide.csv', 'login,year_group\nz1,7,extra\n', [], 'wide.csv:2: 3 fields where the header has 2'),
        ('latin1.csv', None, [], 'latin1.csv:2: family_name is not UTF-8'),
        ('space.csv', 'login\nz 1\n', [], 'space.csv:2: login "z 1" has a space'),
    ]
    for name, text, extra, want in cases:
        if text is None:
            path = os.path.join(c.srv.root, name)
            with open(path, 'wb') as f:
                f.write(b'login,family_name\nz1,M\xfcller\n')
        else:
            path = write(c, name, text)
        p = imp(c, path, *extra, ok=False)
        check(p.returncode == 1, '%s: exit %d' % (name, p.returncode))
        check(p.stderr.startswith(want.replace(name, path)), '%s: %r' % (name, p.stderr))
        check('nothing changed' in p.stderr, '%s says nothing changed' % name)
        check(roster(c) == before, '%s changed the roster' % name)
    p = c.srv.admin('roster', 'import', '--school', 'Nowhere', write(c, 'x.csv', 'login\na\n'),
                    check_ok=False)
    check(p.returncode == 1 and 'no school "Nowhere"' in p.stderr, 'unknown school: %r' % p.stderr)
    p = imp(c, path, '--map', 'surname=Surname', ok=False)
    check(p.returncode == 1 and '--map: unknown column "surname"' in p.stderr, 'bad map: %r' % p.stderr)


@group
def cli_partial_and_leavers(c):
    # A file with only some columns: those it has are updated, the others kept; a pupil
    # missing from it is a leaver, kept with the time they left.
    path = write(c, 'years.csv', 'Username,Year\n22PATELR,Year 10\n24newp,Year 7\n')
    p = imp(c, path, '--map', 'login=Username,year_group=Year')
    check('1 added, 1 updated, 2 left, 0 unchanged' in p.stdout, 'counts: %r' % p.stdout)
    r = roster(c)
    check(r['22patelr']['year_group'] == 'Year 10' and r['22patelr']['given_name'] == 'Riya'
          and r['22patelr']['flags'] == 'CLA;CP', 'absent columns kept: %r' % r['22patelr'])
    check(r['24newp']['current'] and r['24newp']['given_name'] == '', 'new pupil: %r' % r['24newp'])
    check(not r['jsmith']['current'] and r['jsmith']['left'] and r['jsmith']['given_name'] == 'John',
          'leaver kept: %r' % r['jsmith'])
    # The leaver comes back: added again, current.
    p = imp(c, write(c, 'back.csv', SIMS), '--map', SIMS_MAP)
    check('2 added, 1 updated, 1 left' in p.stdout, 'back: %r' % p.stdout)
    r = roster(c)
    check(r['jsmith']['current'] and r['jsmith']['left'] is None, 'returned: %r' % r['jsmith'])
    check(not r['24newp']['current'], 'now a leaver: %r' % r['24newp'])
    audit = c.srv.sql("SELECT detail FROM audit WHERE action = 'roster-import' ORDER BY id")
    check(len(audit) == 4 and audit[-1][0].startswith('2 added, 1 updated, 1 left'),
          'audited: %r' % audit)


@group
def web_upload_by_admin(c):
    srv = c.srv
    srv.start()
    secret1 = add_admin(srv, 'admin1', school=SCHOOL)
    secret2 = add_admin(srv, 'admin2', school=OTHER)
    add_user(srv, 'modr', role='moderator')
    admin = Web(srv)
    r = admin.login('admin1', code=totp_code(secret1))
    check(r.headers.get('location') == '/admin/', 'an admin lands on /admin/: %r' % r.headers)
    page = expect(admin.req('GET', '/admin/roster'), 200, 'roster page').text
    check('3 current pupils, 1 leavers kept' in page and 'Riya' in page, 'roster shown')
    check('href="/captures"' not in page, 'an admin has no captures link')
    expect(admin.req('GET', '/captures'), 404, 'an admin does not see captures')
    csrf = admin.csrf('/admin/roster')
    before = roster(c)
    # A bad file: the line, and nothing changed.
    r = admin.req('POST', '/admin/roster', {
        'csrf': csrf, 'school': SCHOOL, 'filename': 'arbor.csv', 'map': 'login=Pupil Login',
        'csv': 'Pupil Login,Year\n22patelr,9\n,7\n'})
    expect(r, 400, 'bad upload')
    check('arbor.csv:3: login is empty' in r.text and 'nothing changed' in r.text,
          'bad upload says where: %s' % r.text[-600:])
    check(roster(c) == before, 'a bad upload changed the roster')
    # A good one with the school's own headers (Arbor-like).
    arbor = ('Pupil Login,First Name,Last Name,Year Group,Registration Form,SEN Status\n'
             '22patelr,Riya,Patel,Year 9,9B,CP;CLA\n23okoyea,Ade,Okoye,Year 8,8C,SEN;EAL;PP\n'
             'jsmith,John,Smith,Year 7,7A,\n25brownk,Kai,Brown,Year 7,7B,CIN\n')
    r = admin.req('POST', '/admin/roster', {
        'csrf': csrf, 'school': SCHOOL, 'filename': 'arbor.csv',
        'map': 'login=Pupil Login,given_name=First Name,family_name=Last Name,'
               'year_group=Year Group,reg_group=Registration Form,flags=SEN Status',
        'csv': arbor})
    expect(r, 200, 'good upload')
    check('Roster updated: 1 added, 1 updated, 0 left, 2 unchanged' in r.text,
          'counts: %s' % re.findall(r'id="roster-result"[^<]*<?[^<]*', r.text))
    check(roster(c)['25brownk']['flags'] == 'CIN', 'uploaded')
    audit = srv.sql("SELECT login, detail FROM audit WHERE action = 'roster-import' ORDER BY id")
    check(audit[-1][0] == 'admin1', 'audited with the admin: %r' % audit[-1])
    # Another school's admin cannot change this school's roster, nor a moderator.
    other = Web(srv)
    other.login('admin2', code=totp_code(secret2))
    r = other.req('POST', '/admin/roster', {'csrf': other.csrf('/admin/roster'), 'school': SCHOOL,
                                           'csv': 'login\nx\n'})
    expect(r, 404, "another school's admin")
    check('Riya' not in other.req('GET', '/admin/roster').text, "another school's pupils hidden")
    mod = Web(srv)
    mod.login('modr')
    expect(mod.req('GET', '/admin/roster'), 404, 'a moderator has no admin pages')
    check(roster(c)['25brownk']['current'], 'nothing changed by them')


def ids(html):
    return set(re.findall(r'class="cap" href="/captures/([0-9a-f-]+)"', html))


@group
def names_and_flags_on_pages(c):
    srv = c.srv
    token = srv.enrol(c.key, 'LAB1-PC07')
    caps = {u: upload(srv, token, user=u) for u in ('22PatelR', 'jsmith', '24newp', 'ghost1')}
    add_user(srv, 'head', role='headteacher', school=SCHOOL)
    add_user(srv, 'modf')
    srv.admin('user', 'flags', 'modf', 'yes')
    check(srv.admin('user', 'flags', 'nobody9', 'yes', check_ok=False).returncode == 1,
          'flags for an unknown user')
    head, modr, modf = Web(srv), Web(srv), Web(srv)
    head.login('head')
    modr.login('modr')
    modf.login('modf')
    for who, web, flags in (('head', head, True), ('modr', modr, False), ('modf', modf, True)):
        q = expect(web.req('GET', '/captures'), 200, 'queue').text
        check('<span class="pname">Riya Patel</span>' in q and '>22PatelR</span>' in q
              and '<span class="year">Year 9</span>' in q and '<span class="reg">9B</span>' in q,
              '%s: name, login, year and reg group in the queue' % who)
        check('<span class="pname">Johnny Smith</span>' in q, 'the preferred name first')
        check('>ghost1</a>' in q, 'a login the roster does not know stays a login')
        check('(left)' in q, 'a leaver is marked')
        check(('<span class="flag">CLA</span><span class="flag">CP</span>' in q) == flags,
              '%s: flags in the queue: %s' % (who, flags))
        check(('name="flag"' in q) == flags, '%s: the flag filter offered: %s' % (who, flags))
        page = web.req('GET', '/captures/' + caps['22PatelR']['id']).text
        check('Riya Patel' in page and 'Year 9' in page and '9B' in page, '%s: capture page' % who)
        check(('<span class="flag">CP</span>' in page) == flags, '%s: flags on the capture page' % who)
        t = expect(web.req('GET', '/pupils/%s/22PatelR' % SCHOOL.replace(' ', '%20')), 200,
                   'timeline').text
        check('<span id="pupil-name">Riya Patel</span>' in t and 'Year group: <span class="year">'
              'Year 9' in t and '9B' in t, '%s: timeline names the pupil' % who)
        check(('Flags: <span class="flags">' in t) == flags, '%s: flags on the timeline' % who)
        # Filters: year group (any case), and a flag only for those who see flags.
        y = ids(web.req('GET', '/captures?year=year%209').text)
        check(y == {caps['22PatelR']['id']}, '%s: year filter: %r' % (who, y))
        f = ids(web.req('GET', '/captures?flag=cla').text)
        check(f == ({caps['22PatelR']['id']} if flags else ids(q)),
              '%s: flag filter (ignored without the flags): %r' % (who, f))
    t = head.req('GET', '/pupils/%s/24newp' % SCHOOL.replace(' ', '%20')).text
    check('left the school' in t, 'a leaver says so on the timeline')
    c.caps = caps


@group
def report_by_year_group(c):
    head = Web(c.srv)
    head.login('head')
    r = expect(head.req('GET', '/reports/%s/2026-W48' % SCHOOL.replace(' ', '%20')), 200, 'report')
    m = re.search(r'<table id="by-year">(.*?)</table>', r.text, re.S)
    check(m, 'a table by year group: %s' % r.text[-2000:])
    rows = re.findall(r'<tr><td>([^<]*)</td><td>(\d+)</td><td>(\d+)</td></tr>', m.group(1))
    check(rows == [('Year 7', '0', '2'), ('Year 9', '0', '1'), ('not on the roster', '0', '1')],
          'year groups in order, leavers under their year, others last: %r' % rows)
    pdf = expect(head.req('GET', '/reports/%s/2026-W48?format=pdf' % SCHOOL.replace(' ', '%20')),
                 200, 'report PDF').body
    if shutil.which('pdftotext'):
        txt = subprocess.run(['pdftotext', '-', '-'], input=pdf, capture_output=True).stdout
        check(b'By year group' in txt and b'not on the roster' in txt, 'the PDF has it too')


@group
def flag_threshold_alerts(c):
    srv = c.srv
    p = srv.admin('school', 'alerts', SCHOOL, '--flags', 'CP,XX', '--flag-threshold', '3',
                  check_ok=False)
    check(p.returncode == 2 and '--flags' in p.stderr, 'a bad flag refused: %r' % p.stderr)
    srv.admin('school', 'alerts', SCHOOL, '--contact', 'dsl@school.example', '--threshold', '5',
              '--flag-threshold', '3', '--flags', 'cp,CLA')
    token = srv.enrol(c.key, 'LAB1-PC08')

    def alerted(user, severity):
        rec = upload(srv, token, user=user, time='2026-11-30T10:00:00Z',
                     reason={'category': 'bullying', 'severity': severity, 'phrase': 'loser',
                             'matched': 'loser', 'rule': 'bullying.txt:3'})
        return int(srv.sql("SELECT count(*) FROM alerts WHERE capture_id = '%s'" % rec['id'])[0][0])
    check(alerted('22PatelR', 3) == 1, 'a CP/CLA pupil alerts from severity 3')
    check(alerted('22PatelR', 2) == 0, 'not below it')
    check(alerted('23okoyea', 3) == 0, 'a pupil without those flags alerts from the threshold')
    check(alerted('ghost1', 4) == 0, 'nor one not on the roster')
    check(alerted('jsmith', 5) == 1, 'the school threshold still holds')
    # The settings replaced without the rule: back to the threshold alone.
    srv.admin('school', 'alerts', SCHOOL, '--contact', 'dsl@school.example', '--threshold', '5')
    check(alerted('22PatelR', 4) == 0, 'the rule is gone')


@group
def case_record_and_export(c):
    srv, cid = c.srv, c.caps['22PatelR']['id']
    head, modr = Web(srv), Web(srv)
    head.login('head')
    modr.login('modr')
    csrf = head.csrf('/captures/' + cid)
    expect(head.req('POST', '/captures/%s/action' % cid, {'action': 'concern', 'csrf': csrf}),
           303, 'concern')
    t = expect(head.req('GET', '/captures/%s/case' % cid), 200, 'case record').text
    check('Riya Patel (22PatelR)' in t and 'Year 9' in t and '9B' in t and 'CLA;CP' in t,
          'the case record names the pupil, groups and flags: %s' % t[:1500])
    t = expect(modr.req('GET', '/captures/%s/case' % cid), 200, 'case record').text
    check('Riya Patel (22PatelR)' in t and 'CLA;CP' not in t, 'no flags without them')
    pdf = expect(head.req('GET', '/captures/%s/case.pdf' % cid), 200, 'case PDF').body
    if shutil.which('pdftotext'):
        txt = subprocess.run(['pdftotext', '-', '-'], input=pdf, capture_output=True).stdout
        check(b'Riya Patel (22PatelR)' in txt and b'CLA;CP' in txt and b'Year 9' in txt,
              'the PDF names the pupil: %r' % txt[:800])
    # Subject access: the roster's entry goes with each capture; erasure removes it.
    out = srv.admin('pupil', 'export', '--school', SCHOOL, '22PatelR').stdout
    lines = [json.loads(line) for line in out.splitlines() if line]
    check(lines and all(x['pupil']['given_name'] == 'Riya' and x['pupil']['flags'] == 'CLA;CP'
                        and x['pupil']['year_group'] == 'Year 9' for x in lines),
          'export carries the roster entry: %r' % [x.get('pupil') for x in lines])
    srv.admin('pupil', 'delete', '--school', SCHOOL, '22PatelR')
    check('22patelr' not in roster(c), 'erasure removes the roster entry')


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, start=False))
