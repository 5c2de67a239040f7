/* api_enrol.c: POST /api/v1/enrol: a school's enrolment key buys a machine its token. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "api.h"
#include "audit.h"
#include "log.h"
#include "rfc3339.h"
#include "server-limits.h"
#include "server.h"
#include "token.h"

/* Machine names are host names: letters, digits, '.', '_' and '-', 1 to 64 of them. */
static int machine_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CAPTURE_MAX_NAME &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

void api_enrol_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct server *srv = ctx;
	char token[TOKEN_BUF], key_hash[TOKEN_HASH_BUF], token_hash_hex[TOKEN_HASH_BUF];
	const char *body, *key, *machine;
	json_error_t jerr;
	json_t *root;
	size_t len;
	int64_t school_id = 0;
	int r;

	body = http_request_body(req, &len);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		http_reply_error(resp, 400, NULL, "body must be a JSON object");
		goto out;
	}
	key = json_string_value(json_object_get(root, "key"));
	machine = json_string_value(json_object_get(root, "machine"));
	if (!key) {
		http_reply_error(resp, 400, "key", "key must be a string");
		goto out;
	}
	if (!machine || !machine_name_ok(machine)) {
		http_reply_error(resp, 400, "machine",
		                 "machine must be 1-64 letters, digits, '.', '_' or '-'");
		goto out;
	}
	if (!token_well_formed(key)) {
		http_reply_error(resp, 403, "key", "unknown or revoked enrolment key");
		goto out;
	}
	token_hash(key, key_hash);
	if (token_new(token) < 0) {
		http_reply_error(resp, 503, NULL, "cannot make a token now; retry later");
		goto out;
	}
	token_hash(token, token_hash_hex);
	r = srv->store->ops->enrol(srv->store, key_hash, machine, token_hash_hex, rfc3339_now_ms(),
	                           &school_id);
	if (r == -EPERM) {
		log_info("enrolment of %s refused: unknown or revoked key", machine);
		http_reply_error(resp, 403, "key", "unknown or revoked enrolment key");
	} else if (r == -EACCES) {
		/* The school key must not undo machine revoke. */
		log_warning("enrolment of %s refused: the machine is revoked (vigil-server machine "
		            "allow lets it enrol again)",
		            machine);
		http_reply_error(resp, 403, "machine",
		                 "machine %s is revoked; an administrator must allow it again",
		                 machine);
	} else if (r == STORE_REPLACED) {
		/* A re-imaged PC, or someone with the school key taking a machine's place: the
		 * old token stops working; say so where people look. */
		log_warning("machine %s enrolled again: its old token no longer works", machine);
		audit_record(srv->store, "system", school_id, "machine-replaced", NULL, machine);
		http_reply_json(resp, 201, json_pack("{s:s}", "token", token));
	} else if (r < 0) {
		log_error("enrolment of %s: %s; answering 503", machine, strerror(-r));
		http_reply_error(resp, 503, NULL, "storage unavailable; retry later");
	} else {
		log_info("machine %s enrolled", machine);
		http_reply_json(resp, 201, json_pack("{s:s}", "token", token));
	}
	sodium_memzero(token, sizeof(token));
out:
	json_decref(root);
}
