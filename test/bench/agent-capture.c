/* agent-capture.c: benchmark: screenshot grab (MIT-SHM vs XGetImage), PNG encoding at
 * several zlib levels, and the cost of handing a hit over on the keystroke path. */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "monotime.h"
#include "pipeline.h"

#define RUNS 15

static double now_ms(void)
{
	return (double)monotime_ns() / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

/* A document-like screen: a desktop colour, windows, lines of text. */
static void paint(Display *dpy)
{
	int scr = DefaultScreen(dpy);
	unsigned w = (unsigned)DisplayWidth(dpy, scr), h = (unsigned)DisplayHeight(dpy, scr);
	Window win = XCreateSimpleWindow(dpy, RootWindow(dpy, scr), 0, 0, w, h, 0, 0, 0x3465a4);
	GC gc = XCreateGC(dpy, win, 0, NULL);
	static const char *words[] = {"homework", "the",     "history", "of",      "Rome",  "essay",
	                              "chapter",  "science", "fair",    "project", "maths", "page"};
	char line[200];

	XSetWindowAttributes swa = {.override_redirect = True};
	XChangeWindowAttributes(dpy, win, CWOverrideRedirect, &swa);
	XMapRaised(dpy, win);
	XSetForeground(dpy, gc, 0xffffff);
	XFillRectangle(dpy, win, gc, 40, 40, w - 80, h - 120);
	XSetForeground(dpy, gc, 0xdddddd);
	XFillRectangle(dpy, win, gc, 40, 40, w - 80, 28);
	XSetForeground(dpy, gc, 0x202020);
	srand(1);
	for (unsigned y = 90; y < h - 100; y += 16) {
		size_t o = 0;

		while (o < 120) {
			const char *wd = words[rand() % 12];
			int n = snprintf(line + o, sizeof(line) - o, "%s ", wd);

			o += (size_t)n;
		}
		XDrawString(dpy, win, gc, 50, (int)y, line, (int)(w / 7 < o ? w / 7 : o));
	}
	XSync(dpy, False);
	usleep(200000);
}

static void sink(const struct hit *hit, void *u)
{
}

int main(int argc, char **argv)
{
	Display *dpy = XOpenDisplay(argc > 1 ? argv[1] : NULL);
	struct capture *c;
	double t[RUNS];
	unsigned char *png;
	size_t len = 0;
	unsigned w = 0, h = 0;
	static const int levels[] = {1, 3, 6, 9};

	(void)sink;
	log_setup("bench", LOG_LEVEL_WARNING);
	if (!dpy) {
		fprintf(stderr, "cannot open display\n");
		return 1;
	}
	XInitThreads();
	paint(dpy);
	capture_new(dpy, &c);
	for (int i = 0; i < RUNS; i++) {
		double t0 = now_ms();

		capture_png(c, NULL, &png, &len, &w, &h);
		t[i] = now_ms() - t0;
		free(png);
	}
	printf("screen %ux%u: grab+encode (level 1, filter sub) median %.1f ms, PNG %zu KiB, "
	       "MIT-SHM %s\n",
	       w, h, median(t, RUNS), len / 1024, capture_uses_shm(c) ? "yes" : "no");
	{
		XImage *img;
		uint32_t *rgb = malloc((size_t)w * h * 4);

		for (int i = 0; i < RUNS; i++) {
			double t0 = now_ms();

			img =
			    XGetImage(dpy, DefaultRootWindow(dpy), 0, 0, w, h, AllPlanes, ZPixmap);
			t[i] = now_ms() - t0;
			if (i == 0)
				for (unsigned y = 0; y < h; y++)
					memcpy(rgb + (size_t)y * w,
					       img->data + (size_t)y * (size_t)img->bytes_per_line,
					       (size_t)w * 4);
			XDestroyImage(img);
		}
		printf("  grab only, XGetImage (the fallback): median %.1f ms\n", median(t, RUNS));
		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
			for (int i = 0; i < 5; i++) {
				double t0 = now_ms();

				shotpng_encode(rgb, w, h, NULL, levels[l], &png, &len);
				t[i] = now_ms() - t0;
				free(png);
			}
			printf(
			    "  encode only, zlib level %d, filter sub: median %.1f ms, %zu KiB\n",
			    levels[l], median(t, 5), len / 1024);
		}
		free(rgb);
	}
	{
		/* The keystroke path: pipeline_submit() copies the hit; the release wakes the
		 * worker. */
		char dir[] = "/tmp/vigil-bench-spool-XXXXXX";
		struct pipeline *pl;
		struct pipeline_params pp = {.display = argc > 1 ? argv[1] : ":0",
		                             .shots = &capture_x11_ops,
		                             .shot_arg = argc > 1 ? argv[1] : ":0",
		                             .user = "bench",
		                             .machine = "BENCH",
		                             .spool_dir = dir,
		                             .retry_ms = 1000};
		struct hit hit = {.category = "bench",
		                  .severity = 3,
		                  .phrase = "kill myself",
		                  .rule = "b.txt:1",
		                  .matched = "kill myself",
		                  .context = "i want to kill myself now",
		                  .window_title = "Writer",
		                  .window_app = "libreoffice"};
		double tu[30];

		if (!mkdtemp(dir) || pipeline_new(&pp, &pl) < 0)
			return 1;
		for (int i = 0; i < 30; i++) {
			double t0;

			clock_gettime(CLOCK_REALTIME, &hit.time);
			t0 = now_ms();
			pipeline_submit(pl, &hit);
			pipeline_release(pl);
			tu[i] = (now_ms() - t0) * 1000;
			usleep(150000); /* let the worker finish: measure the hand-over alone */
		}
		pipeline_free(pl);
		printf("  keystroke path: pipeline_submit() and release median %.1f us, max %.1f "
		       "us (the "
		       "screenshot runs on the worker thread)\n",
		       median(tu, 30), tu[29]);
		{
			char cmd[128];

			snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
			if (system(cmd) != 0)
				return 1;
		}
	}
	capture_free(c);
	XCloseDisplay(dpy);
	return 0;
}
