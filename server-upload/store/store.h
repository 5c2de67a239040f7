/* store.h: the server's database (schools, machines, captures, users) behind one interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Two back ends implement struct store_ops: SQLite (store_sqlite.c, the default, a file
 * under the data directory in WAL mode) and PostgreSQL (store_pg.c, libpq). Every
 * operation is safe to call from several threads at once, returns 0 or a negative errno
 * and never logs; store_open() brings the schema up to date with the embedded migrations.
 * Times are milliseconds since the epoch. Keys and tokens are passed already hashed.
 */
struct store;

/* The machine a bearer token belongs to. */
struct store_machine {
	int64_t school_id, machine_id;
	char school[128];
	char machine[128];
};

/* One hit of a capture ("hits" of the record); start/end -1 for null. */
struct store_capture_hit {
	const char *category;
	int severity;
	const char *phrase, *rule, *matched;
	int64_t start, end; /* byte offsets in the record's context */
	/* What changed its severity, when context lowered it: the rule's own severity
	 * (0: not given), the explanation and the @when's "FILE:LINE" (NULL: not given). */
	int base_severity;
	const char *why, *context_rule;
	/* Its own evidence: source (the capture's when the hit names none), context (NULL:
	 * the record's, which start/end then point into) and frame (-1: not given, 0: the
	 * screenshot, n: frames[n - 1]). */
	const char *source, *context;
	int frame;
};

/* A further screenshot of a capture ("frames" of the record), in the image store under
 * sha256 like the screenshot. */
struct store_capture_frame {
	const char *sha256;
	int64_t time_ms;
	int width, height;
};

struct store_capture_row {
	const char *id;
	int64_t school_id, machine_id;
	int64_t time_ms, received_ms;
	const char *category;
	int severity;
	const char *source, *user, *image_sha256;
	const char *record; /* JSON of the record without screenshot.data */
	const char *words;  /* what the queue's search looks in (capture_validate.h); NULL: "" */
	const char *rule, *phrase;            /* the reason's (the lists' false-positive rates) */
	const struct store_capture_hit *hits; /* stored with the row, in order */
	size_t nhits;
	const struct store_capture_frame *frames; /* stored with the row, in order */
	size_t nframes;
};

struct store_heartbeat {
	const char *version, *wordlists;
	const char *sessions; /* JSON array of the machine's graphical sessions; NULL: none */
	int64_t spooled, dropped;
	int64_t now_ms;
};

struct store_machine_info {
	const char *school, *name, *version, *wordlists; /* version/wordlists may be NULL */
	int64_t enrolled_ms, last_seen_ms;               /* last_seen_ms 0: never heard from */
	int64_t spooled, dropped;
	bool revoked;
	const char *sessions;   /* JSON array from the latest heartbeat, or NULL */
	bool offline_alarm;     /* the technician was told it is silent */
	int unmonitored_alarms; /* sessions the technician was told are unmonitored */
};

struct store_export_row {
	const char *record; /* JSON of the stored record */
	const char *school;
	int64_t received_ms;
	const char *status;
	bool image_hidden; /* its screenshot or a frame is hidden (referred) */
	/* Its case (store_cases.h): who has it and, once closed, the outcome's key and when;
	 * NULL and 0 when not. */
	const char *assignee, *outcome;
	int64_t closed_ms;
};

/*
 * A parameter of store_ops.query: text (NULL for SQL NULL) or a 64-bit integer. The typed
 * functions of store_*.c are written once on top of query() for both back ends.
 */
struct store_param {
	const char *text;
	int64_t i;
	bool is_int;
};

/* A row of store_ops.query: ncols values as text (NULL for SQL NULL), valid during the
 * call only. */
typedef int (*store_row_fn)(const char *const *cols, int ncols, void *userdata);

/* Row callbacks return 0 to go on or a negative errno to stop (returned by the call). */
typedef int (*store_machine_fn)(const struct store_machine_info *m, void *userdata);
typedef int (*store_export_fn)(const struct store_export_row *row, void *userdata);
/* The body of store_ops.transact: tx's query() runs inside the transaction (tx has no
 * other operation); returns 0 to commit, or a negative errno to roll back. */
typedef int (*store_txn_fn)(struct store *tx, void *userdata);

enum store_enrol {
	STORE_ENROLLED = 0,
	STORE_REPLACED = 1,
};

enum store_insert {
	STORE_INSERTED = 0,
	STORE_DUPLICATE = 1, /* the same school already has this id */
};

struct store_ops {
	/* -EEXIST when a school of that name exists. */
	int (*school_add)(struct store *s, const char *name, const char *key_hash, int64_t now);
	/* -ENOENT when unknown. Its key stops enrolling and its machines' tokens stop working. */
	int (*school_revoke)(struct store *s, const char *name);
	/* Registers machine under the school whose key hash this is: STORE_ENROLLED, or
	 * STORE_REPLACED when a live machine of that name had a token (a re-imaged PC: the
	 * token is replaced and the replacement counted). *school_id gets the school's id.
	 * -EPERM when no school has the key or the school is revoked, -EACCES when the
	 * machine is revoked (it stays revoked until machine allow), -EAGAIN on a race. */
	int (*enrol)(struct store *s, const char *key_hash, const char *machine,
	             const char *token_hash, int64_t now, int64_t *school_id);
	/* -EPERM when no live machine of a live school has this token. */
	int (*auth)(struct store *s, const char *token_hash, struct store_machine *out);
	/* STORE_INSERTED, STORE_DUPLICATE, -EEXIST when another school has the id, -errno.
	 * Returns only once the row, its hits and its frames are durable. */
	int (*capture_insert)(struct store *s, const struct store_capture_row *row);
	/* Inserts rows in one transaction (one durable commit for all): results[i] gets
	 * what capture_insert would return for row i. Returns 0, or -errno when the
	 * transaction failed (then nothing is stored and results are unset). */
	int (*capture_insert_many)(struct store *s, const struct store_capture_row *rows, size_t n,
	                           int *results);
	int (*heartbeat)(struct store *s, int64_t machine_id, const struct store_heartbeat *hb);
	/* school NULL: any school (then -EEXIST when the name is ambiguous). -ENOENT. */
	int (*machine_revoke)(struct store *s, const char *school, const char *machine);
	int (*machines_list)(struct store *s, const char *school, store_machine_fn fn, void *ud);
	/* Captures received at or after since_ms, of one school or all, oldest first. */
	int (*export_captures)(struct store *s, int64_t since_ms, const char *school,
	                       store_export_fn fn, void *ud);
	/* school NULL for a user of every school. -EEXIST, -ENOENT (school). */
	int (*user_add)(struct store *s, const char *login, const char *role, const char *school,
	                const char *password_hash, int64_t now);
	/* The Argon2id string and role of login (malloc'd, caller frees). -ENOENT. */
	int (*user_get)(struct store *s, const char *login, char **password_hash, char **role);
	/*
	 * Runs one SQL statement written in the dialect both back ends share, with
	 * parameters $1..$n (np of them; cast where PostgreSQL cannot infer a type:
	 * CAST($1 AS BIGINT)). fn (may be NULL) gets each row; *changes (may be NULL) the
	 * rows a write touched. Returns 0, what fn returned, -EEXIST (constraint), -errno.
	 */
	int (*query)(struct store *s, const char *sql, const struct store_param *p, size_t np,
	             store_row_fn fn, void *ud, int64_t *changes);
	/* Runs fn in one write transaction on one connection: everything fn's queries
	 * wrote is committed when fn returns 0 and rolled back otherwise. Other callers
	 * wait meanwhile (SQLite) or see nothing of it until the commit (PostgreSQL).
	 * Returns what fn returned, or -errno of the commit. */
	int (*transact)(struct store *s, store_txn_fn fn, void *ud);
	/* 0 when a write could be done now. */
	int (*ping)(struct store *s);
	void (*free)(struct store *s);
};

struct store {
	const struct store_ops *ops;
};

/*
 * Opens the database: url NULL or "" means SQLite at data_dir/vigil.db, otherwise a
 * "postgresql://" or "postgres://" connection URI; pool is the number of connections a
 * PostgreSQL store keeps. Applies pending migrations. Returns 0 and *out, or -errno with
 * a message in err.
 */
int store_open(const char *url, const char *data_dir, unsigned int pool, struct store **out,
               char *err, size_t errlen);

int store_sqlite_open(const char *path, struct store **out, char *err, size_t errlen);
int store_pg_open(const char *url, unsigned int pool, struct store **out, char *err, size_t errlen);

static inline void store_free(struct store *s)
{
	if (s)
		s->ops->free(s);
}
