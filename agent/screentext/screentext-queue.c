/* screentext-queue.c: the bounded, deduplicating queue between screen-text sources and the monitor.
 */
#include "screentext-queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct item {
	struct item *next;
	char *text;
	size_t len;
	char *title, *app;
	unsigned long window;
	const char *via; /* static string */
};

struct stq {
	pthread_mutex_t lock;
	pthread_cond_t room;
	struct item *head, *tail;
	size_t count, bytes;
	bool closed;
	int efd;
	uint64_t dropped;
	uint64_t seen[STQ_SEEN_SLOTS]; /* open addressing; 0 is free */
	size_t seen_count;
};

struct stq *stq_new(void)
{
	struct stq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->room, NULL);
	return q;
}

static void item_free(struct item *it)
{
	if (!it)
		return;
	explicit_bzero(it->text, it->len);
	free(it->text);
	free(it->title);
	free(it->app);
	free(it);
}

void stq_free(struct stq *q)
{
	if (!q)
		return;
	while (q->head) {
		struct item *n = q->head->next;

		item_free(q->head);
		q->head = n;
	}
	close(q->efd);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int stq_fd(const struct stq *q)
{
	return q->efd;
}

uint64_t stq_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h;
}

bool stq_seen(struct stq *q, uint64_t key)
{
	size_t i;
	bool seen = false;

	key |= 1;
	pthread_mutex_lock(&q->lock);
	if (q->seen_count >= STQ_SEEN_SLOTS / 2) { /* forget all: cheap and bounded */
		memset(q->seen, 0, sizeof(q->seen));
		q->seen_count = 0;
	}
	for (i = key % STQ_SEEN_SLOTS; q->seen[i]; i = (i + 1) % STQ_SEEN_SLOTS) {
		if (q->seen[i] == key) {
			seen = true;
			break;
		}
	}
	if (!seen) {
		q->seen[i] = key;
		q->seen_count++;
	}
	pthread_mutex_unlock(&q->lock);
	return seen;
}

static char *dup_cut(const char *s)
{
	size_t n = s ? strnlen(s, STQ_STR_MAX) : 0;
	char *d = malloc(n + 1);

	if (d) {
		if (n)
			memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static struct item *item_new(const struct screentext_piece *p)
{
	struct item *it = calloc(1, sizeof(*it));
	size_t len = p->len > STQ_PIECE_MAX ? STQ_PIECE_MAX : p->len;

	if (!it)
		return NULL;
	it->text = malloc(len + 1);
	it->title = dup_cut(p->title);
	it->app = dup_cut(p->app);
	if (!it->text || !it->title || !it->app) {
		item_free(it);
		return NULL;
	}
	memcpy(it->text, p->text, len);
	it->text[len] = '\0';
	it->len = len;
	it->window = p->window;
	it->via = p->via;
	return it;
}

int stq_push(struct stq *q, const struct screentext_piece *piece)
{
	struct item *it = item_new(piece);
	struct timespec until;
	uint64_t one = 1;

	if (!it)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&q->lock);
	while (!q->closed && (q->count >= STQ_MAX_PIECES || q->bytes + it->len > STQ_MAX_BYTES)) {
		if (pthread_cond_timedwait(&q->room, &q->lock, &until) == ETIMEDOUT)
			break;
	}
	if (q->closed || q->count >= STQ_MAX_PIECES || q->bytes + it->len > STQ_MAX_BYTES) {
		q->dropped++;
		pthread_mutex_unlock(&q->lock);
		item_free(it);
		return -ENOBUFS;
	}
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->count++;
	q->bytes += it->len;
	pthread_mutex_unlock(&q->lock);
	if (write(q->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return 0; /* the fd only wakes the reader; the piece is queued */
	return 0;
}

void stq_dispatch(struct stq *q, screentext_fn fn, void *userdata)
{
	uint64_t v;

	if (read(q->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	for (;;) {
		struct item *it;

		pthread_mutex_lock(&q->lock);
		it = q->head;
		if (it) {
			q->head = it->next;
			if (!q->head)
				q->tail = NULL;
			q->count--;
			q->bytes -= it->len;
			pthread_cond_broadcast(&q->room);
		}
		pthread_mutex_unlock(&q->lock);
		if (!it)
			return;
		if (fn) {
			struct screentext_piece p = {it->text, it->len,    it->title,
			                             it->app,  it->window, it->via};

			fn(&p, userdata);
		}
		item_free(it);
	}
}

void stq_close(struct stq *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
}

uint64_t stq_dropped(struct stq *q)
{
	uint64_t d;

	pthread_mutex_lock(&q->lock);
	d = q->dropped;
	pthread_mutex_unlock(&q->lock);
	return d;
}

uint64_t stq_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
