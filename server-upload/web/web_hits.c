/* web_hits.c: a capture's hits on a page: the context with every hit marked, and the list. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_hits.h"
#include "web.h"

#define MAX_MARKS 16

struct span {
	size_t start, end;
};

/* Where matched first occurs in context (exactly, else ignoring ASCII case). */
static const char *find(const char *context, const char *matched)
{
	size_t mlen = strlen(matched);
	const char *at;

	if (!mlen)
		return NULL;
	if ((at = strstr(context, matched)))
		return at;
	for (const char *p = context; *p; p++)
		if (strncasecmp(p, matched, mlen) == 0)
			return p;
	return NULL;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void web_context_marked(struct html *h, json_t *rec)
{
	const char *context = json_string_value(json_object_get(rec, "context"));
	json_t *hits[MAX_MARKS];
	struct span s[MAX_MARKS];
	size_t nh = capture_hits_of(rec, hits, MAX_MARKS), ns = 0, at = 0;

	if (!context)
		return;
	for (size_t i = 0; i < nh; i++) {
		json_t *a = json_object_get(hits[i], "start"), *b = json_object_get(hits[i], "end");
		const char *m = json_string_value(json_object_get(hits[i], "matched"));
		const char *p;

		/* The hit's own offsets (validated at upload) when it has them. */
		if (json_is_integer(a) && json_is_integer(b) && json_integer_value(a) >= 0 &&
		    json_integer_value(a) < json_integer_value(b) &&
		    (size_t)json_integer_value(b) <= strlen(context)) {
			s[ns++] = (struct span){(size_t)json_integer_value(a),
			                        (size_t)json_integer_value(b)};
			continue;
		}
		if (json_is_null(a))
			continue; /* outside the context */
		p = m ? find(context, m) : NULL;
		if (p)
			s[ns++] =
			    (struct span){(size_t)(p - context), (size_t)(p - context) + strlen(m)};
	}
	qsort(s, ns, sizeof(*s), cmp_span);
	for (size_t i = 0; i < ns;) {
		size_t start = s[i].start, end = s[i].end;
		for (i++; i < ns && s[i].start < end; i++) /* overlapping hits: one mark */
			end = s[i].end > end ? s[i].end : end;
		html_textn(h, context + at, start - at);
		html_raw(h, "<mark>");
		html_textn(h, context + start, end - start);
		html_raw(h, "</mark>");
		at = end;
	}
	html_text(h, context + at);
}

/* " — severity 5 → 2: 'lol' 1 word after (rule self-harm.txt:17)" when context lowered it. */
static void hit_why(struct html *h, json_t *hit)
{
	char why[HITWHY_MAX];

	if (!capture_hit_why(hit, why, sizeof(why)))
		return;
	html_raw(h, "<span class=\"why\"> — ");
	html_text(h, why);
	html_raw(h, "</span>");
}

void web_hits_list(struct html *h, json_t *rec)
{
	json_t *hits[MAX_MARKS];
	size_t n = capture_hits_of(rec, hits, MAX_MARKS);

	html_raw(h, "<ul class=\"hits\">");
	for (size_t i = 0; i < n; i++) {
		json_t *sev = json_object_get(hits[i], "severity");
		const char *rule = json_string_value(json_object_get(hits[i], "rule"));

		html_raw(h, "<li class=\"hit\">");
		html_text(h, json_string_value(json_object_get(hits[i], "category")));
		if (json_is_integer(sev))
			html_fmt(h, " %lld", (long long)json_integer_value(sev));
		html_raw(h, ": ");
		html_text(h, json_string_value(json_object_get(hits[i], "phrase")));
		if (rule) {
			html_raw(h, " <span class=\"rule\">(");
			html_text(h, rule);
			html_raw(h, ")</span>");
		}
		hit_why(h, hits[i]);
		html_raw(h, "</li>");
	}
	html_raw(h, "</ul>");
}
