/* signin.c: password sign-in for the web and the lists API: limits, checks, who may. */
#include "signin.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"
#include "store_login.h"

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash of a random password with the parameters user add uses: verifying against it
 * costs what a real check costs. */
static void make_dummy(void)
{
	unsigned char pw[32];

	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof(pw),
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

void signin_init(void)
{
	pthread_once(&dummy_once, make_dummy);
}

/* The wait after fails failures of a pair (SIGNIN_MAX_LOGIN are free): 1 s, 2 s, 4 s…
 */
static int64_t backoff_ms(int64_t fails)
{
	int64_t k = fails - SIGNIN_MAX_LOGIN;

	if (k < 0)
		return 0;
	return k >= 20 || (1000LL << k) > SIGNIN_MAX_BACKOFF_MS ? SIGNIN_MAX_BACKOFF_MS
	                                                        : 1000LL << k;
}

/* -EBUSY when the pair (key kp: attempts, kb: failures) must wait (*wait_ms), else 0. */
static int pair_busy(struct store *st, const char *kp, const char *kb, int64_t now,
                     int64_t *wait_ms)
{
	int64_t n = 0, fails = 0, last = 0;
	int r;

	if ((r = store_login_count(st, kp, now, SIGNIN_WINDOW_MS, &n)) < 0)
		return r;
	if (n <= SIGNIN_MAX_LOGIN)
		return 0;
	if ((r = store_login_failures(st, kb, &fails, &last)) < 0)
		return r;
	/* Past the free attempts a check needs the failures to have been counted (checks
	 * still running for guesses sent at once have not) and the backoff to have passed. */
	*wait_ms = fails < SIGNIN_MAX_LOGIN ? 1000 : last + backoff_ms(fails) - now;
	return *wait_ms > 0 ? -EBUSY : 0;
}

int signin_check(struct server *srv, const char *login, const char *password, const char *addr,
                 int64_t now, struct store_user *u)
{
	return signin_check_wait(srv, login, password, addr, now, u, NULL);
}

int signin_check_wait(struct server *srv, const char *login, const char *password, const char *addr,
                      int64_t now, struct store_user *u, int64_t *wait_s)
{
	struct store *st = srv->store;
	struct store_user found = {0};
	char kp[240], kb[240], ka[80];
	int64_t na = 0, wait_ms = SIGNIN_WINDOW_MS;
	char *hash = NULL;
	bool known, ok;
	int r;

	signin_init();
	snprintf(kp, sizeof(kp), "p:%.70s %.150s", addr, login);
	snprintf(kb, sizeof(kb), "b:%.70s %.150s", addr, login);
	snprintf(ka, sizeof(ka), "a:%.70s", addr);
	if ((r = store_login_count(st, ka, now, SIGNIN_WINDOW_MS, &na)) < 0)
		return r;
	r = na > SIGNIN_MAX_ADDRESS ? -EBUSY : pair_busy(st, kp, kb, now, &wait_ms);
	/* An attempt refused unchecked is no failure of the address: one pupil hammering a
	 * login does not use up the school's allowance. */
	if (r == -EBUSY && na <= SIGNIN_MAX_ADDRESS && store_login_uncount(st, ka) < 0)
		log_warning("sign-in: an attempt could not be taken back");
	if (r == -EBUSY) {
		log_warning("sign-in refused for a while (too many failures) for a login from %s",
		            addr);
		if (wait_s)
			*wait_s = (wait_ms + 999) / 1000;
		return r;
	}
	if (r < 0)
		return r;
	r = store_user_find(st, login, &found, &hash);
	if (r < 0 && r != -ENOENT)
		return r;
	known = r == 0;
	ok = crypto_pwhash_str_verify(known ? hash : dummy_hash, password, strlen(password)) == 0 &&
	     known;
	if (hash) {
		sodium_memzero(hash, strlen(hash));
		free(hash);
	}
	if (ok && found.disabled) {
		log_warning("sign-in of %s refused: the user is disabled", found.login);
		ok = false;
	} else if (ok && strcmp(found.role, "headteacher") == 0 && found.school_id == 0) {
		log_warning(
		    "sign-in of %s refused: a headteacher without a school (give the user a "
		    "school)",
		    found.login);
		ok = false;
	}
	if (!ok)
		return (r = store_login_failed(st, kb, now)) < 0 ? r : -EPERM;
	/* No counter keeps a success: a school behind one address signs in all day. */
	if ((r = store_login_forget(st, kp)) < 0 || (r = store_login_forget(st, kb)) < 0 ||
	    (r = store_login_uncount(st, ka)) < 0)
		return r;
	*u = found;
	return 0;
}
