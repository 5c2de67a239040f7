/* store_users.c: web users and their sign-in sessions. */
#include "store_users.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_rows.h"

#define USER_COLS "SELECT u.id, u.login, u.role, u.school_id, sc.name, u.password_hash, u.disabled"

struct user_cb {
	struct store_user *u;
	char *hash;
	bool found;
};

/* USER_COLS, then the session's CSRF token when ncols is 8. */
static int user_row(const char *const *c, int n, void *ud, int ncols)
{
	struct user_cb *cb = ud;
	struct store_user *u = cb->u;
	struct store_row r;
	const char *hash;

	store_row_init(&r, c, n, ncols);
	memset(u, 0, sizeof(*u));
	u->id = store_row_int(&r, 0);
	snprintf(u->login, sizeof(u->login), "%s", store_row_text(&r, 1));
	snprintf(u->role, sizeof(u->role), "%s", store_row_text(&r, 2));
	u->school_id = store_row_int_or(&r, 3, 0);
	snprintf(u->school, sizeof(u->school), "%s", store_row_text(&r, 4));
	hash = store_row_text(&r, 5);
	u->disabled = store_row_int(&r, 6) != 0;
	if (ncols == 8)
		snprintf(u->csrf, sizeof(u->csrf), "%s", store_row_text(&r, 7));
	if (r.err)
		return r.err;
	free(cb->hash);
	if (!(cb->hash = strdup(hash)))
		return -ENOMEM;
	cb->found = true;
	return 0;
}

static int login_row(const char *const *c, int n, void *ud)
{
	return user_row(c, n, ud, 7);
}

static int session_row(const char *const *c, int n, void *ud)
{
	return user_row(c, n, ud, 8);
}

int store_session_user(struct store *s, const char *id_hash, int64_t now_ms, struct store_user *out)
{
	struct store_param p[2] = {store_text(id_hash), store_int(now_ms)};
	struct user_cb cb = {.u = out};
	int r = s->ops->query(s,
	                      USER_COLS ", s.csrf FROM sessions s JOIN users u ON u.id = "
	                                "s.user_id LEFT JOIN schools sc ON sc.id = u.school_id "
	                                "WHERE s.id_hash = $1 AND s.expires > CAST($2 AS BIGINT) "
	                                "AND u.disabled = 0 AND (u.role <> 'headteacher' OR "
	                                "u.school_id IS NOT NULL)",
	                      p, 2, session_row, &cb, NULL);

	free(cb.hash);
	return r < 0 ? r : cb.found ? 0 : -ENOENT;
}

int store_user_find(struct store *s, const char *login, struct store_user *out,
                    char **password_hash)
{
	struct store_param p = store_text(login);
	struct user_cb cb = {.u = out};
	int r = s->ops->query(s,
	                      USER_COLS " FROM users u LEFT JOIN schools sc ON sc.id = "
	                                "u.school_id WHERE u.login = $1",
	                      &p, 1, login_row, &cb, NULL);

	if (r == 0 && !cb.found)
		r = -ENOENT;
	if (r < 0) {
		free(cb.hash);
		return r;
	}
	*password_hash = cb.hash;
	return 0;
}

int store_session_add(struct store *s, const char *id_hash, int64_t user_id, const char *csrf,
                      int64_t now_ms, int64_t expires_ms)
{
	struct store_param p[5] = {store_text(id_hash), store_int(user_id), store_text(csrf),
	                           store_int(now_ms), store_int(expires_ms)};

	return s->ops->query(s,
	                     "INSERT INTO sessions (id_hash, user_id, csrf, created, expires) "
	                     "VALUES ($1, CAST($2 AS BIGINT), $3, CAST($4 AS BIGINT), "
	                     "CAST($5 AS BIGINT))",
	                     p, 5, NULL, NULL, NULL);
}

int store_session_delete(struct store *s, const char *id_hash)
{
	struct store_param p = store_text(id_hash);

	return s->ops->query(s, "DELETE FROM sessions WHERE id_hash = $1", &p, 1, NULL, NULL, NULL);
}

int store_sessions_expire(struct store *s, int64_t now_ms)
{
	struct store_param p = store_int(now_ms);

	return s->ops->query(s, "DELETE FROM sessions WHERE expires < CAST($1 AS BIGINT)", &p, 1,
	                     NULL, NULL, NULL);
}

int store_user_sessions_end(struct store *s, const char *login, int64_t *ended)
{
	struct store_param p = store_text(login);
	int64_t n = 0;
	int r = s->ops->query(s,
	                      "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE "
	                      "login = $1)",
	                      &p, 1, NULL, NULL, &n);

	if (r == 0 && ended)
		*ended = n;
	return r;
}

int store_user_disable(struct store *s, const char *login)
{
	struct store_param p = store_text(login);
	int64_t n = 0;
	int r = s->ops->query(s, "UPDATE users SET disabled = 1 WHERE login = $1", &p, 1, NULL,
	                      NULL, &n);

	if (r == 0 && n == 0)
		return -ENOENT;
	return r < 0 ? r : store_user_sessions_end(s, login, NULL);
}

int store_user_password_set(struct store *s, const char *login, const char *password_hash)
{
	struct store_param p[2] = {store_text(password_hash), store_text(login)};
	int64_t n = 0;
	int r =
	    s->ops->query(s, "UPDATE users SET password_hash = $1, disabled = 0 WHERE login = $2",
	                  p, 2, NULL, NULL, &n);

	if (r == 0 && n == 0)
		return -ENOENT;
	return r < 0 ? r : store_user_sessions_end(s, login, NULL);
}
