/* alerts_sessions.c: one technician alarm per unmonitored session, cleared when it ends or is
 * watched. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "audit.h"
#include "server.h"
#include "store_health.h"

#define MAX_MACHINES 100000

struct machine {
	int64_t id, school_id;
	char *name, *technician;
	json_t *sessions; /* array */
};

struct machines {
	struct machine *v;
	size_t n, cap;
};

static int add_machine(const struct store_health_machine *m, void *ud)
{
	struct machines *ms = ud;
	struct machine *x;

	if (ms->n == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 64;
		struct machine *v;

		if (cap > MAX_MACHINES)
			return -E2BIG;
		v = realloc(ms->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ms->v = v;
		ms->cap = cap;
	}
	x = &ms->v[ms->n];
	*x =
	    (struct machine){m->machine_id, m->school_id, strdup(m->machine), strdup(m->technician),
	                     m->sessions ? json_loads(m->sessions, 0, NULL) : NULL};
	if (!x->name || !x->technician) {
		free(x->name);
		free(x->technician);
		json_decref(x->sessions);
		return -ENOMEM;
	}
	if (!json_is_array(x->sessions)) {
		json_decref(x->sessions);
		x->sessions = json_array();
	}
	ms->n++;
	return 0;
}

static void machines_free(struct machines *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->v[i].name);
		free(ms->v[i].technician);
		json_decref(ms->v[i].sessions);
	}
	free(ms->v);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The session's key: logind's id, or display and type from an agent that sends none. */
static void session_key(json_t *s, char *out, size_t len)
{
	if (str(s, "id")[0])
		snprintf(out, len, "%s", str(s, "id"));
	else
		snprintf(out, len, "%s/%s", str(s, "display"), str(s, "type"));
}

static const struct machine *find_machine(const struct machines *ms, int64_t id)
{
	for (size_t i = 0; i < ms->n; i++)
		if (ms->v[i].id == id)
			return &ms->v[i];
	return NULL;
}

/* The unmonitored session of m with this key, or NULL. */
static json_t *unmonitored(const struct machine *m, const char *key)
{
	json_t *s;
	size_t i;
	char k[160];

	json_array_foreach(m->sessions, i, s)
	{
		session_key(s, k, sizeof(k));
		if (strcmp(k, key) == 0 && !json_is_true(json_object_get(s, "monitored")))
			return s;
	}
	return NULL;
}

/* Raised alarms whose session ended, became monitored, or whose machine left. */
struct stale {
	const struct machines *ms;
	struct {
		int64_t machine_id, school_id;
		char text[300];
		char session[160];
	} v[64];
	size_t n;
};

static int check_alarm(const struct store_session_alarm *a, void *ud)
{
	struct stale *st = ud;
	const struct machine *m = find_machine(st->ms, a->machine_id);

	if ((m && unmonitored(m, a->session)) || st->n == sizeof(st->v) / sizeof(st->v[0]))
		return 0; /* still on, or the rest on the next pass */
	st->v[st->n].machine_id = a->machine_id;
	st->v[st->n].school_id = a->school_id;
	snprintf(st->v[st->n].session, sizeof(st->v[0].session), "%s", a->session);
	snprintf(st->v[st->n].text, sizeof(st->v[0].text),
	         "%s: session %s ended or is monitored again", a->machine, a->session);
	st->n++;
	return 0;
}

int alerts_unmonitored(struct server *srv, int64_t now)
{
	struct machines ms = {0};
	struct stale *st = calloc(1, sizeof(*st));
	int rc = st ? store_health_machines(srv->store, add_machine, &ms) : -ENOMEM;

	if (rc == 0) {
		st->ms = &ms;
		rc = store_session_alarms(srv->store, check_alarm, st);
	}
	for (size_t i = 0; rc == 0 && i < st->n; i++) {
		if (store_session_alarm_clear(srv->store, st->v[i].machine_id, st->v[i].session) ==
		    0)
			audit_record(srv->store, "system", st->v[i].school_id,
			             "unmonitored-cleared", NULL, st->v[i].text);
	}
	free(st);
	for (size_t i = 0; rc == 0 && i < ms.n; i++) {
		const struct machine *m = &ms.v[i];
		json_t *s;
		size_t k;

		json_array_foreach(m->sessions, k, s)
		{
			char key[160], detail[400];
			int r;

			if (json_is_true(json_object_get(s, "monitored")))
				continue;
			session_key(s, key, sizeof(key));
			/* what and where, never who (docs/alerts.md) */
			snprintf(detail, sizeof(detail), "a %s session%s%s (%s) has no monitor",
			         str(s, "type"), str(s, "display")[0] ? " on display " : "",
			         str(s, "display"), key);
			r = store_session_alarm_raise(srv->store, m->id, m->school_id, key,
			                              m->technician, detail, now);
			if (r == -EEXIST)
				continue; /* raised before */
			if (r < 0) {
				rc = r;
				break;
			}
			snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			         " on %s: %s told", m->name, m->technician);
			audit_record(srv->store, "system", m->school_id, "unmonitored-alarm", NULL,
			             detail);
		}
	}
	machines_free(&ms);
	return rc;
}
