/* moment.c: the hits of one flagged moment (one window, a few seconds) gathered for one capture. */
#include "moment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct moment_hit {
	struct hit_kept kept;
};

static void hit_free(struct moment_hit *mh)
{
	if (!mh)
		return;
	hit_kept_wipe(&mh->kept);
	free(mh);
}

static struct moment_hit *hit_copy(const struct hit *h)
{
	struct moment_hit *mh = malloc(sizeof(*mh));

	if (mh && hit_keep(&mh->kept, h) < 0) {
		free(mh);
		return NULL;
	}
	return mh;
}

int moment_start(struct moment *m, const struct hit *first)
{
	memset(m, 0, sizeof(*m));
	m->window = first->window_id;
	return moment_add(m, first) < 0 ? -ENOMEM : 0;
}

/* True when a lies wholly inside b (same category, same piece of text). */
static bool inside(const struct hit *a, const struct hit *b)
{
	return a->text_id == b->text_id && strcmp(a->category, b->category) == 0 &&
	       b->span_start <= a->span_start && a->span_end <= b->span_end;
}

static void remove_at(struct moment *m, size_t i)
{
	hit_free(m->hits[i]);
	memmove(m->hits + i, m->hits + i + 1, (m->n - i - 1) * sizeof(m->hits[0]));
	m->n--;
}

int moment_add(struct moment *m, const struct hit *hit)
{
	struct moment_hit *mh;

	for (size_t i = 0; i < m->n; i++) {
		const struct hit *g = &m->hits[i]->kept.hit;

		/* Covered by a held hit: dropped, unless the same span and more severe. */
		if (inside(hit, g) && !(inside(g, hit) && hit->severity > g->severity))
			return 0;
	}
	mh = hit_copy(hit);
	if (!mh)
		return -ENOMEM;
	for (size_t i = m->n; i-- > 0;) {
		if (inside(&m->hits[i]->kept.hit, hit))
			remove_at(m, i);
	}
	if (m->n == AGENT_MOMENT_MAX_HITS) {
		size_t low = 0;

		for (size_t i = 1; i < m->n; i++) {
			if (m->hits[i]->kept.hit.severity < m->hits[low]->kept.hit.severity)
				low = i;
		}
		if (m->hits[low]->kept.hit.severity >= hit->severity) {
			hit_free(mh);
			return 0;
		}
		remove_at(m, low);
	}
	/* Kept in order of arrival: a hit that replaced others takes its own place. */
	m->hits[m->n++] = mh;
	return 1;
}

const struct hit *moment_reason(const struct moment *m)
{
	const struct moment_hit *best = NULL;

	for (size_t i = 0; i < m->n; i++) {
		if (!best || m->hits[i]->kept.hit.severity > best->kept.hit.severity)
			best = m->hits[i];
	}
	return best ? &best->kept.hit : NULL;
}

static bool char_start(const char *s, size_t i)
{
	return ((unsigned char)s[i] & 0xc0) != 0x80;
}

/* Places h's match in its own context: byte offsets, or -1 when it cannot be placed. */
static void offsets(const struct hit *h, struct record_hit *o)
{
	size_t clen = strlen(h->context), a, b;

	o->start = o->end = -1;
	if (!h->context_exact || h->span_start < h->context_at || h->span_end < h->span_start ||
	    h->span_end - h->context_at > clen)
		return;
	a = (size_t)(h->span_start - h->context_at);
	b = (size_t)(h->span_end - h->context_at);

	if (a < b && char_start(h->context, a) && (b == clen || char_start(h->context, b))) {
		o->start = (long)a;
		o->end = (long)b;
	}
}

size_t moment_record_hits(const struct moment *m, const uint64_t *shots_ns, size_t nshots,
                          struct record_hit *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n && n < max; i++) {
		const struct hit *h = &m->hits[i]->kept.hit;
		struct record_hit *o = &out[n++];

		*o = (struct record_hit){.category = h->category,
		                         .severity = h->severity,
		                         .phrase = h->phrase,
		                         .rule = h->rule,
		                         .matched = h->matched,
		                         .base_severity = h->base_severity,
		                         .why = h->why,
		                         .context_rule = h->context_rule,
		                         .source = h->source,
		                         .context = h->context,
		                         .frame = -1};
		offsets(h, o);
		for (size_t f = 0; f < nshots; f++) {
			if (shots_ns[f] >= h->mono_ns) {
				o->frame = (int)f;
				break;
			}
		}
	}
	return n;
}

void moment_clear(struct moment *m)
{
	for (size_t i = 0; i < m->n; i++)
		hit_free(m->hits[i]);
	memset(m, 0, sizeof(*m));
}
