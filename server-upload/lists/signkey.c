/* signkey.c: the server's Ed25519 key that signs the phrase-list bundle. */
#include "signkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_key(int fd, struct signkey *key)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size != crypto_sign_SECRETKEYBYTES || (st.st_mode & 077) != 0)
		return -EBADMSG;
	n = read(fd, key->secret, sizeof(key->secret));
	if (n != (ssize_t)sizeof(key->secret))
		return n < 0 ? -errno : -EBADMSG;
	crypto_sign_ed25519_sk_to_pk(key->public, key->secret);
	return 0;
}

static int create_key(const char *path, struct signkey *key)
{
	char tmp[4200];
	int fd, r = 0, n;

	n = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	crypto_sign_keypair(key->public, key->secret);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, key->secret, sizeof(key->secret)) != (ssize_t)sizeof(key->secret) ||
	    fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	/* link() keeps a key another process created meanwhile: never overwrite one. */
	if (r == 0 && link(tmp, path) < 0)
		r = -errno;
	unlink(tmp);
	return r;
}

int signkey_load(const char *data_dir, struct signkey *key)
{
	char path[4096];
	int fd, r, n;

	if (sodium_init() < 0)
		return -EIO;
	n = snprintf(path, sizeof(path), "%s/signing.key", data_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (int attempt = 0; attempt < 2; attempt++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			r = read_key(fd, key);
			close(fd);
			return r;
		}
		if (errno != ENOENT)
			return -errno;
		r = create_key(path, key);
		if (r != -EEXIST)
			return r;
	}
	return -EIO;
}

void signkey_public_b64(const struct signkey *key, char out[SIGNKEY_B64_BUF])
{
	sodium_bin2base64(out, SIGNKEY_B64_BUF, key->public, sizeof(key->public),
	                  sodium_base64_VARIANT_ORIGINAL);
}

void signkey_wipe(struct signkey *key)
{
	sodium_memzero(key, sizeof(*key));
}
