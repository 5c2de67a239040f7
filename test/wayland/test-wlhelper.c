/* test-wlhelper.c: the monitor's side of vigil-session takes nothing beyond its bounds:
 * a stand-in helper (fake-session.c, run as nobody) sends messages over every bound, not
 * JSON, with duplicate keys, negative ids and a stray file descriptor, and screenshot
 * replies too large, short or without pixels; only the well-formed ones arrive, and the
 * helper's end is seen. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "monotime.h"
#include "wlhelper.h"

struct seen {
	int focus, title, clip, typed, erase;
	char last_title[64], last_typed[16];
	int erased;
};

static void on_focus(unsigned long id, const char *title, const char *app, void *ud)
{
	struct seen *s = ud;

	CHECK(id == 7 && strcmp(title, "Pupil notes") == 0 && strcmp(app, "gedit") == 0,
	      "focus %lu %s %s", id, title, app);
	s->focus++;
}

static void on_title(unsigned long id, const char *title, const char *app, void *ud)
{
	struct seen *s = ud;

	snprintf(s->last_title, sizeof(s->last_title), "%s", title);
	s->title++;
}

static void on_clip(const char *text, size_t len, void *ud)
{
	struct seen *s = ud;

	CHECK(len == 6 && strcmp(text, "copied") == 0, "clip %zu", len);
	s->clip++;
}

static void on_typed(const char *text, size_t len, void *ud)
{
	struct seen *s = ud;

	snprintf(s->last_typed, sizeof(s->last_typed), "%s", text);
	s->typed++;
}

static void on_erase(int count, void *ud)
{
	struct seen *s = ud;

	s->erased = count;
	s->erase++;
}

static const struct wlhelper_ops ops = {on_focus, on_title, on_clip, on_typed, on_erase};

int main(int argc, char **argv)
{
	struct passwd *pw = getpwnam("nobody");
	struct wlhelper_params hp = {
	    .runtime_dir = "/tmp", .wayland = "wayland-0", .clip_max = 65536};
	struct wlshots shots = {NULL, NULL, -1};
	struct shot_stamp stamp = {.time = "2026-12-07T00:00:00Z",
	                           .machine = "T",
	                           .user = "nobody",
	                           .reason = "test",
	                           .id = "id"};
	struct seen s = {0};
	struct wlhelper *h;
	void *g;
	int r = 0;

	if (geteuid() != 0 || !pw || argc < 2) {
		printf("1..0 # SKIP the helper is started as another user: needs root\n");
		return 77;
	}
	{
		char *path = realpath(argv[1], NULL); /* meson gives it relative to the build */

		CHECK(path, "no %s", argv[1]);
		if (!path)
			TAP_EXIT();
		setenv("VIGIL_SESSION_HELPER", path, 1);
		free(path);
	}
	hp.uid = pw->pw_uid;
	hp.gid = pw->pw_gid;
	CHECK(wlhelper_start(&hp, &h) == 0, "start");
	if (tap_failed)
		TAP_EXIT();
	for (int64_t end = monotime_ms() + 5000; monotime_ms() < end && r == 0 && s.typed == 0;) {
		usleep(20000);
		r = wlhelper_dispatch(h, &ops, &s);
	}
	CHECK(r == 0, "dispatch %d", r);
	CHECK(wlhelper_up(h) && wlhelper_gnome(h), "hello");
	CHECK(s.focus == 1, "focus %d", s.focus);
	CHECK(s.title == 1 && strcmp(s.last_title, "buy cheap pills") == 0, "title %d %s", s.title,
	      s.last_title);
	CHECK(s.clip == 1, "clip %d", s.clip);
	CHECK(s.typed == 1 && strcmp(s.last_typed, "ab") == 0, "typed %d %s", s.typed,
	      s.last_typed);
	CHECK(s.erase == 1 && s.erased == 3, "erase %d %d", s.erase, s.erased);

	shots.helper = h;
	CHECK(wlshots_ops.open(&shots, &g) == 0, "shot open");
	for (int i = 0; i < 4; i++) {
		unsigned char *png = NULL;
		size_t len = 0;
		unsigned w = 0, hh = 0;
		int e = wlshots_ops.png(g, &stamp, &png, &len, &w, &hh);

		if (i == 1)
			CHECK(e == 0 && png && w == 4 && hh == 2, "good screenshot: %d %ux%u", e, w,
			      hh);
		else
			CHECK(e < 0 && !png, "screenshot %d out of bounds taken (%d)", i, e);
		free(png);
	}
	wlshots_ops.close(g);
	for (int64_t end = monotime_ms() + 5000; monotime_ms() < end && r == 0;) {
		usleep(20000);
		r = wlhelper_dispatch(h, &ops, &s);
	}
	CHECK(r == -EPIPE, "the helper's end is seen: %d", r);
	wlhelper_free(h);
	TAP_EXIT();
}
