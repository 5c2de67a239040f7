/* web_rulestats.c: the phrase lists' rules by false positives, each linked to its line. */
#include "web_rulestats.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "parse.h"
#include "server.h"
#include "store_lists.h"
#include "store_moderation.h"
#include "web.h"

#define MAX_RULES 4096

struct rule_count {
	char file[128];   /* the list file of the rule that matched */
	char phrase[256]; /* the rule as written; the rule "FILE:LINE" for a record without */
	char rule[260];   /* its "FILE:LINE" in one of its captures: where to look first */
	long hits, fp, concern;
};

struct rule_stats {
	struct rule_count *v;
	size_t n;
};

/* Adds the captures of one reason's rule and phrase to those of its file and phrase. */
static int rule_row(const struct store_reason_count *rc, void *ud)
{
	struct rule_stats *st = ud;
	const char *phrase = *rc->phrase ? rc->phrase : rc->rule, *colon = strrchr(rc->rule, ':');
	char file[128];
	size_t i, flen;

	if (!colon || (flen = (size_t)(colon - rc->rule)) >= sizeof(file))
		return 0;
	memcpy(file, rc->rule, flen);
	file[flen] = '\0';
	for (i = 0; i < st->n &&
	            (strcmp(st->v[i].phrase, phrase) != 0 || strcmp(st->v[i].file, file) != 0);
	     i++)
		;
	if (i == st->n) {
		if (st->n == MAX_RULES)
			return 0;
		snprintf(st->v[i].file, sizeof(st->v[i].file), "%s", file);
		snprintf(st->v[i].phrase, sizeof(st->v[i].phrase), "%s", phrase);
		st->n++;
	}
	snprintf(st->v[i].rule, sizeof(st->v[i].rule), "%s", rc->rule);
	st->v[i].hits += rc->captures;
	st->v[i].fp += rc->false_positives;
	st->v[i].concern += rc->concerns;
	return 0;
}

static int by_fp(const void *a, const void *b)
{
	const struct rule_count *x = a, *y = b;

	if (x->fp != y->fp)
		return x->fp < y->fp ? 1 : -1;
	return x->hits < y->hits ? 1 : x->hits > y->hits ? -1 : 0;
}

/* Whether line (len bytes) holds phrase as written: the phrase after any blanks, then
 * blanks and the end, a severity ('='), a context clause (';') or a comment ('#'). */
static int line_holds(const char *line, size_t len, const char *phrase, size_t plen)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < plen || memcmp(line + i, phrase, plen) != 0)
		return 0;
	for (i += plen; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	return i == len || line[i] == '=' || line[i] == ';' || line[i] == '#';
}

size_t web_rule_line(const char *text, size_t len, const char *phrase, size_t hint)
{
	size_t plen = strlen(phrase), no = 1, first = 0;
	const char *p = text, *end = text + len, *nl;

	for (; p < end; no++, p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (!line_holds(p, (size_t)(nl - p), phrase, plen))
			continue;
		if (no == hint || (hint && no > hint && first))
			return no == hint ? no : first;
		if (!first)
			first = no;
	}
	return first;
}

/* The line of the rule's phrase in its file now, or 0 (the phrase is gone, or the file is
 * not among the user's: *file_found says which). */
static size_t rule_now(const struct rule_count *c, const struct bundle_file *files, size_t n,
                       bool *file_found)
{
	const char *colon = strrchr(c->rule, ':');
	int64_t hint = 0;

	if (colon && parse_int64(colon + 1, 1, INT32_MAX, &hint) < 0)
		hint = 0;
	*file_found = false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].name, c->file) == 0) {
			*file_found = true;
			return web_rule_line(files[i].text, files[i].len, c->phrase, (size_t)hint);
		}
	return 0;
}

/*
 * The counts (one grouped query over an index) are kept per school while the captures'
 * stamp (store_captures_stamp: how many, newest received, newest status change) stays
 * the same; a few schools' counts at most.
 */
#define RULE_CACHE 8

struct rule_cache {
	int64_t school_id;
	struct store_captures_stamp stamp;
	struct rule_stats st; /* st.v NULL: empty slot */
};

static struct rule_cache cache[RULE_CACHE];
static unsigned cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* The counts of the user's scope into st (a copy: free st->v), from the cache when the
 * stamp is the same. 0 or -errno. */
static int rule_counts(struct web_ctx *w, struct rule_stats *st)
{
	struct store_captures_stamp stamp;
	struct rule_cache *c = NULL;
	int r = store_captures_stamp(w->srv->store, w->u.school_id, &stamp);

	if (r < 0 || !(st->v = calloc(MAX_RULES, sizeof(struct rule_count))))
		return r < 0 ? r : -ENOMEM;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < RULE_CACHE && !c; i++)
		if (cache[i].st.v && cache[i].school_id == w->u.school_id &&
		    memcmp(&cache[i].stamp, &stamp, sizeof(stamp)) == 0)
			c = &cache[i];
	if (c) {
		memcpy(st->v, c->st.v, c->st.n * sizeof(*st->v));
		st->n = c->st.n;
	}
	pthread_mutex_unlock(&cache_lock);
	if (c)
		return 0;
	r = store_reason_counts(w->srv->store, w->u.school_id, rule_row, st);
	if (r < 0)
		return r;
	qsort(st->v, st->n, sizeof(st->v[0]), by_fp);
	pthread_mutex_lock(&cache_lock);
	c = &cache[cache_next++ % RULE_CACHE];
	free(c->st.v);
	c->st.v = malloc((st->n ? st->n : 1) * sizeof(*st->v));
	if (c->st.v)
		memcpy(c->st.v, st->v, st->n * sizeof(*st->v));
	c->st.n = st->n;
	c->school_id = w->u.school_id;
	c->stamp = stamp;
	pthread_mutex_unlock(&cache_lock);
	return 0;
}

void web_rule_table(struct web_ctx *w, struct html *h, const struct bundle_file *files, size_t n)
{
	struct rule_stats st = {0};

	if (rule_counts(w, &st) < 0) {
		free(st.v);
		html_raw(h, "<p class=\"error\">The counts per rule are not available; try again "
		            "shortly.</p>");
		return;
	}
	html_raw(h, "<h2>Rules by false positives</h2><table id=\"rules\"><thead><tr><th>Rule</th>"
	            "<th>Hits</th><th>False positives</th><th>Concerns</th><th>FP rate</th></tr>"
	            "</thead><tbody>");
	for (size_t i = 0; i < st.n; i++) {
		const struct rule_count *c = &st.v[i];
		bool file_found;
		size_t line = rule_now(c, files, n, &file_found);
		html_raw(h, "<tr><td>");
		if (line) {
			html_raw(h, "<a class=\"rule\" href=\"/wordlists?file=");
			html_url(h, c->file);
			html_fmt(h, "#L%zu\">", line);
			html_text(h, c->file);
			html_fmt(h, ":%zu</a> “", line);
		} else {
			html_text(h, c->rule);
			html_raw(h, " “");
		}
		html_text(h, c->phrase);
		html_raw(h, line         ? "”"
		            : file_found ? "” <span class=\"muted\">(no longer in the lists)</span>"
		                         : "” <span class=\"muted\">(its file is not among these "
		                           "lists: a school's own, or removed)</span>");
		html_fmt(h, "</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%.0f%%</td></tr>",
		         c->hits, c->fp, c->concern, 100.0 * (double)c->fp / (double)c->hits);
	}
	html_raw(h, "</tbody></table>");
	if (st.n == 0)
		html_raw(h, "<p>No capture yet.</p>");
	free(st.v);
}
