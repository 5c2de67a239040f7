/* report.h: the weekly headteacher report of one school: data, and HTML, SVG, CSV and PDF. */
#pragma once

#include <stdint.h>

#include "html.h"

struct store;
struct blobs;

#define REPORT_WEEKS         12 /* the chart: this week and the 11 before */
#define REPORT_MAX_CATS      32
#define REPORT_TOP           10
#define REPORT_NAME_BUF      257 /* a name of 64 characters (CAPTURE_MAX_NAME) in UTF-8 */
#define REPORT_MAX_DECISIONS 20  /* of one confirmed concern, oldest first */
#define REPORT_MAX_YEARS     24  /* year groups shown; more are counted under the last */
#define REPORT_NO_YEAR       "not on the roster"
#define REPORT_MAX_OUTCOMES  16 /* outcome.h's, and any a later version stored */

struct report_count {
	char name[REPORT_NAME_BUF];
	long captures, concerns;
};

struct report_decision {
	int64_t time;
	char login[64], action[24];
	char *text; /* malloc'd */
};

struct report_item {
	/* category: every category of the capture's hits, ", " between them */
	char id[40], category[REPORT_NAME_BUF], user[REPORT_NAME_BUF], machine[REPORT_NAME_BUF];
	char sha[72], status[24];
	char *context; /* malloc'd */
	int severity, hidden;
	int64_t time;
	struct report_decision *decisions; /* malloc'd, ndecisions of them */
	int ndecisions, more_decisions;    /* more_decisions: those beyond REPORT_MAX_DECISIONS */
};

struct report {
	char school[128], week[16];
	int64_t school_id, start, end; /* the week: [start, end) ms, Monday 00:00 local time */
	char cats[REPORT_MAX_CATS][REPORT_NAME_BUF];
	/* [category][severity 1..5]: a capture counts under every category it has a hit in,
	 * at its highest severity there; by_sev counts each capture once (its severity). */
	long by_cat_sev[REPORT_MAX_CATS][6];
	long by_sev[6];
	int ncats;
	char week_labels[REPORT_WEEKS][16];
	long weekly[REPORT_WEEKS], weekly_concerns[REPORT_WEEKS]; /* oldest first */
	long total, concerns, false_positives, pending;
	struct report_count users[REPORT_TOP], machines[REPORT_TOP];
	int nusers, nmachines;
	/* The week's captures and concerns by the pupil's year group on the roster, in year
	 * order ("Year 7" before "Year 10"); the last is REPORT_NO_YEAR when some pupils are
	 * not on it. nyears 0: the school has no roster for these pupils. */
	struct report_count years[REPORT_MAX_YEARS];
	int nyears;
	/* The captures closed this week (whenever they were taken) by outcome, in the order
	 * outcome.h offers them; name holds the outcome's words, captures the count. */
	struct report_count outcomes[REPORT_MAX_OUTCOMES];
	int noutcomes;
	long closed;
	struct report_item *confirmed;
	int nconfirmed;
	long decided;
	double median_minutes, p90_minutes; /* capture time to first decision */
};

/* "2026-W47" → Monday 00:00 of that ISO week in ms, local midnight in the server's time
 * zone (time-zone). 0 or -EINVAL. */
int report_week_parse(const char *week, int64_t *start_ms);
/* The local midnight weeks weeks after (before, when negative) the local midnight start_ms. */
int64_t report_week_after(int64_t start_ms, int weeks);
/* The ISO week ("2026-W47") of a time. */
void report_week_label(int64_t ms, char *buf, size_t size);

/* one when n is 1, else many: "1 capture", "2 captures". */
const char *report_plural(long n, const char *one, const char *many);

/* One week (its ISO label, "2026-W47") in which a school has captures, and how many. */
typedef int (*report_week_fn)(const char *week, long captures, void *ud);
/*
 * The weeks, Monday 00:00 to Monday 00:00 local time (time-zone) as the report counts
 * them, in which school_id has captures, newest first. 0, what fn returned, or -errno.
 */
int report_weeks(struct store *s, int64_t school_id, report_week_fn fn, void *ud);

/* A moderation time for people: "12 min", "3.5 h", "2.1 days". */
void report_duration(double minutes, char *buf, size_t size);

/* Builds the report of school for week. 0, -ENOENT (no such school), -EINVAL (bad week),
 * -errno. *out is the caller's (report_free()). */
int report_build(struct store *s, const char *school, const char *week, struct report **out);
void report_free(struct report *r);

/* The report as HTML: a whole page (page) or the body of a web page, where pupils' names
 * link to their timelines; images from blobs inline as data: URIs, or (blobs NULL)
 * linked to /captures/<id>/image. */
void report_html(const struct report *r, struct blobs *blobs, struct html *h, bool page);
/* The 12-week chart as an <svg> element. */
void report_svg(const struct report *r, struct html *h);
/* CSV: school,week,category,severity,captures */
void report_csv(const struct report *r, struct html *h);
/* PDF (cairo) into a malloc'd buffer. 0 or -errno. */
int report_pdf(const struct report *r, struct blobs *blobs, char **out, size_t *len);

/* Writes the report to path by its extension (.html, .pdf, .csv). 0, -EINVAL, -errno. */
int report_write_file(const struct report *r, struct blobs *blobs, const char *path);
