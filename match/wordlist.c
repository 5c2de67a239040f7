/* wordlist.c: parses phrase-list files into rules, with FILE:LINE diagnostics. */
#include "wordlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "errors.h"
#include "normalize.h"
#include "parse.h"

#define DEFAULT_SEVERITY 3
#define MAX_CATEGORY_LEN 32

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
	const char *stack[VIGIL_LIST_MAX_INCLUDE_DEPTH + 1]; /* include chain, for cycles */
};

static size_t parse_text(struct parse_ctx *pc, const char *text, size_t len);

#define perr(pc, line, ...)                                                                        \
	do {                                                                                       \
		(pc)->nerrors++;                                                                   \
		errors_add((pc)->errs, true, __VA_ARGS__);                                         \
	} while (0)

size_t wl_pattern_letters(const struct wl_pattern *p)
{
	size_t n = 0, total = 0;

	for (uint8_t w = 0; w < p->nwords; w++)
		total += p->wlen[w];
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
		struct wl_rule *nr = realloc(set->rules, cap * sizeof(*nr));

		if (!nr)
			goto oom;
		set->rules = nr;
		set->cap = cap;
	}
	r = &set->rules[set->nrules];
	memset(r, 0, sizeof(*r));
	r->phrase = strndup(phrase, plen);
	if (!r->phrase || asprintf(&r->rule, "%s:%u", pc->base, line) < 0) {
		free(r->phrase);
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

static void rule_line(struct parse_ctx *pc, unsigned line, const char *s, size_t len)
{
	enum match_rule_kind kind = MATCH_RULE_PHRASE;
	const char *eq;
	int severity = pc->severity;
	struct wl_rule *r;
	const char *err;
	char msg[256];

	if (pc->category < 0) {
		perr(pc, line, "%s:%u: a rule before @category (start the file with @category ID)",
		     pc->name, line);
		return;
	}
	if (*s == '!') {
		kind = MATCH_RULE_EXCLUSION;
		s++;
		len--;
		trim(&s, &len);
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
	r = rule_add(pc, line, s, len);
	if (!r)
		return;
	r->kind = kind;
	r->category = (uint16_t)pc->category;
	r->severity = kind == MATCH_RULE_EXCLUSION ? 0 : (uint8_t)severity;
	if (kind == MATCH_RULE_COMBO) {
		err = combo_parse(s, len, r, msg, sizeof(msg));
	} else {
		r->nterms = 1;
		err = pattern_parse(s, len, &r->terms[0]);
	}
	if (err) {
		perr(pc, line, "%s:%u: \"%.*s\": %s", pc->name, line, (int)(len < 80 ? len : 80), s,
		     err);
		pc->set->nrules--;
		free(r->phrase);
		free(r->rule);
	}
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
	size_t klen = strcspn(s, " \t");
	const char *arg = s + klen;
	size_t alen = len - klen;
	char *a;

	if (klen > len)
		klen = len;
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
	} else if (klen == 9 && memcmp(s, "@severity", 9) == 0) {
		if (parse_int(a, 1, 5, &pc->severity) < 0)
			perr(pc, line, "%s:%u: unknown severity \"%s\" (expected 1-5)", pc->name,
			     line, a);
	} else if (klen == 8 && memcmp(s, "@include", 8) == 0) {
		if (!*a)
			perr(pc, line, "%s:%u: @include needs a file name", pc->name, line);
		else
			include_file(pc, line, a);
	} else {
		perr(pc, line,
		     "%s:%u: unknown directive \"%.*s\" (expected @category, @severity or "
		     "@include)",
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
	if (x->nterms != y->nterms)
		return (int)x->nterms - (int)y->nterms;
	return memcmp(x->terms, y->terms, x->nterms * sizeof(x->terms[0]));
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

void wl_set_clear(struct wl_set *set)
{
	for (size_t i = 0; i < set->nrules; i++) {
		free(set->rules[i].phrase);
		free(set->rules[i].rule);
	}
	free(set->rules);
	for (size_t i = 0; i < set->ncategories; i++)
		free(set->categories[i]);
	free(set->categories);
	memset(set, 0, sizeof(*set));
}
