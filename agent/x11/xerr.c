/* xerr.c: X protocol errors logged and survived, or trapped around calls that may fail. */
#include "xerr.h"

#include <stdbool.h>
#include <stdlib.h>

#include "log.h"

static _Thread_local int trap_depth; /* per thread: each thread has its own connection */
static _Thread_local int trapped;
static void (*gone_fn)(Display *dpy);
static bool logged[256]; /* error codes already logged at warning level */

static int on_error(Display *dpy, XErrorEvent *e)
{
	char text[128];

	if (trap_depth > 0) {
		trapped++;
		return 0;
	}
	XGetErrorText(dpy, e->error_code, text, sizeof(text));
	log_msg(logged[e->error_code] ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING,
	        "X error: %s (request %u.%u, resource 0x%lx); continuing", text,
	        (unsigned)e->request_code, (unsigned)e->minor_code, (unsigned long)e->resourceid);
	logged[e->error_code] = true;
	return 0;
}

static int on_io_error(Display *dpy)
{
	if (gone_fn)
		gone_fn(dpy);
	exit(EXIT_FAILURE);
}

void xerr_install(void (*gone)(Display *dpy))
{
	gone_fn = gone;
	XSetErrorHandler(on_error);
	XSetIOErrorHandler(on_io_error);
}

void xerr_trap_begin(void)
{
	if (trap_depth++ == 0)
		trapped = 0;
}

int xerr_trap_end(Display *dpy)
{
	XSync(dpy, False);
	if (trap_depth > 0)
		trap_depth--;
	return trapped;
}
