/* store_moderation.c: what moderators read: the queue, a pupil's captures, decisions. */
#include "store_moderation.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/* The columns of a brief, in the order brief_row() reads them. */
#define BRIEF_COLUMNS                                                                              \
	"c.id, sc.name, m.name, c.user_name, c.category, c.source, c.status, "                     \
	"COALESCE(c.status_by, ''), c.image_sha256, c.record, c.school_id, c.time, "               \
	"COALESCE(c.status_time, 0), c.severity, c.image_hidden"
#define BRIEF_FROM                                                                                 \
	" FROM captures c JOIN schools sc ON sc.id = c.school_id JOIN machines m ON m.id = "       \
	"c.machine_id"
enum { BRIEF_NCOLS = 15 };

struct brief_cb {
	store_brief_fn fn;
	void *ud;
};

static int64_t col_int(const char *s)
{
	int64_t v = 0;

	if (s && parse_int64(s, INT64_MIN, INT64_MAX, &v) < 0)
		v = 0;
	return v;
}

static const char *col_text(const char *s)
{
	return s ? s : "";
}

static int brief_row(const char *const *c, int n, void *ud)
{
	struct brief_cb *cb = ud;
	struct store_capture_brief b;

	if (n != BRIEF_NCOLS)
		return -EIO;
	b = (struct store_capture_brief){
	    .id = col_text(c[0]),
	    .school = col_text(c[1]),
	    .machine = col_text(c[2]),
	    .user = col_text(c[3]),
	    .category = col_text(c[4]),
	    .source = col_text(c[5]),
	    .status = col_text(c[6]),
	    .status_by = col_text(c[7]),
	    .image_sha256 = col_text(c[8]),
	    .record = c[9] ? c[9] : "{}",
	    .school_id = col_int(c[10]),
	    .time_ms = col_int(c[11]),
	    .status_time_ms = col_int(c[12]),
	    .severity = (int)col_int(c[13]),
	    .image_hidden = col_int(c[14]) != 0,
	};
	return cb->fn(&b, cb->ud);
}

static int school_row(const char *const *c, int n, void *ud)
{
	if (n == 1 && c[0])
		*(int64_t *)ud = col_int(c[0]);
	return 0;
}

int store_school_lookup(struct store *s, const char *name, int64_t *id)
{
	struct store_param p = {.text = name};
	int64_t v = 0;
	int r =
	    s->ops->query(s, "SELECT id FROM schools WHERE name = $1", &p, 1, school_row, &v, NULL);

	if (r < 0)
		return r;
	if (v == 0)
		return -ENOENT;
	*id = v;
	return 0;
}

/* A statement with parameters built clause by clause (the queue's filters). */
struct sql {
	char text[2048];
	size_t len;
	struct store_param p[16];
	size_t np;
	bool err;
};

static void sql_add(struct sql *q, const char *s)
{
	int n = snprintf(q->text + q->len, sizeof(q->text) - q->len, "%s", s);

	if (n < 0 || (size_t)n >= sizeof(q->text) - q->len)
		q->err = true;
	else
		q->len += (size_t)n;
}

/* Appends " AND <column> <op> $k" for a parameter (cast when is_int). */
static void sql_where(struct sql *q, const char *column, const char *op, struct store_param p)
{
	char buf[160];

	if (q->np >= sizeof(q->p) / sizeof(q->p[0])) {
		q->err = true;
		return;
	}
	q->p[q->np++] = p;
	snprintf(buf, sizeof(buf), p.is_int ? " AND %s %s CAST($%zu AS BIGINT)" : " AND %s %s $%zu",
	         column, op, q->np);
	sql_add(q, buf);
}

static struct store_param text_param(const char *s)
{
	return (struct store_param){.text = s};
}

static struct store_param int_param(int64_t v)
{
	return (struct store_param){.i = v, .is_int = true};
}

int store_queue_list(struct store *s, const struct store_queue_filter *f, store_brief_fn fn,
                     void *ud)
{
	struct sql q = {.len = 0};
	struct brief_cb cb = {fn, ud};
	char tail[96];

	sql_add(&q, "SELECT " BRIEF_COLUMNS BRIEF_FROM " WHERE 1 = 1");
	if (f->school_id)
		sql_where(&q, "c.school_id", "=", int_param(f->school_id));
	if (f->school && *f->school)
		sql_where(&q, "sc.name", "=", text_param(f->school));
	if (f->category && *f->category)
		sql_where(&q, "c.category", "=", text_param(f->category));
	if (f->severity)
		sql_where(&q, "c.severity", "=", int_param(f->severity));
	if (f->status && *f->status)
		sql_where(&q, "c.status", "=", text_param(f->status));
	if (f->user && *f->user)
		sql_where(&q, "c.user_name", "=", text_param(f->user));
	if (f->machine && *f->machine)
		sql_where(&q, "m.name", "=", text_param(f->machine));
	if (f->from_ms > 0)
		sql_where(&q, "c.time", ">=", int_param(f->from_ms));
	if (f->to_ms > 0)
		sql_where(&q, "c.time", "<", int_param(f->to_ms));
	snprintf(tail, sizeof(tail), " ORDER BY c.severity DESC, c.time ASC LIMIT %lld OFFSET %lld",
	         (long long)f->limit, (long long)f->offset);
	sql_add(&q, tail);
	if (q.err)
		return -E2BIG;
	return s->ops->query(s, q.text, q.p, q.np, brief_row, &cb, NULL);
}

int store_capture_brief_get(struct store *s, const char *id, store_brief_fn fn, void *ud)
{
	struct store_param p = {.text = id};
	struct brief_cb cb = {fn, ud};

	return s->ops->query(s, "SELECT " BRIEF_COLUMNS BRIEF_FROM " WHERE c.id = $1", &p, 1,
	                     brief_row, &cb, NULL);
}

int store_pupil_captures(struct store *s, int64_t school_id, const char *user, int64_t limit,
                         store_brief_fn fn, void *ud)
{
	struct store_param p[3] = {int_param(school_id), text_param(user), int_param(limit)};
	struct brief_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT " BRIEF_COLUMNS BRIEF_FROM
	                     " WHERE c.school_id = CAST($1 AS BIGINT) AND c.user_name = $2 "
	                     "ORDER BY c.time DESC, c.id LIMIT CAST($3 AS BIGINT)",
	                     p, 3, brief_row, &cb, NULL);
}

struct event_cb {
	store_event_fn fn;
	void *ud;
};

static int event_row(const char *const *c, int n, void *ud)
{
	struct event_cb *cb = ud;
	struct store_capture_event e;

	if (n != 5)
		return -EIO;
	e = (struct store_capture_event){.capture_id = col_text(c[0]),
	                                 .time_ms = col_int(c[1]),
	                                 .login = col_text(c[2]),
	                                 .action = col_text(c[3]),
	                                 .text = col_text(c[4])};
	return cb->fn(&e, cb->ud);
}

int store_pupil_events(struct store *s, int64_t school_id, const char *user, store_event_fn fn,
                       void *ud)
{
	struct store_param p[2] = {int_param(school_id), text_param(user)};
	struct event_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT e.capture_id, e.time, e.login, e.action, e.text FROM "
	                     "capture_events e JOIN captures c ON c.id = e.capture_id WHERE "
	                     "c.school_id = CAST($1 AS BIGINT) AND c.user_name = $2 "
	                     "ORDER BY e.time DESC, e.id DESC",
	                     p, 2, event_row, &cb, NULL);
}

int store_capture_events(struct store *s, const char *capture_id, store_event_fn fn, void *ud)
{
	struct store_param p = text_param(capture_id);
	struct event_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT capture_id, time, login, action, text FROM capture_events "
	                     "WHERE capture_id = $1 ORDER BY time, id",
	                     &p, 1, event_row, &cb, NULL);
}
