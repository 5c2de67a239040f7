/* store_pg.c: the PostgreSQL storage back end (libpq, a small pool of connections). */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrations.h"
#include "store.h"

/*
 * A fixed pool of connections handed out under a mutex; a request thread takes one for
 * one statement (or one transaction) and gives it back. A connection found broken is
 * reset once and the statement retried, so a restarted database costs one slow request.
 * Every statement commits on its own unless wrapped; PostgreSQL's synchronous_commit
 * makes it durable before the call returns.
 */
struct store_pg {
	struct store base;
	PGconn **conns;
	bool *busy;
	unsigned int n;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

#define INT_BUF 24

static PGconn *acquire(struct store_pg *s, unsigned int *slot)
{
	pthread_mutex_lock(&s->lock);
	for (;;) {
		for (unsigned int i = 0; i < s->n; i++) {
			if (!s->busy[i]) {
				s->busy[i] = true;
				*slot = i;
				pthread_mutex_unlock(&s->lock);
				return s->conns[i];
			}
		}
		pthread_cond_wait(&s->freed, &s->lock);
	}
}

static void release(struct store_pg *s, unsigned int slot)
{
	pthread_mutex_lock(&s->lock);
	s->busy[slot] = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

static int result_errno(const PGresult *res)
{
	const char *state;

	if (!res)
		return -ENOMEM;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		return 0;
	default:
		break;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		return -EIO;
	if (strcmp(state, "23505") == 0)
		return -EEXIST;
	if (strcmp(state, "23503") == 0)
		return -ENOENT;
	if (strncmp(state, "53", 2) == 0)
		return -ENOSPC;
	if (strncmp(state, "42501", 5) == 0)
		return -EACCES;
	return -EIO;
}

/* Runs one statement with text parameters on conn; resets a broken connection and
 * retries once. Returns the result (caller PQclear()s) and its errno in *r. */
static PGresult *exec_on(PGconn *conn, const char *sql, int n, const char *const *params, int *r)
{
	PGresult *res = NULL;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (PQstatus(conn) != CONNECTION_OK)
			PQreset(conn);
		res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
		*r = result_errno(res);
		if (*r == 0 || PQstatus(conn) == CONNECTION_OK)
			break;
		PQclear(res);
		res = NULL;
		*r = -EIO;
	}
	return res;
}

/* As exec_on() with a pooled connection; for statements that stand alone. */
static PGresult *exec(struct store_pg *s, const char *sql, int n, const char *const *params, int *r)
{
	unsigned int slot;
	PGconn *conn = acquire(s, &slot);
	PGresult *res = exec_on(conn, sql, n, params, r);

	release(s, slot);
	return res;
}

/* Runs a statement that returns nothing; affected rows in *rows if wanted. */
static int command(struct store_pg *s, const char *sql, int n, const char *const *params,
                   long *rows)
{
	int r;
	PGresult *res = exec(s, sql, n, params, &r);

	if (r == 0 && rows)
		*rows = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return r;
}

static void fmt_i64(char buf[INT_BUF], int64_t v)
{
	snprintf(buf, INT_BUF, "%" PRId64, v);
}

static int pg_school_add(struct store *base, const char *name, const char *key_hash, int64_t now)
{
	char t[INT_BUF];
	const char *p[] = {name, key_hash, t};

	fmt_i64(t, now);
	return command((struct store_pg *)base,
	               "INSERT INTO schools (name, key_hash, created) VALUES ($1, $2, $3)", 3, p,
	               NULL);
}

static int pg_school_revoke(struct store *base, const char *name)
{
	const char *p[] = {name};
	long rows = 0;
	int r = command((struct store_pg *)base,
	                "UPDATE schools SET revoked = TRUE WHERE name = $1", 1, p, &rows);

	return r < 0 ? r : rows == 0 ? -ENOENT : 0;
}

static int pg_enrol(struct store *base, const char *key_hash, const char *machine,
                    const char *token_hash, int64_t now, int64_t *school_id)
{
	char t[INT_BUF];
	const char *p[] = {key_hash, machine, token_hash, t};
	int64_t school = 0, revoked = 0, inserted = 0, replaced = 0;
	int r;
	PGresult *res;

	fmt_i64(t, now);
	/* One statement: a revoked machine is left alone, a live one has its token replaced
	 * and the replacement counted, a new one is inserted. */
	res = exec((struct store_pg *)base,
	           "WITH sc AS (SELECT id FROM schools WHERE key_hash = $1 AND NOT revoked), "
	           "old AS (SELECT m.id, m.revoked FROM machines m JOIN sc ON m.school_id = sc.id "
	           "WHERE m.name = $2), "
	           "ins AS (INSERT INTO machines (school_id, name, token_hash, enrolled) SELECT "
	           "id, $2, $3, $4 FROM sc WHERE NOT EXISTS (SELECT 1 FROM old) ON CONFLICT "
	           "(school_id, name) DO NOTHING RETURNING id), "
	           "upd AS (UPDATE machines SET token_hash = $3, replaced = replaced + 1, "
	           "replaced_at = $4 WHERE id IN (SELECT id FROM old WHERE NOT revoked) "
	           "RETURNING id) "
	           "SELECT (SELECT id FROM sc), (SELECT CASE WHEN revoked THEN 1 ELSE 0 END FROM "
	           "old), (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)",
	           4, p, &r);
	if (r == 0 && PQntuples(res) == 1) {
		school = PQgetisnull(res, 0, 0) ? 0 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		revoked = PQgetisnull(res, 0, 1) ? 0 : strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		inserted = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		replaced = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	}
	PQclear(res);
	if (r < 0)
		return r;
	if (!school)
		return -EPERM;
	if (revoked)
		return -EACCES;
	if (!inserted && !replaced)
		return -EAGAIN;
	*school_id = school;
	return replaced ? STORE_REPLACED : STORE_ENROLLED;
}

static int pg_auth(struct store *base, const char *token_hash, struct store_machine *out)
{
	const char *p[] = {token_hash};
	int r;
	PGresult *res = exec((struct store_pg *)base,
	                     "SELECT m.school_id, m.id, sc.name, m.name FROM machines m "
	                     "JOIN schools sc ON sc.id = m.school_id "
	                     "WHERE m.token_hash = $1 AND NOT m.revoked AND NOT sc.revoked",
	                     1, p, &r);

	if (r == 0 && PQntuples(res) != 1)
		r = -EPERM;
	if (r == 0) {
		out->school_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		out->machine_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		snprintf(out->school, sizeof(out->school), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->machine, sizeof(out->machine), "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return r;
}

/* Inserts the hits of a capture just inserted, in its transaction. 0 or -errno. */
static int insert_hits(PGconn *conn, const struct store_capture_row *c)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->nhits; i++) {
		const struct store_capture_hit *h = &c->hits[i];
		char seq[INT_BUF], sev[INT_BUF], a[INT_BUF], b[INT_BUF], base[INT_BUF], fr[INT_BUF],
		    school[INT_BUF];
		const char *p[] = {c->id,
		                   seq,
		                   h->category,
		                   sev,
		                   h->phrase,
		                   h->rule,
		                   h->matched,
		                   h->start >= 0 ? a : NULL,
		                   h->start >= 0 ? b : NULL,
		                   h->base_severity > 0 ? base : NULL,
		                   h->why,
		                   h->context_rule,
		                   h->source ? h->source : c->source,
		                   h->context,
		                   h->frame >= 0 ? fr : NULL,
		                   school};

		fmt_i64(seq, (int64_t)i);
		fmt_i64(sev, h->severity);
		fmt_i64(a, h->start);
		fmt_i64(b, h->end);
		fmt_i64(base, h->base_severity);
		fmt_i64(fr, h->frame);
		fmt_i64(school, c->school_id);
		PQclear(exec_on(
		    conn,
		    "INSERT INTO capture_hits (capture_id, seq, category, severity, "
		    "phrase, rule, matched, start_byte, end_byte, base_severity, why, "
		    "context_rule, source, context, frame, school_id) VALUES "
		    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
		    16, p, &r));
	}
	return r;
}

/* Inserts the frames of a capture just inserted, in its transaction. 0 or -errno. */
static int insert_frames(PGconn *conn, const struct store_capture_row *c)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->nframes; i++) {
		const struct store_capture_frame *f = &c->frames[i];
		char seq[INT_BUF], tm[INT_BUF], w[INT_BUF], h[INT_BUF];
		const char *p[] = {c->id, seq, f->sha256, tm, w, h};

		fmt_i64(seq, (int64_t)i);
		fmt_i64(tm, f->time_ms);
		fmt_i64(w, f->width);
		fmt_i64(h, f->height);
		PQclear(exec_on(conn,
		                "INSERT INTO capture_frames (capture_id, seq, sha256, time, width, "
		                "height) VALUES ($1, $2, $3, $4, $5, $6)",
		                6, p, &r));
	}
	return r;
}

/* Inserts one capture row on conn: STORE_INSERTED, STORE_DUPLICATE, -EEXIST, -errno. */
static int insert_row(PGconn *conn, const struct store_capture_row *c)
{
	char school[INT_BUF], machine[INT_BUF], tm[INT_BUF], rcv[INT_BUF], sev[INT_BUF];
	const char *p[] = {c->id,
	                   c->category,
	                   sev,
	                   c->source,
	                   c->user,
	                   c->image_sha256,
	                   c->record,
	                   school,
	                   machine,
	                   tm,
	                   rcv,
	                   c->words ? c->words : "",
	                   c->rule ? c->rule : "",
	                   c->phrase ? c->phrase : ""};
	int r;
	PGresult *res;

	fmt_i64(school, c->school_id);
	fmt_i64(machine, c->machine_id);
	fmt_i64(tm, c->time_ms);
	fmt_i64(rcv, c->received_ms);
	fmt_i64(sev, c->severity);
	/* One statement: inserted, or the school that already holds the id. */
	res = exec_on(
	    conn,
	    "WITH ins AS (INSERT INTO captures (id, category, severity, source, user_name, "
	    "image_sha256, record, school_id, machine_id, time, received, words, reason_rule, "
	    "reason_phrase) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
	    "ON CONFLICT (id) DO NOTHING "
	    "RETURNING school_id) SELECT 1, school_id FROM ins UNION ALL "
	    "SELECT 0, school_id FROM captures WHERE id = $1 AND NOT EXISTS "
	    "(SELECT 1 FROM ins)",
	    14, p, &r);
	if (r == 0) {
		if (PQntuples(res) != 1)
			r = -EIO; /* the other insert has not committed yet: let the agent retry */
		else if (strcmp(PQgetvalue(res, 0, 0), "1") == 0)
			r = insert_hits(conn, c)
			        ?: insert_frames(conn, c); /* STORE_INSERTED or -errno */
		else if (strtoll(PQgetvalue(res, 0, 1), NULL, 10) == c->school_id)
			r = STORE_DUPLICATE;
		else
			r = -EEXIST;
	}
	PQclear(res);
	return r;
}

static int pg_capture_insert_many(struct store *base, const struct store_capture_row *rows,
                                  size_t n, int *results);

/* A capture and its hits: one transaction. */
static int pg_capture_insert(struct store *base, const struct store_capture_row *c)
{
	int result, r = pg_capture_insert_many(base, c, 1, &result);

	return r < 0 ? r : result;
}

static int pg_capture_insert_many(struct store *base, const struct store_capture_row *rows,
                                  size_t n, int *results)
{
	struct store_pg *s = (struct store_pg *)base;
	unsigned int slot;
	PGconn *conn = acquire(s, &slot);
	int r;

	PQclear(exec_on(conn, "BEGIN", 0, NULL, &r));
	for (size_t i = 0; r == 0 && i < n; i++) {
		results[i] = insert_row(conn, &rows[i]);
		if (results[i] < 0 && results[i] != -EEXIST)
			r = results[i];
	}
	if (r == 0)
		PQclear(exec_on(conn, "COMMIT", 0, NULL, &r));
	if (r < 0)
		PQclear(PQexec(conn, "ROLLBACK"));
	release(s, slot);
	return r;
}

static int pg_heartbeat(struct store *base, int64_t machine_id, const struct store_heartbeat *hb)
{
	char id[INT_BUF], now[INT_BUF], sp[INT_BUF], dr[INT_BUF];
	const char *p[] = {id, now, hb->version, hb->wordlists, sp, dr, hb->sessions};

	fmt_i64(id, machine_id);
	fmt_i64(now, hb->now_ms);
	fmt_i64(sp, hb->spooled);
	fmt_i64(dr, hb->dropped);
	return command((struct store_pg *)base,
	               "UPDATE machines SET last_seen = $2, version = $3, wordlists = $4, "
	               "spooled = $5, dropped = $6, sessions = $7 WHERE id = $1",
	               7, p, NULL);
}

static int pg_machine_revoke(struct store *base, const char *school, const char *machine)
{
	const char *p[] = {machine, school};
	int r;
	long n;
	PGresult *res =
	    exec((struct store_pg *)base,
	         "SELECT count(*) FROM machines m JOIN schools sc ON sc.id = m.school_id "
	         "WHERE m.name = $1 AND ($2::text IS NULL OR sc.name = $2)",
	         2, p, &r);

	n = r == 0 ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	if (r < 0)
		return r;
	if (n != 1)
		return n == 0 ? -ENOENT : -EEXIST;
	return command((struct store_pg *)base,
	               "UPDATE machines SET revoked = TRUE WHERE name = $1 AND school_id IN "
	               "(SELECT id FROM schools WHERE $2::text IS NULL OR name = $2)",
	               2, p, NULL);
}

static const char *nullable(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static int pg_machines_list(struct store *base, const char *school, store_machine_fn fn, void *ud)
{
	const char *p[] = {school};
	int r;
	PGresult *res = exec((struct store_pg *)base,
	                     "SELECT sc.name, m.name, m.version, m.wordlists, m.enrolled, "
	                     "coalesce(m.last_seen, 0), coalesce(m.spooled, 0), "
	                     "coalesce(m.dropped, 0), m.revoked OR sc.revoked, m.sessions, "
	                     "EXISTS (SELECT 1 FROM machine_alarms a WHERE a.machine_id = m.id), "
	                     "(SELECT count(*) FROM session_alarms a WHERE a.machine_id = m.id) "
	                     "FROM machines m JOIN schools sc ON sc.id = m.school_id "
	                     "WHERE $1::text IS NULL OR sc.name = $1 ORDER BY sc.name, m.name",
	                     1, p, &r);

	for (int i = 0; r == 0 && i < PQntuples(res); i++) {
		struct store_machine_info m = {
		    .school = PQgetvalue(res, i, 0),
		    .name = PQgetvalue(res, i, 1),
		    .version = nullable(res, i, 2),
		    .wordlists = nullable(res, i, 3),
		    .enrolled_ms = strtoll(PQgetvalue(res, i, 4), NULL, 10),
		    .last_seen_ms = strtoll(PQgetvalue(res, i, 5), NULL, 10),
		    .spooled = strtoll(PQgetvalue(res, i, 6), NULL, 10),
		    .dropped = strtoll(PQgetvalue(res, i, 7), NULL, 10),
		    .revoked = PQgetvalue(res, i, 8)[0] == 't',
		    .sessions = nullable(res, i, 9),
		    .offline_alarm = PQgetvalue(res, i, 10)[0] == 't',
		    .unmonitored_alarms = (int)strtol(PQgetvalue(res, i, 11), NULL, 10),
		};
		r = fn(&m, ud);
	}
	PQclear(res);
	return r;
}

static int pg_export(struct store *base, int64_t since_ms, const char *school, store_export_fn fn,
                     void *ud)
{
	char since[INT_BUF];
	const char *p[] = {since, school};
	int r;
	PGresult *res;

	fmt_i64(since, since_ms);
	res = exec((struct store_pg *)base,
	           "SELECT c.record, sc.name, c.received, c.status, c.image_hidden, c.assignee, "
	           "c.outcome, COALESCE(c.closed_time, 0) "
	           "FROM captures c JOIN schools sc ON sc.id = c.school_id "
	           "WHERE c.received >= $1 AND ($2::text IS NULL OR sc.name = $2) "
	           "ORDER BY c.received, c.id",
	           2, p, &r);
	for (int i = 0; r == 0 && i < PQntuples(res); i++) {
		struct store_export_row row = {
		    .record = PQgetvalue(res, i, 0),
		    .school = PQgetvalue(res, i, 1),
		    .received_ms = strtoll(PQgetvalue(res, i, 2), NULL, 10),
		    .status = PQgetvalue(res, i, 3),
		    .image_hidden = strcmp(PQgetvalue(res, i, 4), "0") != 0,
		    .assignee = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5),
		    .outcome = PQgetisnull(res, i, 6) ? NULL : PQgetvalue(res, i, 6),
		    .closed_ms = strtoll(PQgetvalue(res, i, 7), NULL, 10),
		};
		r = fn(&row, ud);
	}
	PQclear(res);
	return r;
}

static int pg_user_add(struct store *base, const char *login, const char *role, const char *school,
                       const char *password_hash, int64_t now)
{
	char t[INT_BUF];
	const char *p[] = {login, role, school, password_hash, t};
	long rows = 0;
	int r;

	fmt_i64(t, now);
	r = command((struct store_pg *)base,
	            "INSERT INTO users (login, role, school_id, password_hash, created) "
	            "SELECT $1, $2, (SELECT id FROM schools WHERE name = $3), $4, $5 "
	            "WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM schools WHERE name = $3)",
	            5, p, &rows);
	return r < 0 ? r : rows == 0 ? -ENOENT : 0;
}

static int pg_user_get(struct store *base, const char *login, char **hash, char **role)
{
	const char *p[] = {login};
	int r;
	PGresult *res = exec((struct store_pg *)base,
	                     "SELECT password_hash, role FROM users WHERE login = $1", 1, p, &r);

	if (r == 0 && PQntuples(res) != 1)
		r = -ENOENT;
	if (r == 0) {
		char *h = strdup(PQgetvalue(res, 0, 0)), *ro = strdup(PQgetvalue(res, 0, 1));
		if (h && ro) {
			*hash = h;
			*role = ro;
		} else {
			free(h);
			free(ro);
			r = -ENOMEM;
		}
	}
	PQclear(res);
	return r;
}

/* Runs a query on conn: parameters go as text; rows to fn. */
static int query_on(PGconn *conn, struct store_pg *s, const char *sql, const struct store_param *p,
                    size_t np, store_row_fn fn, void *ud, int64_t *changes)
{
	char ints[32][INT_BUF];
	const char *params[32], *cols[64];
	PGresult *res;
	int r, rows, n;

	if (np > 32)
		return -E2BIG;
	for (size_t i = 0; i < np; i++) {
		if (p[i].is_int) {
			fmt_i64(ints[i], p[i].i);
			params[i] = ints[i];
		} else {
			params[i] = p[i].text;
		}
	}
	res = conn ? exec_on(conn, sql, (int)np, params, &r) : exec(s, sql, (int)np, params, &r);
	if (r == 0) {
		rows = PQntuples(res);
		n = PQnfields(res);
		if (n > 64)
			n = 64;
		for (int row = 0; fn && r == 0 && row < rows; row++) {
			for (int c = 0; c < n; c++)
				cols[c] = nullable(res, row, c);
			r = fn(cols, n, ud);
		}
		if (r == 0 && changes)
			*changes = strtol(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	return r;
}

/* store_ops.query: rows to fn after the connection is back. */
static int pg_query(struct store *base, const char *sql, const struct store_param *p, size_t np,
                    store_row_fn fn, void *ud, int64_t *changes)
{
	return query_on(NULL, (struct store_pg *)base, sql, p, np, fn, ud, changes);
}

/* The store a transaction's body gets: queries on the connection it holds. */
struct pg_tx {
	struct store base;
	PGconn *conn;
};

static int tx_query(struct store *base, const char *sql, const struct store_param *p, size_t np,
                    store_row_fn fn, void *ud, int64_t *changes)
{
	return query_on(((struct pg_tx *)base)->conn, NULL, sql, p, np, fn, ud, changes);
}

static const struct store_ops pg_tx_ops = {
    .query = tx_query,
};

static int pg_transact(struct store *base, store_txn_fn fn, void *ud)
{
	struct store_pg *s = (struct store_pg *)base;
	struct pg_tx tx = {.base.ops = &pg_tx_ops};
	unsigned int slot;
	int r;

	tx.conn = acquire(s, &slot);
	PQclear(exec_on(tx.conn, "BEGIN", 0, NULL, &r));
	if (r == 0)
		r = fn(&tx.base, ud);
	if (r == 0)
		PQclear(exec_on(tx.conn, "COMMIT", 0, NULL, &r));
	if (r != 0)
		PQclear(PQexec(tx.conn, "ROLLBACK"));
	release(s, slot);
	return r;
}

static int pg_ping(struct store *base)
{
	return command((struct store_pg *)base, "SELECT 1 FROM schema_migrations LIMIT 1", 0, NULL,
	               NULL);
}

static void pg_free(struct store *base)
{
	struct store_pg *s = (struct store_pg *)base;

	for (unsigned int i = 0; s->conns && i < s->n; i++)
		PQfinish(s->conns[i]);
	free(s->conns);
	free(s->busy);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->freed);
	free(s);
}

static const struct store_ops pg_ops = {
    .school_add = pg_school_add,
    .school_revoke = pg_school_revoke,
    .enrol = pg_enrol,
    .auth = pg_auth,
    .capture_insert = pg_capture_insert,
    .capture_insert_many = pg_capture_insert_many,
    .heartbeat = pg_heartbeat,
    .machine_revoke = pg_machine_revoke,
    .machines_list = pg_machines_list,
    .export_captures = pg_export,
    .user_add = pg_user_add,
    .user_get = pg_user_get,
    .query = pg_query,
    .transact = pg_transact,
    .ping = pg_ping,
    .free = pg_free,
};

/* Runs sql on conn; on failure copies the server's message into err. */
static int simple(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	int r = result_errno(res);

	if (r < 0)
		snprintf(err, errlen, "%s", PQerrorMessage(conn));
	PQclear(res);
	return r;
}

/* Applies the embedded migrations newer than the database's version, in one
 * transaction under an advisory lock (several servers may start at once). */
static int migrate(PGconn *conn, char *err, size_t errlen)
{
	PGresult *res;
	int current = 0, r;
	char msg[512];

	if ((r = simple(conn, "BEGIN", err, errlen)) < 0)
		return r;
	if ((r = simple(conn, "SELECT pg_advisory_xact_lock(7531594)", err, errlen)) < 0 ||
	    (r = simple(
	         conn,
	         "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
	         "name TEXT NOT NULL, applied BIGINT NOT NULL)",
	         err, errlen)) < 0)
		goto rollback;
	res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if ((r = result_errno(res)) == 0)
		current = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	for (size_t i = 0; r == 0 && i < migrations_pg_count; i++) {
		const struct migration *m = &migrations_pg[i];
		char version[INT_BUF];
		const char *p[] = {version, m->name};
		if (m->version <= current)
			continue;
		if ((r = simple(conn, m->sql, msg, sizeof(msg))) < 0) {
			snprintf(err, errlen, "migration %s: %s", m->name, msg);
			goto rollback;
		}
		fmt_i64(version, m->version);
		res = PQexecParams(conn,
		                   "INSERT INTO schema_migrations VALUES ($1, $2, "
		                   "(extract(epoch FROM now()) * 1000)::bigint)",
		                   2, NULL, p, NULL, NULL, 0);
		r = result_errno(res);
		PQclear(res);
	}
	if (r == 0 && (r = simple(conn, "COMMIT", err, errlen)) == 0)
		return 0;
rollback:
	PQclear(PQexec(conn, "ROLLBACK"));
	return r;
}

/* Notices ("relation ... already exists, skipping") are not errors: not for the log. */
static void ignore_notice(void *arg, const char *message)
{
}

int store_pg_open(const char *url, unsigned int pool, struct store **out, char *err, size_t errlen)
{
	struct store_pg *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->base.ops = &pg_ops;
	s->n = pool ? pool : 1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->freed, NULL);
	s->conns = calloc(s->n, sizeof(*s->conns));
	s->busy = calloc(s->n, sizeof(*s->busy));
	if (!s->conns || !s->busy) {
		pg_free(&s->base);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < s->n; i++) {
		s->conns[i] = PQconnectdb(url);
		if (s->conns[i])
			PQsetNoticeProcessor(s->conns[i], ignore_notice, NULL);
		if (!s->conns[i] || PQstatus(s->conns[i]) != CONNECTION_OK) {
			snprintf(err, errlen, "PostgreSQL: %s",
			         s->conns[i] ? PQerrorMessage(s->conns[i]) : "out of memory");
			err[strcspn(err, "\n")] = '\0';
			pg_free(&s->base);
			return -ECONNREFUSED;
		}
	}
	if ((r = migrate(s->conns[0], err, errlen)) < 0) {
		pg_free(&s->base);
		return r;
	}
	*out = &s->base;
	return 0;
}
