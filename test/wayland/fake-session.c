/* fake-session.c: a pupil's stand-in for vigil-session: well-formed and malformed messages
 * on the event channel, then screenshot replies out of bounds and within them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vsproto.h"

static void msg_fd(int sock, const char *text, size_t len, int fd)
{
	struct iovec iov = {(void *)text, len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		perror("fake-session: sendmsg");
}

static void msg(const char *text)
{
	msg_fd(VS_EVENT_FD, text, strlen(text), -1);
}

/* {"ev":EV,KEY:"<n times c>"} */
static void long_field(const char *ev, const char *key, size_t n)
{
	size_t cap = n + 64;
	char *s = malloc(cap);
	int o = snprintf(s, cap, "{\"ev\":\"%s\",\"id\":1,\"app\":\"a\",\"%s\":\"", ev, key);

	memset(s + o, 'x', n);
	memcpy(s + o + n, "\"}", 3);
	msg_fd(VS_EVENT_FD, s, strlen(s), -1);
	free(s);
}

static int pixels_fd(size_t bytes, size_t real)
{
	int fd = memfd_create("fake", 0);
	uint32_t px = 0x00ff0000;

	if (ftruncate(fd, (off_t)real) < 0)
		exit(1);
	for (size_t o = 0; o + 4 <= real; o += 4)
		if (pwrite(fd, &px, 4, (off_t)o) != 4)
			exit(1);
	(void)bytes;
	return fd;
}

int main(void)
{
	int big = 1 << 20, fd;
	char req[64];

	setsockopt(VS_EVENT_FD, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	msg("{\"ev\":\"hello\",\"atspi\":true,\"gnome\":true}");
	long_field("title", "title", VS_TITLE_MAX + 1);         /* dropped */
	long_field("typed", "text", VS_TYPED_MAX + 1);          /* dropped */
	long_field("clip", "text", VS_MSG_MAX + 10);            /* over the message bound */
	msg("not json at all");                                 /* dropped */
	msg("{\"ev\":\"clip\",\"text\":\"a\",\"text\":\"b\"}"); /* duplicate key */
	msg("{\"ev\":\"title\",\"id\":-5,\"title\":\"t\",\"app\":\"a\"}");
	msg("{\"ev\":\"erase\",\"count\":1000}");
	msg("{\"ev\":\"focus\",\"id\":7,\"title\":\"Pupil notes\",\"app\":\"gedit\"}");
	msg("{\"ev\":\"title\",\"id\":8,\"title\":\"buy cheap pills\",\"app\":\"firefox\"}");
	msg("{\"ev\":\"clip\",\"text\":\"copied\"}");
	msg("{\"ev\":\"erase\",\"count\":3}");
	fd = memfd_create("stray", 0); /* an fd where none belongs: closed by the monitor */
	msg_fd(VS_EVENT_FD, "{\"ev\":\"typed\",\"id\":7,\"text\":\"ab\"}", 33, fd);
	close(fd);
	/* screenshots: too large, good, a file shorter than its pixels, no fd */
	for (int i = 0; i < 4 && recv(VS_SHOT_FD, req, sizeof(req), 0) > 0; i++) {
		if (i == 0) {
			fd = pixels_fd(16, 16);
			msg_fd(VS_SHOT_FD, "{\"width\":100000,\"height\":2}", 28, fd);
		} else if (i == 1) {
			fd = pixels_fd(32, 32);
			msg_fd(VS_SHOT_FD, "{\"width\":4,\"height\":2}", 22, fd);
		} else if (i == 2) {
			fd = pixels_fd(32, 8);
			msg_fd(VS_SHOT_FD, "{\"width\":4,\"height\":2}", 22, fd);
		} else {
			fd = -1;
			msg_fd(VS_SHOT_FD, "{\"width\":4,\"height\":2}", 22, -1);
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
