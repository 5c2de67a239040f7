/* monotime.h: the monotonic clock, for deadlines, timeouts and durations. */
#pragma once

#include <stdint.h>

/*
 * CLOCK_MONOTONIC: never steps back when the wall clock is set, so deadlines and
 * measured durations hold across a time change. Wall-clock time (what is stored and
 * shown) is rfc3339_now_ms() in rfc3339.h.
 */
uint64_t monotime_ns(void);
int64_t monotime_ms(void);

/* Milliseconds, with a fraction, since since_ns (a monotime_ns() value): for logging
 * how long something took. */
double monotime_elapsed_ms(uint64_t since_ns);

/* CPU time the calling thread has used, in nanoseconds (CLOCK_THREAD_CPUTIME_ID): how
 * much work something took, apart from the time other processes held the CPU. */
uint64_t monotime_thread_cpu_ns(void);
