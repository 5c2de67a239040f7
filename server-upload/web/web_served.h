/* web_served.h: which phrase lists are served to each school and which its machines run. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "html.h"

struct web_ctx;

/* The bundles this server has numbered (list_bundles), to name a heartbeat's version. */
struct web_bundle_name {
	char version[33];
	int64_t number, issued_ms;
};
struct web_bundle_names {
	struct web_bundle_name *v;
	size_t n;
};

/* The lists served to one school's machines and how many of them run them. */
struct web_served {
	int64_t school_id;
	char school[128];
	char version[33]; /* the bundle served to the school's machines ("" when none) */
	int64_t machines, on_served, unreported; /* unreported: no heartbeat with a version yet */
};

/*
 * The schools the user sees that have machines, each with its served bundle and counts
 * (*out: free() it), and the numbered bundles (numbering the served ones first time
 * seen). 0 or -errno (the store's).
 */
int web_served_load(struct web_ctx *w, struct web_served **out, size_t *n,
                    struct web_bundle_names *names);
void web_bundle_names_free(struct web_bundle_names *names);

/* The bundle version as people read it: "version 12 of 2026-12-07 17:30", or "lists
 * 1a2b3c4d (not served by this server)", or "none reported" for NULL or "". */
void web_bundle_label(struct html *h, const struct web_bundle_names *names, const char *version);
/* Whether this server numbered version (served it to a machine). */
bool web_bundle_numbered(const struct web_bundle_names *names, const char *version);
/* The served bundle (of the shared lists for a user of every school, else the school's). */
void web_served_headline(struct html *h, struct web_ctx *w, const struct web_bundle_names *names);
/* The table of schools: served lists, machines on them, on others, not reported. */
void web_served_table(struct html *h, const struct web_served *v, size_t n,
                      const struct web_bundle_names *names);
/* "1 machine" / "3 machines" and the like: n and the word, singular or plural. */
void web_count(struct html *h, int64_t n, const char *one, const char *many);
