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
#include <sodium.h>
#include <unistd.h>

struct blobs_fs {
	struct blobs base;
	int dirfd;
};

/* Opens (creating 0700 if needed) the sub-directory "ab" of the object's hash. */
static int open_subdir(struct blobs_fs *fs, const char *hex, int *out)
{
	char sub[3] = {hex[0], hex[1], '\0'};
	int fd;

	if (mkdirat(fs->dirfd, sub, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(fs->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*out = fd;
	return 0;
}

static int fs_put(struct blobs *b, const char *hex, const void *data, size_t len)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;
	char name[80], tmp[96];
	int dfd = -1, fd, r;
	unsigned int seq;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	snprintf(name, sizeof(name), "%s.png", hex);
	if ((r = open_subdir(fs, hex, &dfd)) < 0)
		return r;
	if (faccessat(dfd, name, F_OK, 0) == 0) {
		close(dfd);
		return 0; /* stored once: the name is the content's hash */
	}
	seq = randombytes_random();
	snprintf(tmp, sizeof(tmp), ".%s.%d.%u.tmp", hex, (int)getpid(), seq);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out_dir;
	}
	if ((r = fileio_write_all(fd, data, len)) < 0 || (fsync(fd) < 0 && (r = -errno))) {
		close(fd);
		goto out_unlink;
	}
	if (close(fd) < 0) {
		r = -errno;
		goto out_unlink;
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		r = -errno;
		goto out_unlink;
	}
	r = fsync(dfd) < 0 ? -errno : 0;
	goto out_dir;
out_unlink:
	unlinkat(dfd, tmp, 0);
out_dir:
	close(dfd);
	return r;
}

struct blob_stage {
	int dfd; /* the object's sub-directory */
	char tmp[96], name[80];
};

static void stage_free(struct blob_stage *st)
{
	if (!st)
		return;
	close(st->dfd);
	free(st);
}

static int fs_stage(struct blobs *b, const char *hex, const void *data, size_t len,
                    struct blob_stage **out)
{
	struct blobs_fs *fs = (struct blobs_fs *)b;
	struct blob_stage *st;
	int fd, r;

	if (!digest_is_sha256_hex(hex))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	snprintf(st->name, sizeof(st->name), "%s.png", hex);
	if ((r = open_subdir(fs, hex, &st->dfd)) < 0) {
		free(st);
		return r;
	}
	if (faccessat(st->dfd, st->name, F_OK, 0) == 0) {
		stage_free(st);
		*out = NULL; /* stored once: the name is the content's hash */
		return 0;
	}
	snprintf(st->tmp, sizeof(st->tmp), ".%s.%d.%u.tmp", hex, (int)getpid(),
	         randombytes_random());
	fd = openat(st->dfd, st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		stage_free(st);
		return r;
	}
	r = fileio_write_all(fd, data, len);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlinkat(st->dfd, st->tmp, 0);
		stage_free(st);
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
	stage_free(st);
}

/* Renames every staged object, then fsyncs each directory once: the first fsync commits
 * the file-system journal with all the renames, so the others cost little. */
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
		if (!stages[i])
			continue;
		if (r == 0 && fsync(stages[i]->dfd) < 0)
			r = -errno;
		stage_free(stages[i]);
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
	fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0) {
		int r = -errno;
		free(fs);
		return r;
	}
	*out = &fs->base;
	return 0;
}
