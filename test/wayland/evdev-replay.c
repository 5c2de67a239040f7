/* evdev-replay.c: a recorded kernel keyboard stream through the agent's decoder, typed-text
 * segments and detector. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "evkbd.h"
#include "phrases.h"
#include "typed.h"

/*
 * evdev-replay --layout L [--variant V] --lists DIR FILE.evemu
 * Reads an evemu-record text stream ("E: SEC.USEC TYPE CODE VALUE" lines), writes its
 * events as struct input_event into a pipe and lets evkbd read them from it as it reads a
 * device, with a keymap compiled for layout L. Prints one JSON line per text edit
 * ({"edit":"insert","text":"h"}) and one per hit of the detector ({"hit":...}), as the
 * Wayland monitor would hand them over for the focused window.
 */

static const char *const edits[] = {"insert", "backspace", "delete", "delete-word", "left",
                                    "right",  "home",      "end",    "break",       "newline"};

struct replay {
	struct typed *typed;
};

static void on_edit(const struct text_event *ev, void *userdata)
{
	struct replay *r = userdata;
	json_t *o = json_pack("{s:s}", "edit", edits[ev->edit]);

	if (ev->edit == TEXT_INSERT)
		json_object_set_new(o, "text", json_stringn(ev->text, ev->len));
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
	typed_input(r->typed, 1, ev, 0);
}

static void on_hit(const struct hit *h, void *userdata)
{
	json_t *o =
	    json_pack("{s:{s:s, s:i, s:s, s:s, s:s, s:s}}", "hit", "category", h->category,
	              "severity", h->severity, "phrase", h->phrase, "source",
	              hit_source_name(h->source), "window", h->window_title, "context", h->context);

	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

static void window_of(unsigned long id, struct detect_window *w, void *userdata)
{
	w->id = id;
	w->title = "Chat - Firefox";
	w->app = "firefox";
}

/* Writes the stream's events into fd as struct input_event. 0 or -1. */
static int write_events(FILE *f, int fd)
{
	char line[256];

	while (fgets(line, sizeof(line), f)) {
		struct input_event ev = {0};
		unsigned type, code;
		long sec, usec;
		int value;

		if (sscanf(line, "E: %ld.%ld %x %x %d", &sec, &usec, &type, &code, &value) != 5)
			continue;
		ev.input_event_sec = sec;
		ev.input_event_usec = usec;
		ev.type = (unsigned short)type;
		ev.code = (unsigned short)code;
		ev.value = value;
		if (write(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *layout = "us", *variant = NULL, *lists_dir = NULL, *path = NULL;
	struct xkb_rule_names names = {0};
	struct match_lists *lists = NULL;
	struct xkb_context *ctx;
	struct xkb_keymap *km;
	struct replay r = {0};
	struct detect *d;
	struct evkbd *k;
	int p[2];
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--layout") == 0 && i + 1 < argc)
			layout = argv[++i];
		else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc)
			variant = argv[++i];
		else if (strcmp(argv[i], "--lists") == 0 && i + 1 < argc)
			lists_dir = argv[++i];
		else
			path = argv[i];
	}
	if (!path || !lists_dir || !(f = fopen(path, "r"))) {
		fprintf(stderr, "usage: evdev-replay --layout L --lists DIR FILE.evemu\n");
		return 2;
	}
	if (phrases_load(lists_dir, &lists) < 0)
		return 1;
	names.layout = layout;
	names.variant = variant;
	ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	km = ctx ? xkb_keymap_new_from_names(ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	if (!km || pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "no keymap for layout %s\n", layout);
		return 1;
	}
	d = detect_new(0, on_hit, NULL);
	detect_set_lists(d, lists);
	r.typed = typed_new(d, 0, window_of, NULL);
	k = evkbd_new(&p[0], 1, ctx, km, on_edit, &r);
	if (write_events(f, p[1]) < 0)
		return 1;
	close(p[1]);
	while (evkbd_dispatch(k, p[0]) == 0)
		;
	typed_end_all(r.typed);
	evkbd_free(k);
	typed_free(r.typed);
	detect_free(d);
	match_lists_unref(lists);
	xkb_keymap_unref(km);
	xkb_context_unref(ctx);
	fclose(f);
	return 0;
}
