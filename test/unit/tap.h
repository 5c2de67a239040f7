/* tap.h: the few checks the C unit tests share; a failed check prints where and why. */
#pragma once

#include <stdio.h>

static int tap_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			tap_failed++;                                                              \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define TAP_EXIT() return tap_failed ? 1 : 0
