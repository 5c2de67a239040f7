/* vsgnome.c: the GNOME Shell extension's interface, as vigil-session uses it. */
#include "vsgnome.h"

#include <errno.h>
#include <limits.h>
#include <png.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vs.h"
#include "vsbus.h"
#include "vsproto.h"

#define RETRY_S     1  /* the extension not there yet: asked again after 1 s, 2, 4 ... */
#define RETRY_MAX_S 60 /* ... at most this long apart */

static GDBusConnection *bus;
static char *shell; /* the Shell's unique name on the bus, once trusted */
static size_t clip_max;
static bool extension_seen;

/*
 * The extension refusing the helper once it knew it means someone made it forget (a pupil
 * running many copies of the helper): the helper ends, which the monitor reports as tamper.
 */
static void check_refused(const GError *err)
{
	char *name = err ? g_dbus_error_get_remote_error(err) : NULL;

	if (extension_seen && name &&
	    strcmp(name, "org.freedesktop.DBus.Error.AccessDenied") == 0) {
		g_message("the GNOME Shell extension refuses the helper now; stopping");
		exit(1);
	}
	g_free(name);
}

int vsgnome_ready(void)
{
	return shell && extension_seen;
}

/* The owner of org.gnome.Shell, when it is the session's compositor (see vsgnome.h). */
static char *trusted_shell(pid_t compositor)
{
	guint32 pid;
	char *owner = vs_name_owner(bus, "org.gnome.Shell", &pid), path[64], exe[PATH_MAX];
	ssize_t n;

	if (!owner)
		return NULL; /* not GNOME */
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = pid ? readlink(path, exe, sizeof(exe) - 1) : -1;
	if (n > 0)
		exe[n] = '\0';
	if (n <= 0 || strcmp(strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe, "gnome-shell") != 0) {
		g_message("org.gnome.Shell is owned by %s (pid %u, %s), not the Shell: not trusted",
		          owner, pid, n > 0 ? exe : "executable unknown");
		g_free(owner);
		return NULL;
	}
	if (compositor && (pid_t)pid != compositor) {
		g_message("org.gnome.Shell is owned by pid %u, the session's compositor is %d: not "
		          "trusted",
		          pid, (int)compositor);
		g_free(owner);
		return NULL;
	}
	return owner;
}

static void send_window(const char *ev, guint64 id, const char *title, const char *app)
{
	json_t *t = vs_string(title, VS_TITLE_MAX), *a = vs_string(app, VS_APP_MAX);

	if (t && a)
		vs_send(
		    json_pack("{sssIsoso}", "ev", ev, "id", (json_int_t)id, "title", t, "app", a));
	else {
		json_decref(t);
		json_decref(a);
	}
}

static void clip_done(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	GVariant *r = g_dbus_connection_call_finish(bus, res, &err);
	const char *text;
	json_t *v;

	if (!r) {
		check_refused(err);
		g_clear_error(&err);
		return;
	}
	g_variant_get(r, "(&s)", &text);
	v = *text ? vs_string(text, clip_max) : NULL;
	explicit_bzero((char *)text, strlen(text));
	g_variant_unref(r);
	if (v)
		vs_send(json_pack("{ssso}", "ev", "clip", "text", v));
}

static void on_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                      const char *name, GVariant *args, gpointer data)
{
	if (strcmp(iface, "org.gnome.ScreenSaver") == 0) {
		gboolean active;

		if (strcmp(name, "ActiveChanged") == 0 &&
		    g_variant_is_of_type(args, G_VARIANT_TYPE("(b)"))) {
			g_variant_get(args, "(b)", &active);
			vs_set_locked(active);
		}
		return;
	}
	if ((strcmp(name, "Focus") == 0 || strcmp(name, "Title") == 0) &&
	    g_variant_is_of_type(args, G_VARIANT_TYPE("(tss)"))) {
		guint64 id;
		const char *title, *app;

		g_variant_get(args, "(t&s&s)", &id, &title, &app);
		if (name[0] == 'F')
			vs_set_focus_id(id);
		send_window(name[0] == 'F' ? "focus" : "title", id, title, app);
	} else if (strcmp(name, "Selection") == 0 && clip_max > 0 &&
	           g_variant_is_of_type(args, G_VARIANT_TYPE("(u)"))) {
		g_dbus_connection_call(bus, shell, VS_GNOME_PATH, VS_GNOME_IFACE, "Clipboard", args,
		                       G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE,
		                       VS_CALL_TIMEOUT_MS, NULL, clip_done, NULL);
	}
}

/* The windows as they are now: each title, then the focused one. */
static gboolean ask_windows(gpointer data)
{
	GVariant *r = vs_call_sync(bus, shell, VS_GNOME_PATH, VS_GNOME_IFACE, "Windows", NULL,
	                           "(a(tssb))", NULL);
	GVariantIter *it;
	guint64 id, focus = 0;
	const char *title, *app;
	gboolean has_focus;

	if (!r)
		return G_SOURCE_CONTINUE; /* the extension is not enabled yet */
	extension_seen = true;
	vs_undumpable(); /* the extension checked our executable; it knows our name now */
	g_variant_get(r, "(a(tssb))", &it);
	while (g_variant_iter_next(it, "(t&s&sb)", &id, &title, &app, &has_focus)) {
		send_window("title", id, title, app);
		if (has_focus) {
			focus = id;
			send_window("focus", id, title, app);
		}
	}
	g_variant_iter_free(it);
	g_variant_unref(r);
	if (!focus)
		send_window("focus", 0, "", "");
	vs_set_focus_id(focus);
	g_message("GNOME Shell extension found");
	return G_SOURCE_REMOVE;
}

/* Asks again, less and less often: a Shell without the extension is not polled busily. */
static gboolean retry_windows(gpointer data)
{
	static guint delay = RETRY_S, waited;

	if (ask_windows(NULL) == G_SOURCE_REMOVE)
		return G_SOURCE_REMOVE;
	waited += delay;
	if (waited >= 30 && waited - delay < 30)
		g_message("the GNOME Shell extension does not answer (is it installed and enabled "
		          "by the dconf default?); asking again up to every %d s",
		          RETRY_MAX_S);
	delay = delay * 2 > RETRY_MAX_S ? RETRY_MAX_S : delay * 2;
	g_timeout_add_seconds(delay, retry_windows, NULL);
	return G_SOURCE_REMOVE;
}

int vsgnome_start(GDBusConnection *b, pid_t compositor, size_t max)
{
	GVariant *r;

	bus = b;
	clip_max = max;
	shell = trusted_shell(compositor);
	if (!shell)
		return -1;
	g_dbus_connection_signal_subscribe(bus, shell, VS_GNOME_IFACE, NULL, VS_GNOME_PATH, NULL,
	                                   G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
	g_dbus_connection_signal_subscribe(bus, shell, "org.gnome.ScreenSaver", "ActiveChanged",
	                                   "/org/gnome/ScreenSaver", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
	                                   on_signal, NULL, NULL);
	r = vs_call_sync(bus, shell, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "GetActive",
	                 NULL, "(b)", NULL);
	if (r) {
		gboolean active;

		g_variant_get(r, "(b)", &active);
		vs_set_locked(active);
		g_variant_unref(r);
	}
	if (ask_windows(NULL) == G_SOURCE_CONTINUE)
		g_timeout_add_seconds(RETRY_S, retry_windows, NULL);
	return 0;
}

struct shot {
	vsgnome_shot_fn done;
	void *data;
};

/* The focused window's frame as the Shell gave it with the last screenshot. */
static gint32 last_focus[4];

bool vsgnome_shot_focus(int rect[4])
{
	for (int i = 0; i < 4; i++)
		rect[i] = last_focus[i];
	return last_focus[2] > 0 && last_focus[3] > 0;
}

/* The Shell's PNG as 0x00RRGGBB words (the Shell is trusted; its size is still bounded). */
static int decode(const void *png, size_t len, uint32_t **out, unsigned *w, unsigned *h)
{
	png_image img;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, png, len))
		return -EBADMSG;
	if (img.width == 0 || img.height == 0 || img.width > VS_SHOT_MAX_SIDE ||
	    img.height > VS_SHOT_MAX_SIDE ||
	    (uint64_t)img.width * img.height > VS_SHOT_MAX_PIXELS) {
		png_image_free(&img);
		return -E2BIG;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	img.format = PNG_FORMAT_BGRA;
#else
	img.format = PNG_FORMAT_ARGB;
#endif
	*out = malloc(PNG_IMAGE_SIZE(img));
	if (!*out) {
		png_image_free(&img);
		return -ENOMEM;
	}
	if (!png_image_finish_read(&img, NULL, *out, 0, NULL)) {
		free(*out);
		return -EBADMSG;
	}
	*w = img.width;
	*h = img.height;
	for (size_t i = 0; i < (size_t)*w * *h; i++)
		(*out)[i] &= 0x00ffffffu;
	return 0;
}

static void shot_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct shot *s = data;
	GError *err = NULL;
	GVariant *r = g_dbus_connection_call_finish(bus, res, &err);
	uint32_t *pixels = NULL;
	unsigned w = 0, h = 0;
	guint32 us = 0;
	int e = -EIO;

	memset(last_focus, 0, sizeof(last_focus));
	if (r) {
		GVariant *ay = g_variant_get_child_value(r, 0);

		g_variant_get_child(r, 1, "u", &us);
		g_variant_get_child(r, 2, "(iiii)", &last_focus[0], &last_focus[1], &last_focus[2],
		                    &last_focus[3]);
		gsize len;
		const void *png = g_variant_get_fixed_array(ay, &len, 1);

		e = decode(png, len, &pixels, &w, &h);
		g_variant_unref(ay);
		g_variant_unref(r);
	} else {
		g_message("screenshot through the extension failed: %s", err->message);
		check_refused(err);
		g_clear_error(&err);
	}
	s->done(e, pixels, w, h, us, s->data);
	free(pixels);
	free(s);
}

void vsgnome_screenshot(vsgnome_shot_fn done, void *data)
{
	struct shot *s = malloc(sizeof(*s));

	if (!s) {
		done(-ENOMEM, NULL, 0, 0, 0, data);
		return;
	}
	s->done = done;
	s->data = data;
	g_dbus_connection_call(bus, shell, VS_GNOME_PATH, VS_GNOME_IFACE, "Screenshot", NULL,
	                       G_VARIANT_TYPE("(ayu(iiii))"), G_DBUS_CALL_FLAGS_NONE,
	                       VS_SHOT_TIMEOUT_MS, NULL, shot_done, s);
}
