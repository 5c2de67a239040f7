/* roster.h: a school's pupils read from its MIS export (CSV), checked row by row, and imported. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store_roster.h"

struct server;

/* The columns Vigil knows, in this order (ROSTER_LOGIN ... ROSTER_FLAGS). */
enum roster_col {
	ROSTER_LOGIN,
	ROSTER_GIVEN,
	ROSTER_FAMILY,
	ROSTER_PREFERRED,
	ROSTER_YEAR,
	ROSTER_REG,
	ROSTER_FLAGS,
	ROSTER_NCOLS,
};

/* The flags a pupil may carry, in their canonical order. */
#define ROSTER_FLAG_NAMES "SEN;EHCP;CLA;CP;CIN;EAL;PP"

struct roster {
	struct store_pupil *v;
	size_t n;
	char **strings; /* every string the pupils point at */
	size_t nstrings, capstrings;
};

/*
 * Parses a CSV roster (a header row, then one pupil a row; UTF-8, a BOM allowed, quotes
 * as RFC 4180) named name in messages. map (NULL or "") renames columns:
 * "login=Username,year_group=Year" (headers compared without case and outer spaces);
 * without a mapping a column is found by its own name. Only login is required; every
 * other known column may be absent (its fields NULL: an import keeps what is stored);
 * unknown columns are ignored. Each
 * row is checked: a login (lower-cased, at most 64 bytes, no spaces, control characters
 * or '/'), each login once, text fields valid UTF-8 without control characters and at
 * most 100 bytes, flags from ROSTER_FLAG_NAMES separated by ';' (any case). Returns 0
 * with *out filled (roster_free it), or -EINVAL with "NAME:LINE: message" in err (line
 * 1 is the header) and nothing to free, -ENOMEM.
 */
int roster_parse(const char *name, const char *data, size_t len, const char *map,
                 struct roster *out, char *err, size_t errlen);
void roster_free(struct roster *r);

/* Whether flags ("CLA;CP") holds flag. */
int roster_has_flag(const char *flags, const char *flag);

/*
 * Parses data and imports it for school in one transaction (roster_parse's checks first:
 * a bad row changes nothing), then records "roster-import" with the counts in the audit
 * log as login. 0 with *counts; -EINVAL (err says where), -ENOENT (no such school, err
 * says so), -errno.
 */
int roster_import(struct server *srv, const char *login, const char *school, const char *name,
                  const char *data, size_t len, const char *map, struct store_roster_counts *counts,
                  char *err, size_t errlen);
