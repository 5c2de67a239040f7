/* inject.c: test aid: text lines from a FIFO, scanned as typed text (--inject, off by default). */
#include "inject.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INJECT_LINE_MAX 4096u

struct inject {
	int fd;
	void (*fn)(const char *line, size_t len, void *userdata);
	void *userdata;
	char buf[INJECT_LINE_MAX];
	size_t len;
};

int inject_open(const char *path, void (*fn)(const char *line, size_t len, void *userdata),
                void *userdata, struct inject **out)
{
	struct inject *in = calloc(1, sizeof(*in));

	if (!in)
		return -ENOMEM;
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		free(in);
		return -errno;
	}
	in->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (in->fd < 0) {
		int r = -errno;

		free(in);
		return r;
	}
	in->fn = fn;
	in->userdata = userdata;
	*out = in;
	return 0;
}

void inject_free(struct inject *in)
{
	if (!in)
		return;
	close(in->fd);
	explicit_bzero(in->buf, sizeof(in->buf));
	free(in);
}

int inject_fd(const struct inject *in)
{
	return in->fd;
}

void inject_dispatch(struct inject *in)
{
	for (;;) {
		ssize_t n = read(in->fd, in->buf + in->len, sizeof(in->buf) - in->len);
		char *nl;

		if (n <= 0)
			return;
		in->len += (size_t)n;
		while ((nl = memchr(in->buf, '\n', in->len))) {
			size_t l = (size_t)(nl - in->buf);

			in->fn(in->buf, l, in->userdata);
			memmove(in->buf, nl + 1, in->len - l - 1);
			in->len -= l + 1;
		}
		if (in->len == sizeof(in->buf))
			in->len = 0; /* a line longer than the buffer: forgotten */
	}
}
