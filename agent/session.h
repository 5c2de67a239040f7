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
 * x11, wayland or mir) of class "user" that are not closing (at most max). x11 ones need
 * a display ":N"; mir ones are listed to be reported, not watched. Returns 0 and
 * *n, or a negative errno.
 */
int sessions_list(struct sessions *s, struct session_info *out, size_t max, size_t *n);
