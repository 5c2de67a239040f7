#!/usr/bin/env python3
# web.py: figures of the web UI on a real vigil-server with N captures (default 10,000)
# uploaded through the API: the moderation queue page, a capture page, the weekly report
# as HTML, CSV and PDF (web), and `vigil-server report` (CLI); the queue with its 100
# thumbnails fetched as a browser does (6 connections), first when they are made and then
# from the cache; one thumbnail of a 1920x1080 screenshot; a pupil's timeline; a case
# record; the technicians' phrase-list page and the machines page with 300 machines; the
# queue filtered (category and school in another case, severity at least, part of a
# pupil's login) and searched (q: a rare word, a common one, with the filters). Prints
# milliseconds.
# usage: VIGIL_SERVER=build/server-upload/vigil-server test/bench/web.py [N]
# With --pupils P [--baseline SERVER]: the queue page at N captures of P pupils, without
# a roster and with one of P pupils (names, groups, flags; the queue shows them and a
# headteacher sees flags), and the same on the baseline server binary (an older build:
# "today's figure"), each on its own data, measured in turns in the same run.
import concurrent.futures
import os
import random
import re
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'server'))
import harness  # noqa: E402


VOCABULARY = ('maths homework lesson break lunch teacher friends game football music '
              'science history minecraft video chat phone bus park weekend film').split()


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), max(out)


def roster_csv(pupils):
    rows = ['login,given_name,family_name,year_group,reg_group,flags']
    flags = ['', '', '', 'SEN', 'EAL', 'PP', 'CP;CLA', 'CIN', 'EHCP;SEN', '']
    for i in range(pupils):
        year = 7 + i % 5
        rows.append('pupil%04d,Given%d,Family%d,Year %d,%d%s,%s' % (
            i, i, i, year, year, 'ABCD'[i % 4], flags[i % 10]))
    return '\n'.join(rows) + '\n'


def roster_bench(n, pupils, baseline):
    """The queue page at n captures of pupils pupils: the baseline binary, this one
    without a roster and with one, each its own server and data, timed in turns."""
    servers = []
    current = harness.SERVER
    try:
        for name, binary, roster in (('baseline (%s)' % baseline, baseline, False),
                                     ('this build, no roster', current, False),
                                     ('this build, %d pupils on the roster' % pupils, current,
                                      True)):
            if not binary:
                continue
            harness.SERVER = binary
            srv = harness.Server()
            srv.start()
            key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
            toks = [srv.enrol(key, 'PC%02d' % i) for i in range(20)]
            harness.add_user(srv, 'head', role='headteacher', school='Oakridge Primary',
                             password='benchpassword')
            img = harness.png(64, 32, noise=4)

            def upload(i, srv=srv, toks=toks):
                day = 1 + i % 84
                t = time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                  time.gmtime(1756684800 + day * 86400 + i % 80000))
                rec = harness.record(image=img, time=t, user='pupil%04d' % (i % pupils),
                                     reason={'category': 'bullying', 'severity': 1 + i % 5,
                                             'phrase': 'p', 'matched': 'p', 'rule': 'b.txt:1'})
                r = srv.request('POST', '/api/v1/captures', rec, token=toks[i % 20])
                assert r.status == 201, r.body
            t0 = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(8) as ex:
                list(ex.map(upload, range(n)))
            if roster:
                path = os.path.join(srv.root, 'roster.csv')
                with open(path, 'w') as f:
                    f.write(roster_csv(pupils))
                t = time.perf_counter()
                out = srv.admin('roster', 'import', '--school', 'Oakridge Primary', path).stdout
                print('%s: roster import of %d pupils: %.0f ms (%s)' % (
                    name, pupils, (time.perf_counter() - t) * 1000, out.strip()))
            print('%s: uploaded %d captures in %.1f s' % (name, n, time.perf_counter() - t0))
            web = harness.Web(srv)
            web.login('head', 'benchpassword')
            servers.append((name, srv, web, []))
        for _ in range(5):  # in turns, so other load on the machine falls on each alike
            for name, srv, web, times in servers:
                for _ in range(4):
                    t = time.perf_counter()
                    r = web.req('GET', '/captures')
                    times.append((time.perf_counter() - t) * 1000)
                    assert r.status == 200
        for name, srv, web, times in servers:
            print('queue page, %d captures, %-40s median %6.1f ms  max %6.1f ms' % (
                n, name + ':', statistics.median(times), max(times)))
        print('load average: %.2f %.2f %.2f' % os.getloadavg())
    finally:
        harness.SERVER = current
        for _, srv, _, _ in servers:
            srv.cleanup()


def tech_pages(srv, key, toks):
    """The technicians' pages: the phrase lists (rule counts over every capture) and the
    machines page with 300 machines in 10 rooms, each with a heartbeat."""
    toks = toks + [srv.enrol(key, 'LAB%d-PC%02d' % (i // 28, i % 28)) for i in range(300 - len(toks))]
    lists = srv.request('GET', '/api/v1/wordlists', token=toks[0]).headers['etag'].strip('"')
    for i, tok in enumerate(toks):
        srv.request('POST', '/api/v1/heartbeat', {'version': '0.1.0', 'spooled': 0, 'dropped': 0,
                    'wordlists': lists if i % 4 else 'old'}, token=tok)
    harness.add_user(srv, 'tech', 'technician', password='benchpassword')
    tech = harness.Web(srv)
    tech.login('tech', 'benchpassword')
    for name, path in (('phrase lists page', '/wordlists'),
                       ('a list in the editor', '/wordlists?file=self-harm.txt'),
                       ('machines page (300)', '/machines'),
                       ('machines by lists, flat', '/machines?sort=lists&group=none')):
        med, mx = timed(lambda: tech.req('GET', path), 10)
        print('%-32s median %7.1f ms  max %7.1f ms' % (name, med, mx))
    # the rule counts are counted again once a capture arrives: each view after a new one
    img = harness.png(64, 32, noise=4)
    fresh = []
    for i in range(10):
        r = srv.request('POST', '/api/v1/captures', harness.record(image=img), token=toks[i])
        assert r.status == 201, r.body
        fresh.append(timed(lambda: tech.req('GET', '/wordlists'), 1)[0])
    print('%-32s median %7.1f ms  max %7.1f ms' % ('phrase lists, after a capture',
                                                   sorted(fresh)[len(fresh) // 2], max(fresh)))


def main():
    args = sys.argv[1:]
    if '--pupils' in args:
        i = args.index('--pupils')
        pupils = int(args[i + 1])
        del args[i:i + 2]
        baseline = None
        if '--baseline' in args:
            i = args.index('--baseline')
            baseline = args[i + 1]
            del args[i:i + 2]
        return roster_bench(int(args[0]) if args else 10000, pupils, baseline)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    srv = harness.Server()
    try:
        srv.start()
        key = srv.admin('school', 'add', 'Oakridge Primary').stdout.strip()
        toks = [srv.enrol(key, 'PC%02d' % i) for i in range(20)]
        harness.add_user(srv, 'mod', password='benchpassword')
        # Screenshot-like images: flat colour with some busy rows, 200 different ones.
        images = [harness.png(800, 450, noise=12) for _ in range(200)]
        cats = ['self-harm', 'bullying', 'grooming', 'drugs', 'extremism']
        random.seed(1)

        def upload(i):
            day = 1 + i % 84
            t = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(1756684800 + day * 86400 + i % 80000))
            # Contexts of their own: a rare word in 1 capture of 97, a common one in 1 of 3.
            words = ' '.join(random.Random(i).choice(VOCABULARY) for _ in range(12))
            context = '%s %s %s' % (words, 'zebra' if i % 97 == 0 else '',
                                    'tonight' if i % 3 == 0 else '')
            rec = harness.record(image=images[i % 200], time=t, user='pupil%03d' % (i % 300),
                                 context=context,
                                 reason={'category': cats[i % 5], 'severity': 1 + i % 5,
                                         'phrase': 'p', 'matched': 'p',
                                         'rule': '%s.txt:%d' % (cats[i % 5], i % 40)})
            r = srv.request('POST', '/api/v1/captures', rec, token=toks[i % 20])
            assert r.status == 201, r.body

        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(upload, range(n)))
        print('uploaded %d captures in %.1f s' % (n, time.perf_counter() - t0))
        mod = harness.Web(srv)
        mod.login('mod', 'benchpassword')

        def get(path):
            r = mod.req('GET', path)
            assert r.status == 200, (path, r.status)
            return r

        first = re.search(r'href="/captures/([0-9a-f-]{36})"', get('/captures').body.decode()).group(1)
        week = time.strftime('%G-W%V', time.gmtime(1756684800 + 60 * 86400))
        rep = '/reports/%s/%s' % (urllib.parse.quote('Oakridge Primary'), week)
        for name, path in (('queue page (100 of %d new)' % n, '/captures'),
                           ('queue filtered by user', '/captures?user=pupil007&status=all'),
                           ('queue, part of a login', '/captures?user=UPIL00&status=all'),
                           ('queue, category school sev>=', '/captures?category=Self-harm&'
                            'school=oakridge%20primary&severity=3&status=all'),
                           ('queue, q rare word', '/captures?q=Zebra&status=all'),
                           ('queue, q common word', '/captures?q=tonight&status=all'),
                           ('queue, q two words + filters', '/captures?q=tonight%20k1ll&'
                            'category=self-harm&severity=2&user=pupil0&machine=pc0&status=all'),
                           ('capture page', '/captures/' + first),
                           ('weekly report HTML', rep), ('weekly report CSV', rep + '?format=csv'),
                           ('weekly report PDF', rep + '?format=pdf')):
            med, mx = timed(lambda: get(path), 10)
            print('%-32s median %7.1f ms  max %7.1f ms' % (name, med, mx))
        # The queue as a browser loads it: the page, then its thumbnails over 6 connections.
        def queue_with_thumbs():
            page = get('/captures').body.decode()
            srcs = re.findall(r'src="(/captures/[0-9a-f-]{36}/thumb)"', page)
            with concurrent.futures.ThreadPoolExecutor(6) as ex:
                sizes = list(ex.map(lambda p: len(get(p).body), srcs))
            return len(srcs), sum(sizes)
        t = time.perf_counter()
        count, size = queue_with_thumbs()
        print('%-32s %7.1f ms  (%d thumbnails made, %d KiB in all)' % (
            'queue + thumbnails, first load', (time.perf_counter() - t) * 1000, count, size // 1024))
        med, mx = timed(queue_with_thumbs, 10)
        print('%-32s median %7.1f ms  max %7.1f ms' % ('queue + thumbnails, cached', med, mx))
        big = harness.record(image=harness.png(1920, 1080, noise=60), user='pupil007',
                             window={'title': 'w', 'app': 'a',
                                     'rect': {'x': 200, 'y': 100, 'width': 1200, 'height': 800}})
        assert srv.request('POST', '/api/v1/captures', big, token=toks[0]).status == 201
        t = time.perf_counter()
        size = len(get('/captures/%s/thumb' % big['id']).body)
        print('%-32s %7.1f ms  (%d bytes)' % ('thumbnail of 1920x1080, made',
                                             (time.perf_counter() - t) * 1000, size))
        med, mx = timed(lambda: get('/captures/%s/thumb' % big['id']), 10)
        print('%-32s median %7.1f ms  max %7.1f ms' % ('thumbnail of 1920x1080, cached', med, mx))
        timeline = '/pupils/%s/pupil007' % urllib.parse.quote('Oakridge Primary')
        rows = get(timeline).body.decode().count('<tr><td><a class="cap"')
        med, mx = timed(lambda: get(timeline), 10)
        print('%-32s median %7.1f ms  max %7.1f ms' % ('pupil timeline (%d captures)' % rows,
                                                      med, mx))
        tech_pages(srv, key, toks)
        out = os.path.join(srv.root, 'r.pdf')
        med, mx = timed(lambda: srv.admin('report', '--school', 'Oakridge Primary', '--week',
                                          week, '--out', out), 3)
        print('%-32s median %7.1f ms  max %7.1f ms' % ('CLI report PDF (process)', med, mx))
        print('load average: %.2f %.2f %.2f' % os.getloadavg())
    finally:
        srv.cleanup()


if __name__ == '__main__':
    main()
