/* digest.h: the Monday e-mail: a school's last week in counts, to its headteachers and contacts. */
#pragma once

#include <stdint.h>

struct store;

/*
 * Each Monday at report-time (server time zone) every school's headteachers (users with
 * an e-mail address) and alert contacts get the past week's captures by category and
 * severity, the change from the week before, and a link to the weekly report. The
 * message never names a pupil or quotes what was typed or shown. Messages go through
 * the alert outbox (alerts.h: retries, audit), one row per recipient of kind "digest".
 */

/*
 * Queues the summary of the week before now's week for every school not yet done, once
 * now is at or past Monday report_time_min (minutes after local midnight) of its week.
 * A week that ended before the school was added is skipped. Returns how many schools
 * were queued, or -errno.
 */
int digest_schedule(struct store *s, int64_t now, unsigned int report_time_min);

/* Queues school's summary of week ("2026-W48") now, whatever the schedule did. Returns
 * the number of recipients (0: nobody has an address), -ENOENT (no school), -EINVAL
 * (week), -errno. */
int digest_queue(struct store *s, const char *school, const char *week, int64_t now);

/* The e-mail of one school and week, its link under public_url (the server's address
 * for links in messages; NULL: none): subject and body (CRLF lines), both malloc'd for
 * the caller. 0, -EINVAL (week), -errno. */
int digest_compose(struct store *s, const char *public_url, int64_t school_id, const char *school,
                   const char *week, char **subject, char **body);
