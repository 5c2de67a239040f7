/* report.c: the weekly headteacher report of one school: the figures from the store. */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_hits.h"
#include "localzone.h"
#include "outcome.h"
#include "parse.h"
#include "store.h"
#include "store_cases.h"
#include "store_moderation.h"
#include "store_report.h"

#define WEEK_MS (7LL * 86400 * 1000)

int report_week_parse(const char *week, int64_t *start_ms)
{
	char ys[5], ws[3];
	int year, wk;
	struct tm tm = {0};
	time_t jan4;
	int64_t monday1;

	if (strlen(week) != 8 || week[4] != '-' || week[5] != 'W')
		return -EINVAL;
	memcpy(ys, week, 4);
	ys[4] = '\0';
	memcpy(ws, week + 6, 2);
	ws[2] = '\0';
	if (parse_int(ys, 1970, 9999, &year) < 0 || parse_int(ws, 1, 53, &wk) < 0)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mday = 4; /* 4 January is always in week 1 */
	jan4 = timegm(&tm);
	gmtime_r(&jan4, &tm);
	/* The week's Monday as a calendar date, then its local midnight (time-zone): a week
	 * is Monday 00:00 to Monday 00:00 where the school is. */
	monday1 = 4 - (tm.tm_wday + 6) % 7; /* day of January of week 1's Monday */
	*start_ms = localzone_midnight(year, 1, (int)monday1, (wk - 1) * 7);
	{
		char check[16];
		report_week_label(*start_ms, check, sizeof(check));
		if (strcmp(check, week) != 0) /* week 53 of a 52-week year */
			return -EINVAL;
	}
	return 0;
}

void report_week_label(int64_t ms, char *buf, size_t size)
{
	localzone_format(ms, "%G-W%V", buf, size);
}

int64_t report_week_after(int64_t start_ms, int weeks)
{
	char d[16];
	int y, m, day;

	localzone_format(start_ms, "%Y-%m-%d", d, sizeof(d));
	if (sscanf(d, "%4d-%2d-%2d", &y, &m, &day) != 3)
		return start_ms + (int64_t)weeks * WEEK_MS;
	return localzone_midnight(y, m, day, weeks * 7);
}

const char *report_plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

struct weeks {
	char week[16]; /* the week being counted, "" before the first slot */
	long captures;
	report_week_fn fn;
	void *ud;
};

static int week_slot(int64_t slot_ms, int64_t count, void *ud)
{
	struct weeks *w = ud;
	char label[16];
	int r;

	report_week_label(slot_ms, label, sizeof(label));
	if (strcmp(label, w->week) != 0) {
		if (w->week[0] && (r = w->fn(w->week, w->captures, w->ud)) != 0)
			return r;
		snprintf(w->week, sizeof(w->week), "%s", label);
		w->captures = 0;
	}
	w->captures += (long)count;
	return 0;
}

int report_weeks(struct store *s, int64_t school_id, report_week_fn fn, void *ud)
{
	struct weeks w = {.fn = fn, .ud = ud};
	int r = store_report_capture_slots(s, school_id, week_slot, &w);

	if (r == 0 && w.week[0])
		r = fn(w.week, w.captures, ud);
	return r;
}

void report_duration(double m, char *buf, size_t size)
{
	if (m < 120)
		snprintf(buf, size, "%.0f min", m);
	else if (m < 48 * 60)
		snprintf(buf, size, "%.1f h", m / 60);
	else
		snprintf(buf, size, "%.1f days", m / 1440);
}

struct build {
	struct report *r;
	int64_t *waits;
	size_t nwaits, capwaits;
	struct report_count *users, *machines;
	size_t nusers, nmachines, capusers, capmachines;
	int err;
	int64_t week_start[REPORT_WEEKS]; /* the chart's weeks, oldest first */
};

/* Adds one to name's counters in a growable list. */
static int tally(struct report_count **v, size_t *n, size_t *cap, const char *name, bool concern)
{
	size_t i;

	for (i = 0; i < *n && strcmp((*v)[i].name, name) != 0; i++)
		;
	if (i == *n) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			struct report_count *nv = realloc(*v, nc * sizeof(**v));
			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = nc;
		}
		memset(&(*v)[i], 0, sizeof(**v));
		snprintf((*v)[i].name, sizeof((*v)[i].name), "%s", name);
		(*n)++;
	}
	(*v)[i].captures++;
	(*v)[i].concerns += concern;
	return 0;
}

/* Every category of rec's hits, ", " between them ("self-harm, grooming"); category when
 * the record names none. */
static void categories_of(json_t *rec, const char *category, char *buf, size_t size)
{
	struct capture_category k[REPORT_MAX_CATS];
	size_t n = rec ? capture_hits_categories(rec, 1, k, REPORT_MAX_CATS) : 0, len = 0;

	snprintf(buf, size, "%s", category);
	for (size_t i = 0; i < n && len < size; i++)
		len +=
		    (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", k[i].category);
}

static int add_confirmed(struct report *r, const struct store_report_capture *c)
{
	struct report_item *it,
	    *nv = realloc(r->confirmed, (size_t)(r->nconfirmed + 1) * sizeof(*nv));
	json_t *rec;

	if (!nv)
		return -ENOMEM;
	r->confirmed = nv;
	it = &nv[r->nconfirmed++];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", c->id);
	it->time = c->time_ms;
	it->severity = c->severity;
	snprintf(it->status, sizeof(it->status), "%s", c->status);
	snprintf(it->user, sizeof(it->user), "%s", c->user);
	snprintf(it->machine, sizeof(it->machine), "%s", c->machine);
	snprintf(it->sha, sizeof(it->sha), "%s", c->image_sha256);
	it->hidden = c->image_hidden;
	rec = json_loads(c->record ? c->record : "{}", 0, NULL);
	categories_of(rec, c->category, it->category, sizeof(it->category));
	it->context = strdup(json_string_value(json_object_get(rec, "context")) ?: "");
	json_decref(rec);
	return it->context ? 0 : -ENOMEM;
}

/* The index of category in r->cats, added when new (in the order captures bring them);
 * -1 past REPORT_MAX_CATS. */
static int report_category(struct report *r, const char *category)
{
	int cat;

	for (cat = 0; cat < r->ncats && strcmp(r->cats[cat], category) != 0; cat++)
		;
	if (cat == r->ncats && r->ncats < REPORT_MAX_CATS)
		snprintf(r->cats[r->ncats++], sizeof(r->cats[0]), "%s", category);
	return cat < r->ncats ? cat : -1;
}

/* Captures of one category at one severity (store_report_category_counts). */
static int category_count(const char *category, int severity, int64_t count, void *ud)
{
	struct report *r = ud;
	int cat = report_category(r, category);

	if (cat >= 0 && severity >= 1 && severity <= 5)
		r->by_cat_sev[cat][severity] += (long)count;
	return 0;
}

/* Counts a capture of the week under its pupil's year group (NULL: not on the roster). */
static int year_tally(struct report *r, const char *year, bool concern)
{
	const char *name = year && *year ? year : REPORT_NO_YEAR;
	int i;

	for (i = 0; i < r->nyears && strcmp(r->years[i].name, name) != 0; i++)
		;
	if (i == r->nyears) {
		if (r->nyears == REPORT_MAX_YEARS)
			i = REPORT_MAX_YEARS -
			    1; /* a roster with that many groups: the rest here */
		else
			snprintf(r->years[r->nyears++].name, REPORT_NAME_BUF, "%s", name);
	}
	r->years[i].captures++;
	r->years[i].concerns += concern;
	return 0;
}

/* Year groups in their natural order ("Year 7" < "Year 10"); not on the roster last. */
static int cmp_year(const void *a, const void *b)
{
	const char *x = ((const struct report_count *)a)->name;
	const char *y = ((const struct report_count *)b)->name;
	bool nx = strcmp(x, REPORT_NO_YEAR) == 0, ny = strcmp(y, REPORT_NO_YEAR) == 0;

	if (nx != ny)
		return nx ? 1 : -1;
	return strverscmp(x, y);
}

static int build_row(const struct store_report_capture *c, void *ud)
{
	struct build *b = ud;
	struct report *r = b->r;
	int64_t t = c->time_ms, decided = c->decided_ms;
	int sev = c->severity, wk;
	bool concern = strcmp(c->status, "concern") == 0 || strcmp(c->status, "escalated") == 0;

	/* The chart's weeks start at local midnight too (a week with a clock change is an hour
	 * longer or shorter). */
	for (wk = REPORT_WEEKS - 1; wk > 0 && t < b->week_start[wk]; wk--)
		;
	if (t < b->week_start[0])
		wk = -1;
	if (wk >= 0 && wk < REPORT_WEEKS) {
		r->weekly[wk]++;
		r->weekly_concerns[wk] += concern;
	}
	if (t < r->start || t >= r->end)
		return 0;
	r->total++;
	r->concerns += concern;
	r->false_positives += strcmp(c->status, "false-positive") == 0;
	r->pending += strcmp(c->status, "new") == 0;
	(void)report_category(r, c->category); /* the reason's categories first */
	if (sev >= 1 && sev <= 5)
		r->by_sev[sev]++;
	if (year_tally(r, c->year_group, concern) < 0 ||
	    tally(&b->users, &b->nusers, &b->capusers, c->user, concern) < 0 ||
	    tally(&b->machines, &b->nmachines, &b->capmachines, c->machine, concern) < 0)
		return -ENOMEM;
	if (decided) {
		if (b->nwaits == b->capwaits) {
			size_t nc = b->capwaits ? b->capwaits * 2 : 256;
			int64_t *nv = realloc(b->waits, nc * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			b->waits = nv;
			b->capwaits = nc;
		}
		b->waits[b->nwaits++] = decided > t ? decided - t : 0;
	}
	if (concern)
		return add_confirmed(r, c);
	return 0;
}

/* Captures closed this week with one outcome (store_case_outcome_counts). */
static int outcome_tally(const char *outcome, int64_t count, void *ud)
{
	struct report *r = ud;

	if (r->noutcomes == REPORT_MAX_OUTCOMES)
		return 0;
	snprintf(r->outcomes[r->noutcomes].name, REPORT_NAME_BUF, "%s", outcome);
	r->outcomes[r->noutcomes].captures = (long)count;
	r->noutcomes++;
	r->closed += (long)count;
	return 0;
}

/* By outcome.h's order (unknown keys last), then their words instead of their keys. */
static int cmp_outcome(const void *a, const void *b)
{
	const char *x = ((const struct report_count *)a)->name;
	const char *y = ((const struct report_count *)b)->name;
	unsigned int i = (unsigned int)outcome_index(x), k = (unsigned int)outcome_index(y);

	return i != k ? (i < k ? -1 : 1) : strcmp(x, y);
}

static void outcomes_in_words(struct report *r)
{
	qsort(r->outcomes, (size_t)r->noutcomes, sizeof(r->outcomes[0]), cmp_outcome);
	for (int i = 0; i < r->noutcomes; i++) {
		char words[REPORT_NAME_BUF];
		snprintf(words, sizeof(words), "%s", outcome_words(r->outcomes[i].name));
		memcpy(r->outcomes[i].name, words, sizeof(words));
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_count(const void *a, const void *b)
{
	const struct report_count *x = a, *y = b;

	if (x->concerns != y->concerns)
		return x->concerns < y->concerns ? 1 : -1;
	if (x->captures != y->captures)
		return x->captures < y->captures ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int top(struct report_count *v, size_t n, struct report_count *out)
{
	size_t k = n < REPORT_TOP ? n : REPORT_TOP;

	if (n)
		qsort(v, n, sizeof(*v), cmp_count);
	memcpy(out, v, k * sizeof(*v));
	return (int)k;
}

/* Adds a decision to the confirmed concern it is about (the rows come by capture id). */
static int add_decision(const struct store_capture_event *d, void *ud)
{
	struct report *r = ud;
	struct report_item *it = NULL;
	struct report_decision *nv, *e;

	for (int i = 0; i < r->nconfirmed && !it; i++)
		if (strcmp(r->confirmed[i].id, d->capture_id) == 0)
			it = &r->confirmed[i];
	if (!it)
		return 0;
	if (it->ndecisions >= REPORT_MAX_DECISIONS) {
		it->more_decisions++;
		return 0;
	}
	nv = realloc(it->decisions, (size_t)(it->ndecisions + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	it->decisions = nv;
	e = &nv[it->ndecisions];
	memset(e, 0, sizeof(*e));
	e->time = d->time_ms;
	snprintf(e->login, sizeof(e->login), "%s", d->login);
	snprintf(e->action, sizeof(e->action), "%s", d->action);
	if (!(e->text = strdup(d->text)))
		return -ENOMEM;
	it->ndecisions++;
	return 0;
}

int report_build(struct store *s, const char *school, const char *week, struct report **out)
{
	struct report *r = calloc(1, sizeof(*r));
	struct build b = {.r = r};
	int ret;

	if (!r)
		return -ENOMEM;
	snprintf(r->school, sizeof(r->school), "%s", school);
	snprintf(r->week, sizeof(r->week), "%s", week);
	if ((ret = report_week_parse(week, &r->start)) < 0)
		goto fail;
	r->end = report_week_after(r->start, 1);
	for (int i = 0; i < REPORT_WEEKS; i++) {
		b.week_start[i] = report_week_after(r->start, i - (REPORT_WEEKS - 1));
		report_week_label(b.week_start[i], r->week_labels[i], sizeof(r->week_labels[i]));
	}
	ret = store_school_lookup(s, school, &r->school_id);
	if (ret < 0)
		goto fail;
	ret = store_report_captures(s, r->school_id, b.week_start[0], r->end, build_row, &b);
	if (ret == 0)
		ret = store_report_category_counts(s, r->school_id, r->start, r->end,
		                                   category_count, r);
	if (ret == 0 && r->nconfirmed)
		ret = store_concern_events(s, r->school_id, r->start, r->end, add_decision, r);
	if (ret == 0)
		ret =
		    store_case_outcome_counts(s, r->school_id, r->start, r->end, outcome_tally, r);
	if (ret < 0)
		goto fail;
	if (r->nyears == 1 && strcmp(r->years[0].name, REPORT_NO_YEAR) == 0)
		r->nyears = 0; /* no pupil of the week is on a roster: no table */
	qsort(r->years, (size_t)r->nyears, sizeof(r->years[0]), cmp_year);
	outcomes_in_words(r);
	r->nusers = top(b.users, b.nusers, r->users);
	r->nmachines = top(b.machines, b.nmachines, r->machines);
	r->decided = (long)b.nwaits;
	if (b.nwaits) {
		qsort(b.waits, b.nwaits, sizeof(*b.waits), cmp_i64);
		r->median_minutes = (double)b.waits[(b.nwaits - 1) / 2] / 60000.0;
		r->p90_minutes = (double)b.waits[(b.nwaits * 9 + 9) / 10 - 1] / 60000.0;
	}
	free(b.waits);
	free(b.users);
	free(b.machines);
	*out = r;
	return 0;
fail:
	free(b.waits);
	free(b.users);
	free(b.machines);
	report_free(r);
	return ret;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nconfirmed; i++) {
		for (int k = 0; k < r->confirmed[i].ndecisions; k++)
			free(r->confirmed[i].decisions[k].text);
		free(r->confirmed[i].decisions);
		free(r->confirmed[i].context);
	}
	free(r->confirmed);
	free(r);
}
