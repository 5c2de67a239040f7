/* audit.c: the audit log writer: who viewed or decided what, and what the server did alone. */
#include "audit.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"

int audit_record(struct store *s, const char *login, int64_t school_id, const char *action,
                 const char *capture_id, const char *detail)
{
	struct timespec ts;
	struct store_param p[6];
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	p[0] = (struct store_param){.i = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
	                            .is_int = true};
	p[1] = (struct store_param){.text = login};
	p[2] = school_id ? (struct store_param){.i = school_id, .is_int = true}
	                 : (struct store_param){.text = NULL};
	p[3] = (struct store_param){.text = action};
	p[4] = (struct store_param){.text = capture_id};
	p[5] = (struct store_param){.text = detail ? detail : ""};
	r = s->ops->query(s,
	                  "INSERT INTO audit (time, login, school_id, action, capture_id, "
	                  "detail) VALUES ($1, $2, CAST($3 AS BIGINT), $4, $5, $6)",
	                  p, 6, NULL, NULL, NULL);
	if (r < 0)
		log_error("audit: cannot record %s by %s: %s", action, login, strerror(-r));
	return r;
}
