/* api_wordlists.c: the signed phrase-list bundle for agents, list edits for technicians. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit.h"
#include "log.h"
#include "rfc3339.h"
#include "server.h"
#include "store_lists.h"

#define LISTS_PREFIX "/api/v1/wordlists/"

/* True when the If-None-Match header names etag (or is "*"). */
static int not_modified(struct http_request *req, const char *etag)
{
	const char *inm = http_request_header(req, "If-None-Match");

	return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

/* Gives b a number the first time this server serves it (store_lists.h), so that the pages
 * name the lists a machine runs "version N"; the newest few numbered are remembered, so
 * that a bundle is written once, not at every request. A failure is tried again at the
 * next request. */
#define NUMBERED_KEPT 16

static void number_served(struct server *srv, const struct bundle *b)
{
	static char kept[NUMBERED_KEPT][33];
	static unsigned next;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	const char *v = bundle_version(b);
	bool known = false;
	int r;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < NUMBERED_KEPT && !known; i++)
		known = strcmp(kept[i], v) == 0;
	pthread_mutex_unlock(&lock);
	if (known)
		return;
	r = store_list_bundle_seen(srv->store, v, bundle_issued(b), rfc3339_now_ms());
	if (r < 0) {
		log_debug("lists %s not numbered yet: %s; trying again at the next request", v,
		          strerror(-r));
		return;
	}
	pthread_mutex_lock(&lock);
	snprintf(kept[next++ % NUMBERED_KEPT], sizeof(kept[0]), "%s", v);
	pthread_mutex_unlock(&lock);
}

void api_wordlists_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct server *srv = ctx;
	struct store_machine m;
	struct bundle *b;
	const char *body;
	size_t len;

	if (api_auth_machine(srv, req, resp, &m) < 0)
		return;
	b = wordlists_for_school(srv->lists, m.school_id); /* shared, and the school's own */
	if (!b) {
		http_reply_error(resp, 503, NULL, "no valid phrase lists on the server yet");
		return;
	}
	number_served(srv, b);
	snprintf(resp->etag, sizeof(resp->etag), "%s", bundle_etag(b));
	if (not_modified(req, bundle_etag(b))) {
		resp->status = 304;
	} else {
		body = bundle_body(b, &len);
		resp->body = malloc(len ? len : 1);
		if (resp->body) {
			memcpy(resp->body, body, len);
			resp->len = len;
			resp->status = 200;
			resp->content_type = "application/json";
		} else {
			http_reply_error(resp, 503, NULL, "out of memory");
		}
	}
	bundle_unref(b);
}

/* Answers the outcome of a technician's edit: 200 with the new version, or 400 with
 * every FILE:LINE message. */
static void reply_edit(struct server *srv, struct http_response *resp, const char *name,
                       int64_t school_id, int r, struct bundle_msgs *msgs)
{
	json_t *list = json_array();
	struct bundle *b;

	for (size_t i = 0; list && i < msgs->n; i++)
		json_array_append_new(list, json_string(msgs->v[i]));
	if (r == 0) {
		b = wordlists_for_school(srv->lists, school_id);
		log_info("phrase list %s changed by a technician%s; serving version %s", name,
		         school_id ? " of a school (its own lists)" : "",
		         b ? bundle_version(b) : "?");
		http_reply_json(resp, 200,
		                json_pack("{s:s, s:o}", "version", b ? bundle_version(b) : "",
		                          "warnings", list));
		bundle_unref(b);
		return;
	}
	if (r == -EINVAL) {
		log_warning(
		    "phrase list %s refused (%zu errors); still serving the last good lists", name,
		    msgs->errors);
		http_reply_json(
		    resp, 400,
		    json_pack("{s:s, s:s, s:o}", "error",
		              "phrase lists refused; the last good lists are still served", "field",
		              name, "errors", list));
		return;
	}
	json_decref(list);
	if (r == -EEXIST)
		http_reply_error(resp, 403, NULL,
		                 "%s is a shared list: the shared lists are edited by a technician "
		                 "without a school; a school's own lists add files of other names",
		                 name);
	else if (r == -ENOENT)
		http_reply_error(resp, 404, NULL, "no list file %s", name);
	else
		http_reply_error(resp, 503, NULL, "cannot change the lists: %s", strerror(-r));
}

/* Keeps the change in the lists' history, as the web page's saves are (store_lists.h); a
 * failure is logged (the list is changed, its history misses a version). */
static void remember(struct server *srv, const char *who, int64_t school_id, const char *name,
                     const char *before, const char *body, size_t len)
{
	char *text = body ? strndup(body, len) : NULL;
	struct store_list_version v = {.school_id = school_id,
	                               .saved_ms = rfc3339_now_ms(),
	                               .file = name,
	                               .body = text,
	                               .author = who,
	                               .action = body ? "save" : "delete"};
	int r = body && !text ? -ENOMEM : store_list_version_save(srv->store, &v, before);

	if (r < 0)
		log_warning("phrase list %s changed by %s, but its history could not keep this "
		            "version: %s",
		            name, who, strerror(-r));
	free(text);
}

static void edit(void *ctx, struct http_request *req, struct http_response *resp, int remove)
{
	struct server *srv = ctx;
	const char *name = http_request_path(req) + strlen(LISTS_PREFIX);
	struct bundle_msgs msgs = {0};
	char who[128], detail[160];
	int64_t school_id = 0;
	const char *body;
	char *before;
	size_t len;
	int r;

	if (api_auth_technician(srv, req, resp, who, sizeof(who), &school_id) < 0)
		return;
	if (!bundle_name_ok(name)) {
		http_reply_error(
		    resp, 400, NULL,
		    "list names are letters, digits, '.', '_', '-' ending .txt or .inc");
		return;
	}
	body = http_request_body(req, &len);
	before = wordlists_text(srv->lists, school_id, name);
	/* A technician of a school edits that school's own lists; the shared ones are a
	 * technician's without a school (wordlists.h). */
	r = school_id ? wordlists_put_school(srv->lists, school_id, name, remove ? NULL : body, len,
	                                     &msgs)
	              : wordlists_put(srv->lists, name, remove ? NULL : body, len, &msgs);
	if (r == 0)
		remember(srv, who, school_id, name, before, remove ? NULL : body, len);
	free(before);
	if (r == 0 || r == -EEXIST) {
		/* Who changed (or tried to change) what the agents look for is part of the
		 * record, under the school it affects (none: every school). */
		snprintf(detail, sizeof(detail), "%s (API%s)", name,
		         r           ? ", refused: a shared list"
		         : school_id ? ", the school's own lists"
		                     : "");
		audit_record(srv->store, who, school_id,
		             r        ? "wordlist-refused"
		             : remove ? "wordlist-delete"
		                      : "wordlist-save",
		             NULL, detail);
	}
	reply_edit(srv, resp, name, school_id, r, &msgs);
	bundle_msgs_clear(&msgs);
}

void api_wordlists_put(void *ctx, struct http_request *req, struct http_response *resp)
{
	edit(ctx, req, resp, 0);
}

void api_wordlists_delete(void *ctx, struct http_request *req, struct http_response *resp)
{
	edit(ctx, req, resp, 1);
}
