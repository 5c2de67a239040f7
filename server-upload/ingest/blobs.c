/* blobs.c: where screenshot PNGs live, one object per SHA-256, outside the database rows. */
#include "blobs.h"
#include "digest.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct blobs_fs {
	struct blobs base;
	int dirfd;
	int subdirs[256];     /* "00".."ff", opened on first use; -1 until then */
	unsigned int tmp_seq; /* temporary names: pid and a counter */
	pid_t pid;
};

/* The sub-directory "ab" of the object's hash (created 0700 if needed), kept open for
 * the server's life: no lookup, open and close per image. Returns an fd (not to be
 * closed by the caller) or -errno. */
static int subdir(struct blobs_fs *fs, const char *hex)
{
	char sub[3] = {hex[0], hex[1], '\0'};
	int i = (int)strtol(sub, NULL, 16), fd = __atomic_load_n(&fs->subdirs[i], __ATOMIC_ACQUIRE);
	int none = -1;

	if (fd >= 0)
		return fd;
	if (mkdirat(fs->dirfd, sub, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(fs->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!__atomic_compare_exchange_n(&fs->subdirs[i], &none, fd, false, __ATOMIC_ACQ_REL,
	                                 __ATOMIC_ACQUIRE)) {
		close(fd); /* another thread opened it first */
		fd = none;
	}
	return fd;
}

/* A temporary name for hex in its sub-directory, unique in this process. */
static void tmp_name(struct blobs_fs *fs, const char *hex, char *out, size_t size)
{
	snprintf(out, size, ".%s.%d.%u.tmp", hex, (int)fs->pid,
	         __atomic_add_fetch(&fs->tmp_seq, 1, __ATOMIC_RELAXED));
}

static int fs_put(struct blobs *b, const char *hex, const void *data, size_t len)
{
	struct blob_stage *st;
	int r = b->ops->stage(b, hex, data, len, &st);

	return r < 0 ? r : b->ops->publish(b, &st, 1);
}

struct blob_stage {
	int dfd; /* the object's sub-directory (the store's: not closed here) */
	char tmp[96], name[80];
};

static int fs_stage(struct blobs *b, const char *hex, const void *data, size_t len,
                    struct blob_stage **out)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;
	struct blob_stage *st;
	int dfd, fd, r;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	if ((dfd = subdir(fs, hex)) < 0)
		return dfd;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->dfd = dfd;
	snprintf(st->name, sizeof(st->name), "%s.png", hex);
	if (faccessat(st->dfd, st->name, F_OK, 0) == 0) {
		free(st);
		*out = NULL; /* stored once: the name is the content's hash */
		return 0;
	}
	tmp_name(fs, hex, st->tmp, sizeof(st->tmp));
	fd = openat(st->dfd, st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		free(st);
		return r;
	}
	r = fileio_write_all(fd, data, len);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlinkat(st->dfd, st->tmp, 0);
		free(st);
		return r;
	}
	*out = st;
	return 0;
}

static void fs_discard(struct blobs *b, struct blob_stage *st)
{
	if (!st)
		return;
	unlinkat(st->dfd, st->tmp, 0);
	free(st);
}

/* Renames every staged object, then fsyncs each directory once (objects of one batch
 * that share a sub-directory share its fsync). */
static int fs_publish(struct blobs *b, struct blob_stage **stages, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		if (!stages[i])
			continue;
		if (r == 0 &&
		    renameat(stages[i]->dfd, stages[i]->tmp, stages[i]->dfd, stages[i]->name) < 0)
			r = -errno;
		if (r < 0)
			unlinkat(stages[i]->dfd, stages[i]->tmp, 0);
	}
	for (size_t i = 0; i < n; i++) {
		bool synced = false;

		if (!stages[i])
			continue;
		for (size_t j = 0; j < i && !synced; j++)
			synced = stages[j] && stages[j]->dfd == stages[i]->dfd;
		if (r == 0 && !synced && fsync(stages[i]->dfd) < 0)
			r = -errno;
	}
	for (size_t i = 0; i < n; i++) {
		free(stages[i]);
		stages[i] = NULL;
	}
	return r;
}

static int fs_get(struct blobs *b, const char *hex, void **data, size_t *len)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;
	char path[96];
	struct stat st;
	void *buf;
	int fd, r = 0;
	size_t got = 0;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	snprintf(path, sizeof(path), "%c%c/%s.png", hex[0], hex[1], hex);
	fd = openat(fs->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, (char *)buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			r = n < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		got += (size_t)n;
	}
	*data = buf;
	*len = got;
out:
	close(fd);
	return r;
}

static int fs_remove(struct blobs *b, const char *hex)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;
	char path[96];

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	snprintf(path, sizeof(path), "%c%c/%s.png", hex[0], hex[1], hex);
	return unlinkat(fs->dirfd, path, 0) < 0 ? -errno : 0;
}

static int fs_check(struct blobs *b)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;

	return faccessat(fs->dirfd, ".", W_OK, AT_EACCESS) < 0 ? -errno : 0;
}

static void fs_free(struct blobs *b)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;

	for (size_t i = 0; i < 256; i++)
		if (fs->subdirs[i] >= 0)
			close(fs->subdirs[i]);
	close(fs->dirfd);
	free(fs);
}

static const struct blobs_ops fs_ops = {
    .put = fs_put,
    .stage = fs_stage,
    .publish = fs_publish,
    .discard = fs_discard,
    .get = fs_get,
    .remove = fs_remove,
    .check = fs_check,
    .free = fs_free,
};

int blobs_fs_open(const char *dir, struct blobs **out)
{
	struct blobs_fs *fs;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->base.ops = &fs_ops;
	for (size_t i = 0; i < 256; i++)
		fs->subdirs[i] = -1;
	fs->pid = getpid();
	fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0) {
		int r = -errno;
		free(fs);
		return r;
	}
	*out = &fs->base;
	return 0;
}
