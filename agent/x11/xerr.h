/* xerr.h: X protocol errors logged and survived, or trapped around calls that may fail. */
#pragma once

#include <X11/Xlib.h>

/*
 * Installs the process's handlers: protocol errors are logged (once per kind, then at
 * debug level) and the program goes on; an I/O error (the display went away) calls
 * gone(display_name), which must not return (the monitor of that display exits).
 */
void xerr_install(void (*gone)(Display *dpy));

/*
 * Between trap_begin and trap_end, errors are counted and not logged: for calls on a
 * window that may have vanished. trap_end syncs and returns the number of errors.
 */
void xerr_trap_begin(void);
int xerr_trap_end(Display *dpy);
