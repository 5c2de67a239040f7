/* store_totp.c: web users' TOTP secrets (the second factor of a password sign-in). */
#include "store_totp.h"

#include <errno.h>
#include <stdio.h>

#include "store_rows.h"

struct secret_cb {
	char *out;
	size_t size;
};

static int secret_row(const char *const *c, int n, void *ud)
{
	struct secret_cb *cb = ud;
	struct store_row r;

	store_row_init(&r, c, n, 1);
	snprintf(cb->out, cb->size, "%s", store_row_text(&r, 0));
	return r.err;
}

int store_totp_get(struct store *s, int64_t user_id, char *secret, size_t size)
{
	struct store_param p = store_int(user_id);
	struct secret_cb cb = {secret, size};

	secret[0] = '\0';
	return s->ops->query(s, "SELECT totp_secret FROM users WHERE id = CAST($1 AS BIGINT)", &p,
	                     1, secret_row, &cb, NULL);
}

int store_totp_set(struct store *s, const char *login, const char *secret)
{
	struct store_param p[2] = {store_text(secret), store_text(login)};
	int64_t n = 0;
	int r =
	    s->ops->query(s, "UPDATE users SET totp_secret = $1, totp_last = NULL WHERE login = $2",
	                  p, 2, NULL, NULL, &n);

	return r < 0 ? r : n == 0 ? -ENOENT : 0;
}

int store_totp_used(struct store *s, int64_t user_id, int64_t step)
{
	struct store_param p[2] = {store_int(user_id), store_int(step)};
	int64_t n = 0;
	int r = s->ops->query(s,
	                      "UPDATE users SET totp_last = CAST($2 AS BIGINT) WHERE id = CAST($1 "
	                      "AS BIGINT) AND COALESCE(totp_last, -1) < CAST($2 AS BIGINT)",
	                      p, 2, NULL, NULL, &n);

	return r < 0 ? r : n == 0 ? -EALREADY : 0;
}
