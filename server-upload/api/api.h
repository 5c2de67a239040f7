/* api.h: the HTTP endpoints of vigil-server (agent API and health check). */
#pragma once

#include <stddef.h>

#include "http.h"
#include "store.h"

struct server;

/* Fills routes (at most API_MAX_ROUTES) for srv's settings; returns how many. */
#define API_MAX_ROUTES 16
size_t api_routes(const struct server *srv, struct http_route *routes);

/* Handlers; ctx is the struct server. */
void api_captures_post(void *ctx, struct http_request *req, struct http_response *resp);
void api_enrol_post(void *ctx, struct http_request *req, struct http_response *resp);
void api_heartbeat_post(void *ctx, struct http_request *req, struct http_response *resp);
void api_wordlists_get(void *ctx, struct http_request *req, struct http_response *resp);
void api_wordlists_put(void *ctx, struct http_request *req, struct http_response *resp);
void api_wordlists_delete(void *ctx, struct http_request *req, struct http_response *resp);
void api_healthz_get(void *ctx, struct http_request *req, struct http_response *resp);
/* GET /apt/FILE: the agents' apt repository (api_apt.c). */
void api_apt_get(void *ctx, struct http_request *req, struct http_response *resp);
/* The early check of the machine routes: answers 401/503 before the body is read. */
void api_auth_early(void *ctx, struct http_request *req, struct http_response *resp);

/*
 * The machine of the request's bearer token. Returns 0, or replies 401 (bad token) or
 * 503 (storage down) into resp and returns -EPERM/-EIO.
 */
int api_auth_machine(struct server *srv, struct http_request *req, struct http_response *resp,
                     struct store_machine *m);

/* A technician's HTTP Basic credentials, through the sign-in limits and checks
 * (signin.h). Returns 0 with the login in who and the technician's school in *school_id
 * (0: none, the shared lists' technician), or replies 401/429/503. */
int api_auth_technician(struct server *srv, struct http_request *req, struct http_response *resp,
                        char *who, size_t who_size, int64_t *school_id);
