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

int signin_check(struct server *srv, const char *login, const char *password, const char *addr,
                 int64_t now, struct store_user *u)
{
	struct store *st = srv->store;
	struct store_user found = {0};
	char kl[160], ka[80];
	int64_t nl = 0, na = 0;
	char *hash = NULL;
	bool known, ok;
	int r;

	signin_init();
	snprintf(kl, sizeof(kl), "l:%.150s", login);
	snprintf(ka, sizeof(ka), "a:%.70s", addr);
	if ((r = store_login_count(st, kl, now, SIGNIN_WINDOW_MS, &nl)) < 0 ||
	    (r = store_login_count(st, ka, now, SIGNIN_WINDOW_MS, &na)) < 0)
		return r;
	if (nl > SIGNIN_MAX_LOGIN || na > SIGNIN_MAX_ADDRESS) {
		log_warning("sign-in refused for a while (too many attempts) for a login from %s",
		            addr);
		return -EBUSY;
	}
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
		return -EPERM;
	/* Neither counter keeps a success: a school behind one address signs in all day. */
	if ((r = store_login_forget(st, kl)) < 0 || (r = store_login_uncount(st, ka)) < 0)
		return r;
	*u = found;
	return 0;
}
