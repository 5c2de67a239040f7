/* screentext-probe.c: drives the screen-text module on a display and writes its hits as JSON lines.
 */
#include <X11/Xlib.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "detect.h"
#include "hitsout.h"
#include "log.h"
#include "parse.h"
#include "screentext.h"

/*
 * screentext-probe --display :N --lists DIR --hits-out FILE [--mode atspi|ocr|all]
 *                  [--ocr-interval-ms N] [--ocr-budget-pct N] [--debug] [--show-text]
 * Runs until SIGTERM/SIGINT, then prints its counters as one JSON object on stdout.
 * Hits go through the agent's own detector (context, debounce) with source screen-text,
 * exactly as the monitor will hand them over.
 */

struct probe {
	struct detect *detect;
	struct hitsout *out;
	const char *display;
	unsigned long pieces;
	bool show_text;
};

static void on_hit(const struct hit *hit, void *userdata)
{
	struct probe *pr = userdata;
	int r = hitsout_write(pr->out, hit, "testpupil", pr->display);

	if (r < 0)
		log_error("probe: writing a hit: %s", strerror(-r));
}

static void on_piece(const struct screentext_piece *piece, void *userdata)
{
	struct probe *pr = userdata;
	struct detect_window dw = {piece->window, piece->title, piece->app};

	pr->pieces++;
	log_debug("probe: %zu bytes of text via %s from \"%s\"", piece->len, piece->via,
	          piece->app);
	if (pr->show_text) /* test aid: the test's own sentences, never a pupil's */
		fprintf(stderr, "probe: text: %.*s\n", (int)piece->len, piece->text);
	detect_scan(pr->detect, HIT_SOURCE_SCREEN_TEXT, piece->text, piece->len, &dw);
}

static int quiet_x_error(Display *dpy, XErrorEvent *ev)
{
	return 0;
}

static int parse_mode(const char *s, unsigned *out)
{
	static const char *const names[] = {"off", "atspi", "ocr", "all"};

	for (unsigned i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static int run(struct probe *pr, const struct screentext_params *sp)
{
	struct screentext *st;
	struct screentext_stats s;
	sigset_t set;
	int sfd, r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	r = screentext_start(sp, &st);
	if (r < 0) {
		log_error("probe: screentext_start: %s", strerror(-r));
		return 1;
	}
	fprintf(stderr, "probe: ready\n");
	for (;;) {
		struct pollfd fds[2] = {{screentext_fd(st), POLLIN, 0}, {sfd, POLLIN, 0}};

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN)
			screentext_dispatch(st);
		if (fds[1].revents & POLLIN)
			break;
	}
	screentext_get_stats(st, &s);
	screentext_stop(st);
	printf("{\"pieces\":%lu,\"atspi_cpu_ns\":%llu,\"atspi_events\":%llu,\"atspi_pieces\":%llu,"
	       "\"ocr_cpu_ns\":%llu,\"ocr_rounds\":%llu,\"ocr_skipped\":%llu,\"ocr_pieces\":%llu,"
	       "\"dropped\":%llu}\n",
	       pr->pieces, (unsigned long long)s.atspi_cpu_ns, (unsigned long long)s.atspi_events,
	       (unsigned long long)s.atspi_pieces, (unsigned long long)s.ocr_cpu_ns,
	       (unsigned long long)s.ocr_rounds, (unsigned long long)s.ocr_skipped,
	       (unsigned long long)s.ocr_pieces, (unsigned long long)s.dropped);
	close(sfd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"display", required_argument, NULL, 'd'},
	                                     {"lists", required_argument, NULL, 'l'},
	                                     {"hits-out", required_argument, NULL, 'o'},
	                                     {"mode", required_argument, NULL, 'm'},
	                                     {"ocr-interval-ms", required_argument, NULL, 'i'},
	                                     {"ocr-budget-pct", required_argument, NULL, 'b'},
	                                     {"debug", no_argument, NULL, 'g'},
	                                     {"show-text", no_argument, NULL, 't'},
	                                     {NULL, 0, NULL, 0}};
	struct probe pr = {0};
	struct screentext_params sp = {.modes = SCREENTEXT_ATSPI};
	const char *lists = NULL, *hits = NULL;
	struct match_lists *ml;
	struct match_errors *errs;
	int c, r;

	log_setup("screentext-probe", LOG_LEVEL_INFO);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			sp.display = optarg;
			break;
		case 'l':
			lists = optarg;
			break;
		case 'o':
			hits = optarg;
			break;
		case 'm':
			if (parse_mode(optarg, &sp.modes) < 0) {
				fprintf(stderr, "--mode: off, atspi, ocr or all\n");
				return 2;
			}
			break;
		case 'i':
		case 'b':
			if (parse_int(optarg, 1, c == 'i' ? 600000 : 100,
			              c == 'i' ? &sp.ocr_interval_ms : &sp.ocr_budget_pct) < 0) {
				fprintf(stderr, "bad number \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 't':
			pr.show_text = true;
			break;
		case 'g':
			log_setup("screentext-probe", LOG_LEVEL_DEBUG);
			break;
		default:
			return 2;
		}
	}
	if (!sp.display || !lists || !hits) {
		fprintf(stderr, "usage: %s --display :N --lists DIR --hits-out FILE [--mode M]\n",
		        argv[0]);
		return 2;
	}
	XSetErrorHandler(quiet_x_error);
	r = match_lists_load(&lists, 1, &ml, &errs);
	for (size_t i = 0; i < match_errors_count(errs); i++)
		log_error("%s", match_errors_get(errs, i));
	match_errors_free(errs);
	if (r < 0)
		return 1;
	r = hitsout_open(hits, &pr.out);
	if (r < 0) {
		log_error("probe: %s: %s", hits, strerror(-r));
		return 1;
	}
	pr.display = sp.display;
	pr.detect = detect_new(60, on_hit, &pr);
	detect_set_lists(pr.detect, ml);
	match_lists_unref(ml);
	sp.fn = on_piece;
	sp.userdata = &pr;
	r = run(&pr, &sp);
	detect_free(pr.detect);
	hitsout_close(pr.out);
	return r;
}
