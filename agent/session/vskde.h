/* vskde.h: KDE Plasma's KWin, as vigil-session uses it: ScreenShot2 and a KWin script. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Where vigil-session serves the KWin script's calls. */
#define VS_KDE_PATH  "/org/vigil/KWin"
#define VS_KDE_IFACE "org.vigil.KWin1"

/*
 * Finds KWin on bus: the owner of org.kde.KWin must be a kwin_wayland process and, when
 * compositor is not 0, the process serving the session's Wayland socket or its child
 * (kwin_wayland_wrapper holds the socket and starts kwin_wayland). Then serves
 * VS_KDE_IFACE on this connection and loads the KWin script (built in, with this
 * connection's unique name written into it) through org.kde.kwin.Scripting: the script
 * calls Focus, Title and Closed, which are answered only when the caller is that very
 * KWin connection (anyone else: AccessDenied, logged), and sent on as "focus" and
 * "title" (each window's title once, and again when it changes).
 * A script that is gone (unloaded by another program) is loaded again within
 * VS_ALIVE_MS. Once the main loop runs, KWin is asked for one pixel, so that a helper
 * KWin refuses screenshots says so at once (logged), not at the first capture. Returns 0,
 * or -1 when KWin is not there or not trusted (logged).
 */
int vskde_start(GDBusConnection *bus, pid_t compositor);

/* Whether KWin was found and trusted. */
int vskde_ready(void);

/* Checks the script is still loaded (reloads it when not); called every VS_ALIVE_MS. */
void vskde_tick(void);

/* Unloads the script (when the helper ends). */
void vskde_stop(void);

/*
 * Takes a screenshot of every screen through org.kde.KWin.ScreenShot2 (CaptureWorkspace;
 * KWin allows it because the package's .desktop file names vigil-session): calls
 * done(0, pixels, width, height, kwin_us, data) with 0x00RRGGBB words (the callee's until
 * done returns) and the time KWin's call took with the transfer, or done(-errno, NULL, 0,
 * 0, 0, data).
 */
typedef void (*vskde_shot_fn)(int err, const uint32_t *pixels, unsigned width, unsigned height,
                              unsigned kwin_us, void *data);
void vskde_screenshot(vskde_shot_fn done, void *data);
/* The active window's frame (x, y, width, height) as KWin's script last told it; false
 * when it has not. */
bool vskde_focus(int rect[4]);
