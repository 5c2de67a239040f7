/* store_report.h: what the weekly report counts: a school's captures over some weeks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* One capture as the report counts it. */
struct store_report_capture {
	const char *id, *category, *status, *user, *machine, *image_sha256;
	const char *record; /* the stored JSON, only for a concern of the last week; else NULL */
	const char *year_group; /* the pupil's on the school's roster; NULL when not on it */
	int64_t time_ms;
	int64_t decided_ms; /* 0: not decided yet */
	int severity;
	bool image_hidden;
};
typedef int (*store_report_fn)(const struct store_report_capture *c, void *userdata);

/*
 * The captures of school_id taken in [from_ms, to_ms), highest severity first then
 * oldest. Written once on store_ops.query for both back ends; 0, what fn returned, or
 * -errno; never logs.
 */
int store_report_captures(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                          store_report_fn fn, void *ud);

/* A count of captures: of one category (NULL: of every category) at one severity. */
typedef int (*store_category_count_fn)(const char *category, int severity, int64_t count, void *ud);

/*
 * The captures of school_id taken in [from_ms, to_ms) counted under every category they
 * have a hit in (their reason or any of capture_hits), each at its highest severity in
 * that category: a capture of several categories counts once under each. By category,
 * then severity.
 */
int store_report_category_counts(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                                 store_category_count_fn fn, void *ud);

/* The same captures counted once each, by severity (their reason's); category NULL. */
int store_report_severity_counts(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                                 store_category_count_fn fn, void *ud);

/* Every time zone's midnight falls on the start of a slot of 15 minutes. */
#define STORE_REPORT_SLOT_MS 900000
typedef int (*store_slot_fn)(int64_t slot_ms, int64_t count, void *ud);

/*
 * The captures of school_id counted by the STORE_REPORT_SLOT_MS slot they were taken in,
 * newest slot first: fn gets each slot's start (ms) and its count; slots without
 * captures are left out. 0, what fn returned, or -errno.
 */
int store_report_capture_slots(struct store *s, int64_t school_id, store_slot_fn fn, void *ud);
