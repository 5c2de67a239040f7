/* health.c: the monitoring state of every graphical session, written for the uploader's heartbeat.
 */
#include "health.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

static char *last; /* what was written last */

static json_t *session_json(const struct health_session *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:i, s:o}", "id", s->id, "display", s->display,
	                 "user", s->user, "type", s->type, "monitored", s->monitored, "restarts_1h",
	                 s->restarts_1h, "last_gap",
	                 s->last_gap_ms < 0 ? json_null()
	                                    : json_real((double)s->last_gap_ms / 1000.0));
}

int health_write(const char *dir, const struct health_session *v, size_t n)
{
	char path[4096], tmp[4096];
	json_t *a = json_array();
	char *text;
	int fd, r = 0;

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, session_json(&v[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (!text)
		return -ENOMEM;
	if (last && strcmp(last, text) == 0) {
		free(text);
		return 0;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, HEALTH_FILE) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, HEALTH_FILE) >= sizeof(tmp)) {
		free(text);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		r = -errno;
	else {
		r = fileio_write_all(fd, text, strlen(text));
		if (close(fd) < 0 && r == 0)
			r = -errno;
		if (r == 0 && rename(tmp, path) < 0)
			r = -errno;
		if (r < 0)
			unlink(tmp);
	}
	if (r < 0) {
		free(text);
		return r;
	}
	free(last);
	last = text;
	return 1;
}

char *health_read(const char *dir)
{
	char path[4096];
	json_t *a;
	char *text;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, HEALTH_FILE) >= sizeof(path))
		return NULL;
	a = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		return NULL;
	}
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}
