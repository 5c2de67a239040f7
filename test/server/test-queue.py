#!/usr/bin/env python3
# test-queue.py: the moderation queue as a moderator uses it: filters that ignore case
# (school and category chosen from lists of what the user may see, a pupil by part of the
# login or the start of a name, a machine by part of its name), severity at least, the
# search of the words of every hit (q), counts in words ("1 capture matches"), each
# user's default view (saved, opened, cleared, audited), and the thumbnail of the focused
# window ("window.rect": validated, naming the field, and cropped to). Both back ends.
import re
import struct
import sys
import urllib.parse
import zlib

import harness
from harness import Failure, Web, check, expect, group, record, upload

OAK, LAKE = 'Oakridge Primary', 'Lakeside'
ROSTER = ('login,given_name,family_name,preferred_name,year_group,reg_group,flags\n'
          'jsmith,Jonathan,Smith,Jon,Year 7,7A,\n'
          'amy.k,Amy,Khan,,Year 8,8B,\n')


def hit(category, severity, matched, **extra):
    h = {'category': category, 'severity': severity, 'phrase': matched, 'rule': category + '.txt:1',
         'matched': matched, 'start': None, 'end': None}
    h.update(extra)
    return h


def setup(c):
    srv = c.srv
    key_a = srv.admin('school', 'add', OAK).stdout.strip()
    key_b = srv.admin('school', 'add', LAKE).stdout.strip()
    c.tok_a, c.tok_b = srv.enrol(key_a, 'LAB1-PC07'), srv.enrol(key_b, 'B-PC01')
    path = srv.root + '/roster.csv'
    with open(path, 'w') as f:
        f.write(ROSTER)
    harness.give(path)
    srv.admin('roster', 'import', '--school', OAK, path)
    harness.add_user(srv, 'mod')
    harness.add_user(srv, 'mod2')
    harness.add_user(srv, 'head-a', role='headteacher', school=OAK)
    c.ids = {}

    def up(name, tok, **over):
        c.ids[name] = upload(srv, tok, **over)['id']

    up('a_self', c.tok_a, user='jsmith', time='2026-11-23T09:00:00Z')
    up('a_bully', c.tok_a, user='amy.k', time='2026-11-23T10:00:00Z',
       reason={'category': 'bullying', 'severity': 3, 'phrase': 'loser', 'matched': 'loser',
               'rule': 'bullying.txt:3'}, context='you are such a loser',
       hits=[hit('bullying', 3, 'loser', start=15, end=20),
             hit('bullying', 2, 'idiot', context='an IDIOT and a fool', start=3, end=8)])
    up('a_other', c.tok_a, user='jsmithson', time='2026-11-23T11:00:00Z',
       reason={'category': 'weapons', 'severity': 2, 'phrase': 'knife', 'matched': 'knife',
               'rule': 'weapons.txt:1'}, context='got 50% on the knife quiz')
    up('b_self', c.tok_b, user='jsmith', time='2026-11-23T12:00:00Z',
       reason={'category': 'self-harm', 'severity': 4, 'phrase': 'end my life',
               'matched': 'end my life', 'rule': 'self-harm.txt:2'},
       context='sometimes i want to end my life')
    up('b_groom', c.tok_b, user='Ben', time='2026-11-23T13:00:00Z',
       reason={'category': 'grooming', 'severity': 5, 'phrase': 'dont tell your parents',
               'matched': 'dont tell your parents', 'rule': 'grooming.txt:3'},
       context='see you later',
       hits=[hit('grooming', 5, 'dont tell your parents',
                 context='ok but dont tell your parents about this', start=7, end=29,
                 source='clipboard')])
    c.mod, c.mod2, c.head = Web(srv), Web(srv), Web(srv)
    c.mod.login('mod')
    c.mod2.login('mod2')
    c.head.login('head-a')


def page(web, query, status=200):
    r = expect(web.req('GET', '/captures?' + query), status, 'queue ?' + query)
    return r


def ids(c, web, query):
    """The names (c.ids' keys) of the captures the queue lists for query."""
    found = set(re.findall(r'href="/captures/([0-9a-f-]{36})"', page(web, query).text))
    return {name for name, i in c.ids.items() if i in found}


def want(c, query, names, web=None):
    got = ids(c, web or c.mod, query)
    check(got == set(names), '?%s lists %s, not %s' % (query, sorted(names), sorted(got)))


@group
def filters_ignore_case(c):
    want(c, 'status=all&category=Self-harm', {'a_self', 'b_self'})
    want(c, 'status=all&category=SELF-HARM', {'a_self', 'b_self'})
    want(c, 'status=all&school=oakridge%20primary', {'a_self', 'a_bully', 'a_other'})
    want(c, 'status=all&school=LAKESIDE', {'b_self', 'b_groom'})
    want(c, 'status=ALL&category=grooming&school=lakeside', {'b_groom'})
    # the old addresses still work
    want(c, 'category=self-harm&status=all', {'a_self', 'b_self'})
    want(c, 'school=Lakeside&status=all', {'b_self', 'b_groom'})
    want(c, 'category=bullying', {'a_bully'})  # status new by default


@group
def pupil_and_machine(c):
    want(c, 'status=all&user=jsm', {'a_self', 'a_other', 'b_self'})       # part of a login
    want(c, 'status=all&user=SMITH', {'a_self', 'a_other', 'b_self'})
    want(c, 'status=all&user=jsmith', {'a_self', 'a_other', 'b_self'})
    want(c, 'status=all&user=ben', {'b_groom'})
    want(c, 'status=all&user=jon', {'a_self'})            # the roster's preferred name
    want(c, 'status=all&user=Jonathan%20Sm', {'a_self'})   # given and family name
    want(c, 'status=all&user=khan', {'a_bully'})          # family name
    want(c, 'status=all&user=han', set())                 # names match from their start
    want(c, 'status=all&user=zzz', set())
    want(c, 'status=all&machine=lab1', {'a_self', 'a_bully', 'a_other'})
    want(c, 'status=all&machine=pc01', {'b_self', 'b_groom'})
    want(c, 'status=all&machine=b-pc01&user=JSMITH', {'b_self'})
    # LIKE's wildcards are letters like any other
    want(c, 'status=all&user=j_mith', set())
    want(c, 'status=all&machine=%25', set())


@group
def severity_at_least(c):
    want(c, 'status=all&severity=4', {'a_self', 'b_self', 'b_groom'})
    want(c, 'status=all&severity=5', {'a_self', 'b_groom'})
    want(c, 'status=all&severity=3', {'a_self', 'a_bully', 'b_self', 'b_groom'})
    want(c, 'status=all&severity=1', set(c.ids))
    want(c, 'status=all&severity=3&category=bullying', {'a_bully'})
    want(c, 'status=all&severity=4&category=bullying', set())
    want(c, 'status=all&severity=9', set(c.ids))  # not a severity: no filter


@group
def search_words(c):
    want(c, 'status=all&q=K1LL', {'a_self'})                       # the context
    want(c, 'status=all&q=end%20my%20life', {'b_self'})            # every term
    want(c, 'status=all&q=%22my%20life%22', {'b_self'})            # a quoted phrase
    want(c, 'status=all&q=%22life%20my%22', set())
    want(c, 'status=all&q=idiot', {'a_bully'})          # a hit's matched words
    want(c, 'status=all&q=FOOL', {'a_bully'})           # a hit's own context
    want(c, 'status=all&q=parents', {'b_groom'})
    want(c, 'status=all&q=tonight%20k1ll', {'a_self'})
    want(c, 'status=all&q=tonight%20parents', set())
    want(c, 'status=all&q=50%25', {'a_other'})
    want(c, 'status=all&q=5_%25', set())                # _ and % are not wildcards
    want(c, 'status=all&q=LAB1', set())                 # not the machine
    want(c, 'status=all&q=Untitled', set())             # nor the window title
    want(c, 'status=all&q=k1ll&school=lakeside', set())
    want(c, 'status=all&q=%20%20', set(c.ids))          # only spaces: no search
    r = page(c.mod, 'status=all&q=' + urllib.parse.quote(' '.join(['w%d' % i for i in range(20)])),
             400)
    check('too long' in r.text, 'too many terms is said: %s' % r.text[-300:])
    page(c.mod, 'status=all&user=' + 'x' * 300, 400)


@group
def choices_and_counts(c):
    text = page(c.mod, 'status=all&category=Self-harm').text
    sel = re.search(r'<select name="school">(.*?)</select>', text)
    check(sel and re.findall(r'<option[^>]*>([^<]*)</option>', sel.group(1)) ==
          ['any', LAKE, OAK], 'the school is chosen from the schools: %s' % (sel and sel.group(1)))
    sel = re.search(r'<select name="category">(.*?)</select>', text)
    opts = re.findall(r'<option[^>]*>([^<]*)</option>', sel.group(1)) if sel else []
    check(opts == ['any', 'bullying', 'grooming', 'self-harm', 'weapons'],
          'the category is chosen from the captures\' categories: %s' % opts)
    check('<option value="self-harm" selected>' in sel.group(1),
          'the choice made is selected whatever its case')
    check('2 captures match.' in text, 'plural count: %s' % re.findall(r'<p id="count">.*?</p>', text))
    text = page(c.mod, 'status=all&category=grooming').text
    check('1 capture matches.' in text, 'singular count: %s' % re.findall(r'<p id="count">.*?</p>', text))
    check('1 captures' not in text, 'never "1 captures"')
    text = page(c.mod, 'status=all&q=nothing-has-this').text
    check('No captures match.' in text, 'none')
    # A headteacher of one school chooses no school, and sees only that school's categories.
    text = page(c.head, 'status=all').text
    check('<select name="school">' not in text, 'no school choice for one school')
    sel = re.search(r'<select name="category">(.*?)</select>', text)
    opts = re.findall(r'<option[^>]*>([^<]*)</option>', sel.group(1))
    check(opts == ['any', 'bullying', 'self-harm', 'weapons'], 'the school\'s categories: %s' % opts)
    want(c, 'status=all&school=lakeside', set(), web=c.head)
    want(c, 'status=all&user=jsmith', {'a_self', 'a_other'}, web=c.head)
    # A category no capture has yet stays chosen (an address from before).
    text = page(c.mod, 'status=all&category=extremism').text
    check('<option value="extremism" selected>' in text, 'a chosen category that no capture has')


def view_of(web):
    """Where /captures without filters sends web's user: the Location, or None (the page)."""
    r = web.req('GET', '/captures')
    if r.status == 303:
        return r.headers.get('location')
    expect(r, 200, 'queue')
    return None


@group
def default_view(c):
    check(view_of(c.mod) is None, 'no default view at first')
    csrf = c.mod.csrf('/captures?category=Self-harm&school=oakridge+primary&severity=4')
    form = {'csrf': csrf, 'action': 'save-view', 'category': 'Self-harm',
            'school': 'oakridge primary', 'severity': '4', 'status': '', 'user': ''}
    r = expect(c.mod.req('POST', '/captures', form), 303, 'save the view')
    saved = 'school=oakridge%20primary&category=Self-harm&severity=4&status=new'
    check(r.headers.get('location') == '/captures?' + saved, 'to the view: %r' % r.headers)
    check(view_of(c.mod) == '/captures?' + saved, 'the queue opens with it: %r' % view_of(c.mod))
    text = page(c.mod, saved).text
    check('This is your default view.' in text and 'id="view-clear"' in text, 'said on the page')
    check(ids(c, c.mod, saved) == {'a_self'}, 'the view filters')
    text = page(c.mod, 'status=all').text
    check('Open my default view' in text and 'id="view-save"' in text, 'other filters: save again')
    check(c.mod.req('GET', '/captures?status=new').status == 200, 'filters given: no redirect')
    check(view_of(c.mod2) is None and view_of(c.head) is None, 'a view is one user\'s')
    rows = c.srv.sql("SELECT login, action, detail FROM audit WHERE action LIKE 'queue-view%'")
    check(rows == [['mod', 'queue-view-saved', saved]], 'audited: %r' % rows)
    # Another view replaces it; a bad severity or status is not kept.
    form = dict(csrf=csrf, action='save-view', q='k1ll', severity='9', status='Escalated')
    r = expect(c.mod.req('POST', '/captures', form), 303, 'replace the view')
    check(view_of(c.mod) == '/captures?status=escalated&q=k1ll', 'replaced: %r' % view_of(c.mod))
    # Without the session's CSRF token nothing is saved.
    expect(c.mod2.req('POST', '/captures', {'action': 'save-view', 'q': 'x'}), 403, 'no csrf')
    check(view_of(c.mod2) is None, 'nothing saved without the token')
    expect(c.mod.req('POST', '/captures', {'csrf': csrf, 'action': 'save-view',
                                           'q': 'x' * 600}), 400, 'too long to save')
    r = expect(c.mod.req('POST', '/captures', {'csrf': csrf, 'action': 'clear-view'}), 303,
               'clear the view')
    check(view_of(c.mod) is None, 'cleared')
    rows = c.srv.sql("SELECT action FROM audit WHERE action LIKE 'queue-view%' ORDER BY id")
    check([r[0] for r in rows] == ['queue-view-saved', 'queue-view-saved', 'queue-view-cleared'],
          'every change audited: %r' % rows)


# ---- the thumbnail ------------------------------------------------------------------------

def png_rgb(width, height, pixel):
    """A PNG of width x height whose pixel (x, y) is pixel(x, y) = (r, g, b)."""
    def chunk(kind, data):
        c = struct.pack('>I', len(data)) + kind + data
        return c + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    raw = b''.join(b'\x00' + bytes(v for x in range(width) for v in pixel(x, y))
                   for y in range(height))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw, 6)) + chunk(b'IEND', b''))


def png_pixels(data):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB, non-interlaced PNG."""
    check(data[:8] == b'\x89PNG\r\n\x1a\n', 'a PNG')
    pos, idat, w, h = 8, b'', 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I', data[pos:pos + 4])[0], data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            check(depth == 8 and ctype == 2, 'an 8-bit RGB thumbnail')
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * 3, [], bytearray(w * 3)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b, cc = prev[i], prev[i - 3] if i >= 3 else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else cc)) & 255
        rows.append([tuple(line[3 * x:3 * x + 3]) for x in range(w)])
        prev = line
    return w, h, rows


WINDOW = {'x': 300, 'y': 200, 'width': 400, 'height': 300}


def screen(x, y):
    """A screen: a grey desktop with a green top-left corner, and the focused window at
    WINDOW painted in red and white stripes 4 pixels wide."""
    if WINDOW['x'] <= x < WINDOW['x'] + WINDOW['width'] and \
            WINDOW['y'] <= y < WINDOW['y'] + WINDOW['height']:
        return (220, 20, 60) if (x // 4) % 2 == 0 else (255, 255, 255)
    if x < 320 and y < 100:
        return (0, 160, 0)
    return (90, 90, 90)


def thumb(web, cid, status=200):
    r = expect(web.req('GET', '/captures/%s/thumb' % cid), status, 'thumbnail')
    return png_pixels(r.body) if status == 200 else None


@group
def thumbnail_of_the_window(c):
    image = png_rgb(800, 600, screen)
    rec = upload(c.srv, c.tok_a, image=image, user='cat', time='2026-11-24T09:00:00Z',
                 window={'title': 'Essay - Writer', 'app': 'libreoffice', 'rect': WINDOW})
    w, h, rows = thumb(c.mod, rec['id'])
    # The window's top-left 288 x 180 shrunk by 1.5 (not the whole 800 x 600 screen by 4.2).
    check((w, h) == (192, 120), 'the thumbnail\'s size: %dx%d' % (w, h))
    flat = [p for row in rows for p in row]
    check(all(p[0] >= 200 for p in flat), 'every pixel comes from the window (red or white '
          'stripes, mixed): %r' % [p for p in flat if p[0] < 200][:5])
    # Stripes 4 px wide shrunk by 1.5 stay stripes: text at this scale stays readable.
    check(len(set(rows[60])) > 2, 'the stripes are still there: %r' % rows[60][:8])
    exported = [l for l in c.srv.export() if l['id'] == rec['id']]
    check(exported and exported[0]['window'].get('rect') == WINDOW, 'the record keeps the rect')
    # Without a rect: the screen's top-left corner at the same scale, not the whole screen.
    plain = upload(c.srv, c.tok_a, image=png_rgb(800, 601, screen), user='cat',
                   time='2026-11-24T09:01:00Z')
    w, h, rows = thumb(c.mod, plain['id'])
    check((w, h) == (192, 120), 'the fallback\'s size: %dx%d' % (w, h))
    check(rows[10][10] == (0, 160, 0) and rows[110][10] == (90, 90, 90),
          'the top-left 288 x 180 of the screen: %r %r' % (rows[10][10], rows[110][10]))
    # A window smaller than the crop is shown whole; one at the screen's edge is kept in it.
    small = dict(WINDOW, width=100, height=60)
    rec = upload(c.srv, c.tok_a, image=png_rgb(800, 602, screen), user='cat',
                 time='2026-11-24T09:02:00Z', window={'title': 't', 'app': 'a', 'rect': small})
    w, h, rows = thumb(c.mod, rec['id'])
    check((w, h) == (100, 60), 'a small window whole, never enlarged: %dx%d' % (w, h))
    # Not the user's school, a hidden image: 404.
    thumb(c.head, c.ids['b_self'], 404)
    thumb(c.head, c.ids['a_self'])


@group
def bad_rect_is_refused(c):
    image = png_rgb(64, 32, lambda x, y: (x * 4, y * 8, 0))
    cases = [
        ('x', {'x': -1, 'y': 0, 'width': 10, 'height': 10}, 'window.rect.x',
         'window.rect.x must be an integer from 0'),
        ('type', 'top-left', 'window.rect', 'window.rect must be an object'),
        ('string', {'x': '1', 'y': 0, 'width': 10, 'height': 10}, 'window.rect.x',
         'window.rect.x must be an integer'),
        ('missing', {'x': 0, 'y': 0, 'width': 10}, 'window.rect.height',
         'missing field window.rect.height'),
        ('empty', {'x': 0, 'y': 0, 'width': 0, 'height': 10}, 'window.rect.width',
         'window.rect.width must be an integer from 1'),
        ('wide', {'x': 60, 'y': 0, 'width': 10, 'height': 10}, 'window.rect.width',
         "window.rect.x + window.rect.width (70) is beyond the screenshot's width (64)"),
        ('tall', {'x': 0, 'y': 30, 'width': 10, 'height': 3}, 'window.rect.height',
         "window.rect.y + window.rect.height (33) is beyond the screenshot's height (32)"),
    ]
    for name, rect, field, message in cases:
        rec = record(image=image, window={'title': 't', 'app': 'a', 'rect': rect})
        r = expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 400, name)
        body = r.json()
        check(body.get('field') == field and body.get('error', '').startswith(message),
              '%s: %r' % (name, body))
    rec = record(image=image, window={'title': 't', 'app': 'a',
                                      'rect': {'x': 0, 'y': 0, 'width': 64, 'height': 32}})
    expect(c.srv.request('POST', '/api/v1/captures', rec, token=c.tok_a), 201, 'the whole screen')


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup))
