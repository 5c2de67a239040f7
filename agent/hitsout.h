/* hitsout.h: hits as JSON lines in a file, a test and demo aid that holds pupil text. */
#pragma once

#include "hit.h"

/*
 * --hits-out FILE appends one JSON object per hit, matched text and context included,
 * to FILE (created mode 0600). It exists so that tests and the demo can see hits before
 * captures are uploaded; it is not for production, as it keeps pupil text on disk.
 */
struct hitsout;

/* Opens (creates, mode 0600) path for appending. 0 and *out, or a negative errno. */
int hitsout_open(const char *path, struct hitsout **out);
void hitsout_close(struct hitsout *h);

/* Appends one line; user and display say whose session it was. 0 or a negative errno. */
int hitsout_write(struct hitsout *h, const struct hit *hit, const char *user, const char *display);
