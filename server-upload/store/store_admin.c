/* store_admin.c: what the admin's pages and a moderator's escalation read and write about a
 * school's alert contacts. */
#include "store_admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_rows.h"
#include "store_users.h"

int store_alert_refer(struct store *s, const char *capture_id, int64_t school_id, int64_t now_ms,
                      int64_t *queued)
{
	struct store_param p[3] = {store_text(capture_id), store_int(school_id), store_int(now_ms)};

	*queued = 0;
	return s->ops->query(s,
	                     "INSERT INTO alerts (capture_id, school_id, kind, channel, target, "
	                     "next_try, created) SELECT $1, c.school_id, 'referral', 'email', "
	                     "c.address, CAST($3 AS BIGINT), CAST($3 AS BIGINT) FROM "
	                     "alert_contacts c WHERE c.school_id = CAST($2 AS BIGINT) AND c.kind = "
	                     "'contact' ORDER BY c.position",
	                     p, 3, NULL, NULL, queued);
}

int store_alert_contact_count(struct store *s, int64_t school_id, int64_t *count)
{
	struct store_param p = store_int(school_id);

	*count = 0;
	return s->ops->query(s,
	                     "SELECT count(*) FROM alert_contacts WHERE school_id = CAST($1 AS "
	                     "BIGINT) AND kind = 'contact'",
	                     &p, 1, store_row_int64, count, NULL);
}

struct users_cb {
	store_user_row_fn fn;
	void *ud;
};

static int user_list_row(const char *const *c, int n, void *ud)
{
	struct users_cb *cb = ud;
	struct store_user_row u;
	struct store_row r;

	store_row_init(&r, c, n, 7);
	u = (struct store_user_row){
	    .login = store_row_text(&r, 0),
	    .role = store_row_text(&r, 1),
	    .school = store_row_text(&r, 2),
	    .email = store_row_text(&r, 3),
	    .disabled = store_row_int(&r, 4) != 0,
	    .totp = store_row_int(&r, 5) != 0,
	    .see_flags = store_row_int(&r, 6) != 0,
	};
	return r.err ? r.err : cb->fn(&u, cb->ud);
}

int store_users_list(struct store *s, int64_t school_id, store_user_row_fn fn, void *ud)
{
	struct store_param p = store_int(school_id);
	struct users_cb cb = {fn, ud};

	return s->ops->query(
	    s,
	    "SELECT u.login, u.role, COALESCE(sc.name, ''), COALESCE(u.email, ''), "
	    "u.disabled, CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END, "
	    "u.see_flags FROM users u LEFT JOIN schools sc ON sc.id = u.school_id "
	    "WHERE CAST($1 AS BIGINT) = 0 OR u.school_id = CAST($1 AS BIGINT) "
	    "ORDER BY u.login",
	    &p, 1, user_list_row, &cb, NULL);
}

int store_user_set_role(struct store *s, const char *login, const char *role, const char *school)
{
	struct store_param p[3] = {store_text(role), store_text(school), store_text(login)};
	int64_t n = 0;
	int r =
	    s->ops->query(s,
	                  "UPDATE users SET role = $1, school_id = (SELECT id FROM schools WHERE "
	                  "name = CAST($2 AS TEXT)) WHERE login = $3 AND (CAST($2 AS TEXT) IS "
	                  "NULL OR EXISTS (SELECT 1 FROM schools WHERE name = CAST($2 AS TEXT)))",
	                  p, 3, NULL, NULL, &n);

	if (r < 0)
		return r;
	if (n == 0)
		return -ENOENT;
	return store_user_sessions_end(s, login, NULL);
}

int store_user_enable(struct store *s, const char *login)
{
	struct store_param p = store_text(login);
	int64_t n = 0;
	int r = s->ops->query(s, "UPDATE users SET disabled = 0 WHERE login = $1", &p, 1, NULL,
	                      NULL, &n);

	return r < 0 ? r : n == 0 ? -ENOENT : 0;
}

static int settings_row(const char *const *c, int n, void *ud)
{
	struct store_alert_view *v = ud;
	struct store_row r;
	const char *t;

	store_row_init(&r, c, n, 9);
	v->threshold = store_row_int(&r, 0);
	v->hours_start = store_row_int(&r, 1);
	v->hours_end = store_row_int(&r, 2);
	v->ack_minutes = store_row_int(&r, 3);
	if ((t = store_row_nullable(&r, 4)))
		v->webhook = strdup(t);
	if ((t = store_row_nullable(&r, 5)))
		v->secret_file = strdup(t);
	if ((t = store_row_nullable(&r, 6)))
		v->technician = strdup(t);
	v->flag_threshold = store_row_int_or(&r, 7, 0);
	free(v->flags);
	v->flags = strdup(store_row_text(&r, 8));
	return r.err ? r.err : v->flags ? 0 : -ENOMEM;
}

struct lines {
	char **a, **b;
};

/* Appends an address and a newline to *dst. */
static int add_line(char **dst, const char *line)
{
	size_t old = *dst ? strlen(*dst) : 0, n = strlen(line);
	char *p = realloc(*dst, old + n + 2);

	if (!p)
		return -ENOMEM;
	memcpy(p + old, line, n);
	p[old + n] = '\n';
	p[old + n + 1] = '\0';
	*dst = p;
	return 0;
}

static int contact_row(const char *const *c, int n, void *ud)
{
	struct lines *l = ud;
	struct store_row r;
	const char *addr, *kind;

	store_row_init(&r, c, n, 2);
	addr = store_row_text(&r, 0);
	kind = store_row_text(&r, 1);
	if (r.err)
		return r.err;
	return add_line(strcmp(kind, "contact") == 0 ? l->a : l->b, addr);
}

int store_alert_view_get(struct store *s, int64_t school_id, struct store_alert_view *v)
{
	struct store_param p = store_int(school_id);
	struct lines l = {&v->contacts, &v->escalate};
	int r;

	memset(v, 0, sizeof(*v));
	v->threshold = 5;
	v->hours_start = 480;
	v->hours_end = 990;
	v->ack_minutes = 15;
	r = s->ops->query(s,
	                  "SELECT threshold, hours_start, hours_end, ack_minutes, webhook, "
	                  "webhook_secret_file, technician, flag_threshold, flags FROM "
	                  "alert_settings WHERE school_id = CAST($1 AS BIGINT)",
	                  &p, 1, settings_row, v, NULL);
	if (r == 0)
		r = s->ops->query(
		    s,
		    "SELECT address, kind FROM alert_contacts WHERE school_id = CAST($1 "
		    "AS BIGINT) ORDER BY kind, position",
		    &p, 1, contact_row, &l, NULL);
	if (r < 0)
		store_alert_view_free(v);
	return r;
}

void store_alert_view_free(struct store_alert_view *v)
{
	free(v->webhook);
	free(v->secret_file);
	free(v->technician);
	free(v->flags);
	free(v->contacts);
	free(v->escalate);
	memset(v, 0, sizeof(*v));
}
