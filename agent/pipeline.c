/* pipeline.c: hits in, spooled capture records out, on a worker thread off the detection path. */
#include "pipeline.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent-limits.h"
#include "hitwhy.h"
#include "log.h"
#include "moment.h"
#include "record.h"
#include "spool.h"

/* A hit copied out of the detector. */
struct job {
	struct hit_kept kept;
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

/*
 * A capture whose moment is open: further hits of its window amend it until close_ns.
 * It keeps the screenshot and the hits (pupil text) for that long only.
 */
struct open_moment {
	bool used;
	struct moment m;
	char id[RECORD_ID_LEN + 1];
	struct timespec time; /* the first hit's: the capture's time */
	uint64_t text_id;     /* the first hit's piece of text */
	bool tamper;          /* a tamper capture: a moment of its own */
	uint64_t close_ns;    /* CLOCK_MONOTONIC */
	/* The screenshot (shots[0]) and the frames taken as later hits joined, each begun at
	 * shot_ns (CLOCK_MONOTONIC) and encoded into png. */
	struct record_frame shots[1 + AGENT_MOMENT_MAX_FRAMES];
	unsigned char *png[1 + AGENT_MOMENT_MAX_FRAMES];
	uint64_t shot_ns[1 + AGENT_MOMENT_MAX_FRAMES];
	size_t nshots;
	char *wordlists;
	int severity; /* of the version last stored (spooled or held) */
};

struct pipeline {
	char *display, *user, *machine, *spool_dir;
	int retry_ms, moment_ms;
	uint64_t spool_max;
	struct spool *spool;
	const struct shot_ops *shots;
	void *shot_arg;
	void *grabber; /* worker only: shots->open's */

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool gathering; /* hits queued since the last pipeline_release(): more may follow */
	struct job *queue[AGENT_CAPTURE_QUEUE];
	size_t nqueue;
	unsigned dropped; /* queue overflows not yet counted in the spool */
	char *wordlists;

	/* worker only */
	struct held held[AGENT_CAPTURE_HELD];
	size_t nheld;
	struct open_moment moments[AGENT_MOMENTS_OPEN];
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
	hit_kept_wipe(&j->kept);
	free(j->wordlists);
	free(j);
}

static struct job *job_new(const struct hit *hit, const char *wordlists)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	if (hit_keep(&j->kept, hit) < 0) {
		free(j);
		return NULL;
	}
	j->wordlists = dup0(wordlists);
	if (!j->wordlists) {
		job_free(j);
		return NULL;
	}
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
			if (pl->queue[i]->kept.hit.severity < pl->queue[low]->kept.hit.severity)
				low = i;
		}
		if (pl->queue[low]->kept.hit.severity > j->kept.hit.severity) {
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
	pl->gathering = true;
	if (pl->dropped)
		pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

void pipeline_release(struct pipeline *pl)
{
	pthread_mutex_lock(&pl->lock);
	if (pl->gathering) {
		pl->gathering = false;
		pthread_cond_signal(&pl->cond);
	}
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

enum stored { STORED, DROPPED, HELD };

/* Spools one record; takes json. Says whether it was stored, dropped, or is held. */
static enum stored store(struct pipeline *pl, const char *id, int sev, int64_t time_ms, char *json,
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
		return r == 0 ? STORED : DROPPED;
	}
	if (pl->nheld == AGENT_CAPTURE_HELD) {
		log_error("spool %s: %s and %u captures already held in memory; capture %s dropped",
		          pl->spool_dir, strerror(-r), AGENT_CAPTURE_HELD, id);
		explicit_bzero(json, len);
		free(json);
		pthread_mutex_lock(&pl->lock);
		pl->dropped++;
		pthread_mutex_unlock(&pl->lock);
		return DROPPED;
	}
	snprintf(pl->held[pl->nheld].id, sizeof(pl->held[0].id), "%s", id);
	pl->held[pl->nheld].severity = sev;
	pl->held[pl->nheld].time_ms = time_ms;
	pl->held[pl->nheld].json = json;
	pl->held[pl->nheld].len = len;
	pl->nheld++;
	note_spool_error(pl, r);
	return HELD;
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

static bool open_grabber(struct pipeline *pl)
{
	return pl->grabber || (pl->shots && pl->shots->open(pl->shot_arg, &pl->grabber) == 0);
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void moment_close(struct open_moment *om)
{
	moment_clear(&om->m);
	for (size_t i = 0; i < om->nshots; i++)
		free(om->png[i]);
	free(om->wordlists);
	memset(om, 0, sizeof(*om));
}

/* Closes the moments whose time is up. Returns the ns until the next closes (0: none). */
static uint64_t close_due(struct pipeline *pl, uint64_t now)
{
	uint64_t next = 0;

	for (size_t i = 0; i < AGENT_MOMENTS_OPEN; i++) {
		struct open_moment *om = &pl->moments[i];

		if (!om->used)
			continue;
		if (now >= om->close_ns)
			moment_close(om);
		else if (!next || om->close_ns - now < next)
			next = om->close_ns - now;
	}
	return next;
}

/* The record of a moment as it stands: a malloc'd JSON text, or NULL (logged). */
static char *moment_record(struct pipeline *pl, struct open_moment *om, size_t *len)
{
	struct record_hit hits[AGENT_MOMENT_MAX_HITS];
	size_t n = moment_record_hits(&om->m, om->shot_ns, om->nshots, hits, AGENT_MOMENT_MAX_HITS);
	struct record_meta meta = {pl->machine, pl->user, VIGIL_VERSION, om->wordlists};
	char *json;
	int r = record_build_hits(moment_reason(&om->m), hits, n, om->shots + 1, om->nshots - 1,
	                          &meta, &om->shots[0].image, om->id, &json, len);

	if (r < 0) {
		log_error("capture %s: cannot build the record: %s", om->id, strerror(-r));
		return NULL;
	}
	return json;
}

/* Moves the queued hits of window into om (the same moment, before its screenshot). */
static void take_queued(struct pipeline *pl, struct open_moment *om)
{
	pthread_mutex_lock(&pl->lock);
	for (size_t i = 0; i < pl->nqueue;) {
		struct job *q = pl->queue[i];

		if (q->kept.hit.window_id != om->m.window ||
		    (q->kept.hit.source == HIT_SOURCE_TAMPER) != om->tamper ||
		    (pl->moment_ms == 0 && q->kept.hit.text_id != om->text_id)) {
			i++;
			continue;
		}
		if (moment_add(&om->m, &q->kept.hit) < 0)
			pl->dropped++;
		job_free(q);
		memmove(pl->queue + i, pl->queue + i + 1,
		        (pl->nqueue - i - 1) * sizeof(pl->queue[0]));
		pl->nqueue--;
	}
	pthread_mutex_unlock(&pl->lock);
}

/*
 * Takes a screenshot of the moment stamped with hit (its reason and what lowered it) and
 * the time at: the capture's screenshot when om has none yet, else a further frame.
 * 0, or -errno (logged).
 */
static int take_shot(struct pipeline *pl, struct open_moment *om, const struct hit *hit,
                     const struct timespec *at)
{
	char when[32], reason_text[512], why[HITWHY_MAX], note[128];
	struct record_frame *f = &om->shots[om->nshots];
	struct shot_stamp stamp;
	int r = -ENODEV;

	record_format_time(at, when);
	snprintf(reason_text, sizeof(reason_text), "%s severity %d: %s (%s)", hit->category,
	         hit->severity, hit->phrase, hit->rule);
	hitwhy_format(why, sizeof(why), hit->severity, hit->base_severity, hit->why,
	              hit->context_rule);
	stamp = (struct shot_stamp){.time = when,
	                            .machine = pl->machine,
	                            .user = pl->user[0] ? pl->user : "unknown",
	                            .reason = reason_text,
	                            .id = om->id,
	                            .why = why[0] ? why : NULL};
	om->shot_ns[om->nshots] = mono_now();
	if (open_grabber(pl))
		r = pl->shots->png(pl->grabber, &stamp, &om->png[om->nshots], &f->image.len,
		                   &f->image.width, &f->image.height);
	/* Where the focused window is on it: what the server's thumbnail shows. */
	f->image.focus = (struct shot_rect){0};
	if (r == 0 && pl->shots->focus &&
	    pl->shots->focus(pl->grabber, f->image.width, f->image.height, &f->image.focus) < 0)
		f->image.focus = (struct shot_rect){0};
	if (r < 0) {
		/* The hit is not lost for want of a screen: a plain image says why. */
		log_error("capture %s: screenshot %zu of %s failed: %s; a placeholder stands in",
		          om->id, om->nshots + 1, pl->display, strerror(-r));
		snprintf(note, sizeof(note), "screenshot unavailable: %s", strerror(-r));
		stamp.note = note;
		r = shotpng_placeholder(&stamp, &om->png[om->nshots], &f->image.len,
		                        &f->image.width, &f->image.height);
		if (r < 0)
			return r;
	}
	f->image.png = om->png[om->nshots];
	f->time = *at;
	om->nshots++;
	return 0;
}

/* Whether om has room for one more frame, in number and in bytes (one more screenshot
 * is taken to be the size of the first). */
static bool frame_room(const struct open_moment *om)
{
	size_t bytes = om->shots[0].image.len;

	for (size_t i = 0; i < om->nshots; i++)
		bytes += om->shots[i].image.len;
	return om->nshots < 1 + AGENT_MOMENT_MAX_FRAMES && bytes <= AGENT_MOMENT_MAX_PNG_BYTES;
}

/*
 * Adds a hit to the open moment of its window: the stored record is amended (in memory
 * when held, in the spool while it waits there). Returns true when the hit is dealt
 * with, false when it must start a capture of its own (the moment's record has gone).
 */
static bool amend(struct pipeline *pl, struct open_moment *om, const struct hit *hit)
{
	const struct hit *reason;
	struct timespec now;
	char *json;
	size_t len;
	int r;

	/* A hit after the last screenshot needs a frame of its own: with no room left for
	 * one, the hit starts a capture of its own. */
	if (hit->mono_ns > om->shot_ns[om->nshots - 1] && !frame_room(om))
		return false;
	r = moment_add(&om->m, hit);
	if (r <= 0)
		return r == 0; /* covered by a hit it has (out of memory: a capture of its own) */
	if (hit->mono_ns > om->shot_ns[om->nshots - 1]) {
		/* The window's other queued hits join now, to be on the same frame. */
		take_queued(pl, om);
		clock_gettime(CLOCK_REALTIME, &now);
		take_shot(pl, om, hit, &now); /* without it, the hit shows on no frame */
	}
	reason = moment_reason(&om->m);
	json = moment_record(pl, om, &len);
	if (!json)
		return false;
	for (size_t i = 0; i < pl->nheld; i++) {
		struct held *h = &pl->held[i];

		if (strcmp(h->id, om->id) != 0)
			continue;
		explicit_bzero(h->json, h->len);
		free(h->json);
		h->json = json;
		h->len = len;
		h->severity = om->severity = reason->severity;
		return true;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	r = pl->spool ? spool_amend(pl->spool, om->id, om->severity, reason->severity,
	                            ms_of(&om->time), pl->moment_ms, ms_of(&now), json, len)
	              : -ENOENT;
	explicit_bzero(json, len);
	free(json);
	if (r == 0) {
		log_info("capture %s: amended in the spool: severity %d, %zu hit(s)", om->id,
		         reason->severity, om->m.n);
		om->severity = reason->severity;
		return true;
	}
	if (r != -ENOENT && r != -ESTALE)
		log_warning("capture %s: cannot amend the spooled record: %s; the hit makes a "
		            "capture of its own",
		            om->id, strerror(-r));
	return false;
}

/* A new capture: the screenshot, the hits of the window already queued, the record. */
static void start_moment(struct pipeline *pl, struct open_moment *om, struct job *j)
{
	const struct hit *reason;
	enum stored st;
	char *json;
	size_t len;

	memset(om, 0, sizeof(*om));
	if (record_new_id(om->id) < 0) {
		log_error("capture: no random id; the hit is lost");
		return;
	}
	if (moment_start(&om->m, &j->kept.hit) < 0 || !(om->wordlists = strdup(j->wordlists))) {
		log_error("capture: out of memory; the hit is lost");
		moment_close(om);
		return;
	}
	om->used = true;
	om->time = j->kept.hit.time;
	om->text_id = j->kept.hit.text_id;
	om->tamper = j->kept.hit.source == HIT_SOURCE_TAMPER;
	om->close_ns = mono_now() + (uint64_t)pl->moment_ms * 1000000u;
	take_queued(pl, om);
	reason = moment_reason(&om->m);
	if (take_shot(pl, om, reason, &om->time) < 0) {
		log_error("capture %s: not even a placeholder image; the hit is lost", om->id);
		moment_close(om);
		return;
	}
	json = moment_record(pl, om, &len);
	if (!json) {
		moment_close(om);
		return;
	}
	om->severity = reason->severity;
	st = store(pl, om->id, reason->severity, ms_of(&om->time), json, len);
	if (st == DROPPED)
		moment_close(om);
}

static void process(struct pipeline *pl, struct job *j)
{
	struct open_moment *om = NULL, *slot = NULL;

	close_due(pl, mono_now());
	for (size_t i = 0; i < AGENT_MOMENTS_OPEN; i++) {
		struct open_moment *m = &pl->moments[i];

		if (m->used && m->m.window == j->kept.hit.window_id && !m->tamper &&
		    j->kept.hit.source != HIT_SOURCE_TAMPER)
			om = m;
		else if (!m->used && !slot)
			slot = m;
	}
	if (om) {
		if (amend(pl, om, &j->kept.hit))
			return;
		moment_close(om);
		slot = om;
	}
	if (!slot) {
		/* Every slot open: the one closing first gives way (its record stays). */
		slot = &pl->moments[0];
		for (size_t i = 1; i < AGENT_MOMENTS_OPEN; i++) {
			if (pl->moments[i].close_ns < slot->close_ns)
				slot = &pl->moments[i];
		}
		moment_close(slot);
	}
	start_moment(pl, slot, j);
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct job *j = NULL;
		bool ready = pl->nqueue && (!pl->gathering || pl->stop);
		unsigned dropped;

		if (!ready && pl->dropped == 0) {
			uint64_t wait_ns = close_due(pl, mono_now()), retry_ns;

			if (pl->stop)
				break;
			retry_ns = (uint64_t)pl->retry_ms * 1000000u;
			if (pl->nheld && (!wait_ns || retry_ns < wait_ns))
				wait_ns = retry_ns;
			if (wait_ns) {
				struct timespec until;

				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_sec += (time_t)(wait_ns / 1000000000u);
				until.tv_nsec += (long)(wait_ns % 1000000000u);
				if (until.tv_nsec >= 1000000000) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000;
				}
				if (pthread_cond_timedwait(&pl->cond, &pl->lock, &until) ==
				        ETIMEDOUT &&
				    pl->nheld) {
					pthread_mutex_unlock(&pl->lock);
					retry_held(pl);
					pthread_mutex_lock(&pl->lock);
				}
			} else {
				pthread_cond_wait(&pl->cond, &pl->lock);
			}
			continue;
		}
		if (ready) {
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
			/* the screenshot's pixels are freed: give this thread's arena back to the
			 * system rather than keep megabytes until the next capture */
			malloc_trim(0);
		}
		pthread_mutex_lock(&pl->lock);
	}
	pthread_mutex_unlock(&pl->lock);
	for (size_t i = 0; i < AGENT_MOMENTS_OPEN; i++)
		moment_close(&pl->moments[i]);
	if (pl->grabber)
		pl->shots->close(pl->grabber); /* on the thread that opened it */
	pl->grabber = NULL;
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
	pl->moment_ms = p->moment_ms > 0 ? p->moment_ms : 0;
	pl->spool_max = p->spool_max_bytes;
	pl->shots = p->shots;
	pl->shot_arg = p->shot_arg;
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
