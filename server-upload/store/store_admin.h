/* store_admin.h: what the admin's pages and a moderator's escalation read and write about a
 * school's alert contacts. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* A moderator escalated capture_id to the DSL: an e-mail (kind "referral") is queued to
 * each of the school's alert contacts; *queued gets how many (0: the school has none,
 * nobody is told). */
int store_alert_refer(struct store *s, const char *capture_id, int64_t school_id, int64_t now_ms,
                      int64_t *queued);

/* How many alert contacts (and escalation addresses) school_id has. */
int store_alert_contact_count(struct store *s, int64_t school_id, int64_t *count);

/* A web user as the admin's users page lists them. */
struct store_user_row {
	const char *login, *role, *school, *email; /* school, email "" when none */
	bool disabled, totp, see_flags;
};
typedef int (*store_user_row_fn)(const struct store_user_row *u, void *userdata);

/* The users of school_id (0: every user), by login. */
int store_users_list(struct store *s, int64_t school_id, store_user_row_fn fn, void *ud);

/* Sets login's role and school (NULL: every school) and ends its sessions: 0, -ENOENT
 * (no such user or school). */
int store_user_set_role(struct store *s, const char *login, const char *role, const char *school);

/* Enables login again (a disabled user) without changing the password: 0, -ENOENT. */
int store_user_enable(struct store *s, const char *login);

/* A school's alert settings as its admin page shows them; strings malloc'd (free with
 * store_alert_view_free). Defaults when the school has none set. */
struct store_alert_view {
	int64_t threshold, hours_start, hours_end, ack_minutes, flag_threshold;
	char *webhook, *secret_file, *technician, *flags; /* NULL: none; flags "" */
	char *contacts, *escalate;                        /* one address a line, in order */
};
int store_alert_view_get(struct store *s, int64_t school_id, struct store_alert_view *v);
void store_alert_view_free(struct store_alert_view *v);
