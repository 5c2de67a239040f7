#!/usr/bin/env python3
# test-report-pdf.py: the weekly report as a printed document, measured rather than looked
# at: every word's box from pdftotext -bbox lies inside the 20 mm margins (long school,
# user, machine and category names, long and multi-byte contexts, long notes), every page
# carries the footer with the school, the week and "page N of M", the page count grows
# with the content (5 against 200 confirmed concerns, none cut), the category x severity
# table has its headings, totals and legend, an empty week says "None this week" in every
# section, and concerns carry their thumbnail, context and decisions.
# usage: test-report-pdf.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG, else exit 77)
#        test-report-pdf.py --screenshot docs/images/report-pdf.png   (a sample's first page)
import datetime
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import harness
from harness import Failure, Web, check, expect, group, png, upload

PAGE_W, PAGE_H, MARGIN = 595.276, 841.890, 56.693  # A4, 20 mm margins
SLACK = 0.5  # points: rounding in the PDF and in pdftotext's boxes
WEEK = '2026-W48'
LONG_SCHOOL = "St Bartholomew's Church of England Primary Academy"
LONG_USER = 'Maximilian-Alexander.Fotheringham-Worthington-Smythe.Year11.2026'  # 64
CJK_USER = '山田太郎' * 16  # 64 characters, 192 bytes
LONG_MACHINE = 'SCIENCE-BLOCK-UPSTAIRS-LAB-3-WORKSTATION-NUMBER-0042-NEAR-WINDOW'
LONG_CATEGORY = 'online-safety-concerns-raised-by-the-designated-safeguarding-lead'[:64]
NOSPACE_CONTEXT = ('ctxstart' + 'x' * 240 + 'ctxend')[:256]
WIDE_CONTEXT = ('Prüfung ünd Ärger — 日本語の文章 😀 straße ' * 20)[:256]
LONG_NOTE = ('Spoke to the pupil and to the form tutor; parents called; the designated '
             'safeguarding lead will follow this up on Monday morning. ') * 12
SECTIONS = ['Captures by category and severity', 'The last 12 weeks',
            'Users with most concerns', 'Machines with most concerns', 'Moderation times',
            'Confirmed concerns']


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise Failure('%s: exit %d: %s' % (args[0], p.returncode, p.stderr))
    return p.stdout


def pages_of(pdf):
    """Per page: the list of words, each (text, xmin, ymin, xmax, ymax), and the page size."""
    xml = run('pdftotext', '-bbox', pdf, '-')
    xml = re.sub(r'<!DOCTYPE[^>]*>', '', xml)
    root = ET.fromstring(xml.replace('xmlns="http://www.w3.org/1999/xhtml"', ''))
    pages = []
    for page in root.iter('page'):
        words = [(w.text or '', float(w.get('xMin')), float(w.get('yMin')),
                  float(w.get('xMax')), float(w.get('yMax'))) for w in page.iter('word')]
        pages.append((float(page.get('width')), float(page.get('height')), words))
    return pages


def page_text(pdf, n):
    return run('pdftotext', '-f', str(n), '-l', str(n), pdf, '-')


def squeeze(s):
    """s without spaces and hyphens: lines wrap inside words, and pdftotext drops the
    hyphen that ends a line."""
    return ''.join(s.split()).replace('-', '')


class Report:
    """A report made by the CLI, with its text and measurements."""

    def __init__(self, c, school, name):
        self.path = os.path.join(c.srv.root, name + '.pdf')
        c.srv.admin('report', '--school', school, '--week', WEEK, '--out', self.path)
        self.pages = pages_of(self.path)
        self.text = [page_text(self.path, i + 1) for i in range(len(self.pages))]
        self.all = '\n'.join(self.text)
        info = run('pdfinfo', self.path)
        self.npages = int(re.search(r'Pages:\s+(\d+)', info).group(1))


def check_margins(rep, what):
    """Every word of every page inside the margins; returns the number of words seen."""
    n = 0
    for i, (w, h, words) in enumerate(rep.pages):
        check(abs(w - PAGE_W) < 1 and abs(h - PAGE_H) < 1, 'A4 page: %.1f x %.1f' % (w, h))
        for text, x0, y0, x1, y1 in words:
            n += 1
            check(x0 >= MARGIN - SLACK and x1 <= PAGE_W - MARGIN + SLACK and
                  y0 >= MARGIN - SLACK and y1 <= PAGE_H - MARGIN + SLACK,
                  '%s, page %d: %r at x %.1f-%.1f, y %.1f-%.1f is outside the margins '
                  '(%.1f-%.1f, %.1f-%.1f)' % (what, i + 1, text, x0, x1, y0, y1, MARGIN,
                                               PAGE_W - MARGIN, MARGIN, PAGE_H - MARGIN))
    check(n > 50, '%s: words found (%d)' % (what, n))
    return n


def check_footers(rep, school):
    """Each page ends with school, week, generated at, page N of M (M = the page count)."""
    for i, text in enumerate(rep.text):
        flat = ' '.join(text.split())
        check(re.search(r'page %d of %d$' % (i + 1, rep.npages), flat),
              'page %d of %d: footer ends %r' % (i + 1, rep.npages, flat[-120:]))
        check(' '.join(school.split()) in flat and 'week %s' % WEEK in flat,
              'page %d: footer names school and week' % (i + 1))
        check(re.search(r'generated \d{4}-\d\d-\d\d \d\d:\d\d UTC', flat),
              'page %d: generated at' % (i + 1))
        # the footer is the last thing on the page: below every other word
        words = rep.pages[i][2]
        foot = [wd for wd in words if wd[0] == 'page'][-1]
        check(all(wd[2] >= foot[2] - 20 or wd[4] <= foot[2] for wd in words),
              'page %d: the footer is at the foot' % (i + 1))


def confirm(c, ids, note=None):
    csrf = c.mod.csrf('/captures/' + ids[0])
    for cid in ids:
        expect(c.mod.req('POST', '/captures/%s/action' % cid, {'action': 'concern', 'csrf': csrf}),
               303, 'concern ' + cid)
        if note:
            expect(c.mod.req('POST', '/captures/%s/action' % cid,
                             {'action': 'note', 'text': note, 'csrf': csrf}), 303, 'note')


def post(c, token, **over):
    return upload(c.srv, token, **over)['id']


def setup(c):
    for tool in ('pdftotext', 'pdfinfo', 'pdfimages'):
        if not shutil.which(tool):
            raise Failure('%s (poppler-utils) not installed' % tool)
    harness.add_user(c.srv, 'mod')
    c.mod = Web(c.srv)
    c.mod.login('mod')
    if c.args.keep:
        c.at_exit(lambda: keep(c))
    if c.args.screenshot:
        return  # the sample makes its own school
    tokens = {}
    for school in (LONG_SCHOOL, 'Oakridge Primary', 'Empty Fields School', 'Hillside High'):
        key = c.srv.admin('school', 'add', school).stdout.strip()
        tokens[school] = c.srv.enrol(key, LONG_MACHINE if school == LONG_SCHOOL
                                     else 'PC-%d' % len(tokens))
    c.tokens = tokens
    # Oakridge: five self-harm captures, each confirmed with a note
    c.oak = [post(c, tokens['Oakridge Primary'], time='2026-11-2%dT09:%02d:00Z' % (3 + i % 5, i),
                  image=png(320, 200, noise=40), context='oakridge marker %d: i want to '
                  'k1ll mys3lf' % i) for i in range(5)]
    confirm(c, c.oak, note='Called home; DSL informed.')
    csrf = c.mod.csrf('/captures/' + c.oak[0])
    for i in range(22):  # with its concern and note: 24 decisions, 20 printed
        expect(c.mod.req('POST', '/captures/%s/action' % c.oak[0],
                         {'action': 'note', 'text': 'follow-up %02d' % i, 'csrf': csrf}), 303, 'note')
    # the long names: user, machine, category, contexts, a long note; one image hidden
    ids = []
    for i, ctx in enumerate((NOSPACE_CONTEXT, WIDE_CONTEXT, 'short one')):
        ids.append(post(c, tokens[LONG_SCHOOL], time='2026-11-24T1%d:00:00Z' % i,
                        user=CJK_USER if i == 1 else LONG_USER, machine=LONG_MACHINE, context=ctx,
                        image=png(900, 500, noise=30),
                        reason={'category': LONG_CATEGORY, 'severity': 4, 'phrase': 'x',
                                'matched': 'x', 'rule': 'x.txt:1'}))
    confirm(c, ids, note=LONG_NOTE)
    csrf = c.mod.csrf('/captures/' + ids[2])
    expect(c.mod.req('POST', '/captures/%s/action' % ids[2],
                     {'action': 'hide-image', 'text': 'referred', 'csrf': csrf,
                      'confirm': 'yes'}), 303, 'hide')
    c.long_ids = ids
    # Hillside: 200 confirmed concerns
    c.many = [post(c, tokens['Hillside High'], time='2026-11-%02dT%02d:%02d:00Z'
                   % (23 + i % 5, 8 + i // 60, i % 60), context='hillside marker %03d' % i)
              for i in range(200)]
    confirm(c, c.many)


@group
def long_names_inside_margins(c):
    rep = Report(c, LONG_SCHOOL, 'long')
    check_margins(rep, 'long names')
    first = squeeze(rep.text[0])
    check(squeeze('Weekly safeguarding report') + squeeze(LONG_SCHOOL) in first,
          'the title and the whole school name on page 1')
    check(squeeze('Week %s' % WEEK) in first, 'the week under the title')
    labels = {w[0] for w in rep.pages[0][2]}
    check(all('W%d' % n in labels for n in range(37, 49)), 'the chart labels W37 to W48')
    for s in (LONG_USER, CJK_USER, LONG_MACHINE, LONG_CATEGORY, NOSPACE_CONTEXT, WIDE_CONTEXT):
        check(squeeze(s) in squeeze(rep.all), 'printed whole: %r' % s[:40])
    check('\ufffd' not in rep.all, 'no replacement characters (multi-byte text kept whole)')
    check(squeeze(LONG_NOTE[:300]) in squeeze(rep.all), 'the long note, wrapped')
    check('Image hidden' in rep.all, 'the hidden image is not shown and says so')
    check_footers(rep, LONG_SCHOOL)


@group
def pages_grow_with_content(c):
    few = Report(c, 'Oakridge Primary', 'few')
    many = Report(c, 'Hillside High', 'many')
    check(many.npages > few.npages + 5, 'pages: 5 concerns %d, 200 concerns %d'
          % (few.npages, many.npages))
    print('pages: 5 concerns %d, 200 concerns %d' % (few.npages, many.npages))
    for rep, what in ((few, '5 concerns'), (many, '200 concerns')):
        check_margins(rep, what)
    flat = squeeze(many.all)
    missing = [i for i in range(200) if flat.count('hillsidemarker%03d' % i) != 1]
    check(not missing, 'each of the 200 concerns printed once; missing %r' % missing[:10])
    check_footers(many, 'Hillside High')
    check_footers(few, 'Oakridge Primary')


@group
def counts_table(c):
    rep = Report(c, 'Oakridge Primary', 'oak')
    lines = [' '.join(line.split()) for line in rep.all.splitlines()]
    check('Captures by category and severity' in lines, 'the table heading')
    flat = ' '.join(rep.all.split())
    check(re.search(r'Category Severity 1 Severity 2 Severity 3 Severity 4 Severity 5 Total',
                    flat) or all(h in flat for h in ('Category', 'Severity 1', 'Severity 5',
                                                     'Total')), 'column headings')
    check(re.search(r'self-harm 0 0 0 0 5 5\b', flat), 'the self-harm row: ' + flat[:600])
    check(re.search(r'All categories 0 0 0 0 5 5\b', flat), 'the totals row')
    for sev, words in ((5, 'immediate risk'), (4, 'serious concern'), (3, 'concern: review'),
                       (2, 'low'), (1, 'noise')):
        check(re.search(r'%d — %s' % (sev, words), flat), 'legend of severity %d' % sev)
    # the numbers sit under their headings (right-aligned: same right edge)
    words = rep.pages[0][2]
    heads = sorted([w for w in words if w[0] == 'Severity' and w[1] > 150] +
                   [w for w in words if w[0] == 'Total'], key=lambda w: w[1])
    row = [w for w in words if w[0] == 'self-harm']
    check(len(heads) == 6 and len(row) == 1, 'headings and the self-harm row found')
    nums = sorted([w for w in words if abs(w[2] - row[0][2]) < 1 and w[0].isdigit()],
                  key=lambda w: w[1])
    check(len(nums) == 6 and all(abs(n[3] - h[3]) < 2 for n, h in zip(nums, heads)),
          'each number right-aligned under its heading: %r / %r' % (nums, heads))
    check(re.search(r'5 captures this week: 5 confirmed or escalated concerns', flat),
          'the summary')
    check_margins(rep, 'Oakridge')


@group
def empty_week_says_none(c):
    rep = Report(c, 'Empty Fields School', 'empty')
    lines = [' '.join(line.split()) for line in rep.all.splitlines() if line.strip()]
    for s in SECTIONS:
        check(s in lines, 'section %r present' % s)
        nxt = lines[lines.index(s) + 1]
        check(nxt.startswith('None this week'), 'section %r says none: %r' % (s, nxt))
    check(rep.npages == 1, 'one page for an empty week')
    check_footers(rep, 'Empty Fields School')


@group
def concerns_with_thumbnail_and_decisions(c):
    rep = Report(c, 'Oakridge Primary', 'oak2')
    images = [line for line in run('pdfimages', '-list', rep.path).splitlines()[2:]
              if line.split()[2] == 'image']
    check(len(images) == 5, 'five thumbnails: %r' % images)
    for line in images:
        f = line.split()
        w, h = int(f[3]), int(f[4])
        check(w <= 340 and h <= 256, 'a thumbnail is downscaled: %dx%d' % (w, h))
    flat = ' '.join(rep.all.split())
    for i in range(5):
        check('oakridge marker %d' % i in flat, 'context %d' % i)
    check(flat.count('mod: concern') == 5, 'the decisions, with who decided: %d'
          % flat.count('mod: concern'))
    check(flat.count('Called home; DSL informed.') == 5, 'the notes')
    check('follow-up 17' in flat and 'follow-up 18' not in flat and
          '… and 4 more decisions and notes' in flat, 'the first 20 decisions, then how many more')
    long = Report(c, LONG_SCHOOL, 'long2')
    images = [line for line in run('pdfimages', '-list', long.path).splitlines()[2:]
              if line.split()[2] == 'image']
    check(len(images) == 2, 'two thumbnails, the hidden image left out: %r' % images)


def screenshot(c):
    """A school's twelve weeks of captures, moderated, and the first page of its report as
    a PNG at --screenshot (the screenshot in docs/images/)."""
    out_png = os.path.abspath(c.args.screenshot)
    key = c.srv.admin('school', 'add', 'Oakridge Primary School').stdout.strip()
    tok = c.srv.enrol(key, 'LIBRARY-PC03')
    kinds = [('self-harm', 5), ('self-harm', 4), ('bullying', 3), ('bullying', 3),
             ('drugs', 3), ('gambling', 2), ('profanity', 1), ('profanity', 1)]
    ids, n = [], 0
    for week in range(12):
        for k in range(3 + (week * 7) % 9):
            cat, sev = kinds[(week + k) % len(kinds)]
            t = (datetime.datetime(2026, 9, 7, 9, 0) +  # Monday of 2026-W37
                 datetime.timedelta(weeks=week, days=k % 5, hours=k % 6, minutes=k))
            t = t.strftime('%Y-%m-%dT%H:%M:00Z')
            ids.append((post(c, tok, time=t, user=['amy.k', 'jsmith', 'b.okafor', 'lee'][k % 4],
                             reason={'category': cat, 'severity': sev, 'phrase': 'x',
                                     'matched': 'x', 'rule': cat + '.txt:1'},
                             context='sample sentence %d for the %s list' % (n, cat)), sev))
            n += 1
    csrf = c.mod.csrf('/captures/' + ids[0][0])
    for i, (cid, sev) in enumerate(ids):
        if sev >= 4 or i % 5 == 0:
            form = {'action': 'concern', 'csrf': csrf}
        elif i % 3:
            form = {'action': 'false-positive', 'text': 'song lyrics', 'csrf': csrf}
        else:
            continue
        expect(c.mod.req('POST', '/captures/%s/action' % cid, form), 303, 'decide')
    pdf = os.path.join(c.srv.root, 'sample.pdf')
    c.srv.admin('report', '--school', 'Oakridge Primary School', '--week', WEEK, '--out', pdf)
    run('pdftoppm', '-png', '-r', '90', '-f', '1', '-l', '1', '-singlefile', pdf,
        out_png[:-4] if out_png.endswith('.png') else out_png)


def keep(c):
    for f in os.listdir(c.srv.root):
        if f.endswith('.pdf'):
            shutil.copy(os.path.join(c.srv.root, f), c.args.keep)


def options(ap):
    ap.add_argument('--keep', help='copy the reports to this directory')
    ap.add_argument('--screenshot', help='only write a sample report\'s first page here (PNG)')


if __name__ == '__main__':
    sys.exit(harness.main(lambda args: [screenshot] if args.screenshot else harness.groups_of(
        __name__), setup=setup, options=options))
