/* test-record.c: vigil.capture/1 records: schema, field limits, UTF-8 cleaning, id and hash,
 * and what changed a hit's severity, from the matcher to the record. */
#include <jansson.h>
#include <regex.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "moment.h"
#include "record.h"
#include "tap.h"

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static char *repeat(const char *unit, size_t times)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * times + 1);

	for (size_t i = 0; i < times; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * times] = '\0';
	return s;
}

static json_t *build(const struct hit *hit, const struct record_meta *meta)
{
	struct record_image img = {.png = png, .len = sizeof(png), .width = 1920, .height = 1080};
	char id[RECORD_ID_LEN + 1], *text;
	size_t len;
	json_t *j;

	CHECK(record_new_id(id) == 0, "id");
	CHECK(record_build(hit, meta, &img, id, &text, &len) == 0, "build");
	CHECK(strlen(text) == len, "length");
	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	CHECK(j != NULL, "valid JSON: %s", text);
	CHECK(strcmp(json_string_value(json_object_get(j, "id")), id) == 0, "id kept");
	free(text);
	return j;
}

static void test_schema(void)
{
	struct hit hit = {.source = HIT_SOURCE_CLIPBOARD,
	                  .category = "self-harm",
	                  .severity = 5,
	                  .phrase = "kill myself",
	                  .rule = "self-harm.txt:12",
	                  .matched = "k1ll mys3lf",
	                  .context = "i just want to k1ll mys3lf tonight",
	                  .window_title = "Untitled - Writer",
	                  .window_app = "libreoffice",
	                  .time = {1795425243, 120999999}};
	struct record_meta meta = {"LAB1-PC07", "jsmith", "0.1.0", "edc3f727"};
	json_t *j = build(&hit, &meta), *shot;
	unsigned char digest[32], decoded[64];
	char hex[65];
	size_t dlen = 0;
	regex_t re;

	CHECK(strcmp(json_string_value(json_object_get(j, "schema")), "vigil.capture/1") == 0,
	      "schema");
	CHECK(strcmp(json_string_value(json_object_get(j, "time")), "2026-11-23T09:14:03.120Z") ==
	          0,
	      "time RFC 3339 UTC ms: %s", json_string_value(json_object_get(j, "time")));
	CHECK(strcmp(json_string_value(json_object_get(j, "source")), "clipboard") == 0, "source");
	CHECK(json_integer_value(json_object_get(json_object_get(j, "reason"), "severity")) == 5,
	      "severity");
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "reason"), "matched")),
	             "k1ll mys3lf") == 0,
	      "matched");
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "agent"), "wordlists")),
	             "edc3f727") == 0,
	      "wordlists");
	regcomp(&re, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
	        REG_EXTENDED | REG_NOSUB);
	CHECK(regexec(&re, json_string_value(json_object_get(j, "id")), 0, NULL, 0) == 0,
	      "UUID v4: %s", json_string_value(json_object_get(j, "id")));
	regfree(&re);
	shot = json_object_get(j, "screenshot");
	crypto_hash_sha256(digest, png, sizeof(png));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	CHECK(strcmp(json_string_value(json_object_get(shot, "sha256")), hex) == 0, "sha256");
	CHECK(sodium_base642bin(decoded, sizeof(decoded),
	                        json_string_value(json_object_get(shot, "data")),
	                        strlen(json_string_value(json_object_get(shot, "data"))), NULL,
	                        &dlen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	          dlen == sizeof(png) && memcmp(decoded, png, dlen) == 0,
	      "base64 of the PNG");
	CHECK(json_integer_value(json_object_get(shot, "width")) == 1920 &&
	          json_integer_value(json_object_get(shot, "height")) == 1080,
	      "size");
	json_decref(j);
}

/* Field limits, counted in characters: each row is a field, its input and its ceiling. */
static void test_limits(void)
{
	char *ctx = repeat("é", 600), *title = repeat("ü", 3000), *user = repeat("u", 100),
	     *phrase = repeat("p", 400);
	struct hit hit = {.source = HIT_SOURCE_TYPED,
	                  .category = "bullying",
	                  .severity = 3,
	                  .phrase = phrase,
	                  .rule = "b.txt:1",
	                  .matched = phrase,
	                  .context = ctx,
	                  .window_title = title,
	                  .window_app = "x\ty",
	                  .time = {0, 0}};
	struct record_meta meta = {"", user, "0.1.0", ""};
	json_t *j = build(&hit, &meta);
	const struct {
		const char *path[2];
		size_t max;
	} rows[] = {
	    {{"context", NULL}, 256},    {{"window", "title"}, 1024},  {{"user", NULL}, 64},
	    {{"reason", "phrase"}, 256}, {{"reason", "matched"}, 256},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *v = json_object_get(j, rows[i].path[0]);

		if (rows[i].path[1])
			v = json_object_get(v, rows[i].path[1]);
		CHECK(utf8_chars(json_string_value(v)) == rows[i].max, "%s.%s: %zu chars",
		      rows[i].path[0], rows[i].path[1] ? rows[i].path[1] : "",
		      utf8_chars(json_string_value(v)));
	}
	CHECK(strcmp(json_string_value(json_object_get(j, "machine")), "unknown") == 0,
	      "empty machine");
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "window"), "app")),
	             "x y") == 0,
	      "control characters in app replaced");
	json_decref(j);
	free(ctx);
	free(title);
	free(user);
	free(phrase);
}

/* Cleaning: invalid UTF-8 and controls, never a split character. */
static void test_clean(void)
{
	const struct {
		const char *in;
		size_t max;
		bool no_controls;
		const char *out;
	} rows[] = {
	    {"abc", 2, false, "ab"},
	    {"a\xff"
	     "b",
	     10, false,
	     "a\xef\xbf\xbd"
	     "b"},
	    {"\xc3\xa9\xc3\xa9", 1, false, "\xc3\xa9"},
	    {"\xe2\x82", 10, false, "\xef\xbf\xbd\xef\xbf\xbd"}, /* truncated sequence */
	    {"\xc0\xaf", 10, false, "\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong */
	    {"\xed\xa0\x80", 1, false, "\xef\xbf\xbd"},          /* surrogate */
	    {"a\nb\x7f", 10, true, "a b "},
	    {"a\nb", 10, false, "a\nb"},
	    {"", 10, true, ""},
	};
	char out[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		record_clean_text(rows[i].in, rows[i].max, rows[i].no_controls, out, sizeof(out));
		CHECK(strcmp(out, rows[i].out) == 0, "row %zu", i);
	}
	/* A small buffer never gets half a character. */
	record_clean_text("\xc3\xa9\xc3\xa9", 10, false, out, 4);
	CHECK(strcmp(out, "\xc3\xa9") == 0, "buffer bound");
}

/* Lists of this test: a joke after the first phrase lowers it (the @when is line 4). */
static const char why_lists[] = "@category test-mood\n"
                                "@severity 5\n"
                                "@context joke: lol, only kidding\n"
                                "@when joke after 3 -> 2\n"
                                "want to vanish\n"
                                "@when none\n"
                                "feel awful = 3\n";

static void keep_hit(const struct hit *hit, void *userdata)
{
	struct moment *m = userdata;

	if (m->n == 0)
		CHECK(moment_start(m, hit) == 0, "moment started");
	else
		CHECK(moment_add(m, hit) >= 0, "hit added");
}

/* The record of text scanned with why_lists, through detector and moment as the agent does. */
static json_t *scan_record(struct match_lists *lists, const char *text)
{
	struct moment m = {0};
	struct detect *d = detect_new(0, keep_hit, &m);
	struct record_hit rh[AGENT_MOMENT_MAX_HITS];
	struct record_meta meta = {"LAB2-PC01", "pupil", "0.1.0", ""};
	struct record_image img = {.png = png, .len = sizeof(png), .width = 1920, .height = 1080};
	struct detect_window win = {7, "Chat", "chat"};
	char id[RECORD_ID_LEN + 1], *json = NULL;
	size_t n, len;
	json_t *j;

	detect_set_lists(d, lists);
	detect_scan(d, HIT_SOURCE_TYPED, text, strlen(text), &win);
	CHECK(m.n > 0, "'%s' hits", text);
	n = moment_record_hits(&m, NULL, 0, rh, AGENT_MOMENT_MAX_HITS);
	CHECK(record_new_id(id) == 0, "id");
	CHECK(record_build_hits(moment_reason(&m), rh, n, NULL, 0, &meta, &img, id, &json, &len) ==
	          0,
	      "record built");
	j = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	CHECK(j != NULL, "valid JSON: %s", json);
	free(json);
	moment_clear(&m);
	detect_free(d);
	return j;
}

static bool str_is(json_t *o, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && strcmp(v, want) == 0;
}

/* A hit lowered by context says so, in hits and in reason; others carry nothing of it. */
static void test_why(void)
{
	struct match_file f = {"mood.txt", why_lists, sizeof(why_lists) - 1};
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	json_t *j, *h0, *h1, *reason;

	CHECK(match_lists_compile(&f, 1, &lists, &errs) == 0, "lists compile");
	match_errors_free(errs);

	j = scan_record(lists, "i want to vanish lol but first i feel awful");
	reason = json_object_get(j, "reason");
	h0 = json_array_get(json_object_get(j, "hits"), 0);
	h1 = json_array_get(json_object_get(j, "hits"), 1);
	CHECK(json_array_size(json_object_get(j, "hits")) == 2, "two hits");
	CHECK(str_is(h0, "phrase", "want to vanish") &&
	          json_integer_value(json_object_get(h0, "severity")) == 2,
	      "the joke lowered 'want to vanish' to 2");
	CHECK(json_integer_value(json_object_get(h0, "base_severity")) == 5,
	      "hits[0].base_severity is the rule's 5");
	CHECK(str_is(h0, "why", "severity 5 \u2192 2: 'lol' 1 word after"), "hits[0].why: %s",
	      json_string_value(json_object_get(h0, "why")));
	CHECK(str_is(h0, "context_rule", "mood.txt:4") && str_is(h0, "rule", "mood.txt:5"),
	      "hits[0] names the phrase's rule and the @when's");
	CHECK(str_is(h1, "phrase", "feel awful") && !json_object_get(h1, "base_severity") &&
	          !json_object_get(h1, "why") && !json_object_get(h1, "context_rule"),
	      "a hit context left alone has no base_severity, why or context_rule");
	CHECK(str_is(reason, "phrase", "feel awful") && !json_object_get(reason, "why"),
	      "reason: the most severe hit (3), unexplained");
	json_decref(j);

	j = scan_record(lists, "i want to vanish only kidding");
	reason = json_object_get(j, "reason");
	CHECK(json_integer_value(json_object_get(reason, "severity")) == 2 &&
	          json_integer_value(json_object_get(reason, "base_severity")) == 5 &&
	          str_is(reason, "why", "severity 5 \u2192 2: 'only kidding' 1 word after") &&
	          str_is(reason, "context_rule", "mood.txt:4"),
	      "reason explains its lowered severity: %s",
	      json_string_value(json_object_get(reason, "why")));
	json_decref(j);
	match_lists_unref(lists);
}

/* The explanation is cleaned and cut like the other strings; none without a lowering. */
static void test_why_limits(void)
{
	char *why = repeat("w\n", 300);
	struct hit hit = {.source = HIT_SOURCE_TYPED,
	                  .category = "bullying",
	                  .severity = 2,
	                  .base_severity = 4,
	                  .why = why,
	                  .context_rule = "b.txt:\x01"
	                                  "9",
	                  .phrase = "p",
	                  .rule = "b.txt:1",
	                  .matched = "p",
	                  .context = "p",
	                  .window_title = "",
	                  .window_app = "",
	                  .time = {0, 0}};
	struct record_meta meta = {"m", "u", "0.1.0", ""};
	json_t *j = build(&hit, &meta), *reason = json_object_get(j, "reason");
	const char *w = json_string_value(json_object_get(reason, "why"));

	CHECK(w && utf8_chars(w) == RECORD_WHY_MAX_CHARS && !strchr(w, '\n'),
	      "reason.why cut to %u characters, line breaks replaced", RECORD_WHY_MAX_CHARS);
	CHECK(str_is(reason, "context_rule", "b.txt: 9"), "control characters in context_rule");
	json_decref(j);

	hit.base_severity = 2; /* a why that changed nothing is not written */
	j = build(&hit, &meta);
	reason = json_object_get(j, "reason");
	CHECK(!json_object_get(reason, "why") && !json_object_get(reason, "base_severity") &&
	          !json_object_get(reason, "context_rule"),
	      "no explanation when the severity is the rule's");
	json_decref(j);
	hit.base_severity = 0; /* a hit made by no rule (tamper) */
	hit.why = NULL;
	j = build(&hit, &meta);
	CHECK(!json_object_get(json_object_get(j, "reason"), "base_severity"),
	      "no base_severity for a hit without one");
	json_decref(j);
	free(why);
}

/* The focused window's rectangle goes into "window" as "rect" when it lies on the image,
 * and is left out when it is not known or does not. */
static void test_focus(void)
{
	static const struct {
		struct shot_rect focus;
		bool kept;
	} rows[] = {
	    {{100, 50, 800, 600}, true},  {{0, 0, 1920, 1080}, true}, {{0, 0, 0, 0}, false},
	    {{1900, 0, 100, 100}, false}, {{0, 1080, 10, 10}, false}, {{5, 5, 0, 10}, false},
	};
	struct hit hit = {.source = HIT_SOURCE_TYPED,
	                  .category = "self-harm",
	                  .severity = 5,
	                  .phrase = "kill myself",
	                  .rule = "self-harm.txt:12",
	                  .matched = "kill myself",
	                  .context = "kill myself",
	                  .window_title = "Essay - Writer",
	                  .window_app = "libreoffice"};
	struct record_meta meta = {"LAB1-PC07", "jsmith", "0.1.0", "v1"};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct record_image img = {.png = png,
		                           .len = sizeof(png),
		                           .width = 1920,
		                           .height = 1080,
		                           .focus = rows[i].focus};
		char id[RECORD_ID_LEN + 1], *text = NULL;
		size_t len;
		json_t *j, *rect;

		CHECK(record_new_id(id) == 0 &&
		          record_build(&hit, &meta, &img, id, &text, &len) == 0,
		      "build %zu", i);
		if (!text)
			continue;
		j = json_loads(text, 0, NULL);
		rect = json_object_get(json_object_get(j, "window"), "rect");
		if (rows[i].kept)
			CHECK(
			    rect &&
			        json_integer_value(json_object_get(rect, "x")) == rows[i].focus.x &&
			        json_integer_value(json_object_get(rect, "y")) == rows[i].focus.y &&
			        json_integer_value(json_object_get(rect, "width")) ==
			            rows[i].focus.width &&
			        json_integer_value(json_object_get(rect, "height")) ==
			            rows[i].focus.height,
			    "row %zu: window.rect kept: %s", i, text);
		else
			CHECK(!rect, "row %zu: no window.rect: %s", i, text);
		json_decref(j);
		free(text);
	}
}

int main(void)
{
	test_schema();
	test_limits();
	test_clean();
	test_why();
	test_why_limits();
	test_focus();
	TAP_EXIT();
}
