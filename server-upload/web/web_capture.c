/* web_capture.c: one capture (/captures/<id>): screenshots, context, actions, history, images. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts.h"
#include "audit.h"
#include "caserecord.h"
#include "localzone.h"
#include "log.h"
#include "parse.h"
#include "server.h"
#include "store_admin.h"
#include "store_cases.h"
#include "store_moderation.h"
#include "thumb.h"
#include "web.h"

#define PREFIX "/captures/"

struct capture {
	char id[40], school[128], machine[128], category[80], source[24], user[128];
	char status[24], status_by[128], sha[80];
	int64_t school_id, time, received, status_time;
	int severity, hidden;
	json_t *record;
	bool found;
	struct web_pupil pupil; /* the roster's entry */
};

static void cp(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int capture_brief(const struct store_capture_brief *b, void *ud)
{
	struct capture *k = ud;

	cp(k->id, sizeof(k->id), b->id);
	k->school_id = b->school_id;
	cp(k->school, sizeof(k->school), b->school);
	cp(k->machine, sizeof(k->machine), b->machine);
	k->time = b->time_ms;
	k->received = b->received_ms;
	cp(k->category, sizeof(k->category), b->category);
	k->severity = b->severity;
	cp(k->source, sizeof(k->source), b->source);
	cp(k->user, sizeof(k->user), b->user);
	cp(k->status, sizeof(k->status), b->status);
	k->record = json_loads(b->record, 0, NULL);
	k->hidden = b->image_hidden;
	cp(k->status_by, sizeof(k->status_by), b->status_by);
	k->status_time = b->status_time_ms;
	cp(k->sha, sizeof(k->sha), b->image_sha256);
	web_pupil_from_brief(&k->pupil, b);
	k->found = true;
	return 0;
}

/* Loads capture id when the user may see it: 0, -ENOENT (absent or not theirs), -errno. */
static int capture_load(struct web_ctx *w, const char *id, struct capture *k)
{
	int r;

	memset(k, 0, sizeof(*k));
	r = store_capture_brief_get(w->srv->store, id, capture_brief, k);
	if (r < 0)
		return r;
	if (!k->found || !web_sees_school(w, k->school_id)) {
		json_decref(k->record);
		k->record = NULL;
		return -ENOENT;
	}
	return 0;
}

static const char *rec_str(json_t *rec, const char *a, const char *b)
{
	json_t *v = json_object_get(rec, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void field(struct html *h, const char *name, const char *value)
{
	html_raw(h, "<tr><th>");
	html_raw(h, name);
	html_raw(h, "</th><td>");
	html_text(h, value);
	html_raw(h, "</td></tr>");
}

/* Escalating tells the school's alert contacts by e-mail (no pupil named); with none set,
 * nobody is told, and the audit log and the capture page say so. */
static void escalate_tell(struct web_ctx *w, const struct capture *k)
{
	int64_t queued = 0;

	if (store_alert_refer(w->srv->store, k->id, k->school_id, w->now, &queued) < 0)
		log_warning("capture %s: the escalation e-mail could not be queued", k->id);
	else if (queued == 0)
		audit_record(w->srv->store, w->u.login, k->school_id, "escalate-untold", k->id,
		             "no alert contact is set for the school: nobody was e-mailed");
}

/* On an escalated capture of a school without alert contacts: nobody was told. */
static void no_contact_notice(struct html *h, struct web_ctx *w, const struct capture *k)
{
	int64_t n = 1;

	if (strcmp(k->status, "escalated") != 0 ||
	    store_alert_contact_count(w->srv->store, k->school_id, &n) < 0 || n > 0)
		return;
	html_raw(h, "<p class=\"error\" id=\"no-contact\" role=\"alert\">Escalated, but this "
	            "school has no alert contact: <strong>nobody was told</strong> by e-mail. "
	            "Tell the designated safeguarding lead yourself, and ask an admin to set the "
	            "school's contacts (Admin → Alerts).</p>");
}

static int event_row(const struct store_capture_event *e, void *ud)
{
	struct html *h = ud;
	char when[32];

	web_time(e->time_ms, when, sizeof(when));
	html_raw(h, "<li>");
	html_text(h, when);
	html_raw(h, " <strong>");
	html_text(h, e->login);
	html_raw(h, "</strong>: ");
	html_text(h, e->action);
	if (*e->text) {
		html_raw(h, " — ");
		html_text(h, e->text);
	}
	html_raw(h, "</li>");
	return 0;
}

void web_action_form(struct html *h, const struct web_ctx *w, const char *id, const char *action,
                     const char *form_id, const char *label, const char *text_field)
{
	html_raw(h, "<form method=\"post\" id=\"");
	html_raw(h, form_id);
	html_raw(h, "\" action=\"/captures/");
	html_url(h, id);
	html_raw(h, "/action\">");
	web_csrf_field(h, w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"");
	html_raw(h, action);
	html_raw(h, "\">");
	if (text_field)
		html_raw(h, text_field);
	html_raw(h, "<button type=\"submit\">");
	html_raw(h, label);
	html_raw(h, "</button></form>");
}

/* The routine decisions; a closed capture takes notes only until it is reopened. */
static void capture_actions(struct html *h, const struct web_ctx *w, const struct capture *k,
                            bool closed)
{
	html_raw(h, "<h2>Decide</h2><div class=\"actions\">");
	if (!closed) {
		web_action_form(h, w, k->id, "concern", "act-concern",
		                "Confirm as concern <kbd>c</kbd>", NULL);
		web_action_form(h, w, k->id, "escalate", "act-escalate",
		                "Escalate to the DSL <kbd>e</kbd>", NULL);
		web_action_form(h, w, k->id, "false-positive", "act-fp",
		                "False positive <kbd>f</kbd>",
		                "<label>Reason <input id=\"fp-reason\" name=\"text\" required "
		                "maxlength=\"1000\"></label>");
	}
	web_action_form(h, w, k->id, "note", "act-note", "Add note <kbd>n</kbd>",
	                "<label>Note <textarea id=\"note-text\" name=\"text\" rows=\"2\" "
	                "cols=\"40\" required maxlength=\"4000\"></textarea></label>");
	html_raw(h, "</div>");
}

/* One outbox row of the capture (alerts.h): who was alerted, how and when. */
struct alert_rows {
	struct html *h;
	int unacked;
};

static int alert_row(const struct store_capture_alert *a, void *ud)
{
	struct alert_rows *ar = ud;
	struct html *h = ar->h;
	char when[32] = "";

	html_raw(h, "<tr><td>");
	html_text(h, a->target);
	html_raw(h, "</td><td>");
	html_text(h, a->channel);
	html_raw(h, "</td><td class=\"alert-status\">");
	html_text(h, a->status);
	html_fmt(h, " (attempt %lld)", (long long)a->attempts);
	html_raw(h, "</td><td>");
	if (a->sent_ms)
		web_time(a->sent_ms, when, sizeof(when));
	html_text(h, when);
	html_raw(h, "</td><td>");
	html_text(h, a->last_error);
	html_raw(h, "</td><td class=\"alert-ack\">");
	if (a->acked_ms) {
		web_time(a->acked_ms, when, sizeof(when));
		html_text(h, a->acked_by);
		html_raw(h, ", ");
		html_text(h, when);
	} else {
		ar->unacked++;
	}
	html_raw(h, "</td></tr>");
	return 0;
}

/* The row "Status" of the facts: the status, who set it and when. */
static void status_row(struct html *h, const struct capture *k)
{
	char when[32];

	html_raw(h, "<tr><th>Status</th><td id=\"status\">");
	html_text(h, k->status);
	if (k->status_by[0]) {
		web_time(k->status_time, when, sizeof(when));
		html_raw(h, " (");
		html_text(h, k->status_by);
		html_raw(h, ", ");
		html_text(h, when);
		html_raw(h, ")");
	}
	html_raw(h, "</td></tr>");
}

/* The heading and the links to the next and previous new captures. */
static void capture_head(struct html *h, struct web_ctx *w, const struct capture *k)
{
	char next[STORE_ID_BUF], prev[STORE_ID_BUF], cats[256];

	store_queue_neighbour(w->srv->store, w->u.school_id, k->severity, k->time, 1, next);
	store_queue_neighbour(w->srv->store, w->u.school_id, k->severity, k->time, -1, prev);
	html_raw(h, "<h1>");
	html_text(h, web_hits_distinct(k->record, WEB_HITS_CATEGORIES, cats, sizeof(cats))
	                 ? cats
	                 : k->category);
	html_fmt(h, " <span class=\"sev%d\">severity %d</span></h1>", k->severity, k->severity);
	html_raw(h, "<p class=\"capture-nav\">");
	if (prev[0]) {
		html_raw(h, "<a id=\"prev\" href=\"/captures/");
		html_url(h, prev);
		html_raw(h, "\">← previous <kbd>k</kbd></a> ");
	}
	if (next[0]) {
		html_raw(h, "<a id=\"next\" href=\"/captures/");
		html_url(h, next);
		html_raw(h, "\">next <kbd>j</kbd> →</a>");
	}
	html_raw(h, " <a href=\"/captures\">queue</a></p>");
}

/* What a moderator judges by, beside the screenshot: who, where, when, what, and the case. */
static void capture_facts(struct html *h, struct web_ctx *w, const struct capture *k,
                          const struct store_case *cs)
{
	char when[32], label[96];

	html_raw(h, "<table class=\"meta\" id=\"facts\"><tr><th>User</th><td id=\"user\">");
	web_pupil_cell(h, k->school, k->user, &k->pupil, web_sees_flags(w));
	html_raw(h, " (timeline)</td></tr>");
	field(h, "Machine", k->machine);
	field(h, "School", k->school);
	web_time(k->time, when, sizeof(when));
	snprintf(label, sizeof(label), "Time (%s)", localzone_name());
	field(h, label, when);
	status_row(h, k);
	web_triage_facts(h, cs);
	html_raw(h, "</table>");
	html_raw(h, "<p>Context: <q id=\"context\">");
	web_context_marked(h, k->record);
	html_raw(h, "</q></p><h2>Hits</h2>");
	web_hits_list(h, k->record, WEB_HITS_EVIDENCE);
}

/* The rest of the record, below the decisions. */
static void capture_details(struct html *h, const struct capture *k)
{
	json_t *rec = k->record;
	char recv[32], label[96];

	html_raw(h, "<h2>Details</h2><table class=\"meta\" id=\"details\">");
	field(h, "Window title", rec_str(rec, "window", "title"));
	field(h, "Application", rec_str(rec, "window", "app"));
	field(h, "Phrase", rec_str(rec, "reason", "phrase"));
	field(h, "Matched", rec_str(rec, "reason", "matched"));
	field(h, "Rule", rec_str(rec, "reason", "rule"));
	field(h, "Source", k->source);
	web_time(k->received, recv, sizeof(recv));
	snprintf(label, sizeof(label), "Received (%s)", localzone_name());
	field(h, label, recv);
	html_raw(h, "</table>");
}

static void capture_page(struct web_ctx *w, struct capture *k)
{
	struct store_case cs = {.assignee = ""};
	struct html h;
	struct alert_rows ar = {&h, 0};

	if (store_case_get(w->srv->store, k->id, &cs) < 0)
		log_warning("capture %s: who has it and its outcome could not be read", k->id);
	html_init(&h);
	web_page_start(&h, w, "Capture");
	capture_head(&h, w, k);
	web_triage_flash(&h, web_arg(w, "done"), &cs);
	no_contact_notice(&h, w, k);
	/* Two columns on a wide screen, the screenshot beside the facts; stacked on a phone. */
	html_raw(&h, "<div class=\"capture-grid\"><div class=\"capture-facts\">");
	capture_facts(&h, w, k, &cs);
	html_raw(&h, "</div><div class=\"capture-shots\">");
	web_shots(&h, k->record, k->id, k->hidden);
	html_raw(&h, "</div></div>");
	capture_actions(&h, w, k, cs.closed_ms != 0);
	web_triage_forms(&h, w, k->id, k->school_id, k->status, &cs);
	if (web_case_allowed(k->status)) {
		html_raw(&h, "<p><a id=\"case\" href=\"/captures/");
		html_url(&h, k->id);
		html_raw(&h, "/case\">Copy for the case record</a> (text to paste, and a PDF)</p>");
	}
	capture_details(&h, k);
	html_raw(&h, "<h2>Alerts</h2><table id=\"alerts\"><tr><th>To</th><th>By</th>"
	             "<th>Status</th><th>Sent</th><th>Last error</th>"
	             "<th>Acknowledged</th></tr>");
	store_capture_alerts(w->srv->store, k->id, alert_row, &ar);
	html_raw(&h, "</table>");
	if (ar.unacked)
		web_action_form(&h, w, k->id, "ack-alert", "act-ack", "Acknowledge the alert",
		                NULL);
	html_raw(&h, "<h2>History</h2><ul id=\"history\">");
	store_capture_events(w->srv->store, k->id, event_row, &h);
	html_raw(&h, "</ul>");
	web_hide_section(&h, k->id, k->hidden);
	web_page_end(&h);
	web_send(w, &h, 200);
}

/* Shot n of the capture: 0 its screenshot (/image), n >= 1 frames[n-1] (/frames/<n>). A
 * hidden screenshot hides the frames of its capture too. */
static void image(struct web_ctx *w, const struct capture *k, int64_t n)
{
	const char *sha = k->sha;
	int64_t taken;
	void *data;
	size_t len;
	int r;

	if (n > 0 && (caserecord_shot(k->record, (size_t)n, &sha, &taken) < 0 || !sha)) {
		web_not_found(w);
		return;
	}
	if (k->hidden) {
		web_error(w, 410, "This image is hidden and cannot be viewed.");
		return;
	}
	r = blobs_get(w->srv->blobs, sha, &data, &len);
	if (r < 0) {
		web_error(w, r == -ENOENT ? 404 : 503, "The image is not available.");
		return;
	}
	web_send_raw(w->resp, 200, "image/png", data, len);
}

/* Splits "/captures/<id>[/tail]" into id and tail ("" when none). */
static int split_path(const char *path, char id[40], const char **tail)
{
	const char *p = path + strlen(PREFIX), *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);

	if (n == 0 || n > 36 || strspn(p, "0123456789abcdef-") < n)
		return -EINVAL;
	memcpy(id, p, n);
	id[n] = '\0';
	*tail = slash ? slash : "";
	return 0;
}

/* The n of a tail "/frames/<n>" (n >= 1): 0, or -EINVAL for another tail. */
static int frame_of(const char *tail, int64_t *n)
{
	static const char frames[] = "/frames/";

	if (strncmp(tail, frames, sizeof(frames) - 1) != 0)
		return -EINVAL;
	return parse_int64(tail + sizeof(frames) - 1, 1, INT32_MAX, n);
}

void web_capture_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct capture k = {0};
	const char *tail;
	char id[40];
	int64_t frame = 0;
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	if (split_path(http_request_path(req), id, &tail) < 0 ||
	    (strcmp(tail, "") != 0 && strcmp(tail, "/image") != 0 && strcmp(tail, "/case") != 0 &&
	     strcmp(tail, "/case.pdf") != 0 && strcmp(tail, "/hide") != 0 &&
	     frame_of(tail, &frame) < 0)) {
		web_not_found(&w);
		goto out;
	}
	r = capture_load(&w, id, &k);
	if (r == -ENOENT) {
		web_not_found(&w);
		goto out;
	}
	if (r < 0) {
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	if (strcmp(tail, "/hide") == 0) {
		web_hide_page(&w, k.id, k.hidden);
	} else if (strncmp(tail, "/case", 5) == 0) {
		web_case_record(&w, k.id, k.school_id, k.status, strcmp(tail, "/case.pdf") == 0);
	} else if (*tail) {
		image(&w, &k, frame);
	} else {
		audit_record(w.srv->store, w.u.login, k.school_id, "view", k.id, "");
		capture_page(&w, &k);
	}
out:
	json_decref(k.record);
	web_end(&w);
}

int web_decide(struct web_ctx *w, const char *id, int64_t school_id, const char *action,
               const char *status, const char *text)
{
	struct store_case cs;
	int r;

	if (status && store_case_get(w->srv->store, id, &cs) == 0 && cs.closed_ms)
		return -EBUSY; /* a closed case keeps its status until it is reopened */
	r = store_capture_decide(w->srv->store, id, action, status, w->u.login, w->now, text);

	if (r == 0)
		r = audit_record(w->srv->store, w->u.login, school_id, action, id, text);
	return r;
}

/* Back to the capture, whose page says what action did (web_triage_flash). */
static void done(struct web_ctx *w, const char *id, const char *action)
{
	char back[128];

	snprintf(back, sizeof(back), "/captures/%s?done=%s", id, action);
	web_redirect(w->resp, back);
}

/* The status an action sets; NULL for those that set none. */
static const char *status_of(const char *action)
{
	return strcmp(action, "concern") == 0          ? "concern"
	       : strcmp(action, "escalate") == 0       ? "escalated"
	       : strcmp(action, "false-positive") == 0 ? "false-positive"
	                                               : NULL;
}

/* A decision, a note or hiding the image: checked, stored, then what follows it. */
static void decide(struct web_ctx *w, struct capture *k, const char *action)
{
	const char *text = web_field(w, "text"), *status = status_of(action);
	int r;

	text = text ? text : "";
	if (!status && strcmp(action, "note") != 0 && strcmp(action, "hide-image") != 0) {
		web_error(w, 400, "Unknown action.");
		return;
	}
	if ((!status || strcmp(status, "false-positive") == 0) && (!*text || strlen(text) > 4000)) {
		web_error(w, 400, "Give a reason or note (up to 4000 characters).");
		return;
	}
	if (strcmp(action, "hide-image") == 0 && !web_hide_confirmed(w)) {
		web_error(w, 400,
		          "Tick “I understand that the image will be hidden from everyone” "
		          "to hide it; nothing was hidden.");
		return;
	}
	r = web_decide(w, k->id, k->school_id, action, status, text);
	if (r == -EBUSY) {
		web_error(w, 409, "This capture is closed: reopen it before changing its status.");
		return;
	}
	if (r < 0) {
		log_warning("web: %s of capture %s by %s failed: %s", action, k->id, w->u.login,
		            strerror(-r));
		web_error(w, 503, "The decision could not be stored; try again.");
		return;
	}
	if (strcmp(action, "escalate") == 0)
		escalate_tell(w, k);
	if (strcmp(action, "hide-image") == 0) {
		if (thumb_forget(w->srv->blobs, k->sha) < 0)
			log_warning("capture %s: the thumbnail of the hidden image could not be "
			            "removed",
			            k->id);
		log_warning(
		    "capture %s: image hidden by %s (possible child abuse material referred)",
		    k->id, w->u.login);
	}
	done(w, k->id, action);
}

void web_capture_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct web_ctx w;
	struct capture k = {0};
	const char *tail, *action;
	char id[40];
	int r;

	if (web_begin(ctx, req, resp, WEB_MODERATOR | WEB_HEADTEACHER, &w) < 0)
		goto out;
	if (split_path(http_request_path(req), id, &tail) < 0 || strcmp(tail, "/action") != 0 ||
	    (r = capture_load(&w, id, &k)) == -ENOENT) {
		web_not_found(&w);
		goto out;
	}
	if (r < 0) {
		web_error(&w, 503, "The database is not available; try again shortly.");
		goto out;
	}
	action = web_field(&w, "action");
	if (!action) {
		web_error(&w, 400, "Unknown action.");
	} else if (strcmp(action, "ack-alert") == 0) {
		if (alerts_ack_capture(w.srv, k.id, w.u.login, k.school_id) < 0)
			web_error(&w, 503, "The acknowledgement could not be stored; try again.");
		else
			done(&w, k.id, action);
	} else {
		switch (web_triage_post(&w, k.id, k.school_id, k.status, action)) {
		case WEB_TRIAGE_NOT_MINE:
			decide(&w, &k, action);
			break;
		case WEB_TRIAGE_DONE:
			done(&w, k.id, action);
			break;
		case WEB_TRIAGE_ANSWERED:
			break;
		}
	}
out:
	json_decref(k.record);
	web_end(&w);
}
