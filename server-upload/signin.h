/* signin.h: password sign-in for the web and the lists API: limits, checks, who may. */
#pragma once

#include <stdint.h>

#include "store_users.h"

struct server;

/*
 * Sign-in attempts are counted per client address and login together, and per address:
 * in SIGNIN_WINDOW_MS an address may try one login SIGNIN_MAX_LOGIN times; after that
 * each further check waits for the one before to be 2^(failures - SIGNIN_MAX_LOGIN)
 * seconds old (1, 2, 4, … up to SIGNIN_MAX_BACKOFF_MS), and an attempt that comes early
 * is refused unchecked. An address may fail SIGNIN_MAX_ADDRESS times in the window over
 * all logins (a school's staff behind one NAT address, mistyping, never do). Nothing is
 * counted per login alone: an attacker slows down the address he guesses from, never
 * the owner signing in from another.
 */
#define SIGNIN_WINDOW_MS      (15LL * 60 * 1000)
#define SIGNIN_MAX_LOGIN      5
#define SIGNIN_MAX_ADDRESS    100
#define SIGNIN_MAX_BACKOFF_MS SIGNIN_WINDOW_MS

/* Prepares the dummy password hash (about one Argon2id hash of work); call once at
 * start-up so that the first unknown login takes no longer than the others. */
void signin_init(void);

/*
 * Checks login and password from client address addr at now. The attempt is counted
 * first, per address and login and per address, in the database (so parallel guesses, a
 * restart or a second server change nothing), and refused past the limits above. The
 * password is verified against the user's Argon2id string, or against a dummy one for
 * an unknown login, so both take the same time. A disabled user, and a headteacher
 * without a school (who would see every school), are refused as a wrong password is.
 * On success the address's count is taken back and the pair's forgotten.
 * Returns 0 with *u filled, -EPERM (wrong, unknown or not allowed), -EBUSY (over a
 * limit; *wait_s, when not NULL, the seconds until a check may be made), or another
 * -errno from the store. Logs refusals that are not a wrong password.
 */
int signin_check(struct server *srv, const char *login, const char *password, const char *addr,
                 int64_t now, struct store_user *u);
/* signin_check() that also says how long to wait when it returns -EBUSY. */
int signin_check_wait(struct server *srv, const char *login, const char *password, const char *addr,
                      int64_t now, struct store_user *u, int64_t *wait_s);
