/* localzone.h: the server's time zone (setting time-zone): local times for pages and reports. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Sets the process's time zone to an IANA name ("Europe/London", "UTC"): the zone must be
 * in the system's time-zone database (tzdata; TZDIR, else /usr/share/zoneinfo). Call once
 * before threads start. 0, or -EINVAL with a message in err.
 */
int localzone_set(const char *zone, char *err, size_t errlen);

/* The zone's name as set ("UTC" before localzone_set). */
const char *localzone_name(void);

/* ms since the epoch as local time with a strftime format ("%Z": "GMT", "BST") into buf;
 * "?" when it cannot be. */
void localzone_format(int64_t ms, const char *fmt, char *buf, size_t size)
    __attribute__((format(strftime, 2, 0)));

/* Local midnight (00:00) of the calendar day year-month-day, days later (may be negative
 * or overflow the month), as ms since the epoch; a day that starts at 01:00 (a DST change
 * at midnight) gives its first existing instant. */
int64_t localzone_midnight(int year, int month, int day, int days);
