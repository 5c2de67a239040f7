/* store_roster.h: each school's pupils (names, year and registration group, flags) and leavers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * Written once on store_ops.query (and transact) for both back ends; functions return 0,
 * what a callback returned, or -errno, and never log. Logins are compared as stored: the
 * roster keeps them in lower case, and the lookups lower-case the capture's user first.
 */
struct store_pupil {
	const char *login;
	const char *given_name, *family_name, *preferred_name;
	const char *year_group, *reg_group;
	const char *flags; /* "CLA;CP": canonical order, ';'-separated, "" for none */
	/* any but login NULL: the import had no such column (a stored value is kept) */
};

struct store_roster_counts {
	int64_t added;     /* new pupils, and leavers who came back */
	int64_t updated;   /* current pupils whose details changed */
	int64_t unchanged; /* current pupils as they were */
	int64_t left;      /* current pupils missing from the import: now leavers */
};

/*
 * Replaces the current roster of school (by name) with the n pupils (distinct logins) in
 * one transaction: new ones are added, changed ones updated, current ones missing from
 * pupils become leavers (kept, not current). -ENOENT: no such school (nothing changed).
 */
int store_roster_import(struct store *s, const char *school, const struct store_pupil *pupils,
                        size_t n, int64_t now_ms, struct store_roster_counts *out);

/* One pupil of the roster as pages show it; strings valid during the callback only. */
struct store_pupil_info {
	struct store_pupil p;
	bool current;
	int64_t left_ms; /* 0 when current */
};
typedef int (*store_pupil_fn)(const struct store_pupil_info *p, void *userdata);

/* The roster entry of user (any case) at school_id: fn called once, or not at all when
 * the school's roster does not know the login. */
int store_pupil_find(struct store *s, int64_t school_id, const char *user, store_pupil_fn fn,
                     void *ud);

/* Every pupil of school (by name), current ones first, then by login. -ENOENT school. */
int store_roster_list(struct store *s, const char *school, store_pupil_fn fn, void *ud);

/* Deletes the roster entry of user at school_id (erasure). */
int store_pupil_erase(struct store *s, int64_t school_id, const char *user);

/* Whether user_id was given the pupils' flags (users.see_flags): 0 and *yes, -errno. */
int store_user_sees_flags(struct store *s, int64_t user_id, bool *yes);

/* Gives or takes the flags from login: 0, -ENOENT. */
int store_user_set_sees_flags(struct store *s, const char *login, bool yes);
