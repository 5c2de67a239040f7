/* api_auth.c: who is calling: a machine's bearer token or a technician's password. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "log.h"
#include "rfc3339.h"
#include "server.h"
#include "signin.h"
#include "token.h"

int api_auth_machine(struct server *srv, struct http_request *req, struct http_response *resp,
                     struct store_machine *m)
{
	const char *tok = http_bearer(req);
	char hash[TOKEN_HASH_BUF];
	int r;

	resp->www_auth = "Bearer realm=\"vigil\"";
	if (!tok || !token_well_formed(tok)) {
		http_reply_error(resp, 401, NULL, "missing or malformed bearer token");
		return -EPERM;
	}
	token_hash(tok, hash);
	r = srv->store->ops->auth(srv->store, hash, m);
	if (r == -EPERM) {
		http_reply_error(resp, 401, NULL, "unknown or revoked token");
		return r;
	}
	if (r < 0) {
		log_warning("auth: storage unavailable: %s; answering 503", strerror(-r));
		http_reply_error(resp, 503, NULL, "storage unavailable; retry later");
		return -EIO;
	}
	resp->www_auth = NULL;
	return 0;
}

/* Splits "Basic base64(login:password)" into login and password (malloc'd, one buffer). */
static char *basic_credentials(const char *v, const char **password)
{
	size_t n, cap, len;
	char *buf, *colon;

	if (!v || strncasecmp(v, "Basic ", 6) != 0)
		return NULL;
	v += 6;
	n = strnlen(v, 1025);
	if (n == 0 || n > 1024)
		return NULL;
	cap = n / 4 * 3 + 4;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	if (sodium_base642bin((unsigned char *)buf, cap - 1, v, n, NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    !(buf[len] = '\0', colon = memchr(buf, ':', len)) || strlen(buf) != len) {
		free(buf);
		return NULL;
	}
	*colon = '\0';
	*password = colon + 1;
	return buf;
}

int api_auth_technician(struct server *srv, struct http_request *req, struct http_response *resp,
                        char *who, size_t who_size, int64_t *school_id)
{
	const char *password = NULL;
	char *login = basic_credentials(http_request_header(req, "Authorization"), &password);
	struct store_user u;
	char peer[64];
	int64_t wait = 0;
	int r = -EPERM;

	resp->www_auth = "Basic realm=\"vigil\"";
	http_request_peer(req, peer, sizeof(peer));
	/* The web sign-in's limits and checks: counted first, per login and address. */
	if (login && *login && strlen(login) <= 100 && strlen(password) <= 1024) {
		r = signin_check_wait(srv, login, password, peer, rfc3339_now_ms(), &u, &wait);
		if (r == 0 && strcmp(u.role, "technician") != 0)
			r = -EPERM;
	}
	if (r == -EPERM) {
		http_reply_error(resp, 401, NULL, "a technician's login and password are needed");
	} else if (r == -EBUSY) {
		resp->www_auth = NULL;
		http_reply_error(resp, 429, NULL,
		                 "too many failed sign-ins from this address; try again in %lld "
		                 "seconds",
		                 (long long)wait);
	} else if (r < 0) {
		http_reply_error(resp, 503, NULL, "storage unavailable; retry later");
	} else {
		resp->www_auth = NULL;
		snprintf(who, who_size, "%s", u.login);
		*school_id = u.school_id;
	}
	if (login)
		sodium_memzero(login, strlen(login) + 1 + strlen(password));
	free(login);
	return r;
}
