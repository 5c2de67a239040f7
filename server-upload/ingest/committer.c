/* committer.c: group commit of uploaded captures: images and rows made durable in batches. */
#include "committer.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "monotime.h"

#define COMMIT_MAX_BATCH 64

struct job {
	const struct store_capture_row *row;
	struct blob_stage **images;
	size_t nimages;
	int result;
	sem_t done; /* posted when result is set: wakes its waiter alone, no lock taken */
	struct job *next;
};

struct committer {
	struct store *store;
	struct blobs *blobs;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct job *head, *tail;
	bool stop;
	pthread_t thread;
};

/* Stores one batch; sets each job's result. Lock not held. */
static void commit_batch(struct committer *c, struct job **jobs, size_t n)
{
	struct store_capture_row rows[COMMIT_MAX_BATCH];
	struct blob_stage *images[COMMIT_MAX_BATCH * COMMIT_MAX_IMAGES];
	int results[COMMIT_MAX_BATCH];
	size_t nimages = 0;
	double images_ms;
	uint64_t t0;
	int r;

	for (size_t i = 0; i < n; i++) {
		rows[i] = *jobs[i]->row;
		for (size_t k = 0; k < jobs[i]->nimages; k++)
			images[nimages++] = jobs[i]->images[k];
	}
	t0 = monotime_ns();
	r = c->blobs->ops->publish(c->blobs, images, nimages);
	images_ms = monotime_elapsed_ms(t0);
	t0 = monotime_ns();
	if (r == 0)
		r = c->store->ops->capture_insert_many(c->store, rows, n, results);
	log_debug("commit: %zu captures; images %.1f ms, rows %.1f ms", n, images_ms,
	          monotime_elapsed_ms(t0));
	for (size_t i = 0; i < n; i++)
		jobs[i]->result = r < 0 ? r : results[i];
}

static void *run(void *arg)
{
	struct committer *c = arg;
	struct job *batch[COMMIT_MAX_BATCH];
	size_t n;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->head && !c->stop)
			pthread_cond_wait(&c->work, &c->lock);
		if (!c->head)
			break;
		for (n = 0; c->head && n < COMMIT_MAX_BATCH; n++) {
			batch[n] = c->head;
			c->head = c->head->next;
		}
		if (!c->head)
			c->tail = NULL;
		pthread_mutex_unlock(&c->lock);
		commit_batch(c, batch, n);
		for (size_t i = 0; i < n; i++)
			sem_post(&batch[i]->done);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int committer_new(struct store *store, struct blobs *blobs, struct committer **out)
{
	struct committer *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->store = store;
	c->blobs = blobs;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	r = pthread_create(&c->thread, NULL, run, c);
	if (r != 0) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->work);
		free(c);
		return -r;
	}
	*out = c;
	return 0;
}

int committer_submit(struct committer *c, const struct store_capture_row *row,
                     struct blob_stage **images, size_t nimages)
{
	struct job job = {.row = row, .images = images, .nimages = nimages};

	if (nimages > COMMIT_MAX_IMAGES) {
		for (size_t i = 0; i < nimages; i++)
			c->blobs->ops->discard(c->blobs, images[i]);
		return -E2BIG;
	}

	sem_init(&job.done, 0, 0);
	pthread_mutex_lock(&c->lock);
	if (c->tail)
		c->tail->next = &job;
	else
		c->head = &job;
	c->tail = &job;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
	while (sem_wait(&job.done) < 0)
		;               /* EINTR */
	sem_destroy(&job.done); /* glibc's sem_post is safe against this */
	return job.result;
}

void committer_free(struct committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->work);
	free(c);
}
