/* web_oidc.c: /login/oidc starts a sign-in with the school's OpenID Connect provider and
 * /login/oidc/callback ends it: the token's e-mail address maps to an existing Vigil user
 * (no account is made by signing in); every refusal says why on the page. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "oidc.h"
#include "rfc3339.h"
#include "server.h"
#include "store_oidc.h"
#include "store_users.h"
#include "token.h"
#include "web.h"

#define OIDC_COOKIE "vigil_oidc"

/* A refusal: the reason in words, status 403 (502 when the provider could not be used). */
static void refused(struct web_ctx *w, int status, const char *why)
{
	struct html h;

	html_init(&h);
	web_page_start(&h, NULL, "Sign-in refused");
	html_raw(&h, "<h1>Sign-in refused</h1><p class=\"error\" role=\"alert\" id=\"oidc-why\">");
	html_text(&h, why);
	html_raw(&h, "</p><p><a href=\"/login/oidc\">Try again</a> or <a href=\"/login\">sign in "
	             "with a Vigil password</a>.</p>");
	web_page_end(&h);
	web_send(w, &h, status);
}

/* A page that moves on to location: after a redirect chain from another site the browser
 * would not send the new SameSite=Strict session cookie with a redirect, but does with a
 * navigation this page starts. */
static void move_on(struct web_ctx *w, const char *location, const char *text)
{
	struct html h;

	html_init(&h);
	html_raw(&h, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	             "<meta http-equiv=\"refresh\" content=\"0;url=");
	html_text(&h, location);
	html_raw(&h, "\"><title>Vigil</title></head><body><p><a id=\"go\" href=\"");
	html_text(&h, location);
	html_raw(&h, "\">");
	html_text(&h, text);
	html_raw(&h, "</a></p></body></html>\n");
	web_send(w, &h, 200);
}

void web_oidc_login_link(struct html *h, const struct server *srv)
{
	if (oidc_enabled(srv))
		html_raw(h, "<p><a id=\"oidc\" href=\"/login/oidc\">Sign in with your school "
		            "account</a></p>");
}

void web_oidc_start_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w = {.srv = ctx, .req = req, .resp = resp, .now = rfc3339_now_ms()};
	char url[2048], state[TOKEN_BUF], why[OIDC_WHY] = "";
	int r;

	if (!oidc_enabled(w.srv)) {
		web_not_found(&w);
		return;
	}
	r = oidc_begin(w.srv, w.now, url, sizeof(url), state, sizeof(state), why, sizeof(why));
	if (r < 0) {
		log_warning("oidc: sign-in not started: %s", why);
		refused(&w, 502, why);
		return;
	}
	/* The state binds the answer to this browser (SameSite=Lax: sent on the provider's
	 * redirect back). */
	snprintf(resp->set_cookie, sizeof(resp->set_cookie),
	         OIDC_COOKIE "=%s; Path=/login/oidc; HttpOnly; SameSite=Lax; Max-Age=600%s", state,
	         http_request_tls(req) || w.srv->cfg->cookie_secure ? "; Secure" : "");
	sodium_memzero(state, sizeof(state));
	if (strlen(url) < sizeof(resp->location))
		web_redirect(resp, url);
	else
		move_on(&w, url, "Continue to your school's sign-in");
}

void web_oidc_callback_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w = {.srv = ctx, .req = req, .resp = resp, .now = rfc3339_now_ms()};
	const char *state = http_request_arg(req, "state"), *code = http_request_arg(req, "code");
	const char *error = http_request_arg(req, "error");
	const char *cookie = http_request_cookie(req, OIDC_COOKIE);
	char email[256], login[128], why[OIDC_WHY] = "", peer[64], detail[128];
	struct store_user su;
	struct web_user u = {0};
	char *hash = NULL;
	int r;

	if (!oidc_enabled(w.srv)) {
		web_not_found(&w);
		return;
	}
	if (error) {
		const char *desc = http_request_arg(req, "error_description");
		snprintf(why, sizeof(why), "the provider refused: %.60s%s%.200s", error,
		         desc ? " — " : "", desc ? desc : "");
		refused(&w, 403, why);
		return;
	}
	if (!state || !cookie || strlen(state) != strlen(cookie) ||
	    sodium_memcmp(state, cookie, strlen(state)) != 0) {
		refused(&w, 403,
		        "this sign-in was not started in this browser (its state does not "
		        "match); start again");
		return;
	}
	r = oidc_finish(w.srv, code, state, w.now, email, sizeof(email), why, sizeof(why));
	if (r < 0) {
		log_info("oidc: sign-in refused: %s", why);
		refused(&w, r == -EIO ? 502 : 403, why);
		return;
	}
	r = store_user_by_email(w.srv->store, email, login, sizeof(login));
	if (r == 0)
		r = store_user_find(w.srv->store, login, &su, &hash);
	free(hash);
	if (r == -ENOENT || r == -EEXIST) {
		snprintf(why, sizeof(why),
		         r == -ENOENT ? "no Vigil user has the e-mail address %.200s: an "
		                        "administrator adds staff before they sign in"
		                      : "several Vigil users have the e-mail address %.200s: an "
		                        "administrator must tell them apart",
		         email);
		refused(&w, 403, why);
		return;
	}
	if (r == 0 && strcmp(su.role, "headteacher") == 0 && su.school_id == 0) {
		refused(&w, 403, "this headteacher's account has no school");
		return;
	}
	if (r == 0) {
		web_user_from_store(&u, &su);
		w.u = u;
		r = web_session_begin(&w, &u);
	}
	if (r < 0) {
		web_error(&w, 503, "The database is not available; try again shortly.");
		return;
	}
	http_request_peer(req, peer, sizeof(peer));
	snprintf(detail, sizeof(detail), "%s (school account)", peer);
	audit_record(w.srv->store, u.login, u.school_id, "sign-in", NULL, detail);
	move_on(&w, web_landing(&u), "Signed in: continue");
}
