/* signin.h: password sign-in for the web and the lists API: limits, checks, who may. */
#pragma once

#include <stdint.h>

#include "store_users.h"

struct server;

/* Attempts allowed per login and per client address in SIGNIN_WINDOW_MS. */
#define SIGNIN_WINDOW_MS   (15LL * 60 * 1000)
#define SIGNIN_MAX_LOGIN   5
#define SIGNIN_MAX_ADDRESS 20

/* Prepares the dummy password hash (about one Argon2id hash of work); call once at
 * start-up so that the first unknown login takes no longer than the others. */
void signin_init(void);

/*
 * Checks login and password from client address addr at now. The attempt is counted
 * first, per login and per address, in the database (so parallel guesses, a restart or
 * a second server change nothing), and refused past SIGNIN_MAX_* in the window. The
 * password is verified against the user's Argon2id string, or against a dummy one for
 * an unknown login, so both take the same time. A disabled user, and a headteacher
 * without a school (who would see every school), are refused as a wrong password is.
 * On success the address's count is taken back and the login's forgotten.
 * Returns 0 with *u filled, -EPERM (wrong, unknown or not allowed), -EBUSY (over a
 * limit), or another -errno from the store. Logs refusals that are not a wrong password.
 */
int signin_check(struct server *srv, const char *login, const char *password, const char *addr,
                 int64_t now, struct store_user *u);
