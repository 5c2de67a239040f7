/* ocr.h: text read by OCR from changed screen regions, within a CPU budget, in a low-priority
 * thread. */
#pragma once

#include <stdint.h>

#include "screentext-queue.h"

#define OCR_DEFAULT_INTERVAL_MS 3000 /* at most one round per interval */
#define OCR_DEFAULT_BUDGET_PCT  10   /* average CPU of one core */

struct ocr_src;

struct ocr_params {
	const char *display;
	int interval_ms; /* >= 200 */
	int budget_pct;  /* 1..100 */
};

/*
 * Starts a thread (nice 19, SCHED_IDLE) that follows screen changes with XDamage and,
 * at most once per interval, reads the changed regions with Tesseract (English) and
 * pushes new lines of text to q with the window under them. After a round that took
 * C of CPU time the next waits at least C * 100 / budget_pct, so the thread's average
 * stays within the budget; the regions that change meanwhile are kept for later.
 * 0 and *out; -ENOTSUP without XDamage or language data; other negative errnos.
 */
int ocr_src_start(struct stq *q, const struct ocr_params *p, struct ocr_src **out);

/* cpu_ns: CPU spent in OCR rounds (the process's, while they ran). */
void ocr_src_stats(struct ocr_src *s, uint64_t *cpu_ns, uint64_t *rounds, uint64_t *skipped,
                   uint64_t *pieces);

/* Stops the thread and frees s; NULL is fine. */
void ocr_src_stop(struct ocr_src *s);
