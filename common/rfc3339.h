/* rfc3339.h: parsing and formatting of RFC 3339 times as milliseconds since the epoch. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a full RFC 3339 date-time ("2026-11-23T09:14:03.120Z", "...+01:00"): 'T' or 't'
 * between date and time, optional fraction (at most 9 digits, kept to the millisecond),
 * 'Z' or a numeric offset. Fields are range-checked (day of month included; a leap second
 * is accepted and read as :59). Returns 0 and sets *ms, or -EINVAL (*ms untouched).
 */
int rfc3339_parse(const char *s, int64_t *ms);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf. Returns 0, or -ENOSPC (size < 25). */
int rfc3339_format(int64_t ms, char *buf, size_t size);

#define RFC3339_BUF 32

/* The current time in milliseconds since the epoch (CLOCK_REALTIME). */
int64_t rfc3339_now_ms(void);
