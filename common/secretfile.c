/* secretfile.c: the first line of a file that only its owner may read (credentials). */
#include "secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Credentials are one short line; anything longer is not what we asked for. */
#define SECRETFILE_MAX 4096

int secretfile_read_line(const char *path, char *buf, size_t size)
{
	char tmp[SECRETFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out_close;
	}
	if (st.st_mode & 077) {
		r = -EPERM;
		goto out_close;
	}
	do
		n = read(fd, tmp, SECRETFILE_MAX);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r = -errno;
		goto out_close;
	}
	tmp[n] = '\0';
	len = strcspn(tmp, "\r\n");
	if (len == 0)
		r = -EINVAL;
	else if (len >= size)
		r = -ENAMETOOLONG;
	else {
		memcpy(buf, tmp, len);
		buf[len] = '\0';
	}
	explicit_bzero(tmp, sizeof(tmp));
out_close:
	close(fd);
	return r;
}
