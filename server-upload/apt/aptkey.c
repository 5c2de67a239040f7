/* aptkey.c: the apt repository's OpenPGP signing key, kept in the data directory, used with gpg. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptkey.h"
#include "aptrun.h"

#define GPG_MAX_ARGS 24

struct aptkey {
	char home[4096]; /* the temporary GnuPG home, "" when not made */
	char fpr[41];
};

/* Runs gpg on k's home with args (NULL-terminated), stdout into out_fd. */
static int gpg(struct aptkey *k, const char *const args[], int out_fd, char *err, size_t errsize)
{
	const char *argv[GPG_MAX_ARGS] = {
	    "gpg",     "--homedir",       k->home,    "--batch",      "--no-tty",
	    "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""};
	size_t n = 10;

	for (size_t i = 0; args[i]; i++) {
		if (n + 2 > GPG_MAX_ARGS) {
			snprintf(err, errsize, "gpg: too many arguments");
			return -E2BIG;
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return aptrun(argv, NULL, out_fd, err, errsize);
}

/*
 * gpg's output for args written as dir/name with mode: a temporary file beside it,
 * fsync, rename, so a reader sees the old file or the new one.
 */
static int gpg_to_file(struct aptkey *k, const char *dir, const char *name, mode_t mode,
                       const char *const args[], char *err, size_t errsize)
{
	char tmp[4096], path[4096];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		snprintf(err, errsize, "%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", tmp, strerror(-r));
		return r;
	}
	r = fchmod(fd, mode) < 0 ? -errno : gpg(k, args, fd, err, errsize);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		if (!err[0] || r != -EIO)
			snprintf(err, errsize, "%s: %s", path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

/* The fingerprint of the home's secret key, from gpg --with-colons. */
static int read_fingerprint(struct aptkey *k, char *err, size_t errsize)
{
	const char *args[] = {"--with-colons", "--list-secret-keys", NULL};
	char buf[8192], *p;
	ssize_t n;
	int fd = memfd_create("gpg-list", MFD_CLOEXEC), r;

	if (fd < 0) {
		snprintf(err, errsize, "memfd_create: %s", strerror(errno));
		return -errno;
	}
	r = gpg(k, args, fd, err, errsize);
	n = r == 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n > 0 ? n : 0] = '\0';
	/* "fpr:::::::::FINGERPRINT:" follows the "sec:" line of the primary key. */
	p = strstr(buf, "\nfpr:");
	if (!p || sscanf(p, "\nfpr:::::::::%40[0-9A-F]:", k->fpr) != 1 || strlen(k->fpr) != 40) {
		k->fpr[0] = '\0';
		snprintf(err, errsize, "gpg: the signing key has no fingerprint");
		return -EIO;
	}
	return 0;
}

static int generate(struct aptkey *k, const char *data, char *err, size_t errsize)
{
	char host[256] = "vigil-server", uid[320];
	const char *gen[] = {"--quick-generate-key", uid, "ed25519", "sign", "never", NULL};
	const char *exp[] = {"--armor", "--export-secret-keys", NULL};
	int r;

	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "vigil-server");
	host[sizeof(host) - 1] = '\0';
	snprintf(uid, sizeof(uid), "Vigil apt repository on %s", host);
	r = gpg(k, gen, -1, err, errsize);
	if (r == 0)
		r = gpg_to_file(k, data, APTKEY_FILE, 0600, exp, err, errsize);
	return r;
}

int aptkey_open(const char *data, bool *created, struct aptkey **out, char *err, size_t errsize)
{
	struct aptkey *k = calloc(1, sizeof(*k));
	char path[4096];
	struct stat st;
	int r;

	*created = false;
	if (!k) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	if (snprintf(path, sizeof(path), "%s/%s", data, APTKEY_FILE) >= (int)sizeof(path) ||
	    snprintf(k->home, sizeof(k->home), "%s/.apt-gnupg-XXXXXX", data) >=
	        (int)sizeof(k->home)) {
		snprintf(err, errsize, "%s: path too long", data);
		free(k);
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(k->home)) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", k->home, strerror(-r));
		k->home[0] = '\0';
		goto fail;
	}
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		r = generate(k, data, err, errsize);
		*created = r == 0;
	} else if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errsize, "%s: not a regular file", path);
	} else if (st.st_mode & 077) {
		r = -EPERM;
		snprintf(err, errsize, "%s: group or others may read it; chmod 600 it", path);
	} else {
		const char *imp[] = {"--import", path, NULL};
		r = gpg(k, imp, -1, err, errsize);
	}
	if (r == 0)
		r = read_fingerprint(k, err, errsize);
	if (r == 0) {
		*out = k;
		return 0;
	}
fail:
	aptkey_close(k);
	return r;
}

const char *aptkey_fingerprint(const struct aptkey *k)
{
	return k ? k->fpr : "";
}

int aptkey_sign_release(struct aptkey *k, const char *dir, char *err, size_t errsize)
{
	char release[4096];
	const char *clear[] = {"--local-user", k->fpr, "--digest-algo", "SHA512", "--clearsign",
	                       "--output",     "-",    release,         NULL};
	const char *detached[] = {
	    "--local-user", k->fpr, "--digest-algo", "SHA512", "--armor", "--detach-sign",
	    "--output",     "-",    release,         NULL};
	int r;

	if (snprintf(release, sizeof(release), "%s/Release", dir) >= (int)sizeof(release)) {
		snprintf(err, errsize, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	r = gpg_to_file(k, dir, "InRelease", 0644, clear, err, errsize);
	if (r == 0)
		r = gpg_to_file(k, dir, "Release.gpg", 0644, detached, err, errsize);
	return r;
}

int aptkey_export_public(struct aptkey *k, const char *dir, const char *name, char *err,
                         size_t errsize)
{
	char bin[256], asc[256];
	const char *binary[] = {"--export", k->fpr, NULL};
	const char *armour[] = {"--armor", "--export", k->fpr, NULL};
	int r;

	snprintf(bin, sizeof(bin), "%s.gpg", name);
	snprintf(asc, sizeof(asc), "%s.asc", name);
	r = gpg_to_file(k, dir, bin, 0644, binary, err, errsize);
	if (r == 0)
		r = gpg_to_file(k, dir, asc, 0644, armour, err, errsize);
	return r;
}

void aptkey_close(struct aptkey *k)
{
	char err[256];

	if (!k)
		return;
	if (k->home[0]) {
		const char *kill[] = {"gpgconf", "--homedir", k->home, "--kill", "gpg-agent", NULL};
		aptrun(kill, NULL, -1, err, sizeof(err)); /* no agent started: nothing to stop */
		aptrun_remove_tree(k->home);
	}
	free(k);
}
