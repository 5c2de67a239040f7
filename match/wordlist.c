/* wordlist.c: parses phrase-list files into rules, with FILE:LINE diagnostics. */
#include "wordlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "classes.h"
#include "errors.h"
#include "hugemem.h"
#include "normalize.h"
#include "parse.h"

#define DEFAULT_SEVERITY    3
#define MAX_CATEGORY_LEN    32
#define VIGIL_LIST_MAX_WHEN 8 /* @when clauses on one rule */

/* What holds while one file is parsed. */
struct parse_ctx {
	struct wl_set *set;
	const struct wl_source *src;
	struct match_errors *errs;
	const char *name; /* for diagnostics: as given */
	const char *base; /* for rule names: basename */
	int category;     /* -1 until @category */
	int severity;
	int depth;
	size_t nerrors;
	struct wl_when when[VIGIL_LIST_MAX_WHEN]; /* @when lines in force */
	size_t nwhen;
	const char *stack[VIGIL_LIST_MAX_INCLUDE_DEPTH + 1]; /* include chain, for cycles */
};

static size_t parse_text(struct parse_ctx *pc, const char *text, size_t len);

#define perr(pc, line, ...)                                                                        \
	do {                                                                                       \
		(pc)->nerrors++;                                                                   \
		errors_add((pc)->errs, true, __VA_ARGS__);                                         \
	} while (0)

size_t wl_pattern_units(const struct wl_pattern *p)
{
	size_t total = 0;

	for (uint8_t w = 0; w < p->nwords; w++)
		total += p->wlen[w];
	return total;
}

size_t wl_pattern_letters(const struct wl_pattern *p)
{
	size_t n = 0, total = wl_pattern_units(p);

	for (size_t i = 0; i < total; i++)
		n += p->units[i] != SYM_MASK;
	return n;
}

/* ---- phrases -------------------------------------------------------------- */

/*
 * Turns the text of one phrase into a pattern. Returns NULL or a static message
 * describing what is wrong.
 */
static const char *pattern_parse(const char *s, size_t len, struct wl_pattern *p)
{
	uint8_t syms[VIGIL_LIST_MAX_LINE_BYTES * NORM_MAX_SYMBOLS];
	size_t nsyms = 0, total = 0, wordlen = 0;
	int32_t i = 0;

	memset(p, 0, sizeof(*p));
	while (i < (int32_t)len) {
		UChar32 c;
		uint8_t out[NORM_MAX_SYMBOLS];
		int n;

		U8_NEXT(s, i, (int32_t)len, c);
		n = norm_map(c < 0 ? 0xfffd : (uint32_t)c, out);
		if (n < 0)
			return "the Unicode library could not be initialised";
		for (int k = 0; k < n && nsyms < sizeof(syms); k++)
			syms[nsyms++] = out[k];
	}
	for (size_t k = 0; k < nsyms; k++) {
		uint8_t sym = syms[k];
		bool word_end = k + 1 == nsyms || syms[k + 1] == SYM_SEP;

		if (sym == SYM_SEP) {
			if (wordlen) {
				p->wlen[p->nwords++] = (uint8_t)wordlen;
				wordlen = 0;
			}
			continue;
		}
		if (sym == SYM_OTHER)
			return "only Latin letters, digits and their look-alikes can be matched";
		if (sym == SYM_MASK && word_end) {
			if (!wordlen)
				return "a * must end a word, as in suicid*";
			p->prefix |= (uint8_t)(1u << p->nwords);
			continue;
		}
		if (sym == SYM_MASK && !wordlen)
			return "a word cannot start with *";
		if (wordlen == 0 && p->nwords == VIGIL_LIST_MAX_PHRASE_WORDS)
			return "too many words (at most 8)";
		if (total == VIGIL_LIST_MAX_PHRASE_CHARS)
			return "too long (at most 64 letters)";
		p->units[total++] = norm_phrase_unit(sym);
		wordlen++;
	}
	if (wordlen)
		p->wlen[p->nwords++] = (uint8_t)wordlen;
	if (wl_pattern_letters(p) < 2)
		return "too short (a phrase needs at least two letters or digits)";
	return NULL;
}

/* ---- the rule table ----------------------------------------------------- */

/* "file.txt:12", malloc'd (NULL on out-of-memory): as asprintf("%s:%u") would make it, a
 * tenth of the cost, for every rule of the lists. */
static char *place(const char *base, unsigned line)
{
	char digits[16];
	size_t n = 0, len = strlen(base);
	char *o;

	do
		digits[n++] = (char)('0' + line % 10);
	while ((line /= 10));
	o = malloc(len + 1 + n + 1);
	if (!o)
		return NULL;
	memcpy(o, base, len);
	o[len] = ':';
	for (size_t i = 0; i < n; i++)
		o[len + 1 + i] = digits[n - 1 - i];
	o[len + 1 + n] = 0;
	return o;
}

static struct wl_rule *rule_add(struct parse_ctx *pc, unsigned line, const char *phrase,
                                size_t plen)
{
	struct wl_set *set = pc->set;
	struct wl_rule *r;

	if (set->nrules == VIGIL_LIST_MAX_RULES) {
		perr(pc, line, "%s:%u: too many rules (at most %u)", pc->name, line,
		     VIGIL_LIST_MAX_RULES);
		return NULL;
	}
	if (set->nrules == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		struct wl_rule *nr = /* megabytes: on huge pages, or one page fault per 4 KiB */
		    hugemem_realloc(set->rules, set->nrules * sizeof(*nr), cap * sizeof(*nr));

		if (!nr)
			goto oom;
		set->rules = nr;
		set->cap = cap;
	}
	r = &set->rules[set->nrules];
	memset(r, 0, sizeof(*r));
	r->terms = calloc(VIGIL_LIST_MAX_COMBO_TERMS, sizeof(*r->terms));
	r->phrase = strndup(phrase, plen);
	r->rule = place(pc->base, line);
	if (!r->terms || !r->phrase || !r->rule) {
		free(r->terms);
		free(r->phrase);
		free(r->rule);
		goto oom;
	}
	set->nrules++;
	return r;
oom:
	perr(pc, line, "%s:%u: out of memory", pc->name, line);
	return NULL;
}

static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* Parses "TERM & TERM ~N" (terms in s) into r. Returns NULL or a message. */
static const char *combo_parse(const char *s, size_t len, struct wl_rule *r, char *msg,
                               size_t msgsz)
{
	const char *tilde = memrchr(s, '~', len);
	char num[16];
	size_t nlen;
	int window;

	if (!tilde)
		return "a combination needs ~N, the number of words (1-50) its terms must lie "
		       "within";
	nlen = len - (size_t)(tilde + 1 - s);
	if (nlen >= sizeof(num))
		nlen = sizeof(num) - 1;
	memcpy(num, tilde + 1, nlen);
	num[nlen] = 0;
	{
		const char *t = num;
		size_t tl = nlen;

		trim(&t, &tl);
		memmove(num, t, tl);
		num[tl] = 0;
	}
	if (parse_int(num, 1, VIGIL_LIST_MAX_COMBO_WINDOW, &window) < 0) {
		snprintf(msg, msgsz, "bad combination window \"~%s\" (expected ~1 to ~%d words)",
		         num, VIGIL_LIST_MAX_COMBO_WINDOW);
		return msg;
	}
	r->window = (uint8_t)window;
	len = (size_t)(tilde - s);
	while (len) {
		const char *amp = memchr(s, '&', len);
		size_t tl = amp ? (size_t)(amp - s) : len;
		const char *t = s;
		const char *e;

		if (r->nterms == VIGIL_LIST_MAX_COMBO_TERMS)
			return "too many terms in a combination (at most 4)";
		trim(&t, &tl);
		if (!tl)
			return "empty term in a combination";
		e = pattern_parse(t, tl, &r->terms[r->nterms]);
		if (e) {
			snprintf(msg, msgsz, "term \"%.*s\": %s", (int)tl, t, e);
			return msg;
		}
		r->nterms++;
		if (!amp)
			break;
		len -= (size_t)(amp + 1 - s);
		s = amp + 1;
		if (!len)
			return "empty term in a combination";
	}
	if (r->nterms < 2)
		return "a combination needs at least two terms joined by &";
	return NULL;
}

/* Remembers "file:line" of a directive; returns it (owned by the set), or NULL when this
 * very line was read before (a file included twice) or on out-of-memory (*seen false). */
static const char *origin_add(struct parse_ctx *pc, unsigned line, bool *seen)
{
	struct wl_set *set = pc->set;
	char *o = NULL, **v;

	*seen = false;
	if (!(o = place(pc->base, line)))
		return NULL;
	for (size_t i = 0; i < set->norigins; i++) {
		if (strcmp(set->origins[i], o) == 0) {
			free(o);
			*seen = true;
			return set->origins[i];
		}
	}
	v = realloc(set->origins, (set->norigins + 1) * sizeof(*v));
	if (!v) {
		free(o);
		return NULL;
	}
	set->origins = v;
	v[set->norigins++] = o;
	return o;
}

static int context_find(const struct wl_set *set, const char *name, size_t len)
{
	for (size_t i = 0; i < set->ncontexts; i++)
		if (strlen(set->contexts[i]) == len && memcmp(set->contexts[i], name, len) == 0)
			return (int)i;
	return -1;
}

/*
 * Parses a context clause "NAME before|after|within N -> S|drop" into w. Returns NULL
 * or a message (in msg).
 */
static const char *when_parse(struct parse_ctx *pc, const char *s, size_t len, struct wl_when *w,
                              char *msg, size_t msgsz)
{
	char buf[128], *tok[6], *save = NULL;
	int n = 0, window, sev = 0, ctx;
	uint8_t floor = pc->category >= 0 ? pc->set->floor[pc->category] : 0;

	if (len >= sizeof(buf))
		return "context clause too long";
	memcpy(buf, s, len);
	buf[len] = 0;
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 6)
			break;
		tok[n++] = t;
	}
	if (n != 5 || strcmp(tok[3], "->") != 0)
		return "expected CONTEXT before|after|within N -> SEVERITY|drop, as in "
		       "\"joke within 4 -> 2\"";
	ctx = context_find(pc->set, tok[0], strlen(tok[0]));
	if (ctx < 0) {
		snprintf(msg, msgsz,
		         "unknown context \"%.32s\" (define it first: @context %.32s: …)", tok[0],
		         tok[0]);
		return msg;
	}
	if (strcmp(tok[1], "before") == 0)
		w->dir = WL_BEFORE;
	else if (strcmp(tok[1], "after") == 0)
		w->dir = WL_AFTER;
	else if (strcmp(tok[1], "within") == 0)
		w->dir = WL_WITHIN;
	else
		return "expected before, after or within after the context's name";
	if (parse_int(tok[2], 1, VIGIL_LIST_MAX_COMBO_WINDOW, &window) < 0) {
		snprintf(msg, msgsz, "bad number of words \"%.16s\" (expected 1-%d)", tok[2],
		         VIGIL_LIST_MAX_COMBO_WINDOW);
		return msg;
	}
	if (strcmp(tok[4], "drop") != 0 && parse_int(tok[4], 1, 5, &sev) < 0) {
		snprintf(msg, msgsz, "unknown severity \"%.16s\" (expected 1-5 or drop)", tok[4]);
		return msg;
	}
	if (sev < floor) {
		snprintf(msg, msgsz,
		         "%s has @floor %u: context may lower its hits to %u at the least, not %s "
		         "(a fixed idiom is an exclusion)",
		         pc->set->categories[pc->category], floor, floor, tok[4]);
		return msg;
	}
	w->context = (uint16_t)ctx;
	w->window = (uint8_t)window;
	w->severity = (uint8_t)sev;
	return NULL;
}

static void rule_free(struct wl_rule *r)
{
	free(r->terms);
	free(r->phrase);
	free(r->rule);
	free(r->alts);
	free(r->when);
	class_free_texts(r->xtexts, r->nxtexts);
}

/* Parses one text of a rule (classes expanded) into terms; NULL or a message. */
static const char *terms_parse(enum match_rule_kind kind, const char *s, size_t len,
                               struct wl_rule *r, char *msg, size_t msgsz)
{
	if (kind == MATCH_RULE_COMBO)
		return combo_parse(s, len, r, msg, msgsz);
	r->nterms = 1;
	return pattern_parse(s, len, &r->terms[0]);
}

/* The same pattern: its words' lengths first (a few bytes, inline), where most differ. */
static bool same_pattern(const struct wl_pattern *a, const struct wl_pattern *b)
{
	return a->nwords == b->nwords && memcmp(a->wlen, b->wlen, sizeof(a->wlen)) == 0 &&
	       memcmp(a, b, sizeof(*a)) == 0;
}

/*
 * Adds the terms of tmp to r as alternatives, unless r has them already. r's alternatives
 * are held in room for a power of two of them (a word class may give hundreds).
 */
static int alts_merge(struct wl_rule *r, const struct wl_rule *tmp, const char *text,
                      uint32_t xtext)
{
	for (uint8_t t = 0; t < tmp->nterms; t++) {
		bool dup = same_pattern(&r->terms[t], &tmp->terms[t]);
		struct wl_alt *v;

		for (size_t a = 0; a < r->nalts && !dup; a++)
			dup = r->alts[a].term == t && same_pattern(&r->alts[a].pat, &tmp->terms[t]);
		if (dup)
			continue;
		if ((r->nalts & (r->nalts - 1)) == 0) { /* 0, 1, 2, 4, 8...: full */
			v = realloc(r->alts, (r->nalts ? r->nalts * 2 : 1) * sizeof(*v));
			if (!v)
				return -1;
			r->alts = v;
		}
		v = r->alts;
		v[r->nalts++] = (struct wl_alt){t, tmp->terms[t], tmp->nterms == 1 ? text : NULL,
		                                tmp->nterms == 1 ? xtext : 0};
	}
	return 0;
}

/* Appends the n texts of more to *texts. */
static int texts_append(char ***texts, size_t *ntexts, char **more, size_t n)
{
	char **v = realloc(*texts, (*ntexts + n) * sizeof(*v));

	if (!v) {
		class_free_texts(more, n);
		return -1;
	}
	memcpy(v + *ntexts, more, n * sizeof(*v));
	free(more);
	*texts = v;
	*ntexts += n;
	return 0;
}

/*
 * Word classes in a combination: each term's alternatives are independent, so each term
 * is expanded on its own with the other terms at their first expansion (the sum of the
 * classes' sizes, not their product). Returns NULL or a message, as class_expand().
 */
__attribute__((noinline)) /* inlined, GCC's sanitizer build imagines s may be NULL */
static const char *
combo_expand(struct wl_set *set, const char *s, size_t len, char ***out, size_t *n, char *msg,
             size_t msgsz)
{
	const char *tilde = memrchr(s, '~', len), *err = NULL;
	const char *term[VIGIL_LIST_MAX_COMBO_TERMS + 1];
	size_t tlen[VIGIL_LIST_MAX_COMBO_TERMS + 1], nt = 0, pos = 0, body;
	char *first[VIGIL_LIST_MAX_COMBO_TERMS + 1] = {0};

	*out = NULL;
	*n = 0;
	if (!tilde || !memchr(s, '<', len))
		return class_expand(set, s, len, out, n, msg, msgsz);
	body = (size_t)(tilde - s);
	while (pos <= body && nt <= VIGIL_LIST_MAX_COMBO_TERMS) {
		const char *amp = memchr(s + pos, '&', body - pos);
		size_t end = amp ? (size_t)(amp - s) : body;

		term[nt] = s + pos;
		tlen[nt++] = end - pos;
		pos = end + 1;
		if (!amp)
			break;
	}
	for (size_t t = 0; t < nt && !err; t++) { /* each term at its first expansion */
		char **v = NULL;
		size_t k = 0;

		err = class_expand(set, term[t], tlen[t], &v, &k, msg, msgsz);
		if (!err) {
			first[t] = v[0];
			v[0] = NULL;
			class_free_texts(v, k);
		}
	}
	for (size_t t = 0; t < nt && !err; t++) {
		char *text = NULL, **v = NULL;
		size_t k = 0, used = 0, cap = len + 1;

		if (!memchr(term[t], '<', tlen[t]))
			continue;
		for (size_t u = 0; u < nt; u++)
			cap += strlen(first[u]) + 1;
		text = malloc(cap);
		if (!text) {
			err = "out of memory";
			break;
		}
		for (size_t u = 0; u < nt; u++) {
			used += (size_t)snprintf(text + used, cap - used, "%s%.*s", u ? "&" : "",
			                         (int)(u == t ? tlen[u] : strlen(first[u])),
			                         u == t ? term[u] : first[u]);
		}
		snprintf(text + used, cap - used, "%.*s", (int)(len - body), tilde);
		err = class_expand(set, text, strlen(text), &v, &k, msg, msgsz);
		free(text);
		if (!err && texts_append(out, n, v, k) < 0)
			err = "out of memory";
	}
	for (size_t t = 0; t < nt; t++)
		free(first[t]);
	if (err) {
		class_free_texts(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return err;
}

static void rule_line(struct parse_ctx *pc, unsigned line, const char *s, size_t len)
{
	enum match_rule_kind kind = MATCH_RULE_PHRASE;
	const char *eq, *semi;
	int severity = pc->severity;
	struct wl_rule *r;
	const char *err = NULL;
	char msg[256];
	struct wl_when when[VIGIL_LIST_MAX_WHEN];
	size_t nwhen = 0, ntexts = 0;
	char **texts = NULL;

	if (pc->category < 0) {
		perr(pc, line, "%s:%u: a rule before @category (start the file with @category ID)",
		     pc->name, line);
		return;
	}
	memcpy(when, pc->when, pc->nwhen * sizeof(when[0]));
	nwhen = pc->nwhen;
	semi = memchr(s, ';', len);
	if (semi) { /* "PHRASE = 5 ; joke within 4 -> 2 ; …" */
		const char *c = semi + 1, *end = s + len;
		const char *where;
		bool seen;

		where = origin_add(pc, line, &seen);
		if (!where) {
			perr(pc, line, "%s:%u: out of memory", pc->name, line);
			return;
		}
		while (c < end) {
			const char *next = memchr(c, ';', (size_t)(end - c));
			const char *t = c;
			size_t tl = (size_t)((next ? next : end) - c);

			trim(&t, &tl);
			if (nwhen == VIGIL_LIST_MAX_WHEN) {
				perr(pc, line, "%s:%u: too many context clauses (at most %d)",
				     pc->name, line, VIGIL_LIST_MAX_WHEN);
				return;
			}
			err = when_parse(pc, t, tl, &when[nwhen], msg, sizeof(msg));
			if (err) {
				perr(pc, line, "%s:%u: \"%.*s\": %s", pc->name, line,
				     (int)(tl < 80 ? tl : 80), t, err);
				return;
			}
			when[nwhen++].rule = where;
			c = next ? next + 1 : end;
		}
		len = (size_t)(semi - s);
		trim(&s, &len);
	}
	if (*s == '!') {
		kind = MATCH_RULE_EXCLUSION;
		s++;
		len--;
		trim(&s, &len);
		if (nwhen > pc->nwhen) {
			perr(pc, line, "%s:%u: an exclusion has no context clauses", pc->name,
			     line);
			return;
		}
		nwhen = 0;
	}
	eq = memrchr(s, '=', len);
	if (eq) {
		char num[16];
		const char *t = eq + 1;
		size_t tl = len - (size_t)(t - s);

		trim(&t, &tl);
		if (tl >= sizeof(num) || parse_int(strndupa(t, tl), 1, 5, &severity) < 0) {
			snprintf(num, sizeof(num), "%.*s", (int)(tl < 12 ? tl : 12), t);
			perr(pc, line, "%s:%u: unknown severity \"%s\" (expected 1-5)", pc->name,
			     line, num);
			return;
		}
		if (kind == MATCH_RULE_EXCLUSION) {
			perr(pc, line, "%s:%u: an exclusion has no severity", pc->name, line);
			return;
		}
		len = (size_t)(eq - s);
		trim(&s, &len);
	}
	if (!len) {
		perr(pc, line, "%s:%u: empty phrase", pc->name, line);
		return;
	}
	if (memchr(s, '&', len)) {
		if (kind == MATCH_RULE_EXCLUSION) {
			perr(pc, line, "%s:%u: an exclusion cannot be a combination", pc->name,
			     line);
			return;
		}
		kind = MATCH_RULE_COMBO;
	}
	err = kind == MATCH_RULE_COMBO
	          ? combo_expand(pc->set, s, len, &texts, &ntexts, msg, sizeof(msg))
	          : class_expand(pc->set, s, len, &texts, &ntexts, msg, sizeof(msg));
	if (err) {
		perr(pc, line, "%s:%u: \"%.*s\": %s", pc->name, line, (int)(len < 80 ? len : 80), s,
		     err);
		return;
	}
	r = rule_add(pc, line, s, len);
	if (!r) {
		class_free_texts(texts, ntexts);
		return;
	}
	r->kind = kind;
	r->category = (uint16_t)pc->category;
	r->severity = kind == MATCH_RULE_EXCLUSION ? 0 : (uint8_t)severity;
	for (size_t i = 0; i < ntexts && !err; i++) {
		struct wl_pattern tmp_terms[VIGIL_LIST_MAX_COMBO_TERMS] = {0};
		struct wl_rule tmp = {.terms = tmp_terms};

		err = terms_parse(kind, texts[i], strlen(texts[i]), i ? &tmp : r, msg, sizeof(msg));
		if (err && ntexts > 1) {
			char inner[128];

			snprintf(inner, sizeof(inner), "%.120s", err);
			snprintf(msg, sizeof(msg), "expanded to \"%.80s\": %.120s", texts[i],
			         inner);
			err = msg;
		}
		if (!err && i && alts_merge(r, &tmp, texts[i], (uint32_t)i + 1) < 0)
			err = "out of memory";
	}
	if (ntexts > 1) {
		r->xtexts = texts;
		r->nxtexts = ntexts;
	} else {
		class_free_texts(texts, ntexts);
	}
	if (!err && nwhen) {
		r->when = malloc(nwhen * sizeof(*r->when));
		if (!r->when)
			err = "out of memory";
		else
			memcpy(r->when, when, nwhen * sizeof(*r->when));
		r->nwhen = (uint8_t)nwhen;
	}
	if (err) {
		perr(pc, line, "%s:%u: \"%.*s\": %s", pc->name, line, (int)(len < 80 ? len : 80), s,
		     err);
		pc->set->nrules--;
		rule_free(r);
	}
}

/* ---- contexts, classes and their directives ------------------------------- */

/* The code point of a cue that is one emoji (an optional variation selector after it). */
static uint32_t cue_emoji(const char *s, size_t len)
{
	int32_t i = 0;
	UChar32 c, first = -1;

	while (i < (int32_t)len) {
		U8_NEXT(s, i, (int32_t)len, c);
		if (c == 0xfe0f || c == 0x200d)
			continue;
		if (first >= 0 || c < 0x2000)
			return 0;
		first = c;
	}
	return first > 0 ? (uint32_t)first : 0;
}

/* "@context NAME: cue, cue, …" */
static void context_line(struct parse_ctx *pc, unsigned line, const char *a, size_t alen)
{
	const char *colon = memchr(a, ':', alen), *p, *end = a + alen;
	size_t nlen;
	int ctx;
	bool seen;
	char **v;

	if (!colon) {
		perr(pc, line,
		     "%s:%u: expected @context NAME: CUE, CUE, … (as in @context joke: "
		     "lol, haha)",
		     pc->name, line);
		return;
	}
	nlen = (size_t)(colon - a);
	while (nlen && isspace((unsigned char)a[nlen - 1]))
		nlen--;
	if (!nlen || nlen > MAX_CATEGORY_LEN ||
	    strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789-") < nlen) {
		perr(pc, line,
		     "%s:%u: bad context name \"%.*s\" (lower-case letters, digits and -, "
		     "at most 32)",
		     pc->name, line, (int)(nlen < 32 ? nlen : 32), a);
		return;
	}
	if (!origin_add(pc, line, &seen) || seen) {
		if (!seen)
			perr(pc, line, "%s:%u: out of memory", pc->name, line);
		return;
	}
	ctx = context_find(pc->set, a, nlen);
	if (ctx < 0) {
		v = realloc(pc->set->contexts, (pc->set->ncontexts + 1) * sizeof(*v));
		if (!v || !(v[pc->set->ncontexts] = strndup(a, nlen))) {
			if (v)
				pc->set->contexts = v;
			perr(pc, line, "%s:%u: out of memory", pc->name, line);
			return;
		}
		pc->set->contexts = v;
		ctx = (int)pc->set->ncontexts++;
	}
	for (p = colon + 1; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *t = p;
		size_t tl = (size_t)((comma ? comma : end) - p);
		struct wl_rule *r;
		const char *err = NULL;

		trim(&t, &tl);
		p = comma ? comma + 1 : end;
		if (!tl) {
			perr(pc, line,
			     "%s:%u: empty cue in @context %s (cues are separated by commas)",
			     pc->name, line, pc->set->contexts[ctx]);
			continue;
		}
		r = rule_add(pc, line, t, tl);
		if (!r)
			return;
		r->kind = MATCH_RULE_CONTEXT;
		r->context = (uint16_t)ctx;
		r->emoji = cue_emoji(t, tl);
		if (!r->emoji) {
			r->nterms = 1;
			err = pattern_parse(t, tl, &r->terms[0]);
		}
		if (err) {
			perr(pc, line, "%s:%u: cue \"%.*s\": %s", pc->name, line,
			     (int)(tl < 80 ? tl : 80), t, err);
			pc->set->nrules--;
			rule_free(r);
		}
	}
}

/* "@class NAME: word, word, …" */
static void class_line(struct parse_ctx *pc, unsigned line, const char *a, size_t alen)
{
	const char *colon = memchr(a, ':', alen), *err;
	char msg[256], where[300];
	size_t nlen;
	bool seen;

	if (!colon) {
		perr(pc, line,
		     "%s:%u: expected @class NAME: WORD, WORD, … (as in @class weapon: "
		     "knife, machete)",
		     pc->name, line);
		return;
	}
	if (!origin_add(pc, line, &seen) || seen) {
		if (!seen)
			perr(pc, line, "%s:%u: out of memory", pc->name, line);
		return;
	}
	nlen = (size_t)(colon - a);
	while (nlen && isspace((unsigned char)a[nlen - 1]))
		nlen--;
	snprintf(where, sizeof(where), "%s:%u", pc->name, line);
	err = class_add(pc->set, strndupa(a, nlen < 64 ? nlen : 64), colon + 1,
	                alen - (size_t)(colon + 1 - a), where, msg, sizeof(msg));
	if (!err) { /* each member must be a phrase on its own */
		struct wl_class *c = class_find(pc->set, a, nlen);

		for (size_t i = 0; c && i < c->nmembers && !err; i++) {
			struct wl_pattern tmp;
			const char *e = pattern_parse(c->members[i], strlen(c->members[i]), &tmp);

			if (e && strstr(e, "too short") == NULL) {
				snprintf(msg, sizeof(msg), "member \"%.64s\": %s", c->members[i],
				         e);
				err = msg;
			}
		}
	}
	if (err)
		perr(pc, line, "%s:%u: %s", pc->name, line, err);
}

/* "@when CONTEXT before|after|within N -> S|drop" or "@when none" */
static void when_line(struct parse_ctx *pc, unsigned line, const char *a, size_t alen)
{
	char msg[256];
	const char *err, *where;
	bool seen;

	if (pc->category < 0) {
		perr(pc, line, "%s:%u: @when before @category (it applies to a category's rules)",
		     pc->name, line);
		return;
	}
	if (alen == 4 && memcmp(a, "none", 4) == 0) {
		pc->nwhen = 0;
		return;
	}
	if (pc->nwhen == VIGIL_LIST_MAX_WHEN) {
		perr(pc, line,
		     "%s:%u: too many @when lines in force (at most %d; @when none clears "
		     "them)",
		     pc->name, line, VIGIL_LIST_MAX_WHEN);
		return;
	}
	err = when_parse(pc, a, alen, &pc->when[pc->nwhen], msg, sizeof(msg));
	if (err) {
		perr(pc, line, "%s:%u: @when: %s", pc->name, line, err);
		return;
	}
	where = origin_add(pc, line, &seen);
	if (!where) {
		perr(pc, line, "%s:%u: out of memory", pc->name, line);
		return;
	}
	pc->when[pc->nwhen++].rule = where;
}

/* ---- directives ----------------------------------------------------------- */

static int category_find_or_add(struct wl_set *set, const char *id)
{
	char **c;

	for (size_t i = 0; i < set->ncategories; i++)
		if (strcmp(set->categories[i], id) == 0)
			return (int)i;
	if (set->ncategories >= UINT16_MAX)
		return -ENOSPC;
	c = realloc(set->categories, (set->ncategories + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	set->categories = c;
	{
		uint8_t *f = realloc(set->floor, set->ncategories + 1);

		if (!f)
			return -ENOMEM;
		f[set->ncategories] = 0;
		set->floor = f;
	}
	c[set->ncategories] = strdup(id);
	if (!c[set->ncategories])
		return -ENOMEM;
	return (int)set->ncategories++;
}

static bool category_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > MAX_CATEGORY_LEN || id[0] == '-')
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void include_file(struct parse_ctx *pc, unsigned line, const char *arg)
{
	struct parse_ctx sub = *pc;
	char *resolved = NULL, *text = NULL;
	size_t len = 0;
	int r;

	if (pc->depth >= VIGIL_LIST_MAX_INCLUDE_DEPTH) {
		perr(pc, line, "%s:%u: @include nested too deeply (at most %d)", pc->name, line,
		     VIGIL_LIST_MAX_INCLUDE_DEPTH);
		return;
	}
	r = pc->src->read(pc->src->ctx, pc->name, arg, &resolved, &text, &len);
	if (r < 0) {
		perr(pc, line, "%s:%u: @include %s: %s", pc->name, line, arg, strerror(-r));
		return;
	}
	for (int i = 0; i <= pc->depth; i++) {
		if (strcmp(pc->stack[i], resolved) == 0) {
			perr(pc, line, "%s:%u: @include %s: includes itself", pc->name, line, arg);
			goto out;
		}
	}
	sub.name = resolved;
	sub.base = strrchr(resolved, '/') ? strrchr(resolved, '/') + 1 : resolved;
	sub.depth = pc->depth + 1;
	sub.stack[sub.depth] = resolved;
	sub.nerrors = 0;
	pc->nerrors += parse_text(&sub, text, len);
out:
	free(resolved);
	free(text);
}

static void directive_line(struct parse_ctx *pc, unsigned line, const char *s, size_t len)
{
	size_t klen = 0;
	const char *arg;
	size_t alen;
	char *a;

	/* The keyword ends at a blank or at the end of the line (s is not NUL-terminated
	 * there: the next line follows). */
	while (klen < len && s[klen] != ' ' && s[klen] != '\t')
		klen++;
	arg = s + klen;
	alen = len - klen;
	trim(&arg, &alen);
	a = strndupa(arg, alen < 256 ? alen : 256);
	if (klen == 9 && memcmp(s, "@category", 9) == 0) {
		int c;

		if (!category_valid(a)) {
			perr(pc, line,
			     "%s:%u: bad category \"%s\" (lower-case letters, digits and -, at "
			     "most 32)",
			     pc->name, line, a);
			return;
		}
		c = category_find_or_add(pc->set, a);
		if (c < 0)
			perr(pc, line, "%s:%u: %s", pc->name, line, strerror(-c));
		else
			pc->category = c;
		pc->nwhen = 0;
	} else if (klen == 9 && memcmp(s, "@severity", 9) == 0) {
		if (parse_int(a, 1, 5, &pc->severity) < 0)
			perr(pc, line, "%s:%u: unknown severity \"%s\" (expected 1-5)", pc->name,
			     line, a);
	} else if (klen == 8 && memcmp(s, "@context", 8) == 0) {
		context_line(pc, line, arg, alen);
	} else if (klen == 6 && memcmp(s, "@class", 6) == 0) {
		class_line(pc, line, arg, alen);
	} else if (klen == 5 && memcmp(s, "@when", 5) == 0) {
		when_line(pc, line, arg, alen);
	} else if (klen == 6 && memcmp(s, "@floor", 6) == 0) {
		int f;

		if (pc->category < 0)
			perr(pc, line, "%s:%u: @floor before @category", pc->name, line);
		else if (parse_int(a, 1, 5, &f) < 0)
			perr(pc, line, "%s:%u: unknown severity \"%s\" (expected 1-5)", pc->name,
			     line, a);
		else
			pc->set->floor[pc->category] = (uint8_t)f;
	} else if (klen == 8 && memcmp(s, "@include", 8) == 0) {
		if (!*a)
			perr(pc, line, "%s:%u: @include needs a file name", pc->name, line);
		else
			include_file(pc, line, a);
	} else {
		perr(pc, line,
		     "%s:%u: unknown directive \"%.*s\" (expected @category, @severity, "
		     "@include, @class, @context, @when or @floor)",
		     pc->name, line, (int)(klen < 32 ? klen : 32), s);
	}
}

/* ---- lines -------------------------------------------------------------- */

/* Cuts a trailing " # comment"; returns the new length. */
static size_t strip_comment(const char *s, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return len;
}

static void one_line(struct parse_ctx *pc, unsigned line, const char *s, size_t len)
{
	if (len && s[len - 1] == '\r')
		len--;
	if (len > VIGIL_LIST_MAX_LINE_BYTES) {
		perr(pc, line, "%s:%u: line is longer than %u bytes", pc->name, line,
		     VIGIL_LIST_MAX_LINE_BYTES);
		return;
	}
	if (memchr(s, '\0', len)) {
		perr(pc, line, "%s:%u: NUL byte in a text file", pc->name, line);
		return;
	}
	for (int32_t i = 0; i < (int32_t)len;) {
		UChar32 c;

		U8_NEXT(s, i, (int32_t)len, c);
		if (c < 0) {
			perr(pc, line, "%s:%u: invalid UTF-8 (byte %d)", pc->name, line, i);
			return;
		}
	}
	trim(&s, &len);
	if (!len || *s == '#')
		return;
	len = strip_comment(s, len);
	trim(&s, &len);
	if (*s == '@')
		directive_line(pc, line, s, len);
	else
		rule_line(pc, line, s, len);
}

static size_t parse_text(struct parse_ctx *pc, const char *text, size_t len)
{
	unsigned line = 1;
	size_t pos = 0;

	if (len > VIGIL_LIST_MAX_FILE_BYTES) {
		perr(pc, 0, "%s: file is larger than %u bytes", pc->name,
		     VIGIL_LIST_MAX_FILE_BYTES);
		return pc->nerrors;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3; /* a byte-order mark from a Windows editor */
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		one_line(pc, line++, text + pos, end - pos);
		pos = end + 1;
	}
	return pc->nerrors;
}

size_t wl_parse_file(struct wl_set *set, const struct wl_source *src, const char *name,
                     struct match_errors *errs)
{
	struct parse_ctx pc = {
	    .set = set,
	    .src = src,
	    .errs = errs,
	    .category = -1,
	    .severity = DEFAULT_SEVERITY,
	};
	char *resolved = NULL, *text = NULL;
	size_t len = 0;
	int r = src->read(src->ctx, NULL, name, &resolved, &text, &len);

	if (r < 0) {
		errors_add(errs, true, "%s: %s", name, strerror(-r));
		return 1;
	}
	pc.name = resolved;
	pc.base = strrchr(resolved, '/') ? strrchr(resolved, '/') + 1 : resolved;
	pc.stack[0] = resolved;
	parse_text(&pc, text, len);
	free(resolved);
	free(text);
	return pc.nerrors;
}

/* ---- checks across the set ---------------------------------------------- */

static int rule_cmp(const void *a, const void *b)
{
	const struct wl_rule *x = *(const struct wl_rule *const *)a;
	const struct wl_rule *y = *(const struct wl_rule *const *)b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->category != y->category)
		return (int)x->category - (int)y->category;
	if (x->context != y->context)
		return (int)x->context - (int)y->context;
	if (x->emoji != y->emoji)
		return x->emoji < y->emoji ? -1 : 1;
	if (x->nterms != y->nterms)
		return (int)x->nterms - (int)y->nterms;
	if (x->nalts || y->nalts) /* word classes: the same only when written the same */
		return strcmp(x->phrase, y->phrase);
	return memcmp(x->terms, y->terms, x->nterms * sizeof(x->terms[0]));
}

void wl_check_classes(const struct wl_set *set, struct match_errors *errs)
{
	for (size_t i = 0; i < set->nclasses; i++)
		if (!set->classes[i].used)
			errors_add(errs, false, "%s: warning: word class <%s> is not used",
			           set->classes[i].where, set->classes[i].name);
}

void wl_check_duplicates(const struct wl_set *set, struct match_errors *errs)
{
	const struct wl_rule **v;

	if (set->nrules < 2)
		return;
	v = malloc(set->nrules * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < set->nrules; i++)
		v[i] = &set->rules[i];
	qsort(v, set->nrules, sizeof(*v), rule_cmp);
	for (size_t i = 1; i < set->nrules; i++)
		if (rule_cmp(&v[i - 1], &v[i]) == 0)
			errors_add(errs, false, "%s: warning: \"%s\" is the same as %s (\"%s\")",
			           v[i]->rule, v[i]->phrase, v[i - 1]->rule, v[i - 1]->phrase);
	free(v);
}

static int pattern_cmp(const void *a, const void *b)
{
	return memcmp(*(const struct wl_pattern *const *)a, *(const struct wl_pattern *const *)b,
	              sizeof(struct wl_pattern));
}

/* Whether every pattern of term t of r (the term and its word-class expansions) is in
 * the sorted exclusion patterns excl. */
static bool term_excluded(const struct wl_rule *r, unsigned t, const struct wl_pattern **excl,
                          size_t nexcl)
{
	const struct wl_pattern *p = &r->terms[t];

	if (!bsearch(&p, excl, nexcl, sizeof(*excl), pattern_cmp))
		return false;
	for (size_t a = 0; a < r->nalts; a++) {
		p = &r->alts[a].pat;
		if (r->alts[a].term == t && !bsearch(&p, excl, nexcl, sizeof(*excl), pattern_cmp))
			return false;
	}
	return true;
}

/* The fewest words a match of term t of r can have (the term or a word-class expansion). */
static unsigned term_min_words(const struct wl_rule *r, unsigned t)
{
	unsigned n = r->terms[t].nwords;

	for (size_t a = 0; a < r->nalts; a++)
		if (r->alts[a].term == t && r->alts[a].pat.nwords < n)
			n = r->alts[a].pat.nwords;
	return n;
}

void wl_check_dead_combos(const struct wl_set *set, struct match_errors *errs)
{
	const struct wl_pattern **excl;
	size_t nexcl = 0, cap = 0;

	for (size_t i = 0; i < set->nrules; i++)
		if (set->rules[i].kind == MATCH_RULE_EXCLUSION)
			cap += 1 + set->rules[i].nalts;
	if (!(excl = malloc((cap + 1) * sizeof(*excl))))
		return;
	for (size_t i = 0; i < set->nrules; i++) {
		const struct wl_rule *r = &set->rules[i];

		if (r->kind != MATCH_RULE_EXCLUSION)
			continue;
		excl[nexcl++] = &r->terms[0];
		for (size_t a = 0; a < r->nalts; a++)
			excl[nexcl++] = &r->alts[a].pat;
	}
	qsort(excl, nexcl, sizeof(*excl), pattern_cmp);
	for (size_t i = 0; i < set->nrules; i++) {
		const struct wl_rule *r = &set->rules[i];
		unsigned words = 0;

		if (r->kind != MATCH_RULE_COMBO)
			continue;
		for (unsigned t = 0; t < r->nterms; t++)
			words += term_min_words(r, t);
		if (words > r->window)
			errors_add(
			    errs, false,
			    "%s: warning: \"%s\" is reported only when its words are run "
			    "together: its terms have at least %u words, more than its span of %u",
			    r->rule, r->phrase, words, (unsigned)r->window);
		for (unsigned t = 0; t < r->nterms; t++)
			if (term_excluded(r, t, excl, nexcl)) {
				errors_add(
				    errs, false,
				    "%s: warning: \"%s\" can never report: its term %u is also an "
				    "exclusion, which drops every match of it",
				    r->rule, r->phrase, t + 1);
				break;
			}
	}
	free(excl);
}

void wl_set_shrink(struct wl_set *set)
{
	for (size_t i = 0; i < set->nrules; i++) {
		struct wl_rule *r = &set->rules[i];
		struct wl_pattern *t;

		if (!r->nterms) { /* a cue that is one emoji */
			free(r->terms);
			r->terms = NULL;
		} else if ((t = realloc(r->terms, r->nterms * sizeof(*t)))) {
			r->terms = t;
		}
	}
}

void wl_set_drop_patterns(struct wl_set *set)
{
	for (size_t i = 0; i < set->nrules; i++) {
		free(set->rules[i].terms);
		free(set->rules[i].alts);
		set->rules[i].terms = NULL;
		set->rules[i].alts = NULL;
		set->rules[i].nalts = 0;
	}
}

void wl_set_clear(struct wl_set *set)
{
	for (size_t i = 0; i < set->nrules; i++)
		rule_free(&set->rules[i]);
	free(set->rules);
	for (size_t i = 0; i < set->ncategories; i++)
		free(set->categories[i]);
	free(set->categories);
	free(set->floor);
	for (size_t i = 0; i < set->nclasses; i++) {
		class_free_texts(set->classes[i].members, set->classes[i].nmembers);
		free(set->classes[i].name);
		free(set->classes[i].where);
	}
	free(set->classes);
	class_free_texts(set->contexts, set->ncontexts);
	class_free_texts(set->origins, set->norigins);
	memset(set, 0, sizeof(*set));
}
