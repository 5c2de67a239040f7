/* test-capture-evidence.c: each hit's own source, context and frame, and the capture's frames:
 * what the validator hands to the store and keeps in the record, and the categories an alert
 * names (capture_hits_categories). */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_hits.h"
#include "capture_validate.h"

#include "tap.h"

/* The smallest PNGs the validator reads: signature and IHDR of a 4 x 3 and a 5 x 2 image. */
static const unsigned char shot[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                       13,   'I', 'H', 'D', 'R',  0,    0,    0,    4, 0, 0,
                                       0,    3,   8,   2,   0,    0,    0,    0,    0, 0, 0};
static const unsigned char later[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                        13,   'I', 'H', 'D', 'R',  0,    0,    0,    5, 0, 0,
                                        0,    2,   8,   2,   0,    0,    0,    0,    0, 0, 0};

/* An image object of png: type, size, hash, data (and time when not NULL). */
static json_t *image(const unsigned char *png, int w, int h, const char *time)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1], b64[64];
	json_t *o;

	crypto_hash_sha256(digest, png, 33);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	sodium_bin2base64(b64, sizeof(b64), png, 33, sodium_base64_VARIANT_ORIGINAL);
	o = json_pack("{s:s, s:i, s:i, s:s, s:s}", "type", "image/png", "width", w, "height", h,
	              "sha256", hex, "data", b64);
	if (time)
		json_object_set_new(o, "time", json_string(time));
	return o;
}

/* A self-harm capture with a grooming hit of its own evidence on frame 1. */
static json_t *record(void)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:{s:s, s:i, s:s, s:s, s:s},"
	    " s:[{s:s, s:i, s:s, s:s, s:s, s:i, s:i},"
	    "    {s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:i}],"
	    " s:{s:s, s:s}, s:o, s:[o], s:{s:s, s:s}}",
	    "schema", "vigil.capture/1", "id", "6f1c2c43-2d6a-4f4e-9d47-1f6f3f0b7a22", "time",
	    "2026-11-26T10:00:00Z", "machine", "LAB3-PC02", "user", "pupil", "source", "typed",
	    "context", "i want to die", "reason", "category", "self-harm", "severity", 5, "phrase",
	    "want to die", "matched", "want to die", "rule", "self-harm.txt:3", "hits", "category",
	    "self-harm", "severity", 5, "phrase", "want to die", "rule", "self-harm.txt:3",
	    "matched", "want to die", "start", 2, "end", 13, "category", "grooming", "severity", 5,
	    "phrase", "our secret", "rule", "grooming.txt:9", "matched", "our secret", "start", 8,
	    "end", 18, "source", "clipboard", "context", "this is our secret", "frame", 1, "window",
	    "title", "Chat", "app", "chat", "screenshot", image(shot, 4, 3, NULL), "frames",
	    image(later, 5, 2, "2026-11-26T10:00:01.250Z"), "agent", "version", "0.1.0",
	    "wordlists", "");
}

static int parse(json_t *rec, struct capture **c, struct capture_error *err)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	int r = capture_parse(text, strlen(text), c, err);

	free(text);
	return r;
}

static void test_kept(void)
{
	json_t *rec = record(), *stored, *h, *f;
	struct capture_error err = {0};
	struct capture *c = NULL;

	CHECK(parse(rec, &c, &err) == 0, "valid record refused: %s", err.message);
	if (!c) {
		json_decref(rec);
		return;
	}
	CHECK(c->nhits == 2 && !c->hits[0].source && !c->hits[0].context && c->hits[0].frame == -1,
	      "hits[0] has no evidence of its own");
	CHECK(c->hits[1].source && strcmp(c->hits[1].source, "clipboard") == 0 &&
	          c->hits[1].context && strcmp(c->hits[1].context, "this is our secret") == 0 &&
	          c->hits[1].frame == 1 && c->hits[1].start == 8 && c->hits[1].end == 18,
	      "hits[1]'s source, context, frame and offsets into its own context");
	CHECK(c->nframes == 1 && c->frames[0].png_len == 33 &&
	          memcmp(c->frames[0].png, later, 33) == 0 && c->frame_rows[0].width == 5 &&
	          c->frame_rows[0].height == 2 && c->frame_rows[0].time_ms == 1795687201250LL &&
	          strcmp(c->frame_rows[0].sha256, c->frames[0].sha256) == 0 &&
	          strcmp(c->sha256, c->frames[0].sha256) != 0,
	      "the frame decoded and handed to the store");
	stored = json_loads(c->record, 0, NULL);
	h = json_array_get(json_object_get(stored, "hits"), 1);
	f = json_array_get(json_object_get(stored, "frames"), 0);
	CHECK(json_is_string(json_object_get(h, "source")) &&
	          json_is_string(json_object_get(h, "context")) &&
	          json_integer_value(json_object_get(h, "frame")) == 1,
	      "the stored record keeps the hit's evidence");
	CHECK(f && !json_object_get(f, "data") && json_is_string(json_object_get(f, "time")) &&
	          json_integer_value(json_object_get(f, "width")) == 5,
	      "the stored record keeps the frame without its data");
	json_decref(stored);
	capture_free(c);
	json_decref(rec);
}

/* A change to a valid record and the field its error must name. */
static void refused(const char *what, const char *path, json_t *value, const char *field)
{
	json_t *rec = record(), *o = rec;
	struct capture_error err = {0};
	struct capture *c = NULL;
	char buf[64], *p, *key;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (key = strsep(&p, "."));) {
		char *end;
		long i = strtol(key, &end, 10);
		if (!p) {
			if (json_is_array(o))
				json_array_set_new(o, (size_t)i, value);
			else
				json_object_set_new(o, key, value);
		} else {
			o = *end ? json_object_get(o, key) : json_array_get(o, (size_t)i);
		}
	}
	CHECK(parse(rec, &c, &err) == -EINVAL && strcmp(err.field, field) == 0 &&
	          strstr(err.message, field),
	      "%s: refused naming %s (got %s: %s)", what, field, err.field, err.message);
	capture_free(c);
	json_decref(rec);
}

static void test_refused(void)
{
	refused("unknown source", "hits.1.source", json_string("mouse"), "hits[1].source");
	refused("context too long", "hits.1.context",
	        json_string("0123456789012345678901234567890123456789012345678901234567890123456789"
	                    "0123456789012345678901234567890123456789012345678901234567890123456789"
	                    "0123456789012345678901234567890123456789012345678901234567890123456789"
	                    "01234567890123456789012345678901234567890123456789"),
	        "hits[1].context");
	refused("offset past its own context", "hits.1.context", json_string("our secret"),
	        "hits[1].end");
	refused("frame past the frames", "hits.1.frame", json_integer(2), "hits[1].frame");
	refused("frame time before the capture", "frames.0.time",
	        json_string("2026-11-26T09:59:59Z"), "frames[0].time");
	refused("frame hash", "frames.0.sha256",
	        json_string("00000000000000000000000000000000"
	                    "00000000000000000000000000000000"),
	        "frames[0].sha256");
	refused("frame size", "frames.0.height", json_integer(3), "frames[0].height");
	refused("frames not an array", "frames", json_string("x"), "frames");
}

/* The categories at or above a severity, with their sources, from a stored record. */
static void test_categories(void)
{
	json_t *rec = json_pack(
	    "{s:s, s:{s:s, s:i},"
	    " s:[{s:s, s:i}, {s:s, s:i, s:s}, {s:s, s:i, s:s}, {s:s, s:i, s:s}]}",
	    "source", "typed", "reason", "category", "self-harm", "severity", 5, "hits", "category",
	    "self-harm", "severity", 5, "category", "grooming", "severity", 5, "source",
	    "clipboard", "category", "bullying", "severity", 3, "source", "window-title",
	    "category", "grooming", "severity", 4, "source", "screen-text");
	json_t *plain = json_pack("{s:s, s:{s:s, s:i}}", "source", "window-title", "reason",
	                          "category", "bullying", "severity", 4);
	struct capture_category k[8];
	size_t n = capture_hits_categories(rec, 5, k, 8);

	CHECK(n == 2 && strcmp(k[0].category, "self-harm") == 0 && k[0].severity == 5 &&
	          k[0].sources == 1u && strcmp(k[1].category, "grooming") == 0 &&
	          k[1].severity == 5 && k[1].sources == 4u,
	      "at 5: self-harm (typed) and grooming (clipboard), got %zu", n);
	n = capture_hits_categories(rec, 3, k, 8);
	CHECK(n == 3 && k[1].sources == (4u | 8u) && strcmp(k[2].category, "bullying") == 0 &&
	          k[2].severity == 3 && k[2].sources == 2u,
	      "at 3: grooming from clipboard and screen text, bullying from the title");
	CHECK(capture_hits_categories(rec, 5, k, 1) == 1, "max respected");
	n = capture_hits_categories(plain, 4, k, 8);
	CHECK(n == 1 && strcmp(k[0].category, "bullying") == 0 && k[0].sources == 2u,
	      "a record without hits: its reason, from the record's source");
	CHECK(capture_hits_categories(plain, 5, k, 8) == 0, "none under the threshold");
	CHECK(strcmp(capture_source_name(4), "tamper") == 0 && !capture_source_name(5),
	      "source names");
	json_decref(rec);
	json_decref(plain);
}

/* A PNG of n bytes (n >= 33): a 5 x 2 IHDR and then zeros, enough for the validator. */
static unsigned char *big_png(size_t n)
{
	unsigned char *p = calloc(1, n);

	if (p)
		memcpy(p, later, sizeof(later));
	return p;
}

/* An image object of the n bytes of png with a time. */
static json_t *big_image(const unsigned char *png, size_t n, const char *time)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	size_t b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	json_t *o;

	crypto_hash_sha256(digest, png, n);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	sodium_bin2base64(b64, b64len, png, n, sodium_base64_VARIANT_ORIGINAL);
	o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "type", "image/png", "width", 5, "height",
	              2, "sha256", hex, "data", b64, "time", time);
	free(b64);
	return o;
}

/* Frames larger than the screenshot are read from the body as it stands (no copy of their
 * base64 through jansson), each checked and decoded to its own bytes; a large "data" of
 * an unknown member changes nothing. */
static void test_large_frames(void)
{
	unsigned char *a = big_png(4000), *b = big_png(6000);
	json_t *rec = record(), *frames = json_array();
	struct capture_error err = {0};
	struct capture *c = NULL;
	char *text, *bad = NULL;

	b[5000] = 1; /* a and b differ */
	json_array_append_new(frames, big_image(a, 4000, "2026-11-26T10:00:01Z"));
	json_array_append_new(frames, big_image(b, 6000, "2026-11-26T10:00:02Z"));
	json_object_set_new(rec, "frames", frames);
	json_object_set_new(json_object_get(rec, "window"), "data",
	                    json_string_nocheck(json_string_value(
	                        json_object_get(json_array_get(frames, 1), "data"))));
	CHECK(parse(rec, &c, &err) == 0, "large frames refused: %s", err.message);
	CHECK(c && c->nframes == 2 && c->frames[0].png_len == 4000 &&
	          memcmp(c->frames[0].png, a, 4000) == 0 && c->frames[1].png_len == 6000 &&
	          memcmp(c->frames[1].png, b, 6000) == 0 && c->png_len == 33,
	      "each frame decoded to its own bytes");
	if (c)
		CHECK(!strstr(c->record, "\"data\""), "no data kept in the record");
	capture_free(c);
	c = NULL;
	text = json_dumps(rec, JSON_COMPACT);
	/* the frame's copy of the base64, not the unknown member's (which comes first) */
	for (char *p = text;
	     text &&
	     (p = strstr(p, json_string_value(json_object_get(json_array_get(frames, 1), "data"))));
	     p++)
		bad = p;
	if (bad)
		bad[100] = '*';
	CHECK(text && capture_parse(text, strlen(text), &c, &err) == -EINVAL &&
	          strcmp(err.field, "frames[1].data") == 0,
	      "a bad character in a large frame named: %s", err.field);
	capture_free(c);
	free(text);
	json_decref(rec);
	free(a);
	free(b);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_kept();
	test_refused();
	test_categories();
	test_large_frames();
	TAP_EXIT();
}
