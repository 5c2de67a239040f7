/* wlsock.c: the connection to a session's compositor, checked to be the session's own. */
#include "wlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "log.h"

/* Whether the peer of fd runs as uid and, with a session, in that session. */
static int peer_ok(int fd, uid_t uid, const char *session)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char *peer_session = NULL;
	bool same;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.uid != uid)
		return -EPERM;
	if (!session)
		return 0;
	if (sd_pid_get_session(cred.pid, &peer_session) < 0)
		return -EPERM;
	same = strcmp(peer_session, session) == 0;
	free(peer_session);
	return same ? 0 : -EPERM;
}

static int try_path(const char *p, uid_t uid, const char *session)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r;

	if (strlen(p) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (lstat(p, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != uid)
		return -EPERM; /* a link, a file, or a socket someone else made */
	memcpy(sa.sun_path, p, strlen(p) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = peer_ok(fd, uid, session);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int wlsock_connect(uid_t uid, const char *session, const char *socket, char *path, size_t pathlen)
{
	int r = -ENOENT;

	if (socket && strchr(socket, '/')) {
		snprintf(path, pathlen, "%s", socket);
		return try_path(socket, uid, session);
	}
	for (int n = 0; n < 10; n++) {
		char name[32];

		if (socket && *socket)
			snprintf(name, sizeof(name), "%s", socket);
		else
			snprintf(name, sizeof(name), "wayland-%d", n);
		if ((size_t)snprintf(path, pathlen, "/run/user/%u/%s", (unsigned)uid, name) >=
		    pathlen)
			return -ENAMETOOLONG;
		r = try_path(path, uid, session);
		if (r >= 0 || (socket && *socket))
			return r;
		if (r == -EPERM)
			log_warning("wayland: %s does not belong to the session's compositor; "
			            "skipped",
			            path);
	}
	return r;
}
