/* screentext.h: viewed text (accessibility tree, OCR of changed screen regions) for a monitor. */
#pragma once

/*
 * Screen text runs beside a monitor's event loop: each source has a thread of its own
 * (AT-SPI: a GLib main loop on the session's accessibility bus; OCR: a low-priority
 * thread that reads changed screen regions with XDamage and Tesseract). New pieces of
 * viewed text are queued and handed to the caller's function on the caller's thread by
 * screentext_dispatch(), so the caller needs no locks: poll screentext_fd() for POLLIN
 * and call screentext_dispatch().
 *
 * Text already handed over is not handed over again: a piece is new when the hash of
 * (accessible object or window, text) was not seen recently. Pieces hold pupil text: it
 * is wiped after the hand-over and never logged.
 */

#include <stddef.h>
#include <stdint.h>

struct screentext;

/* Which sources run; the values match enum screen_text of config.h (a bit set). */
enum screentext_mode {
	SCREENTEXT_OFF = 0,
	SCREENTEXT_ATSPI = 1,
	SCREENTEXT_OCR = 2,
	SCREENTEXT_ALL = 3,
};

/* One piece of viewed text. All strings are valid during the hand-over call only. */
struct screentext_piece {
	const char *text; /* UTF-8, not NUL-terminated inside: use len */
	size_t len;
	const char *title;    /* title of the window it was shown in ("" when unknown) */
	const char *app;      /* application ("firefox", "gedit"; "" when unknown) */
	unsigned long window; /* X window id when known, else a stable id of the source window */
	const char *via;      /* "atspi" or "ocr" */
};

typedef void (*screentext_fn)(const struct screentext_piece *piece, void *userdata);

struct screentext_params {
	const char *display; /* ":0"; the X display whose session is watched */
	unsigned modes;      /* SCREENTEXT_ATSPI | SCREENTEXT_OCR */
	int ocr_interval_ms; /* at most one OCR round per interval; 0: default (3000) */
	int ocr_budget_pct;  /* CPU of one core the OCR may use on average; 0: default (10) */
	screentext_fn fn;    /* receives each new piece on the thread of screentext_dispatch() */
	void *userdata;
};

/* CPU and work counters, for logs and the benchmark. */
struct screentext_stats {
	uint64_t atspi_cpu_ns; /* CPU time of the AT-SPI thread */
	uint64_t ocr_cpu_ns;   /* CPU time of the OCR thread */
	uint64_t atspi_events; /* accessibility events received */
	uint64_t atspi_pieces; /* pieces queued from AT-SPI */
	uint64_t ocr_rounds;   /* OCR rounds run */
	uint64_t ocr_skipped;  /* rounds skipped to stay within the CPU budget */
	uint64_t ocr_pieces;   /* pieces queued from OCR */
	uint64_t dropped;      /* pieces dropped because the queue stayed full */
};

/*
 * Starts the sources named in p->modes for p->display. A source that cannot start
 * (no accessibility bus yet is not an error: the AT-SPI thread waits for one; no
 * Tesseract language data, no XDamage) is logged once and left out. Returns 0 and a new
 * object in *out (caller frees it with screentext_stop()), or a negative errno.
 * Call it before the process starts other threads: it may set environment variables.
 */
int screentext_start(const struct screentext_params *p, struct screentext **out);

/* A file descriptor that is readable while pieces are waiting for screentext_dispatch(). */
int screentext_fd(const struct screentext *st);

/* Hands every waiting piece to p->fn, in order, on the calling thread. */
void screentext_dispatch(struct screentext *st);

void screentext_get_stats(struct screentext *st, struct screentext_stats *out);

/* Stops the threads, drops (wipes) pieces not yet dispatched and frees st. NULL is fine. */
void screentext_stop(struct screentext *st);
