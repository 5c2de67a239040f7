/* test-moment.c: one flagged moment's hits: nested hits dropped, the reason, each hit's own
 * evidence (source, context, offsets, frame), the record. */
#include <jansson.h>
#include <string.h>

#include "moment.h"
#include "record.h"
#include "tap.h"

static const char *const text = "please send me nudes tonight";

/* A hit of text (piece 1 unless id says otherwise) at [a, b), with the whole text as context. */
static struct hit mk(const char *cat, int sev, const char *phrase, size_t a, size_t b, uint64_t id)
{
	static char matched[8][64];
	static int k;
	struct hit h = {.source = HIT_SOURCE_TYPED,
	                .category = cat,
	                .severity = sev,
	                .phrase = phrase,
	                .rule = "t.txt:1",
	                .context = text,
	                .window_title = "chat",
	                .window_app = "xterm",
	                .window_id = 7,
	                .text_id = id,
	                .span_start = a,
	                .span_end = b,
	                .context_at = 0,
	                .context_exact = true};

	k = (k + 1) % 8;
	snprintf(matched[k], sizeof(matched[k]), "%.*s", (int)(b - a), text + a);
	h.matched = matched[k];
	return h;
}

static const char *phrases(const struct moment *m)
{
	static char out[512];
	struct record_hit rh[AGENT_MOMENT_MAX_HITS];
	size_t n = moment_record_hits(m, NULL, 0, rh, AGENT_MOMENT_MAX_HITS), o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s@%ld-%ld", i ? ";" : "",
		                      rh[i].phrase, rh[i].start, rh[i].end);
	return out;
}

static void test_nested(void)
{
	struct moment m;
	struct hit nudes = mk("sexual", 3, "nudes", 15, 20, 1);
	struct hit send = mk("sexual", 4, "send me nudes", 7, 20, 1);
	struct hit star = mk("sexual", 4, "send me nude*", 7, 20, 1);
	struct hit other = mk("grooming", 2, "nudes", 15, 20, 1);
	struct hit later = mk("sexual", 3, "nudes", 15, 20, 2);

	/* As the matcher reports them: the word first, then the phrases around it. */
	CHECK(moment_start(&m, &nudes) == 0, "start");
	CHECK(moment_add(&m, &send) == 1, "a hit around another replaces it");
	CHECK(moment_add(&m, &star) == 0, "the same span of the same severity adds nothing");
	CHECK(moment_add(&m, &other) == 1, "another category is kept");
	CHECK(moment_add(&m, &later) == 1, "another piece of text is kept");
	CHECK(strcmp(phrases(&m), "send me nudes@7-20;nudes@15-20;nudes@15-20") == 0,
	      "hits and offsets: %s", phrases(&m));
	CHECK(strcmp(moment_reason(&m)->phrase, "send me nudes") == 0, "reason: the most severe");
	moment_clear(&m);
	CHECK(m.n == 0, "cleared");

	/* The other way round: the word after the phrase is dropped. */
	moment_start(&m, &send);
	CHECK(moment_add(&m, &nudes) == 0, "a hit inside another is dropped");
	CHECK(strcmp(phrases(&m), "send me nudes@7-20") == 0, "%s", phrases(&m));
	moment_clear(&m);

	/* The same span, more severe: it takes the place. */
	moment_start(&m, &nudes);
	{
		struct hit worse = mk("sexual", 5, "nudes tonight", 15, 20, 1);

		CHECK(moment_add(&m, &worse) == 1, "more severe, same span");
		CHECK(strcmp(phrases(&m), "nudes tonight@15-20") == 0, "%s", phrases(&m));
	}
	moment_clear(&m);
}

static void test_reason_and_offsets(void)
{
	struct moment m;
	struct hit a = mk("bullying", 2, "please", 0, 6, 1);
	struct hit b = mk("sexual", 4, "nudes", 15, 20, 1);
	struct hit c = mk("sexual", 4, "tonight", 21, 28, 1);

	moment_start(&m, &a);
	moment_add(&m, &b);
	moment_add(&m, &c);
	CHECK(moment_reason(&m)->span_start == 15, "the first of the most severe");
	CHECK(strcmp(phrases(&m), "please@0-6;nudes@15-20;tonight@21-28") == 0, "%s", phrases(&m));
	moment_clear(&m);

	/* A context that is not the text byte for byte: no offsets for that hit; each hit is
	 * placed in its own context, not the reason's. */
	b.context_exact = false;
	moment_start(&m, &b);
	moment_add(&m, &a);
	CHECK(strcmp(phrases(&m), "nudes@-1--1;please@0-6") == 0, "%s", phrases(&m));
	moment_clear(&m);

	/* A context starting later in the text: offsets shift; a match before it has none. */
	b.context_exact = true;
	b.context = text + 7;
	b.context_at = 7;
	a.context = text + 7;
	a.context_at = 7;
	moment_start(&m, &b);
	moment_add(&m, &a);
	CHECK(strcmp(phrases(&m), "nudes@8-13;please@-1--1") == 0, "%s", phrases(&m));
	moment_clear(&m);
}

/* Each hit is on the first screenshot begun at or after it. */
static void test_frames(void)
{
	const uint64_t shots[] = {20, 40};
	struct hit a = mk("sexual", 4, "nudes", 15, 20, 1);
	struct hit b = mk("grooming", 5, "tonight", 21, 28, 2);
	struct hit c = mk("bullying", 2, "please", 0, 6, 3);
	struct hit d = mk("sexual", 3, "send me", 7, 14, 4);
	struct record_hit rh[AGENT_MOMENT_MAX_HITS];
	struct moment m;
	size_t n;

	a.mono_ns = 10, b.mono_ns = 30, c.mono_ns = 40, d.mono_ns = 50;
	moment_start(&m, &a);
	moment_add(&m, &b);
	moment_add(&m, &c);
	moment_add(&m, &d);
	n = moment_record_hits(&m, shots, 2, rh, AGENT_MOMENT_MAX_HITS);
	CHECK(n == 4 && rh[0].frame == 0 && rh[1].frame == 1 && rh[2].frame == 1 &&
	          rh[3].frame == -1,
	      "frames: %d %d %d %d", rh[0].frame, rh[1].frame, rh[2].frame, rh[3].frame);
	CHECK(rh[1].source == HIT_SOURCE_TYPED && strcmp(rh[1].context, text) == 0,
	      "a hit keeps its own source and context");
	moment_clear(&m);
}

static void test_bound(void)
{
	struct moment m;
	struct hit h = mk("x", 1, "p", 0, 1, 1);

	moment_start(&m, &h);
	for (int i = 1; i < 40; i++) {
		h = mk("x", i == 39 ? 5 : 1, "p", (size_t)i % 28, (size_t)i % 28 + 1,
		       (uint64_t)i + 1);
		moment_add(&m, &h);
	}
	CHECK(m.n == AGENT_MOMENT_MAX_HITS, "at most %u hits (%zu)", AGENT_MOMENT_MAX_HITS, m.n);
	CHECK(moment_reason(&m)->severity == 5, "a more severe hit finds room");
	moment_clear(&m);
}

static void test_record(void)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1};
	struct record_image img = {.png = png, .len = sizeof(png), .width = 10, .height = 10};
	struct record_meta meta = {"PC1", "pupil", "0.1.0", "v1"};
	struct moment m;
	struct hit a = mk("sexual", 3, "nudes", 15, 20, 1);
	struct hit b = mk("sexual", 4, "send me nudes", 7, 20, 1);
	struct hit c = mk("grooming", 4, "tonight", 21, 28, 2);
	struct record_hit rh[AGENT_MOMENT_MAX_HITS];
	const uint64_t shots[] = {5, 15};
	struct record_frame frame = {img, {1795000000, 250000000}};
	char id[RECORD_ID_LEN + 1], *json;
	size_t n, len;
	json_t *o, *hits, *want, *f;

	c.source = HIT_SOURCE_CLIPBOARD;
	c.context = "tonight at the park";
	c.context_at = 21;
	c.mono_ns = 10;
	moment_start(&m, &a);
	moment_add(&m, &b);
	moment_add(&m, &c);
	n = moment_record_hits(&m, shots, 2, rh, AGENT_MOMENT_MAX_HITS);
	record_new_id(id);
	CHECK(record_build_hits(moment_reason(&m), rh, n, &frame, 1, &meta, &img, id, &json,
	                        &len) == 0,
	      "build");
	o = json_loads(json, 0, NULL);
	hits = json_object_get(o, "hits");
	CHECK(json_array_size(hits) == 2, "two hits");
	want = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:i}", "category", "sexual",
	                 "severity", 4, "phrase", "send me nudes", "rule", "t.txt:1", "matched",
	                 "send me nudes", "start", 7, "end", 20, "source", "typed", "context", text,
	                 "frame", 0);
	CHECK(json_equal(json_array_get(hits, 0), want), "the first hit: %s", json);
	json_decref(want);
	want = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:i}", "category",
	                 "grooming", "severity", 4, "phrase", "tonight", "rule", "t.txt:1",
	                 "matched", "tonight", "start", 0, "end", 7, "source", "clipboard",
	                 "context", "tonight at the park", "frame", 1);
	CHECK(json_equal(json_array_get(hits, 1), want),
	      "the second hit has its own source, context, offsets in it, and frame: %s", json);
	json_decref(want);
	f = json_array_get(json_object_get(o, "frames"), 0);
	CHECK(json_array_size(json_object_get(o, "frames")) == 1 &&
	          json_integer_value(json_object_get(f, "width")) == 10 &&
	          strcmp(json_string_value(json_object_get(f, "time")) ?: "",
	                 "2026-11-18T11:06:40.250Z") == 0 &&
	          strcmp(json_string_value(json_object_get(f, "sha256")) ?: "",
	                 json_string_value(
	                     json_object_get(json_object_get(o, "screenshot"), "sha256"))) == 0 &&
	          !json_object_get(json_object_get(o, "screenshot"), "time"),
	      "the frame is a screenshot object with its time: %s", json);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(o, "reason"), "phrase")),
	             "send me nudes") == 0,
	      "reason");
	json_decref(o);
	free(json);
	CHECK(record_build(moment_reason(&m), &meta, &img, id, &json, &len) == 0 &&
	          !strstr(json, "\"hits\"") && !strstr(json, "\"frames\""),
	      "no hits or frames field without them");
	free(json);
	moment_clear(&m);
}

int main(void)
{
	test_nested();
	test_reason_and_offsets();
	test_bound();
	test_frames();
	test_record();
	TAP_EXIT();
}
