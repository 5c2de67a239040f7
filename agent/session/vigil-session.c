/* vigil-session.c: vigil-session: what the Wayland monitor needs done as the pupil. */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vs.h"
#include "vsatspi.h"
#include "vsgnome.h"
#include "vskde.h"
#include "vsproto.h"

/*
 * The monitor starts this program as the session's user with the event channel on fd 3
 * and the screenshot channel on fd 4 (vsproto.h). It speaks on the pupil's session bus
 * (which refuses root): AT-SPI for typed text everywhere, the GNOME Shell extension for
 * windows, clipboard and screenshots where the compositor has no wlroots protocols, and
 * on KDE Plasma KWin's ScreenShot2 and a KWin script for screenshots and windows.
 * It keeps no text: whatever it receives is sent on at once and wiped. When the monitor
 * goes away (the channel's other end closes) it exits.
 */

static GMainLoop *loop;
static bool locked;
static unsigned long focus_id;
static bool shot_busy;

void vs_undumpable(void)
{
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		g_message("cannot make the helper undumpable: %s", strerror(errno));
}

bool vs_locked(void)
{
	return locked;
}

void vs_set_locked(bool l)
{
	locked = l;
}

unsigned long vs_focus_id(void)
{
	return focus_id;
}

void vs_set_focus_id(unsigned long id)
{
	focus_id = id;
}

/* Wipes every string in v (the text a message carried) before it is freed. */
static void wipe_json(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, x) wipe_json(x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) wipe_json(x);
	}
}

static int send_json(int fd, json_t *msg, int passfd)
{
	char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	size_t len = s ? strlen(s) : 0;
	int r = -1;

	if (msg) {
		wipe_json(msg);
		json_decref(msg);
	}
	if (!s)
		return -1;
	if (len <= VS_MSG_MAX) {
		struct iovec iov = {s, len};
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

		if (passfd >= 0) {
			struct cmsghdr *c;

			memset(&u, 0, sizeof(u));
			mh.msg_control = u.buf;
			mh.msg_controllen = sizeof(u.buf);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &passfd, sizeof(int));
		}
		if (sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len)
			r = 0;
		else if (errno == EPIPE || errno == ECONNRESET)
			g_main_loop_quit(loop);
	}
	explicit_bzero(s, len);
	free(s);
	return r;
}

int vs_send(json_t *msg)
{
	return send_json(VS_EVENT_FD, msg, -1);
}

json_t *vs_string(const char *text, size_t max)
{
	size_t len = strnlen(text, max + 1);
	char *copy;
	json_t *v;

	if (len > max) { /* cut on a character boundary */
		len = max;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)copy[i] < 0x20 && copy[i] != '\n' && copy[i] != '\t')
			copy[i] = ' ';
	}
	v = json_stringn(copy, len); /* NULL when not UTF-8 */
	explicit_bzero(copy, len);
	free(copy);
	return v;
}

static void shot_reply_error(const char *why)
{
	send_json(VS_SHOT_FD, json_pack("{ss}", "error", why), -1);
}

/* The data of a screenshot through the GNOME Shell or KWin: where the focus is comes from
 * each. */
static int gnome_shot, kde_shot;

static void shot_done(int err, const uint32_t *pixels, unsigned width, unsigned height,
                      unsigned shell_us, void *data)
{
	size_t bytes = (size_t)width * height * 4;
	int fd;

	shot_busy = false;
	if (err < 0) {
		shot_reply_error(strerror(-err));
		return;
	}
	fd = memfd_create("vigil-shot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0 ||
	    pwrite(fd, pixels, bytes, 0) != (ssize_t)bytes) {
		shot_reply_error("cannot make the shared memory");
	} else {
		json_t *reply = json_pack("{sIsIsI}", "width", (json_int_t)width, "height",
		                          (json_int_t)height, "shell_us", (json_int_t)shell_us);
		int rect[4];

		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
		if (reply && ((data == &gnome_shot && vsgnome_shot_focus(rect)) ||
		              (data == &kde_shot && vskde_focus(rect))))
			json_object_set_new(
			    reply, "focus",
			    json_pack("[iiii]", rect[0], rect[1], rect[2], rect[3]));
		send_json(VS_SHOT_FD, reply, fd);
	}
	if (fd >= 0)
		close(fd);
}

static gboolean on_shot_request(gint fd, GIOCondition cond, gpointer data)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || (cond & G_IO_HUP)) {
		g_main_loop_quit(loop);
		return G_SOURCE_REMOVE;
	}
	if (n < 0)
		return G_SOURCE_CONTINUE;
	if (!vsgnome_ready() && !vskde_ready())
		shot_reply_error("no screenshot source in this session");
	else if (shot_busy)
		shot_reply_error("busy");
	else {
		shot_busy = true;
		if (vskde_ready())
			vskde_screenshot(shot_done, &kde_shot);
		else
			vsgnome_screenshot(shot_done, &gnome_shot);
	}
	return G_SOURCE_CONTINUE;
}

/* The monitor never writes on the event channel: readable means it has gone. */
static gboolean on_event_channel(gint fd, GIOCondition cond, gpointer data)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static gboolean on_alive(gpointer data)
{
	vs_send(json_pack("{ss}", "ev", "alive"));
	vskde_tick();
	return G_SOURCE_CONTINUE;
}

static gboolean on_term(gpointer data)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static bool is_seqpacket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET;
}

static void usage(void)
{
	fprintf(stderr, "usage: vigil-session [--clip-max BYTES] [--compositor PID]\n"
	                "Started by vigil-agent's Wayland monitor, with its channels on fds 3 "
	                "and 4; not for use on its own.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t clip_max = VS_CLIP_MAX;
	long compositor = 0;
	GError *err = NULL;
	GDBusConnection *bus;
	bool atspi = false, gnome = false, kde = false;
	int sndbuf = (int)VS_MSG_MAX * 2;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (i + 1 < argc && strcmp(argv[i], "--clip-max") == 0) {
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end)
				usage();
			clip_max = v < VS_CLIP_MAX ? v : VS_CLIP_MAX;
		} else if (i + 1 < argc && strcmp(argv[i], "--compositor") == 0) {
			compositor = strtol(argv[++i], &end, 10);
			if (*end || compositor < 0)
				usage();
		} else {
			usage();
		}
	}
	if (!is_seqpacket(VS_EVENT_FD) || !is_seqpacket(VS_SHOT_FD))
		usage();
	setsockopt(VS_EVENT_FD, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_fd_add(VS_EVENT_FD, G_IO_IN | G_IO_HUP | G_IO_ERR, on_event_channel, NULL);
	g_unix_fd_add(VS_SHOT_FD, G_IO_IN | G_IO_HUP | G_IO_ERR, on_shot_request, NULL);
	g_unix_signal_add(SIGTERM, on_term, NULL);
	g_unix_signal_add(SIGINT, on_term, NULL);
	bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
	if (!bus) {
		g_message("no session bus: %s; nothing to follow but the channel", err->message);
		g_clear_error(&err);
		vs_undumpable();
	} else {
		g_dbus_connection_set_exit_on_close(bus, FALSE);
		gnome = vsgnome_start(bus, (pid_t)compositor, clip_max) == 0;
		kde = !gnome && vskde_start(bus, (pid_t)compositor) == 0;
		if (!gnome) /* else once the extension has checked who calls */
			vs_undumpable();
		atspi = vsatspi_start() == 0;
	}
	vs_send(json_pack("{sssbsbsb}", "ev", "hello", "atspi", atspi, "gnome", gnome, "kde", kde));
	g_timeout_add(VS_ALIVE_MS, on_alive, NULL);
	g_main_loop_run(loop);
	vskde_stop();
	return 0;
}
