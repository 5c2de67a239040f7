/* xcookie.h: the session user's X authority cookie, read safely, for the monitor's X connections.
 */
#pragma once

#include <stddef.h>

#include "session.h"

/* The largest X authority file read (a pupil's file: anything may be there). */
#define XCOOKIE_MAX_BYTES (64 * 1024)

/*
 * Makes the next XOpenDisplay() of this process use the session user's X authority
 * cookie: reads the user's Xauthority file (the XAUTHORITY of a process of the session,
 * then ~/.Xauthority) with the user's file-system credentials (setfsuid) and installs the
 * cookie with XSetAuthorization(). The file is opened with O_NOFOLLOW and O_NONBLOCK and
 * read only when it is a regular file of at most XCOOKIE_MAX_BYTES: a FIFO, a
 * device or a link there never blocks or misleads the monitor. Returns 0; -ENOENT when no
 * cookie was found (the connection may still succeed through the server's host access
 * list); -EPERM when a file was refused, with why saying which and why ("/home/p/.Xauthority
 * is a FIFO"), which is tamper.
 */
int xcookie_use(const struct session_info *si, char *why, size_t whylen);
