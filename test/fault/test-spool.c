/* test-spool.c: the spool: durable names, eviction policy (severity, then age), drop counts. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "spool.h"
#include "tap.h"

static char dir[] = "/tmp/vigil-test-spool-XXXXXX";

static const char *id_of(int n)
{
	static char id[40];

	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", n);
	return id;
}

/* Puts record n of severity sev at time n, 1000 bytes. */
static int put(struct spool *s, int n, int sev)
{
	char data[1000];

	memset(data, 'x', sizeof(data));
	return spool_put(s, id_of(n), sev, 1000 + n, data, sizeof(data), NULL);
}

/* "n:sev,n:sev" of what is spooled, oldest first. */
static const char *contents(struct spool *s)
{
	static char out[512];
	struct spool_entry *v;
	int n = spool_list(s, &v);
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		char num[13];
		int k = 0;

		memcpy(num, v[i].name + 16 + 24, 12);
		num[12] = '\0';
		parse_int(num, 0, 1000000, &k);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%d:%d", i ? "," : "", k,
		                      v[i].severity);
	}
	free(v);
	return out;
}

static void clear(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".lock") == 0 ||
		    strncmp(de->d_name, ".tmp", 4) == 0) {
			char p[600];

			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
}

static void test_eviction(void)
{
	/* Room for 4 records of 1000 bytes. Each row: puts in order, expected result. */
	const struct {
		int puts[8][2]; /* {n, severity}, n 0 ends */
		int last_r;
		const char *want;
		unsigned dropped;
	} rows[] = {
	    {{{1, 3}, {2, 3}, {3, 3}, {4, 3}}, 0, "1:3,2:3,3:3,4:3", 0},
	    /* full: the oldest of the lowest severity goes */
	    {{{1, 3}, {2, 2}, {3, 3}, {4, 2}, {5, 3}}, 0, "1:3,3:3,4:2,5:3", 1},
	    /* never a higher severity for a lower: the new low one is dropped */
	    {{{1, 5}, {2, 4}, {3, 5}, {4, 4}, {5, 1}}, -ENOBUFS, "1:5,2:4,3:5,4:4", 1},
	    /* equal severity: the oldest goes */
	    {{{1, 4}, {2, 4}, {3, 4}, {4, 4}, {5, 4}}, 0, "2:4,3:4,4:4,5:4", 1},
	    /* a high one evicts the lowest even when newer lows exist */
	    {{{1, 2}, {2, 1}, {3, 5}, {4, 1}, {5, 5}, {6, 5}}, 0, "1:2,3:5,5:5,6:5", 2},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct spool *s;
		int r = 0;

		clear();
		CHECK(spool_open(dir, 4000, &s) == 0, "open");
		for (size_t k = 0; k < 8 && rows[i].puts[k][0]; k++)
			r = put(s, rows[i].puts[k][0], rows[i].puts[k][1]);
		CHECK(r == rows[i].last_r, "row %zu: last put %d", i, r);
		CHECK(strcmp(contents(s), rows[i].want) == 0, "row %zu: %s, want %s", i,
		      contents(s), rows[i].want);
		CHECK(spool_dropped(s) == rows[i].dropped, "row %zu: dropped %llu", i,
		      (unsigned long long)spool_dropped(s));
		spool_free(s);
	}
}

static void test_files(void)
{
	struct spool *s;
	struct stat st;
	char path[256], *data;
	size_t len;
	struct spool_entry *v;

	clear();
	CHECK(spool_open(dir, 0, &s) == 0, "open");
	CHECK(spool_put(s, id_of(7), 4, 1795425243120, "{\"a\":1}", 7, NULL) == 0, "put");
	snprintf(path, sizeof(path), "%s/4-1795425243120-%s.json", dir, id_of(7));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file 0600");
	CHECK(spool_list(s, &v) == 1 && v[0].severity == 4 && v[0].time_ms == 1795425243120,
	      "listed");
	CHECK(spool_read(s, v[0].name, &data, &len) == 0 && len == 7 &&
	          memcmp(data, "{\"a\":1}", 7) == 0,
	      "read back");
	free(data);
	CHECK(spool_reject(s, v[0].name) == 0, "reject");
	snprintf(path, sizeof(path), "%s/rejected/%s", dir, v[0].name);
	CHECK(stat(path, &st) == 0, "in rejected/");
	free(v);
	CHECK(spool_list(s, &v) == 0, "rejected is not listed");
	free(v);
	/* A temporary file of a killed writer is cleaned, never listed. */
	snprintf(path, sizeof(path), "%s/.tmp-%s", dir, id_of(8));
	fclose(fopen(path, "w"));
	CHECK(spool_list(s, &v) == 0, "temp not listed");
	free(v);
	CHECK(spool_clean_temp(s) == 1 && access(path, F_OK) < 0, "temp cleaned");
	CHECK(spool_put(s, "short", 4, 1, "x", 1, NULL) == -EINVAL, "bad id");
	CHECK(spool_put(s, id_of(9), 6, 1, "x", 1, NULL) == -EINVAL, "bad severity");
	spool_free(s);
}

static void test_names(void)
{
	struct spool_entry e;

	CHECK(spool_parse_name("5-0001795425243-0b5d7c5e-4d0e-4f55-9a43-5f0c8d7e9a10.json", &e) &&
	          e.severity == 5 && e.time_ms == 1795425243,
	      "good name");
	CHECK(!spool_parse_name("6-0001795425243-0b5d7c5e-4d0e-4f55-9a43-5f0c8d7e9a10.json", &e),
	      "severity 6");
	CHECK(!spool_parse_name("5-0001795425243-0b5d7c5e-4d0e-4f55-9a43-5f0c8d7e9a10.tmp", &e),
	      "suffix");
	CHECK(!spool_parse_name("5-00017954x5243-0b5d7c5e-4d0e-4f55-9a43-5f0c8d7e9a10.json", &e),
	      "time");
	CHECK(!spool_parse_name("dropped", &e), "other file");
}

/* A waiting record is amended in place while its moment is open, and only then; the
 * uploader's read waits for the moment to close. */
static void test_amend(void)
{
	struct spool *s;
	struct spool_entry *v;
	int64_t wait = 0;
	char *data;
	size_t len;

	clear();
	CHECK(spool_open(dir, 0, &s) == 0, "open");
	CHECK(put(s, 1, 3) == 0, "put");
	/* time 1001, held 4000 ms: amendable until 5001 */
	CHECK(spool_amend(s, id_of(1), 3, 5, 1001, 4000, 3000, "amended", 7) == 0, "amend");
	CHECK(strcmp(contents(s), "1:5") == 0, "the new severity replaces the old name: %s",
	      contents(s));
	CHECK(spool_amend(s, id_of(1), 5, 5, 1001, 4000, 3500, "again", 5) == 0, "same name");
	CHECK(spool_list(s, &v) == 1, "one file");
	CHECK(spool_read_settled(s, &v[0], 4000, 4000, &wait, &data, &len) == -EAGAIN &&
	          wait == 1001,
	      "an open moment's record is not read for upload (wait %lld)", (long long)wait);
	CHECK(spool_read_settled(s, &v[0], 4000, 5001, &wait, &data, &len) == 0 && len == 5 &&
	          memcmp(data, "again", 5) == 0,
	      "read once settled: the last version");
	free(data);
	CHECK(spool_amend(s, id_of(1), 5, 5, 1001, 4000, 5001, "late", 4) == -ESTALE,
	      "no amendment once settled");
	CHECK(spool_amend(s, id_of(1), 3, 4, 1001, 4000, 2000, "wrong", 5) == -ENOENT,
	      "no amendment of a version not there");
	CHECK(spool_remove(s, v[0].name) == 0, "remove");
	CHECK(spool_amend(s, id_of(1), 5, 5, 1001, 4000, 2000, "gone", 4) == -ENOENT,
	      "no amendment once uploaded");
	CHECK(strcmp(contents(s), "") == 0, "nothing left: %s", contents(s));
	free(v);
	spool_free(s);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_names();
	test_eviction();
	test_files();
	test_amend();
	clear();
	rmdir(dir);
	TAP_EXIT();
}
