/* scanner.c: runs the compiled automaton over a stream of UTF-8 text and reports hits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "dfa.h"
#include "vigil-limits.h"
#include "lists.h"
#include "strict.h"

/*
 * The scanner steps a lazily built DFA (dfa.h) once per symbol (O(1) per byte, bounded
 * memory) and remembers the last
 * VIGIL_SCAN_HISTORY symbols with their byte offsets. When a DFA state's ready
 * patterns are completed by a separator, the start of each match is found by running
 * the NFA forward from the nearest word starts in that history. Hits wait in a short
 * queue while an exclusion is partly matched, since it may still cover them.
 */

#define HIST     VIGIL_SCAN_HISTORY
#define HMASK    (HIST - 1)
#define SIM_MAX  256 /* NFA states followed when locating a match's start */
#define NO_START UINT64_MAX

struct span {
	uint32_t pattern;
	uint64_t start, end;   /* bytes */
	uint64_t sstart, send; /* symbol indices */
};

/*
 * The terms of a combination seen so far, one bit per term, which count only while gen
 * equals the scanner's gen: reset then forgets every term by bumping one counter instead
 * of clearing every combination's (that memset was most of a line-by-line scan's
 * instructions). One word to test rather than a load per term, since most words of
 * ordinary text that are terms never meet their partners; eight bytes, so that those of
 * every combination stay in cache, since a common word ("school") is a term of dozens.
 */
struct term_set {
	uint32_t gen; /* 0: never valid */
	uint32_t seen;
};

/*
 * Where each term of a combination was seen last, written for every term seen and read
 * only when all are: its pattern and the symbol it ended at, whose end is in the
 * scanner's sights (one written per word, not per combination). Its whole span, with its
 * start once looked for, is in the scanner's terms when at says SIGHT_SPAN.
 */
struct term_where {
	uint32_t pattern[VIGIL_LIST_MAX_COMBO_TERMS];
	uint64_t at[VIGIL_LIST_MAX_COMBO_TERMS]; /* a symbol index, or SIGHT_SPAN */
};

#define SIGHT_SPAN UINT64_MAX

/* A word that is a term of combinations, seen at symbol send (sights[send & HMASK]): at
 * most one a symbol, so the ring holds every one the history does. */
struct sight {
	uint64_t end, send;
};

#define MEMO      256 /* answers remembered per stream (a power of 2): see struct memo */
#define MEMO_SYMS 30  /* about matches up to this many symbols */

/*
 * Text repeats its words, and a match is re-read at each occurrence: whether it holds
 * read strictly (strict_ok), and whether the automaton run from a word start completes
 * its pattern (find_starts). Both answers depend only on the pattern and the symbols
 * read, so the latest ones are remembered, keyed by exactly those.
 */
enum memo_kind { MEMO_STRICT, MEMO_COMPLETES };

struct memo {
	uint32_t pattern;
	uint8_t kind;
	uint8_t n; /* symbols; 0 for an empty slot (a match has at least one) */
	bool yes;
	uint8_t syms[MEMO_SYMS];
};

#define EMEMO 64 /* emissions remembered per stream (a power of 2): see struct ememo */

/*
 * An emission whose located patterns all began at the first symbol of its word (the
 * usual one: a term of a combination whose word also begins an exclusion is located and
 * read strictly at every occurrence of the word). The same DFA state, the same choice of
 * patterns (lazy) and the same symbols from that start give the same starts and strict
 * readings: one lookup instead of find_starts and a strict_ok per pattern.
 */
struct ememo {
	size_t flushes; /* the DFA's when it was stored: state ids change at a flush */
	uint32_t state;
	uint8_t lazy;
	uint8_t n;       /* symbols; 0 for an empty slot */
	uint64_t strict; /* bit k: the emission's pattern k holds when read strictly */
	uint8_t syms[MEMO_SYMS];
};

#define CUES   32 /* context cues remembered per stream */
#define BREAKS 16 /* line breaks remembered per stream */

struct cue {
	uint32_t rule;
	uint64_t send; /* its last symbol; an emoji is one separator */
	uint8_t words; /* its words (0 for an emoji): where it began, without looking */
};

/* A hit waiting for context that may still come after it, or being reported. */
struct waiting {
	uint32_t rule;
	const char *text; /* word class expansion, or NULL */
	uint64_t start, end, sstart, send;
	int severity;      /* after context so far; 0: dropped */
	int words_left;    /* word starts still to see before it is certain */
	uint32_t cue;      /* the cue that lowered it, or UINT32_MAX */
	int16_t when;      /* its clause among the rule's */
	uint16_t distance; /* words */
	uint8_t dir;       /* WL_BEFORE, WL_AFTER, or both (the cue overlaps the hit) */
};

struct match_scanner {
	struct match_lists *lists;
	const struct automaton *am;
	struct dfa *dfa;
	uint32_t state;
	uint64_t offset;
	uint8_t u8[4];
	uint8_t u8len, u8need;
	uint64_t u8start;
	uint64_t nsym, seg_start;
	uint8_t hsym[HIST];
	/* Where each symbol's character lies, kept apart for those of the slow path: */
	uint64_t hseq[HIST];   /* hbase + the symbol's index when the slow path stored it */
	uint64_t hstart[HIST]; /* then its character's byte offset */
	uint8_t hlen[HIST];    /* and length in bytes */
	/* and for a run of the hot loop, one byte per symbol: where it began */
	struct run {
		uint64_t sym, off, end; /* its first symbol and byte, and the symbol after it */
	} runs[HIST];
	uint64_t nruns;
	uint64_t hbase; /* from 1, above every hseq stored before the last reset */
	struct span pend[VIGIL_SCAN_MAX_PENDING];
	size_t npend;
	struct span *terms;        /* ncombos * VIGIL_LIST_MAX_COMBO_TERMS: see struct term_where */
	struct term_set *tsets;    /* ncombos: which of them count */
	struct term_where *twhere; /* ncombos: where they were seen */
	struct sight sights[HIST];
	uint32_t gen;          /* of the terms that count now; from 1 */
	struct cue cues[CUES]; /* ring of the latest context cues */
	uint64_t ncues;
	uint64_t breaks[BREAKS]; /* ring of the symbols of the latest line breaks */
	uint64_t nbreaks;
	struct waiting wait[VIGIL_SCAN_MAX_PENDING];
	size_t nwait;
	struct memo memo[MEMO];
	struct ememo ememo[EMEMO];
	char why[256];        /* the context explanation of the hit being reported */
	uint8_t fast[256];    /* per byte, for the hot loop: see FAST_SLOW */
	uint8_t fastcol[256]; /* and its column in the DFA's trans (dfa_col), or DFA_COL_NONE */
	uint32_t coloff[256]; /* and where that column begins in trans, in bytes, for colcap */
	size_t colcap;        /* the DFA's cap when coloff was worked out */
	match_hit_fn fn;
	void *userdata;
};

/* What the hot loop makes of a byte (struct match_scanner's fast): its symbol, or */
#define FAST_SKIP SYM_COUNT /* no symbol (an apostrophe) */
#define FAST_SLOW                                                                                  \
	0xff /* a line break, a byte of a multi-byte character, or a                               \
	      * symbol whose transitions are not in the DFA's trans */

static void fast_init(uint8_t fast[256], uint8_t fastcol[256])
{
	for (int b = 0; b < 256; b++) {
		fast[b] = b >= 0x80 || b == '\n' ? FAST_SLOW : norm_ascii[b];
		if (fast[b] < SYM_COUNT && dfa_col(fast[b]) >= DFA_COLS)
			fast[b] = FAST_SLOW; /* a digit or leetspeak punctuation */
		/* the hot loop leaves at a missing transition: one test for both */
		fastcol[b] = fast[b] < SYM_COUNT ? (uint8_t)dfa_col(fast[b]) : DFA_COL_NONE;
	}
}

struct match_scanner *match_scanner_new(struct match_lists *lists)
{
	struct match_scanner *sc;

	if (!lists)
		return NULL;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->lists = match_lists_ref(lists);
	sc->terms = calloc(lists->ncombos * VIGIL_LIST_MAX_COMBO_TERMS + 1, sizeof(*sc->terms));
	sc->tsets = calloc(lists->ncombos + 1, sizeof(*sc->tsets));
	sc->twhere = malloc((lists->ncombos + 1) * sizeof(*sc->twhere)); /* read once written */
	sc->dfa = dfa_new(lists->am, VIGIL_SCAN_CACHE_STATES);
	if (!sc->terms || !sc->tsets || !sc->twhere || !sc->dfa) {
		match_scanner_free(sc); /* takes a half-built scanner */
		return NULL;
	}
	sc->am = lists->am;
	sc->gen = 1;
	sc->hbase = 1;
	fast_init(sc->fast, sc->fastcol);
	sc->state = dfa_start(sc->dfa);
	return sc;
}

void match_scanner_free(struct match_scanner *sc)
{
	if (!sc)
		return;
	match_lists_unref(sc->lists);
	dfa_free(sc->dfa);
	free(sc->terms);
	free(sc->tsets);
	free(sc->twhere);
	free(sc);
}

void match_scanner_set_cache(struct match_scanner *sc, size_t max_states)
{
	dfa_set_max(sc->dfa, max_states);
}

void match_scanner_reset(struct match_scanner *sc)
{
	sc->state = dfa_start(sc->dfa);
	sc->hbase += sc->nsym; /* symbol indices start again from 0 */
	sc->offset = sc->nsym = sc->seg_start = 0;
	sc->u8need = sc->u8len = 0;
	sc->npend = 0;
	sc->nwait = 0;
	sc->ncues = 0;
	sc->nbreaks = 0;
	sc->nruns = 0;
	if (++sc->gen == 0) { /* forgets every term seen (struct term_set) */
		memset(sc->tsets, 0, (sc->lists->ncombos + 1) * sizeof(*sc->tsets));
		sc->gen = 1;
	}
}

uint64_t match_scanner_offset(const struct match_scanner *sc)
{
	return sc->offset;
}

/* ---- reporting ------------------------------------------------------------ */

static bool is_boundary(uint8_t sym)
{
	return norm_boundary_mask & SYMBIT(sym);
}

static bool is_sep(uint8_t sym)
{
	return norm_sep_mask & SYMBIT(sym);
}

/* The latest run of the hot loop when it holds symbol i (the usual case), else NULL. */
static const struct run *last_run_with(const struct match_scanner *sc, uint64_t i)
{
	const struct run *last = &sc->runs[(sc->nruns - 1) & HMASK];

	return sc->nruns && last->sym <= i && i < last->end ? last : NULL;
}

/* The byte offset of the character of symbol i (in the history). */
static uint64_t sym_start(const struct match_scanner *sc, uint64_t i)
{
	const struct run *last = last_run_with(sc, i);
	uint64_t lo, hi;

	if (last)
		return last->off + (i - last->sym);
	if (sc->hseq[i & HMASK] == sc->hbase + i)
		return sc->hstart[i & HMASK];
	/* in a run of the hot loop: the latest run that began at or before it; the run
	 * holding a symbol of the history is among the latest HIST, as each has a symbol */
	lo = sc->nruns > HIST ? sc->nruns - HIST : 0;
	hi = sc->nruns - 1;
	if (sc->runs[hi & HMASK].sym <= i) /* the latest run */
		lo = hi;
	while (lo < hi) {
		uint64_t mid = hi - (hi - lo) / 2;

		if (sc->runs[mid & HMASK].sym <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return sc->runs[lo & HMASK].off + (i - sc->runs[lo & HMASK].sym);
}

/* The byte offset just after the character of symbol i. */
static uint64_t sym_end(const struct match_scanner *sc, uint64_t i)
{
	if (!last_run_with(sc, i) && sc->hseq[i & HMASK] == sc->hbase + i)
		return sc->hstart[i & HMASK] + sc->hlen[i & HMASK];
	return sym_start(sc, i) + 1;
}

/* Records the next symbol of the history, taken the slow way. */
static void hist_put(struct match_scanner *sc, uint8_t sym, uint64_t start, uint64_t end)
{
	size_t h = sc->nsym & HMASK;

	sc->hsym[h] = sym;
	sc->hseq[h] = sc->hbase + sc->nsym;
	sc->hstart[h] = start;
	sc->hlen[h] = (uint8_t)(end - start);
}

/*
 * Words whose first symbol lies in (from, to], plus one: the words a span touches.
 * Counting stops past cap (the caller's widest window): the result is exact up to cap
 * and more than cap otherwise, so a cue far back costs no more than a near one.
 */
static size_t words_between(const struct match_scanner *sc, uint64_t from, uint64_t to, size_t cap)
{
	size_t words = 1;
	bool prev = is_boundary(sc->hsym[from & HMASK]);

	for (uint64_t k = from + 1; k <= to && words <= cap; k++) {
		bool b = is_boundary(sc->hsym[k & HMASK]);

		words += prev && !b;
		prev = b;
	}
	return words;
}

/* ---- context ---------------------------------------------------------------- */

static bool in_history(const struct match_scanner *sc, uint64_t sym)
{
	return sc->nsym - sym < HIST - 1;
}

/*
 * True when a line break lies strictly between symbols lo and hi. Lines typed one after
 * the other are scanned as one text (a message sent in pieces), but a cue in one line
 * says nothing of a hit in another: "in science today" does not make the next line's
 * "i want to kill myself" a lesson.
 */
static bool break_between(const struct match_scanner *sc, uint64_t lo, uint64_t hi)
{
	uint64_t first = sc->nbreaks > BREAKS ? sc->nbreaks - BREAKS : 0;

	for (uint64_t i = first; i < sc->nbreaks; i++)
		if (sc->breaks[i % BREAKS] > lo && sc->breaks[i % BREAKS] < hi)
			return true;
	/* An older break may have left the ring: then the cue is too far back anyway
	 * unless it is newer than the oldest break remembered. */
	return first > 0 && lo < sc->breaks[first % BREAKS];
}

/*
 * The widest window of r's clauses that cue rule cr could apply in direction dir to a
 * hit now at severity, or -1 when none could: most cues belong to contexts the rule
 * never names, and then no distance need be counted.
 */
static int cue_window(const struct wl_set *set, const struct wl_rule *r, const struct wl_rule *cr,
                      uint8_t dir, int severity)
{
	uint8_t floor = set->floor[r->category];
	int widest = -1;

	for (uint8_t i = 0; i < r->nwhen; i++) {
		const struct wl_when *wh = &r->when[i];
		int sev = wh->severity < floor ? floor : wh->severity;

		if (wh->context == cr->context && (wh->dir & dir) && sev < severity &&
		    wh->window > widest)
			widest = wh->window;
	}
	return widest;
}

/* Lowers w by cue c when one of its rule's clauses says so. */
static void apply_cue(struct match_scanner *sc, struct waiting *w, const struct cue *c)
{
	const struct wl_set *set = &sc->lists->set;
	const struct wl_rule *r = &set->rules[w->rule];
	const struct wl_rule *cr = &set->rules[c->rule];
	uint8_t floor = set->floor[r->category], dir;
	int widest;
	size_t d;

	if (!in_history(sc, c->send) || !in_history(sc, w->sstart))
		return;
	if (c->send < w->sstart) {
		if (break_between(sc, c->send, w->sstart))
			return;
		dir = WL_BEFORE;
		if ((widest = cue_window(set, r, cr, dir, w->severity)) < 0)
			return;
		d = words_between(sc, c->send, w->sstart, (size_t)widest + 1) - 1;
	} else if (c->send > w->send) {
		if (break_between(sc, w->send, c->send))
			return;
		dir = WL_AFTER;
		if ((widest = cue_window(set, r, cr, dir, w->severity)) < 0)
			return;
		d = words_between(sc, w->send, c->send, (size_t)widest + c->words);
		d = d > c->words ? d - c->words : 1;
	} else {
		dir = WL_WITHIN;
		d = 0;
	}
	for (uint8_t i = 0; i < r->nwhen; i++) {
		const struct wl_when *wh = &r->when[i];
		int sev = wh->severity < floor ? floor : wh->severity;

		if (wh->context != cr->context || !(wh->dir & dir) || d > wh->window ||
		    sev >= w->severity)
			continue;
		w->severity = sev;
		w->cue = c->rule;
		w->when = (int16_t)i;
		w->distance = (uint16_t)d;
		w->dir = dir;
	}
}

/* Reports w (unless context dropped it). */
static void output(struct match_scanner *sc, const struct waiting *w)
{
	const struct wl_set *set = &sc->lists->set;
	struct match_hit hit;

	if (w->severity == 0 || !sc->fn)
		return;
	lists_describe(sc->lists, w->rule, &hit);
	hit.start = w->start;
	hit.end = w->end;
	if (w->text)
		hit.pattern = w->text;
	if (w->cue != UINT32_MAX) {
		const struct wl_when *wh = &set->rules[w->rule].when[w->when];

		hit.severity = w->severity;
		snprintf(sc->why, sizeof(sc->why), "severity %d \u2192 %d: '%s' %s",
		         hit.base_severity, w->severity, set->rules[w->cue].phrase,
		         w->dir == WL_BEFORE  ? "before it"
		         : w->dir == WL_AFTER ? "after it"
		                              : "around it");
		if (w->dir != WL_WITHIN) {
			char *p = strrchr(sc->why, '\'');

			snprintf(p + 1, sizeof(sc->why) - (size_t)(p + 1 - sc->why),
			         " %u word%s %s", w->distance, w->distance == 1 ? "" : "s",
			         w->dir == WL_BEFORE ? "before" : "after");
		}
		hit.context = sc->why;
		hit.context_rule = wh->rule;
	}
	sc->fn(&hit, sc->userdata);
}

/* Reports the waiting hits at the front of the queue that are certain (all: every one). */
static void flush_waiting(struct match_scanner *sc, bool all)
{
	size_t k = 0;

	while (k < sc->nwait && (all || sc->wait[k].words_left <= 0 || sc->wait[k].severity == 0))
		output(sc, &sc->wait[k++]);
	memmove(sc->wait, sc->wait + k, (sc->nwait - k) * sizeof(sc->wait[0]));
	sc->nwait -= k;
}

/* A cue of a context was seen: remembered for later hits, applied to waiting ones. */
static void cue_seen(struct match_scanner *sc, uint32_t rule, uint64_t send, uint8_t words)
{
	struct cue *c = &sc->cues[sc->ncues++ % CUES];

	*c = (struct cue){rule, send, words};
	for (size_t i = 0; i < sc->nwait; i++)
		apply_cue(sc, &sc->wait[i], c);
}

/* New words started (n of them): waiting hits come nearer to being certain. */
static void word_started(struct match_scanner *sc, size_t n)
{
	for (size_t i = 0; i < sc->nwait; i++)
		sc->wait[i].words_left -= (int)n;
	flush_waiting(sc, false);
}

static void report(struct match_scanner *sc, uint32_t rule, const char *text, uint64_t start,
                   uint64_t end, uint64_t sstart, uint64_t send)
{
	const struct wl_rule *r = &sc->lists->set.rules[rule];
	struct waiting w = {rule,        text, start,      end, sstart, send,
	                    r->severity, 0,    UINT32_MAX, 0,   0,      0};
	uint64_t first = sc->ncues > CUES ? sc->ncues - CUES : 0;

	for (uint8_t i = 0; i < r->nwhen; i++)
		if ((r->when[i].dir & WL_AFTER) && r->when[i].window + 2 > w.words_left)
			w.words_left = r->when[i].window + 2;
	for (uint64_t i = first; i < sc->ncues && r->nwhen; i++)
		apply_cue(sc, &w, &sc->cues[i % CUES]);
	if (!sc->nwait && (w.words_left == 0 || w.severity == 0)) {
		output(sc, &w);
		return;
	}
	if (sc->nwait == VIGIL_SCAN_MAX_PENDING)
		flush_waiting(sc, true);
	sc->wait[sc->nwait++] = w;
}

#define NO_HASH UINT64_MAX

static void find_starts(struct match_scanner *sc, uint64_t e, const uint32_t *pats, size_t n,
                        uint64_t *starts, uint64_t *hashes, uint64_t lo);
static bool strict_ok(struct match_scanner *sc, const struct span *s, uint64_t hash);

/*
 * A term recorded without its start (most terms never meet their partners, so their
 * starts are found only when a combination may complete). False when it is too old or
 * its match does not hold when read strictly.
 */
static bool resolve_start(struct match_scanner *sc, struct span *s)
{
	uint64_t st;
	uint64_t hash;

	if (s->sstart != NO_START)
		return true;
	if (sc->nsym - s->send >= HIST - 1)
		return false;
	find_starts(sc, s->send, &s->pattern, 1, &st, &hash, 0);
	s->sstart = st;
	s->start = sym_start(sc, st);
	return strict_ok(sc, s, hash);
}

/*
 * Every term of the combination of pattern, its latest term, has been seen (t: where,
 * ts: which count): reports the combination when all are near. Kept out of line so that
 * combo_seen(), called for almost every word of ordinary text, stays small.
 */
static __attribute__((noinline)) void combo_complete(struct match_scanner *sc, uint32_t pattern,
                                                     struct span *t, struct term_set *ts,
                                                     struct term_where *tw)
{
	const struct am_pattern *p = &sc->am->patterns[pattern];
	const struct wl_rule *rule = &sc->lists->set.rules[p->rule];
	uint64_t lo, hi, start, end;

	for (uint8_t i = 0; i < rule->nterms; i++) {
		uint64_t at = tw->at[i];

		if (at != SIGHT_SPAN) { /* its span from its sight; one written over since is
			                 * too old to resolve (the history has moved past it) */
			const struct sight *g = &sc->sights[at & HMASK];

			t[i] = (struct span){tw->pattern[i], 0, g->send == at ? g->end : 0,
			                     NO_START, at};
			tw->at[i] = SIGHT_SPAN;
		}
	}
	hi = t[p->term].send;
	end = t[p->term].end;
	for (uint8_t i = 0; i < rule->nterms; i++) {
		if (!resolve_start(sc, &t[i])) {
			ts->seen &= ~(1u << i);
			return;
		}
	}
	lo = t[p->term].sstart;
	start = t[p->term].start;
	for (uint8_t i = 0; i < rule->nterms; i++) {
		if (sc->nsym - t[i].sstart >= HIST) {
			ts->seen &= ~(1u << i); /* too long ago to count the words between */
			return;
		}
		if (t[i].sstart < lo) {
			lo = t[i].sstart;
			start = t[i].start;
		}
		if (t[i].send > hi) {
			hi = t[i].send;
			end = t[i].end;
		}
	}
	if (words_between(sc, lo, hi, rule->window) > rule->window)
		return;
	ts->seen = 0;
	report(sc, p->rule, NULL, start, end, lo, hi);
}

/*
 * Term 'term' of combination 'combo' (of nterms terms) was seen: as pattern, ending at
 * symbol send, with its end in sights[send & HMASK] (s NULL), or as the span s. Reports
 * the combination when all terms are near.
 */
static inline void combo_seen(struct match_scanner *sc, uint32_t combo, uint8_t term,
                              uint8_t nterms, uint32_t pattern, uint64_t send, const struct span *s)
{
	struct term_set *ts = &sc->tsets[combo];
	struct term_where *tw = &sc->twhere[combo];

	if (ts->gen != sc->gen) {
		ts->gen = sc->gen;
		ts->seen = 0;
	}
	ts->seen |= 1u << term;
	tw->pattern[term] = pattern;
	tw->at[term] = s ? SIGHT_SPAN : send;
	if (s)
		sc->terms[combo * VIGIL_LIST_MAX_COMBO_TERMS + term] = *s;
	if (ts->seen != (1u << nterms) - 1)
		return; /* the usual case: a term alone */
	combo_complete(sc, pattern, sc->terms + combo * VIGIL_LIST_MAX_COMBO_TERMS, ts, tw);
}

static void deliver(struct match_scanner *sc, const struct span *s)
{
	const struct am_pattern *p = &sc->am->patterns[s->pattern];

	if (p->kind == MATCH_RULE_COMBO)
		combo_seen(sc, p->combo, p->term, p->nterms, s->pattern, 0, s);
	else
		report(sc, p->rule,
		       p->xtext ? sc->lists->set.rules[p->rule].xtexts[p->xtext - 1] : NULL,
		       s->start, s->end, s->sstart, s->send);
}

static void release(struct match_scanner *sc)
{
	for (size_t i = 0; i < sc->npend; i++)
		deliver(sc, &sc->pend[i]);
	sc->npend = 0;
}

/* ---- remembered answers (struct memo) ------------------------------------------ */

/*
 * A hash of n symbols (at most MEMO_SYMS, copied by hist_copy, which pads them with
 * zeros to a multiple of 8), 8 at a time; a question's slot mixes in its pattern and
 * kind, so that one hash serves every pattern asked about the same symbols.
 */
static uint64_t syms_hash(const uint8_t *syms, size_t n)
{
	uint64_t h = n * 0x9e3779b97f4a7c15ULL, w;

	for (size_t i = 0; i < n; i += 8) {
		memcpy(&w, syms + i, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h & (NO_HASH >> 1);
}

/* The slot for the question, or NULL when the symbols are too many to remember. */
static struct memo *memo_slot(struct match_scanner *sc, uint8_t kind, uint32_t pattern,
                              uint64_t hash, size_t n)
{
	uint64_t h = hash ^ ((uint64_t)(pattern * 2 + kind) << 32 | (pattern * 2 + kind));

	if (n > MEMO_SYMS)
		return NULL;
	h = (h ^ h >> 33) * 0xc4ceb9fe1a85ec53ULL; /* murmur3's finaliser */
	h = (h ^ h >> 29) * 0xff51afd7ed558ccdULL;
	return &sc->memo[(h ^ h >> 32) & (MEMO - 1)];
}

static bool memo_holds(const struct memo *m, uint8_t kind, uint32_t pattern, const uint8_t *syms,
                       size_t n)
{
	return m && m->n == n && m->pattern == pattern && m->kind == kind &&
	       memcmp(m->syms, syms, n) == 0;
}

static void memo_put(struct memo *m, uint8_t kind, uint32_t pattern, const uint8_t *syms, size_t n,
                     bool yes)
{
	if (!m)
		return;
	m->pattern = pattern;
	m->kind = kind;
	m->n = (uint8_t)n;
	m->yes = yes;
	memcpy(m->syms, syms, n);
}

/*
 * The symbols from index i to e (at most HIST) into out (room for HIST + 8); returns
 * how many. Up to 8 zeros follow them, for syms_hash.
 */
static size_t hist_copy(const struct match_scanner *sc, uint64_t i, uint64_t e, uint8_t *out)
{
	size_t n = i > e ? 0 : e - i + 1 > HIST ? HIST : (size_t)(e - i + 1);
	size_t h = i & HMASK, first = n < HIST - h ? n : HIST - h;

	if (n <= 24 && h + 32 <= HIST) {
		/* the usual few symbols of a match: copies of a constant size, which the
		 * compiler makes a few moves rather than calls */
		memcpy(out, sc->hsym + h, 32);
		memset(out + n, 0, 8);
		return n;
	}
	memcpy(out, sc->hsym + h, first);
	memcpy(out + first, sc->hsym, n - first);
	memset(out + n, 0, 8);
	return n;
}

/* ---- where a match began ---------------------------------------------------- */

static size_t sim_add(uint32_t *set, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == x)
			return n;
	if (n < SIM_MAX)
		set[n++] = x;
	return n;
}

/* Runs the NFA from a word start at symbol i to symbol e; returns the states at e. */
static size_t simulate(const struct match_scanner *sc, uint64_t i, uint64_t e, uint32_t *cur)
{
	const struct automaton *am = sc->am;
	uint32_t next[SIM_MAX];
	size_t n = 0;
	uint8_t sym = sc->hsym[i & HMASK];
	symmask_t bit;

	for (uint32_t k = am->root_off[sym]; k < am->root_off[sym + 1]; k++)
		n = sim_add(cur, n, am->root_to[k]);
	for (uint64_t j = i + 1; j <= e && n; j++) {
		size_t m = 0;

		bit = SYMBIT(sc->hsym[j & HMASK]);
		for (size_t q = 0; q < n; q++)
			for (uint32_t k = am->edge_off[cur[q]]; k < am->edge_off[cur[q] + 1]; k++)
				if (am_edge_mask(am, am->edges[k]) & bit)
					m = sim_add(next, m, AM_EDGE_TO(am->edges[k]));
		memcpy(cur, next, m * sizeof(*cur));
		n = m;
	}
	return n;
}

static bool completes(const struct automaton *am, const uint32_t *set, size_t n, uint32_t pattern)
{
	for (size_t q = 0; q < n; q++)
		for (uint32_t lo, hi = am_finals(am, set[q], &lo), f = lo; f < hi; f++)
			if (am->fin[f] == pattern)
				return true;
	return false;
}

/*
 * Finds the latest start of each of the n patterns whose matches end at symbol e.
 * A start the history no longer holds becomes the oldest symbol it holds.
 */
static void find_starts(struct match_scanner *sc, uint64_t e, const uint32_t *pats, size_t n,
                        uint64_t *starts, uint64_t *hashes, uint64_t seg)
{
	uint64_t lo = seg, ring_lo = sc->nsym + 1 > HIST ? sc->nsym + 1 - HIST : 0;
	size_t left = n;
	uint32_t set[SIM_MAX];
	uint8_t syms[HIST + 8];
	struct memo *slots[64];

	if (lo < ring_lo)
		lo = ring_lo;
	for (size_t k = 0; k < n; k++) {
		starts[k] = NO_START;
		hashes[k] = NO_HASH;
	}
	for (uint64_t i = e + 1; i-- > lo && left;) {
		symmask_t bit = SYMBIT(sc->hsym[i & HMASK]);
		size_t m, nsyms;
		uint64_t hash;
		bool known = true;

		if (i > seg && (i == lo || !is_sep(sc->hsym[(i - 1) & HMASK])))
			continue;
		m = 0;
		for (size_t k = 0; k < n; k++)
			m |= starts[k] == NO_START && (am_entry(sc->am, pats[k]) & bit);
		if (!m)
			continue;
		nsyms = hist_copy(sc, i, e, syms);
		hash = nsyms <= MEMO_SYMS ? syms_hash(syms, nsyms) : NO_HASH;
		for (size_t k = 0; k < n; k++) {
			if (starts[k] != NO_START)
				continue;
			slots[k] = memo_slot(sc, MEMO_COMPLETES, pats[k], hash, nsyms);
			known = known && memo_holds(slots[k], MEMO_COMPLETES, pats[k], syms, nsyms);
		}
		m = known ? 0 : simulate(sc, i, e, set);
		for (size_t k = 0; k < n; k++) {
			bool yes;

			if (starts[k] != NO_START)
				continue;
			if (known) {
				yes = slots[k]->yes;
			} else {
				yes = completes(sc->am, set, m, pats[k]);
				memo_put(slots[k], MEMO_COMPLETES, pats[k], syms, nsyms, yes);
			}
			if (yes) {
				starts[k] = i;
				hashes[k] = hash;
				left--;
			}
		}
	}
	for (size_t k = 0; k < n; k++)
		if (starts[k] == NO_START)
			starts[k] = lo;
}

/* ---- completed matches -------------------------------------------------------- */

static bool covers(const struct span *x, const struct span *h)
{
	return x->start <= h->start && h->end <= x->end;
}

/*
 * The match of s read strictly (strict.h): no doubled letter taken for a stretched one.
 * hash: syms_hash of its symbols when find_starts had it, else NO_HASH.
 */
static bool strict_ok(struct match_scanner *sc, const struct span *s, uint64_t hash)
{
	uint8_t syms[HIST + 8];
	size_t n = hist_copy(sc, s->sstart, s->send, syms);
	struct wl_pattern pat;
	struct memo *slot;
	bool yes;

	if (hash == NO_HASH && n <= MEMO_SYMS)
		hash = syms_hash(syms, n);
	slot = memo_slot(sc, MEMO_STRICT, s->pattern, hash, n);

	if (memo_holds(slot, MEMO_STRICT, s->pattern, syms, n))
		return slot->yes;
	am_pat_get(sc->am, s->pattern, &pat);
	yes = strict_match(&pat, syms, n);
	memo_put(slot, MEMO_STRICT, s->pattern, syms, n, yes);
	return yes;
}

static void hold(struct match_scanner *sc, const struct span *s)
{
	if (sc->npend == VIGIL_SCAN_MAX_PENDING) {
		deliver(sc, &sc->pend[0]);
		memmove(sc->pend, sc->pend + 1, (sc->npend - 1) * sizeof(sc->pend[0]));
		sc->npend--;
	}
	sc->pend[sc->npend++] = *s;
}

/*
 * The first symbol find_starts tries as a start for a match ending at symbol e: the
 * latest word start (or segment start) that the history holds; NO_START when none.
 */
static uint64_t first_candidate(const struct match_scanner *sc, uint64_t e)
{
	uint64_t seg = sc->seg_start, lo = seg,
	         ring_lo = sc->nsym + 1 > HIST ? sc->nsym + 1 - HIST : 0;

	if (lo < ring_lo)
		lo = ring_lo;
	for (uint64_t i = e + 1; i-- > lo;)
		if (!(i > seg && (i == lo || !is_sep(sc->hsym[(i - 1) & HMASK]))))
			return i;
	return NO_START;
}

/*
 * Locates the n patterns pats ending at symbol e (state, lazy: the emission's) and reads
 * each strictly: starts as find_starts, bit k of the result for pattern k's strict
 * reading (exclusions' bits are not set).
 */
static uint64_t locate(struct match_scanner *sc, uint32_t state, bool lazy, uint64_t e,
                       const uint32_t *pats, size_t n, uint64_t *starts, uint64_t end)
{
	uint64_t i0 = first_candidate(sc, e), hashes[64], strict = 0, h;
	uint8_t syms[HIST + 8];
	struct ememo *em = NULL;
	size_t nsyms = 0;
	bool all;

	if (i0 != NO_START && e - i0 < MEMO_SYMS) {
		nsyms = hist_copy(sc, i0, e, syms);
		h = (syms_hash(syms, nsyms) ^ (state * 2u + lazy)) * 0xc4ceb9fe1a85ec53ULL;
		em = &sc->ememo[(h >> 32) & (EMEMO - 1)];
		if (em->n == nsyms && em->state == state && em->lazy == lazy &&
		    em->flushes == sc->dfa->flushes && memcmp(em->syms, syms, nsyms) == 0) {
			for (size_t k = 0; k < n; k++)
				starts[k] = i0;
			return em->strict;
		}
	}
	find_starts(sc, e, pats, n, starts, hashes, sc->seg_start);
	all = em != NULL;
	for (size_t k = 0; k < n; k++) {
		struct span s = {pats[k], 0, end, starts[k], e};

		all = all && starts[k] == i0 && hashes[k] != NO_HASH; /* found there */
		if (!sc->am->patterns[pats[k]].exclusion && strict_ok(sc, &s, hashes[k]))
			strict |= 1ull << k;
	}
	if (all) {
		*em = (struct ememo){sc->dfa->flushes, state, lazy, (uint8_t)nsyms, strict, {0}};
		memcpy(em->syms, syms, nsyms);
	}
	return strict;
}

/* The patterns ready in DFA state 'state' end at the symbol before index b. */
static void emit(struct match_scanner *sc, uint32_t state, uint64_t b)
{
	const struct automaton *am = sc->am;
	size_t n;
	const struct dfa_ready *ready = dfa_ready(sc->dfa, state, &n);
	uint64_t starts[64], strict, e = b - 1;
	struct span excl[64];
	uint32_t pats[64];
	size_t nexcl = 0, m = 0;
	uint64_t end = sym_end(sc, e);

	bool lazy = !sc->npend && !dfa_excl_near(sc->dfa, state);

	if (lazy) /* for the terms of combinations among the patterns, whose starts can wait */
		sc->sights[e & HMASK] = (struct sight){end, e};

	/* context cues need no start (their words say where they began) nor re-check; nor,
	 * for now, terms of combinations that no exclusion can cover */
	for (size_t k = 0; k < n && m < 64; k++) {
		const struct dfa_ready *r = &ready[k];

		if (r->kind == MATCH_RULE_CONTEXT) {
			cue_seen(sc, r->rule, e, r->words);
		} else if (r->kind == MATCH_RULE_COMBO && lazy) {
			combo_seen(sc, r->combo, r->term, r->nterms, r->pattern, e, NULL);
		} else {
			pats[m++] = r->pattern;
		}
	}
	n = m;
	if (!n)
		return;
	strict = locate(sc, state, lazy, e, pats, n, starts, end);
	for (size_t k = 0; k < n; k++) {
		struct span s;

		if (!am->patterns[pats[k]].exclusion)
			continue;
		s = (struct span){pats[k], sym_start(sc, starts[k]), end, starts[k], e};
		excl[nexcl++] = s;
		for (size_t q = 0; q < sc->npend;) {
			if (covers(&s, &sc->pend[q])) {
				memmove(sc->pend + q, sc->pend + q + 1,
				        (sc->npend - q - 1) * sizeof(sc->pend[0]));
				sc->npend--;
			} else {
				q++;
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		struct span s;
		bool covered = false;

		if (am->patterns[pats[k]].exclusion)
			continue;
		s = (struct span){pats[k], sym_start(sc, starts[k]), end, starts[k], e};
		for (size_t q = 0; q < nexcl && !covered; q++)
			covered = covers(&excl[q], &s);
		if (!covered && (strict >> k & 1))
			hold(sc, &s);
	}
}

/* ---- feeding -------------------------------------------------------------- */

/* The symbol at index nsym, in the history now, took the transition word t. */
static inline void stepped(struct match_scanner *sc, uint32_t t)
{
	if (t & DFA_EMIT)
		emit(sc, sc->state, sc->nsym);
	sc->nsym++;
	sc->state = dfa_target(t);
	if (sc->npend && !dfa_excl_live(sc->dfa, sc->state))
		release(sc);
}

static inline void push(struct match_scanner *sc, uint8_t sym, uint64_t start, uint64_t end)
{
	size_t h = sc->nsym & HMASK;
	uint32_t t = dfa_next(sc->dfa, &sc->state, sym);

	if (sc->nwait && !is_boundary(sym) && sc->nsym > 0 &&
	    is_boundary(sc->hsym[(h - 1) & HMASK]))
		word_started(sc, 1);

	hist_put(sc, sym, start, end);
	stepped(sc, t);
}

static void push_cp(struct match_scanner *sc, uint32_t cp, uint64_t start, uint64_t end)
{
	uint8_t syms[NORM_MAX_SYMBOLS];
	int n = norm_map(cp, syms);

	if (n < 0) {
		syms[0] = SYM_SEP; /* no Unicode tables: still a boundary, never a crash */
		n = 1;
	}
	for (int k = 0; k < n; k++)
		push(sc, syms[k], start, end);
	if (cp >= 0x2000 && sc->lists->nemoji) {
		uint32_t rule = lists_emoji_cue(sc->lists, cp);

		if (rule != UINT32_MAX)
			cue_seen(sc, rule, sc->nsym - 1, 0);
	}
}

/* Ends a partial multi-byte sequence that cannot be completed: a separator. */
static void utf8_abandon(struct match_scanner *sc)
{
	if (sc->u8need) {
		push(sc, SYM_SEP, sc->u8start, sc->u8start + sc->u8len);
		sc->u8need = sc->u8len = 0;
	}
}

static void utf8_byte(struct match_scanner *sc, uint8_t b, uint64_t off)
{
	if (sc->u8need && !U8_IS_TRAIL(b))
		utf8_abandon(sc);
	if (!sc->u8need) {
		if (b < 0x80) {
			if (b == '\n')
				sc->breaks[sc->nbreaks++ % BREAKS] = sc->nsym;
			if (norm_ascii[b] != SYM_COUNT)
				push(sc, norm_ascii[b], off, off + 1);
			return;
		}
		if (!U8_IS_LEAD(b)) {
			push(sc, SYM_SEP, off, off + 1);
			return;
		}
		sc->u8need = (uint8_t)(U8_COUNT_TRAIL_BYTES(b) + 1);
		sc->u8len = 0;
		sc->u8start = off;
	}
	sc->u8[sc->u8len++] = b;
	if (sc->u8len == sc->u8need) {
		int32_t i = 0;
		UChar32 c;

		U8_NEXT(sc->u8, i, (int32_t)sc->u8len, c);
		if (c < 0 || i != sc->u8len)
			push(sc, SYM_SEP, sc->u8start, off + 1);
		else
			push_cp(sc, (uint32_t)c, sc->u8start, off + 1);
		sc->u8need = sc->u8len = 0;
	}
}

/* Works out where each byte's column begins in the DFA's trans for its cap now. */
static __attribute__((noinline)) void colcap_set(struct match_scanner *sc)
{
	sc->colcap = sc->dfa->cap;
	for (int b = 0; b < 256; b++) {
		unsigned c = sc->fastcol[b];

		sc->coloff[b] = (uint32_t)((c / DFA_PART_COLS * sc->colcap * DFA_PART_COLS +
		                            c % DFA_PART_COLS) *
		                           sizeof(uint16_t));
	}
}

/*
 * The hot loop: ASCII bytes whose transition is cached and reports nothing, with the
 * scanner's state in registers. Returns how many bytes it consumed; the caller takes
 * the next byte the slow way. Each byte is one symbol here (an apostrophe, which is
 * none, leaves for the slow path), so the loop stores only the symbol, in a stretch of
 * the history that does not wrap, and the run's start once (struct run).
 */
static inline __attribute__((always_inline)) size_t
ascii_run(struct match_scanner *sc, const uint8_t *p, size_t len, const uint8_t *live)
{
	const char *trans = (const char *)sc->dfa->trans;
	const uint8_t *fast = sc->fast;
	const uint32_t *coloff = sc->coloff;
	size_t row = (size_t)sc->state * DFA_ROW_BYTES; /* of the state in a part, in bytes */
	uint64_t nsym = sc->nsym;
	size_t h = nsym & HMASK, i = 0;
	uint8_t *hsym = sc->hsym + h;

	if (sc->colcap != sc->dfa->cap) /* each part of trans begins after cap rows */
		colcap_set(sc);
	if (len > HIST - h)
		len = HIST - h; /* the caller comes back for the rest */
	for (; i < len; i++) {
		/* the column's address first: only the row waits for the previous byte */
		const char *col = trans + coloff[p[i]];
		uint32_t t;

		__asm__("" : "+r"(col)); /* or the compiler adds trans to the row, after the load */
		t = *(const uint16_t *)(col + row);
		/* or DFA_MISSING, also for a byte of the slow path (a line break is remembered
		 * there); live: hits are held, and let go where no exclusion is partly matched */
		if (t & DFA_EMIT || (live && !(live[t] & DFA_EXCL_LIVE)))
			break;
		hsym[i] = fast[p[i]];
		row = (size_t)t * DFA_ROW_BYTES;
	}
	if (i) {
		sc->runs[sc->nruns++ & HMASK] = (struct run){nsym, sc->offset, nsym + i};
		sc->state = (uint32_t)(row / DFA_ROW_BYTES);
		sc->nsym = nsym + i;
		sc->offset += i;
	}
	return i;
}

/* Words that start among the n symbols at syms, prev the symbol before them. */
static size_t words_started(const uint8_t *syms, size_t n, uint8_t prev)
{
	size_t words = 0;

	for (size_t i = 0; i < n; i++) {
		words += is_boundary(prev) && !is_boundary(syms[i]);
		prev = syms[i];
	}
	return words;
}

/*
 * The byte b that ended a run when it is an ASCII separator whose transition is known,
 * most often a space after a word that completes patterns (a phrase, a term or a cue:
 * one word in a few): taken here, as the slow path would, but its character counted in
 * the run before it (in_run) or a run of its own rather than stored apart. False, and
 * nothing done, for any other byte.
 */
static bool take_separator(struct match_scanner *sc, uint8_t b, bool in_run)
{
	uint32_t t;

	if (sc->fast[b] != SYM_SEP)
		return false;
	t = *dfa_slot(sc->dfa, sc->state, SYM_SEP);
	if (t == DFA_MISSING)
		return false;
	if (in_run)
		sc->runs[(sc->nruns - 1) & HMASK].end++;
	else
		sc->runs[sc->nruns++ & HMASK] = (struct run){sc->nsym, sc->offset, sc->nsym + 1};
	sc->hsym[sc->nsym & HMASK] = SYM_SEP;
	sc->offset++;
	stepped(sc, t);
	return true;
}

/* Runs of the hot loop and the separators between them; the bytes taken. */
static size_t feed_ascii(struct match_scanner *sc, const uint8_t *p, size_t len)
{
	size_t done = 0;

	while (!sc->u8need) {
		uint64_t nsym = sc->nsym;
		/* while hits are held (an exclusion may still cover them), a run ends before
		 * the first state where none is partly matched: the slow path lets them go */
		size_t n = sc->npend ? ascii_run(sc, p + done, len - done, sc->dfa->excl_live)
		                     : ascii_run(sc, p + done, len - done, NULL),
		       words;

		/* hits waiting for further words: the run's word starts count, all at once
		 * (the run reported nothing, so none came between them) */
		if (n && sc->nwait) {
			words = words_started(sc->hsym + (nsym & HMASK), n,
			                      nsym ? sc->hsym[(nsym - 1) & HMASK] : SYM_SEP);
			if (words)
				word_started(sc, words);
		}
		done += n;
		if (done == len || !take_separator(sc, p[done], n > 0))
			break;
		done++;
	}
	return done;
}

void match_scanner_feed(struct match_scanner *sc, const char *text, size_t len, match_hit_fn fn,
                        void *userdata)
{
	const uint8_t *p = (const uint8_t *)text;

	sc->fn = fn;
	sc->userdata = userdata;
	for (size_t i = 0; i < len;) {
		i += feed_ascii(sc, p + i, len - i);
		if (i < len)
			utf8_byte(sc, p[i++], sc->offset++);
	}
}

void match_scanner_end(struct match_scanner *sc, match_hit_fn fn, void *userdata)
{
	size_t nready;

	sc->fn = fn;
	sc->userdata = userdata;
	utf8_abandon(sc);
	dfa_ready(sc->dfa, sc->state, &nready);
	if (nready)
		emit(sc, sc->state, sc->nsym);
	/* a separator in the history, so that words are not joined across segments */
	hist_put(sc, SYM_SEP, sc->offset, sc->offset);
	sc->nsym++;
	release(sc);
	flush_waiting(sc, true);
	sc->state = dfa_start(sc->dfa);
	sc->seg_start = sc->nsym;
}

void match_scan(struct match_lists *lists, const char *text, size_t len, match_hit_fn fn,
                void *userdata)
{
	struct match_scanner *sc = match_scanner_new(lists);

	if (!sc)
		return;
	match_scanner_feed(sc, text, len, fn, userdata);
	match_scanner_end(sc, fn, userdata);
	match_scanner_free(sc);
}
