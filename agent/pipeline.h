/* pipeline.h: hits in, spooled capture records out, on a worker thread off the detection path. */
#pragma once

#include <stdint.h>

#include "hit.h"
#include "shot.h"

/*
 * The detection thread hands each hit over with pipeline_submit(), which copies it into a
 * small bounded queue and returns at once: typing never waits for a screenshot. Before it
 * waits for more events it calls pipeline_release(): the hits of one piece of text reach
 * the worker together, and the screenshot is stamped with their most severe. A worker
 * thread takes the screenshot through the session's shot_ops (shot.h), builds the
 * record (record.c) and spools it (spool.c), at once, so it is durable within a second.
 * One flagged moment makes one capture (moment.c): the hits of the window queued with
 * the first go into its record, and further hits of that window within moment_ms of the
 * first amend the spooled record while it waits (spool_amend(); the uploader leaves a
 * record that young alone); once it has gone, a hit starts a capture of its own. A hit
 * that joins after the moment's screenshot adds a further screenshot ("frames", up to
 * AGENT_MOMENT_MAX_FRAMES; past them it starts a capture of its own), so that every
 * hit is on a screenshot taken at or after it. A screenshot the display will not give
 * (a refused connection, a desktop that denies the helper) is replaced by a small plain
 * image whose text says why: a hit is never lost for want of a screen. With
 * moment_ms 0 only the hits of one piece of text share a capture. A record the spool cannot take
 * (read-only or full file system) is held in memory and retried; problems are logged once, and
 * again when they clear.
 */
struct pipeline;

struct pipeline_params {
	const char *display; /* ":0", "wayland-1": the session's name in logs */
	/* The session's screenshots, taken on the worker's thread (shot_arg is the ops' own,
	 * kept for the pipeline's life). */
	const struct shot_ops *shots;
	void *shot_arg;
	const char *user;      /* whose session */
	const char *machine;   /* the machine name in records */
	const char *spool_dir; /* where records go */
	uint64_t spool_max_bytes;
	int retry_ms;  /* how often held records are retried */
	int moment_ms; /* further hits of a window this soon after the first amend its capture */
};

/* Starts the worker (signals blocked in it). 0 or -errno. Strings are copied. */
int pipeline_new(const struct pipeline_params *p, struct pipeline **out);

/*
 * Copies the hit into the queue; never blocks. A full queue drops its lowest severity.
 * The worker leaves queued hits alone until pipeline_release(), so that every hit of one
 * piece of text is in hand before the moment's screenshot is stamped with its reason.
 */
void pipeline_submit(struct pipeline *pl, const struct hit *hit);

/* The hits submitted so far are complete: the worker may take them. */
void pipeline_release(struct pipeline *pl);

/* The lists version recorded from now on (copied). */
void pipeline_set_wordlists(struct pipeline *pl, const char *version);

/*
 * Finishes the queue (screenshots while the display lasts, then spooling; held records
 * get one more try), stops the worker and frees. Accepts NULL.
 */
void pipeline_free(struct pipeline *pl);
