/* web_triage.c: who has a capture and how it ended, on its page: assign, close, reopen. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "outcome.h"
#include "server.h"
#include "store_cases.h"
#include "web.h"

#define NOTE_MAX 4000

void web_triage_facts(struct html *h, const struct store_case *c)
{
	char when[32];

	html_raw(h, "<tr><th>Who has this</th><td id=\"assignee\">");
	if (c->assignee[0]) {
		web_time(c->assigned_ms, when, sizeof(when));
		html_raw(h, "<strong>");
		html_text(h, c->assignee);
		html_raw(h, "</strong> <span class=\"muted\">(");
		if (strcmp(c->assigned_by, c->assignee) != 0) {
			html_raw(h, "given by ");
			html_text(h, c->assigned_by);
			html_raw(h, ", ");
		}
		html_text(h, when);
		html_raw(h, ")</span>");
	} else {
		html_raw(h, "<span class=\"muted\">nobody yet</span>");
	}
	html_raw(h, "</td></tr>");
	if (!c->closed_ms && !c->outcome[0])
		return;
	html_raw(h, "<tr><th>Outcome</th><td id=\"outcome\">");
	html_raw(h,
	         c->closed_ms ? "<strong class=\"closed\">Closed</strong>: " : "Reopened; was: ");
	html_text(h, outcome_words(c->outcome));
	if (c->note[0]) {
		html_raw(h, " — ");
		html_text(h, c->note);
	}
	if (c->closed_ms) {
		web_time(c->closed_ms, when, sizeof(when));
		html_raw(h, " <span class=\"muted\">(");
		html_text(h, c->closed_by);
		html_raw(h, ", ");
		html_text(h, when);
		html_raw(h, ")</span>");
	}
	html_raw(h, "</td></tr>");
}

void web_triage_flash(struct html *h, const char *done, const struct store_case *c)
{
	static const struct {
		const char *action, *message;
	} said[] = {
	    {"concern", "Confirmed as a concern."},
	    {"escalate", "Escalated to the designated safeguarding lead."},
	    {"false-positive", "Marked as a false positive."},
	    {"note", "Note added."},
	    {"reopen", "Reopened."},
	    {"ack-alert", "Alert acknowledged."},
	    {"hide-image", "Image hidden from everyone. Report it as your safeguarding policy "
	                   "says."},
	};

	if (!done || !*done)
		return;
	/* What the page says comes from the capture as stored, never from the address. */
	if (strcmp(done, "assign") == 0) {
		html_raw(h, "<p class=\"flash\" id=\"flash\" role=\"status\">");
		if (c->assignee[0]) {
			html_raw(h, "Assigned to ");
			html_text(h, c->assignee);
			html_raw(h, ".");
		} else {
			html_raw(h, "Nobody has this capture now.");
		}
		html_raw(h, "</p>");
		return;
	}
	if (strcmp(done, "close") == 0 && c->closed_ms) {
		html_raw(h, "<p class=\"flash\" id=\"flash\" role=\"status\">Closed: ");
		html_text(h, outcome_words(c->outcome));
		html_raw(h, ".</p>");
		return;
	}
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		if (strcmp(done, said[i].action) == 0) {
			html_raw(h, "<p class=\"flash\" id=\"flash\" role=\"status\">");
			html_raw(h, said[i].message);
			html_raw(h, "</p>");
		}
}

struct options {
	struct html *h;
	const char *current;
};

static int assign_option(const char *login, void *ud)
{
	struct options *o = ud;

	html_option(o->h, login, login, strcmp(login, o->current) == 0);
	return 0;
}

static void assign_forms(struct html *h, struct web_ctx *w, const char *id, int64_t school_id,
                         const struct store_case *c)
{
	struct options o = {h, c->assignee};

	if (strcmp(c->assignee, w->u.login) != 0) {
		html_raw(h, "<form method=\"post\" id=\"act-assign-me\" action=\"/captures/");
		html_url(h, id);
		html_raw(h, "/action\">");
		web_csrf_field(h, w);
		html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"assign\">"
		            "<input type=\"hidden\" name=\"assignee\" value=\"");
		html_text(h, w->u.login);
		html_raw(h, "\"><button type=\"submit\">Assign to me</button></form>");
	}
	html_raw(h, "<form method=\"post\" id=\"act-assign\" action=\"/captures/");
	html_url(h, id);
	html_raw(h, "/action\">");
	web_csrf_field(h, w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"assign\"><label>Assign to "
	            "<select name=\"assignee\" id=\"assignee-choice\"><option value=\"\">nobody"
	            "</option>");
	if (store_case_assignable(w->srv->store, school_id, assign_option, &o) < 0)
		log_warning("capture %s: the users who may have it could not be listed", id);
	html_raw(h, "</select></label><button type=\"submit\">Assign</button></form>");
}

static void close_form(struct html *h, struct web_ctx *w, const char *id)
{
	html_raw(h, "<form method=\"post\" id=\"act-close\" action=\"/captures/");
	html_url(h, id);
	html_raw(h, "/action\">");
	web_csrf_field(h, w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"close\"><label>Outcome "
	            "<select name=\"outcome\" id=\"outcome-choice\" required><option value=\"\">"
	            "choose…</option>");
	for (size_t i = 0; i < outcome_count(); i++) {
		html_option(h, outcome_at(i)->key, outcome_at(i)->words, false);
	}
	html_fmt(h,
	         "</select></label><label>Note (what was done; needed for Other) <textarea "
	         "id=\"outcome-note\" name=\"text\" rows=\"2\" cols=\"40\" maxlength=\"%d\">"
	         "</textarea></label><button type=\"submit\">Close with this outcome</button>"
	         "</form>",
	         NOTE_MAX);
}

void web_triage_forms(struct html *h, struct web_ctx *w, const char *id, int64_t school_id,
                      const char *status, const struct store_case *c)
{
	html_raw(h, "<section id=\"case-box\"><h2>Case</h2>");
	if (c->closed_ms) {
		html_raw(h, "<p>This capture is closed. Reopen it to change its status, who has it "
		            "or its outcome.</p><div class=\"actions\">");
		web_action_form(h, w, id, "reopen", "act-reopen", "Reopen", NULL);
		html_raw(h, "</div></section>");
		return;
	}
	html_raw(h, "<div class=\"actions\">");
	assign_forms(h, w, id, school_id, c);
	html_raw(h, "</div>");
	if (strcmp(status, "new") == 0)
		html_raw(h, "<p class=\"muted\" id=\"close-later\">Decide first (concern, escalate "
		            "or false positive); then record the outcome and close it.</p>");
	else
		close_form(h, w, id);
	html_raw(h, "</section>");
}

/* The actions below return 0 when stored (history and audit too), 1 when they answered
 * the request themselves (a refusal), or -errno. */

/* assign: the assignee must be allowed to see the capture's school. */
static int assign(struct web_ctx *w, const char *id, int64_t school_id)
{
	const char *who = web_field(w, "assignee");
	char text[160];
	int r;

	who = who ? who : "";
	if (*who && (r = store_case_may_have(w->srv->store, school_id, who)) < 0) {
		if (r != -ENOENT)
			return r;
		web_error(w, 400,
		          "That user may not see this school's captures: choose a moderator of "
		          "the school (or of every school) or its headteacher.");
		return 1;
	}
	if ((r = store_case_assign(w->srv->store, id, who, w->u.login, w->now)) < 0)
		return r;
	snprintf(text, sizeof(text), "to %s", *who ? who : "nobody");
	return web_decide(w, id, school_id, "assign", NULL, text);
}

static int close_case(struct web_ctx *w, const char *id, int64_t school_id, const char *status)
{
	const char *outcome = web_field(w, "outcome"), *note = web_field(w, "text");
	char text[NOTE_MAX + 128];
	int r;

	note = note ? note : "";
	if (strcmp(status, "new") == 0) {
		web_error(w, 409,
		          "Decide first (confirm, escalate or false positive), then close "
		          "the capture with its outcome.");
		return 1;
	}
	if (outcome_index(outcome) < 0) {
		web_error(w, 400, "Choose an outcome from the list.");
		return 1;
	}
	if (strlen(note) > NOTE_MAX || (!*note && strcmp(outcome, OUTCOME_OTHER) == 0)) {
		web_error(w, 400,
		          "The outcome Other needs a note saying what was done (up to 4000 "
		          "characters).");
		return 1;
	}
	if ((r = store_case_close(w->srv->store, id, outcome, note, w->u.login, w->now)) < 0)
		return r;
	snprintf(text, sizeof(text), "%s%s%s", outcome_words(outcome), *note ? " — " : "", note);
	return web_decide(w, id, school_id, "close", NULL, text);
}

enum web_triage web_triage_post(struct web_ctx *w, const char *id, int64_t school_id,
                                const char *status, const char *action)
{
	int r;

	if (strcmp(action, "assign") == 0)
		r = assign(w, id, school_id);
	else if (strcmp(action, "close") == 0)
		r = close_case(w, id, school_id, status);
	else if (strcmp(action, "reopen") == 0)
		r = store_case_reopen(w->srv->store, id)
		        ?: web_decide(w, id, school_id, "reopen", NULL, "");
	else
		return WEB_TRIAGE_NOT_MINE;
	if (r == -EALREADY) {
		web_error(w, 409,
		          strcmp(action, "reopen") == 0
		              ? "This capture is open already."
		              : "This capture is closed: reopen it first.");
		return WEB_TRIAGE_ANSWERED;
	}
	if (r < 0) {
		log_warning("web: %s of capture %s by %s failed: %s", action, id, w->u.login,
		            strerror(-r));
		web_error(w, 503, "The change could not be stored; try again.");
		return WEB_TRIAGE_ANSWERED;
	}
	return r == 1 ? WEB_TRIAGE_ANSWERED : WEB_TRIAGE_DONE;
}
