/* xcookie.c: the session user's X authority cookie, read safely, for the monitor's X connections.
 */
#include "xcookie.h"

#include <X11/Xauth.h>
#include <X11/Xlib.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "parse.h"

/* XAUTHORITY from the environment of pid, into out. */
static bool pid_xauthority(pid_t pid, char *out, size_t outlen)
{
	char path[64], env[32768];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, env, sizeof(env) - 1);
	close(fd);
	if (n <= 0)
		return false;
	env[n] = '\0';
	for (char *p = env; p < env + n; p += strlen(p) + 1) {
		if (strncmp(p, "XAUTHORITY=", 11) == 0)
			return (size_t)snprintf(out, outlen, "%s", p + 11) < outlen;
	}
	return false;
}

/* XAUTHORITY of a process of the session (its X server's clients know it). */
static bool session_xauthority(const struct session_info *si, char *out, size_t outlen)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	bool found = false;

	if (!proc)
		return false;
	while (!found && (de = readdir(proc))) {
		char *sid = NULL;
		int pid;

		if (parse_int(de->d_name, 1, INT32_MAX, &pid) < 0)
			continue;
		if (sd_pid_get_session((pid_t)pid, &sid) >= 0 && strcmp(sid, si->id) == 0)
			found = pid_xauthority((pid_t)pid, out, outlen);
		free(sid);
	}
	closedir(proc);
	return found;
}

/* Names a file type for a refusal ("a FIFO"). */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "not a regular file";
}

/*
 * Reads file (at most XCOOKIE_MAX_BYTES) into buf, with fsuid = the user: never
 * following a link in its last part, never waiting on a FIFO or a device (O_NONBLOCK),
 * regular files only. Returns the length, -ENOENT when there is no such file, or -EPERM
 * with why filled when the file is refused (a pupil may have put anything there).
 */
static ssize_t read_xauth_file(const char *file, char *buf, size_t size, char *why, size_t whylen)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		if (e == ELOOP) {
			snprintf(why, whylen, "%s is a symbolic link", file);
			return -EPERM;
		}
		if (e == ENXIO) { /* a FIFO with no writer, or a socket */
			snprintf(why, whylen, "%s is not a regular file", file);
			return -EPERM;
		}
		if (e != ENOENT && e != ENOTDIR)
			snprintf(why, whylen, "%s cannot be opened: %s", file, strerror(e));
		return e == ENOENT || e == ENOTDIR ? -ENOENT : -EPERM;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is %s", file, file_kind(st.st_mode));
		close(fd);
		return -EPERM;
	}
	if (st.st_size > (off_t)size) {
		snprintf(why, whylen, "%s is larger than %zu bytes", file, size);
		close(fd);
		return -EPERM;
	}
	while ((size_t)got < size && (n = read(fd, buf + got, size - (size_t)got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, whylen, "%s cannot be read: %s", file, strerror(errno));
			close(fd);
			return -EPERM;
		}
		got += n;
	}
	close(fd);
	return got;
}

/* Finds the MIT-MAGIC-COOKIE-1 for display number in file; read with fsuid = the user. */
static int read_cookie(const char *file, const char *number, char *cookie, size_t *len, char *why,
                       size_t whylen)
{
	static const char name[] = "MIT-MAGIC-COOKIE-1";
	char *buf = malloc(XCOOKIE_MAX_BYTES);
	ssize_t size;
	Xauth *a;
	FILE *f;
	int r = -ENOENT;

	if (!buf)
		return -ENOMEM;
	size = read_xauth_file(file, buf, XCOOKIE_MAX_BYTES, why, whylen);
	if (size <= 0) {
		free(buf);
		return size < 0 ? (int)size : -ENOENT;
	}
	f = fmemopen(buf, (size_t)size, "r");
	if (!f) {
		explicit_bzero(buf, (size_t)size);
		free(buf);
		return -ENOMEM;
	}
	while (r < 0 && (a = XauReadAuth(f))) {
		if (a->name_length == sizeof(name) - 1 &&
		    memcmp(a->name, name, sizeof(name) - 1) == 0 &&
		    a->number_length == strlen(number) &&
		    memcmp(a->number, number, a->number_length) == 0 && a->data_length <= *len) {
			memcpy(cookie, a->data, a->data_length);
			*len = a->data_length;
			r = 0;
		}
		explicit_bzero(a->data, a->data_length);
		XauDisposeAuth(a);
	}
	fclose(f);
	explicit_bzero(buf, (size_t)size);
	free(buf);
	return r;
}

int xcookie_use(const struct session_info *si, char *why, size_t whylen)
{
	static char cookie[64]; /* Xlib keeps the pointer */
	char file[512];
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	const char *number = si->display + 1;
	size_t len = sizeof(cookie);
	uid_t old_uid;
	gid_t old_gid;
	int r = -ENOENT, refused = 0;
	char why2[256]; /* the first refusal is the one told */
	char *dot;
	char num[16];

	why[0] = '\0';
	if ((size_t)snprintf(num, sizeof(num), "%s", number) >= sizeof(num))
		return -EINVAL;
	dot = strchr(num, '.');
	if (dot)
		*dot = '\0';
	old_gid = (gid_t)setfsgid(si->gid);
	old_uid = (uid_t)setfsuid(si->uid);
	if (session_xauthority(si, file, sizeof(file))) {
		r = read_cookie(file, num, cookie, &len, why, whylen);
		refused = r == -EPERM;
	}
	if (r < 0 && getpwuid_r(si->uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
	    (size_t)snprintf(file, sizeof(file), "%s/.Xauthority", pw.pw_dir) < sizeof(file)) {
		len = sizeof(cookie);
		r = read_cookie(file, num, cookie, &len, refused ? why2 : why,
		                refused ? sizeof(why2) : whylen);
		refused |= r == -EPERM;
	}
	setfsuid(old_uid);
	setfsgid(old_gid);
	if (r < 0)
		return refused ? -EPERM : r;
	XSetAuthorization("MIT-MAGIC-COOKIE-1", 18, cookie, (int)len);
	return 0;
}
