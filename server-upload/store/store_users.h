/* store_users.h: web users and their sign-in sessions. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * Written once on store_ops.query for both back ends; functions return 0 or -errno and
 * never log. Session ids and passwords are never stored: the caller passes the hash of
 * the session id, and the Argon2id string of the password.
 */
struct store_user {
	int64_t id;
	int64_t school_id; /* 0: a user of every school */
	char login[128];
	char role[16];    /* "moderator", "headteacher", "technician" */
	char school[128]; /* "" for every school */
	char csrf[44];    /* the session's CSRF token: TOKEN_BUF of token.h (sessions only) */
	bool disabled;    /* user disable: no sign-in, no session */
};

/* The user of the live session whose id hashes to id_hash: 0, -ENOENT (none, expired at
 * now_ms, a disabled user's, or a headteacher's without a school), -errno. *out is unset
 * on error. */
int store_session_user(struct store *s, const char *id_hash, int64_t now_ms,
                       struct store_user *out);

/* The user called login and the Argon2id string of their password (malloc'd, the
 * caller frees): 0, -ENOENT, -errno. */
int store_user_find(struct store *s, const char *login, struct store_user *out,
                    char **password_hash);

/* A new session of user_id, live until expires_ms. */
int store_session_add(struct store *s, const char *id_hash, int64_t user_id, const char *csrf,
                      int64_t now_ms, int64_t expires_ms);

/* Ends one session (signing out). Ending one that does not exist is not an error. */
int store_session_delete(struct store *s, const char *id_hash);

/* Deletes the sessions that expired before now_ms. */
int store_sessions_expire(struct store *s, int64_t now_ms);

/* Ends every session of login; *ended (may be NULL) gets how many. */
int store_user_sessions_end(struct store *s, const char *login, int64_t *ended);

/* Marks login disabled (no sign-in, no API) and ends its sessions: 0, -ENOENT. */
int store_user_disable(struct store *s, const char *login);

/* Sets login's Argon2id string, enables it again and ends its sessions: 0, -ENOENT. */
int store_user_password_set(struct store *s, const char *login, const char *password_hash);
