#!/usr/bin/env python3
# test-queue-browser.py: the moderation queue in real headless Chromium, as a moderator
# uses it at a desk (1366 x 768) and on a phone (390 x 844, touch): 60 captures of 10
# pupils in two schools come through the real API; queue.mjs filters them by category and
# school chosen from lists, a pupil typed in any case, severity at least and the search of
# the words, saves the filters as the default view, opens the queue with it and clears it,
# and checks that nothing scrolls sideways on the phone and no keyboard hints show there.
# Skips without /usr/bin/chromium or node. usage: test-queue-browser.py [--shots DIR]
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'server'))
import harness  # noqa: E402
from harness import PASSWORD, group  # noqa: E402

sys.path.insert(0, HERE)
browser = __import__('test-browser')  # ensure_playwright, need_chromium

OAK, LAKE = 'Oakridge Primary', 'Lakeside'
PUPILS = {OAK: ['jsmith', 'amy.khan', 'b.okafor', 'lee.w', 'zara-long-login-name-2015'],
          LAKE: ['jsmithers', 'tom', 'priya', 'sam.o', 'ola']}
REASONS = [('self-harm', 5, 'kill myself', 'k1ll mys3lf', 'i just want to k1ll mys3lf tonight'),
           ('self-harm', 4, 'end my life', 'end my life', 'sometimes i want to end my life'),
           ('bullying', 3, 'loser', 'loser', 'you are such a LOSER honestly'),
           ('bullying', 2, 'nobody likes you', 'nobody likes you', 'nobody likes you at all'),
           ('grooming', 5, 'dont tell your parents', 'dont tell your parents',
            'ok but dont tell your parents about our chats'),
           ('weapons', 3, 'knife', 'knife', 'bringing a knife tomorrow ' + 'x' * 180)]


def expected(caps, pred):
    return sorted(c['id'] for c in caps if pred(c))


@group
def queue_in_chromium(c):
    srv = c.srv
    browser.ensure_playwright()
    keys = {s: srv.admin('school', 'add', s).stdout.strip() for s in (OAK, LAKE)}
    toks = {OAK: srv.enrol(keys[OAK], 'LAB1-PC07'),
            LAKE: srv.enrol(keys[LAKE], 'LAKESIDE-LIBRARY-WORKSTATION-NUMBER-12')}
    harness.add_user(srv, 'mod')
    machine = {OAK: 'LAB1-PC07', LAKE: 'LAKESIDE-LIBRARY-WORKSTATION-NUMBER-12'}
    caps = []
    for i in range(60):
        school = OAK if i % 2 == 0 else LAKE
        user = PUPILS[school][(i // 2) % 5]
        cat, sev, phrase, matched, context = REASONS[i % len(REASONS)]
        rec = harness.upload(srv, toks[school], user=user, machine=machine[school],
                             time='2026-11-%02dT%02d:%02d:00Z' % (16 + i % 10, 8 + i % 9, i),
                             reason={'category': cat, 'severity': sev, 'phrase': phrase,
                                     'matched': matched, 'rule': cat + '.txt:1'},
                             context=context,
                             window={'title': 'A long window title ' + 'y' * 120,
                                     'app': 'firefox'})
        caps.append({'id': rec['id'], 'school': school, 'user': user, 'category': cat,
                     'severity': sev, 'context': context})
    # One capture of its own: "1 capture matches".
    rec = harness.upload(srv, toks[OAK], user='solo.pupil', time='2026-11-27T09:00:00Z',
                         reason={'category': 'extremism', 'severity': 4, 'phrase': 'join us',
                                 'matched': 'join us', 'rule': 'extremism.txt:1'},
                         context='come and join us')
    caps.append({'id': rec['id'], 'school': OAK, 'user': 'solo.pupil',
                 'category': 'extremism', 'severity': 4, 'context': 'come and join us'})
    cfg = {'url': srv.url(),
           'one_query': 'status=all&user=SOLO&category=Extremism', 'password': PASSWORD, 'shots': c.args.shots,
           'schools': [LAKE, OAK],
           'categories': sorted({r[0] for r in REASONS} | {'extremism'}),
           'total': len(caps),
           'self_harm_oak': expected(caps, lambda x: x['category'] == 'self-harm'
                                     and x['school'] == OAK),
           'pupil_jsm': expected(caps, lambda x: 'jsm' in x['user']),
           'sev4_oak': expected(caps, lambda x: x['severity'] >= 4 and x['school'] == OAK),
           'q_loser': expected(caps, lambda x: 'loser' in x['context'].lower()),
           'grooming_lake': expected(caps, lambda x: x['category'] == 'grooming'
                                     and x['school'] == LAKE)}
    harness.run_node(os.path.join(HERE, 'queue.mjs'), cfg, HERE)


if __name__ == '__main__':
    sys.exit(harness.main(needs=[browser.need_chromium], backends=('sqlite',),
                          options=lambda ap: ap.add_argument('--shots', default='')))
