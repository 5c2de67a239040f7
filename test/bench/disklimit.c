/* disklimit.c: how many image-sized files a second this disk can make durable. */
/*
 * usage: disklimit DIR [--seconds 5] [--threads 16] [--kib 150]
 *
 * The ceiling under any ingest figure: each thread writes a file of --kib KiB to a
 * temporary name, fsyncs it, renames it into place and fsyncs the directory, as the
 * server's image store does for every capture, for --seconds. Prints files per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "monotime.h"
#include "parse.h"

struct worker {
	const char *dir;
	int id, failed;
	size_t kib;
	double end;
	unsigned long done;
	pthread_t thread;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	size_t len = w->kib * 1024;
	char *data = malloc(len), name[64];
	int dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (!data || dfd < 0) {
		w->failed = 1;
		goto out;
	}
	memset(data, 0x5a, len);
	while (((double)monotime_ns() / 1e9) < w->end) {
		snprintf(name, sizeof(name), "img-%d-%lu.png", w->id, w->done);
		memcpy(data, name, strlen(name)); /* distinct contents */
		if (fileio_write_durably(w->dir, name, data, len, 0600) < 0) {
			w->failed = 1;
			break;
		}
		unlinkat(dfd, name, 0);
		w->done++;
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(data);
	return NULL;
}

int main(int argc, char **argv)
{
	int64_t seconds = 5, threads = 16, kib = 150;
	struct worker *w;
	unsigned long total = 0;
	double t0, secs;

	if (argc < 2 || argc % 2 != 0) {
		fprintf(stderr, "usage: disklimit DIR [--seconds N] [--threads N] [--kib N]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		int64_t *v = !strcmp(argv[i], "--seconds")   ? &seconds
		             : !strcmp(argv[i], "--threads") ? &threads
		             : !strcmp(argv[i], "--kib")     ? &kib
		                                             : NULL;
		if (!v || parse_int64(argv[i + 1], 1, 4096, v) < 0) {
			fprintf(stderr, "disklimit: bad option %s %s\n", argv[i], argv[i + 1]);
			return 2;
		}
	}
	if (!(w = calloc((size_t)threads, sizeof(*w))))
		return 1;
	t0 = ((double)monotime_ns() / 1e9);
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){
		    .dir = argv[1], .id = i, .kib = (size_t)kib, .end = t0 + (double)seconds};
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].done;
		if (w[i].failed) {
			fprintf(stderr, "disklimit: writing in %s failed\n", argv[1]);
			return 1;
		}
	}
	secs = ((double)monotime_ns() / 1e9) - t0;
	printf("disk limit: %.0f files of %lld KiB made durable per second (write, fsync, rename, "
	       "fsync of the directory; %lld threads, %.1f s)\n",
	       (double)total / secs, (long long)kib, (long long)threads, secs);
	free(w);
	return 0;
}
