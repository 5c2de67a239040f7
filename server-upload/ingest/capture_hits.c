/* capture_hits.c: a stored capture record's hits, and what lowered each, as shown by the server. */
#include "capture_hits.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CAPTURE_HITS_MAX 64 /* hits walked by capture_hits_lowered at most */

size_t capture_hits_of(json_t *rec, json_t **out, size_t max)
{
	json_t *hits = json_object_get(rec, "hits"), *reason = json_object_get(rec, "reason");
	size_t n = 0, i;
	json_t *v;

	if (json_is_array(hits) && json_array_size(hits) > 0) {
		json_array_foreach(hits, i, v)
		{
			if (json_is_object(v) && n < max)
				out[n++] = v;
		}
		return n;
	}
	if (json_is_object(reason) && max)
		out[n++] = reason;
	return n;
}

size_t capture_hit_why(json_t *hit, char *buf, size_t size)
{
	json_t *sev = json_object_get(hit, "severity"),
	       *base = json_object_get(hit, "base_severity");

	return hitwhy_format(buf, size, json_is_integer(sev) ? (int)json_integer_value(sev) : 0,
	                     json_is_integer(base) ? (int)json_integer_value(base) : 0,
	                     json_string_value(json_object_get(hit, "why")),
	                     json_string_value(json_object_get(hit, "context_rule")));
}

int capture_hits_lowered(json_t *rec, size_t max, size_t why_size,
                         int (*fn)(const char *category, const char *why, void *ud), void *ud)
{
	json_t *hits[CAPTURE_HITS_MAX];
	size_t n = capture_hits_of(rec, hits, max < CAPTURE_HITS_MAX ? max : CAPTURE_HITS_MAX);
	char why[HITWHY_MAX];
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *cat = json_string_value(json_object_get(hits[i], "category"));

		if (capture_hit_why(hits[i], why, why_size < sizeof(why) ? why_size : sizeof(why)))
			r = fn(cat ? cat : "", why, ud);
	}
	return r < 0 ? r : 0;
}

const char *capture_source_name(unsigned int i)
{
	static const char *const names[CAPTURE_SOURCES] = {"typed", "window-title", "clipboard",
	                                                   "screen-text", "tamper"};

	return i < CAPTURE_SOURCES ? names[i] : NULL;
}

/* Adds a hit of category at severity from source to out (n of max so far). */
static size_t add_category(struct capture_category *out, size_t n, size_t max, const char *category,
                           int severity, const char *source)
{
	size_t k;

	for (k = 0; k < n && strcmp(out[k].category, category) != 0; k++)
		;
	if (k == n) {
		if (n == max)
			return n;
		memset(&out[k], 0, sizeof(out[k]));
		snprintf(out[k].category, sizeof(out[k].category), "%s", category);
		n++;
	}
	if (severity > out[k].severity)
		out[k].severity = severity;
	for (unsigned int i = 0; source && capture_source_name(i); i++)
		if (strcmp(source, capture_source_name(i)) == 0)
			out[k].sources |= 1u << i;
	return n;
}

size_t capture_hits_categories(json_t *rec, int min_severity, struct capture_category *out,
                               size_t max)
{
	json_t *hits[CAPTURE_HITS_MAX + 1];
	size_t nh = capture_hits_of(rec, hits, CAPTURE_HITS_MAX), n = 0;
	const char *rsource = json_string_value(json_object_get(rec, "source"));
	json_t *reason = json_object_get(rec, "reason");

	if (json_is_object(reason) && nh && hits[0] != reason)
		hits[nh++] = reason; /* counted when no hit has its category */
	for (size_t i = 0; i < nh; i++) {
		const char *cat = json_string_value(json_object_get(hits[i], "category"));
		const char *src = json_string_value(json_object_get(hits[i], "source"));
		json_t *sev = json_object_get(hits[i], "severity");
		bool seen = false;

		if (!cat || !json_is_integer(sev) || json_integer_value(sev) < min_severity)
			continue;
		if (hits[i] == reason)
			for (size_t k = 0; k < n; k++)
				seen |= strcmp(out[k].category, cat) == 0;
		if (!seen)
			n = add_category(out, n, max, cat, (int)json_integer_value(sev),
			                 src ? src : rsource);
	}
	return n;
}
