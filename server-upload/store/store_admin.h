/* store_admin.h: what the admin's pages and a moderator's escalation read and write about a
 * school's alert contacts. */
#pragma once

#include <stdint.h>

#include "store.h"

/* A moderator escalated capture_id to the DSL: an e-mail (kind "referral") is queued to
 * each of the school's alert contacts; *queued gets how many (0: the school has none,
 * nobody is told). */
int store_alert_refer(struct store *s, const char *capture_id, int64_t school_id, int64_t now_ms,
                      int64_t *queued);

/* How many alert contacts (and escalation addresses) school_id has. */
int store_alert_contact_count(struct store *s, int64_t school_id, int64_t *count);
