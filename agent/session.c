/* session.c: the graphical sessions of this machine, from logind, as they come and go. */
#include "session.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-login.h>

struct sessions {
	sd_login_monitor *mon;
};

int sessions_new(struct sessions **out)
{
	struct sessions *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = sd_login_monitor_new("session", &s->mon);
	if (r < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

void sessions_free(struct sessions *s)
{
	if (!s)
		return;
	sd_login_monitor_unref(s->mon);
	free(s);
}

int sessions_fd(const struct sessions *s)
{
	return sd_login_monitor_get_fd(s->mon);
}

static bool str_is(const char *got, const char *want)
{
	return got && strcmp(got, want) == 0;
}

/* Fills si for session id when it is a live graphical user session. */
static bool describe(const char *id, struct session_info *si)
{
	char *type = NULL, *klass = NULL, *state = NULL, *display = NULL;
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	bool ok = false;
	uid_t uid;

	if (sd_session_get_type(id, &type) < 0 ||
	    !(str_is(type, "x11") || str_is(type, "wayland") || str_is(type, "mir")) ||
	    sd_session_get_class(id, &klass) < 0 || !str_is(klass, "user") ||
	    sd_session_get_state(id, &state) < 0 || str_is(state, "closing") ||
	    sd_session_get_uid(id, &uid) < 0)
		goto out;
	if (sd_session_get_display(id, &display) < 0)
		display = NULL;
	if (str_is(type, "x11") && (!display || display[0] != ':'))
		goto out;
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) != 0 || !res)
		goto out;
	memset(si, 0, sizeof(*si));
	if ((size_t)snprintf(si->id, sizeof(si->id), "%s", id) >= sizeof(si->id) ||
	    (size_t)snprintf(si->display, sizeof(si->display), "%s", display ? display : "") >=
	        sizeof(si->display) ||
	    (size_t)snprintf(si->type, sizeof(si->type), "%s", type) >= sizeof(si->type) ||
	    (size_t)snprintf(si->user, sizeof(si->user), "%s", pw.pw_name) >= sizeof(si->user))
		goto out;
	si->uid = uid;
	si->gid = pw.pw_gid;
	ok = true;
out:
	free(type);
	free(klass);
	free(state);
	free(display);
	return ok;
}

int sessions_list(struct sessions *s, struct session_info *out, size_t max, size_t *n)
{
	char **ids = NULL;
	int count;

	sd_login_monitor_flush(s->mon);
	count = sd_get_sessions(&ids);
	if (count < 0)
		return count;
	*n = 0;
	for (int i = 0; i < count; i++) {
		if (*n < max && describe(ids[i], &out[*n]))
			(*n)++;
		free(ids[i]);
	}
	free(ids);
	return 0;
}
