/* store_report.c: what the weekly report counts: a school's captures over some weeks. */
#include "store_report.h"

#include <errno.h>

#include "parse.h"
#include "store_rows.h"

struct report_cb {
	store_report_fn fn;
	void *ud;
};

static int report_row(const char *const *c, int n, void *ud)
{
	struct report_cb *cb = ud;
	struct store_report_capture k;
	struct store_row r;

	store_row_init(&r, c, n, 12);
	k = (struct store_report_capture){
	    .id = store_row_text(&r, 0),
	    .time_ms = store_row_int(&r, 1),
	    .category = store_row_text(&r, 2),
	    .severity = (int)store_row_int(&r, 3),
	    .status = store_row_text(&r, 4),
	    .user = store_row_text(&r, 5),
	    .machine = store_row_text(&r, 6),
	    .image_sha256 = store_row_text(&r, 7),
	    .image_hidden = store_row_int(&r, 8) != 0,
	    .decided_ms = store_row_int_or(&r, 9, 0),
	    .record = store_row_nullable(&r, 10),
	    .year_group = store_row_nullable(&r, 11),
	};
	return r.err ? r.err : cb->fn(&k, cb->ud);
}

int store_report_captures(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                          store_report_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_int(from_ms), store_int(to_ms)};
	struct report_cb cb = {fn, ud};

	return s->ops->query(
	    s,
	    "SELECT c.id, c.time, c.category, c.severity, c.status, c.user_name, "
	    "m.name, c.image_sha256, c.image_hidden, c.decided, CASE WHEN c.status "
	    "IN ('concern', 'escalated') AND c.time >= CAST($3 AS BIGINT) - 604800000 "
	    "THEN c.record END, pu.year_group FROM captures c JOIN machines m ON m.id = "
	    "c.machine_id LEFT JOIN pupils pu ON pu.school_id = c.school_id AND pu.login = "
	    "LOWER(c.user_name) WHERE c.school_id = CAST($1 AS BIGINT) AND c.time >= CAST($2 AS "
	    "BIGINT) "
	    "AND c.time < CAST($3 AS BIGINT) ORDER BY c.severity DESC, c.time",
	    p, 3, report_row, &cb, NULL);
}

struct count_cb {
	store_category_count_fn fn;
	void *ud;
	bool by_category;
};

static int count_row(const char *const *c, int n, void *ud)
{
	struct count_cb *cb = ud;
	int k = cb->by_category;
	int64_t sev, count;

	if (n != k + 2 || (k && !c[0]) || parse_int64(c[k], 0, 100, &sev) < 0 ||
	    parse_int64(c[k + 1], 0, INT64_MAX, &count) < 0)
		return -EIO;
	return cb->fn(k ? c[0] : NULL, (int)sev, count, cb->ud);
}

/* The captures of the school and range: $1 school, [$2, $3) time. */
#define RANGE                                                                                      \
	"c.school_id = CAST($1 AS BIGINT) AND c.time >= CAST($2 AS BIGINT) AND c.time < "          \
	"CAST($3 AS BIGINT)"

int store_report_category_counts(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                                 store_category_count_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_int(from_ms), store_int(to_ms)};
	struct count_cb cb = {fn, ud, true};

	return s->ops->query(s,
	                     "SELECT category, severity, COUNT(*) FROM (SELECT u.capture_id, "
	                     "u.category, MAX(u.severity) AS severity FROM (SELECT c.id AS "
	                     "capture_id, c.category, c.severity FROM captures c WHERE " RANGE
	                     " UNION ALL SELECT h.capture_id, h.category, h.severity FROM "
	                     "capture_hits h JOIN captures c ON c.id = h.capture_id WHERE " RANGE
	                     ") u GROUP BY u.capture_id, u.category) k GROUP BY category, "
	                     "severity ORDER BY category, severity",
	                     p, 3, count_row, &cb, NULL);
}

int store_report_severity_counts(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                                 store_category_count_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_int(from_ms), store_int(to_ms)};
	struct count_cb cb = {fn, ud, false};

	return s->ops->query(s,
	                     "SELECT c.severity, COUNT(*) FROM captures c WHERE " RANGE
	                     " GROUP BY c.severity ORDER BY c.severity",
	                     p, 3, count_row, &cb, NULL);
}

struct slot_cb {
	store_slot_fn fn;
	void *ud;
};

static int slot_row(const char *const *c, int n, void *ud)
{
	struct slot_cb *cb = ud;
	int64_t slot, count;

	if (n != 2 || parse_int64(c[0], 0, INT64_MAX / STORE_REPORT_SLOT_MS, &slot) < 0 ||
	    parse_int64(c[1], 0, INT64_MAX, &count) < 0)
		return -EIO;
	return cb->fn(slot * STORE_REPORT_SLOT_MS, count, cb->ud);
}

int store_report_capture_slots(struct store *s, int64_t school_id, store_slot_fn fn, void *ud)
{
	struct store_param p[1] = {store_int(school_id)};
	struct slot_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT c.time / 900000, COUNT(*) FROM captures c WHERE c.school_id = "
	                     "CAST($1 AS BIGINT) GROUP BY c.time / 900000 ORDER BY 1 DESC",
	                     p, 1, slot_row, &cb, NULL);
}
