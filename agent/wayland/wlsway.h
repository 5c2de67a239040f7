/* wlsway.h: the focused window's rectangle from sway's IPC (the i3 protocol's GET_TREE). */
#pragma once

#include <sys/types.h>

#include "shot.h"

#define WLSWAY_MAX_REPLY  (8u * 1024 * 1024) /* bytes of a GET_TREE reply */
#define WLSWAY_TIMEOUT_MS 1000               /* for sway to answer */

/*
 * Connects to the IPC socket of the sway whose Wayland socket is wayland_fd: the socket
 * sway makes beside it, dir/sway-ipc.UID.PID.sock, PID the compositor's (SO_PEERCRED), and
 * only when the process answering there is that compositor (so a socket a pupil makes is
 * never asked). Reached with the user's file-system credentials (wlsock.c), before the
 * monitor drops its privilege. Returns a connected socket (O_CLOEXEC) or -errno
 * (-ENOENT: not sway, or sway without IPC).
 */
int wlsway_connect(int wayland_fd, const char *dir, uid_t uid, gid_t gid, const char *session);

/*
 * The rectangle of the focused window (the focused view's container, its borders and
 * title bar included) in the pixels of a screenshot of width x height made by wlshot.c
 * (outputs placed at their positions, the leftmost and topmost at 0, each at its scale),
 * clamped to it. 0 and *out, -ENOENT (nothing focused on screen), -EIO / -ETIMEDOUT /
 * -EPROTO (sway did not answer as it should), -ENOMEM.
 */
int wlsway_focus(int fd, unsigned width, unsigned height, struct shot_rect *out);
