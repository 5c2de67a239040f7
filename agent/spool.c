/* spool.c: the durable on-disk queue of capture records waiting for upload. */
#include "spool.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

#define SPOOL_MAX_RECORD (64u * 1024 * 1024) /* a record read back for upload */
#define SPOOL_MAX_FILES  100000              /* entries listed at once */

static int write_dropped(struct spool *s, uint64_t value);

struct spool {
	char *dir;
	int dirfd;
	uint64_t max_bytes;
	uid_t uid; /* the directory's owner: files are given to it */
	gid_t gid;
};

int spool_open(const char *dir, uint64_t max_bytes, struct spool **out)
{
	struct spool *s = calloc(1, sizeof(*s));
	struct stat st;
	int r;

	if (!s)
		return -ENOMEM;
	s->dir = strdup(dir);
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!s->dir || s->dirfd < 0 || fstat(s->dirfd, &st) < 0) {
		r = s->dir ? -errno : -ENOMEM;
		spool_free(s);
		return r;
	}
	s->uid = st.st_uid;
	s->gid = st.st_gid;
	s->max_bytes = max_bytes;
	if (faccessat(s->dirfd, "dropped", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		write_dropped(s, 0); /* best effort: a read-only spool has none */
	*out = s;
	return 0;
}

void spool_free(struct spool *s)
{
	if (!s)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	free(s);
}

/* Root writes files the uploader (the directory's owner) must read and delete. */
static void give(struct spool *s, int fd)
{
	if (geteuid() == 0 && fchown(fd, s->uid, s->gid) < 0) {
		/* The file stays root's: the uploader reports it cannot read it. */
	}
}

static int lock(struct spool *s)
{
	int fd = openat(s->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	give(s, fd);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = -errno;

			close(fd);
			return r;
		}
	}
	return fd;
}

static void unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

bool spool_parse_name(const char *name, struct spool_entry *e)
{
	char num[14];
	int64_t t;
	size_t n = strlen(name);

	/* S-TTTTTTTTTTTTT-<36>.json */
	if (n != 2 + 13 + 1 + 36 + 5 || name[0] < '1' || name[0] > '5' || name[1] != '-' ||
	    name[15] != '-' || strcmp(name + n - 5, ".json") != 0)
		return false;
	memcpy(num, name + 2, 13);
	num[13] = '\0';
	if (parse_int64(num, 0, INT64_MAX, &t) < 0)
		return false;
	for (size_t i = 16; i < 16 + 36; i++) {
		char c = name[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
			return false;
	}
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->severity = name[0] - '0';
	e->time_ms = t;
	e->size = 0;
	return true;
}

static int by_time(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Eviction order: lowest severity first, then oldest. */
static int by_eviction(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity - y->severity;
	return by_time(a, b);
}

int spool_list(struct spool *s, struct spool_entry **out)
{
	int fd = dup(s->dirfd);
	struct spool_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d)) && n < SPOOL_MAX_FILES) {
		struct spool_entry e;
		struct stat st;

		if (!spool_parse_name(de->d_name, &e))
			continue;
		if (fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue; /* uploaded meanwhile */
		e.size = (uint64_t)st.st_size;
		if (n == cap) {
			struct spool_entry *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = e;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_time);
	*out = v;
	return (int)n;
}

/* The file name of a record. */
static void record_name(char name[80], int severity, int64_t time_ms, const char *id)
{
	snprintf(name, 80, "%d-%013" PRId64 "-%s.json", severity, time_ms, id);
}

/* Writes name durably through a temporary file. 0 or -errno (nothing left behind). */
static int write_durably(struct spool *s, const char *tmp, const char *name, const char *data,
                         size_t len)
{
	int fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r;

	if (fd < 0)
		return -errno;
	give(s, fd);
	r = fileio_write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(s->dirfd, tmp, s->dirfd, name) < 0)
		r = -errno;
	if (r == 0 && fsync(s->dirfd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(s->dirfd, tmp, 0);
	return r;
}

/*
 * Evicts entries that may make way for a record of severity sev until need more bytes
 * fit under the maximum (or, with need 0, one entry). Returns the number evicted, or
 * -ENOBUFS when not enough may be evicted (nothing is evicted then).
 */
static int make_room(struct spool *s, int sev, uint64_t need, bool one)
{
	struct spool_entry *v = NULL;
	int n = spool_list(s, &v), evicted = 0;
	uint64_t used = 0, freeable = 0;
	size_t k = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		used += v[i].size;
	if (!one && (s->max_bytes == 0 || used + need <= s->max_bytes)) {
		free(v);
		return 0;
	}
	qsort(v, (size_t)n, sizeof(*v), by_eviction);
	/* How many of the candidates (severity <= sev, in eviction order) are needed. */
	while (k < (size_t)n && v[k].severity <= sev) {
		freeable += v[k].size;
		k++;
		if (one || (used - freeable) + need <= s->max_bytes)
			break;
	}
	if (k == 0 || (!one && (used - freeable) + need > s->max_bytes)) {
		free(v);
		/* An empty spool on a full file system: not the policy's doing. */
		return one && n == 0 ? -ENOSPC : -ENOBUFS;
	}
	for (size_t i = 0; i < k; i++) {
		if (unlinkat(s->dirfd, v[i].name, 0) == 0 || errno == ENOENT)
			evicted++;
	}
	free(v);
	fsync(s->dirfd);
	return evicted;
}

int spool_put(struct spool *s, const char *id, int severity, int64_t time_ms, const char *data,
              size_t len, unsigned *evicted)
{
	char name[80], tmp[80];
	int lk, r, ev = 0;

	if (severity < 1 || severity > 5 || strlen(id) != 36 || time_ms < 0 ||
	    time_ms > 9999999999999)
		return -EINVAL;
	record_name(name, severity, time_ms, id);
	snprintf(tmp, sizeof(tmp), ".tmp-%s", id);
	lk = lock(s);
	if (lk < 0)
		return lk;
	if (s->max_bytes && len > s->max_bytes) {
		r = -ENOBUFS;
		goto out;
	}
	r = make_room(s, severity, len, false);
	if (r < 0)
		goto out;
	ev += r;
	/* A full file system: make way by the same policy, one record at a time. */
	while ((r = write_durably(s, tmp, name, data, len)) == -ENOSPC) {
		int e = make_room(s, severity, 0, true);

		if (e == -ENOBUFS) {
			r = e; /* only higher severities left: this one is dropped */
			break;
		}
		if (e <= 0)
			break; /* -ENOSPC: kept in memory by the caller, retried */
		ev += e;
	}
out:
	unlock(lk);
	if (r == -ENOBUFS)
		spool_add_dropped(s, 1);
	if (ev > 0) {
		spool_add_dropped(s, (unsigned)ev);
		if (evicted)
			*evicted += (unsigned)ev;
	}
	return r;
}

int spool_read(struct spool *s, const char *name, char **data, size_t *len)
{
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf;
	size_t got = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if ((uint64_t)st.st_size > SPOOL_MAX_RECORD) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

/* True while a record of time_ms may still be amended (0 <= age < hold_ms). */
static bool unsettled(int64_t time_ms, int64_t hold_ms, int64_t now_ms)
{
	return now_ms >= time_ms && now_ms - time_ms < hold_ms;
}

int spool_amend(struct spool *s, const char *id, int old_severity, int severity, int64_t time_ms,
                int64_t hold_ms, int64_t now_ms, const char *data, size_t len)
{
	char old[80], name[80], tmp[80];
	int lk, r;

	if (severity < 1 || severity > 5 || old_severity < 1 || old_severity > 5 ||
	    strlen(id) != 36 || time_ms < 0 || time_ms > 9999999999999)
		return -EINVAL;
	record_name(old, old_severity, time_ms, id);
	record_name(name, severity, time_ms, id);
	snprintf(tmp, sizeof(tmp), ".tmp-%s", id);
	lk = lock(s);
	if (lk < 0)
		return lk;
	if (faccessat(s->dirfd, old, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else if (!unsettled(time_ms, hold_ms, now_ms))
		r = -ESTALE;
	else
		r = write_durably(s, tmp, name, data, len);
	if (r == 0 && strcmp(old, name) != 0) {
		if (unlinkat(s->dirfd, old, 0) < 0 && errno != ENOENT)
			r = -errno; /* both versions stay; the server stores the id once */
		else if (fsync(s->dirfd) < 0)
			r = -errno;
	}
	unlock(lk);
	return r;
}

int spool_read_settled(struct spool *s, const struct spool_entry *e, int64_t hold_ms,
                       int64_t now_ms, int64_t *wait_ms, char **data, size_t *len)
{
	int lk = lock(s), r;

	if (lk < 0)
		return lk;
	if (unsettled(e->time_ms, hold_ms, now_ms)) {
		*wait_ms = e->time_ms + hold_ms - now_ms;
		r = -EAGAIN;
	} else {
		r = spool_read(s, e->name, data, len);
	}
	unlock(lk);
	return r;
}

int spool_remove(struct spool *s, const char *name)
{
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return fsync(s->dirfd) < 0 ? -errno : 0;
}

int spool_reject(struct spool *s, const char *name)
{
	char dst[128];
	int fd;

	if (mkdirat(s->dirfd, "rejected", 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(dst, sizeof(dst), "rejected/%s", name);
	if (renameat(s->dirfd, name, s->dirfd, dst) < 0)
		return -errno;
	fd = openat(s->dirfd, "rejected", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return fsync(s->dirfd) < 0 ? -errno : 0;
}

int spool_clean_temp(struct spool *s)
{
	int lk = lock(s), fd, n = 0;
	struct dirent *de;
	DIR *d;

	if (lk < 0)
		return lk;
	fd = dup(s->dirfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		unlock(lk);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".tmp-", 5) == 0 && unlinkat(s->dirfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	if (n)
		fsync(s->dirfd);
	unlock(lk);
	return n;
}

static uint64_t read_dropped(struct spool *s)
{
	char buf[32];
	int fd = openat(s->dirfd, "dropped", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	int64_t v = 0;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_int64(buf, 0, INT64_MAX, &v) < 0)
		return 0;
	return (uint64_t)v;
}

/*
 * The counter is a fixed-width number rewritten in place: it needs no new blocks, so a
 * drop can be counted on a full file system (the file is made when the spool opens).
 */
static int write_dropped(struct spool *s, uint64_t value)
{
	char buf[32];
	int fd = openat(s->dirfd, "dropped", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r = 0;

	if (fd < 0)
		return -errno;
	give(s, fd);
	snprintf(buf, sizeof(buf), "%020" PRIu64 "\n", value);
	if (pwrite(fd, buf, 21, 0) != 21 || fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int spool_add_dropped(struct spool *s, unsigned n)
{
	int lk = lock(s), r;

	if (lk < 0)
		return lk;
	r = write_dropped(s, read_dropped(s) + n);
	unlock(lk);
	return r;
}

uint64_t spool_dropped(struct spool *s)
{
	return read_dropped(s);
}
