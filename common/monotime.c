/* monotime.c: the monotonic clock, for deadlines, timeouts and durations. */
#include "monotime.h"

#include <time.h>

uint64_t monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t monotime_ms(void)
{
	return (int64_t)(monotime_ns() / 1000000u);
}

double monotime_elapsed_ms(uint64_t since_ns)
{
	return (double)(monotime_ns() - since_ns) / 1e6;
}

uint64_t monotime_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
