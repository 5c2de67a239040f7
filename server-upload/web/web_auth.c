/* web_auth.c: web sign-in: sessions in hashed cookies, CSRF tokens, login rate limits. */
#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "rfc3339.h"
#include "server.h"
#include "signin.h"
#include "signin_totp.h"
#include "store_users.h"
#include "web.h"

/*
 * A session is 32 random bytes in the cookie "vigil_session" (HttpOnly, SameSite=Strict,
 * Secure over TLS); the database holds only its SHA-256, the user and a per-session CSRF
 * token that every form carries and every POST must echo. Signing in always makes a new
 * session (a cookie planted before sign-in is never promoted). Sign-in attempts are
 * counted in the database per client address and login, and per address, before the
 * password is checked (signin.h): past the limits the answer is 429 with a backoff. A
 * disabled user's sessions are ended, and a headteacher without a school has none.
 */
#define WEB_SESSION_MS (8LL * 3600 * 1000)
#define COOKIE         "vigil_session"

/* The session cookie's value, or NULL. */
static const char *session_cookie(struct http_request *req)
{
	const char *v = http_request_cookie(req, COOKIE);

	return v && token_well_formed(v) ? v : NULL;
}

_Static_assert(sizeof(((struct store_user *)0)->csrf) == TOKEN_BUF, "the session's CSRF token");

/* The web user of a stored user. */
static void web_user_set(struct web_user *w, const struct store_user *u)
{
	w->id = u->id;
	snprintf(w->login, sizeof(w->login), "%s", u->login);
	w->role = strcmp(u->role, "moderator") == 0     ? WEB_MODERATOR
	          : strcmp(u->role, "headteacher") == 0 ? WEB_HEADTEACHER
	          : strcmp(u->role, "admin") == 0       ? WEB_ADMIN
	                                                : WEB_TECHNICIAN;
	w->school_id = u->school_id;
	snprintf(w->school, sizeof(w->school), "%s", u->school);
	snprintf(w->csrf, sizeof(w->csrf), "%s", u->csrf);
}

/* The user of a live session cookie: 0, -ENOENT, -errno. */
static int session_user(struct server *srv, const char *cookie, int64_t now, struct web_user *u)
{
	char hash[TOKEN_HASH_BUF];
	struct store_user su;
	int r;

	token_hash(cookie, hash);
	r = store_session_user(srv->store, hash, now, &su);
	if (r == 0)
		web_user_set(u, &su);
	return r;
}

/* Splits an application/x-www-form-urlencoded body into w's fields. */
static int parse_form(struct web_ctx *w)
{
	size_t len;
	const char *body = http_request_body(w->req, &len);
	char *p, *end;

	w->form = malloc(len + 1);
	if (!w->form)
		return -ENOMEM;
	memcpy(w->form, body, len);
	w->form[len] = '\0';
	for (p = w->form; *p && w->nfields < WEB_MAX_FIELDS; p = end) {
		char *eq, *amp = strchr(p, '&');
		end = amp ? amp + 1 : p + strlen(p);
		if (amp)
			*amp = '\0';
		for (char *q = p; *q; q++)
			if (*q == '+')
				*q = ' ';
		eq = strchr(p, '=');
		if (!eq)
			continue;
		*eq = '\0';
		MHD_http_unescape(p);
		MHD_http_unescape(eq + 1);
		w->names[w->nfields] = p;
		w->values[w->nfields++] = eq + 1;
	}
	return 0;
}

const char *web_field(const struct web_ctx *w, const char *name)
{
	for (int i = 0; i < w->nfields; i++)
		if (strcmp(w->names[i], name) == 0)
			return w->values[i];
	return NULL;
}

int web_begin(void *ctx, struct http_request *req, struct http_response *resp, unsigned int roles,
              struct web_ctx *w)
{
	const char *cookie = session_cookie(req), *tok;
	int r;

	*w = (struct web_ctx){.srv = ctx, .req = req, .resp = resp, .now = rfc3339_now_ms()};
	r = cookie ? session_user(w->srv, cookie, w->now, &w->u) : -ENOENT;
	if (r == -ENOENT) {
		web_redirect(resp, "/login");
		return -1;
	}
	if (r < 0) {
		web_error(w, 503, "The database is not available; try again shortly.");
		return -1;
	}
	if (strcmp(http_request_method(req), "POST") == 0) {
		if (parse_form(w) < 0) {
			web_error(w, 503, "Out of memory.");
			return -1;
		}
		tok = web_field(w, "csrf");
		if (!tok || strlen(tok) != strlen(w->u.csrf) ||
		    sodium_memcmp(tok, w->u.csrf, strlen(tok)) != 0) {
			web_error(w, 403,
			          "This form has expired or did not come from Vigil; go "
			          "back, reload the page and try again.");
			return -1;
		}
	}
	if (!(w->u.role & roles)) {
		web_not_found(w);
		return -1;
	}
	return 0;
}

void web_session_early(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_user u;
	const char *cookie = session_cookie(req);
	int r = cookie ? session_user(ctx, cookie, rfc3339_now_ms(), &u) : -ENOENT;

	if (r == -ENOENT)
		web_redirect(resp, "/login");
	else if (r < 0)
		http_reply_error(resp, 503, NULL, "the database is not available; try again");
}

void web_end(struct web_ctx *w)
{
	free(w->form);
	w->form = NULL;
}

static void login_page(struct web_ctx *w, int status, const char *message)
{
	struct html h;

	html_init(&h);
	web_page_start(&h, NULL, "Sign in");
	html_raw(&h, "<h1>Sign in to Vigil</h1>");
	if (message) {
		html_raw(&h, "<p class=\"error\" role=\"alert\">");
		html_text(&h, message);
		html_raw(&h, "</p>");
	}
	html_raw(&h,
	         "<form method=\"post\" action=\"/login\" class=\"login\">"
	         "<label>Login <input name=\"login\" autocomplete=\"username\" required "
	         "autofocus></label>"
	         "<label>Password <input name=\"password\" type=\"password\" "
	         "autocomplete=\"current-password\" required></label>"
	         "<label>Code from your authenticator app, if you have one <input name=\"code\" "
	         "inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" "
	         "size=\"8\"></label>"
	         "<button type=\"submit\">Sign in</button></form>");
	web_oidc_login_link(&h, w->srv);
	web_page_end(&h);
	web_send(w, &h, status);
}

void web_login_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w = {.srv = ctx, .req = req, .resp = resp};

	login_page(&w, 200, NULL);
}

/* Makes a new session for u and sets its cookie. */
static int session_start(struct web_ctx *w, const struct web_user *u)
{
	char id[TOKEN_BUF], hash[TOKEN_HASH_BUF], csrf[TOKEN_BUF];
	int r;

	if (token_new(id) < 0 || token_new(csrf) < 0)
		return -EIO;
	token_hash(id, hash);
	r = store_session_add(w->srv->store, hash, u->id, csrf, w->now, w->now + WEB_SESSION_MS);
	if (r == 0)
		snprintf(w->resp->set_cookie, sizeof(w->resp->set_cookie),
		         COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", id,
		         WEB_SESSION_MS / 1000,
		         http_request_tls(w->req) || w->srv->cfg->cookie_secure ? "; Secure" : "");
	sodium_memzero(id, sizeof(id));
	return r;
}

/* Hooks for the other ways to sign in (web_oidc.c). */
void web_user_from_store(struct web_user *w, const struct store_user *u)
{
	web_user_set(w, u);
}

int web_session_begin(struct web_ctx *w, const struct web_user *u)
{
	return session_start(w, u);
}

const char *web_landing(const struct web_user *u)
{
	return u->role == WEB_TECHNICIAN ? "/wordlists"
	       : u->role == WEB_ADMIN    ? "/admin/"
	                                 : "/captures";
}

void web_login_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w = {.srv = ctx, .req = req, .resp = resp, .now = rfc3339_now_ms()};
	char peer[64];
	const char *login, *password;
	struct store_user su;
	struct web_user u = {0};
	int64_t wait = 0;
	char msg[240];
	int r;

	if (parse_form(&w) < 0) {
		web_error(&w, 503, "Out of memory.");
		return;
	}
	login = web_field(&w, "login");
	password = web_field(&w, "password");
	http_request_peer(req, peer, sizeof(peer));
	if (!login || !password || !*login || strlen(login) > 100 || strlen(password) > 1024) {
		login_page(&w, 400, "Give your login and password.");
		goto out;
	}
	r = signin_check_wait(w.srv, login, password, peer, w.now, &su, &wait);
	if (r == -EBUSY) {
		snprintf(msg, sizeof(msg),
		         "Too many failed sign-ins from this address. Try again in %lld seconds.",
		         (long long)wait);
		login_page(&w, 429, msg);
		goto out;
	}
	if (r == -EPERM) {
		login_page(&w, 401, "Wrong login or password.");
		goto out;
	}
	/* The second factor, when the user has one (admins must). */
	if (r == 0 &&
	    (r = signin_totp(w.srv, &su, web_field(&w, "code"), w.now, msg, sizeof(msg))) > 0) {
		login_page(&w, 401, msg);
		goto out;
	}
	if (r == 0)
		web_user_set(&u, &su);
	if (r < 0 || (r = session_start(&w, &u)) < 0) {
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	audit_record(w.srv->store, u.login, u.school_id, "sign-in", NULL, peer);
	web_redirect(resp, u.role == WEB_TECHNICIAN ? "/wordlists"
	                   : u.role == WEB_ADMIN    ? "/admin/"
	                                            : "/captures");
out:
	if (w.form)
		sodium_memzero(w.form, strlen(w.form));
	web_end(&w);
}

void web_logout_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	char hash[TOKEN_HASH_BUF];

	if (web_begin(ctx, req, resp, WEB_ANY, &w) == 0) {
		token_hash(session_cookie(req), hash);
		store_session_delete(w.srv->store, hash);
		audit_record(w.srv->store, w.u.login, w.u.school_id, "sign-out", NULL, "");
		snprintf(resp->set_cookie, sizeof(resp->set_cookie),
		         COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
		web_redirect(resp, "/login");
	}
	web_end(&w);
}
