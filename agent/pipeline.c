/* pipeline.c: hits in, spooled capture records out, on a worker thread off the detection path. */
#include "pipeline.h"

#include <X11/Xlib.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent-limits.h"
#include "capture.h"
#include "log.h"
#include "record.h"
#include "spool.h"

/* A hit copied out of the detector. */
struct job {
	struct hit hit;
	char *strs[7]; /* owned copies behind hit's pointers */
	char *wordlists;
};

/* A record the spool could not take yet. */
struct held {
	char id[RECORD_ID_LEN + 1];
	int severity;
	int64_t time_ms;
	char *json;
	size_t len;
};

struct pipeline {
	char *display, *user, *machine, *spool_dir;
	int retry_ms;
	uint64_t spool_max;
	struct spool *spool;
	Display *dpy;
	struct capture *capture;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct job *queue[AGENT_CAPTURE_QUEUE];
	size_t nqueue;
	unsigned dropped; /* queue overflows not yet counted in the spool */
	char *wordlists;

	/* worker only */
	struct held held[AGENT_CAPTURE_HELD];
	size_t nheld;
	int last_err; /* the spool error last logged (0: none) */
};

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < 7; i++) {
		if (j->strs[i]) {
			explicit_bzero(j->strs[i], strlen(j->strs[i]));
			free(j->strs[i]);
		}
	}
	free(j->wordlists);
	free(j);
}

static struct job *job_new(const struct hit *hit, const char *wordlists)
{
	struct job *j = calloc(1, sizeof(*j));
	const char *src[7] = {hit->category, hit->phrase,       hit->rule,      hit->matched,
	                      hit->context,  hit->window_title, hit->window_app};

	if (!j)
		return NULL;
	j->hit = *hit;
	for (size_t i = 0; i < 7; i++) {
		j->strs[i] = dup0(src[i]);
		if (!j->strs[i]) {
			job_free(j);
			return NULL;
		}
	}
	j->wordlists = dup0(wordlists);
	if (!j->wordlists) {
		job_free(j);
		return NULL;
	}
	j->hit.category = j->strs[0];
	j->hit.phrase = j->strs[1];
	j->hit.rule = j->strs[2];
	j->hit.matched = j->strs[3];
	j->hit.context = j->strs[4];
	j->hit.window_title = j->strs[5];
	j->hit.window_app = j->strs[6];
	return j;
}

void pipeline_submit(struct pipeline *pl, const struct hit *hit)
{
	struct job *j;

	pthread_mutex_lock(&pl->lock);
	j = job_new(hit, pl->wordlists);
	if (!j) {
		pl->dropped++;
		pthread_mutex_unlock(&pl->lock);
		return;
	}
	if (pl->nqueue == AGENT_CAPTURE_QUEUE) {
		/* Full (hits faster than screenshots): the lowest severity, oldest, goes. */
		size_t low = 0;

		for (size_t i = 1; i < pl->nqueue; i++) {
			if (pl->queue[i]->hit.severity < pl->queue[low]->hit.severity)
				low = i;
		}
		if (pl->queue[low]->hit.severity > j->hit.severity) {
			job_free(j);
			j = NULL;
		} else {
			job_free(pl->queue[low]);
			memmove(pl->queue + low, pl->queue + low + 1,
			        (pl->nqueue - low - 1) * sizeof(pl->queue[0]));
			pl->nqueue--;
		}
		pl->dropped++;
	}
	if (j)
		pl->queue[pl->nqueue++] = j;
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

void pipeline_set_wordlists(struct pipeline *pl, const char *version)
{
	char *v = dup0(version);

	if (!v)
		return;
	pthread_mutex_lock(&pl->lock);
	free(pl->wordlists);
	pl->wordlists = v;
	pthread_mutex_unlock(&pl->lock);
}

static int64_t ms_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void note_spool_error(struct pipeline *pl, int r)
{
	if (pl->last_err == r)
		return;
	log_error("spool %s: cannot store a capture: %s; keeping %zu capture(s) in memory, "
	          "retrying every %d s",
	          pl->spool_dir, strerror(-r), pl->nheld,
	          pl->retry_ms / 1000 ? pl->retry_ms / 1000 : 1);
	pl->last_err = r;
}

/* Spools one record; takes json. Returns true when it is done with (stored or dropped). */
static bool store(struct pipeline *pl, const char *id, int sev, int64_t time_ms, char *json,
                  size_t len)
{
	unsigned evicted = 0;
	int r = pl->spool ? spool_put(pl->spool, id, sev, time_ms, json, len, &evicted) : -ENOENT;

	if (r == 0 || r == -ENOBUFS) {
		if (r == 0)
			log_info("capture %s: severity %d spooled", id, sev);
		else
			log_warning("spool %s is full of captures of higher severity; capture %s "
			            "(severity %d) dropped",
			            pl->spool_dir, id, sev);
		if (evicted)
			log_warning(
			    "spool %s full: %u capture(s) of lower or equal severity evicted",
			    pl->spool_dir, evicted);
		explicit_bzero(json, len);
		free(json);
		return true;
	}
	if (pl->nheld == AGENT_CAPTURE_HELD) {
		log_error("spool %s: %s and %u captures already held in memory; capture %s dropped",
		          pl->spool_dir, strerror(-r), AGENT_CAPTURE_HELD, id);
		explicit_bzero(json, len);
		free(json);
		pthread_mutex_lock(&pl->lock);
		pl->dropped++;
		pthread_mutex_unlock(&pl->lock);
		return true;
	}
	snprintf(pl->held[pl->nheld].id, sizeof(pl->held[0].id), "%s", id);
	pl->held[pl->nheld].severity = sev;
	pl->held[pl->nheld].time_ms = time_ms;
	pl->held[pl->nheld].json = json;
	pl->held[pl->nheld].len = len;
	pl->nheld++;
	note_spool_error(pl, r);
	return false;
}

static void retry_held(struct pipeline *pl)
{
	size_t n = pl->nheld;
	struct held copy[AGENT_CAPTURE_HELD];

	if (!pl->spool && spool_open(pl->spool_dir, pl->spool_max, &pl->spool) < 0)
		return;
	memcpy(copy, pl->held, n * sizeof(copy[0]));
	pl->nheld = 0;
	for (size_t i = 0; i < n; i++)
		store(pl, copy[i].id, copy[i].severity, copy[i].time_ms, copy[i].json, copy[i].len);
	if (pl->nheld == 0 && n > 0) {
		log_info("spool %s: writable again; %zu held capture(s) spooled", pl->spool_dir, n);
		pl->last_err = 0;
	}
}

static bool open_display(struct pipeline *pl)
{
	if (pl->dpy)
		return true;
	pl->dpy = XOpenDisplay(pl->display);
	if (!pl->dpy)
		return false;
	if (capture_new(pl->dpy, &pl->capture) < 0) {
		XCloseDisplay(pl->dpy);
		pl->dpy = NULL;
		return false;
	}
	return true;
}

static void process(struct pipeline *pl, struct job *j)
{
	char id[RECORD_ID_LEN + 1], when[32], reason[512];
	struct record_meta meta = {pl->machine, pl->user, VIGIL_VERSION, j->wordlists};
	struct record_image img = {0};
	struct capture_stamp stamp;
	unsigned char *png = NULL;
	char *json;
	size_t len;
	int r;

	if (record_new_id(id) < 0 || !open_display(pl)) {
		log_error("capture: cannot take a screenshot of %s; the hit is lost", pl->display);
		return;
	}
	record_format_time(&j->hit.time, when);
	snprintf(reason, sizeof(reason), "%s severity %d: %s (%s)", j->hit.category,
	         j->hit.severity, j->hit.phrase, j->hit.rule);
	stamp = (struct capture_stamp){when, pl->machine, pl->user[0] ? pl->user : "unknown",
	                               reason, id};
	r = capture_png(pl->capture, &stamp, &png, &img.len, &img.width, &img.height);
	if (r < 0) {
		log_error("capture %s: screenshot failed: %s; the hit is lost", id, strerror(-r));
		return;
	}
	img.png = png;
	r = record_build(&j->hit, &meta, &img, id, &json, &len);
	free(png);
	if (r < 0) {
		log_error("capture %s: cannot build the record: %s", id, strerror(-r));
		return;
	}
	store(pl, id, j->hit.severity, ms_of(&j->hit.time), json, len);
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct job *j = NULL;
		unsigned dropped;

		if (pl->nqueue == 0 && pl->dropped == 0) {
			if (pl->stop)
				break;
			if (pl->nheld) {
				struct timespec until;

				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_sec += pl->retry_ms / 1000;
				until.tv_nsec += (long)(pl->retry_ms % 1000) * 1000000;
				if (until.tv_nsec >= 1000000000) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000;
				}
				if (pthread_cond_timedwait(&pl->cond, &pl->lock, &until) ==
				    ETIMEDOUT) {
					pthread_mutex_unlock(&pl->lock);
					retry_held(pl);
					pthread_mutex_lock(&pl->lock);
				}
			} else {
				pthread_cond_wait(&pl->cond, &pl->lock);
			}
			continue;
		}
		if (pl->nqueue) {
			j = pl->queue[0];
			memmove(pl->queue, pl->queue + 1, (pl->nqueue - 1) * sizeof(pl->queue[0]));
			pl->nqueue--;
		}
		dropped = pl->dropped;
		pl->dropped = 0;
		pthread_mutex_unlock(&pl->lock);
		if (dropped) {
			log_warning("capture: %u hit(s) dropped (queue full or out of memory)",
			            dropped);
			if (pl->spool)
				spool_add_dropped(pl->spool, dropped);
		}
		if (j) {
			process(pl, j);
			job_free(j);
		}
		pthread_mutex_lock(&pl->lock);
	}
	pthread_mutex_unlock(&pl->lock);
	if (pl->nheld)
		retry_held(pl);
	if (pl->nheld)
		log_error("spool %s: %zu capture(s) could not be stored before the monitor stopped",
		          pl->spool_dir, pl->nheld);
	return NULL;
}

int pipeline_new(const struct pipeline_params *p, struct pipeline **out)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	sigset_t all, old;
	int r;

	if (!pl)
		return -ENOMEM;
	pl->display = dup0(p->display);
	pl->user = dup0(p->user);
	pl->machine = dup0(p->machine);
	pl->spool_dir = dup0(p->spool_dir);
	pl->wordlists = dup0("");
	pl->retry_ms = p->retry_ms > 0 ? p->retry_ms : 5000;
	pl->spool_max = p->spool_max_bytes;
	if (!pl->display || !pl->user || !pl->machine || !pl->spool_dir || !pl->wordlists) {
		r = -ENOMEM;
		goto fail;
	}
	r = spool_open(p->spool_dir, p->spool_max_bytes, &pl->spool);
	if (r < 0)
		log_error("spool %s: %s; captures are held in memory until it can be opened",
		          p->spool_dir, strerror(-r));
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->cond, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&pl->thread, NULL, worker, pl);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	*out = pl;
	return 0;
fail:
	spool_free(pl->spool);
	free(pl->display);
	free(pl->user);
	free(pl->machine);
	free(pl->spool_dir);
	free(pl->wordlists);
	free(pl);
	return r;
}

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	pthread_mutex_lock(&pl->lock);
	pl->stop = true;
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	pthread_join(pl->thread, NULL);
	for (size_t i = 0; i < pl->nheld; i++) {
		explicit_bzero(pl->held[i].json, pl->held[i].len);
		free(pl->held[i].json);
	}
	capture_free(pl->capture);
	if (pl->dpy)
		XCloseDisplay(pl->dpy);
	spool_free(pl->spool);
	pthread_mutex_destroy(&pl->lock);
	pthread_cond_destroy(&pl->cond);
	free(pl->display);
	free(pl->user);
	free(pl->machine);
	free(pl->spool_dir);
	free(pl->wordlists);
	free(pl);
}
