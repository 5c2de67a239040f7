/* fuzz-capture.c: libFuzzer target for the capture-record validator (capture_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_error err;
	struct capture *c = NULL;
	int r = capture_parse((const char *)data, size, &c, &err);

	if (r == 0) {
		/* What the validator promises about an accepted record. */
		json_t *rec = c->record ? json_loads(c->record, 0, NULL) : NULL;

		/* the stored record is JSON without the screenshot's data (a field whose value
		 * is the word "data" is no such thing) */
		if (c->png_len < 33 || c->width < 1 || c->height < 1 || c->severity < 1 ||
		    c->severity > 5 || strlen(c->id) != 36 || strlen(c->sha256) != 64 || !rec ||
		    json_object_get(json_object_get(rec, "screenshot"), "data"))
			abort();
		json_decref(rec);
		capture_free(c);
	} else if (r == -22 /* -EINVAL */) {
		if (!err.message[0] || !memchr(err.message, '\0', sizeof(err.message)))
			abort();
	}
	return 0;
}
