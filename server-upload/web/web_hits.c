/* web_hits.c: a capture's hits on a page: the context with its hits marked, the list of hits
 * with each one's source, own words and screenshot, and the screenshots. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_hits.h"
#include "caserecord.h"
#include "localzone.h"
#include "web.h"

#define MAX_MARKS 16

struct span {
	size_t start, end;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* context with the spans s (any order; overlapping ones become one mark) in <mark>. */
static void marked(struct html *h, const char *context, struct span *s, size_t ns)
{
	size_t at = 0;

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

void web_context_marked(struct html *h, json_t *rec)
{
	const char *context = json_string_value(json_object_get(rec, "context"));
	json_t *hits[MAX_MARKS];
	struct span s[MAX_MARKS];
	size_t nh = capture_hits_of(rec, hits, MAX_MARKS), ns = 0;

	if (!context)
		return;
	for (size_t i = 0; i < nh; i++) {
		struct caserecord_hit e;

		/* A hit with words of its own is marked there, under it. */
		caserecord_hit_evidence(rec, hits[i], &e);
		if (!e.own_context && e.start < e.end)
			s[ns++] = (struct span){e.start, e.end};
	}
	marked(h, context, s, ns);
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

/* "screenshot 2, 09:14:05" for shot n of rec (0: the capture's screenshot), word first;
 * whether it said the time. */
static bool shot_name(struct html *h, json_t *rec, size_t n, const char *word)
{
	const char *sha;
	int64_t ms;
	char hms[16];

	html_fmt(h, "%s %zu", word, n + 1);
	if (caserecord_shot(rec, n, &sha, &ms) < 0 || !ms)
		return false;
	localzone_format(ms, "%H:%M:%S", hms, sizeof(hms));
	html_fmt(h, ", %s", hms);
	return true;
}

/* Under a hit on the capture page: its own words, marked, and the screenshot showing it. */
static void hit_evidence(struct html *h, json_t *rec, const struct caserecord_hit *e)
{
	struct span s = {e->start, e->end};

	if (e->own_context) {
		html_raw(h, "<q class=\"hit-context\">");
		marked(h, e->context, &s, e->start < e->end);
		html_raw(h, "</q>");
	}
	if (e->shot >= 0) {
		html_fmt(h, " <a class=\"on-shot\" href=\"#shot-%d\">on ", e->shot + 1);
		shot_name(h, rec, (size_t)e->shot, "screenshot");
		html_raw(h, "</a>");
	}
}

void web_hits_list(struct html *h, json_t *rec, enum web_hits_detail detail)
{
	json_t *hits[MAX_MARKS];
	size_t n = capture_hits_of(rec, hits, MAX_MARKS);

	html_raw(h, "<ul class=\"hits\">");
	for (size_t i = 0; i < n; i++) {
		json_t *sev = json_object_get(hits[i], "severity");
		const char *rule = json_string_value(json_object_get(hits[i], "rule"));
		struct caserecord_hit e;

		caserecord_hit_evidence(rec, hits[i], &e);
		html_raw(h, "<li class=\"hit\">");
		if (*e.source) { /* where its words came from, as a label before it */
			html_raw(h, "<span class=\"src\">");
			html_text(h, e.source);
			html_raw(h, "</span> ");
		}
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
		if (detail == WEB_HITS_EVIDENCE)
			hit_evidence(h, rec, &e);
		html_raw(h, "</li>");
	}
	html_raw(h, "</ul>");
}

/* Appends ", " and v to buf (len bytes so far) when they fit; the new length. */
static size_t join(char *buf, size_t size, size_t len, const char *v)
{
	size_t vlen = strlen(v);

	if (len + (len ? 2 : 0) + vlen >= size)
		return len; /* what does not fit is left out */
	if (len) {
		memcpy(buf + len, ", ", 2);
		len += 2;
	}
	memcpy(buf + len, v, vlen + 1);
	return len + vlen;
}

size_t web_hits_distinct(json_t *rec, enum web_hits_field field, char *buf, size_t size)
{
	struct capture_category cats[MAX_MARKS];
	size_t n = capture_hits_categories(rec, 0, cats, MAX_MARKS), len = 0;
	const char *reason =
	    json_string_value(json_object_get(json_object_get(rec, "reason"), "category"));
	unsigned int sources = 0;

	if (size)
		buf[0] = '\0';
	if (field == WEB_HITS_CATEGORIES) {
		for (int first = 1; first >= 0; first--) /* the reason's category first */
			for (size_t i = 0; i < n; i++)
				if ((reason && strcmp(cats[i].category, reason) == 0) == first)
					len = join(buf, size, len, cats[i].category);
		return len;
	}
	for (size_t i = 0; i < n; i++)
		sources |= cats[i].sources;
	for (unsigned int i = 0; capture_source_name(i); i++)
		if (sources & 1u << i)
			len = join(buf, size, len, caserecord_source_words(capture_source_name(i)));
	return len;
}

void web_shots(struct html *h, json_t *rec, const char *id, bool hidden)
{
	size_t n = caserecord_shots(rec);

	html_raw(h, n > 1 ? "<h2>Screenshots</h2>" : "<h2>Screenshot</h2>");
	if (hidden) {
		html_raw(h, "<p id=\"image-hidden\">The image is hidden (possible child abuse "
		            "material; referred). It cannot be viewed.</p>");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		html_fmt(h, "<figure class=\"shot\" id=\"shot-%zu\">", i + 1);
		if (n > 1) {
			html_raw(h, "<figcaption>");
			if (shot_name(h, rec, i, "Screenshot")) {
				const char *sha = NULL;
				int64_t taken = 0;
				char zone[16];
				caserecord_shot(rec, i, &sha, &taken);
				localzone_format(taken, "%Z", zone, sizeof(zone));
				html_raw(h, " ");
				html_text(h, zone);
			}
			html_raw(h,
			         i ? "</figcaption>" : " (when the capture was made)</figcaption>");
		}
		/* The first keeps the id the keyboard and tests know. */
		if (i)
			html_fmt(h,
			         "<input type=\"checkbox\" class=\"zoom\" id=\"zoom-%zu\"><label "
			         "for=\"zoom-%zu\"",
			         i + 1, i + 1);
		else
			html_raw(h, "<input type=\"checkbox\" class=\"zoom\" id=\"zoom\"><label "
			            "for=\"zoom\"");
		html_fmt(h, " title=\"Click to zoom\"><img alt=\"screenshot %zu\" src=\"/captures/",
		         i + 1);
		html_url(h, id);
		if (i)
			html_fmt(h, "/frames/%zu", i);
		else
			html_raw(h, "/image");
		html_raw(h, "\"></label></figure>");
	}
}
