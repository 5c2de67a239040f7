/* oidc.c: staff sign-in with the school's OpenID Connect provider: discovery, authorization
 * code with PKCE (S256), the token request over libcurl, and the ID token checked with
 * OpenSSL (RS256 against the provider's JWKS) and jansson. */
#include "oidc.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secretfile.h"
#include "server.h"
#include "store_oidc.h"
#include "token.h"
#include "urlhost.h"

#define OIDC_STATE_MS   (10LL * 60 * 1000) /* a sign-in must come back within 10 minutes */
#define OIDC_MAX_BODY   (1 << 20)          /* answers of the provider */
#define OIDC_CACHE_MS   (3600LL * 1000)    /* metadata and keys are fetched again after */
#define OIDC_LEEWAY_S   60                 /* clock difference allowed on exp */
#define OIDC_TIMEOUT_MS 10000

/* The provider's metadata and keys, fetched once an hour (or when a token names a key
 * not among them). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *cache_meta, *cache_jwks;
static int64_t cache_meta_ms, cache_jwks_ms;
static char cache_issuer[512];

int oidc_enabled(const struct server *srv)
{
	const struct config *c = srv->cfg;

	return c->oidc_issuer && *c->oidc_issuer && c->oidc_client_id && *c->oidc_client_id &&
	       c->oidc_client_secret_file && *c->oidc_client_secret_file;
}

struct body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t body_write(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t add = size * n;
	char *nd;

	if (b->len + add > OIDC_MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	if (!(nd = realloc(b->data, b->len + add + 1)))
		return 0;
	b->data = nd;
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

/* https:// everywhere; http:// only to a loopback address (the tests' provider). */
static bool url_allowed(const char *url)
{
	return strncmp(url, "https://", 8) == 0 ||
	       (strncmp(url, "http://", 7) == 0 && url_is_loopback(url));
}

/*
 * GET url (form NULL) or POST form to it with HTTP Basic user:pass; the answer's JSON
 * into *out. 0, or -errno with why.
 */
static int fetch_json(const char *url, const char *form, const char *user, const char *pass,
                      json_t **out, char *why, size_t why_size)
{
	struct body b = {0};
	long status = 0;
	CURLcode rc;
	CURL *c;
	json_t *j;

	if (!url_allowed(url)) {
		snprintf(why, why_size, "the provider's address %.200s is not https://", url);
		return -EINVAL;
	}
	if (!(c = curl_easy_init()))
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)OIDC_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil-server");
	if (form) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		snprintf(why, why_size, "the provider could not be reached: %s",
		         b.too_big ? "answer too large" : curl_easy_strerror(rc));
		free(b.data);
		return -EIO;
	}
	j = b.data ? json_loads(b.data, 0, NULL) : NULL;
	if (status != 200 || !json_is_object(j)) {
		const char *e = json_string_value(json_object_get(j, "error"));
		const char *d = json_string_value(json_object_get(j, "error_description"));
		snprintf(why, why_size, "the provider answered %ld%s%.60s%s%.160s", status,
		         e ? ": " : "", e ? e : "", d ? " — " : "", d ? d : "");
		json_decref(j);
		free(b.data);
		return -EIO;
	}
	free(b.data);
	*out = j;
	return 0;
}

/* The issuer's metadata (a new reference) from the cache or the provider. */
static int metadata(struct server *srv, int64_t now, json_t **out, char *why, size_t why_size)
{
	const char *issuer = srv->cfg->oidc_issuer;
	char url[640];
	json_t *m = NULL;
	size_t n = strlen(issuer);
	int r;

	pthread_mutex_lock(&cache_lock);
	if (cache_meta && now - cache_meta_ms < OIDC_CACHE_MS && strcmp(cache_issuer, issuer) == 0)
		m = json_incref(cache_meta);
	pthread_mutex_unlock(&cache_lock);
	if (m) {
		*out = m;
		return 0;
	}
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	         (int)(n && issuer[n - 1] == '/' ? n - 1 : n), issuer);
	if ((r = fetch_json(url, NULL, NULL, NULL, &m, why, why_size)) < 0)
		return r;
	/* The metadata must be the issuer's own (OpenID Connect Discovery 4.3). */
	if (!json_is_string(json_object_get(m, "issuer")) ||
	    strcmp(json_string_value(json_object_get(m, "issuer")), issuer) != 0 ||
	    !json_is_string(json_object_get(m, "authorization_endpoint")) ||
	    !json_is_string(json_object_get(m, "token_endpoint")) ||
	    !json_is_string(json_object_get(m, "jwks_uri"))) {
		snprintf(why, why_size,
		         "the provider's metadata does not name issuer %.200s with its endpoints",
		         issuer);
		json_decref(m);
		return -EINVAL;
	}
	pthread_mutex_lock(&cache_lock);
	json_decref(cache_meta);
	cache_meta = json_incref(m);
	cache_meta_ms = now;
	snprintf(cache_issuer, sizeof(cache_issuer), "%s", issuer);
	json_decref(cache_jwks); /* keys belong to the metadata fetched with them */
	cache_jwks = NULL;
	pthread_mutex_unlock(&cache_lock);
	*out = m;
	return 0;
}

/* The provider's keys (a new reference); fresh forces a new fetch. */
static int jwks(json_t *meta, int64_t now, bool fresh, json_t **out, char *why, size_t why_size)
{
	json_t *k = NULL;
	int r;

	pthread_mutex_lock(&cache_lock);
	if (!fresh && cache_jwks && now - cache_jwks_ms < OIDC_CACHE_MS)
		k = json_incref(cache_jwks);
	pthread_mutex_unlock(&cache_lock);
	if (k) {
		*out = k;
		return 0;
	}
	r = fetch_json(json_string_value(json_object_get(meta, "jwks_uri")), NULL, NULL, NULL, &k,
	               why, why_size);
	if (r < 0)
		return r;
	pthread_mutex_lock(&cache_lock);
	json_decref(cache_jwks);
	cache_jwks = json_incref(k);
	cache_jwks_ms = now;
	pthread_mutex_unlock(&cache_lock);
	*out = k;
	return 0;
}

/* base64url without padding into a malloc'd buffer: 0, -EINVAL. */
static int b64url_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = malloc(len + 1);
	size_t n = 0;

	if (!buf)
		return -ENOMEM;
	if (sodium_base642bin(buf, len + 1, s, len, NULL, &n, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(buf);
		return -EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

static void b64url_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	sodium_bin2base64(out, size, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The RSA public key of a JWK (n, e), or NULL. */
static EVP_PKEY *rsa_key(json_t *jwk)
{
	const char *n64 = json_string_value(json_object_get(jwk, "n"));
	const char *e64 = json_string_value(json_object_get(jwk, "e"));
	unsigned char *n = NULL, *e = NULL;
	size_t nlen = 0, elen = 0;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!n64 || !e64 || b64url_decode(n64, strlen(n64), &n, &nlen) < 0 ||
	    b64url_decode(e64, strlen(e64), &e, &elen) < 0 || nlen < 256)
		goto out; /* at least 2048 bits */
	bn = BN_bin2bn(n, (int)nlen, NULL);
	be = BN_bin2bn(e, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	free(n);
	free(e);
	return key;
}

/* The signing key of the set named kid (NULL: the only RSA signing key): borrowed. */
static json_t *find_key(json_t *set, const char *kid)
{
	json_t *keys = json_object_get(set, "keys"), *k, *only = NULL;
	size_t i;
	int count = 0;

	json_array_foreach(keys, i, k)
	{
		const char *kty = json_string_value(json_object_get(k, "kty"));
		const char *use = json_string_value(json_object_get(k, "use"));
		const char *id = json_string_value(json_object_get(k, "kid"));
		if (!kty || strcmp(kty, "RSA") != 0 || (use && strcmp(use, "sig") != 0))
			continue;
		if (kid && id && strcmp(kid, id) == 0)
			return k;
		only = k;
		count++;
	}
	return !kid && count == 1 ? only : NULL;
}

/* Whether the token's RS256 signature verifies with jwk. */
static bool signature_ok(json_t *jwk, const char *input, size_t input_len, const unsigned char *sig,
                         size_t sig_len)
{
	EVP_PKEY *key = rsa_key(jwk);
	EVP_MD_CTX *md = key ? EVP_MD_CTX_new() : NULL;
	bool ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	          EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)input, input_len) == 1;

	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ok;
}

/* The parts of a compact JWS. */
struct jws {
	json_t *header, *claims;
	unsigned char *sig;
	size_t sig_len, input_len; /* input: header.payload, the token's first bytes */
};

static void jws_free(struct jws *j)
{
	json_decref(j->header);
	json_decref(j->claims);
	free(j->sig);
}

static int jws_parse(const char *token, struct jws *j, char *why, size_t why_size)
{
	const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	unsigned char *h = NULL, *p = NULL;
	size_t hl, pl;

	memset(j, 0, sizeof(*j));
	if (!d1 || !d2 || strchr(d2 + 1, '.') ||
	    b64url_decode(token, (size_t)(d1 - token), &h, &hl) < 0 ||
	    b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &p, &pl) < 0 ||
	    b64url_decode(d2 + 1, strlen(d2 + 1), &j->sig, &j->sig_len) < 0 ||
	    !(j->header = json_loadb((const char *)h, hl, 0, NULL)) ||
	    !(j->claims = json_loadb((const char *)p, pl, 0, NULL)) || !json_is_object(j->claims)) {
		snprintf(why, why_size, "the ID token is not a signed JSON Web Token");
		free(h);
		free(p);
		jws_free(j);
		return -EINVAL;
	}
	free(h);
	free(p);
	j->input_len = (size_t)(d2 - token);
	return 0;
}

/* Whether the audience claim names client_id (and, with several, azp is client_id). */
static bool audience_ok(json_t *claims, const char *client_id)
{
	json_t *aud = json_object_get(claims, "aud"), *v;
	const char *azp = json_string_value(json_object_get(claims, "azp"));
	bool found = false;
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), client_id) == 0 &&
		       (!azp || strcmp(azp, client_id) == 0);
	json_array_foreach(aud, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), client_id) == 0)
			found = true;
	}
	if (found && json_array_size(aud) > 1)
		return azp && strcmp(azp, client_id) == 0;
	return found && (!azp || strcmp(azp, client_id) == 0);
}

/* The claims' checks after the signature; the e-mail address into email. */
static int claims_ok(json_t *claims, const char *issuer, const char *client_id, const char *nonce,
                     int64_t now_s, char *email, size_t email_size, char *why, size_t why_size)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *got_nonce = json_string_value(json_object_get(claims, "nonce"));
	const char *mail = json_string_value(json_object_get(claims, "email"));
	json_t *exp = json_object_get(claims, "exp"), *verified;

	if (!iss || strcmp(iss, issuer) != 0) {
		snprintf(why, why_size, "the ID token was issued by %.160s, not by %.160s",
		         iss ? iss : "nobody", issuer);
		return -EACCES;
	}
	if (!audience_ok(claims, client_id)) {
		snprintf(why, why_size,
		         "the ID token was issued for another application (its audience is not "
		         "%.100s)",
		         client_id);
		return -EACCES;
	}
	if (!json_is_integer(exp) && !json_is_real(exp)) {
		snprintf(why, why_size, "the ID token has no expiry");
		return -EACCES;
	}
	if ((int64_t)json_number_value(exp) + OIDC_LEEWAY_S < now_s) {
		snprintf(why, why_size, "the ID token has expired");
		return -EACCES;
	}
	if (!got_nonce || !nonce || strlen(got_nonce) != strlen(nonce) ||
	    sodium_memcmp(got_nonce, nonce, strlen(nonce)) != 0) {
		snprintf(why, why_size,
		         "the ID token does not answer this sign-in (its nonce differs)");
		return -EACCES;
	}
	if (!mail) /* Entra ID gives a user without a mailbox only preferred_username */
		mail = json_string_value(json_object_get(claims, "preferred_username"));
	if (!mail || !strchr(mail, '@') || strlen(mail) >= email_size) {
		snprintf(why, why_size,
		         "the ID token names no e-mail address (ask the provider "
		         "for the email scope)");
		return -EACCES;
	}
	verified = json_object_get(claims, "email_verified");
	if (json_is_false(verified)) {
		snprintf(why, why_size, "the provider has not verified the e-mail address %.200s",
		         mail);
		return -EACCES;
	}
	snprintf(email, email_size, "%s", mail);
	return 0;
}

/* Checks token with the keys in set (borrowed); -ENOKEY when it names a key not in it. */
static int check_token(const char *token, json_t *set, const char *issuer, const char *client_id,
                       const char *nonce, int64_t now_s, char *email, size_t email_size, char *why,
                       size_t why_size)
{
	struct jws j;
	const char *alg, *kid;
	json_t *key;
	int r = jws_parse(token, &j, why, why_size);

	if (r < 0)
		return r;
	alg = json_string_value(json_object_get(j.header, "alg"));
	kid = json_string_value(json_object_get(j.header, "kid"));
	if (!alg || strcmp(alg, "RS256") != 0) {
		snprintf(why, why_size, "the ID token is signed with %.20s; Vigil accepts RS256",
		         alg ? alg : "nothing");
		r = -EACCES;
	} else if (!(key = find_key(set, kid))) {
		snprintf(why, why_size,
		         "the ID token is signed with a key the provider does not "
		         "publish");
		r = -ENOKEY;
	} else if (!signature_ok(key, token, j.input_len, j.sig, j.sig_len)) {
		snprintf(why, why_size,
		         "the ID token's signature is not the provider's (bad "
		         "signature)");
		r = -EACCES;
	} else {
		r = claims_ok(j.claims, issuer, client_id, nonce, now_s, email, email_size, why,
		              why_size);
	}
	jws_free(&j);
	return r;
}

int oidc_check_id_token(const char *token, const char *jwks_text, const char *issuer,
                        const char *client_id, const char *nonce, int64_t now_s, char *email,
                        size_t email_size, char *why, size_t why_size)
{
	json_t *set = json_loads(jwks_text, 0, NULL);
	int r = check_token(token, set, issuer, client_id, nonce, now_s, email, email_size, why,
	                    why_size);

	json_decref(set);
	return r == -ENOKEY ? -EACCES : r;
}

/* The client secret: the first line of a file only its owner may read. */
static int read_secret(const char *path, char *buf, size_t size, char *why, size_t why_size)
{
	int r = secretfile_read_line(path, buf, size);

	if (r == -EPERM)
		snprintf(why, why_size, "the client secret file is readable by others (chmod 600)");
	else if (r < 0)
		snprintf(why, why_size, "the client secret file cannot be read: %s", strerror(-r));
	return r < 0 ? -EACCES : 0;
}

/* public-url + the callback's path. */
static int redirect_uri(struct server *srv, char *out, size_t size, char *why, size_t why_size)
{
	const char *base = srv->cfg->public_url;
	size_t n = base ? strlen(base) : 0;

	if (!n) {
		snprintf(why, why_size,
		         "public-url is not set (the provider needs Vigil's address)");
		return -EINVAL;
	}
	snprintf(out, size, "%.*s/login/oidc/callback", (int)(base[n - 1] == '/' ? n - 1 : n),
	         base);
	return 0;
}

/* A URL-encoded form value. */
static char *escape(const char *s)
{
	return curl_easy_escape(NULL, s, 0);
}

int oidc_begin(struct server *srv, int64_t now_ms, char *url, size_t url_size, char *state,
               size_t state_size, char *why, size_t why_size)
{
	char nonce[TOKEN_BUF], verifier[TOKEN_BUF], hash[TOKEN_HASH_BUF], challenge[64];
	char redirect[600];
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *e_client = NULL, *e_redirect = NULL;
	const char *auth;
	json_t *meta = NULL;
	int r;

	if (state_size < TOKEN_BUF)
		return -EINVAL;
	if ((r = redirect_uri(srv, redirect, sizeof(redirect), why, why_size)) < 0 ||
	    (r = metadata(srv, now_ms, &meta, why, why_size)) < 0)
		return r;
	if (token_new(state) < 0 || token_new(nonce) < 0 || token_new(verifier) < 0) {
		json_decref(meta);
		return -EIO;
	}
	/* PKCE: the challenge is the verifier's SHA-256 (RFC 7636, S256). */
	crypto_hash_sha256(digest, (const unsigned char *)verifier, strlen(verifier));
	b64url_encode(digest, sizeof(digest), challenge, sizeof(challenge));
	token_hash(state, hash);
	r = store_oidc_state_add(srv->store, hash, nonce, verifier, now_ms, now_ms + OIDC_STATE_MS);
	if (r < 0) {
		snprintf(why, why_size, "the database is not available");
		json_decref(meta);
		return r;
	}
	auth = json_string_value(json_object_get(meta, "authorization_endpoint"));
	e_client = escape(srv->cfg->oidc_client_id);
	e_redirect = escape(redirect);
	if (!e_client || !e_redirect || !url_allowed(auth))
		r = -EINVAL;
	else if ((size_t)snprintf(
	             url, url_size,
	             "%s%sresponse_type=code&client_id=%s&redirect_uri=%s&scope=openid%%"
	             "20email%%20profile&state=%s&nonce=%s&code_challenge=%s&code_"
	             "challenge_method=S256",
	             auth, strchr(auth, '?') ? "&" : "?", e_client, e_redirect, state, nonce,
	             challenge) >= url_size)
		r = -E2BIG;
	if (r < 0)
		snprintf(why, why_size, "the provider's authorization address is not usable");
	curl_free(e_client);
	curl_free(e_redirect);
	json_decref(meta);
	sodium_memzero(verifier, sizeof(verifier));
	return r;
}

int oidc_finish(struct server *srv, const char *code, const char *state, int64_t now_ms,
                char *email, size_t email_size, char *why, size_t why_size)
{
	char nonce[TOKEN_BUF], verifier[TOKEN_BUF], hash[TOKEN_HASH_BUF], secret[512];
	char redirect[600], form[2048];
	char *e_code = NULL, *e_redirect = NULL;
	json_t *meta = NULL, *tokens = NULL, *set = NULL;
	const char *id_token;
	int r;

	if (!state || strlen(state) != TOKEN_BUF - 1 || !token_well_formed(state)) {
		snprintf(why, why_size, "the answer carries no sign-in state of Vigil's");
		return -EINVAL;
	}
	token_hash(state, hash);
	r = store_oidc_state_take(srv->store, hash, now_ms, nonce, sizeof(nonce), verifier,
	                          sizeof(verifier));
	if (r == -ENOENT) {
		snprintf(why, why_size,
		         "this sign-in was used already or has expired (its state "
		         "is good once, for 10 minutes); start again");
		return r;
	}
	if (r < 0) {
		snprintf(why, why_size, "the database is not available");
		return r;
	}
	if (!code || !*code || strlen(code) > 1024) {
		snprintf(why, why_size, "the provider's answer carries no authorization code");
		return -EINVAL;
	}
	if ((r = redirect_uri(srv, redirect, sizeof(redirect), why, why_size)) < 0 ||
	    (r = metadata(srv, now_ms, &meta, why, why_size)) < 0 ||
	    (r = read_secret(srv->cfg->oidc_client_secret_file, secret, sizeof(secret), why,
	                     why_size)) < 0)
		goto out;
	e_code = escape(code);
	e_redirect = escape(redirect);
	if (!e_code || !e_redirect ||
	    (size_t)snprintf(
	        form, sizeof(form),
	        "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s", e_code,
	        e_redirect, verifier) >= sizeof(form)) {
		snprintf(why, why_size, "the authorization code is not usable");
		r = -EINVAL;
		goto out;
	}
	/* client_secret_basic: the client id and secret as HTTP Basic (RFC 6749 2.3.1). */
	r = fetch_json(json_string_value(json_object_get(meta, "token_endpoint")), form,
	               srv->cfg->oidc_client_id, secret, &tokens, why, why_size);
	if (r < 0)
		goto out;
	id_token = json_string_value(json_object_get(tokens, "id_token"));
	if (!id_token) {
		snprintf(why, why_size, "the provider's answer has no ID token");
		r = -EACCES;
		goto out;
	}
	if ((r = jwks(meta, now_ms, false, &set, why, why_size)) < 0)
		goto out;
	r = check_token(id_token, set, srv->cfg->oidc_issuer, srv->cfg->oidc_client_id, nonce,
	                now_ms / 1000, email, email_size, why, why_size);
	if (r == -ENOKEY) { /* the provider may have rolled its keys: fetch them again */
		json_decref(set);
		set = NULL;
		if ((r = jwks(meta, now_ms, true, &set, why, why_size)) == 0)
			r = check_token(id_token, set, srv->cfg->oidc_issuer,
			                srv->cfg->oidc_client_id, nonce, now_ms / 1000, email,
			                email_size, why, why_size);
		if (r == -ENOKEY)
			r = -EACCES;
	}
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(verifier, sizeof(verifier));
	curl_free(e_code);
	curl_free(e_redirect);
	json_decref(set);
	json_decref(tokens);
	json_decref(meta);
	return r;
}
