/* test-match-image.c: compiled lists mapped from a shared image, and images never trusted. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match.h"
#include "tap.h"

static const char *const LISTS = "@category self-harm\n"
                                 "@severity 4\n"
                                 "kill myself = 5\n"
                                 "suicid*\n"
                                 "! dying to see\n"
                                 "dying\n"
                                 "want & die & tonight ~8 = 5\n"
                                 "@category profanity\n"
                                 "@severity 1\n"
                                 "f*ck\n"
                                 "cock*\n"
                                 "! cocktail*\n";

static const char *const OTHER = "@category violence\nstab\n! stab in the dark\n";

static const char *const TEXT = "i want to k1ll mys3lf, kiiiill myself or k i l l myself; "
                                "suicidal, dying to see it, dying. a cocktail, c0ck, f*ck; "
                                "i want to die tonight\n";

struct result {
	char buf[4096];
	size_t len;
};

static void collect(const struct match_hit *hit, void *userdata)
{
	struct result *r = userdata;
	int n =
	    snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "%s %d %llu-%llu;", hit->phrase,
	             hit->severity, (unsigned long long)hit->start, (unsigned long long)hit->end);

	if (n > 0 && (size_t)n < sizeof(r->buf) - r->len)
		r->len += (size_t)n;
}

/* Compiles text with the image (NULL: none); the hits of TEXT into out, shared bytes. */
static size_t scan(const char *text, const char *image, struct result *out)
{
	struct match_file f = {"t.txt", text, strlen(text)};
	struct match_lists *lists = NULL;
	struct match_errors *errs = NULL;
	struct match_stats st = {0};

	memset(out, 0, sizeof(*out));
	if (match_lists_compile_shared(&f, 1, image, &lists, &errs) < 0 || !lists) {
		match_errors_free(errs);
		return (size_t)-1;
	}
	match_scan(lists, TEXT, strlen(TEXT), collect, out);
	match_lists_stats(lists, &st);
	match_lists_unref(lists);
	match_errors_free(errs);
	return st.shared_bytes;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Rewrites the byte at off of path (from the end when off < 0). */
static void poke(const char *path, off_t off, unsigned char x)
{
	int fd = open(path, O_RDWR);
	unsigned char b = 0;

	if (off < 0)
		off += size_of(path);
	if (fd < 0 || pread(fd, &b, 1, off) != 1)
		return;
	b ^= x;
	if (pwrite(fd, &b, 1, off) != 1)
		fprintf(stderr, "cannot write %s\n", path);
	close(fd);
}

int main(void)
{
	char dir[] = "/tmp/vigil-image-XXXXXX", image[256];
	struct result plain, got;
	size_t shared;
	off_t full;

	if (!mkdtemp(dir))
		return 1;
	snprintf(image, sizeof(image), "%s/lists.image", dir);
	CHECK(scan(LISTS, NULL, &plain) == 0, "no image: nothing shared");
	CHECK(plain.len > 0, "hits without an image");

	shared = scan(LISTS, image, &got);
	full = size_of(image);
	CHECK(shared > 0 && full > 0 && (off_t)shared == full, "written and mapped: %zu of %lld",
	      shared, (long long)full);
	CHECK(strcmp(got.buf, plain.buf) == 0, "first load: %s against %s", got.buf, plain.buf);
	shared = scan(LISTS, image, &got);
	CHECK(shared > 0 && strcmp(got.buf, plain.buf) == 0, "mapped again: %s", got.buf);

	/* other lists: the image is not theirs; rebuilt for them, then for ours again */
	shared = scan(OTHER, image, &got);
	CHECK(shared > 0 && strstr(got.buf, "stab") == NULL && size_of(image) != full,
	      "other lists rebuild it: %s", got.buf);
	shared = scan(LISTS, image, &got);
	CHECK(shared > 0 && size_of(image) == full && strcmp(got.buf, plain.buf) == 0,
	      "and ours again: %s", got.buf);

	/* a flipped byte in the tables, in the header's version, the end of the file cut off,
	 * an empty file, garbage: each refused and rebuilt, never trusted */
	for (int k = 0; k < 5; k++) {
		if (k == 0)
			poke(image, full / 2, 0x40);
		else if (k == 1)
			poke(image, 8, 0x01);
		else if (k == 2)
			CHECK(truncate(image, full - 100) == 0, "truncate");
		else if (k == 3)
			CHECK(truncate(image, 0) == 0, "truncate");
		else
			poke(image, -1, 0xff);
		shared = scan(LISTS, image, &got);
		CHECK(shared > 0 && size_of(image) == full && strcmp(got.buf, plain.buf) == 0,
		      "damage %d: rebuilt, the same hits: %s", k, got.buf);
	}

	/* a directory that cannot hold it: the tables stay in memory, the hits the same */
	snprintf(image, sizeof(image), "%s/no/such/dir/lists.image", dir);
	shared = scan(LISTS, image, &got);
	CHECK(shared == 0 && strcmp(got.buf, plain.buf) == 0, "unwritable: %s", got.buf);

	snprintf(image, sizeof(image), "%s/lists.image", dir);
	unlink(image);
	rmdir(dir);
	TAP_EXIT();
}
