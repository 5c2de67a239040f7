/* wlsway.c: the focused window's rectangle from sway's IPC (the i3 protocol's GET_TREE). */
#include "wlsway.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monotime.h"
#include "wlsock.h"

#define IPC_MAGIC    "i3-ipc"
#define IPC_GET_TREE 4u

int wlsway_connect(int wayland_fd, const char *dir, uid_t uid, gid_t gid, const char *session)
{
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);
	char path[256];

	if (getsockopt(wayland_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if ((size_t)snprintf(path, sizeof(path), "%s/sway-ipc.%u.%d.sock", dir, (unsigned)uid,
	                     (int)cred.pid) >= sizeof(path))
		return -ENAMETOOLONG;
	return wlsock_connect_peer(path, uid, gid, session, cred.pid);
}

/* Writes or reads all n bytes of buf on fd before the deadline (monotonic ms). */
static int io_all(int fd, void *buf, size_t n, bool out, int64_t deadline)
{
	char *p = buf;

	while (n > 0) {
		struct pollfd pfd = {fd, out ? POLLOUT : POLLIN, 0};
		int64_t left = deadline - monotime_ms();
		ssize_t k;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!pfd.revents)
			continue;
		k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return k == 0 ? -EIO : -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Asks sway for its tree: the parsed reply in *out (json_decref), or -errno. */
static int get_tree(int fd, json_t **out)
{
	char head[14];
	uint32_t n, type = IPC_GET_TREE, zero = 0;
	int64_t deadline = monotime_ms() + WLSWAY_TIMEOUT_MS;
	char *body;
	int r;

	memcpy(head, IPC_MAGIC, 6);
	memcpy(head + 6, &zero, 4);
	memcpy(head + 10, &type, 4);
	if ((r = io_all(fd, head, sizeof(head), true, deadline)) < 0 ||
	    (r = io_all(fd, head, sizeof(head), false, deadline)) < 0)
		return r;
	memcpy(&n, head + 6, 4);
	memcpy(&type, head + 10, 4);
	if (memcmp(head, IPC_MAGIC, 6) != 0 || type != IPC_GET_TREE || n > WLSWAY_MAX_REPLY)
		return -EPROTO;
	if (!(body = malloc(n ? n : 1)))
		return -ENOMEM;
	r = io_all(fd, body, n, false, deadline);
	if (r == 0 && !(*out = json_loadb(body, n, 0, NULL)))
		r = -EPROTO;
	free(body);
	return r;
}

/* A node's "rect" member: 0, or -EPROTO. */
static int rect_of(json_t *node, double v[4])
{
	static const char *const keys[] = {"x", "y", "width", "height"};
	json_t *rect = json_object_get(node, "rect");

	for (int i = 0; i < 4; i++) {
		json_t *n = json_object_get(rect, keys[i]);
		if (!json_is_number(n))
			return -EPROTO;
		v[i] = json_number_value(n);
	}
	return 0;
}

/* The focused node under node (depth-first over "nodes" and "floating_nodes"), and the
 * output it is on in *output. NULL when none. */
static json_t *find_focused(json_t *node, json_t **output, int depth)
{
	static const char *const lists[] = {"nodes", "floating_nodes"};
	const char *type = json_string_value(json_object_get(node, "type"));
	json_t *child, *found;
	size_t i;

	if (depth > 64)
		return NULL;
	if (type && strcmp(type, "output") == 0)
		*output = node;
	if (json_is_true(json_object_get(node, "focused")))
		return node;
	for (int l = 0; l < 2; l++) {
		json_array_foreach(json_object_get(node, lists[l]), i, child)
		{
			json_t *out = *output;
			if ((found = find_focused(child, &out, depth + 1))) {
				*output = out;
				return found;
			}
		}
	}
	return NULL;
}

/* The leftmost and topmost corner of the outputs (not sway's hidden __i3 one): where
 * wlshot.c's image begins. */
static void origin_of(json_t *root, double *x0, double *y0)
{
	json_t *o;
	double v[4];
	size_t i;
	bool any = false;

	*x0 = *y0 = 0;
	json_array_foreach(json_object_get(root, "nodes"), i, o)
	{
		const char *name = json_string_value(json_object_get(o, "name"));
		if ((name && strcmp(name, "__i3") == 0) || rect_of(o, v) < 0)
			continue;
		*x0 = !any || v[0] < *x0 ? v[0] : *x0;
		*y0 = !any || v[1] < *y0 ? v[1] : *y0;
		any = true;
	}
}

/* v rounded up to a whole pixel (v below the screenshot's size, so within a long). */
static double up(double v)
{
	long n = (long)v;

	return (double)(n < v ? n + 1 : n);
}

int wlsway_focus(int fd, unsigned width, unsigned height, struct shot_rect *out)
{
	json_t *root = NULL, *output = NULL, *node;
	double v[4], ov[4] = {0, 0, 0, 0}, scale = 1, x0, y0, x1, y1, ox, oy;
	const char *type;
	int r = get_tree(fd, &root);

	if (r < 0)
		return r;
	node = find_focused(root, &output, 0);
	type = json_string_value(json_object_get(node, "type"));
	/* A focused workspace or output is no window. */
	if (!node || !output || !type ||
	    (strcmp(type, "con") != 0 && strcmp(type, "floating_con") != 0) ||
	    rect_of(node, v) < 0 || rect_of(output, ov) < 0) {
		json_decref(root);
		return -ENOENT;
	}
	if (json_is_number(json_object_get(output, "scale")) &&
	    json_number_value(json_object_get(output, "scale")) > 0)
		scale = json_number_value(json_object_get(output, "scale"));
	origin_of(root, &ox, &oy);
	json_decref(root);
	/* The output's pixels start at its position less the image's origin. */
	x0 = ov[0] - ox + (v[0] - ov[0]) * scale;
	y0 = ov[1] - oy + (v[1] - ov[1]) * scale;
	x1 = x0 + v[2] * scale;
	y1 = y0 + v[3] * scale;
	x0 = x0 > 0 ? (double)(long)x0 : 0; /* down to a pixel: they are not negative */
	y0 = y0 > 0 ? (double)(long)y0 : 0;
	x1 = x1 < width ? up(x1) : width;
	y1 = y1 < height ? up(y1) : height;
	if (x1 <= x0 || y1 <= y0)
		return -ENOENT;
	*out = (struct shot_rect){(unsigned)x0, (unsigned)y0, (unsigned)(x1 - x0),
	                          (unsigned)(y1 - y0)};
	return 0;
}
