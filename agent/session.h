/* session.h: the graphical sessions of this machine, from logind, as they come and go. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct session_info {
	char id[64];       /* logind session id */
	char display[108]; /* ":0", or a Wayland socket's name or path */
	char user[64];
	char type[16]; /* logind's: "x11", "wayland", "mir" */
	uid_t uid;
	gid_t gid;
};

struct sessions;

/* Starts following logind. 0 and *out, or a negative errno (logged by the caller). */
int sessions_new(struct sessions **out);
void sessions_free(struct sessions *s);

/* A file descriptor that becomes readable when sessions change. */
int sessions_fd(const struct sessions *s);

/*
 * Acknowledges the change notification and lists the current graphical sessions (type
 * x11, wayland or mir) of class "user" that are not closing (at most max). Only x11 ones
 * with a display ":N" can be watched; the others are listed to be reported. Returns 0 and
 * *n, or a negative errno.
 */
int sessions_list(struct sessions *s, struct session_info *out, size_t max, size_t *n);

/* The largest X authority file read (a pupil's file: anything may be there). */
#define SESSION_XAUTH_MAX_BYTES (64 * 1024)

/*
 * Makes the next XOpenDisplay() of this process use the session user's X authority
 * cookie: reads the user's Xauthority file (the XAUTHORITY of a process of the session,
 * then ~/.Xauthority) with the user's file-system credentials (setfsuid) and installs the
 * cookie with XSetAuthorization(). The file is opened with O_NOFOLLOW and O_NONBLOCK and
 * read only when it is a regular file of at most SESSION_XAUTH_MAX_BYTES: a FIFO, a
 * device or a link there never blocks or misleads the monitor. Returns 0; -ENOENT when no
 * cookie was found (the connection may still succeed through the server's host access
 * list); -EPERM when a file was refused, with why saying which and why ("/home/p/.Xauthority
 * is a FIFO"), which is tamper.
 */
int session_use_cookie(const struct session_info *si, char *why, size_t whylen);
