/* wlsock.h: the connection to a session's compositor, checked to be the session's own. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Connects to the Wayland compositor of a session of user uid: socket is a path, a name
 * in that user's runtime directory (/run/user/UID/wayland-0), or NULL/"" to look for
 * wayland-0 to wayland-9 there. The socket must be a socket (not followed when a link),
 * and the process answering on it must run as uid and, when session is not NULL, belong
 * to that logind session: a compositor a pupil starts elsewhere, or a socket a pupil
 * points somewhere else, is refused. The socket is reached with the user's file-system
 * credentials (gid, uid: setfsuid), so no path the user could not reach is opened;
 * called before the monitor drops its privilege. Writes the socket's path into path (size
 * pathlen). Returns a connected socket (O_CLOEXEC) or -errno: -ENOENT (no socket),
 * -EPERM (the peer is not the session's), -ECONNREFUSED.
 */
int wlsock_connect(uid_t uid, gid_t gid, const char *session, const char *socket, char *path,
                   size_t pathlen);

/* Connects to the socket at path as wlsock_connect() does, and only when the process
 * answering is pid (a compositor's other socket: sway's IPC). fd or -errno (-EPERM). */
int wlsock_connect_peer(const char *path, uid_t uid, gid_t gid, const char *session, pid_t pid);
