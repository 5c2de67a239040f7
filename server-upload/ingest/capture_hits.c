/* capture_hits.c: a stored capture record's hits, and what lowered each, as shown by the server. */
#include "capture_hits.h"

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
