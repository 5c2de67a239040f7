/* aptrepo.c: the apt repository of agent packages in the data directory: pool, signed index. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aptkey.h"
#include "aptrepo.h"
#include "aptrun.h"
#include "fileio.h"

#define POOL        "pool/main"
#define MAX_ARCHS   8
#define ARCH_MAX    32
#define FIELD_MAX   128
#define PATH_BUF    4096
#define DATA_MAX    2048
#define TEXT_TYPE   "text/plain; charset=utf-8"
#define OPENPGP_KEY "application/pgp-keys"

/* ---- what is published -------------------------------------------------------- */

/* True when s[0..n) is not empty, does not start with '.', and has only letters,
 * digits and the characters of extra. */
static bool name_ok(const char *s, size_t n, const char *extra)
{
	if (n == 0 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return false;
	}
	return true;
}

/* s starts with prefix: the rest, else NULL. */
static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

const char *aptrepo_content_type(const char *rel)
{
	const char *p, *slash;
	size_t n;

	if (strcmp(rel, APTREPO_KEYRING ".gpg") == 0 || strcmp(rel, APTREPO_KEYRING ".asc") == 0)
		return OPENPGP_KEY;
	if ((p = after(rel, "pool/main/"))) {
		n = strlen(p);
		return n > 4 && strcmp(p + n - 4, ".deb") == 0 && name_ok(p, n, "._+~-")
		           ? "application/vnd.debian.binary-package"
		           : NULL;
	}
	if (!(p = after(rel, "dists/" APTREPO_SUITE "/")))
		return NULL;
	if (strcmp(p, "Release") == 0 || strcmp(p, "InRelease") == 0)
		return TEXT_TYPE;
	if (strcmp(p, "Release.gpg") == 0)
		return "application/pgp-signature";
	if (!(p = after(p, "main/binary-")) || !(slash = strchr(p, '/')) ||
	    !name_ok(p, (size_t)(slash - p), "-") || (size_t)(slash - p) >= ARCH_MAX)
		return NULL;
	if (strcmp(slash, "/Packages") == 0)
		return TEXT_TYPE;
	if (strcmp(slash, "/Packages.gz") == 0)
		return "application/gzip";
	return NULL;
}

/* ---- files -------------------------------------------------------------------- */

/* snprintf into a path buffer; paths stay far below PATH_BUF since aptrepo_add and
 * aptrepo_publish refuse a data directory longer than DATA_MAX. */
static void path_fmt(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* A data directory short enough for every path below it. */
static int data_ok(const char *data, char *err, size_t errsize)
{
	if (strlen(data) <= DATA_MAX)
		return 0;
	snprintf(err, errsize, "the data directory's name is longer than %d bytes", DATA_MAX);
	return -ENAMETOOLONG;
}

static int mkdir_p(const char *base, const char *rel, char *err, size_t errsize)
{
	char path[PATH_BUF];
	size_t blen = strlen(base);

	path_fmt(path, sizeof(path), "%s/%s", base, rel);
	for (char *s = path + blen + 1;; s++) {
		char c = *s;
		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int r = -errno;
			snprintf(err, errsize, "%s: %s", path, strerror(-r));
			return r;
		}
		*s = c;
		if (!c)
			return 0;
	}
}

/* Runs argv in cwd with its output written to path (created 0644, synced). */
static int tool_to_file(const char *const argv[], const char *cwd, const char *path, char *err,
                        size_t errsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), r;

	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	r = aptrun(argv, cwd, fd, err, errsize);
	if (r == 0 && fsync(fd) < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
	}
	close(fd);
	return r;
}

/* Copies everything from in to the new file out (0644) and syncs it. */
static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n;
	int r;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((r = fileio_write_all(out, buf, (size_t)n)) < 0)
			return r;
	}
	return fsync(out) < 0 ? -errno : 0;
}

/* True when the files a and b have the same bytes. */
static bool same_file(const char *a, const char *b)
{
	char ba[65536], bb[65536];
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	bool same = fa >= 0 && fb >= 0;
	ssize_t na, nb;

	while (same) {
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		same = na == nb && na >= 0 && memcmp(ba, bb, (size_t)(na > 0 ? na : 0)) == 0;
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* ---- adding packages ---------------------------------------------------------- */

struct deb_fields {
	char package[FIELD_MAX], version[FIELD_MAX], arch[ARCH_MAX];
};

/* "Name: value" of text into out (size bytes); false when missing or too long. */
static bool field(const char *text, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t len;
		if (strncmp(l, name, n) != 0 || l[n] != ':' || l[n + 1] != ' ')
			continue;
		len = strcspn(l + n + 2, "\n");
		if (len == 0 || len >= size)
			return false;
		memcpy(out, l + n + 2, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

/* The control fields of the .deb at path (dpkg-deb), checked for use in a file name. */
static int deb_read(const char *path, const char *name, struct deb_fields *f, char *err,
                    size_t errsize)
{
	const char *argv[] = {"dpkg-deb", "--field",      path, "Package",
	                      "Version",  "Architecture", NULL};
	char text[1024];
	size_t len;

	if (aptrun_output(argv, NULL, text, sizeof(text), &len, err, errsize) < 0) {
		if (!strstr(err, "is not installed")) /* else say that */
			snprintf(err, errsize, "%s: not a Debian package (dpkg-deb cannot read it)",
			         name);
		return -EINVAL;
	}
	if (!field(text, "Package", f->package, sizeof(f->package)) ||
	    !field(text, "Version", f->version, sizeof(f->version)) ||
	    !field(text, "Architecture", f->arch, sizeof(f->arch))) {
		snprintf(err, errsize,
		         "%s: its control file lacks Package, Version or Architecture", name);
		return -EINVAL;
	}
	if (!name_ok(f->package, strlen(f->package), "+.-") ||
	    !name_ok(f->version, strlen(f->version), ".+~:-") ||
	    !name_ok(f->arch, strlen(f->arch), "-")) {
		snprintf(err, errsize,
		         "%s: Package \"%s\", Version \"%s\" or Architecture \"%s\" "
		         "is not valid",
		         name, f->package, f->version, f->arch);
		return -EINVAL;
	}
	return 0;
}

/* One package from fd into pool (a directory that exists). */
static int add_one(const char *pool, int fd, const char *name, char *err, size_t errsize)
{
	char tmp[PATH_BUF], dest[PATH_BUF];
	struct deb_fields f;
	const char *version;
	int out, r;

	path_fmt(tmp, sizeof(tmp), "%s/.add-XXXXXX", pool);
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", tmp, strerror(-r));
		return r;
	}
	r = fchmod(out, 0644) < 0 ? -errno : copy_fd(fd, out);
	close(out);
	if (r < 0) {
		snprintf(err, errsize, "%s: copying into %s: %s", name, pool, strerror(-r));
		goto out_unlink;
	}
	if ((r = deb_read(tmp, name, &f, err, errsize)) < 0)
		goto out_unlink;
	version = strchr(f.version, ':') ? strchr(f.version, ':') + 1 : f.version; /* no epoch */
	path_fmt(dest, sizeof(dest), "%s/%s_%s_%s.deb", pool, f.package, version, f.arch);
	if (access(dest, F_OK) == 0) {
		if (!same_file(tmp, dest)) {
			r = -EEXIST;
			snprintf(
			    err, errsize,
			    "%s: the pool already has %s %s (%s) with other contents; build the "
			    "new package with a higher version",
			    name, f.package, f.version, f.arch);
			goto out_unlink;
		}
		printf("%s: %s %s (%s) is in the pool already\n", name, f.package, f.version,
		       f.arch);
		r = 0;
		goto out_unlink;
	}
	if (rename(tmp, dest) < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", dest, strerror(-r));
		goto out_unlink;
	}
	printf("%s: added %s %s (%s)\n", name, f.package, f.version, f.arch);
	return 0;
out_unlink:
	unlink(tmp);
	return r;
}

int aptrepo_add(const char *data, const int *fds, const char *const *names, size_t n, char *err,
                size_t errsize)
{
	char pool[PATH_BUF];
	int r;

	if ((r = data_ok(data, err, errsize)) < 0 ||
	    (r = mkdir_p(data, APTREPO_DIR "/" POOL, err, errsize)) < 0)
		return r;
	path_fmt(pool, sizeof(pool), "%s/" APTREPO_DIR "/" POOL, data);
	for (size_t i = 0; i < n; i++)
		if ((r = add_one(pool, fds[i], names[i], err, errsize)) < 0)
			return r;
	return 0;
}

/* ---- the index ------------------------------------------------------------------ */

/* The architectures of the pool's packages (from their names; "all" goes into every
 * architecture's index). Returns how many, 0 when the pool has none, or -errno. */
static int pool_archs(const char *pool, char archs[MAX_ARCHS][ARCH_MAX], int *npackages)
{
	DIR *d = opendir(pool);
	struct dirent *e;
	int n = 0;

	*npackages = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		const char *arch = strrchr(e->d_name, '_');
		bool seen = false;
		if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".deb") != 0 ||
		    !arch)
			continue;
		(*npackages)++;
		len = strlen(arch + 1) - 4;
		if (len == 0 || len >= ARCH_MAX || strncmp(arch + 1, "all", len) == 0)
			continue;
		for (int i = 0; i < n; i++)
			seen |= strncmp(archs[i], arch + 1, len) == 0 && archs[i][len] == '\0';
		if (seen || n == MAX_ARCHS)
			continue;
		memcpy(archs[n], arch + 1, len);
		archs[n++][len] = '\0';
	}
	closedir(d);
	return n;
}

/* stage/stable/main/binary-ARCH/Packages and .gz for each architecture, then Release. */
static int write_index(const char *repo, const char *stage, char archs[MAX_ARCHS][ARCH_MAX],
                       int narchs, char *err, size_t errsize)
{
	char dir[PATH_BUF], path[PATH_BUF], gz[PATH_BUF], list[MAX_ARCHS * ARCH_MAX] = "";
	char opt_archs[sizeof(list) + 64];
	int r;

	for (int i = 0; i < narchs; i++) {
		const char *pk[] = {"apt-ftparchive", "--arch", archs[i], "packages", POOL, NULL};
		const char *zip[] = {"gzip", "-9nc", path, NULL};
		path_fmt(dir, sizeof(dir), "stable/main/binary-%s", archs[i]);
		if ((r = mkdir_p(stage, dir, err, errsize)) < 0)
			return r;
		path_fmt(path, sizeof(path), "%s/%s/Packages", stage, dir);
		path_fmt(gz, sizeof(gz), "%s/%s/Packages.gz", stage, dir);
		if ((r = tool_to_file(pk, repo, path, err, errsize)) < 0 ||
		    (r = tool_to_file(zip, NULL, gz, err, errsize)) < 0)
			return r;
		path_fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " " : "",
		         archs[i]);
	}
	path_fmt(opt_archs, sizeof(opt_archs), "APT::FTPArchive::Release::Architectures=%s", list);
	const char *rel[] = {"apt-ftparchive",
	                     "-o",
	                     "APT::FTPArchive::Release::Origin=Vigil",
	                     "-o",
	                     "APT::FTPArchive::Release::Label=Vigil",
	                     "-o",
	                     "APT::FTPArchive::Release::Suite=" APTREPO_SUITE,
	                     "-o",
	                     "APT::FTPArchive::Release::Codename=" APTREPO_SUITE,
	                     "-o",
	                     "APT::FTPArchive::Release::Components=main",
	                     "-o",
	                     opt_archs,
	                     "-o",
	                     "APT::FTPArchive::Release::Description=Vigil agent packages",
	                     "release",
	                     "stable",
	                     NULL};
	/* Written beside stable/, not in it, so it does not list itself; then moved in. */
	path_fmt(path, sizeof(path), "%s/Release", stage);
	path_fmt(gz, sizeof(gz), "%s/stable/Release", stage);
	if ((r = tool_to_file(rel, stage, path, err, errsize)) < 0)
		return r;
	if (rename(path, gz) < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", gz, strerror(-r));
	}
	return r;
}

/* Puts stage/stable in place of repo/dists/stable in one rename. */
static int swap_in(const char *repo, const char *stage, char *err, size_t errsize)
{
	char from[PATH_BUF], to[PATH_BUF];
	int r;

	if ((r = mkdir_p(repo, "dists", err, errsize)) < 0)
		return r;
	path_fmt(from, sizeof(from), "%s/stable", stage);
	path_fmt(to, sizeof(to), "%s/dists/" APTREPO_SUITE, repo);
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) == 0 ||
	    (errno == ENOENT && rename(from, to) == 0))
		return 0;
	r = -errno;
	snprintf(err, errsize, "%s: %s", to, strerror(-r));
	return r;
}

int aptrepo_publish(const char *data, char *err, size_t errsize)
{
	char repo[PATH_BUF], pool[PATH_BUF], stage[PATH_BUF], archs[MAX_ARCHS][ARCH_MAX];
	struct aptkey *key = NULL;
	bool created;
	int narchs, npackages, r;

	if ((r = data_ok(data, err, errsize)) < 0)
		return r;
	path_fmt(repo, sizeof(repo), "%s/" APTREPO_DIR, data);
	path_fmt(pool, sizeof(pool), "%s/" POOL, repo);
	narchs = pool_archs(pool, archs, &npackages);
	if (narchs <= 0) {
		r = narchs < 0 ? narchs : -ENOENT;
		snprintf(err, errsize, "%s: %s", pool,
		         narchs < 0 ? strerror(-narchs)
		                    : "no packages for an architecture; add the agent's .deb with "
		                      "\"vigil-server apt add FILE.deb\"");
		return r;
	}
	if ((r = mkdir_p(data, APTREPO_DIR, err, errsize)) < 0)
		return r;
	if ((r = aptkey_open(data, &created, &key, err, errsize)) < 0)
		return r;
	if (created)
		printf("made the repository's signing key %s (%s/%s, mode 0600)\n",
		       aptkey_fingerprint(key), data, APTKEY_FILE);
	path_fmt(stage, sizeof(stage), "%s/.publish-XXXXXX", repo);
	if (!mkdtemp(stage)) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", stage, strerror(-r));
		goto out_key;
	}
	if (chmod(stage, 0755) < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", stage, strerror(-r));
		goto out_stage;
	}
	if ((r = mkdir_p(stage, "stable", err, errsize)) < 0)
		goto out_stage;
	path_fmt(pool, sizeof(pool), "%s/stable", stage);
	if ((r = write_index(repo, stage, archs, narchs, err, errsize)) < 0 ||
	    (r = aptkey_sign_release(key, pool, err, errsize)) < 0 ||
	    (r = aptkey_export_public(key, repo, APTREPO_KEYRING, err, errsize)) < 0 ||
	    (r = swap_in(repo, stage, err, errsize)) < 0)
		goto out_stage;
	printf("published %d package%s for", npackages, npackages == 1 ? "" : "s");
	for (int i = 0; i < narchs; i++)
		printf(" %s", archs[i]);
	printf(" in %s, signed by %s\n", repo, aptkey_fingerprint(key));
out_stage:
	aptrun_remove_tree(stage);
out_key:
	aptkey_close(key);
	return r;
}
