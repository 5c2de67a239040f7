/* test-capture-why.c: the validator keeps what changed a hit's severity and names the field of a
 * bad one. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_validate.h"

#include "tap.h"

#define WHY "severity 5 \u2192 2: 'only joking' 2 words after"

/* The smallest PNG the validator reads: signature and IHDR of a 4 x 3 image. */
static const unsigned char png[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                      13,   'I', 'H', 'D', 'R',  0,    0,    0,    4, 0, 0,
                                      0,    3,   8,   2,   0,    0,    0,    0,    0, 0, 0};

/* A valid record: its reason and first hit lowered by context, its second hit not. */
static json_t *record(void)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1], b64[64];

	crypto_hash_sha256(digest, png, sizeof(png));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	sodium_bin2base64(b64, sizeof(b64), png, sizeof(png), sodium_base64_VARIANT_ORIGINAL);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:{s:s, s:i, s:s, s:s, s:s, s:i, s:s, s:s},"
	    " s:[{s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s},"
	    "    {s:s, s:i, s:s, s:s, s:s, s:n, s:n}],"
	    " s:{s:s, s:s}, s:{s:s, s:i, s:i, s:s, s:s}, s:{s:s, s:s}}",
	    "schema", "vigil.capture/1", "id", "6f1c2c43-2d6a-4f4e-9d47-1f6f3f0b7a21", "time",
	    "2026-11-26T10:00:00Z", "machine", "LAB3-PC02", "user", "pupil", "source", "typed",
	    "context", "i could vanish only joking", "reason", "category", "self-harm", "severity",
	    2, "phrase", "could vanish", "matched", "could vanish", "rule", "self-harm.txt:88",
	    "base_severity", 5, "why", WHY, "context_rule", "self-harm.txt:19", "hits", "category",
	    "self-harm", "severity", 2, "phrase", "could vanish", "rule", "self-harm.txt:88",
	    "matched", "could vanish", "start", 2, "end", 14, "base_severity", 5, "why", WHY,
	    "context_rule", "self-harm.txt:19", "category", "self-harm", "severity", 1, "phrase",
	    "vanish", "rule", "self-harm.txt:90", "matched", "vanish", "start", "end", "window",
	    "title", "Chat", "app", "chat", "screenshot", "type", "image/png", "width", 4, "height",
	    3, "sha256", hex, "data", b64, "agent", "version", "0.1.0", "wordlists", "");
}

/* Parses rec; 0 or the error with its field in err. */
static int parse(json_t *rec, struct capture **c, struct capture_error *err)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	int r = capture_parse(text, strlen(text), c, err);

	free(text);
	return r;
}

static void test_kept(void)
{
	json_t *rec = record(), *stored, *h;
	struct capture_error err = {0};
	struct capture *c = NULL;

	CHECK(parse(rec, &c, &err) == 0, "valid record refused: %s", err.message);
	if (!c) {
		json_decref(rec);
		return;
	}
	CHECK(c->nhits == 2 && c->hits[0].base_severity == 5 && c->hits[0].why &&
	          strcmp(c->hits[0].why, WHY) == 0 && c->hits[0].context_rule &&
	          strcmp(c->hits[0].context_rule, "self-harm.txt:19") == 0,
	      "hits[0]'s explanation handed to the store");
	CHECK(c->hits[1].base_severity == 0 && !c->hits[1].why && !c->hits[1].context_rule,
	      "hits[1] has none");
	stored = json_loads(c->record, 0, NULL);
	h = json_array_get(json_object_get(stored, "hits"), 0);
	CHECK(json_integer_value(json_object_get(h, "base_severity")) == 5 &&
	          json_is_string(json_object_get(h, "why")) &&
	          strcmp(json_string_value(json_object_get(h, "why")), WHY) == 0 &&
	          json_is_string(json_object_get(h, "context_rule")),
	      "stored record keeps hits[0]'s explanation: %s", c->record);
	h = json_object_get(stored, "reason");
	CHECK(json_integer_value(json_object_get(h, "base_severity")) == 5 &&
	          json_is_string(json_object_get(h, "why")) &&
	          json_is_string(json_object_get(h, "context_rule")),
	      "stored record keeps the reason's explanation");
	h = json_array_get(json_object_get(stored, "hits"), 1);
	CHECK(!json_object_get(h, "why") && !json_object_get(h, "base_severity"),
	      "nothing added to hits[1]");
	json_decref(stored);
	capture_free(c);
	json_decref(rec);
}

/* Each bad value is refused with its field named. */
static void test_refused(void)
{
	static const struct {
		int hit; /* the hit's index, -1 for reason */
		const char *key;
		const char *json; /* the bad value */
		const char *field;
	} rows[] = {
	    {-1, "base_severity", "\"5\"", "reason.base_severity"},
	    {-1, "base_severity", "1", "reason.base_severity"},
	    {-1, "why", "7", "reason.why"},
	    {-1, "why", "\"\"", "reason.why"},
	    {-1, "why", "\"a\\u0007b\"", "reason.why"},
	    {-1, "context_rule", "null", "reason.context_rule"},
	    {0, "base_severity", "6", "hits[0].base_severity"},
	    {0, "base_severity", "2.5", "hits[0].base_severity"},
	    {1, "base_severity", "0", "hits[1].base_severity"},
	    {0, "why", "[\"x\"]", "hits[0].why"},
	    {1, "why", "\"line\\nbreak\"", "hits[1].why"},
	    {0, "context_rule", "{}", "hits[0].context_rule"},
	    {1, "context_rule", "true", "hits[1].context_rule"},
	};
	char long_why[257 * 3 + 1];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *rec = record(), *obj, *v = json_loads(rows[i].json, JSON_DECODE_ANY, NULL);
		struct capture_error err = {0};
		struct capture *c = NULL;

		obj = rows[i].hit < 0
		          ? json_object_get(rec, "reason")
		          : json_array_get(json_object_get(rec, "hits"), (size_t)rows[i].hit);
		json_object_set_new(obj, rows[i].key, v);
		CHECK(parse(rec, &c, &err) == -EINVAL && strcmp(err.field, rows[i].field) == 0 &&
		          strstr(err.message, rows[i].field),
		      "%s = %s: field %s (%s), want %s", rows[i].key, rows[i].json, err.field,
		      err.message, rows[i].field);
		capture_free(c);
		json_decref(rec);
	}
	/* 257 characters are one too many, counted in characters (a 3-byte arrow each). */
	{
		json_t *rec = record();
		struct capture_error err = {0};
		struct capture *c = NULL;

		for (int i = 0; i < 257; i++)
			memcpy(long_why + 3 * i, "\u2192", 3);
		long_why[257 * 3] = '\0';
		json_object_set_new(json_array_get(json_object_get(rec, "hits"), 0), "why",
		                    json_string(long_why));
		CHECK(parse(rec, &c, &err) == -EINVAL && strcmp(err.field, "hits[0].why") == 0,
		      "a why of 257 characters: %s", err.field);
		capture_free(c);
		long_why[strlen(long_why) - 3] = '\0'; /* 256: accepted */
		json_object_set_new(json_array_get(json_object_get(rec, "hits"), 0), "why",
		                    json_string(long_why));
		CHECK(parse(rec, &c, &err) == 0, "a why of 256 characters: %s", err.message);
		capture_free(c);
		json_decref(rec);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_kept();
	test_refused();
	printf("%s\n", tap_failed ? "FAILED" : "all passed");
	TAP_EXIT();
}
