/* typed.c: typed text rebuilt per window, edited and cut into segments, fed to the matcher. */
#include "typed.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent-limits.h"

struct reported {
	uint64_t key; /* hash of rule and span (segment offsets) */
};

struct segment {
	bool used;
	unsigned long window;
	char buf[AGENT_TYPED_KEEP_BYTES];
	size_t len, cursor; /* bytes held; cursor position in buf */
	uint64_t base;      /* segment offset of buf[0] (bytes dropped from the front) */
	struct match_scanner *sc;
	uint64_t sc_base; /* segment offset of the scanner's offset 0 */
	bool stale;       /* the scanner was fed text that has since been edited */
	bool probe_due;   /* changed since the last idle scan */
	uint64_t last_ns; /* last key */
	struct reported reported[AGENT_TYPED_REPORTED_MAX];
	size_t nreported, next_reported;
	uint64_t text_id;    /* the piece of text hits are reported in */
	size_t floor;        /* where the current line starts in buf: edits stay after it */
	bool between_lines;  /* Enter was the last key: nothing typed on the new line yet */
	uint64_t judged;     /* a rescan reports no hit ending at or before this offset */
	uint64_t held_until; /* when the earlier lines (buf[0..floor)) go; 0: none held */
};

struct typed {
	struct detect *detect;
	uint64_t idle_ns;
	typed_window_fn window_fn;
	void *userdata;
	struct segment segs[AGENT_TYPED_MAX_WINDOWS];
};

struct typed *typed_new(struct detect *d, int idle_flush_ms, typed_window_fn window_fn,
                        void *userdata)
{
	struct typed *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->detect = d;
	t->idle_ns = (uint64_t)idle_flush_ms * 1000000u;
	t->window_fn = window_fn;
	t->userdata = userdata;
	return t;
}

void typed_free(struct typed *t)
{
	if (!t)
		return;
	typed_end_all(t);
	free(t);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

/* Context of a hit being reported from one segment. */
struct report_ctx {
	struct typed *t;
	struct segment *s;
	uint64_t origin; /* segment offset of the hit offsets' 0 */
	uint64_t judged; /* as segment.judged, for a probe's own scanner */
};

static void on_hit(const struct match_hit *mh, void *userdata)
{
	struct report_ctx *c = userdata;
	struct segment *s = c->s;
	uint64_t a = c->origin + mh->start, b = c->origin + mh->end;
	size_t start, end;
	struct detect_window win = {s->window, NULL, NULL};
	uint64_t key;

	/* The span in the held text; a hit reaching into dropped text is cut there. A
	 * rescan of the held text (new lists) does not judge earlier lines again: they were
	 * judged when typed, and are held only so a message sent in pieces is read whole. */
	if (b <= s->base || b <= s->judged || b <= c->judged)
		return;
	start = a > s->base ? (size_t)(a - s->base) : 0;
	end = (size_t)(b - s->base);
	if (end > s->len)
		end = s->len;
	if (start > end)
		start = end;
	key = hash_bytes(1469598103934665603u, mh->rule, strlen(mh->rule));
	key = hash_bytes(key, &a, sizeof(a));
	key = hash_bytes(key, &b, sizeof(b));
	for (size_t i = 0; i < s->nreported; i++) {
		if (s->reported[i].key == key)
			return;
	}
	s->reported[s->next_reported].key = key;
	s->next_reported = (s->next_reported + 1) % AGENT_TYPED_REPORTED_MAX;
	if (s->nreported < AGENT_TYPED_REPORTED_MAX)
		s->nreported++;
	if (c->t->window_fn)
		c->t->window_fn(s->window, &win, c->t->userdata);
	detect_report(c->t->detect, HIT_SOURCE_TYPED, mh, s->buf, s->len, start, end, &win,
	              s->text_id, s->base);
}

/* Gives the segment a scanner that has seen exactly the held text. */
static void rebuild_scanner(struct typed *t, struct segment *s)
{
	struct match_lists *lists;
	struct report_ctx c = {t, s, s->base, 0};

	match_scanner_free(s->sc);
	s->sc = NULL;
	s->stale = false;
	lists = detect_get_lists(t->detect);
	if (!lists)
		return;
	s->sc = match_scanner_new(lists);
	match_lists_unref(lists);
	if (!s->sc)
		return;
	s->sc_base = s->base;
	s->judged = s->base + s->floor; /* earlier lines: judged already */
	match_scanner_feed(s->sc, s->buf, s->len, on_hit, &c);
}

static void segment_wipe(struct segment *s)
{
	match_scanner_free(s->sc);
	explicit_bzero(s, sizeof(*s));
}

static void segment_end(struct typed *t, struct segment *s)
{
	struct report_ctx c = {t, s, 0, 0};

	if (s->stale || (!s->sc && s->len > 0))
		rebuild_scanner(t, s);
	if (s->sc) {
		c.origin = s->sc_base;
		match_scanner_end(s->sc, on_hit, &c);
	}
	segment_wipe(s);
}

static struct segment *find_segment(struct typed *t, unsigned long window, bool create)
{
	struct segment *lru = NULL;

	for (size_t i = 0; i < AGENT_TYPED_MAX_WINDOWS; i++) {
		struct segment *s = &t->segs[i];

		if (s->used && s->window == window)
			return s;
	}
	if (!create)
		return NULL;
	for (size_t i = 0; i < AGENT_TYPED_MAX_WINDOWS; i++) {
		struct segment *s = &t->segs[i];

		if (!s->used) {
			lru = s;
			break;
		}
		if (!lru || s->last_ns < lru->last_ns)
			lru = s;
	}
	if (lru->used)
		segment_end(t, lru);
	lru->used = true;
	lru->window = window;
	lru->text_id = detect_new_text_id(t->detect);
	return lru;
}

static bool is_char_start(unsigned char c)
{
	return (c & 0xc0) != 0x80;
}

static size_t prev_char(const struct segment *s, size_t p)
{
	while (p > 0 && !is_char_start((unsigned char)s->buf[--p]))
		;
	return p;
}

static size_t next_char(const struct segment *s, size_t p)
{
	if (p < s->len)
		p++;
	while (p < s->len && !is_char_start((unsigned char)s->buf[p]))
		p++;
	return p;
}

/* Removes buf[a..b). */
static void cut(struct segment *s, size_t a, size_t b)
{
	memmove(s->buf + a, s->buf + b, s->len - b);
	s->len -= b - a;
	explicit_bzero(s->buf + s->len, b - a);
	if (s->cursor >= b)
		s->cursor -= b - a;
	else if (s->cursor > a)
		s->cursor = a;
	s->stale = true;
}

/* Drops whole characters from the front until at most keep bytes are held. */
static void keep_tail(struct segment *s, size_t keep)
{
	size_t drop = 0;

	while (drop < s->len && s->len - drop > keep)
		drop = next_char(s, drop);
	if (drop == 0)
		return;
	memmove(s->buf, s->buf + drop, s->len - drop);
	s->len -= drop;
	explicit_bzero(s->buf + s->len, drop);
	s->base += drop;
	s->cursor = s->cursor > drop ? s->cursor - drop : 0;
	s->floor = s->floor > drop ? s->floor - drop : 0;
	/* The live scanner keeps going: it only ever saw appended text. */
}

/* Drops whole characters from the front until n more bytes fit. */
static void make_room(struct segment *s, size_t n)
{
	if (s->len + n > sizeof(s->buf))
		keep_tail(s, sizeof(s->buf) - n);
}

static void insert(struct typed *t, struct segment *s, const char *text, size_t n)
{
	bool at_end;

	if (n == 0 || n > sizeof(s->buf))
		return;
	make_room(s, n);
	at_end = s->cursor == s->len;
	memmove(s->buf + s->cursor + n, s->buf + s->cursor, s->len - s->cursor);
	memcpy(s->buf + s->cursor, text, n);
	s->len += n;
	s->cursor += n;
	if (!at_end || s->stale || !s->sc) {
		rebuild_scanner(t, s);
	} else {
		struct report_ctx c = {t, s, s->sc_base, 0};

		match_scanner_feed(s->sc, text, n, on_hit, &c);
	}
}

static void delete_word(struct segment *s)
{
	size_t p = s->cursor;

	while (p > s->floor && s->buf[p - 1] == ' ')
		p--;
	while (p > s->floor && s->buf[p - 1] != ' ')
		p = prev_char(s, p);
	if (p < s->cursor)
		cut(s, p, s->cursor);
}

static void probe(struct typed *t, struct segment *s);

/*
 * Lets the earlier lines go when their time is up: a segment still waiting for its next
 * line ends (and is wiped); one whose next line was begun drops the earlier lines.
 * Returns s, or NULL when it ended.
 */
static struct segment *expire_lines(struct typed *t, struct segment *s, uint64_t now_ns)
{
	if (!s->held_until || now_ns < s->held_until)
		return s;
	if (s->between_lines) {
		segment_end(t, s);
		return NULL;
	}
	keep_tail(s, s->len - s->floor);
	s->held_until = 0;
	return s;
}

/*
 * Enter: the line ends. What is pending is reported, and the last lines are kept for a
 * short time, so that a message typed in pieces is matched as one.
 */
static void newline(struct typed *t, struct segment *s, uint64_t now_ns)
{
	s->cursor = s->len;
	insert(t, s, "\n", 1);
	probe(t, s);
	keep_tail(s, AGENT_TYPED_LINES_KEEP);
	s->floor = s->cursor = s->len;
	s->between_lines = true;
	s->held_until = now_ns + (uint64_t)AGENT_TYPED_LINE_HOLD_MS * 1000000u;
	s->last_ns = now_ns;
}

void typed_input(struct typed *t, unsigned long window, const struct text_event *ev,
                 uint64_t now_ns)
{
	struct segment *s;

	if (ev->edit == TEXT_BREAK) {
		typed_end_segment(t, window);
		return;
	}
	s = find_segment(t, window, false);
	if (s)
		s = expire_lines(t, s, now_ns);
	if (ev->edit == TEXT_NEWLINE) {
		if (s)
			newline(t, s, now_ns);
		return;
	}
	if (!s && ev->edit == TEXT_INSERT)
		s = find_segment(t, window, true);
	if (!s)
		return; /* an edit key in a window with no segment: nothing held to edit */
	s->last_ns = now_ns;
	s->probe_due = true;
	s->between_lines = false;
	switch (ev->edit) {
	case TEXT_INSERT:
		insert(t, s, ev->text, ev->len);
		break;
	case TEXT_BACKSPACE:
		if (s->cursor > s->floor)
			cut(s, prev_char(s, s->cursor), s->cursor);
		break;
	case TEXT_DELETE:
		if (s->cursor < s->len)
			cut(s, s->cursor, next_char(s, s->cursor));
		break;
	case TEXT_DELETE_WORD:
		delete_word(s);
		break;
	case TEXT_LEFT:
		if (s->cursor > s->floor)
			s->cursor = prev_char(s, s->cursor);
		break;
	case TEXT_RIGHT:
		s->cursor = next_char(s, s->cursor);
		break;
	case TEXT_HOME:
		s->cursor = s->floor;
		break;
	case TEXT_END:
		s->cursor = s->len;
		break;
	case TEXT_BREAK:
	case TEXT_NEWLINE:
		break;
	}
}

void typed_end_segment(struct typed *t, unsigned long window)
{
	struct segment *s = find_segment(t, window, false);

	if (s)
		segment_end(t, s);
}

void typed_end_all(struct typed *t)
{
	for (size_t i = 0; i < AGENT_TYPED_MAX_WINDOWS; i++) {
		if (t->segs[i].used)
			segment_end(t, &t->segs[i]);
	}
}

int typed_timeout_ms(const struct typed *t, uint64_t now_ns)
{
	int64_t best = -1;

	for (size_t i = 0; i < AGENT_TYPED_MAX_WINDOWS; i++) {
		const struct segment *s = &t->segs[i];
		uint64_t due[2] = {s->probe_due ? s->last_ns + t->idle_ns : 0, s->held_until};

		for (size_t k = 0; k < 2 && s->used; k++) {
			int64_t ms;

			if (!due[k])
				continue;
			ms = due[k] > now_ns ? (int64_t)((due[k] - now_ns + 999999) / 1000000) : 0;
			if (best < 0 || ms < best)
				best = ms;
		}
	}
	return (int)best;
}

/* Scans the held text as if the segment ended, without ending it. */
static void probe(struct typed *t, struct segment *s)
{
	struct match_lists *lists = detect_get_lists(t->detect);
	struct report_ctx c = {t, s, s->base, s->base + s->floor};
	struct match_scanner *sc;

	s->probe_due = false;
	if (!lists)
		return;
	sc = match_scanner_new(lists);
	match_lists_unref(lists);
	if (!sc)
		return;
	match_scanner_feed(sc, s->buf, s->len, on_hit, &c);
	match_scanner_end(sc, on_hit, &c);
	match_scanner_free(sc);
}

void typed_tick(struct typed *t, uint64_t now_ns)
{
	for (size_t i = 0; i < AGENT_TYPED_MAX_WINDOWS; i++) {
		struct segment *s = &t->segs[i];

		if (s->used && s->probe_due && now_ns >= s->last_ns + t->idle_ns)
			probe(t, s);
		if (s->used)
			expire_lines(t, s, now_ns);
	}
}

size_t typed_bytes_held(const struct typed *t)
{
	size_t n = 0;

	for (size_t i = 0; i < AGENT_TYPED_MAX_WINDOWS; i++)
		n += t->segs[i].used ? t->segs[i].len : 0;
	return n;
}
