/* aptkey.c: the apt repository's OpenPGP signing key, kept in the data directory, used with gpg. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptkey.h"
#include "aptrun.h"
#include "fileio.h"

#define GPG_MAX_ARGS   24
#define GPG_MAX_OUTPUT (256 * 1024) /* a key, a signature, a signed Release */

struct aptkey {
	char home[4096]; /* the temporary GnuPG home, "" when not made */
	char fpr[41];
};

/* Fills argv with gpg on k's home and args (NULL-terminated). 0 or -E2BIG. */
static int gpg_argv(struct aptkey *k, const char *const args[], const char *argv[GPG_MAX_ARGS],
                    char *err, size_t errsize)
{
	const char *base[] = {"gpg",     "--homedir",       k->home,    "--batch",      "--no-tty",
	                      "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""};
	size_t n = sizeof(base) / sizeof(base[0]);

	memcpy(argv, base, sizeof(base));
	for (size_t i = 0; args[i]; i++) {
		if (n + 2 > GPG_MAX_ARGS) {
			snprintf(err, errsize, "gpg: too many arguments");
			return -E2BIG;
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return 0;
}

/* Runs gpg on k's home with args; its output is thrown away. */
static int gpg(struct aptkey *k, const char *const args[], char *err, size_t errsize)
{
	const char *argv[GPG_MAX_ARGS];
	int r = gpg_argv(k, args, argv, err, errsize);

	return r < 0 ? r : aptrun(argv, NULL, -1, err, errsize);
}

/* Runs gpg on k's home with args; its output (at most size - 1 bytes) into out. */
static int gpg_output(struct aptkey *k, const char *const args[], char *out, size_t size,
                      size_t *len, char *err, size_t errsize)
{
	const char *argv[GPG_MAX_ARGS];
	int r = gpg_argv(k, args, argv, err, errsize);

	return r < 0 ? r : aptrun_output(argv, NULL, out, size, len, err, errsize);
}

/* gpg's output for args written durably as dir/name with mode (a reader sees the old
 * file or the new one); the copy in memory is wiped, since it may be the secret key. */
static int gpg_to_file(struct aptkey *k, const char *dir, const char *name, mode_t mode,
                       const char *const args[], char *err, size_t errsize)
{
	char *buf = malloc(GPG_MAX_OUTPUT);
	size_t len = 0;
	int r;

	if (!buf) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	r = gpg_output(k, args, buf, GPG_MAX_OUTPUT, &len, err, errsize);
	if (r == 0 && (r = fileio_write_durably(dir, name, buf, len, mode)) < 0)
		snprintf(err, errsize, "%s/%s: %s", dir, name, strerror(-r));
	explicit_bzero(buf, GPG_MAX_OUTPUT);
	free(buf);
	return r;
}

/* The fingerprint of the home's secret key, from gpg --with-colons. */
static int read_fingerprint(struct aptkey *k, char *err, size_t errsize)
{
	const char *args[] = {"--with-colons", "--list-secret-keys", NULL};
	char buf[8192], *p;
	size_t len;
	int r = gpg_output(k, args, buf, sizeof(buf), &len, err, errsize);

	if (r < 0)
		return r;
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
	r = gpg(k, gen, err, errsize);
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
		r = gpg(k, imp, err, errsize);
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
