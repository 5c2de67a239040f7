/* test-noshot.c: a hit whose screenshot cannot be taken is still captured, with a placeholder image
 * that says why. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pipeline.h"
#include "tap.h"

/* A display that never gives a screen: the grabber opens, every screenshot fails. */
static int broken_open(void *arg, void **out)
{
	*out = arg;
	return 0;
}

static int broken_png(void *grabber, const struct shot_stamp *stamp, unsigned char **png,
                      size_t *len, unsigned *width, unsigned *height)
{
	return -ECONNREFUSED;
}

static void broken_close(void *grabber)
{
}

static const struct shot_ops broken = {broken_open, broken_png, broken_close, NULL};

/* The one record in the spool dir, parsed; NULL when there is not exactly one. */
static json_t *spooled(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	json_t *rec = NULL;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[512];

		if (!strstr(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		json_decref(rec);
		rec = json_load_file(path, 0, NULL);
		n++;
	}
	if (d)
		closedir(d);
	if (n != 1) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

int main(void)
{
	char dir[] = "/tmp/vigil-noshot-XXXXXX";
	static int sentinel;
	struct pipeline_params pp = {.display = "wayland-9",
	                             .shots = &broken,
	                             .shot_arg = &sentinel,
	                             .user = "pupil",
	                             .machine = "PC1",
	                             .spool_dir = dir,
	                             .retry_ms = 1000};
	struct hit hit = {.source = HIT_SOURCE_TAMPER,
	                  .category = "tamper",
	                  .severity = 4,
	                  .phrase = "monitoring interrupted",
	                  .rule = "tamper",
	                  .matched = "session helper killed or stopped",
	                  .context = "session helper killed or stopped once",
	                  .window_title = "",
	                  .window_app = ""};
	struct pipeline *pl;
	unsigned char *png;
	json_t *rec, *shot;
	size_t len;

	CHECK(mkdtemp(dir) != NULL, "spool dir");
	clock_gettime(CLOCK_REALTIME, &hit.time);
	CHECK(pipeline_new(&pp, &pl) == 0, "pipeline");
	pipeline_submit(pl, &hit);
	pipeline_release(pl);
	pipeline_free(pl); /* finishes the queue */
	rec = spooled(dir);
	CHECK(rec != NULL, "the hit is spooled although no screenshot could be taken");
	shot = json_object_get(rec, "screenshot");
	CHECK(json_integer_value(json_object_get(shot, "width")) == SHOTPNG_PLACEHOLDER_W &&
	          json_integer_value(json_object_get(shot, "height")) == SHOTPNG_PLACEHOLDER_H,
	      "a placeholder image stands in");
	{
		const char *b64 = json_string_value(json_object_get(shot, "data"));
		int n;

		png = malloc(strlen(b64) + 1);
		n = png ? EVP_DecodeBlock(png, (const unsigned char *)b64, (int)strlen(b64)) : -1;
		CHECK(n > 0, "its data decodes");
		len = n > 0 ? (size_t)n : 0;
	}
	CHECK(memmem(png, len, "Vigil Note", 10) && memmem(png, len, "screenshot unavailable", 22),
	      "the image says the screenshot was unavailable and why");
	CHECK(strcmp(json_string_value(json_object_get(rec, "source")), "tamper") == 0,
	      "the record is the tamper capture");
	free(png);
	json_decref(rec);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0, "cleaned up");
	}
	TAP_EXIT();
}
