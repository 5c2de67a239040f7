/* store_oidc.c: sign-ins with the school's OpenID Connect provider waiting for their callback. */
#include "store_oidc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store_rows.h"

int store_oidc_state_add(struct store *s, const char *state_hash, const char *nonce,
                         const char *verifier, int64_t now_ms, int64_t expires_ms)
{
	struct store_param p[5] = {store_text(state_hash), store_text(nonce), store_text(verifier),
	                           store_int(now_ms), store_int(expires_ms)};
	struct store_param now = store_int(now_ms);
	int r = s->ops->query(s, "DELETE FROM oidc_states WHERE expires < CAST($1 AS BIGINT)", &now,
	                      1, NULL, NULL, NULL);

	if (r < 0)
		return r;
	return s->ops->query(s,
	                     "INSERT INTO oidc_states (state_hash, nonce, verifier, created, "
	                     "expires) VALUES ($1, $2, $3, CAST($4 AS BIGINT), CAST($5 AS BIGINT))",
	                     p, 5, NULL, NULL, NULL);
}

struct taken {
	char *nonce, *verifier;
	size_t nsize, vsize;
	bool found;
};

static int taken_row(const char *const *c, int n, void *ud)
{
	struct taken *t = ud;
	struct store_row r;

	store_row_init(&r, c, n, 3);
	snprintf(t->nonce, t->nsize, "%s", store_row_text(&r, 0));
	snprintf(t->verifier, t->vsize, "%s", store_row_text(&r, 1));
	t->found = store_row_int(&r, 2) >= 0 && r.err == 0;
	return r.err;
}

int store_oidc_state_take(struct store *s, const char *state_hash, int64_t now_ms, char *nonce,
                          size_t nonce_size, char *verifier, size_t verifier_size)
{
	struct store_param p[2] = {store_text(state_hash), store_int(now_ms)};
	struct taken t = {nonce, verifier, nonce_size, verifier_size, false};
	int r = s->ops->query(s,
	                      "DELETE FROM oidc_states WHERE state_hash = $1 RETURNING nonce, "
	                      "verifier, expires - CAST($2 AS BIGINT)",
	                      p, 2, taken_row, &t, NULL);

	if (r < 0)
		return r;
	return t.found ? 0 : -ENOENT;
}

struct by_email {
	char *login;
	size_t size;
	int n;
};

static int email_row(const char *const *c, int n, void *ud)
{
	struct by_email *b = ud;
	struct store_row r;

	store_row_init(&r, c, n, 1);
	if (b->n++ == 0)
		snprintf(b->login, b->size, "%s", store_row_text(&r, 0));
	return r.err;
}

int store_user_by_email(struct store *s, const char *email, char *login, size_t size)
{
	struct store_param p = store_text(email);
	struct by_email b = {login, size, 0};
	int r = s->ops->query(s,
	                      "SELECT login FROM users WHERE LOWER(email) = LOWER($1) AND "
	                      "disabled = 0 ORDER BY id LIMIT 2",
	                      &p, 1, email_row, &b, NULL);

	if (r < 0)
		return r;
	return b.n == 0 ? -ENOENT : b.n > 1 ? -EEXIST : 0;
}
