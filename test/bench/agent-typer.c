/* agent-typer.c: benchmark helper: types text through XTest at a steady rate, or listens
 * with a bare XRecord client (the floor any XRecord-based monitor pays). */
#include <X11/Xlib.h>
#include <X11/keysym.h>
#include <X11/Xproto.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/record.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monotime.h"
#include "parse.h"

static void sleep_until(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static KeyCode code_for(Display *dpy, char c)
{
	KeySym sym = c == ' '    ? XK_space
	             : c == '.'  ? XK_period
	             : c == '\n' ? XK_Return
	                         : (KeySym)(unsigned char)c;

	return XKeysymToKeycode(dpy, sym);
}

/* Types text (lowercase letters, spaces, dots, newlines as Return) at rate keys per second; prints
 * "INDEX MONO_NS" for each key press as it is sent. */
static int type_text(Display *dpy, const char *text, int rate)
{
	uint64_t step = 1000000000u / (uint64_t)rate, t = monotime_ns();

	for (size_t i = 0; text[i]; i++) {
		KeyCode kc = code_for(dpy, text[i]);
		uint64_t sent;

		if (!kc) {
			fprintf(stderr, "agent-typer: no key for '%c'\n", text[i]);
			return 1;
		}
		sleep_until(t);
		sent = monotime_ns();
		XTestFakeKeyEvent(dpy, kc, True, CurrentTime);
		XTestFakeKeyEvent(dpy, kc, False, CurrentTime);
		XFlush(dpy);
		printf("%zu %llu\n", i, (unsigned long long)sent);
		t += step;
	}
	XSync(dpy, False);
	fflush(stdout);
	return 0;
}

static unsigned long events;

static void on_record(XPointer closure, XRecordInterceptData *d)
{
	if (d->category == XRecordFromServer)
		events++;
	XRecordFreeData(d);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

/* A bare XRecord listener for keys and buttons, until SIGTERM. */
static int listen_only(Display *ctrl, const char *name)
{
	Display *rec = XOpenDisplay(name);
	XRecordRange *range = XRecordAllocRange();
	XRecordClientSpec all = XRecordAllClients;
	XRecordContext ctx;

	if (!rec || !range)
		return 1;
	range->device_events.first = KeyPress;
	range->device_events.last = ButtonPress;
	ctx = XRecordCreateContext(ctrl, 0, &all, 1, &range, 1);
	XSync(ctrl, False);
	if (!ctx || !XRecordEnableContextAsync(rec, ctx, on_record, NULL))
		return 1;
	signal(SIGTERM, on_term);
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p = {ConnectionNumber(rec), POLLIN, 0};

		if (poll(&p, 1, -1) > 0)
			XRecordProcessReplies(rec);
	}
	printf("events %lu\n", events);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = getenv("DISPLAY");
	Display *dpy;
	int rate;

	if (argc == 2 && strcmp(argv[1], "--listen") == 0) {
		dpy = XOpenDisplay(name);
		return dpy ? listen_only(dpy, name) : 1;
	}
	if (argc != 4 || strcmp(argv[1], "--type") != 0 || parse_int(argv[2], 1, 1000, &rate) < 0) {
		fprintf(stderr, "usage: agent-typer --type KEYS_PER_SECOND TEXT | --listen\n");
		return 2;
	}
	dpy = XOpenDisplay(name);
	if (!dpy) {
		fprintf(stderr, "agent-typer: cannot open display\n");
		return 1;
	}
	return type_text(dpy, argv[3], rate);
}
