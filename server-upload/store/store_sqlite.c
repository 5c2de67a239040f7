/* store_sqlite.c: the SQLite storage back end (one file in WAL mode under the data dir). */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrations.h"
#include "store.h"

/*
 * One connection serialised by a mutex: SQLite takes one writer at a time anyway, and
 * every operation here is a single short statement or transaction. synchronous=FULL
 * makes each commit durable before the call returns. The check of a machine's token,
 * made twice for every agent request, reads through a second, read-only connection of
 * its own: in WAL mode a reader sees the last commit without waiting for the writer, so
 * it does not queue behind a batch of captures being committed and fsynced.
 */
struct store_sqlite {
	struct store base;
	sqlite3 *db, *reader;
	sqlite3_stmt *auth; /* on reader, prepared once */
	pthread_mutex_t lock, reader_lock;
};

static pthread_mutex_t *lock_take(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	return m;
}

static void lock_drop(pthread_mutex_t **m)
{
	pthread_mutex_unlock(*m);
}

/* Runs the block that follows with the connection's lock held; the lock is given back
 * however the block is left, return and break included. */
#define LOCKED_BY(lock)                                                                            \
	for (pthread_mutex_t * held_ __attribute__((cleanup(lock_drop))) = lock_take(lock),        \
	                             *once_ = held_;                                               \
	     once_; once_ = NULL)
#define LOCKED(s) LOCKED_BY(&(s)->lock)

static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* Prepares sql; the caller binds its parameters and steps it. */
static int prepare(struct store_sqlite *s, const char *sql, sqlite3_stmt **st)
{
	return sqlite_errno(sqlite3_prepare_v2(s->db, sql, -1, st, NULL));
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Steps a statement that returns no rows and finalizes it. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
}

static int exec(struct store_sqlite *s, const char *sql)
{
	return sqlite_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

static int sq_school_add(struct store *base, const char *name, const char *key_hash, int64_t now)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r;

	LOCKED(s)
	{
		r = prepare(s, "INSERT INTO schools (name, key_hash, created) VALUES (?1, ?2, ?3)",
		            &st);
		if (r == 0) {
			bind_text(st, 1, name);
			bind_text(st, 2, key_hash);
			sqlite3_bind_int64(st, 3, now);
			r = run(st);
		}
	}
	return r;
}

static int sq_school_revoke(struct store *base, const char *name)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r;

	LOCKED(s)
	{
		r = prepare(s, "UPDATE schools SET revoked = 1 WHERE name = ?1", &st);
		if (r == 0) {
			bind_text(st, 1, name);
			r = run(st);
			if (r == 0 && sqlite3_changes(s->db) == 0)
				r = -ENOENT;
		}
	}
	return r;
}

static int sq_enrol(struct store *base, const char *key_hash, const char *machine,
                    const char *token_hash, int64_t now, int64_t *school_id)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int64_t school = 0, id = 0;
	int r, rc, revoked = 0;

	LOCKED(s)
	{
		r = prepare(s,
		            "SELECT sc.id, m.id, coalesce(m.revoked, 0) FROM schools sc LEFT JOIN "
		            "machines m ON m.school_id = sc.id AND m.name = ?2 WHERE sc.key_hash = "
		            "?1 AND sc.revoked = 0",
		            &st);
		if (r != 0)
			continue;
		bind_text(st, 1, key_hash);
		bind_text(st, 2, machine);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			school = sqlite3_column_int64(st, 0);
			id = sqlite3_column_int64(st, 1);
			revoked = sqlite3_column_int(st, 2);
		}
		r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EPERM : sqlite_errno(rc);
		sqlite3_finalize(st);
		if (r == 0 && revoked)
			r = -EACCES;
		if (r != 0)
			continue;
		r = prepare(s,
		            id ? "UPDATE machines SET token_hash = ?3, replaced = replaced + 1, "
		                 "replaced_at = ?4 WHERE id = ?1 AND ?2 IS NOT NULL"
		               : "INSERT INTO machines (school_id, name, token_hash, enrolled) "
		                 "VALUES (?1, ?2, ?3, ?4)",
		            &st);
		if (r != 0)
			continue;
		sqlite3_bind_int64(st, 1, id ? id : school);
		bind_text(st, 2, machine);
		bind_text(st, 3, token_hash);
		sqlite3_bind_int64(st, 4, now);
		r = run(st);
	}
	if (r == 0)
		*school_id = school;
	return r < 0 ? r : id ? STORE_REPLACED : STORE_ENROLLED;
}

static void copy(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src ? (const char *)src : "");
}

static int sq_auth(struct store *base, const char *token_hash, struct store_machine *out)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st = s->auth;
	int r = 0, rc;

	LOCKED_BY(&s->reader_lock)
	{
		bind_text(st, 1, token_hash);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			out->school_id = sqlite3_column_int64(st, 0);
			out->machine_id = sqlite3_column_int64(st, 1);
			copy(out->school, sizeof(out->school), sqlite3_column_text(st, 2));
			copy(out->machine, sizeof(out->machine), sqlite3_column_text(st, 3));
		} else {
			r = rc == SQLITE_DONE ? -EPERM : sqlite_errno(rc);
		}
		sqlite3_reset(st);
	}
	return r;
}

/* Who already has capture id: its school id, or -ENOENT. Lock held. */
static int64_t owner_of(struct store_sqlite *s, const char *id)
{
	sqlite3_stmt *st;
	int64_t school = -ENOENT;

	if (prepare(s, "SELECT school_id FROM captures WHERE id = ?1", &st) != 0)
		return -EIO;
	bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		school = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return school;
}

/* Inserts the hits of a capture just inserted; lock held, in its transaction. 0 or -errno. */
static int insert_hits(struct store_sqlite *s, const struct store_capture_row *c)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (c->nhits == 0)
		return 0;
	r = prepare(
	    s,
	    "INSERT INTO capture_hits (capture_id, seq, category, severity, phrase, rule, "
	    "matched, start_byte, end_byte, base_severity, why, context_rule, source, "
	    "context, frame, school_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	    &st);
	for (size_t i = 0; r == 0 && i < c->nhits; i++) {
		const struct store_capture_hit *h = &c->hits[i];

		sqlite3_reset(st);
		bind_text(st, 1, c->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, h->category);
		sqlite3_bind_int(st, 4, h->severity);
		bind_text(st, 5, h->phrase);
		bind_text(st, 6, h->rule);
		bind_text(st, 7, h->matched);
		if (h->start >= 0) {
			sqlite3_bind_int64(st, 8, h->start);
			sqlite3_bind_int64(st, 9, h->end);
		} else {
			sqlite3_bind_null(st, 8);
			sqlite3_bind_null(st, 9);
		}
		if (h->base_severity > 0)
			sqlite3_bind_int(st, 10, h->base_severity);
		else
			sqlite3_bind_null(st, 10);
		bind_text(st, 11, h->why);
		bind_text(st, 12, h->context_rule);
		bind_text(st, 13, h->source ? h->source : c->source);
		bind_text(st, 14, h->context);
		if (h->frame >= 0)
			sqlite3_bind_int(st, 15, h->frame);
		else
			sqlite3_bind_null(st, 15);
		sqlite3_bind_int64(st, 16, c->school_id);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE)
			r = sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
	}
	sqlite3_finalize(st);
	return r;
}

/* Inserts the frames of a capture just inserted; lock held, in its transaction. */
static int insert_frames(struct store_sqlite *s, const struct store_capture_row *c)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (c->nframes == 0)
		return 0;
	r = prepare(s,
	            "INSERT INTO capture_frames (capture_id, seq, sha256, time, width, height) "
	            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	            &st);
	for (size_t i = 0; r == 0 && i < c->nframes; i++) {
		const struct store_capture_frame *f = &c->frames[i];

		sqlite3_reset(st);
		bind_text(st, 1, c->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, f->sha256);
		sqlite3_bind_int64(st, 4, f->time_ms);
		sqlite3_bind_int(st, 5, f->width);
		sqlite3_bind_int(st, 6, f->height);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE)
			r = sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
	}
	sqlite3_finalize(st);
	return r;
}

/* Inserts one capture row; lock held. STORE_INSERTED, STORE_DUPLICATE, -EEXIST, -errno. */
static int insert_row(struct store_sqlite *s, const struct store_capture_row *c)
{
	sqlite3_stmt *st;
	int64_t owner;
	int r;

	r = prepare(s,
	            "INSERT INTO captures (id, school_id, machine_id, time, received, "
	            "category, severity, source, user_name, image_sha256, record, words, "
	            "reason_rule, reason_phrase) "
	            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
	            "ON CONFLICT (id) DO NOTHING",
	            &st);
	if (r != 0)
		return r;
	bind_text(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->school_id);
	sqlite3_bind_int64(st, 3, c->machine_id);
	sqlite3_bind_int64(st, 4, c->time_ms);
	sqlite3_bind_int64(st, 5, c->received_ms);
	bind_text(st, 6, c->category);
	sqlite3_bind_int(st, 7, c->severity);
	bind_text(st, 8, c->source);
	bind_text(st, 9, c->user);
	bind_text(st, 10, c->image_sha256);
	bind_text(st, 11, c->record);
	bind_text(st, 12, c->words ? c->words : "");
	bind_text(st, 13, c->rule ? c->rule : "");
	bind_text(st, 14, c->phrase ? c->phrase : "");
	r = run(st);
	if (r == 0 && sqlite3_changes(s->db) > 0) {
		r = insert_hits(s, c);
		return r == 0 ? insert_frames(s, c) : r;
	}
	if (r < 0)
		return r;
	owner = owner_of(s, c->id);
	return owner == c->school_id ? STORE_DUPLICATE : owner < 0 ? (int)owner : -EEXIST;
}

static int sq_capture_insert_many(struct store *base, const struct store_capture_row *rows,
                                  size_t n, int *results);

/* A capture and its hits: one transaction. */
static int sq_capture_insert(struct store *base, const struct store_capture_row *c)
{
	int result, r = sq_capture_insert_many(base, c, 1, &result);

	return r < 0 ? r : result;
}

static int sq_capture_insert_many(struct store *base, const struct store_capture_row *rows,
                                  size_t n, int *results)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	int r;

	LOCKED(s)
	{
		r = exec(s, "BEGIN IMMEDIATE");
		for (size_t i = 0; r == 0 && i < n; i++) {
			results[i] = insert_row(s, &rows[i]);
			if (results[i] < 0 && results[i] != -EEXIST)
				r = results[i];
		}
		if (r == 0)
			r = exec(s, "COMMIT");
		if (r < 0)
			exec(s, "ROLLBACK");
	}
	return r;
}

static int sq_heartbeat(struct store *base, int64_t machine_id, const struct store_heartbeat *hb)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r;

	LOCKED(s)
	{
		r = prepare(s,
		            "UPDATE machines SET last_seen = ?2, version = ?3, wordlists = ?4, "
		            "spooled = ?5, dropped = ?6, sessions = ?7 WHERE id = ?1",
		            &st);
		if (r != 0)
			continue;
		sqlite3_bind_int64(st, 1, machine_id);
		sqlite3_bind_int64(st, 2, hb->now_ms);
		bind_text(st, 3, hb->version);
		bind_text(st, 4, hb->wordlists);
		sqlite3_bind_int64(st, 5, hb->spooled);
		sqlite3_bind_int64(st, 6, hb->dropped);
		bind_text(st, 7, hb->sessions);
		r = run(st);
	}
	return r;
}

static int sq_machine_revoke(struct store *base, const char *school, const char *machine)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r, n;

	LOCKED(s)
	{
		r = prepare(
		    s,
		    "SELECT count(*) FROM machines m JOIN schools sc ON sc.id = m.school_id "
		    "WHERE m.name = ?1 AND (?2 IS NULL OR sc.name = ?2)",
		    &st);
		if (r != 0)
			continue;
		bind_text(st, 1, machine);
		bind_text(st, 2, school);
		n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
		if (n != 1) {
			r = n == 0 ? -ENOENT : n > 1 ? -EEXIST : -EIO;
			continue;
		}
		r = prepare(s,
		            "UPDATE machines SET revoked = 1 WHERE name = ?1 AND school_id IN "
		            "(SELECT id FROM schools WHERE ?2 IS NULL OR name = ?2)",
		            &st);
		if (r == 0) {
			bind_text(st, 1, machine);
			bind_text(st, 2, school);
			r = run(st);
		}
	}
	return r;
}

static int sq_machines_list(struct store *base, const char *school, store_machine_fn fn, void *ud)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r, rc;

	LOCKED(s)
	{
		r = prepare(
		    s,
		    "SELECT sc.name, m.name, m.version, m.wordlists, m.enrolled, "
		    "coalesce(m.last_seen, 0), coalesce(m.spooled, 0), coalesce(m.dropped, 0), "
		    "m.revoked OR sc.revoked, m.sessions, "
		    "EXISTS (SELECT 1 FROM machine_alarms a WHERE a.machine_id = m.id), "
		    "(SELECT count(*) FROM session_alarms a WHERE a.machine_id = m.id) "
		    "FROM machines m JOIN schools sc "
		    "ON sc.id = m.school_id WHERE ?1 IS NULL OR sc.name = ?1 "
		    "ORDER BY sc.name, m.name",
		    &st);
		if (r != 0)
			continue;
		bind_text(st, 1, school);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && r == 0) {
			struct store_machine_info m = {
			    .school = (const char *)sqlite3_column_text(st, 0),
			    .name = (const char *)sqlite3_column_text(st, 1),
			    .version = (const char *)sqlite3_column_text(st, 2),
			    .wordlists = (const char *)sqlite3_column_text(st, 3),
			    .enrolled_ms = sqlite3_column_int64(st, 4),
			    .last_seen_ms = sqlite3_column_int64(st, 5),
			    .spooled = sqlite3_column_int64(st, 6),
			    .dropped = sqlite3_column_int64(st, 7),
			    .revoked = sqlite3_column_int(st, 8) != 0,
			    .sessions = (const char *)sqlite3_column_text(st, 9),
			    .offline_alarm = sqlite3_column_int(st, 10) != 0,
			    .unmonitored_alarms = sqlite3_column_int(st, 11),
			};
			r = fn(&m, ud);
		}
		if (r == 0 && rc != SQLITE_DONE)
			r = sqlite_errno(rc);
		sqlite3_finalize(st);
	}
	return r;
}

static int sq_export(struct store *base, int64_t since_ms, const char *school, store_export_fn fn,
                     void *ud)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r, rc;

	LOCKED(s)
	{
		r = prepare(s,
		            "SELECT c.record, sc.name, c.received, c.status, c.image_hidden, "
		            "c.assignee, c.outcome, c.closed_time "
		            "FROM captures c JOIN schools sc ON sc.id = c.school_id "
		            "WHERE c.received >= ?1 AND (?2 IS NULL OR sc.name = ?2) "
		            "ORDER BY c.received, c.id",
		            &st);
		if (r != 0)
			continue;
		sqlite3_bind_int64(st, 1, since_ms);
		bind_text(st, 2, school);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && r == 0) {
			struct store_export_row row = {
			    .record = (const char *)sqlite3_column_text(st, 0),
			    .school = (const char *)sqlite3_column_text(st, 1),
			    .received_ms = sqlite3_column_int64(st, 2),
			    .status = (const char *)sqlite3_column_text(st, 3),
			    .image_hidden = sqlite3_column_int64(st, 4) != 0,
			    .assignee = (const char *)sqlite3_column_text(st, 5),
			    .outcome = (const char *)sqlite3_column_text(st, 6),
			    .closed_ms = sqlite3_column_int64(st, 7),
			};
			r = fn(&row, ud);
		}
		if (r == 0 && rc != SQLITE_DONE)
			r = sqlite_errno(rc);
		sqlite3_finalize(st);
	}
	return r;
}

static int sq_user_add(struct store *base, const char *login, const char *role, const char *school,
                       const char *password_hash, int64_t now)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r;

	LOCKED(s)
	{
		r = prepare(s,
		            "INSERT INTO users (login, role, school_id, password_hash, created) "
		            "SELECT ?1, ?2, (SELECT id FROM schools WHERE name = ?3), ?4, ?5 "
		            "WHERE ?3 IS NULL OR EXISTS (SELECT 1 FROM schools WHERE name = ?3)",
		            &st);
		if (r != 0)
			continue;
		bind_text(st, 1, login);
		bind_text(st, 2, role);
		bind_text(st, 3, school);
		bind_text(st, 4, password_hash);
		sqlite3_bind_int64(st, 5, now);
		r = run(st);
		if (r == 0 && sqlite3_changes(s->db) == 0)
			r = -ENOENT;
	}
	return r;
}

static int sq_user_get(struct store *base, const char *login, char **hash, char **role)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	sqlite3_stmt *st;
	int r;

	LOCKED(s)
	{
		r = prepare(s, "SELECT password_hash, role FROM users WHERE login = ?1", &st);
		if (r != 0)
			continue;
		bind_text(st, 1, login);
		if (sqlite3_step(st) == SQLITE_ROW) {
			char *h = strdup((const char *)sqlite3_column_text(st, 0));
			char *ro = strdup((const char *)sqlite3_column_text(st, 1));
			if (h && ro) {
				*hash = h;
				*role = ro;
			} else {
				free(h);
				free(ro);
				r = -ENOMEM;
			}
		} else {
			r = -ENOENT;
		}
		sqlite3_finalize(st);
	}
	return r;
}

static int sq_ping(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	int r;

	LOCKED(s)
	{
		r = exec(s, "SELECT 1 FROM schema_migrations LIMIT 1");
	}
	return r;
}

/* Binds $1..$np by name (a statement may use each several times, in any order). */
static void bind_params(sqlite3_stmt *st, const struct store_param *p, size_t np)
{
	char name[32];

	for (size_t i = 0; i < np; i++) {
		int idx;
		snprintf(name, sizeof(name), "$%zu", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		if (p[i].is_int)
			sqlite3_bind_int64(st, idx, p[i].i);
		else
			bind_text(st, idx, p[i].text);
	}
}

/* Runs a query; lock held. */
static int query_locked(struct store_sqlite *s, const char *sql, const struct store_param *p,
                        size_t np, store_row_fn fn, void *ud, int64_t *changes)
{
	const char *cols[64];
	sqlite3_stmt *st;
	int r, rc, n;

	r = prepare(s, sql, &st);
	if (r != 0)
		return r;
	bind_params(st, p, np);
	n = sqlite3_column_count(st);
	if (n > 64)
		n = 64;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			cols[i] = (const char *)sqlite3_column_text(st, i);
		if (fn && (r = fn(cols, n, ud)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
	if (r == 0 && changes)
		*changes = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return r;
}

/* store_ops.query: rows go to fn with the lock held (fn must not call the store). */
static int sq_query(struct store *base, const char *sql, const struct store_param *p, size_t np,
                    store_row_fn fn, void *ud, int64_t *changes)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	int r;

	LOCKED(s)
	{
		r = query_locked(s, sql, p, np, fn, ud, changes);
	}
	return r;
}

/* The store a transaction's body gets: queries on the connection whose lock is held. */
struct sqlite_tx {
	struct store base;
	struct store_sqlite *s;
};

static int tx_query(struct store *base, const char *sql, const struct store_param *p, size_t np,
                    store_row_fn fn, void *ud, int64_t *changes)
{
	return query_locked(((struct sqlite_tx *)base)->s, sql, p, np, fn, ud, changes);
}

static const struct store_ops sqlite_tx_ops = {
    .query = tx_query,
};

static int sq_transact(struct store *base, store_txn_fn fn, void *ud)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct sqlite_tx tx = {.base.ops = &sqlite_tx_ops, .s = s};
	int r;

	LOCKED(s)
	{
		if ((r = exec(s, "BEGIN IMMEDIATE")) < 0)
			continue;
		r = fn(&tx.base, ud);
		if (r == 0)
			r = exec(s, "COMMIT");
		if (r != 0)
			exec(s, "ROLLBACK");
	}
	return r;
}

static void sq_free(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;

	sqlite3_finalize(s->auth);
	sqlite3_close(s->reader);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->reader_lock);
	free(s);
}

static const struct store_ops sqlite_ops = {
    .school_add = sq_school_add,
    .school_revoke = sq_school_revoke,
    .enrol = sq_enrol,
    .auth = sq_auth,
    .capture_insert = sq_capture_insert,
    .capture_insert_many = sq_capture_insert_many,
    .heartbeat = sq_heartbeat,
    .machine_revoke = sq_machine_revoke,
    .machines_list = sq_machines_list,
    .export_captures = sq_export,
    .user_add = sq_user_add,
    .user_get = sq_user_get,
    .query = sq_query,
    .transact = sq_transact,
    .ping = sq_ping,
    .free = sq_free,
};

/* Applies the embedded migrations newer than the database's version, each in a
 * transaction. */
static int migrate(struct store_sqlite *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int current = 0, r;

	if ((r = exec(s, "BEGIN IMMEDIATE")) < 0)
		goto fail;
	if ((r = exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
	                 "KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)")) < 0)
		goto rollback;
	if ((r = prepare(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", &st)) < 0)
		goto rollback;
	if (sqlite3_step(st) == SQLITE_ROW)
		current = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	for (size_t i = 0; i < migrations_sqlite_count; i++) {
		const struct migration *m = &migrations_sqlite[i];
		if (m->version <= current)
			continue;
		if ((r = exec(s, m->sql)) < 0) {
			snprintf(err, errlen, "migration %s: %s", m->name, sqlite3_errmsg(s->db));
			exec(s, "ROLLBACK");
			return r;
		}
		if ((r = prepare(s,
		                 "INSERT INTO schema_migrations VALUES (?1, ?2, "
		                 "CAST(strftime('%s', 'now') AS INTEGER) * 1000)",
		                 &st)) < 0)
			goto rollback;
		sqlite3_bind_int(st, 1, m->version);
		bind_text(st, 2, m->name);
		if ((r = run(st)) < 0)
			goto rollback;
	}
	if ((r = exec(s, "COMMIT")) < 0)
		goto rollback;
	return 0;
rollback:
	exec(s, "ROLLBACK");
fail:
	snprintf(err, errlen, "schema migration: %s", sqlite3_errmsg(s->db));
	return r;
}

int store_sqlite_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store_sqlite *s = calloc(1, sizeof(*s));
	int rc, r;

	if (!s)
		return -ENOMEM;
	/* No global allocation statistics: their mutex would be taken by every
	 * connection's every allocation. Fails harmlessly once SQLite is initialised. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	s->base.ops = &sqlite_ops;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->reader_lock, NULL);
	rc = sqlite3_open_v2(
	    path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "out of memory");
		r = sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
		sq_free(&s->base);
		return r;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if ((r = exec(s, "PRAGMA journal_mode = WAL")) < 0 ||
	    (r = exec(s, "PRAGMA synchronous = FULL")) < 0 ||
	    (r = exec(s, "PRAGMA foreign_keys = ON")) < 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		sq_free(&s->base);
		return r;
	}
	if ((r = migrate(s, err, errlen)) < 0) {
		sq_free(&s->base);
		return r;
	}
	rc = sqlite3_open_v2(path, &s->reader, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(
		    s->reader,
		    "SELECT m.school_id, m.id, sc.name, m.name FROM machines m "
		    "JOIN schools sc ON sc.id = m.school_id "
		    "WHERE m.token_hash = ?1 AND m.revoked = 0 AND sc.revoked = 0",
		    -1, SQLITE_PREPARE_PERSISTENT, &s->auth, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         s->reader ? sqlite3_errmsg(s->reader) : "out of memory");
		r = sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
		sq_free(&s->base);
		return r;
	}
	sqlite3_busy_timeout(s->reader, 10000);
	*out = &s->base;
	return 0;
}
