#!/usr/bin/env python3
# test-lists.py: the technicians' phrase-list page and the machines page against the real
# server: line numbers, a refused save that keeps the text and marks its lines, the
# history of saved versions with a diff and an audited rollback through the same check,
# false-positive counts that stay with their phrase when lines move, the served lists by
# number and date and how many machines of each school run them, and the machines page
# with 300 machines: summary, sorting, rooms and filters.
# usage: test-lists.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import base64
import html
import os
import re
import sys
import time

import harness
from harness import BAD_LIST, GOOD_LIST, Web, check, expect, group, upload

INSERTED = '# two lines of notes\n# inserted above the rules\n'


def setup(c):
    c.key_a = c.srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    c.key_b = c.srv.admin('school', 'add', 'Lakeside').stdout.strip()
    harness.add_user(c.srv, 'tech', 'technician')
    harness.add_user(c.srv, 'mod', 'moderator')
    c.tech = Web(c.srv)
    c.tech.login('tech')
    c.mod = Web(c.srv)
    c.mod.login('mod')


def on_disk(c, name):
    with open(os.path.join(c.srv.lists, name)) as f:
        return f.read()


def textarea(page):
    m = re.search(r'<textarea id="list-text"[^>]*>(.*?)</textarea>', page, re.S)
    check(m, 'an editor on the page')
    return html.unescape(m.group(1))


def save(c, name, text, status=200):
    csrf = c.tech.csrf('/wordlists')
    return expect(c.tech.req('POST', '/wordlists', {'csrf': csrf, 'action': 'save', 'file': name,
                                                   'text': text}), status, 'save ' + name)


def versions(page):
    """The history table's rows: (version, by, what)."""
    body = re.search(r'<table id="history">.*?</table>', page, re.S).group(0)
    return [(int(v), html.unescape(by), html.unescape(re.sub('<[^>]+>', '', what)))
            for v, by, what in re.findall(
                r'<tr id="v(\d+)"><td>\d+</td><td>[^<]*</td><td>([^<]*)</td><td>(.*?)</td>', body)]


@group
def line_numbers_and_refusal(c):
    r = expect(c.tech.req('GET', '/wordlists?file=self-harm.txt'), 200, 'the editor')
    for n in (1, 2, 3, 4):
        check('<span id="L%d">%d</span>' % (n, n) in r.text, 'line %d numbered' % n)
    check('<span id="L5">' not in r.text, 'no number past the last line')
    check(textarea(r.text) == GOOD_LIST, 'the file in the editor')
    # A refused save: the technician's text stays, line 4 is marked with its message.
    r = save(c, 'self-harm.txt', BAD_LIST, 400)
    check(textarea(r.text) == BAD_LIST, 'the refused text kept in the editor')
    m = re.search(r'<span id="L4" class="bad" title="([^"]+)">4</span>', r.text)
    check(m and m.group(1).startswith('self-harm.txt:4: '), 'line 4 marked with its message')
    check('data-bad="4"' in r.text and
          'class="band" style="top:59px"><span>unknown severity' in r.text,
          'the line highlighted')
    check(re.search(r'<a href="#L4">self-harm.txt:4: [^<]+</a>', r.text), 'the message links line 4')
    check(on_disk(c, 'self-harm.txt') == GOOD_LIST, 'the file on disk unchanged')
    # A school's technician cannot save under a shared list's name: the text is kept, to
    # be saved under another name.
    harness.add_user(c.srv, 'tech-oak', 'technician', 'Oakridge Primary')
    oak = Web(c.srv)
    oak.login('tech-oak')
    r = oak.req('POST', '/wordlists', {'csrf': oak.csrf('/wordlists'), 'action': 'save',
                                       'file': 'self-harm.txt', 'text': 'my own <words>\n'})
    check(r.status == 403 and '<textarea name="text" rows="6" cols="90" id="new-text">my own '
          '&lt;words&gt;\n</textarea>' in r.text, 'the refused text kept: %d' % r.status)
    # A refused new file keeps its text too.
    r = save(c, 'new.txt', BAD_LIST.replace('bullying', 'newcat'), 400)
    check(textarea(r.text) == BAD_LIST.replace('bullying', 'newcat'), 'a refused new file kept')
    check(not os.path.exists(os.path.join(c.srv.lists, 'new.txt')), 'new file not written')


@group
def history_diff_rollback(c):
    v1 = GOOD_LIST + 'no reason to live\n'
    v2 = v1.replace('end my life\n', 'end it all\n')
    save(c, 'self-harm.txt', v1)
    r = save(c, 'self-harm.txt', v2)
    rows = versions(r.text)
    check([(by, what) for _, by, what in rows] ==
          [('tech', 'saved'), ('tech', 'saved'), ('(on disk)', 'the text before the first save here')],
          'history: two saves and the text before them: %r' % rows)
    first = rows[-1][0]
    # The diff of the original against the list now: one line changed, one added.
    r = expect(c.tech.req('GET', '/wordlists?file=self-harm.txt&diff=%d' % first), 200, 'diff')
    check('<p id="diff-summary">1 line removed, 2 lines added.</p>' in r.text, 'diff summary')
    check(re.search(r'<tr class="del"><td class="ln">4</td><td class="ln"></td><td>- end my life</td>',
                    r.text), 'the removed line, with its old number')
    check(re.search(r'<tr class="add"><td class="ln"></td><td class="ln">4</td><td>\+ end it all</td>',
                    r.text), 'the added line, with its new number')
    check(re.search(r'<tr class="add"><td class="ln"></td><td class="ln">5</td><td>\+ no reason to '
                    r'live</td>', r.text), 'the other added line')
    r = expect(c.tech.req('GET', '/wordlists?file=self-harm.txt&diff=%d' % rows[0][0]), 200, 'diff')
    check('No change: the list now is that version.' in r.text, 'the newest version is the list now')
    # Rollback to the original: the file, the history and the audit log say so.
    csrf = c.tech.csrf('/wordlists')
    r = expect(c.tech.req('POST', '/wordlists', {'csrf': csrf, 'action': 'rollback',
                                                 'file': 'self-harm.txt', 'version': str(first)}),
               200, 'rollback')
    check('Rolled back self-harm.txt to version %d' % first in r.text, 'rollback outcome')
    check(on_disk(c, 'self-harm.txt') == GOOD_LIST, 'the old text restored on disk')
    check(textarea(r.text) == GOOD_LIST, 'the old text in the editor')
    check(versions(r.text)[0][1:] == ('tech', 'rolled back to version %d' % first), 'history says so')
    audit = c.srv.sql("SELECT login, action, detail FROM audit WHERE action LIKE 'wordlist%' ORDER BY id")
    check(['tech', 'wordlist-rollback', 'self-harm.txt to version %d' % first] in audit,
          'the rollback audited: %r' % audit)
    # Changes through the API are in the history too, under the technician's name; a
    # deletion is shown and is not rolled back to.
    auth = {'Authorization': 'Basic ' + base64.b64encode(b'tech:' + harness.PASSWORD.encode()).decode()}
    expect(c.srv.request('PUT', '/api/v1/wordlists/api.txt', '@category api\nfrom a script\n',
                         headers=auth), 200, 'PUT')
    expect(c.srv.request('DELETE', '/api/v1/wordlists/api.txt', headers=auth), 200, 'DELETE')
    r = expect(c.tech.req('GET', '/wordlists?file=api.txt&diff=1'), 200, 'a deleted file')
    r = expect(c.tech.req('GET', '/wordlists?file=self-harm.txt'), 200, 'editor')
    rows = c.srv.sql("SELECT author, action, CASE WHEN body IS NULL THEN 'none' ELSE body END "
                     "= '@category api' || char(10) || 'from a script' || char(10) "
                     "FROM list_versions WHERE file = 'api.txt' ORDER BY id".replace(
                         'char(10)', 'chr(10)' if c.backend == 'pg' else 'char(10)'))
    check([r[:2] for r in rows] == [['tech', 'save'], ['tech', 'delete']] and
          rows[0][2] in ('1', 't') and rows[1][2] in ('0', 'f'), 'API changes kept: %r' % rows)
    deleted = c.srv.sql("SELECT id FROM list_versions WHERE file = 'api.txt' AND action = 'delete'")[0][0]
    r = c.tech.req('POST', '/wordlists', {'csrf': csrf, 'action': 'rollback', 'file': 'api.txt',
                                          'version': deleted})
    check(r.status == 409 and 'the deletion of the file' in r.text, 'no rollback to a deletion')
    saved = c.srv.sql("SELECT id FROM list_versions WHERE file = 'api.txt' AND action = 'save'")[0][0]
    r = expect(c.tech.req('POST', '/wordlists', {'csrf': csrf, 'action': 'rollback', 'file': 'api.txt',
                                                 'version': saved}), 200, 'rollback of a deleted file')
    check(on_disk(c, 'api.txt') == '@category api\nfrom a script\n', 'a deleted file brought back')
    # A version of another file, or none, is not rolled back to.
    r = c.tech.req('POST', '/wordlists', {'csrf': csrf, 'action': 'rollback', 'file': 'other.txt',
                                          'version': str(first)})
    check(r.status == 404 and on_disk(c, 'self-harm.txt') == GOOD_LIST, 'no such version: 404')
    # A rollback goes through the same check as a save: a version that includes a file
    # since removed is refused, and the list on disk stays.
    with open(os.path.join(c.srv.lists, 'extra.inc'), 'w') as f:
        f.write('@class pets: dog, cat\n')
    harness.give(os.path.join(c.srv.lists, 'extra.inc'))
    save(c, 'z.txt', '@include extra.inc\n@category z\n@severity 2\nhate my {pets}\n')
    r = save(c, 'z.txt', '@category z\n@severity 2\nhate my dog\n')
    with_include = versions(r.text)[1][0]
    os.unlink(os.path.join(c.srv.lists, 'extra.inc'))
    r = c.tech.req('POST', '/wordlists', {'csrf': csrf, 'action': 'rollback', 'file': 'z.txt',
                                          'version': str(with_include)})
    check(r.status == 400 and 'z.txt:1' in r.text, 'rollback refused with FILE:LINE: %d' % r.status)
    check(textarea(r.text).startswith('@include extra.inc'), 'the refused version in the editor')
    check(on_disk(c, 'z.txt') == '@category z\n@severity 2\nhate my dog\n', 'z.txt unchanged')
    audit = c.srv.sql("SELECT action FROM audit WHERE action = 'wordlist-rollback-refused'")
    check(len(audit) == 1, 'the refused rollback audited')


def rule_row(page, phrase):
    table = re.search(r'<table id="rules">.*?</table>', page, re.S).group(0)
    for row in re.findall(r'<tr><td>((?:(?!</tr>).)*?)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>',
                          table):
        if '\u201c%s\u201d' % phrase in row[0]:
            return row
    return None


@group
def fp_counts_follow_the_phrase(c):
    tok = c.srv.enrol(c.key_a, 'FP-PC01')
    reason = {'category': 'self-harm', 'severity': 5, 'phrase': 'kill myself',
              'matched': 'kill myself', 'rule': 'self-harm.txt:3'}
    ids = [upload(c.srv, tok, time='2026-11-2%dT10:00:00Z' % d, reason=reason)['id'] for d in (3, 4)]
    csrf = c.mod.csrf('/captures/' + ids[0])
    expect(c.mod.req('POST', '/captures/%s/action' % ids[0],
                     {'csrf': csrf, 'action': 'false-positive', 'text': 'a film plot'}), 303, 'fp')
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    row = rule_row(r.text, 'kill myself')
    check(row and 'href="/wordlists?file=self-harm.txt#L3"' in row[0] and row[1:] == ('2', '1', '0'),
          'the rule by phrase, linked to line 3: %r' % (row,))
    # A decision after the counts were shown counts at once.
    expect(c.mod.req('POST', '/captures/%s/action' % ids[1], {'csrf': csrf, 'action': 'concern'}),
           303, 'concern')
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    check(rule_row(r.text, 'kill myself')[1:] == ('2', '1', '1'), 'the concern counted')
    # Two lines inserted above: the same counts, now at line 5; a capture matched with
    # the new lists (rule line 5) counts with them.
    save(c, 'self-harm.txt', INSERTED + GOOD_LIST)
    upload(c.srv, tok, time='2026-11-25T10:00:00Z', reason=dict(reason, rule='self-harm.txt:5'))
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    row = rule_row(r.text, 'kill myself')
    check(row and 'href="/wordlists?file=self-harm.txt#L5"' in row[0] and row[1:] == ('3', '1', '1'),
          'the counts stay with the phrase, now at line 5: %r' % (row,))
    check(len(re.findall('\u201ckill myself\u201d', r.text)) == 1, 'one row for the phrase')
    r = expect(c.tech.req('GET', '/wordlists?file=self-harm.txt'), 200, 'editor')
    check('<span id="L5">5</span>' in r.text and textarea(r.text).split('\n')[4] == 'kill myself = 5',
          'line 5 of the editor is the rule')
    # A phrase taken out of the lists keeps its counts and says so.
    save(c, 'self-harm.txt', INSERTED + GOOD_LIST.replace('kill myself = 5\n', ''))
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    row = rule_row(r.text, 'kill myself')
    check(row and 'no longer in the lists' in row[0] and 'href' not in row[0], 'gone: %r' % (row,))
    # A rule of a list the technician does not have (a school's own) is not called gone.
    upload(c.srv, tok, time='2026-11-26T10:00:00Z',
           reason=dict(reason, phrase='our own phrase', rule='oak-own.txt:2'))
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    row = rule_row(r.text, 'our own phrase')
    check(row and 'its file is not among these lists' in row[0] and row[0].startswith('oak-own.txt:2'),
          'a school list\'s rule: %r' % (row,))
    save(c, 'self-harm.txt', GOOD_LIST)


def etag_of(c, tok):
    r = expect(c.srv.request('GET', '/api/v1/wordlists', token=tok), 200, 'bundle')
    return r.headers['etag'].strip('"')


def heartbeat(c, tok, lists, sessions=None):
    body = {'version': '0.1.0', 'wordlists': lists, 'spooled': 0, 'dropped': 0}
    if sessions is not None:
        body['sessions'] = sessions
    expect(c.srv.request('POST', '/api/v1/heartbeat', body, token=tok), 204, 'heartbeat')


def served_row(page, school):
    m = re.search(r'<tr><td>%s</td><td>(.*?)</td><td>(\d+)</td><td class="(\w+)">(.*?)</td></tr>'
                  % re.escape(school), page)
    check(m, 'a served row for ' + school)
    return m.group(1), int(m.group(2)), re.sub('<[^>]+>', '', m.group(4))


@group
def served_version_per_school(c):
    ta, tb = c.srv.enrol(c.key_a, 'SV-A1'), c.srv.enrol(c.key_a, 'SV-A2')
    tc = c.srv.enrol(c.key_b, 'SV-B1')
    current = etag_of(c, ta)
    heartbeat(c, ta, current)
    heartbeat(c, tb, '0123456789abcdef0123456789abcdef')
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    m = re.search(r'<p id="served-now">Served to machines now: <span class="lists-version" '
                  r'title="([0-9a-f]{32})">version (\d+) of (\d{4}-\d\d-\d\d \d\d:\d\d)</span>', r.text)
    check(m and m.group(1) == current, 'the served version by number and date')
    number = int(m.group(2))
    label, machines, runs = served_row(r.text, 'Oakridge Primary')
    check('version %d of' % number in label and current not in re.sub('<[^>]+>', '', label),
          'a number, not the digits: %r' % label)
    # Oakridge's machines of earlier groups never sent a heartbeat.
    n_a = int(c.srv.sql("SELECT count(*) FROM machines m JOIN schools s ON s.id = m.school_id "
                        "WHERE s.name = 'Oakridge Primary'")[0][0])
    silent = {0: '', 1: '; 1 has not reported yet'}.get(n_a - 2, '; %d have not reported yet' % (n_a - 2))
    check(machines == n_a and runs == '1 of %d; 1 runs other lists%s' % (n_a, silent),
          'Oakridge: %r' % runs)
    check(served_row(r.text, 'Lakeside')[2] == '0 of 1; 1 has not reported yet', 'Lakeside')
    heartbeat(c, tc, current)
    r = expect(c.tech.req('GET', '/machines'), 200, 'machines page')
    check(served_row(r.text, 'Lakeside')[2] == '1 of 1', 'Lakeside on the served lists')
    m = re.search(r'<td class="name">SV-A1</td>.*?<td class="lists ok">(.*?)</td>', r.text)
    check(m and 'version %d of' % number in m.group(1) and '(served)' in m.group(1),
          'machines page: the served lists by number')
    m = re.search(r'<td class="name">SV-A2</td>.*?<td class="lists error">(.*?)</td>', r.text)
    check(m and 'lists 01234567 (not served by this server)' in m.group(1), 'unknown lists: %r' % (m and m.group(1)))
    # A save serves a new version, numbered after the last; the machines are now behind.
    save(c, 'self-harm.txt', GOOD_LIST + 'want to disappear\n')
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    m = re.search(r'<p id="served-now">Served to machines now: <span class="lists-version" '
                  r'title="[0-9a-f]{32}">version (\d+) of ', r.text)
    check(m and int(m.group(1)) > number, 'the new version has a later number')
    check(served_row(r.text, 'Lakeside')[2] == '0 of 1; 1 runs other lists', 'Lakeside behind now')
    heartbeat(c, tc, etag_of(c, tc))
    r = expect(c.tech.req('GET', '/wordlists'), 200, 'lists page')
    check(served_row(r.text, 'Lakeside')[2] == '1 of 1', 'Lakeside caught up')
    # Lists a machine fetched, changed again (by a script) before any page was seen,
    # still read as a number.
    auth = {'Authorization': 'Basic ' + base64.b64encode(b'tech:' + harness.PASSWORD.encode()).decode()}
    expect(c.srv.request('PUT', '/api/v1/wordlists/self-harm.txt', GOOD_LIST + 'cannot go on\n',
                         headers=auth), 200, 'PUT')
    fetched = etag_of(c, tc)
    expect(c.srv.request('PUT', '/api/v1/wordlists/self-harm.txt', GOOD_LIST, headers=auth), 200, 'PUT')
    heartbeat(c, tc, fetched)
    r = expect(c.tech.req('GET', '/machines'), 200, 'machines page')
    m = re.search(r'<td class="name">SV-B1</td>.*?<td class="lists error"><span class="lists-version" '
                  r'title="%s">version \d+ of ' % fetched, r.text)
    check(m, 'the lists it fetched, by number')


def names(page):
    return re.findall(r'<td class="name">([^<]+)</td>', page)


@group
def machines_page_at_300(c):
    key = c.srv.admin('school', 'add', 'Hillside Academy').stdout.strip()
    harness.add_user(c.srv, 'tech-h', 'technician', 'Hillside Academy')
    t = Web(c.srv)
    t.login('tech-h')
    served = None
    all_names = ['LAB%d-PC%02d' % (room, pc) for room in range(1, 11) for pc in range(1, 31)]
    for i, name in enumerate(all_names):
        tok = c.srv.enrol(key, name)
        served = served or etag_of(c, tok)
        if i % 30 == 29:
            continue  # the last PC of each room never sends a heartbeat
        unmon = [{'display': ':0', 'user': 'p%d' % i, 'type': 'x11', 'monitored': False,
                  'restarts_1h': 1}] if name.startswith('LAB3-') and i % 30 < 2 else []
        heartbeat(c, tok, served if i % 3 else 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', unmon)
    # LAB2's first five went silent an hour ago.
    c.srv.sql("UPDATE machines SET last_seen = last_seen - 3600000 WHERE name IN (%s)" %
              ','.join("'LAB2-PC%02d'" % n for n in range(1, 6)))
    t0 = time.time()
    r = expect(t.req('GET', '/machines'), 200, 'machines page')
    took = time.time() - t0
    print('  machines page with 300 machines: %.1f ms, %d kB' % (took * 1000, len(r.body) // 1024))
    summary = re.sub('<[^>]+>', '', re.search(r'<p id="summary">(.*?)</p>', r.text).group(1))
    live = 290
    on_served = sum(1 for i in range(300) if i % 30 != 29 and i % 3)
    check(summary == '300 machines: 285 online, 5 offline, 10 never seen; %d of 300 on the '
          'served lists; 2 unmonitored sessions on 2 machines' % on_served,
          'summary: %r' % summary)
    check(live == 285 + 5, 'arithmetic')
    check(names(r.text) == sorted(all_names), 'sorted by name, every machine')
    check(len(re.findall(r'<tr class="room-head">', r.text)) == 10, 'ten rooms')
    check('<tbody class="room" id="room-LAB1"><tr class="room-head"><th colspan="9">LAB1: 30 machines, '
          '29 online</th>' in r.text, 'a room with its machines: ' +
          re.search(r'<tbody class="room" id="room-LAB1">.{0,200}', r.text).group(0))
    check('LAB2: 30 machines, 24 online, <span class="error">5 offline</span>' in r.text,
          'a room with offline machines')
    check('LAB3: 30 machines, 29 online, <span class="error">2 unmonitored sessions</span>' in r.text,
          'a room with unmonitored sessions')
    check('<a href="#room-LAB10">LAB10</a> (30)' in r.text, 'the rooms index')
    check('Hillside' not in r.text or 'Oakridge' not in r.text, 'a school technician sees their school')
    # Sorting: by name the other way, by last heartbeat, by lists, by agent version.
    r = expect(t.req('GET', '/machines?sort=name&dir=desc&group=none'), 200, 'sorted desc')
    check(names(r.text) == sorted(all_names, reverse=True), 'by name, descending, flat')
    check('<tr class="room-head">' not in r.text, 'not grouped')
    r = expect(t.req('GET', '/machines?sort=seen&group=none'), 200, 'by last heartbeat')
    got = names(r.text)
    check(set(got[:10]) == {n for i, n in enumerate(all_names) if i % 30 == 29} and
          set(got[10:15]) == {'LAB2-PC%02d' % n for n in range(1, 6)}, 'never seen, then silent first')
    r = expect(t.req('GET', '/machines?sort=lists&group=none'), 200, 'by lists')
    got = names(r.text)
    check(all('lists ok' in row for row in re.findall(r'<tr class="\w+">.*?</tr>', r.text)[:on_served]),
          'the machines on the served lists first')
    check(len(got) == 300, 'all 300')
    # Filters: by name, state, and both; rooms follow.
    r = expect(t.req('GET', '/machines?q=lab4-'), 200, 'filter by name')
    check(names(r.text) == [n for n in all_names if n.startswith('LAB4-')], 'LAB4 only')
    check('Showing 30 of 300 machines.' in r.text, 'says how many are shown')
    r = expect(t.req('GET', '/machines?state=offline'), 200, 'offline')
    check(names(r.text) == ['LAB2-PC%02d' % n for n in range(1, 6)], 'the offline ones')
    r = expect(t.req('GET', '/machines?state=never-seen&q=LAB1'), 200, 'never seen in LAB1')
    check(names(r.text) == ['LAB1-PC30', 'LAB10-PC30'], 'never seen, name contains LAB1: %r' % names(r.text))
    r = expect(t.req('GET', '/machines?state=unmonitored'), 200, 'unmonitored')
    check(names(r.text) == ['LAB3-PC01', 'LAB3-PC02'], 'the unmonitored ones')
    r = expect(t.req('GET', '/machines?state=other-lists&q=LAB5'), 200, 'other lists')
    check(names(r.text) == [n for i, n in enumerate(all_names)
                            if n.startswith('LAB5') and (i % 3 == 0 or i % 30 == 29)], 'other lists')
    r = expect(t.req('GET', '/machines?q=nothing-like-this'), 200, 'no match')
    check('No machine matches.' in r.text, 'says none match')
    # A technician of every school filters by school.
    r = expect(c.tech.req('GET', '/machines?school=Lakeside'), 200, 'by school')
    check(names(r.text) == ['SV-B1'], 'Lakeside only: %r' % names(r.text))


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup))
