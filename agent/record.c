/* record.c: the vigil.capture/1 JSON record of one hit with its screenshot. */
#include "record.h"
#include "digest.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int record_new_id(char id[RECORD_ID_LEN + 1])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(id, RECORD_ID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	         b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	         b[15]);
	return 0;
}

void record_format_time(const struct timespec *ts, char out[32])
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts->tv_nsec / 1000000);
}

/* Decodes one UTF-8 character at s (n bytes left). Returns its length, or 0 when invalid. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t record_clean_text(const char *s, size_t max_chars, bool no_controls, char *out,
                         size_t outlen)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), o = 0, chars = 0;

	while (n > 0 && chars < max_chars) {
		uint32_t cp;
		size_t len = utf8_char(p, n, &cp);
		const char *put = (const char *)p;
		size_t putlen = len;

		if (len == 0) {
			put = "\xef\xbf\xbd"; /* U+FFFD */
			putlen = 3;
			len = 1;
		} else if (no_controls && (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))) {
			put = " ";
			putlen = 1;
		}
		if (o + putlen + 1 > outlen)
			break;
		memcpy(out + o, put, putlen);
		o += putlen;
		p += len;
		n -= len;
		chars++;
	}
	if (outlen > 0)
		out[o] = '\0';
	return o;
}

/* A cleaned copy of s as a JSON string; def replaces an empty result. */
static json_t *clean_string(const char *s, size_t max_chars, bool no_controls, const char *def)
{
	size_t cap = max_chars * 4 + 1;
	char *buf = malloc(cap);
	json_t *j;
	size_t n;

	if (!buf)
		return NULL;
	n = record_clean_text(s, max_chars, no_controls, buf, cap);
	if (n == 0 && def)
		j = json_string(def);
	else
		j = json_stringn(buf, n);
	explicit_bzero(buf, n);
	free(buf);
	return j;
}

/* The screenshot object of image; with a "time" when when is not NULL (a frame). */
static json_t *screenshot_object(const struct record_image *image, const struct timespec *when)
{
	char hex[DIGEST_SHA256_HEX_SIZE];
	char *b64 = malloc(digest_base64_size(image->len));
	size_t b64len;
	json_t *o;

	if (!b64 || digest_sha256_hex(image->png, image->len, hex) < 0) {
		free(b64);
		return NULL;
	}
	b64len = digest_base64(image->png, image->len, b64);
	o = json_pack("{s:s, s:i, s:i, s:s, s:s%}", "type", "image/png", "width", (int)image->width,
	              "height", (int)image->height, "sha256", hex, "data", b64, b64len);
	free(b64);
	if (o && when) {
		char t[32];

		record_format_time(when, t);
		if (json_object_set_new(o, "time", json_string(t)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/*
 * Adds to o what changed a hit's severity (base_severity, why, context_rule), when
 * context lowered it; nothing otherwise. 0 or -ENOMEM.
 */
static int add_why(json_t *o, int severity, int base_severity, const char *why,
                   const char *context_rule)
{
	if (!why || !*why || base_severity <= severity)
		return 0;
	if (json_object_set_new(o, "base_severity", json_integer(base_severity)) < 0 ||
	    json_object_set_new(o, "why", clean_string(why, RECORD_WHY_MAX_CHARS, true, "?")) < 0 ||
	    (context_rule && *context_rule &&
	     json_object_set_new(o, "context_rule",
	                         clean_string(context_rule, RECORD_RULE_MAX_CHARS, true, "?")) < 0))
		return -ENOMEM;
	return 0;
}

/* A hit's own source, context and frame, as an entry of "hits" has them. 0 or -ENOMEM. */
static int add_evidence(json_t *o, const struct record_hit *h)
{
	if (json_object_set_new(o, "source", json_string(hit_source_name(h->source))) < 0 ||
	    json_object_set_new(o, "context",
	                        clean_string(h->context, RECORD_CONTEXT_MAX_CHARS, false, NULL)) <
	        0 ||
	    (h->frame >= 0 && json_object_set_new(o, "frame", json_integer(h->frame)) < 0))
		return -ENOMEM;
	return 0;
}

/* One hit as the record writes it, in reason (without evidence) or in hits. */
static json_t *hit_object(const struct record_hit *h, bool evidence)
{
	json_t *o =
	    json_pack("{s:o, s:i, s:o, s:o, s:o}", "category",
	              clean_string(h->category, 64, true, "unknown"), "severity", h->severity,
	              "phrase", clean_string(h->phrase, RECORD_PHRASE_MAX_CHARS, false, "?"),
	              "rule", clean_string(h->rule, RECORD_RULE_MAX_CHARS, true, "?"), "matched",
	              clean_string(h->matched, RECORD_PHRASE_MAX_CHARS, false, "?"));

	if (o && evidence &&
	    (json_object_set_new(o, "start", h->start >= 0 ? json_integer(h->start) : json_null()) <
	         0 ||
	     json_object_set_new(o, "end", h->end >= 0 ? json_integer(h->end) : json_null()) < 0 ||
	     add_evidence(o, h) < 0)) {
		json_decref(o);
		return NULL;
	}
	if (o && add_why(o, h->severity, h->base_severity, h->why, h->context_rule) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The "hits" array; NULL on out-of-memory. */
static json_t *hits_array(const struct record_hit *hits, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = hit_object(&hits[i], true);

		if (!o || json_array_append_new(a, o) < 0) { /* o is released either way */
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int record_build(const struct hit *hit, const struct record_meta *meta,
                 const struct record_image *image, const char *id, char **json, size_t *len)
{
	return record_build_hits(hit, NULL, 0, NULL, 0, meta, image, id, json, len);
}

/* The "frames" array; NULL on out-of-memory. */
static json_t *frames_array(const struct record_frame *frames, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = screenshot_object(&frames[i].image, &frames[i].time);

		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The window's "rect" from image's focus when it is known and within the image. */
static int focus_rect(json_t *record, const struct record_image *image)
{
	const struct shot_rect *f = &image->focus;
	json_t *rect;

	if (f->width == 0 || f->height == 0 || f->x >= image->width || f->y >= image->height ||
	    f->width > image->width - f->x || f->height > image->height - f->y)
		return 0;
	rect = json_pack("{s:i, s:i, s:i, s:i}", "x", (int)f->x, "y", (int)f->y, "width",
	                 (int)f->width, "height", (int)f->height);
	return json_object_set_new(json_object_get(record, "window"), "rect", rect);
}

int record_build_hits(const struct hit *hit, const struct record_hit *hits, size_t nhits,
                      const struct record_frame *frames, size_t nframes,
                      const struct record_meta *meta, const struct record_image *image,
                      const char *id, char **json, size_t *len)
{
	const struct record_hit reason = {.category = hit->category,
	                                  .severity = hit->severity,
	                                  .phrase = hit->phrase,
	                                  .rule = hit->rule,
	                                  .matched = hit->matched,
	                                  .start = -1,
	                                  .end = -1,
	                                  .base_severity = hit->base_severity,
	                                  .why = hit->why,
	                                  .context_rule = hit->context_rule};
	char when[32];
	json_t *o, *shot;
	char *text;

	record_format_time(&hit->time, when);
	shot = screenshot_object(image, NULL);
	if (!shot)
		return -ENOMEM;
	o = json_pack(
	    "{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:{s:o, s:o}, s:o, s:{s:o, s:o}}", "schema",
	    "vigil.capture/1", "id", id, "time", when, "machine",
	    clean_string(meta->machine, RECORD_MACHINE_MAX_CHARS, true, "unknown"), "user",
	    clean_string(meta->user, RECORD_USER_MAX_CHARS, true, "unknown"), "source",
	    hit_source_name(hit->source), "reason", hit_object(&reason, false), "context",
	    clean_string(hit->context, RECORD_CONTEXT_MAX_CHARS, false, NULL), "window", "title",
	    clean_string(hit->window_title, RECORD_TITLE_MAX_CHARS, false, NULL), "app",
	    clean_string(hit->window_app, RECORD_APP_MAX_CHARS, true, NULL), "screenshot", shot,
	    "agent", "version", clean_string(meta->version, RECORD_VERSION_MAX_CHARS, true, "?"),
	    "wordlists", clean_string(meta->wordlists, RECORD_LISTS_MAX_CHARS, true, NULL));
	if (!o)
		return -EINVAL; /* json_pack released every "o" argument */
	if (focus_rect(o, image) < 0) {
		json_decref(o);
		return -ENOMEM;
	}
	if ((nhits > 0 && json_object_set_new(o, "hits", hits_array(hits, nhits)) < 0) ||
	    (nframes > 0 && json_object_set_new(o, "frames", frames_array(frames, nframes)) < 0)) {
		json_decref(o); /* json_object_set_new released a NULL or refused value */
		return -ENOMEM;
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	*json = text;
	*len = strlen(text);
	return 0;
}
