/* wl-probe.c: drives the agent's Wayland backend modules on one compositor, for tests and
 * benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-client.h>

#include "parse.h"
#include "wlshot.h"

/*
 * wl-probe shot SOCKET OUT.png [N]: takes N screenshots (default 1) through wlshot_ops on
 * the compositor at SOCKET (a path, or a name in XDG_RUNTIME_DIR), writes the last to
 * OUT.png and prints {"ms_per_shot":…,"cpu_ms_per_shot":…,"width":…,"height":…}.
 */
static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int shot(struct wl_display *dpy, const char *out, int n)
{
	struct shot_stamp stamp = {.time = "2026-12-07T09:00:00.000Z",
	                           .machine = "PROBE",
	                           .user = "pupil",
	                           .reason = "probe",
	                           .id = "00000000-0000-4000-8000-000000000000"};
	unsigned char *png = NULL;
	size_t len = 0;
	unsigned w = 0, h = 0;
	void *g;
	double t0, c0;
	int r = wlshot_ops.open(dpy, &g);
	FILE *f;

	if (r < 0) {
		fprintf(stderr, "open: %s\n", strerror(-r));
		return 1;
	}
	t0 = now_ms(CLOCK_MONOTONIC);
	c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++) {
		free(png);
		png = NULL;
		r = wlshot_ops.png(g, &stamp, &png, &len, &w, &h);
		if (r < 0) {
			fprintf(stderr, "png: %s\n", strerror(-r));
			wlshot_ops.close(g);
			return 1;
		}
	}
	printf("{\"ms_per_shot\":%.2f,\"cpu_ms_per_shot\":%.2f,\"width\":%u,\"height\":%u}\n",
	       (now_ms(CLOCK_MONOTONIC) - t0) / n, (now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / n, w,
	       h);
	wlshot_ops.close(g);
	f = fopen(out, "wb");
	if (!f || fwrite(png, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", out, strerror(errno));
		free(png);
		return 1;
	}
	free(png);
	return 0;
}

int main(int argc, char **argv)
{
	struct wl_display *dpy;
	int r = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: wl-probe shot SOCKET OUT.png [N]\n");
		return 2;
	}
	dpy = wl_display_connect(argv[2]);
	if (!dpy) {
		fprintf(stderr, "cannot connect to %s\n", argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "shot") == 0 && argc >= 4) {
		int n = 1;

		if (argc > 4 && parse_int(argv[4], 1, 10000, &n) < 0) {
			fprintf(stderr, "wl-probe: %s: expected a number of screenshots\n",
			        argv[4]);
			n = 0;
		}
		r = n > 0 ? shot(dpy, argv[3], n) : 2;
	}
	wl_display_disconnect(dpy);
	return r;
}
