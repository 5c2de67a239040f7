/* web.h: what the web pages share: routes, the signed-in user, forms, CSRF, layout. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "html.h"
#include "http.h"
#include "token.h"

struct server;

#define WEB_MAX_ROUTES 32

/* Roles, as a mask for web_begin(). */
enum web_role {
	WEB_MODERATOR = 1,
	WEB_HEADTEACHER = 2,
	WEB_TECHNICIAN = 4,
	WEB_ADMIN = 8, /* users, alert settings, the roster; never captures */
	WEB_ANY = 15,
};

struct web_user {
	int64_t id;
	char login[128];
	enum web_role role;
	int64_t school_id; /* 0: every school */
	char school[128];  /* "" for every school */
	char csrf[TOKEN_BUF];
};

#define WEB_MAX_FIELDS 128 /* the queue's bulk form: a page of ids and a reason */

/* One request of a signed-in user. */
struct web_ctx {
	struct server *srv;
	struct http_request *req;
	struct http_response *resp;
	struct web_user u;
	int64_t now;
	char *form; /* decoded copy of a POST body */
	const char *names[WEB_MAX_FIELDS], *values[WEB_MAX_FIELDS];
	int nfields;
	int sees_flags; /* web_sees_flags(): 0 not asked yet, 1 no, 2 yes */
};

/* Fills routes (at most WEB_MAX_ROUTES); returns how many. */
size_t web_routes(const struct server *srv, struct http_route *routes);

/*
 * Starts a page for a user whose role is in roles. Returns 0 with w filled, or answers
 * (redirect to /login without a session, 404 for a role that may not see the page, 403
 * for a POST without the session's CSRF token, 503) and returns -1. For POST the form
 * is parsed. Call web_end() in every case.
 */
int web_begin(void *ctx, struct http_request *req, struct http_response *resp, unsigned int roles,
              struct web_ctx *w);
void web_end(struct web_ctx *w);

/* Early check of a POST (before its body is read): without a live session the answer
 * is a redirect to /login and the body is never buffered. */
void web_session_early(void *ctx, struct http_request *req, struct http_response *resp);

/* A form field of a POST (decoded), NULL when absent. */
const char *web_field(const struct web_ctx *w, const char *name);
/* A query-string argument, "" when absent. */
const char *web_arg(const struct web_ctx *w, const char *name);

/* Whether the user may see captures and reports of school_id. */
bool web_sees_school(const struct web_ctx *w, int64_t school_id);

/* Page layout: head, navigation for the role, then the caller's body, then the end. */
void web_page_start(struct html *h, const struct web_ctx *w, const char *title);
void web_page_end(struct html *h);
/* The hidden CSRF field of a form. */
void web_csrf_field(struct html *h, const struct web_ctx *w);
/* Sends h as the page with status (takes the buffer). */
void web_send(struct web_ctx *w, struct html *h, int status);
void web_send_raw(struct http_response *resp, int status, const char *type, char *body, size_t len);
void web_redirect(struct http_response *resp, const char *location);
void web_not_found(struct web_ctx *w);
void web_error(struct web_ctx *w, int status, const char *message);

/*
 * A capture record's hits on a page, all escaped (web_hits.c). web_context_marked: the
 * capture's context with its hits marked (<mark>), those that have words of their own
 * excepted. web_hits_list: its hits ("hits", or the reason of a record without), each
 * with its category, severity, phrase, rule, source and what lowered it; with
 * WEB_HITS_EVIDENCE also its own words, marked, and the screenshot that shows it.
 */
struct json_t;
enum web_hits_detail {
	WEB_HITS_COMPACT,  /* the queue */
	WEB_HITS_EVIDENCE, /* the capture page */
};
void web_context_marked(struct html *h, struct json_t *record);
void web_hits_list(struct html *h, struct json_t *record, enum web_hits_detail detail);
/* The distinct categories, or sources in words, of a record's hits in their order, as
 * "self-harm, grooming" into buf (a name that does not fit is left out); the length. */
enum web_hits_field {
	WEB_HITS_CATEGORIES,
	WEB_HITS_SOURCES,
};
size_t web_hits_distinct(struct json_t *record, enum web_hits_field field, char *buf, size_t size);
/* The capture's screenshot and every later frame, each with its time when it has more
 * than one (anchors #shot-1, #shot-2…; images /captures/<id>/image and /frames/<n>), or
 * that they are hidden. */
void web_shots(struct html *h, struct json_t *record, const char *id, bool hidden);

/*
 * Records a decision (status "concern", "escalated", "false-positive"; NULL for a note,
 * hide-image, or assign, close and reopen, whose changes web_triage.c stores first) with
 * text on capture id of school_id by the signed-in user: status, history and audit. The
 * caller has checked the user may see the capture. 0 or -errno; -EBUSY for a status
 * asked of a closed case (nothing changes until it is reopened).
 */
int web_decide(struct web_ctx *w, const char *id, int64_t school_id, const char *action,
               const char *status, const char *text);

/* A form posting action (and the CSRF token) to /captures/<id>/action: id form_id, the
 * trusted markup text_field before its button, label (trusted markup) on the button. */
void web_action_form(struct html *h, const struct web_ctx *w, const char *id, const char *action,
                     const char *form_id, const char *label, const char *text_field);

/*
 * Who has a capture and how it ended (web_triage.c, store_cases.h). web_triage_facts:
 * the rows "Who has this" and, once closed (or reopened), "Outcome" of the capture's
 * facts table. web_triage_forms: "Assign to me", assign to someone who may see the
 * school, the outcome and note that close it, or reopening a closed one.
 * web_triage_flash: what the last action did (done: the action named by the redirect's
 * ?done=), in words taken from the capture as stored. web_triage_post: an action
 * "assign", "close" or "reopen" on a capture the user may see, stored with its history
 * and audit entry; or WEB_TRIAGE_NOT_MINE for another action.
 */
struct store_case;
enum web_triage {
	WEB_TRIAGE_NOT_MINE, /* another action: nothing done */
	WEB_TRIAGE_ANSWERED, /* refused or failed: the page says why */
	WEB_TRIAGE_DONE,     /* stored: the caller redirects to the capture */
};
void web_triage_facts(struct html *h, const struct store_case *c);
void web_triage_forms(struct html *h, struct web_ctx *w, const char *id, int64_t school_id,
                      const char *status, const struct store_case *c);
void web_triage_flash(struct html *h, const char *done, const struct store_case *c);
enum web_triage web_triage_post(struct web_ctx *w, const char *id, int64_t school_id,
                                const char *status, const char *action);

/*
 * Hiding a capture's image as possible child abuse material (web_hide.c): a section set
 * apart from the routine actions, whose button leads to /captures/<id>/hide, a page
 * saying what hiding does and asking for the referral and a ticked confirmation before
 * it posts "hide-image". web_hide_confirmed: whether a POST carries that confirmation.
 */
void web_hide_section(struct html *h, const char *id, bool hidden);
void web_hide_page(struct web_ctx *w, const char *id, bool hidden);
bool web_hide_confirmed(const struct web_ctx *w);

/* Whether a capture of this status may be copied to the case record (confirmed or
 * escalated concerns). */
bool web_case_allowed(const char *status);
/* /captures/<id>/case (the text to paste, on a page) and /case.pdf: the case record of a
 * capture the user may see (web_case.c, caserecord.h), audited; 409 for another status. */
void web_case_record(struct web_ctx *w, const char *id, int64_t school_id, const char *status,
                     bool pdf);

/* A link to a pupil's timeline (/pupils/<school>/<user>) showing the user name. */
void web_pupil_link(struct html *h, const char *school, const char *user);

/*
 * A pupil as the roster knows them (web_roster.c); all "" and on_roster false when it
 * does not. Flags (SEN, EHCP, CLA, CP, CIN, EAL, PP) are shown only to the users
 * web_sees_flags() allows: headteachers, and moderators given them (docs/privacy.md).
 */
struct web_pupil {
	char given[104], family[104], preferred[104], year[36], reg[36], flags[64];
	bool on_roster, current;
};
struct store_capture_brief;
void web_pupil_from_brief(struct web_pupil *p, const struct store_capture_brief *b);
/* The roster entry of user at school_id into *p: 0 (p->on_roster says whether found), -errno. */
int web_pupil_find(struct web_ctx *w, int64_t school_id, const char *user, struct web_pupil *p);
/* "Johnny Smith" (the preferred name, else the given one, and the family name); length. */
size_t web_pupil_name(const struct web_pupil *p, char *buf, size_t size);
bool web_sees_flags(struct web_ctx *w);
/* The flags as badges (<span class="flag">CP</span>…). */
void web_pupil_flags(struct html *h, const char *flags);
/* The pupil's name linking to the timeline (or the login alone when the roster has no
 * name), the login, year and registration group, "(left)" for a leaver, and with flags
 * their flags. p may be NULL. */
void web_pupil_cell(struct html *h, const char *school, const char *user, const struct web_pupil *p,
                    bool flags);

/* Formats ms since the epoch as "YYYY-MM-DD HH:MM" in the server's time zone (time-zone). */
void web_time(int64_t ms, char *buf, size_t size);
/* A column or field heading naming the zone: "Time (Europe/London)". */
void web_time_heading(struct html *h, const char *what);

/* Page handlers (web_*.c). */
void web_login_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_login_post(void *ctx, struct http_request *req, struct http_response *resp);
void web_logout_post(void *ctx, struct http_request *req, struct http_response *resp);
void web_script_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_captures_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_captures_post(void *ctx, struct http_request *req, struct http_response *resp);
void web_capture_get(void *ctx, struct http_request *req, struct http_response *resp);
/* GET /captures/<id>/thumb (web_captures.c: the queue's thumbnail, of the focused window);
 * every other /captures/<id>… to web_capture_get(). */
void web_captures_item_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_capture_post(void *ctx, struct http_request *req, struct http_response *resp);
void web_reports_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_wordlists_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_wordlists_post(void *ctx, struct http_request *req, struct http_response *resp);
void web_machines_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_audit_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_pupil_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_admin_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_oidc_start_get(void *ctx, struct http_request *req, struct http_response *resp);
void web_oidc_callback_get(void *ctx, struct http_request *req, struct http_response *resp);
/* "Sign in with your school account" on the sign-in page when OpenID Connect is set. */
void web_oidc_login_link(struct html *h, const struct server *srv);

/* Sign-in hooks (web_auth.c) for other ways in (web_oidc.c): the web user of a stored user,
 * a new session with its cookie, and the page a role lands on. */
struct store_user;
void web_user_from_store(struct web_user *w, const struct store_user *u);
int web_session_begin(struct web_ctx *w, const struct web_user *u);
const char *web_landing(const struct web_user *u);
void web_admin_post(void *ctx, struct http_request *req, struct http_response *resp);
