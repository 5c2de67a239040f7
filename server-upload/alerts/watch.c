/* watch.c: notices machines that stop sending heartbeats (offline: possible tampering). */
#include "watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct watch {
	char **offline; /* "school/machine", sorted */
	size_t n;
};

struct sweep {
	char **v;
	size_t n, cap;
	int64_t now_ms, offline_ms;
};

struct watch *watch_new(void)
{
	return calloc(1, sizeof(struct watch));
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	names_free(w->offline, w->n);
	free(w);
}

static int collect(const struct store_machine_info *m, void *ud)
{
	struct sweep *s = ud;
	char **v;

	if (m->revoked || !m->last_seen_ms || s->now_ms - m->last_seen_ms <= s->offline_ms)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		v = realloc(s->v, s->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	if (asprintf(&s->v[s->n], "%s/%s", m->school, m->name) < 0)
		return -ENOMEM;
	s->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int contains(char **v, size_t n, const char *name)
{
	return n && bsearch(&name, v, n, sizeof(*v), by_name) != NULL;
}

int watch_sweep(struct watch *w, struct store *st, unsigned int offline_after, int64_t now_ms)
{
	struct sweep s = {.now_ms = now_ms, .offline_ms = (int64_t)offline_after * 1000};
	int r = st->ops->machines_list(st, NULL, collect, &s);

	if (r < 0) {
		names_free(s.v, s.n);
		return r;
	}
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), by_name);
	for (size_t i = 0; i < s.n; i++)
		if (!contains(w->offline, w->n, s.v[i]))
			log_warning(
			    "machine %s: no heartbeat for over %u s: offline (switched off, "
			    "unplugged, or the agent was stopped)",
			    s.v[i], offline_after);
	for (size_t i = 0; i < w->n; i++)
		if (!contains(s.v, s.n, w->offline[i]))
			log_info("machine %s: heard from again (or revoked)", w->offline[i]);
	names_free(w->offline, w->n);
	w->offline = s.v;
	w->n = s.n;
	return 0;
}
