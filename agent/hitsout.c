/* hitsout.c: hits as JSON lines in a file, a test and demo aid that holds pupil text. */
#include "hitsout.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hitsout {
	int fd;
};

int hitsout_open(const char *path, struct hitsout **out)
{
	struct hitsout *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (h->fd < 0 || fchmod(h->fd, 0600) < 0) {
		int r = -errno;

		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

void hitsout_close(struct hitsout *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h);
}

int hitsout_write(struct hitsout *h, const struct hit *hit, const char *user, const char *display)
{
	char when[32];
	struct tm tm;
	json_t *o;
	char *line;
	size_t len;
	int r;

	gmtime_r(&hit->time.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	{
		size_t n = strlen(when);

		snprintf(when + n, sizeof(when) - n, ".%03ldZ", hit->time.tv_nsec / 1000000);
	}
	o = json_pack("{s:s, s:s?, s:s?, s:s, s:{s:s, s:i, s:s, s:s, s:s}, s:s, "
	              "s:{s:s, s:s, s:I}, s:I}",
	              "time", when, "user", user, "display", display, "source",
	              hit_source_name(hit->source), "reason", "category", hit->category, "severity",
	              hit->severity, "phrase", hit->phrase, "matched", hit->matched, "rule",
	              hit->rule, "context", hit->context, "window", "title", hit->window_title,
	              "app", hit->window_app, "id", (json_int_t)hit->window_id, "mono_ns",
	              (json_int_t)hit->mono_ns);
	if (!o)
		return -EINVAL;
	if (hit->why && hit->base_severity > hit->severity) {
		json_t *reason = json_object_get(o, "reason");

		json_object_set_new(reason, "base_severity", json_integer(hit->base_severity));
		json_object_set_new(reason, "why", json_string(hit->why));
		if (hit->context_rule)
			json_object_set_new(reason, "context_rule", json_string(hit->context_rule));
	}
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n'; /* json_dumps leaves room for nothing more: write the NUL's place */
	r = fileio_write_all(h->fd, line, len + 1);
	explicit_bzero(line, len + 1);
	free(line);
	return r;
}
