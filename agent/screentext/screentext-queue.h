/* screentext-queue.h: the bounded, deduplicating queue between screen-text sources and the monitor.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "screentext.h"

/*
 * Sources (threads) push pieces; the monitor's thread pops them through
 * screentext_dispatch(). The queue holds at most STQ_MAX_PIECES pieces and
 * STQ_MAX_BYTES of text; a producer waits (up to a second) for room, then drops the
 * piece and counts it. An eventfd is readable while pieces wait.
 */
#define STQ_MAX_PIECES 256u
#define STQ_MAX_BYTES  (4u * 1024 * 1024)
#define STQ_PIECE_MAX  (256u * 1024) /* text of one piece; longer text is cut */
#define STQ_SEEN_SLOTS 8192u         /* hashes of text recently handed over */
#define STQ_STR_MAX    512u          /* a title or application name */

struct stq;

struct stq *stq_new(void);
void stq_free(struct stq *q); /* wipes what is left */
int stq_fd(const struct stq *q);

/* FNV-1a over bytes, continuing from h (start with STQ_HASH_INIT). */
#define STQ_HASH_INIT 1469598103934665603u
uint64_t stq_hash(uint64_t h, const void *data, size_t len);

/*
 * True when key was seen before; otherwise remembers it and returns false. Keys are
 * hashes of (source object, text); a bounded table, the oldest forgotten first.
 */
bool stq_seen(struct stq *q, uint64_t key);

/* Queues a copy of the piece. 0, or -ENOBUFS when dropped (queue full), -ENOMEM. */
int stq_push(struct stq *q, const struct screentext_piece *piece);

/* Hands every queued piece to fn on the calling thread, wiping each afterwards. */
void stq_dispatch(struct stq *q, screentext_fn fn, void *userdata);

/* Wakes producers waiting for room so that they give up (used when stopping). */
void stq_close(struct stq *q);

uint64_t stq_dropped(struct stq *q);

/* CPU time of the calling thread in ns. */
uint64_t stq_thread_cpu_ns(void);
