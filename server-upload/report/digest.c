/* digest.c: the Monday e-mail: a school's last week in counts, to its headteachers and contacts. */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "html.h"
#include "localzone.h"
#include "report.h"
#include "store_digest.h"
#include "store_moderation.h"
#include "store_report.h"

#define MAX_CATS   64
#define SEVERITIES 5

struct counts {
	char cat[MAX_CATS][80];
	int64_t n[MAX_CATS][2][SEVERITIES + 1]; /* [category][this week 0, week before 1][sev] */
	int64_t all[2][SEVERITIES + 1];         /* captures, each once, by severity */
	int ncats, week;
};

static int all_cb(const char *category, int severity, int64_t count, void *ud)
{
	struct counts *c = ud;

	(void)category;
	if (severity >= 1 && severity <= SEVERITIES)
		c->all[c->week][severity] += count;
	return 0;
}

static int count_cb(const char *category, int severity, int64_t count, void *ud)
{
	struct counts *c = ud;
	int k = 0;

	while (k < c->ncats && strcmp(c->cat[k], category) != 0)
		k++;
	if (k == c->ncats) {
		if (c->ncats == MAX_CATS)
			return 0; /* more categories than any list has: the rest is in the report */
		snprintf(c->cat[c->ncats++], sizeof(c->cat[0]), "%s", category);
	}
	if (severity >= 1 && severity <= SEVERITIES)
		c->n[k][c->week][severity] += count;
	return 0;
}

static int64_t total(const struct counts *c, int k, int week)
{
	int64_t t = 0;

	for (int s = 1; s <= SEVERITIES; s++)
		t += c->n[k][week][s];
	return t;
}

static void change(struct html *h, int64_t now, int64_t before)
{
	if (now == before)
		html_raw(h, "    same");
	else
		html_fmt(h, "%+8lld", (long long)(now - before));
}

/* The table: one line per category, then the captures; numbers only besides category
 * names. */
static void table(struct html *h, const struct counts *c)
{
	int64_t all = 0, all_before = 0;

	html_raw(h, "Category                 sev 1  sev 2  sev 3  sev 4  sev 5   total  "
	            "week before  change\r\n");
	for (int k = 0; k < c->ncats; k++) {
		int64_t t = total(c, k, 0), b = total(c, k, 1);
		html_fmt(h, "%-24.24s", c->cat[k]);
		for (int s = 1; s <= SEVERITIES; s++)
			html_fmt(h, " %6lld", (long long)c->n[k][0][s]);
		html_fmt(h, "  %6lld  %11lld  ", (long long)t, (long long)b);
		change(h, t, b);
		html_raw(h, "\r\n");
	}
	for (int s = 1; s <= SEVERITIES; s++) {
		all += c->all[0][s];
		all_before += c->all[1][s];
	}
	html_fmt(h, "%-24s", "All");
	for (int s = 1; s <= SEVERITIES; s++)
		html_fmt(h, " %6lld", (long long)c->all[0][s]);
	html_fmt(h, "  %6lld  %11lld  ", (long long)all, (long long)all_before);
	change(h, all, all_before);
	html_raw(h, "\r\n");
}

/* "This week: 1 capture, against 2 the week before." */
static void summary(struct html *h, const struct counts *c)
{
	int64_t n[2] = {0, 0};

	for (int w = 0; w < 2; w++)
		for (int s = 1; s <= SEVERITIES; s++)
			n[w] += c->all[w][s];
	html_fmt(h, "This week: %lld %s, against %lld the week before.\r\n\r\n", (long long)n[0],
	         report_plural((long)n[0], "capture", "captures"), (long long)n[1]);
}

int digest_compose(struct store *s, const char *public_url, int64_t school_id, const char *school,
                   const char *week, char **subject, char **body)
{
	struct counts *c = calloc(1, sizeof(*c));
	const char *base = public_url ? public_url : "";
	int64_t start;
	struct html h;
	char *subj = NULL;
	size_t len;
	int r;

	if (!c)
		return -ENOMEM;
	if ((r = report_week_parse(week, &start)) < 0)
		goto out;
	for (c->week = 0; r == 0 && c->week < 2; c->week++) {
		int64_t from = report_week_after(start, -c->week), to = report_week_after(from, 1);
		r = store_digest_counts(s, school_id, from, to, count_cb, c);
		if (r == 0)
			r = store_report_severity_counts(s, school_id, from, to, all_cb, c);
	}
	if (r < 0)
		goto out;
	if (asprintf(&subj, "[Vigil] Weekly summary: %s, %s", school, week) < 0) {
		r = -ENOMEM;
		goto out;
	}
	html_init(&h);
	html_raw(&h, "Vigil's weekly summary for ");
	html_raw(&h, school);
	html_raw(&h, ", week ");
	html_raw(&h, week);
	html_raw(&h, " (Monday to Sunday), with the week before for comparison.\r\n\r\n");
	if (c->ncats == 0) {
		html_raw(&h, "No captures this week or the week before.\r\n");
	} else {
		summary(&h, c);
		table(&h, c);
	}
	html_raw(&h, "\r\nSeverity runs from 1 (mild language) to 5 (immediate risk). A capture "
	             "counts under every category it has a hit in, at its highest severity "
	             "there, so the categories can add up to more than All, which counts each "
	             "capture once. The weekly report has the confirmed concerns and the "
	             "trend:\r\n");
	html_raw(&h, base);
	html_raw(&h, "/reports/");
	html_url(&h, school);
	html_raw(&h, "/");
	html_raw(&h, week);
	html_raw(&h, "\r\n\r\nThis message holds no pupil name, text or screenshot by design; "
	             "sign in to see them.\r\n");
	if (!(*body = html_take(&h, &len))) {
		r = -ENOMEM;
		goto out;
	}
	*subject = subj;
	subj = NULL;
out:
	free(subj);
	free(c);
	return r;
}

#define MAX_RECIPIENTS 64
#define MAX_SCHOOLS    4096

/* Addresses collected first: a row callback must not call the store. */
struct addresses {
	char v[MAX_RECIPIENTS][256];
	int n;
};

static int address_cb(const char *address, void *ud)
{
	struct addresses *a = ud;

	if (a->n < MAX_RECIPIENTS)
		snprintf(a->v[a->n++], sizeof(a->v[0]), "%s", address);
	return 0;
}

/* Queues the e-mails of one school's week; audited. Returns recipients or -errno. */
static int queue_school(struct store *s, int64_t school_id, const char *week, int64_t now)
{
	struct addresses *a = calloc(1, sizeof(*a));
	char detail[96];
	int r, n = 0;

	if (!a)
		return -ENOMEM;
	r = store_digest_recipients(s, school_id, address_cb, a);
	for (int i = 0; r == 0 && i < a->n; i++)
		if ((r = store_digest_enqueue(s, school_id, week, a->v[i], now)) == 0)
			n++;
	free(a);
	if (r < 0)
		return r;
	snprintf(detail, sizeof(detail), "weekly summary %s: %d recipients", week, n);
	audit_record(s, "system", school_id, "digest-queued", NULL, detail);
	return n;
}

int digest_queue(struct store *s, const char *school, const char *week, int64_t now)
{
	int64_t school_id, start;
	int r;

	if (report_week_parse(week, &start) < 0)
		return -EINVAL;
	if ((r = store_school_lookup(s, school, &school_id)) < 0)
		return r;
	return queue_school(s, school_id, week, now);
}

struct schools {
	int64_t id[MAX_SCHOOLS];
	size_t n;
	int64_t week_end; /* the week summarised ends then (Monday, local midnight) */
};

static int school_cb(int64_t school_id, const char *name, int64_t created_ms, void *ud)
{
	struct schools *sc = ud;

	(void)name;
	if (created_ms < sc->week_end && sc->n < MAX_SCHOOLS) /* it existed that week */
		sc->id[sc->n++] = school_id;
	return 0;
}

/* Claims and queues the week of each school; returns how many or -errno. */
static int schedule_schools(struct store *s, const struct schools *sc, const char *week,
                            int64_t now)
{
	int queued = 0, r = 0;

	for (size_t i = 0; i < sc->n; i++) {
		r = store_digest_claim(s, sc->id[i], week, now);
		if (r == -EEXIST)
			continue;
		if (r < 0 || (r = queue_school(s, sc->id[i], week, now)) < 0)
			return r;
		queued++;
	}
	return queued;
}

int digest_schedule(struct store *s, int64_t now, unsigned int report_time_min)
{
	struct schools *sc;
	char week[16];
	time_t t = (time_t)(now / 1000), due;
	struct tm tm;
	int r;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	/* Monday of this week at report time, local time. */
	tm.tm_mday -= (tm.tm_wday + 6) % 7;
	tm.tm_hour = (int)(report_time_min / 60);
	tm.tm_min = (int)(report_time_min % 60);
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if ((due = mktime(&tm)) == (time_t)-1)
		return -EINVAL;
	if (t < due)
		return 0;
	/* Last week: its label from the calendar date of the Monday before (local time). */
	{
		struct tm d = {.tm_year = tm.tm_year,
		               .tm_mon = tm.tm_mon,
		               .tm_mday = tm.tm_mday - 7,
		               .tm_hour = 12};
		int64_t monday = localzone_midnight(d.tm_year + 1900, d.tm_mon + 1, d.tm_mday, 0) +
		                 12LL * 3600 * 1000;
		report_week_label(monday, week, sizeof(week));
	}
	if (!(sc = calloc(1, sizeof(*sc))))
		return -ENOMEM;
	if ((r = report_week_parse(week, &sc->week_end)) == 0) {
		sc->week_end = report_week_after(sc->week_end, 1);
		r = store_digest_schools(s, school_cb, sc);
	}
	if (r == 0)
		r = schedule_schools(s, sc, week, now);
	free(sc);
	return r;
}
