/* clip-trickle.c: a CLIPBOARD owner that answers with INCR and then trickles one byte a second. */
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Test aid for test-agent.py: takes CLIPBOARD, prints "owner" once it holds it, lists
 * UTF8_STRING when asked for TARGETS, answers every other conversion with an INCR transfer and
 * sends a one-byte chunk a second after each deletion of the property, never ending the transfer.
 * Runs until killed.
 */
int main(void)
{
	Display *dpy = XOpenDisplay(NULL);
	Window win, requestor = None;
	Atom clipboard, incr, utf8, targets, prop = None;
	XEvent ev;

	if (!dpy)
		return 1;
	win = XCreateSimpleWindow(dpy, DefaultRootWindow(dpy), 0, 0, 1, 1, 0, 0, 0);
	clipboard = XInternAtom(dpy, "CLIPBOARD", False);
	incr = XInternAtom(dpy, "INCR", False);
	utf8 = XInternAtom(dpy, "UTF8_STRING", False);
	targets = XInternAtom(dpy, "TARGETS", False);
	XSetSelectionOwner(dpy, clipboard, win, CurrentTime);
	if (XGetSelectionOwner(dpy, clipboard) != win)
		return 1;
	printf("owner\n");
	fflush(stdout);
	for (;;) {
		XNextEvent(dpy, &ev);
		if (ev.type == SelectionRequest) {
			XSelectionRequestEvent *rq = &ev.xselectionrequest;
			XEvent reply = {.xselection = {.type = SelectionNotify,
			                               .requestor = rq->requestor,
			                               .selection = rq->selection,
			                               .target = rq->target,
			                               .property = rq->property,
			                               .time = rq->time}};
			long size = 1 << 20;

			if (rq->target == targets) {
				XChangeProperty(dpy, rq->requestor, rq->property, XA_ATOM, 32,
				                PropModeReplace, (unsigned char *)&utf8, 1);
				XSendEvent(dpy, rq->requestor, False, 0, &reply);
				XFlush(dpy);
				continue;
			}
			requestor = rq->requestor;
			prop = rq->property;
			XSelectInput(dpy, requestor, PropertyChangeMask);
			XChangeProperty(dpy, requestor, prop, incr, 32, PropModeReplace,
			                (unsigned char *)&size, 1);
			XSendEvent(dpy, requestor, False, 0, &reply);
			XFlush(dpy);
		} else if (ev.type == PropertyNotify && ev.xproperty.window == requestor &&
		           ev.xproperty.atom == prop && ev.xproperty.state == PropertyDelete) {
			sleep(1);
			XChangeProperty(dpy, requestor, prop, utf8, 8, PropModeReplace,
			                (const unsigned char *)"a", 1);
			XFlush(dpy);
		}
	}
}
