#!/usr/bin/env python3
# test-web-hits.py: every hit of a capture keeps its evidence on the web pages and in the
# case record: a self-harm capture whose grooming hit came from the clipboard a moment
# later, with words of its own and a later frame. The capture page shows the grooming
# words beside "clipboard" and the frame with its time; /captures/<id>/frames/<n> serves
# the frame to those who may see the capture (404 otherwise, 410 once hidden); the queue
# and the pupil's timeline name every category and source; the case record (text and
# PDF) holds the grooming words and every frame; a record without the new fields shows
# as before.
# usage: test-web-hits.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import harness
from harness import EVIDENCE_GROOMING as GROOMING
from harness import Web, check, evidence_record, expect, group, upload

def setup(c):
    """Two schools; in Oakridge a capture with the new fields (c.rec, its frame c.frame)
    and one without (c.old); the moderator and Lakeside's headteacher signed in."""
    c.key_a = c.srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
    c.key_b = c.srv.admin('school', 'add', 'Lakeside').stdout.strip()
    c.tok_a = c.srv.enrol(c.key_a, 'LAB1-PC07')
    harness.add_user(c.srv, 'mod', 'moderator')
    harness.add_user(c.srv, 'head-b', 'headteacher', 'Lakeside')
    c.frame, over = evidence_record('jsmith')
    c.rec = upload(c.srv, c.tok_a, **over)
    c.old = upload(c.srv, c.tok_a, user='amy', time='2026-11-24T10:00:00Z')
    c.mod = Web(c.srv)
    c.mod.login('mod')
    c.head_b = Web(c.srv)
    c.head_b.login('head-b')


@group
def stored_with_evidence(c):
    # The contract's fields reach the stored record (the pages read it).
    got = [r for r in c.srv.export() if r['id'] == c.rec['id']]
    check(len(got) == 1, 'the capture is exported')
    hits = got[0].get('hits', [])
    check(len(hits) == 2 and hits[1].get('context') == GROOMING
          and hits[1].get('source') == 'clipboard' and hits[1].get('frame') == 1,
          'the hits keep their own evidence: %r' % hits)
    frames = got[0].get('frames', [])
    check(len(frames) == 1 and frames[0]['sha256'] == hashlib.sha256(c.frame).hexdigest()
          and 'data' not in frames[0], 'the frame is stored without its data: %r' % frames)


@group
def capture_page(c):
    r = expect(c.mod.req('GET', '/captures/' + c.rec['id']), 200, 'capture page')
    # The capture's context as before, its own hit marked.
    check('<q id="context">i just want to <mark>k1ll mys3lf</mark> tonight</q>' in r.text,
          'the capture context, marked: ' + r.text[r.text.find('id="context"'):][:200])
    # The grooming hit: beside "clipboard", its own words with its words marked, escaped.
    words = ('<q class="hit-context"><mark>dont tell your parents</mark> about our '
             '&lt;b&gt;chats&lt;/b&gt; ok</q>')
    hit = r.text[r.text.find('<span class="src">clipboard</span> grooming 5'):]
    check(hit.startswith('<span class="src">clipboard</span> grooming 5: dont tell your parents'),
          'the grooming hit beside its source: ' + r.text[r.text.find('<h2>Hits'):][:900])
    check(words in hit[:hit.find('</li>')], 'its own words, marked and escaped: ' + hit[:600])
    check('on screenshot 2, 09:14:05' in hit[:hit.find('</li>')],
          'the grooming hit says which frame shows it: ' + hit[:600])
    check('<b>chats' not in r.text, 'own words escaped')
    check('<span class="src">typed</span> self-harm 5: kill myself' in r.text,
          'the self-harm hit beside its source')
    # Every frame shown with its time, each served at its address.
    check('src="/captures/%s/image"' % c.rec['id'] in r.text, 'the screenshot shown')
    check('src="/captures/%s/frames/1"' % c.rec['id'] in r.text, 'the frame shown')
    check('Screenshot 2, 09:14:05 UTC' in r.text, 'the frame with its time')
    check('/frames/2' not in r.text, 'no frame that does not exist')


@group
def frame_route(c):
    base = '/captures/%s/' % c.rec['id']
    r = expect(c.mod.req('GET', base + 'frames/1'), 200, 'the frame')
    check(r.headers.get('content-type') == 'image/png', 'a PNG: %r' % r.headers)
    check(hashlib.sha256(r.body).hexdigest() == hashlib.sha256(c.frame).hexdigest(),
          'the frame\'s bytes')
    r = expect(c.mod.req('GET', base + 'image'), 200, 'the screenshot')
    check(r.body != c.frame, 'the screenshot is not the frame')
    for path in ('frames/2', 'frames/0', 'frames/-1', 'frames/x', 'frames/', 'frames/1/x'):
        expect(c.mod.req('GET', base + path), 404, 'no ' + path)
    expect(c.mod.req('GET', '/captures/%s/frames/1' % c.old['id']), 404,
           'a record without frames has none')
    # A headteacher of another school: 404, as for the screenshot.
    for path in ('frames/1', 'frames/2', 'image', ''):
        expect(c.head_b.req('GET', base + path), 404, 'another school: ' + path)
    expect(Web(c.srv).req('GET', base + 'frames/1'), 303, 'signed out: to the sign-in')


@group
def queue_and_timeline(c):
    r = expect(c.mod.req('GET', '/captures?status=all'), 200, 'queue')
    row = r.text[r.text.find(c.rec['id'] + '">'):]
    row = row[:row.find('</tr>')]
    check(row.startswith(c.rec['id'] + '">self-harm, grooming</a>'),
          'the queue names every category: ' + row[:200])
    check('<span class="src">clipboard</span> grooming 5: dont tell your parents' in row,
          'the queue gives each hit\'s source: ' + row)
    check('<span class="src">typed</span> self-harm 5' in row, 'and the typed hit\'s')
    old = r.text[r.text.find(c.old['id'] + '">'):]
    check(old.startswith(c.old['id'] + '">self-harm</a>'), 'an old record: its reason')
    r = expect(c.mod.req('GET', '/pupils/Oakridge%20Primary/jsmith'), 200, 'timeline')
    row = r.text[r.text.find('<tbody>'):]
    row = row[:row.find('</tr>')]
    check('<td>self-harm, grooming</td>' in row and '<td>typed, clipboard</td>' in row,
          'the timeline names every category and source: ' + row)


def pdf_text(pdf):
    d = tempfile.mkdtemp(prefix='vigil-case-')
    try:
        path = os.path.join(d, 'case.pdf')
        with open(path, 'wb') as f:
            f.write(pdf)
        text = subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True,
                              check=True).stdout
        images = subprocess.run(['pdfimages', '-list', path], capture_output=True, text=True,
                                check=True).stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return text, len(images.splitlines()[2:])


@group
def case_record(c):
    if not shutil.which('pdftotext') or not shutil.which('pdfimages'):
        raise harness.Skip('poppler-utils (pdftotext, pdfimages) missing')
    cid = c.rec['id']
    csrf = c.mod.csrf('/captures/' + cid)
    expect(c.mod.req('POST', '/captures/%s/action' % cid, {'action': 'concern', 'csrf': csrf}),
           303, 'confirm')
    r = expect(c.mod.req('GET', '/captures/%s/case' % cid), 200, 'case record')
    text = r.text[r.text.find('Hits:'):]
    check('Source: clipboard; on screenshot 2, 2026-11-23 09:14:05 UTC; its own context: '
          '\u201cdont tell your parents about our &lt;b&gt;chats&lt;/b&gt; ok\u201d' in text,
          'the case record gives the grooming hit\'s evidence: ' + text[:900])
    check('Source: typed; on screenshot 1, 2026-11-23 09:14:03 UTC\n' in text,
          'and the typed hit\'s')
    check('screenshot 2, 2026-11-23 09:14:05 UTC' in text[text.find('Screenshots (2)'):],
          'every frame listed with its time')
    r = expect(c.mod.req('GET', '/captures/%s/case.pdf' % cid), 200, 'case PDF')
    text, images = pdf_text(r.body)
    flat = ' '.join(text.split())
    check('dont tell your parents about our <b>chats</b> ok' in flat and 'clipboard' in flat,
          'the PDF holds the grooming words and source: ' + flat[:1500])
    check('Screenshot 2, 2026-11-23 09:14:05 UTC' in flat, 'the PDF names the frame')
    check(images == 2, 'the PDF shows the screenshot and the frame: %d images' % images)


@group
def old_record(c):
    r = expect(c.mod.req('GET', '/captures/' + c.old['id']), 200, 'an old capture')
    check('<q id="context">i just want to <mark>k1ll mys3lf</mark> tonight</q>' in r.text,
          'its context marked as before')
    check('<h2>Screenshot</h2>' in r.text and 'class="hit-context"' not in r.text
          and '/frames/' not in r.text and 'on screenshot' not in r.text,
          'one screenshot, no frames, no words of its own')
    check('self-harm 5: kill myself <span class="rule">(self-harm.txt:12)</span></li>' in r.text,
          'its reason as its one hit')
    csrf = c.mod.csrf('/captures/' + c.old['id'])
    expect(c.mod.req('POST', '/captures/%s/action' % c.old['id'],
                     {'action': 'escalate', 'csrf': csrf}), 303, 'escalate')
    r = expect(c.mod.req('GET', '/captures/%s/case' % c.old['id']), 200, 'its case record')
    check('Source: typed\n' in r.text and 'Screenshot (1)' in r.text,
          'its case record: ' + r.text[r.text.find('Hits:'):][:600])


@group
def hidden_frames(c):
    # Hiding the screenshot hides the capture's frames too: 410, and no page shows them.
    frame, over = evidence_record('kim')
    rec = upload(c.srv, c.tok_a, **over)
    base = '/captures/%s/' % rec['id']
    expect(c.mod.req('GET', base + 'frames/1'), 200, 'the frame before')
    csrf = c.mod.csrf(base[:-1])
    expect(c.mod.req('POST', base + 'action', {'csrf': csrf, 'action': 'hide-image',
                                               'text': 'referred to police, ref 7',
                                               'confirm': 'yes'}),
           303, 'hide image')
    expect(c.mod.req('GET', base + 'frames/1'), 410, 'the frame hidden')
    expect(c.mod.req('GET', base + 'frames/2'), 404, 'a frame that does not exist')
    r = expect(c.mod.req('GET', base[:-1]), 200, 'the page')
    check('/frames/' not in r.text and 'id="image-hidden"' in r.text, 'no frame shown')
    expect(c.head_b.req('GET', base + 'frames/1'), 404, 'another school')
    # Nor does the case record: it lists both screenshots as hidden and draws neither.
    csrf = c.mod.csrf(base[:-1])
    expect(c.mod.req('POST', base + 'action', {'action': 'concern', 'csrf': csrf}), 303,
           'confirm')
    r = expect(c.mod.req('GET', base + 'case'), 200, 'case record')
    check('Screenshots (2): hidden' in r.text, 'the case record says they are hidden')
    if shutil.which('pdftotext') and shutil.which('pdfimages'):
        text, images = pdf_text(expect(c.mod.req('GET', base + 'case.pdf'), 200, 'PDF').body)
        flat = ' '.join(text.split())
        check(images == 0, 'no image in the PDF: %d' % images)
        check('Screenshot 2, 2026-11-23 09:14:05 UTC: hidden (possible child abuse material; '
              'referred), not included.' in flat, 'the PDF says the frame is hidden: ' + flat)


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup))
