/* store_moderation.c: what moderators read: the queue, a pupil's captures, decisions. */
#include "store_moderation.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_rows.h"

/* The columns of a brief, in the order brief_row() reads them. */
#define BRIEF_COLUMNS                                                                              \
	"c.id, sc.name, m.name, c.user_name, c.category, c.source, c.status, "                     \
	"COALESCE(c.status_by, ''), c.image_sha256, c.record, c.school_id, c.time, "               \
	"COALESCE(c.status_time, 0), c.severity, c.image_hidden, c.received, "                     \
	"COALESCE(pu.given_name, ''), COALESCE(pu.family_name, ''), "                              \
	"COALESCE(pu.preferred_name, ''), COALESCE(pu.year_group, ''), "                           \
	"COALESCE(pu.reg_group, ''), COALESCE(pu.flags, ''), COALESCE(pu.current, -1), "           \
	"COALESCE(c.assignee, ''), CASE WHEN c.closed_time IS NULL THEN 0 ELSE 1 END"
/* The pupil comes from the school's roster (logins kept in lower case). */
#define BRIEF_FROM                                                                                 \
	" FROM captures c JOIN schools sc ON sc.id = c.school_id JOIN machines m ON m.id = "       \
	"c.machine_id LEFT JOIN pupils pu ON pu.school_id = c.school_id AND pu.login = "           \
	"LOWER(c.user_name)"
enum { BRIEF_NCOLS = 25 };

struct brief_cb {
	store_brief_fn fn;
	void *ud;
};

static int brief_row(const char *const *c, int n, void *ud)
{
	struct brief_cb *cb = ud;
	struct store_capture_brief b;
	struct store_row r;

	store_row_init(&r, c, n, BRIEF_NCOLS);
	b = (struct store_capture_brief){
	    .id = store_row_text(&r, 0),
	    .school = store_row_text(&r, 1),
	    .machine = store_row_text(&r, 2),
	    .user = store_row_text(&r, 3),
	    .category = store_row_text(&r, 4),
	    .source = store_row_text(&r, 5),
	    .status = store_row_text(&r, 6),
	    .status_by = store_row_text(&r, 7),
	    .image_sha256 = store_row_text(&r, 8),
	    .record = store_row_nullable(&r, 9),
	    .school_id = store_row_int(&r, 10),
	    .time_ms = store_row_int(&r, 11),
	    .status_time_ms = store_row_int(&r, 12),
	    .severity = (int)store_row_int(&r, 13),
	    .image_hidden = store_row_int(&r, 14) != 0,
	    .received_ms = store_row_int(&r, 15),
	    .given_name = store_row_text(&r, 16),
	    .family_name = store_row_text(&r, 17),
	    .preferred_name = store_row_text(&r, 18),
	    .year_group = store_row_text(&r, 19),
	    .reg_group = store_row_text(&r, 20),
	    .flags = store_row_text(&r, 21),
	    .assignee = store_row_text(&r, 23),
	    .closed = store_row_int(&r, 24) != 0,
	};
	{
		int64_t current = store_row_int(&r, 22);
		b.on_roster = current >= 0;
		b.pupil_current = current == 1;
	}
	if (r.err)
		return r.err;
	if (!b.record)
		b.record = "{}";
	return cb->fn(&b, cb->ud);
}

int store_school_lookup(struct store *s, const char *name, int64_t *id)
{
	struct store_param p = {.text = name};
	int64_t v = 0;
	int r = s->ops->query(s, "SELECT id FROM schools WHERE name = $1", &p, 1, store_row_int64,
	                      &v, NULL);

	if (r < 0)
		return r;
	if (v == 0)
		return -ENOENT;
	*id = v;
	return 0;
}

/* A statement with parameters built clause by clause (the queue's filters). The LIKE
 * patterns the parameters point at live in pat. */
struct sql {
	char text[4096];
	size_t len;
	struct store_param p[24];
	size_t np;
	char pat[STORE_QUEUE_MAX_TERMS + 3][2 * STORE_QUEUE_MAX_TERM + 4];
	size_t npat;
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

/* Adds a parameter; returns its number ($k), 0 when there is no room. */
static size_t sql_param(struct sql *q, struct store_param p)
{
	if (q->np >= sizeof(q->p) / sizeof(q->p[0])) {
		q->err = true;
		return 0;
	}
	q->p[q->np++] = p;
	return q->np;
}

/*
 * Adds a LIKE pattern of the n bytes of s as a parameter: "%s%" when anywhere, "s%"
 * otherwise, with %, _ and \ escaped (the statement says ESCAPE '\'). Its number ($k), 0
 * when there is no room (q->err) or s is too long.
 */
static size_t sql_pattern(struct sql *q, const char *s, size_t n, bool anywhere)
{
	char *out;
	size_t k = 0;

	if (q->npat >= sizeof(q->pat) / sizeof(q->pat[0]) || n > STORE_QUEUE_MAX_TERM) {
		q->err = true;
		return 0;
	}
	out = q->pat[q->npat++];
	if (anywhere)
		out[k++] = '%';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			out[k++] = '\\';
		out[k++] = s[i];
	}
	out[k++] = '%';
	out[k] = '\0';
	return sql_param(q, store_text(out));
}

/*
 * The category (case-insensitive) and severity (at least) filters: a capture matches when
 * its reason or any one of its hits has both. Nothing when neither is set.
 */
static void sql_where_hit(struct sql *q, const char *category, int severity)
{
	char cat[2][96] = {"", ""}, sev[2][96] = {"", ""}, buf[640];
	size_t k;

	if (!(category && *category) && !severity)
		return;
	if (category && *category && (k = sql_param(q, store_text(category)))) {
		snprintf(cat[0], sizeof(cat[0]), " AND LOWER(c.category) = LOWER($%zu)", k);
		snprintf(cat[1], sizeof(cat[1]), " AND LOWER(h.category) = LOWER($%zu)", k);
	}
	if (severity && (k = sql_param(q, store_int(severity)))) {
		snprintf(sev[0], sizeof(sev[0]), " AND c.severity >= CAST($%zu AS BIGINT)", k);
		snprintf(sev[1], sizeof(sev[1]), " AND h.severity >= CAST($%zu AS BIGINT)", k);
	}
	snprintf(buf, sizeof(buf),
	         " AND ((1 = 1%s%s) OR EXISTS (SELECT 1 FROM capture_hits h WHERE "
	         "h.capture_id = c.id%s%s))",
	         cat[0], sev[0], cat[1], sev[1]);
	sql_add(q, buf);
}

/* The roster filters: the pupil's year group (case-insensitive) and one flag. */
static void sql_where_pupil(struct sql *q, const char *year_group, const char *flag)
{
	char buf[160];
	size_t k;

	if (year_group && *year_group && (k = sql_param(q, store_text(year_group)))) {
		snprintf(buf, sizeof(buf), " AND LOWER(pu.year_group) = LOWER($%zu)", k);
		sql_add(q, buf);
	}
	if (flag && *flag && (k = sql_param(q, store_text(flag)))) {
		snprintf(buf, sizeof(buf),
		         " AND ';' || pu.flags || ';' LIKE '%%;' || UPPER($%zu) || ';%%'", k);
		sql_add(q, buf);
	}
}

/*
 * The pupil filter: the login contains user, or a name on the roster (given, preferred,
 * family, or "given family" / "preferred family") starts with it; all case-insensitive.
 */
static void sql_where_user(struct sql *q, const char *user)
{
	char buf[640];
	size_t any, start;

	if (!user || !*user)
		return;
	if (!(any = sql_pattern(q, user, strlen(user), true)) ||
	    !(start = sql_pattern(q, user, strlen(user), false)))
		return;
	snprintf(buf, sizeof(buf),
	         " AND (LOWER(c.user_name) LIKE LOWER($%zu) ESCAPE '\\' OR "
	         "LOWER(pu.given_name) LIKE LOWER($%zu) ESCAPE '\\' OR "
	         "LOWER(pu.preferred_name) LIKE LOWER($%zu) ESCAPE '\\' OR "
	         "LOWER(pu.family_name) LIKE LOWER($%zu) ESCAPE '\\' OR "
	         "LOWER(pu.given_name || ' ' || pu.family_name) LIKE LOWER($%zu) ESCAPE '\\' OR "
	         "LOWER(pu.preferred_name || ' ' || pu.family_name) LIKE LOWER($%zu) ESCAPE '\\')",
	         any, start, start, start, start, start);
	sql_add(q, buf);
}

/* A column that contains the n bytes of s (case-insensitive). */
static void sql_where_contains(struct sql *q, const char *column, const char *s, size_t n)
{
	char buf[160];
	size_t k;

	if (n == 0 || !(k = sql_pattern(q, s, n, true)))
		return;
	snprintf(buf, sizeof(buf), " AND LOWER(%s) LIKE LOWER($%zu) ESCAPE '\\'", column, k);
	sql_add(q, buf);
}

/*
 * The search: every term of text (words split by spaces; "a phrase" in double quotes is
 * one term) is in the capture's words (its context, every hit's matched words and own
 * context), case-insensitive. More than STORE_QUEUE_MAX_TERMS terms: q->err.
 */
static void sql_where_words(struct sql *q, const char *text)
{
	const char *p = text, *t;
	size_t nterms = 0, n;
	bool quoted;

	while (p && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		quoted = *p == '"';
		p += quoted;
		t = p;
		while (*p && (quoted ? *p != '"' : (*p != ' ' && *p != '\t' && *p != '"')))
			p++;
		n = (size_t)(p - t);
		p += quoted && *p == '"';
		if (n == 0)
			continue;
		if (++nterms > STORE_QUEUE_MAX_TERMS) {
			q->err = true;
			return;
		}
		sql_where_contains(q, "c.words", t, n);
	}
}

/* The WHERE clause of the queue's filters (after "WHERE 1 = 1"). */
static void sql_queue_where(struct sql *q, const struct store_queue_filter *f)
{
	char buf[80];
	size_t k;

	if (f->school_id)
		sql_where(q, "c.school_id", "=", store_int(f->school_id));
	if (f->school && *f->school && (k = sql_param(q, store_text(f->school)))) {
		snprintf(buf, sizeof(buf), " AND LOWER(sc.name) = LOWER($%zu)", k);
		sql_add(q, buf);
	}
	sql_where_hit(q, f->category, f->severity);
	if (f->status && *f->status)
		sql_where(q, "c.status", "=", store_text(f->status));
	sql_where_user(q, f->user);
	if (f->machine)
		sql_where_contains(q, "m.name", f->machine, strlen(f->machine));
	sql_where_pupil(q, f->year_group, f->flag);
	sql_where_words(q, f->q);
	if (f->from_ms > 0)
		sql_where(q, "c.time", ">=", store_int(f->from_ms));
	if (f->to_ms > 0)
		sql_where(q, "c.time", "<", store_int(f->to_ms));
}

int store_queue_list(struct store *s, const struct store_queue_filter *f, store_brief_fn fn,
                     void *ud)
{
	struct sql q = {.len = 0};
	struct brief_cb cb = {fn, ud};
	char tail[96];

	sql_add(&q, "SELECT " BRIEF_COLUMNS BRIEF_FROM " WHERE 1 = 1");
	sql_queue_where(&q, f);
	snprintf(tail, sizeof(tail), " ORDER BY c.severity DESC, c.time ASC LIMIT %lld OFFSET %lld",
	         (long long)f->limit, (long long)f->offset);
	sql_add(&q, tail);
	if (q.err)
		return -E2BIG;
	return s->ops->query(s, q.text, q.p, q.np, brief_row, &cb, NULL);
}

int store_queue_count(struct store *s, const struct store_queue_filter *f, int64_t *n)
{
	struct sql q = {.len = 0};
	int64_t v = -1;
	int r;

	/* Only the joins a filter needs: every capture has its school and machine, and the
	 * rest of a row is not read (an index can answer). */
	sql_add(&q, "SELECT COUNT(*) FROM captures c");
	if (f->school && *f->school)
		sql_add(&q, " JOIN schools sc ON sc.id = c.school_id");
	if (f->machine && *f->machine)
		sql_add(&q, " JOIN machines m ON m.id = c.machine_id");
	if ((f->user && *f->user) || (f->year_group && *f->year_group) || (f->flag && *f->flag))
		sql_add(&q, " LEFT JOIN pupils pu ON pu.school_id = c.school_id AND pu.login = "
		            "LOWER(c.user_name)");
	sql_add(&q, " WHERE 1 = 1");
	sql_queue_where(&q, f);
	if (q.err)
		return -E2BIG;
	r = s->ops->query(s, q.text, q.p, q.np, store_row_int64, &v, NULL);
	if (r < 0)
		return r;
	if (v < 0)
		return -EIO;
	*n = v;
	return 0;
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
	struct store_param p[3] = {store_int(school_id), store_text(user), store_int(limit)};
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
	struct store_row r;

	store_row_init(&r, c, n, 5);
	e = (struct store_capture_event){.capture_id = store_row_text(&r, 0),
	                                 .time_ms = store_row_int(&r, 1),
	                                 .login = store_row_text(&r, 2),
	                                 .action = store_row_text(&r, 3),
	                                 .text = store_row_text(&r, 4)};
	return r.err ? r.err : cb->fn(&e, cb->ud);
}

int store_pupil_events(struct store *s, int64_t school_id, const char *user, store_event_fn fn,
                       void *ud)
{
	struct store_param p[2] = {store_int(school_id), store_text(user)};
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
	struct store_param p = store_text(capture_id);
	struct event_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT capture_id, time, login, action, text FROM capture_events "
	                     "WHERE capture_id = $1 ORDER BY time, id",
	                     &p, 1, event_row, &cb, NULL);
}

static int id_row(const char *const *c, int n, void *ud)
{
	if (n == 1 && c[0])
		snprintf(ud, STORE_ID_BUF, "%s", c[0]);
	return 0;
}

int store_queue_neighbour(struct store *s, int64_t school_id, int severity, int64_t time_ms,
                          int dir, char out[STORE_ID_BUF])
{
	struct store_param p[3] = {store_int(severity), store_int(time_ms), store_int(school_id)};
	const char *next =
	    "SELECT id FROM captures WHERE status = 'new' AND (CAST($3 AS BIGINT) = 0 OR "
	    "school_id = CAST($3 AS BIGINT)) AND (severity < CAST($1 AS BIGINT) OR (severity = "
	    "CAST($1 AS BIGINT) AND time > CAST($2 AS BIGINT))) ORDER BY severity DESC, time ASC "
	    "LIMIT 1";
	const char *prev =
	    "SELECT id FROM captures WHERE status = 'new' AND (CAST($3 AS BIGINT) = 0 OR "
	    "school_id = CAST($3 AS BIGINT)) AND (severity > CAST($1 AS BIGINT) OR (severity = "
	    "CAST($1 AS BIGINT) AND time < CAST($2 AS BIGINT))) ORDER BY severity ASC, time DESC "
	    "LIMIT 1";

	out[0] = '\0';
	return s->ops->query(s, dir > 0 ? next : prev, p, 3, id_row, out, NULL);
}

struct alert_cb {
	store_capture_alert_fn fn;
	void *ud;
};

static int capture_alert_row(const char *const *c, int n, void *ud)
{
	struct alert_cb *cb = ud;
	struct store_capture_alert a;
	struct store_row r;

	store_row_init(&r, c, n, 8);
	a = (struct store_capture_alert){.target = store_row_text(&r, 0),
	                                 .channel = store_row_text(&r, 1),
	                                 .status = store_row_text(&r, 2),
	                                 .attempts = store_row_int_or(&r, 3, 0),
	                                 .sent_ms = store_row_int_or(&r, 4, 0),
	                                 .last_error = store_row_text(&r, 5),
	                                 .acked_ms = store_row_int_or(&r, 6, 0),
	                                 .acked_by = store_row_text(&r, 7)};
	return r.err ? r.err : cb->fn(&a, cb->ud);
}

int store_capture_alerts(struct store *s, const char *capture_id, store_capture_alert_fn fn,
                         void *ud)
{
	struct store_param p = store_text(capture_id);
	struct alert_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT target, channel, status, attempts, sent, last_error, acked, "
	                     "acked_by FROM alerts WHERE capture_id = $1 ORDER BY id",
	                     &p, 1, capture_alert_row, &cb, NULL);
}

/* Hides the images of capture id, its screenshot and every frame, by their SHA-256
 * (hidden_images): every capture that shows one of them, now or later (the insert
 * triggers of migration 0010), has image_hidden set. Images hidden before are already
 * set everywhere, so only the rows new for this capture are spread. */
static int hide_images(struct store *s, const char *id, int64_t now_ms)
{
	struct store_param p[2] = {store_text(id), store_int(now_ms)};
	/* capture_id names the capture while it exists: erasure and retention clear it. */
	static const char *const sql[] = {
	    "INSERT INTO hidden_images (sha256, time, capture_id) SELECT image_sha256, "
	    "CAST($2 AS BIGINT), id FROM captures WHERE id = $1 ON CONFLICT (sha256) DO NOTHING",
	    "INSERT INTO hidden_images (sha256, time, capture_id) SELECT sha256, "
	    "CAST($2 AS BIGINT), capture_id FROM capture_frames WHERE capture_id = $1 "
	    "ON CONFLICT (sha256) DO NOTHING",
	};
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(sql) / sizeof(sql[0]); i++)
		r = s->ops->query(s, sql[i], p, 2, NULL, NULL, NULL);
	if (r == 0)
		r = s->ops->query(
		    s,
		    "UPDATE captures SET image_hidden = 1 WHERE image_hidden = 0 AND "
		    "(image_sha256 IN (SELECT image_sha256 FROM captures WHERE id = $1 UNION "
		    "SELECT sha256 FROM capture_frames WHERE capture_id = $1) OR id IN (SELECT "
		    "f.capture_id FROM capture_frames f WHERE f.sha256 IN (SELECT image_sha256 "
		    "FROM captures WHERE id = $1 UNION SELECT sha256 FROM capture_frames WHERE "
		    "capture_id = $1)))",
		    p, 1, NULL, NULL, NULL);
	return r;
}

int store_capture_decide(struct store *s, const char *id, const char *action, const char *status,
                         const char *login, int64_t now_ms, const char *text)
{
	struct store_param p[5] = {store_text(id), store_text(status), store_text(login),
	                           store_int(now_ms), store_text(text)};
	int r = 0;

	if (status)
		r = s->ops->query(
		    s,
		    "UPDATE captures SET status = $2, status_by = $3, status_time = "
		    "CAST($4 AS BIGINT), decided = COALESCE(decided, CAST($4 AS BIGINT)) "
		    "WHERE id = $1",
		    p, 4, NULL, NULL, NULL);
	if (r == 0 && strcmp(action, "hide-image") == 0)
		r = hide_images(s, id, now_ms);
	if (r == 0) {
		p[1] = store_text(action);
		r = s->ops->query(
		    s,
		    "INSERT INTO capture_events (capture_id, time, login, action, text) "
		    "VALUES ($1, CAST($4 AS BIGINT), $3, $2, $5)",
		    p, 5, NULL, NULL, NULL);
	}
	return r;
}

struct name_cb {
	store_name_fn fn;
	void *ud;
};

static int name_row(const char *const *c, int n, void *ud)
{
	struct name_cb *cb = ud;
	struct store_row r;
	const char *name;

	store_row_init(&r, c, n, 1);
	name = store_row_text(&r, 0);
	return r.err ? r.err : cb->fn(name, cb->ud);
}

int store_schools_list(struct store *s, int64_t school_id, store_name_fn fn, void *ud)
{
	struct store_param p = store_int(school_id);
	struct name_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT name FROM schools WHERE CAST($1 AS BIGINT) = 0 OR id = "
	                     "CAST($1 AS BIGINT) ORDER BY name",
	                     &p, 1, name_row, &cb, NULL);
}

int store_queue_categories(struct store *s, int64_t school_id, store_name_fn fn, void *ud)
{
	struct store_param p = store_int(school_id);
	struct name_cb cb = {fn, ud};

	/* Every school: two indexes (captures_category, capture_hits_category) answer. */
	if (school_id == 0)
		return s->ops->query(
		    s,
		    "SELECT DISTINCT LOWER(x.category) FROM (SELECT category FROM "
		    "captures UNION SELECT category FROM capture_hits) x ORDER BY 1",
		    NULL, 0, name_row, &cb, NULL);
	/* One school: captures_category and capture_hits_school_category. */
	return s->ops->query(
	    s,
	    "SELECT DISTINCT LOWER(x.category) FROM (SELECT category FROM captures "
	    "WHERE school_id = CAST($1 AS BIGINT) UNION SELECT category FROM "
	    "capture_hits WHERE school_id = CAST($1 AS BIGINT)) x ORDER BY 1",
	    &p, 1, name_row, &cb, NULL);
}

struct reason_cb {
	store_reason_fn fn;
	void *ud;
};

static int reason_row(const char *const *c, int n, void *ud)
{
	struct reason_cb *cb = ud;
	struct store_row r;
	struct store_reason_count rc;

	store_row_init(&r, c, n, 5);
	rc.rule = store_row_text(&r, 0);
	rc.phrase = store_row_text(&r, 1);
	rc.captures = store_row_int(&r, 2);
	rc.false_positives = store_row_int(&r, 3);
	rc.concerns = store_row_int(&r, 4);
	return r.err ? r.err : cb->fn(&rc, cb->ud);
}

int store_reason_counts(struct store *s, int64_t school_id, store_reason_fn fn, void *ud)
{
	struct store_param p = store_int(school_id);
	struct reason_cb cb = {fn, ud};

	/* from the index captures_reason (migration 0020), without reading the records */
	return s->ops->query(
	    s,
	    "SELECT reason_rule, reason_phrase, COUNT(*), "
	    "SUM(CASE WHEN status = 'false-positive' THEN 1 ELSE 0 END), "
	    "SUM(CASE WHEN status IN ('concern', 'escalated') THEN 1 ELSE 0 END) FROM captures "
	    "WHERE CAST($1 AS BIGINT) = 0 OR school_id = CAST($1 AS BIGINT) "
	    "GROUP BY reason_rule, reason_phrase",
	    &p, 1, reason_row, &cb, NULL);
}

int store_concern_events(struct store *s, int64_t school_id, int64_t from_ms, int64_t to_ms,
                         store_event_fn fn, void *ud)
{
	struct store_param p[3] = {store_int(school_id), store_int(from_ms), store_int(to_ms)};
	struct event_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT e.capture_id, e.time, e.login, e.action, e.text FROM "
	                     "capture_events e JOIN captures c ON c.id = e.capture_id WHERE "
	                     "c.school_id = CAST($1 AS BIGINT) AND c.time >= CAST($2 AS BIGINT) "
	                     "AND c.time < CAST($3 AS BIGINT) AND c.status IN ('concern', "
	                     "'escalated') ORDER BY e.capture_id, e.time, e.id",
	                     p, 3, event_row, &cb, NULL);
}

struct frame_cb {
	store_frame_fn fn;
	void *ud;
};

static int frame_row(const char *const *c, int n, void *ud)
{
	struct frame_cb *cb = ud;
	struct store_frame f;
	struct store_row r;

	store_row_init(&r, c, n, 6);
	f = (struct store_frame){.capture_id = store_row_text(&r, 0),
	                         .seq = store_row_int(&r, 1),
	                         .sha256 = store_row_text(&r, 2),
	                         .time_ms = store_row_int(&r, 3),
	                         .width = (int)store_row_int(&r, 4),
	                         .height = (int)store_row_int(&r, 5)};
	return r.err ? r.err : cb->fn(&f, cb->ud);
}

int store_capture_frames(struct store *s, const char *capture_id, store_frame_fn fn, void *ud)
{
	struct store_param p = store_text(capture_id);
	struct frame_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT capture_id, seq, sha256, time, width, height FROM "
	                     "capture_frames WHERE capture_id = $1 ORDER BY seq",
	                     &p, 1, frame_row, &cb, NULL);
}
