/* store_digest.c: what the Monday e-mail needs: a week's counts, recipients, the outbox. */
#include "store_digest.h"

#include <errno.h>
#include <stddef.h>

#include "parse.h"
#include "store_report.h"

static struct store_param int_param(int64_t v)
{
	return (struct store_param){.i = v, .is_int = true};
}

static struct store_param text_param(const char *s)
{
	return (struct store_param){.text = s};
}

int store_digest_counts(struct store *s, int64_t school_id, int64_t start_ms, int64_t end_ms,
                        store_count_fn fn, void *ud)
{
	return store_report_category_counts(s, school_id, start_ms, end_ms, fn, ud);
}

struct school_cb {
	store_school_fn fn;
	void *ud;
};

static int school_row(const char *const *c, int n, void *ud)
{
	struct school_cb *cb = ud;
	int64_t id, created;

	if (n != 3 || !c[1] || parse_int64(c[0], 1, INT64_MAX, &id) < 0 ||
	    parse_int64(c[2], INT64_MIN, INT64_MAX, &created) < 0)
		return -EIO;
	return cb->fn(id, c[1], created, cb->ud);
}

int store_digest_schools(struct store *s, store_school_fn fn, void *ud)
{
	struct school_cb cb = {fn, ud};

	return s->ops->query(
	    s, "SELECT id, name, created FROM schools WHERE NOT revoked ORDER BY name", NULL, 0,
	    school_row, &cb, NULL);
}

struct address_cb {
	store_address_fn fn;
	void *ud;
};

static int address_row(const char *const *c, int n, void *ud)
{
	struct address_cb *cb = ud;

	if (n != 1 || !c[0])
		return -EIO;
	return cb->fn(c[0], cb->ud);
}

int store_digest_recipients(struct store *s, int64_t school_id, store_address_fn fn, void *ud)
{
	struct store_param p = int_param(school_id);
	struct address_cb cb = {fn, ud};

	return s->ops->query(s,
	                     "SELECT email FROM users WHERE role = 'headteacher' AND school_id = "
	                     "CAST($1 AS BIGINT) AND email IS NOT NULL AND email <> '' UNION "
	                     "SELECT address FROM alert_contacts WHERE school_id = "
	                     "CAST($1 AS BIGINT) AND kind = 'contact' ORDER BY 1",
	                     &p, 1, address_row, &cb, NULL);
}

int store_digest_claim(struct store *s, int64_t school_id, const char *week, int64_t now)
{
	struct store_param p[3] = {int_param(school_id), text_param(week), int_param(now)};

	return s->ops->query(s,
	                     "INSERT INTO digests (school_id, week, queued) VALUES "
	                     "(CAST($1 AS BIGINT), $2, CAST($3 AS BIGINT))",
	                     p, 3, NULL, NULL, NULL);
}

int store_digest_enqueue(struct store *s, int64_t school_id, const char *week, const char *address,
                         int64_t now)
{
	struct store_param p[4] = {int_param(school_id), text_param(week), text_param(address),
	                           int_param(now)};

	return s->ops->query(s,
	                     "INSERT INTO alerts (school_id, kind, channel, target, week, "
	                     "next_try, created) VALUES (CAST($1 AS BIGINT), 'digest', 'email', "
	                     "$3, $2, CAST($4 AS BIGINT), CAST($4 AS BIGINT))",
	                     p, 4, NULL, NULL, NULL);
}

int store_user_set_email(struct store *s, const char *login, const char *email)
{
	struct store_param p[2] = {text_param(login), text_param(email)};
	int64_t changes = 0;
	int r = s->ops->query(s, "UPDATE users SET email = $2 WHERE login = $1", p, 2, NULL, NULL,
	                      &changes);

	return r < 0 ? r : changes == 0 ? -ENOENT : 0;
}
