/* wordlists.c: the current phrase lists of the server: reload, technician edits, bundle. */
#include "wordlists.h"
#include "fileio.h"
#include "log.h"
#include "rfc3339.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct wordlists {
	char *dir;
	const struct signkey *key;
	pthread_mutex_t lock; /* one reload or edit at a time */
	pthread_mutex_t current_lock;
	struct bundle *current;
	unsigned char seen[crypto_hash_sha256_BYTES]; /* fingerprint of the directory */
	int have_seen;
	pthread_mutex_t schools_lock; /* the schools' bundles, built when first asked for */
	struct school_lists *schools;
};

/* A school's own lists: the bundle of the shared lists and them, for its machines. */
struct school_lists {
	struct school_lists *next;
	long long school;
	unsigned char seen[crypto_hash_sha256_BYTES]; /* fingerprint of its directory */
	char shared[33];                              /* the shared version it was built on */
	struct bundle *b;                             /* NULL: none of its own (or refused) */
};

/*
 * When the lists of dir were made, for the bundle's "issued": the newest modification
 * time (ms) of its list files and of the directory itself (a deletion or a rename
 * changes it), and not before floor_ms. Servers sharing the directory agree on it.
 */
static long long issued_of(const char *dir, long long floor_ms)
{
	struct dirent **names = NULL;
	long long t = 0;
	struct stat sb;
	char path[4400];
	int n;

	if (stat(dir, &sb) == 0)
		t = (long long)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (bundle_name_ok(names[i]->d_name) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) <
		        (int)sizeof(path) &&
		    stat(path, &sb) == 0) {
			long long m =
			    (long long)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
			if (m > t)
				t = m;
		}
		free(names[i]);
	}
	free(names);
	return t > floor_ms ? t : floor_ms;
}

/* bundle_build() at issued (at least): a bundle of other lists than cur (the one served
 * before) is made later than it, so one server's bundles only go forward even when old
 * files come back with their old times (then servers sharing the directory may differ).
 * Takes cur's reference. */
static int build_after(struct wordlists *w, struct bundle *cur, const struct bundle_file *files,
                       size_t n, long long issued, struct bundle **out, struct bundle_msgs *msgs)
{
	int r = bundle_build(files, n, w->key, issued, out, msgs);

	if (r == 0 && cur && strcmp(bundle_version(cur), bundle_version(*out)) != 0 &&
	    bundle_issued(*out) <= bundle_issued(cur)) {
		bundle_unref(*out);
		*out = NULL;
		r = bundle_build(files, n, w->key, bundle_issued(cur) + 1, out, msgs);
	}
	bundle_unref(cur);
	return r;
}

static int build(struct wordlists *w, const struct bundle_file *files, size_t n, long long floor_ms,
                 struct bundle **out, struct bundle_msgs *msgs)
{
	return build_after(w, wordlists_current(w), files, n, issued_of(w->dir, floor_ms), out,
	                   msgs);
}

int wordlists_new(const char *dir, const struct signkey *key, struct wordlists **out)
{
	struct wordlists *w = calloc(1, sizeof(*w));

	if (!w || !(w->dir = strdup(dir))) {
		free(w);
		return -ENOMEM;
	}
	w->key = key;
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->current_lock, NULL);
	pthread_mutex_init(&w->schools_lock, NULL);
	*out = w;
	return 0;
}

void wordlists_free(struct wordlists *w)
{
	if (!w)
		return;
	bundle_unref(w->current);
	while (w->schools) {
		struct school_lists *s = w->schools;
		w->schools = s->next;
		bundle_unref(s->b);
		free(s);
	}
	pthread_mutex_destroy(&w->schools_lock);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->current_lock);
	free(w->dir);
	free(w);
}

struct bundle *wordlists_current(struct wordlists *w)
{
	struct bundle *b;

	pthread_mutex_lock(&w->current_lock);
	b = bundle_ref(w->current);
	pthread_mutex_unlock(&w->current_lock);
	return b;
}

static void serve(struct wordlists *w, struct bundle *b)
{
	struct bundle *old;

	pthread_mutex_lock(&w->current_lock);
	old = w->current;
	w->current = b;
	pthread_mutex_unlock(&w->current_lock);
	bundle_unref(old);
}

/* A hash of the names, sizes, mtimes and inodes of the list files: cheap change test. */
static void fingerprint(const char *dir, unsigned char out[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state st;
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);

	crypto_hash_sha256_init(&st);
	for (int i = 0; i < n; i++) {
		struct stat sb;
		char path[4400];
		if (bundle_name_ok(names[i]->d_name) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) <
		        (int)sizeof(path) &&
		    stat(path, &sb) == 0) {
			long long v[4] = {(long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
			                  (long long)sb.st_mtim.tv_nsec, (long long)sb.st_ino};
			crypto_hash_sha256_update(&st, (const unsigned char *)names[i]->d_name,
			                          strlen(names[i]->d_name) + 1);
			crypto_hash_sha256_update(&st, (const unsigned char *)v, sizeof(v));
		}
		free(names[i]);
	}
	free(names);
	crypto_hash_sha256_final(&st, out);
}

int wordlists_reload(struct wordlists *w, int force, struct bundle_msgs *msgs)
{
	unsigned char fp[crypto_hash_sha256_BYTES];
	struct bundle_file *files = NULL;
	struct bundle *b = NULL;
	size_t n = 0;
	int r;

	pthread_mutex_lock(&w->lock);
	fingerprint(w->dir, fp);
	if (!force && w->have_seen && memcmp(fp, w->seen, sizeof(fp)) == 0) {
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	/* Remember this state even when refused: the error is reported once per change. */
	memcpy(w->seen, fp, sizeof(fp));
	w->have_seen = 1;
	r = bundle_read_dir(w->dir, &files, &n, msgs);
	if (r == 0)
		r = build(w, files, n, 0, &b, msgs);
	bundle_files_free(files, n);
	if (r == 0) {
		serve(w, b);
		r = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

/* files with name replaced by text (or removed when text is NULL); *found says whether
 * name was there. */
static int files_splice(struct bundle_file **files, size_t *n, const char *name, const char *text,
                        size_t len, int *found)
{
	size_t i;
	struct bundle_file *v;

	*found = 0;
	for (i = 0; i < *n && strcmp((*files)[i].name, name) != 0; i++)
		;
	*found = i < *n;
	if (*found) {
		free((*files)[i].text);
		(*files)[i].text = NULL;
		if (!text) {
			free((*files)[i].name);
			memmove(&(*files)[i], &(*files)[i + 1], (*n - i - 1) * sizeof(**files));
			(*n)--;
			return 0;
		}
	} else {
		if (!text)
			return 0;
		v = realloc(*files, (*n + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		*files = v;
		v[*n] = (struct bundle_file){.name = strdup(name)};
		if (!v[*n].name)
			return -ENOMEM;
		i = (*n)++;
	}
	(*files)[i].text = malloc(len + 1);
	if (!(*files)[i].text)
		return -ENOMEM;
	memcpy((*files)[i].text, text, len);
	(*files)[i].text[len] = '\0';
	(*files)[i].len = len;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct bundle_file *)a)->name, ((const struct bundle_file *)b)->name);
}

int wordlists_put(struct wordlists *w, const char *name, const char *text, size_t len,
                  struct bundle_msgs *msgs)
{
	struct bundle_file *files = NULL;
	struct bundle *b = NULL;
	size_t n = 0;
	int r, found = 0;
	char path[4400];

	if (!bundle_name_ok(name))
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	r = bundle_read_dir(w->dir, &files, &n, msgs);
	if (r == 0)
		r = files_splice(&files, &n, name, text, len, &found);
	if (r == 0 && !text && !found)
		r = -ENOENT;
	if (r == 0) {
		qsort(files, n, sizeof(*files), by_name);
		r = build(w, files, n, rfc3339_now_ms(), &b, msgs); /* written now */
	}
	if (r == 0) {
		if (text) {
			r = fileio_write_durably(w->dir, name, text, len, 0644);
		} else {
			snprintf(path, sizeof(path), "%s/%s", w->dir, name);
			r = unlink(path) < 0 ? -errno : 0;
		}
		if (r == 0) {
			serve(w, b);
			fingerprint(w->dir, w->seen);
			w->have_seen = 1;
		} else {
			bundle_unref(b);
		}
	}
	bundle_files_free(files, n);
	pthread_mutex_unlock(&w->lock);
	return r;
}

/* The directory of a school's own lists: <lists>/schools/<id>. */
static int school_dir(const struct wordlists *w, long long school, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/schools/%lld", w->dir, school) < (int)size ? 0
	                                                                          : -ENAMETOOLONG;
}

int wordlists_school_dir(struct wordlists *w, long long school, char *buf, size_t size)
{
	return school_dir(w, school, buf, size);
}

/* files (shared, sorted) and then own's files whose names no shared file uses, sorted
 * together: the files of a school's bundle. Moves the texts out of own. */
static int join(struct bundle_file **files, size_t *n, struct bundle_file *own, size_t nown,
                const char *sdir)
{
	struct bundle_file *v = realloc(*files, (*n + nown + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	*files = v;
	for (size_t i = 0; i < nown; i++) {
		size_t j;
		for (j = 0; j < *n && strcmp(v[j].name, own[i].name) != 0; j++)
			;
		if (j < *n) { /* a shared file took the name after the school's was saved */
			log_warning("lists: %s/%s: a shared list has this name; the shared one is "
			            "used",
			            sdir, own[i].name);
			continue;
		}
		v[(*n)++] = own[i];
		own[i] = (struct bundle_file){0};
	}
	qsort(v, *n, sizeof(*v), by_name);
	return 0;
}

/* Builds s's bundle (under schools_lock): NULL when the school has no lists of its own;
 * on a refusal s->b stays as it was. */
static void school_build(struct wordlists *w, struct school_lists *s, const char *sdir)
{
	struct bundle_file *files = NULL, *own = NULL;
	struct bundle_msgs msgs = {0};
	struct bundle *b = NULL;
	size_t n = 0, nown = 0;
	int r;

	r = bundle_read_dir(sdir, &own, &nown, &msgs);
	if (r < 0 || nown == 0) { /* no directory, or no list in it */
		bundle_unref(s->b);
		s->b = NULL;
		bundle_files_free(own, nown);
		bundle_msgs_clear(&msgs);
		return;
	}
	r = bundle_read_dir(w->dir, &files, &n, &msgs);
	if (r == 0)
		r = join(&files, &n, own, nown, sdir);
	if (r == 0) {
		long long a = issued_of(w->dir, 0), c = issued_of(sdir, 0);
		r = build_after(w, bundle_ref(s->b), files, n, a > c ? a : c, &b, &msgs);
	}
	for (size_t i = 0; i < msgs.n; i++)
		log_warning("lists of school %lld: %s", s->school, msgs.v[i]);
	if (r == 0) {
		bundle_unref(s->b);
		s->b = b;
	} else {
		log_warning("lists of school %lld refused (%s); its machines get its last good "
		            "lists, or the shared ones",
		            s->school, strerror(-r));
	}
	bundle_files_free(files, n);
	bundle_files_free(own, nown);
	bundle_msgs_clear(&msgs);
}

struct bundle *wordlists_for_school(struct wordlists *w, long long school)
{
	unsigned char fp[crypto_hash_sha256_BYTES];
	struct bundle *shared = wordlists_current(w), *b;
	struct school_lists *s;
	char sdir[4400];

	if (school <= 0 || !shared || school_dir(w, school, sdir, sizeof(sdir)) < 0)
		return shared;
	fingerprint(sdir, fp);
	pthread_mutex_lock(&w->schools_lock);
	for (s = w->schools; s && s->school != school; s = s->next)
		;
	if (!s && (s = calloc(1, sizeof(*s)))) {
		s->school = school;
		s->next = w->schools;
		w->schools = s;
	}
	if (s && (memcmp(s->seen, fp, sizeof(fp)) != 0 ||
	          strcmp(s->shared, bundle_version(shared)) != 0)) {
		school_build(w, s, sdir);
		memcpy(s->seen, fp, sizeof(fp));
		snprintf(s->shared, sizeof(s->shared), "%s", bundle_version(shared));
	}
	b = s ? bundle_ref(s->b) : NULL;
	pthread_mutex_unlock(&w->schools_lock);
	if (!b)
		return shared;
	bundle_unref(shared);
	return b;
}

int wordlists_put_school(struct wordlists *w, long long school, const char *name, const char *text,
                         size_t len, struct bundle_msgs *msgs)
{
	struct bundle_file *files = NULL, *own = NULL;
	struct bundle *b = NULL;
	size_t n = 0, nown = 0;
	int r, found = 0;
	char sdir[4400], parent[4400], path[4500];

	if (!bundle_name_ok(name) || school <= 0)
		return -EINVAL;
	if ((r = school_dir(w, school, sdir, sizeof(sdir))) < 0)
		return r;
	snprintf(parent, sizeof(parent), "%s/schools", w->dir);
	pthread_mutex_lock(&w->lock);
	r = bundle_read_dir(w->dir, &files, &n, msgs);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(files[i].name, name) == 0)
			r = -EEXIST; /* the shared lists are not a school's to change */
	if (r == 0 && mkdir(parent, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0 && mkdir(sdir, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0)
		r = bundle_read_dir(sdir, &own, &nown, msgs);
	if (r == 0)
		r = files_splice(&own, &nown, name, text, len, &found);
	if (r == 0 && !text && !found)
		r = -ENOENT;
	if (r == 0)
		r = join(&files, &n, own, nown, sdir);
	if (r == 0) /* the shared lists and the school's together, as its machines get them */
		r = bundle_build(files, n, w->key, 0, &b, msgs);
	bundle_unref(b);
	if (r == 0) {
		if (text) {
			r = fileio_write_durably(sdir, name, text, len, 0644);
		} else {
			snprintf(path, sizeof(path), "%s/%s", sdir, name);
			r = unlink(path) < 0 ? -errno : 0;
		}
	}
	bundle_files_free(files, n);
	bundle_files_free(own, nown);
	pthread_mutex_unlock(&w->lock);
	return r;
}

char *wordlists_text(struct wordlists *w, long long school, const char *name)
{
	struct bundle_msgs msgs = {0};
	struct bundle_file *files = NULL;
	size_t n = 0;
	char sdir[4400], *t = NULL;

	if (school > 0 && school_dir(w, school, sdir, sizeof(sdir)) < 0)
		return NULL;
	if (bundle_read_dir(school > 0 ? sdir : w->dir, &files, &n, &msgs) == 0)
		for (size_t i = 0; i < n && !t; i++)
			if (strcmp(files[i].name, name) == 0)
				t = strndup(files[i].text, files[i].len);
	bundle_files_free(files, n);
	bundle_msgs_clear(&msgs);
	return t;
}
