#!/usr/bin/env python3
"""check-accuracy.py: accuracy checks of the default phrase lists through vigil-wordlist.

usage: check-accuracy.py VIGIL_WORDLIST LISTDIR CHECK [ARGS...]

  labelled FILE.tsv MIN_RECALL MAX_FP [MIN_SEVERITY]
                                       rows "expected<TAB>category<TAB>text" (expected is
                                       hit or clean); recall >= MIN_RECALL over hit rows (a
                                       hit of that category must be reported) and false
                                       positives <= MAX_FP over clean rows (no hit at all;
                                       with MIN_SEVERITY, no hit of that severity or more,
                                       so a joke kept at a low severity is no false alarm)
  benign FILE.txt MAX_RATE             lines with any hit / all lines <= MAX_RATE
  lint                                 vigil-wordlist lint LISTDIR exits 0
  rules MIN_RULES CATEGORY...          vigil-wordlist dump prints >= MIN_RULES rules and
                                       every CATEGORY has rules (per `stats`)
  prose MAX_PER_1000 FILE...           edited prose or quotations (fortune files: entries
                                       between "%" lines) split into sentences: sentences
                                       with a hit of severity 4 or more, per 1,000, must be
                                       <= MAX_PER_1000; prints the rate of any hit too
  folding DICT ALLOW                   no word of the dictionary DICT (one word a line) is
                                       matched only through folding (stretched letters,
                                       words run together, look-alikes), apart from the
                                       reviewed words listed in ALLOW

Prints the measured figures, and every miss or false positive on failure, so that a
technician can see which text was wrongly caught or missed. Exits 0 on pass, 1 on fail.
"""
import json
import re
import subprocess
import sys
import unicodedata


def run(cmd, stdin=None):
    proc = subprocess.run(cmd, input=stdin, capture_output=True)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


def scan(tool, lists, texts):
    """Scans texts (one per line) and returns a list of hit lists, one per text."""
    for t in texts:
        if '\n' in t or '\r' in t:
            sys.exit('check-accuracy: text contains a line break: %r' % t)
    data = ''.join(t + '\n' for t in texts).encode('utf-8')
    rc, out, err = run([tool, 'scan', '--lists', lists, '--json'], data)
    if rc != 0:
        sys.exit('check-accuracy: vigil-wordlist scan exited %d: %s' % (rc, err.strip()[:500]))
    hits = [None] * len(texts)
    for n, line in enumerate(out.splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        i = int(obj.get('line', n)) - 1
        if not 0 <= i < len(texts):
            sys.exit('check-accuracy: scan reported line %d of %d' % (i + 1, len(texts)))
        hits[i] = obj.get('hits', [])
    missing = [i + 1 for i, h in enumerate(hits) if h is None]
    if missing:
        sys.exit('check-accuracy: no output for %d lines (first: %d)' % (len(missing), missing[0]))
    return hits


def describe(hits):
    return ', '.join('%s/%s "%s"' % (h.get('category'), h.get('severity'), h.get('phrase')) for h in hits)


def check_labelled(tool, lists, path, min_recall, max_fp, min_severity=1):
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, raw in enumerate(f, 1):
            raw = raw.rstrip('\n')
            if not raw or raw.startswith('#'):
                continue
            parts = raw.split('\t', 2)
            if len(parts) != 3 or parts[0] not in ('hit', 'clean'):
                sys.exit('%s:%d: expected "hit|clean<TAB>category<TAB>text"' % (path, n))
            rows.append(tuple(parts))
    hits = scan(tool, lists, [r[2] for r in rows])
    total, found, clean, fps = {}, {}, 0, 0
    problems = []
    for (expected, category, text), h in zip(rows, hits):
        if expected == 'hit':
            total[category] = total.get(category, 0) + 1
            if any(x.get('category') == category for x in h):
                found[category] = found.get(category, 0) + 1
            else:
                problems.append('missed %s: %s  (got %s)' % (category, text, describe(h) or 'nothing'))
        else:
            clean += 1
            if any(x.get('severity', 5) >= min_severity for x in h):
                fps += 1
                problems.append('false positive: %s  (got %s)' % (text, describe(h)))
    nhit = sum(total.values())
    recall = sum(found.values()) / nhit if nhit else 0.0
    fp_rate = fps / clean if clean else 0.0
    for cat in sorted(total):
        print('%-16s %4d/%-4d' % (cat, found.get(cat, 0), total[cat]))
    print('%s: recall %.3f (%d/%d, need >= %.3f), false positives %.3f (%d/%d, need <= %.3f)'
          % (path, recall, sum(found.values()), nhit, min_recall, fp_rate, fps, clean, max_fp))
    ok = nhit > 0 and clean > 0 and recall >= min_recall and fp_rate <= max_fp
    if problems:
        print('\n'.join(problems))
    return ok


def check_benign(tool, lists, path, max_rate):
    with open(path, encoding='utf-8') as f:
        texts = [line.rstrip('\n') for line in f if line.strip()]
    hits = scan(tool, lists, texts)
    bad = [(t, h) for t, h in zip(texts, hits) if h]
    rate = len(bad) / len(texts) if texts else 1.0
    print('%s: %d of %d lines hit, rate %.4f (need <= %.4f)' % (path, len(bad), len(texts), rate, max_rate))
    for t, h in bad:
        print('hit in benign text: %s  (got %s)' % (t, describe(h)))
    return bool(texts) and rate <= max_rate


def check_lint(tool, lists):
    rc, out, err = run([tool, 'lint', lists])
    print((out + err).strip())
    if rc != 0:
        print('vigil-wordlist lint exited %d' % rc)
    return rc == 0


def check_rules(tool, lists, min_rules, categories):
    rc, out, err = run([tool, 'dump', '--lists', lists])
    if rc != 0:
        rc, out, err = run([tool, 'dump', lists])
    if rc != 0:
        print('vigil-wordlist dump exited %d: %s' % (rc, err.strip()[:500]))
        return False
    nrules = len([l for l in out.splitlines() if l.strip()])
    print('dump: %d rules (need >= %d)' % (nrules, min_rules))
    rc, out, err = run([tool, 'stats', '--lists', lists])
    if rc != 0:
        print('vigil-wordlist stats exited %d: %s' % (rc, err.strip()[:500]))
        return False
    present = set()
    for line in out.splitlines():
        words = line.split()
        if len(words) > 1 and words[1].isdigit() and any(int(w) for w in words[1:] if w.isdigit()):
            present.add(words[0])
    missing = [c for c in categories if c not in present]
    if missing:
        print('categories without rules: %s' % ', '.join(missing))
    return nrules >= min_rules and not missing


def plain(text):
    """Lower case without accents or apostrophes: what a literal reading compares."""
    text = unicodedata.normalize('NFKD', text.lower())
    return ''.join(c for c in text if not unicodedata.combining(c) and c not in "'\u2019")


def literal_regex(pattern):
    """A regex matching a phrase written literally: its words with separators between."""
    words = []
    for w in plain(pattern).split():
        rx = ''
        for i, c in enumerate(w):
            if c == '*':
                rx += '[a-z0-9]*' if i == len(w) - 1 else '[*]'
            else:
                rx += re.escape(c)
        words.append(rx)
    return re.compile('[^a-z0-9]+'.join(words) + r'\Z')


def check_prose(tool, lists, max_rate, paths):
    sentences = []
    for path in paths:
        with open(path, encoding='utf-8', errors='replace') as f:
            for entry in re.split(r'\n%\n', f.read()):
                entry = ' '.join(entry.split())
                sentences += [x for x in re.split(r'(?<=[.!?])\s+', entry) if len(x.split()) >= 4]
    hits = scan(tool, lists, sentences)
    high = [(t, h) for t, h in zip(sentences, hits) if any(x['severity'] >= 4 for x in h)]
    anyhit = sum(1 for h in hits if h)
    rate = 1000.0 * len(high) / len(sentences) if sentences else 1000.0
    print('%d sentences: %.2f per 1,000 with any hit, %.2f per 1,000 at severity >= 4 (need <= %.2f)'
          % (len(sentences), 1000.0 * anyhit / max(len(sentences), 1), rate, max_rate))
    for t, h in high:
        print('severity >= 4: %s  (got %s)' % (t[:160], describe(h)))
    return bool(sentences) and rate <= max_rate


def check_folding(tool, lists, dictionary, allow_path):
    with open(dictionary, encoding='utf-8') as f:
        words = [w.strip() for w in f if w.strip()]
    with open(allow_path, encoding='utf-8') as f:
        allow = {l.split('#')[0].strip() for l in f} - {''}
    hits = scan(tool, lists, words)
    folded = []
    for word, hs in zip(words, hits):
        # a possessive ("piss's") folds to a stretched last letter, yet is the word itself
        texts = [plain(word), plain(word[:-2])] if word.endswith("'s") else [plain(word)]
        if not hs or any(literal_regex(h.get('pattern', h['phrase'])).match(t)
                         for h in hs if '&' not in h['phrase'] for t in texts):
            continue
        if word not in allow:
            folded.append('%s  (got %s)' % (word, describe(hs)))
    print('%s: %d words, %d matched only through folding outside %s'
          % (dictionary, len(words), len(folded), allow_path))
    for line in folded:
        print('folded: ' + line)
    return len(words) > 1000 and not folded


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    tool, lists, check, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    if check == 'labelled' and len(args) in (3, 4):
        ok = check_labelled(tool, lists, args[0], float(args[1]), float(args[2]),
                            int(args[3]) if len(args) == 4 else 1)
    elif check == 'benign' and len(args) == 2:
        ok = check_benign(tool, lists, args[0], float(args[1]))
    elif check == 'lint' and not args:
        ok = check_lint(tool, lists)
    elif check == 'rules' and len(args) >= 1:
        ok = check_rules(tool, lists, int(args[0]), args[1:])
    elif check == 'prose' and len(args) >= 2:
        ok = check_prose(tool, lists, float(args[0]), args[1:])
    elif check == 'folding' and len(args) == 2:
        ok = check_folding(tool, lists, args[0], args[1])
    else:
        sys.exit(__doc__)
    print('PASS' if ok else 'FAIL')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
