/* vsgnome.h: the GNOME Shell extension's interface, as vigil-session uses it. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Where the extension exports its interface on the Shell's own session-bus connection. */
#define VS_GNOME_PATH  "/org/vigil/Session"
#define VS_GNOME_IFACE "org.vigil.Session1"

/*
 * Finds the Shell on bus: the owner of org.gnome.Shell must be a gnome-shell process and,
 * when compositor is not 0, the very process that serves the session's Wayland socket
 * (the monitor checked that one is the session's own). Every call and every signal then
 * goes to and comes from that unique connection only, never through a name a pupil's
 * program could take. Follows the focused window and the titles (messages "focus" and
 * "title"), the clipboard ("clip", at most clip_max bytes) and the screen shield (no
 * typed text while locked). Returns 0, or -1 when the Shell is not there or not trusted
 * (logged); the extension itself may come later (its calls are retried).
 */
int vsgnome_start(GDBusConnection *bus, pid_t compositor, size_t clip_max);

/* Whether the Shell was found and trusted. */
int vsgnome_ready(void);

/*
 * Takes a screenshot through the extension: calls done(0, pixels, width, height,
 * shell_us, data) with 0x00RRGGBB words (the callee's until done returns) and the time the
 * Shell's own call took, or done(-errno, NULL, 0, 0, 0, data).
 */
typedef void (*vsgnome_shot_fn)(int err, const uint32_t *pixels, unsigned width, unsigned height,
                                unsigned shell_us, void *data);
void vsgnome_screenshot(vsgnome_shot_fn done, void *data);
/* The focused window's frame (x, y, width, height in the screenshot's pixels) as the Shell
 * gave it with the last screenshot; false when none was focused. */
bool vsgnome_shot_focus(int rect[4]);
