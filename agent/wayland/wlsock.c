/* wlsock.c: the connection to a session's compositor, checked to be the session's own. */
#include "wlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
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

/* Connects to the socket at p with the user's file-system credentials. fd or -errno. */
static int connect_as(const char *p, uid_t uid, gid_t gid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uid_t old_uid = (uid_t)setfsuid(uid);
	gid_t old_gid = (gid_t)setfsgid(gid);
	struct stat st;
	int fd = -1, r = 0;

	if (lstat(p, &st) < 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode) || st.st_uid != uid)
		r = -EPERM; /* a link, a file, or a socket someone else made */
	if (r == 0) {
		memcpy(sa.sun_path, p, strlen(p) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			if (fd >= 0)
				close(fd);
		}
	}
	setfsgid(old_gid);
	setfsuid(old_uid);
	return r < 0 ? r : fd;
}

static int try_path(const char *p, uid_t uid, gid_t gid, const char *session)
{
	int fd, r;

	if (strlen(p) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	fd = connect_as(p, uid, gid);
	if (fd < 0)
		return fd;
	r = peer_ok(fd, uid, session);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int wlsock_connect_peer(const char *path, uid_t uid, gid_t gid, const char *session, pid_t pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = try_path(path, uid, gid, session);

	if (fd < 0)
		return fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != pid) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int wlsock_connect(uid_t uid, gid_t gid, const char *session, const char *socket, char *path,
                   size_t pathlen)
{
	int r = -ENOENT;

	if (socket && strchr(socket, '/')) {
		snprintf(path, pathlen, "%s", socket);
		return try_path(socket, uid, gid, session);
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
		r = try_path(path, uid, gid, session);
		if (r >= 0 || (socket && *socket))
			return r;
		if (r == -EPERM)
			log_warning("wayland: %s does not belong to the session's compositor; "
			            "skipped",
			            path);
	}
	return r;
}
