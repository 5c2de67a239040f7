/* bundle.c: the signed phrase-list bundle that the server hands to every agent. */
#include "bundle.h"
#include "digest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil-limits.h"
#include "match.h"
#include "token.h"

struct bundle {
	int refs;
	char *body;
	size_t len;
	char version[33];
	char etag[36];
	size_t nfiles;
	long long issued;
};

__attribute__((format(printf, 3, 4))) static void add_msg(struct bundle_msgs *m, int is_error,
                                                          const char *fmt, ...)
{
	char **v = realloc(m->v, (m->n + 1) * sizeof(*v));
	va_list ap;

	if (!v)
		return;
	m->v = v;
	va_start(ap, fmt);
	if (vasprintf(&m->v[m->n], fmt, ap) >= 0) {
		m->n++;
		m->errors += is_error != 0;
	}
	va_end(ap);
}

void bundle_msgs_clear(struct bundle_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	*m = (struct bundle_msgs){0};
}

int bundle_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 5 || n > 64 || name[0] == '.' || name[0] == '-')
		return 0;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return 0;
	return strcmp(name + n - 4, ".txt") == 0 || strcmp(name + n - 4, ".inc") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct bundle_file *)a)->name, ((const struct bundle_file *)b)->name);
}

void bundle_files_free(struct bundle_file *files, size_t n)
{
	for (size_t i = 0; files && i < n; i++) {
		free(files[i].name);
		free(files[i].text);
	}
	free(files);
}

/* Reads one regular file of at most VIGIL_LIST_MAX_FILE_BYTES into f. */
static int read_file(int dirfd, const char *name, struct bundle_file *f, struct bundle_msgs *msgs)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	int r = 0;

	if (fd < 0) {
		add_msg(msgs, 1, "%s:0: cannot open: %s", name, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > VIGIL_LIST_MAX_FILE_BYTES) {
		add_msg(msgs, 1, "%s:0: not a regular file of at most %u bytes", name,
		        VIGIL_LIST_MAX_FILE_BYTES);
		r = -EFBIG;
		goto out;
	}
	f->text = malloc((size_t)st.st_size + 1);
	f->name = strdup(name);
	if (!f->text || !f->name) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, f->text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	f->text[got] = '\0';
	f->len = got;
out:
	close(fd);
	return r;
}

int bundle_read_dir(const char *dir, struct bundle_file **files, size_t *n,
                    struct bundle_msgs *msgs)
{
	struct bundle_file *v = NULL;
	size_t count = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d) {
		r = -errno;
		add_msg(msgs, 1, "%s:0: cannot read the lists directory: %s", dir, strerror(errno));
		return r;
	}
	while ((e = readdir(d))) {
		struct bundle_file *nv;
		if (!bundle_name_ok(e->d_name))
			continue;
		if (count >= VIGIL_LIST_MAX_FILES) {
			add_msg(msgs, 1, "%s:0: more than %u list files", dir,
			        VIGIL_LIST_MAX_FILES);
			r = -E2BIG;
			break;
		}
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[count] = (struct bundle_file){0};
		r = read_file(dirfd(d), e->d_name, &v[count], msgs);
		count++;
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		bundle_files_free(v, count);
		return r;
	}
	if (count)
		qsort(v, count, sizeof(*v), by_name);
	*files = v;
	*n = count;
	return 0;
}

/* Line number (from 1) of the first byte that is not UTF-8, or 0 when all of it is. */
static size_t bad_utf8_line(const unsigned char *s, size_t len)
{
	size_t line = 1;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp;
		if (c == '\n')
			line++;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			return line;
		if (i + need >= len)
			return line;
		cp = c & (0x3f >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return line;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return line;
		i += need + 1;
	}
	return 0;
}

static void version_of(const struct bundle_file *files, size_t n, char out[33])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)files[i].name,
		                          strlen(files[i].name) + 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)files[i].text, files[i].len);
		crypto_hash_sha256_update(&st, (const unsigned char *)"", 1);
	}
	crypto_hash_sha256_final(&st, h);
	digest_hex(h, 16, out);
}

/* Runs the phrase-list engine over the files; its messages go to msgs. */
static int validate(const struct bundle_file *files, size_t n, struct bundle_msgs *msgs)
{
	struct match_file *mf = calloc(n ? n : 1, sizeof(*mf));
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	int r;

	if (!mf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		mf[i] = (struct match_file){files[i].name, files[i].text, files[i].len};
	r = match_lists_compile(mf, n, &lists, &errs);
	for (size_t i = 0; errs && i < match_errors_count(errs); i++)
		add_msg(msgs, match_errors_is_error(errs, i), "%s", match_errors_get(errs, i));
	if (r < 0 && msgs->errors == 0)
		add_msg(msgs, 1, "lists:0: refused by the phrase-list engine (%s)", strerror(-r));
	match_errors_free(errs);
	match_lists_unref(lists);
	free(mf);
	return r < 0 ? -EINVAL : 0;
}

/* The payload JSON: {"format":"vigil.wordlists/1","version":V,"issued":MS,"files":[{"name",
 * "text"}]}. */
static char *make_payload(const struct bundle_file *files, size_t n, const char *version,
                          long long issued)
{
	json_t *root = json_object(), *arr = json_array();
	char *out = NULL;

	if (!root || !arr)
		goto out;
	json_object_set_new(root, "format", json_string("vigil.wordlists/1"));
	json_object_set_new(root, "version", json_string(version));
	json_object_set_new(root, "issued", json_integer(issued));
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_object();
		if (!f || json_array_append_new(arr, f) < 0)
			goto out;
		json_object_set_new(f, "name", json_string(files[i].name));
		json_object_set_new(f, "text", json_stringn(files[i].text, files[i].len));
	}
	json_object_set(root, "files", arr);
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(arr);
	json_decref(root);
	return out;
}

static int sign_into(struct bundle *b, const char *payload, const struct signkey *key)
{
	unsigned char sig[crypto_sign_BYTES];
	char sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	json_t *root;

	crypto_sign_detached(sig, NULL, (const unsigned char *)payload, strlen(payload),
	                     key->secret);
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	root = json_pack("{s:s, s:s, s:s, s:s}", "format", "vigil.wordlists.signed/1", "version",
	                 b->version, "payload", payload, "signature", sig64);
	if (!root)
		return -ENOMEM;
	b->body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!b->body)
		return -ENOMEM;
	b->len = strlen(b->body);
	return 0;
}

int bundle_build(const struct bundle_file *files, size_t n, const struct signkey *key,
                 long long issued_ms, struct bundle **out, struct bundle_msgs *msgs)
{
	struct bundle *b;
	char *payload;
	int r;

	for (size_t i = 0; i < n; i++) {
		size_t line = bad_utf8_line((const unsigned char *)files[i].text, files[i].len);
		if (line)
			add_msg(msgs, 1, "%s:%zu: not UTF-8 text", files[i].name, line);
		else if (memchr(files[i].text, '\0', files[i].len))
			add_msg(msgs, 1, "%s:1: contains a NUL byte", files[i].name);
	}
	if (msgs->errors)
		return -EINVAL;
	if ((r = validate(files, n, msgs)) < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->refs = 1;
	b->nfiles = n;
	version_of(files, n, b->version);
	snprintf(b->etag, sizeof(b->etag), "\"%s\"", b->version);
	b->issued = issued_ms;
	payload = make_payload(files, n, b->version, issued_ms);
	r = payload ? sign_into(b, payload, key) : -ENOMEM;
	free(payload);
	if (r < 0) {
		bundle_unref(b);
		return r;
	}
	*out = b;
	return 0;
}

struct bundle *bundle_ref(struct bundle *b)
{
	if (b)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

struct bundle *bundle_unref(struct bundle *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(b->body);
		free(b);
	}
	return NULL;
}

const char *bundle_body(const struct bundle *b, size_t *len)
{
	*len = b->len;
	return b->body;
}

const char *bundle_etag(const struct bundle *b)
{
	return b->etag;
}

const char *bundle_version(const struct bundle *b)
{
	return b->version;
}

long long bundle_issued(const struct bundle *b)
{
	return b->issued;
}

size_t bundle_file_count(const struct bundle *b)
{
	return b->nfiles;
}
