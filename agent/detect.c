/* detect.c: turns matcher hits into agent hits with context and window, debounced. */
#include "detect.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent-limits.h"
#include "monotime.h"

struct debounce_slot {
	uint64_t key;     /* hash of (rule, window) */
	uint64_t when_ns; /* CLOCK_MONOTONIC of the hit handed over */
};

struct detect {
	pthread_mutex_t lock; /* guards lists */
	struct match_lists *lists;
	uint64_t debounce_ns;
	hit_sink_fn sink;
	void *userdata;
	struct debounce_slot slots[AGENT_DEBOUNCE_SLOTS];
	uint64_t next_text_id; /* the last text_id given out */
};

/* Bytes of the buffers for matched text and context: every character may grow to 3
 * bytes when an invalid byte becomes U+FFFD, and a valid one takes at most 4. */
#define CONTEXT_BYTES (AGENT_CONTEXT_MAX_CHARS * 4 + 4)

struct detect *detect_new(int debounce_seconds, hit_sink_fn sink, void *userdata)
{
	struct detect *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	d->debounce_ns = (uint64_t)(debounce_seconds > 0 ? debounce_seconds : 0) * 1000000000u;
	d->sink = sink;
	d->userdata = userdata;
	return d;
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	match_lists_unref(d->lists);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void detect_set_lists(struct detect *d, struct match_lists *lists)
{
	struct match_lists *old;

	match_lists_ref(lists);
	pthread_mutex_lock(&d->lock);
	old = d->lists;
	d->lists = lists;
	pthread_mutex_unlock(&d->lock);
	match_lists_unref(old);
}

struct match_lists *detect_get_lists(struct detect *d)
{
	struct match_lists *l;

	pthread_mutex_lock(&d->lock);
	l = match_lists_ref(d->lists);
	pthread_mutex_unlock(&d->lock);
	return l;
}

static uint64_t debounce_key(const char *rule, unsigned long window)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)rule; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	for (int i = 0; i < 8; i++)
		h = (h ^ ((window >> (8 * i)) & 0xff)) * 1099511628211u;
	return h | 1; /* 0 marks a free slot */
}

/* True when (rule, window) was handed over within the interval; otherwise records it. */
static bool debounced(struct detect *d, const char *rule, unsigned long window, uint64_t now)
{
	uint64_t key = debounce_key(rule, window);
	struct debounce_slot *oldest = &d->slots[0];

	if (d->debounce_ns == 0)
		return false;
	for (size_t i = 0; i < AGENT_DEBOUNCE_SLOTS; i++) {
		struct debounce_slot *s = &d->slots[i];

		if (s->key == key) {
			if (now - s->when_ns < d->debounce_ns)
				return true;
			s->when_ns = now;
			return false;
		}
		if (s->key == 0 || s->when_ns < oldest->when_ns)
			oldest = s;
		if (s->key == 0)
			break;
	}
	oldest->key = key;
	oldest->when_ns = now;
	return false;
}

static bool is_char_start(unsigned char c)
{
	return (c & 0xc0) != 0x80;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t utf8_valid_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Appends text[a..b) to out as valid UTF-8 without control characters. */
static size_t copy_clean(const char *text, size_t a, size_t b, char *out, size_t pos, size_t outlen)
{
	const unsigned char *t = (const unsigned char *)text;

	while (a < b) {
		size_t n = utf8_valid_len(t + a, b - a);

		if (n == 0) {
			if (pos + 3 >= outlen)
				break;
			memcpy(out + pos, "\xef\xbf\xbd", 3);
			pos += 3;
			a++;
			continue;
		}
		if (pos + n >= outlen)
			break;
		if (n == 1 && (t[a] < 0x20 || t[a] == 0x7f))
			out[pos] = ' ';
		else
			memcpy(out + pos, t + a, n);
		pos += n;
		a += n;
	}
	out[pos] = '\0';
	return pos;
}

/* Moves from p back over up to *chars characters (not before 0); decrements *chars. */
static size_t back_chars(const char *text, size_t p, size_t *chars)
{
	while (p > 0 && *chars > 0) {
		p--;
		while (p > 0 && !is_char_start((unsigned char)text[p]))
			p--;
		(*chars)--;
	}
	return p;
}

static size_t fwd_chars(const char *text, size_t len, size_t p, size_t *chars)
{
	while (p<len && * chars> 0) {
		p++;
		while (p < len && !is_char_start((unsigned char)text[p]))
			p++;
		(*chars)--;
	}
	return p;
}

/* The bounds [*a, *b) of the context of [start, end) in text (see detect_context()). */
static void context_bounds(const char *text, size_t len, size_t start, size_t end, size_t max_chars,
                           size_t *a, size_t *b)
{
	size_t span_chars = 0, room, before, after, left;

	if (end > len)
		end = len;
	if (start > end)
		start = end;
	while (start > 0 && !is_char_start((unsigned char)text[start]))
		start--;
	for (size_t i = start; i < end; i++)
		span_chars += is_char_start((unsigned char)text[i]);
	if (span_chars >= max_chars) {
		left = max_chars;
		*a = start;
		*b = fwd_chars(text, len, start, &left);
		return;
	}
	room = max_chars - span_chars;
	before = room / 2;
	after = room - before;
	/* Give what one side cannot use to the other. */
	left = after;
	*b = fwd_chars(text, len, end, &left);
	before += left;
	left = before;
	*a = back_chars(text, start, &left);
	if (left > 0) {
		size_t more = left;

		*b = fwd_chars(text, len, *b, &more);
	}
}

size_t detect_context(const char *text, size_t len, size_t start, size_t end, size_t max_chars,
                      char *out, size_t outlen)
{
	size_t a, b;

	context_bounds(text, len, start, end, max_chars, &a, &b);
	return copy_clean(text, a, b, out, 0, outlen);
}

uint64_t detect_new_text_id(struct detect *d)
{
	return __atomic_add_fetch(&d->next_text_id, 1, __ATOMIC_RELAXED);
}

bool detect_report(struct detect *d, enum hit_source source, const struct match_hit *mh,
                   const char *text, size_t len, size_t start, size_t end,
                   const struct detect_window *win, uint64_t text_id, uint64_t origin)
{
	char matched[CONTEXT_BYTES], context[CONTEXT_BYTES];
	char title[AGENT_TITLE_MAX_BYTES * 3], app[AGENT_APP_MAX_BYTES * 3];
	uint64_t mono = monotime_ns();
	unsigned long window = win ? win->id : 0;
	struct hit hit;
	size_t ca, cb, clen;

	if (debounced(d, mh->rule, window, mono))
		return false;
	if (end > len)
		end = len;
	if (start > end)
		start = end;
	context_bounds(text, len, start, end, AGENT_CONTEXT_MAX_CHARS, &ca, &cb);
	clen = copy_clean(text, ca, cb, context, 0, sizeof(context));
	{
		/* The matched text alone, capped like the context. */
		size_t left = AGENT_CONTEXT_MAX_CHARS;

		copy_clean(text, start, fwd_chars(text, end, start, &left), matched, 0,
		           sizeof(matched));
	}
	memset(&hit, 0, sizeof(hit));
	hit.source = source;
	hit.category = mh->category;
	hit.severity = mh->severity;
	hit.phrase = mh->phrase;
	hit.rule = mh->rule;
	hit.base_severity = mh->base_severity;
	hit.why = mh->context;
	hit.context_rule = mh->context_rule;
	hit.matched = matched;
	hit.context = context;
	/* Titles come from other programs: made valid UTF-8 like the text. */
	copy_clean(win && win->title ? win->title : "", 0,
	           win && win->title ? strlen(win->title) : 0, title, 0, sizeof(title));
	copy_clean(win && win->app ? win->app : "", 0, win && win->app ? strlen(win->app) : 0, app,
	           0, sizeof(app));
	hit.window_title = title;
	hit.window_app = app;
	hit.window_id = window;
	clock_gettime(CLOCK_REALTIME, &hit.time);
	hit.mono_ns = mono;
	hit.text_id = text_id;
	hit.span_start = origin + start;
	hit.span_end = origin + end;
	hit.context_at = origin + ca;
	hit.context_exact = clen == cb - ca;
	d->sink(&hit, d->userdata);
	explicit_bzero(matched, sizeof(matched));
	explicit_bzero(context, sizeof(context));
	return true;
}

struct scan_ctx {
	struct detect *d;
	enum hit_source source;
	const char *text;
	size_t len;
	const struct detect_window *win;
	uint64_t text_id;
};

static void scan_hit(const struct match_hit *mh, void *userdata)
{
	struct scan_ctx *c = userdata;

	detect_report(c->d, c->source, mh, c->text, c->len, (size_t)mh->start, (size_t)mh->end,
	              c->win, c->text_id, 0);
}

void detect_scan(struct detect *d, enum hit_source source, const char *text, size_t len,
                 const struct detect_window *win)
{
	struct match_lists *lists = detect_get_lists(d);
	struct scan_ctx c = {d, source, text, len, win, detect_new_text_id(d)};

	if (!lists)
		return;
	match_scan(lists, text, len, scan_hit, &c);
	match_lists_unref(lists);
}
