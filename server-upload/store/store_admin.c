/* store_admin.c: what the admin's pages and a moderator's escalation read and write about a
 * school's alert contacts. */
#include "store_admin.h"

#include "store_rows.h"

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
