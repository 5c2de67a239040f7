/* web_admin.c: the admin's pages: /admin/ (index) and /admin/roster (the school's pupils,
 * and the upload of its MIS export). */
#include <errno.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts.h"
#include "audit.h"
#include "parse.h"
#include "roster.h"
#include "server.h"
#include "signin_totp.h"
#include "store_moderation.h"
#include "store_admin.h"
#include "store_alerts.h"
#include "store_digest.h"
#include "store_roster.h"
#include "store_totp.h"
#include "store_users.h"
#include "web.h"

struct school_pick {
	struct html *h;
	const char *chosen;
	char first[128];
};

static int school_option(const char *name, void *ud)
{
	struct school_pick *p = ud;

	if (!p->first[0])
		snprintf(p->first, sizeof(p->first), "%s", name);
	if (p->h) {
		html_raw(p->h, "<option");
		if (strcmp(name, p->chosen) == 0)
			html_raw(p->h, " selected");
		html_raw(p->h, ">");
		html_text(p->h, name);
		html_raw(p->h, "</option>");
	}
	return 0;
}

/* The school the page is about: the admin's own, or (an admin of every school) the one
 * asked for, else the first; "" when there is none. */
static void admin_school(struct web_ctx *w, const char *asked, char *out, size_t size)
{
	struct school_pick p = {.chosen = ""};

	if (w->u.school_id) {
		snprintf(out, size, "%s", w->u.school);
		return;
	}
	if (asked && *asked) {
		int64_t id;
		if (store_school_lookup(w->srv->store, asked, &id) == 0) {
			snprintf(out, size, "%s", asked);
			return;
		}
	}
	store_schools_list(w->srv->store, 0, school_option, &p);
	snprintf(out, size, "%s", p.first);
}

struct roster_table {
	struct html *h;
	int64_t current, leavers;
};

static int roster_row(const struct store_pupil_info *i, void *ud)
{
	struct roster_table *t = ud;
	struct html *h = t->h;

	if (i->current)
		t->current++;
	else
		t->leavers++;
	if (!i->current)
		return 0; /* leavers are counted, not listed */
	html_raw(h, "<tr><td>");
	html_text(h, i->p.login);
	html_raw(h, "</td><td>");
	html_text(h, i->p.given_name);
	html_raw(h, "</td><td>");
	html_text(h, i->p.family_name);
	html_raw(h, "</td><td>");
	html_text(h, i->p.preferred_name);
	html_raw(h, "</td><td>");
	html_text(h, i->p.year_group);
	html_raw(h, "</td><td>");
	html_text(h, i->p.reg_group);
	html_raw(h, "</td><td>");
	html_text(h, i->p.flags);
	html_raw(h, "</td></tr>");
	return 0;
}

/* The roster page: the result of an upload (message, ok), the form and the pupils. */
static void roster_page(struct web_ctx *w, const char *school, const char *message, bool ok,
                        int status)
{
	struct roster_table t = {0};
	struct school_pick pick = {.chosen = school};
	struct html h, rows;
	char line[96];

	html_init(&h);
	html_init(&rows);
	web_page_start(&h, w, "Roster");
	html_raw(&h, "<h1>Roster");
	if (*school) {
		html_raw(&h, ": ");
		html_text(&h, school);
	}
	html_raw(&h, "</h1>");
	if (message) {
		html_raw(&h, ok ? "<p class=\"ok\" id=\"roster-result\" role=\"status\">"
		                : "<p class=\"error\" id=\"roster-result\" role=\"alert\">");
		html_text(&h, message);
		html_raw(&h, "</p>");
	}
	html_raw(&h, "<p>Upload the school's pupils as exported from its MIS (CSV, UTF-8, a "
	             "header row). Vigil reads the columns <code>login, given_name, family_name, "
	             "preferred_name, year_group, reg_group, flags</code> (flags: "
	             "<code>" ROSTER_FLAG_NAMES "</code>); name the file's own headers under "
	             "<i>Columns</i>, e.g. <code>login=Username,year_group=Year</code>. A bad "
	             "row stops the upload and changes nothing; pupils missing from the file "
	             "become leavers.</p>");
	html_raw(&h, "<form method=\"post\" action=\"/admin/roster\" id=\"roster-form\">");
	web_csrf_field(&h, w);
	if (w->u.school_id) {
		html_raw(&h, "<input type=\"hidden\" name=\"school\" value=\"");
		html_text(&h, school);
		html_raw(&h, "\">");
	} else {
		html_raw(&h, "<label>School <select name=\"school\">");
		pick.h = &h;
		store_schools_list(w->srv->store, 0, school_option, &pick);
		html_raw(&h, "</select></label>");
	}
	html_raw(&h, "<label>File <input type=\"file\" id=\"roster-file\" accept=\".csv,text/csv\">"
	             "</label><input type=\"hidden\" name=\"filename\" id=\"roster-filename\" "
	             "value=\"roster.csv\">"
	             "<label>Columns <input type=\"text\" name=\"map\" size=\"60\" "
	             "placeholder=\"login=Username,year_group=Year,reg_group=Reg\"></label>"
	             "<label>Or paste the CSV<br><textarea name=\"csv\" id=\"roster-csv\" "
	             "rows=\"8\" cols=\"80\"></textarea></label>"
	             "<button type=\"submit\">Upload roster</button></form>");
	t.h = &rows;
	if (*school)
		store_roster_list(w->srv->store, school, roster_row, &t);
	snprintf(line, sizeof(line), "%lld current pupils, %lld leavers kept", (long long)t.current,
	         (long long)t.leavers);
	html_raw(&h, "<h2 id=\"roster-count\">");
	html_text(&h, line);
	html_raw(&h, "</h2><table id=\"roster\"><thead><tr><th>Login</th><th>Given name</th>"
	             "<th>Family name</th><th>Preferred</th><th>Year</th><th>Reg group</th>"
	             "<th>Flags</th></tr></thead><tbody>");
	{
		size_t len = 0;
		char *body = html_take(&rows, &len);
		if (body)
			html_raw(&h, body);
		free(body);
	}
	html_raw(&h, "</tbody></table>");
	web_page_end(&h);
	web_send(w, &h, status);
}

static void admin_index(struct web_ctx *w)
{
	struct html h;

	html_init(&h);
	web_page_start(&h, w, "Administration");
	html_raw(&h, "<h1>Administration</h1><ul><li><a href=\"/admin/roster\">Roster</a>: the "
	             "school's pupils, names, year and registration groups, flags</li>"
	             "<li><a href=\"/admin/users\">Users</a>: staff who sign in, their roles, "
	             "schools, e-mail addresses and passwords</li>"
	             "<li><a href=\"/admin/alerts\">Alerts</a>: the school's alert contacts, "
	             "threshold, hours and webhook, and a test e-mail</li></ul>");
	web_page_end(&h);
	web_send(w, &h, 200);
}

/* --- users ---------------------------------------------------------------------------- */

static const char *const roles[] = {"moderator", "headteacher", "technician", "admin"};

static void role_select(struct html *h, const char *name, const char *chosen)
{
	html_raw(h, "<select name=\"");
	html_raw(h, name);
	html_raw(h, "\">");
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		html_raw(h, strcmp(roles[i], chosen) == 0 ? "<option selected>" : "<option>");
		html_raw(h, roles[i]);
		html_raw(h, "</option>");
	}
	html_raw(h, "</select>");
}

/* The school field of a form: fixed for an admin of one school, a choice otherwise. */
static void school_field(struct html *h, struct web_ctx *w, const char *chosen)
{
	struct school_pick pick = {.h = h, .chosen = chosen};

	if (w->u.school_id) {
		html_raw(h, "<input type=\"hidden\" name=\"school\" value=\"");
		html_text(h, w->u.school);
		html_raw(h, "\">");
		return;
	}
	html_raw(h, "<select name=\"school\"><option value=\"\">(every school)</option>");
	store_schools_list(w->srv->store, 0, school_option, &pick);
	html_raw(h, "</select>");
}

struct users_table {
	struct html *h;
	struct web_ctx *w;
};

/* One small form of the users page, posting action about login. */
static void user_form(struct users_table *t, const char *login, const char *action,
                      const char *fields, const char *button)
{
	struct html *h = t->h;

	html_raw(h, "<form method=\"post\" action=\"/admin/users\" class=\"inline\">");
	web_csrf_field(h, t->w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"");
	html_raw(h, action);
	html_raw(h, "\"><input type=\"hidden\" name=\"login\" value=\"");
	html_text(h, login);
	html_raw(h, "\">");
	if (fields)
		html_raw(h, fields);
	html_raw(h, "<button type=\"submit\">");
	html_raw(h, button);
	html_raw(h, "</button></form>");
}

static int user_row(const struct store_user_row *u, void *ud)
{
	struct users_table *t = ud;
	struct html *h = t->h;

	html_raw(h, "<tr data-login=\"");
	html_text(h, u->login);
	html_raw(h, "\"><td>");
	html_text(h, u->login);
	html_raw(h, u->disabled ? " <span class=\"muted\">(disabled)</span>" : "");
	html_raw(h, "</td><td>");
	html_raw(h, "<form method=\"post\" action=\"/admin/users\" class=\"inline\">");
	web_csrf_field(h, t->w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"role\">"
	            "<input type=\"hidden\" name=\"login\" value=\"");
	html_text(h, u->login);
	html_raw(h, "\">");
	role_select(h, "role", u->role);
	school_field(h, t->w, u->school);
	html_raw(h, "<button type=\"submit\">Change</button></form></td><td>");
	html_raw(h, "<form method=\"post\" action=\"/admin/users\" class=\"inline\">");
	web_csrf_field(h, t->w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"email\">"
	            "<input type=\"hidden\" name=\"login\" value=\"");
	html_text(h, u->login);
	html_raw(h, "\"><input name=\"email\" type=\"email\" size=\"22\" value=\"");
	html_text(h, u->email);
	html_raw(h, "\"><button type=\"submit\">Set</button></form></td><td>");
	html_raw(h, u->totp ? "authenticator" : "—");
	html_raw(h, "</td><td>");
	user_form(t, u->login, "passwd",
	          "<input name=\"password\" type=\"password\" minlength=\"8\" size=\"12\" "
	          "autocomplete=\"new-password\" required>",
	          "Reset password");
	if (u->disabled)
		user_form(t, u->login, "enable", NULL, "Enable");
	else
		user_form(t, u->login, "disable", NULL, "Disable");
	user_form(t, u->login, "totp", NULL,
	          u->totp ? "New authenticator" : "Set up authenticator");
	if (u->totp && strcmp(u->role, "admin") != 0)
		user_form(t, u->login, "totp-off", NULL, "No authenticator");
	html_raw(h, "</td></tr>");
	return 0;
}

/* text as a QR code (libqrencode), an inline SVG of dark modules with a quiet zone. */
static void qr_svg(struct html *h, const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (!qr)
		return;
	html_fmt(h,
	         "<svg id=\"totp-qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	         "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\"><rect width=\"100%%\" "
	         "height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	         qr->width + 8, qr->width + 8, (qr->width + 8) * 5, (qr->width + 8) * 5);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				html_fmt(h, "M%d %dh1v1h-1z", x + 4, y + 4);
	html_raw(h, "\"/></svg>");
	QRcode_free(qr);
}

static void users_page_totp(struct web_ctx *w, const char *message, bool ok, int status,
                            const char *login, const char *uri, const char *secret);

static void users_page(struct web_ctx *w, const char *message, bool ok, int status)
{
	users_page_totp(w, message, ok, status, NULL, NULL, NULL);
}

static void users_page_totp(struct web_ctx *w, const char *message, bool ok, int status,
                            const char *login, const char *uri, const char *secret)
{
	struct users_table t = {.w = w};
	struct html h;

	html_init(&h);
	t.h = &h;
	web_page_start(&h, w, "Users");
	html_raw(&h, "<h1>Users");
	if (w->u.school_id) {
		html_raw(&h, ": ");
		html_text(&h, w->u.school);
	}
	html_raw(&h, "</h1>");
	if (message) {
		html_raw(&h, ok ? "<p class=\"ok\" id=\"admin-result\" role=\"status\">"
		                : "<p class=\"error\" id=\"admin-result\" role=\"alert\">");
		html_text(&h, message);
		html_raw(&h, "</p>");
	}
	if (uri) {
		html_raw(&h, "<section id=\"totp-new\"><h2>Authenticator for ");
		html_text(&h, login);
		html_raw(&h, "</h2><p>Scan this with the authenticator app (shown once, now), or "
		             "type the secret <code id=\"totp-secret\">");
		html_text(&h, secret);
		html_raw(&h, "</code>.</p>");
		qr_svg(&h, uri);
		html_raw(&h, "</section>");
	}
	html_raw(&h, "<h2>Add a user</h2><form method=\"post\" action=\"/admin/users\" "
	             "id=\"user-add\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"add\"><label>Login <input "
	             "name=\"login\" required maxlength=\"100\"></label><label>Role ");
	role_select(&h, "role", "moderator");
	html_raw(&h, "</label><label>School ");
	school_field(&h, w, "");
	html_raw(&h, "</label><label>E-mail <input name=\"email\" type=\"email\"></label>"
	             "<label>Password <input name=\"password\" type=\"password\" minlength=\"8\" "
	             "required autocomplete=\"new-password\"></label><button type=\"submit\">Add "
	             "user</button></form><p class=\"muted\">A new admin signs in with a code "
	             "from an authenticator app too: adding one shows the QR code to scan.</p>");
	html_raw(&h, "<h2>Users</h2><table id=\"users\"><thead><tr><th>Login</th><th>Role and "
	             "school</th><th>E-mail</th><th>Code</th><th></th></tr></thead><tbody>");
	store_users_list(w->srv->store, w->u.school_id, user_row, &t);
	html_raw(&h, "</tbody></table>");
	web_page_end(&h);
	web_send(w, &h, status);
}

/* An e-mail address as a header can carry it. */
static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr("<>,;\"", *s))
			return false;
	return true;
}

static bool login_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 100)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '/')
			return false;
	return true;
}

static void users_post(struct web_ctx *w)
{
	const char *action = web_field(w, "action"), *login = web_field(w, "login");
	const char *role = web_field(w, "role"), *school = web_field(w, "school");
	const char *email = web_field(w, "email"), *password = web_field(w, "password");
	char hash[crypto_pwhash_STRBYTES], msg[300], detail[300];
	struct store_user target;
	char *old = NULL;
	bool is_role = false;
	int r;

	if (!action || !login || !login_ok(login)) {
		users_page(w, "Give a login (up to 100 characters, no spaces or '/').", false, 400);
		return;
	}
	if (school && !*school)
		school = NULL;
	if (w->u.school_id)
		school = w->u.school; /* an admin of one school manages that school's users */
	for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++)
		is_role = is_role || strcmp(role, roles[i]) == 0;
	if (strcmp(action, "add") != 0) {
		r = store_user_find(w->srv->store, login, &target, &old);
		free(old);
		if (r == -ENOENT || (r == 0 && !web_sees_school(w, target.school_id)) ||
		    (r == 0 && w->u.school_id && target.school_id == 0)) {
			web_not_found(w);
			return;
		}
		if (r < 0) {
			web_error(w, 503, "The database is not available; try again shortly.");
			return;
		}
	}
	if (strcmp(action, "add") == 0 || strcmp(action, "passwd") == 0) {
		if (!password || strlen(password) < 8 || strlen(password) > 1024) {
			users_page(w, "A password has 8 characters or more; nothing changed.",
			           false, 400);
			return;
		}
		if (crypto_pwhash_str(hash, password, strlen(password),
		                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
		                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			web_error(w, 503, "Out of memory.");
			return;
		}
	}
	if ((strcmp(action, "add") == 0 || strcmp(action, "role") == 0) &&
	    (!is_role || (strcmp(role, "headteacher") == 0 && !school))) {
		users_page(w, "Choose a role (a headteacher needs a school); nothing changed.",
		           false, 400);
		return;
	}
	if (email && *email && !email_ok(email)) {
		users_page(w, "That is not an e-mail address; nothing changed.", false, 400);
		return;
	}
	if (strcmp(login, w->u.login) == 0 && strcmp(action, "email") != 0 &&
	    strcmp(action, "passwd") != 0 && strcmp(action, "totp") != 0) {
		users_page(w, "You cannot change your own role or access here; nothing changed.",
		           false, 400);
		return;
	}
	if (strcmp(action, "add") == 0) {
		r = w->srv->store->ops->user_add(w->srv->store, login, role, school, hash, w->now);
		if (r == 0 && email && *email)
			r = store_user_set_email(w->srv->store, login, email);
		/* An admin needs an authenticator: made now, its QR code shown once. */
		if (r == 0 && strcmp(role, "admin") == 0) {
			char secret[TOTP_SECRET_BUF], uri[512];
			if ((r = totp_secret_new(secret)) == 0 &&
			    (r = store_totp_set(w->srv->store, login, secret)) == 0) {
				snprintf(detail, sizeof(detail), "%s as admin%s%s", login,
				         school ? " of " : "", school ? school : "");
				audit_record(w->srv->store, w->u.login, w->u.school_id, "user-add",
				             NULL, detail);
				totp_uri(login, secret, uri, sizeof(uri));
				snprintf(msg, sizeof(msg),
				         "Done: add %.200s. Give them the authenticator "
				         "below.",
				         detail);
				users_page_totp(w, msg, true, 200, login, uri, secret);
				sodium_memzero(secret, sizeof(secret));
				return;
			}
		}
		snprintf(detail, sizeof(detail), "%s as %s%s%s", login, role, school ? " of " : "",
		         school ? school : "");
	} else if (strcmp(action, "disable") == 0) {
		r = store_user_disable(w->srv->store, login);
		snprintf(detail, sizeof(detail), "%s", login);
	} else if (strcmp(action, "enable") == 0) {
		r = store_user_enable(w->srv->store, login);
		snprintf(detail, sizeof(detail), "%s", login);
	} else if (strcmp(action, "passwd") == 0) {
		r = store_user_password_set(w->srv->store, login, hash);
		snprintf(detail, sizeof(detail), "%s", login);
	} else if (strcmp(action, "email") == 0) {
		r = store_user_set_email(w->srv->store, login, email && *email ? email : NULL);
		snprintf(detail, sizeof(detail), "%s: %s", login, email && *email ? email : "none");
	} else if (strcmp(action, "totp") == 0) {
		char secret[TOTP_SECRET_BUF], uri[512];
		if ((r = totp_secret_new(secret)) == 0)
			r = store_totp_set(w->srv->store, login, secret);
		if (r == 0) {
			audit_record(w->srv->store, w->u.login, w->u.school_id, "user-totp", NULL,
			             login);
			totp_uri(login, secret, uri, sizeof(uri));
			snprintf(msg, sizeof(msg),
			         "A new authenticator for %s: the old one no longer "
			         "signs in.",
			         login);
			users_page_totp(w, msg, true, 200, login, uri, secret);
			sodium_memzero(secret, sizeof(secret));
			return;
		}
		snprintf(detail, sizeof(detail), "%s", login);
	} else if (strcmp(action, "totp-off") == 0) {
		if (strcmp(target.role, "admin") == 0) {
			users_page(w, "An admin needs an authenticator; nothing changed.", false,
			           400);
			return;
		}
		r = store_totp_set(w->srv->store, login, NULL);
		snprintf(detail, sizeof(detail), "%s", login);
	} else if (strcmp(action, "role") == 0) {
		r = store_user_set_role(w->srv->store, login, role, school);
		snprintf(detail, sizeof(detail), "%s as %s%s%s", login, role, school ? " of " : "",
		         school ? school : "");
	} else {
		web_error(w, 400, "Unknown action.");
		return;
	}
	sodium_memzero(hash, sizeof(hash));
	if (r == -EEXIST || r == -ENOENT) {
		snprintf(msg, sizeof(msg),
		         r == -EEXIST ? "A user called %s exists already."
		                      : "No such user or school.",
		         login);
		users_page(w, msg, false, 400);
		return;
	}
	if (r < 0) {
		web_error(w, 503, "The database is not available; nothing changed.");
		return;
	}
	snprintf(msg, sizeof(msg), "user-%s", action);
	audit_record(w->srv->store, w->u.login, w->u.school_id, msg, NULL, detail);
	snprintf(msg, sizeof(msg), "Done: %.20s %.250s.", action, detail);
	users_page(w, msg, true, 200);
}

/* --- alerts --------------------------------------------------------------------------- */

static void number_field(struct html *h, const char *label, const char *name, int64_t v, int lo,
                         int hi)
{
	html_fmt(h,
	         "<label>%s <input name=\"%s\" type=\"number\" min=\"%d\" max=\"%d\" "
	         "value=\"%lld\"></label>",
	         label, name, lo, hi, (long long)v);
}

static void alerts_page(struct web_ctx *w, const char *school, const char *message, bool ok,
                        int status)
{
	struct store_alert_view v = {0};
	struct school_pick pick = {.chosen = school};
	int64_t id = 0;
	struct html h;
	char hours[96];

	html_init(&h);
	if (*school && store_school_lookup(w->srv->store, school, &id) == 0)
		store_alert_view_get(w->srv->store, id, &v);
	web_page_start(&h, w, "Alerts");
	html_raw(&h, "<h1>Alerts");
	if (*school) {
		html_raw(&h, ": ");
		html_text(&h, school);
	}
	html_raw(&h, "</h1>");
	if (!w->u.school_id) {
		html_raw(&h, "<form method=\"get\" action=\"/admin/alerts\" class=\"filters\">"
		             "<label>School <select name=\"school\">");
		pick.h = &h;
		store_schools_list(w->srv->store, 0, school_option, &pick);
		html_raw(&h, "</select></label><button type=\"submit\">Show</button></form>");
	}
	if (message) {
		html_raw(&h, ok ? "<p class=\"ok\" id=\"admin-result\" role=\"status\">"
		                : "<p class=\"error\" id=\"admin-result\" role=\"alert\">");
		html_text(&h, message);
		html_raw(&h, "</p>");
	}
	if (!v.contacts)
		html_raw(&h,
		         "<p class=\"error\" id=\"no-contacts\">No alert contact is set: urgent "
		         "captures and escalations tell nobody by e-mail.</p>");
	html_raw(&h, "<form method=\"post\" action=\"/admin/alerts\" id=\"alerts-form\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"save\">"
	             "<input type=\"hidden\" name=\"school\" value=\"");
	html_text(&h, school);
	html_raw(&h, "\"><label>Alert contacts (the DSL and deputy; one address a line)<br>"
	             "<textarea name=\"contacts\" rows=\"3\" cols=\"50\">");
	html_text(&h, v.contacts ? v.contacts : "");
	html_raw(&h, "</textarea></label><label>Escalation, in order, when nobody "
	             "acknowledges in school hours (one a line)<br><textarea name=\"escalate\" "
	             "rows=\"3\" cols=\"50\">");
	html_text(&h, v.escalate ? v.escalate : "");
	html_raw(&h, "</textarea></label>");
	number_field(&h, "Threshold (lowest severity that alerts)", "threshold", v.threshold, 1, 5);
	number_field(&h, "Minutes before escalation", "ack_minutes", v.ack_minutes, 1, 1440);
	snprintf(hours, sizeof(hours), "%02lld:%02lld-%02lld:%02lld", (long long)v.hours_start / 60,
	         (long long)v.hours_start % 60, (long long)v.hours_end / 60,
	         (long long)v.hours_end % 60);
	html_raw(&h, "<label>School hours <input name=\"hours\" pattern=\"[0-9]{2}:[0-9]{2}-[0-9]"
	             "{2}:[0-9]{2}\" value=\"");
	html_text(&h, hours);
	html_raw(&h,
	         "\"></label><label>Webhook (https:// URL, empty: none) <input name=\"webhook\" "
	         "type=\"url\" size=\"50\" value=\"");
	html_text(&h, v.webhook ? v.webhook : "");
	html_raw(&h, "\"></label><label>Technician (offline alarms) <input name=\"technician\" "
	             "type=\"email\" value=\"");
	html_text(&h, v.technician ? v.technician : "");
	html_raw(&h, "\"></label>");
	number_field(&h, "Lower threshold for flagged pupils (0: none)", "flag_threshold",
	             v.flag_threshold, 0, 5);
	html_raw(&h, "<label>Those flags (e.g. CP;CLA) <input name=\"flags\" value=\"");
	html_text(&h, v.flags ? v.flags : "");
	html_raw(&h, "\"></label><button type=\"submit\">Save</button></form>"
	             "<h2>Send a test e-mail</h2><form method=\"post\" action=\"/admin/alerts\" "
	             "id=\"alerts-test\">");
	web_csrf_field(&h, w);
	html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"test\">"
	             "<input type=\"hidden\" name=\"school\" value=\"");
	html_text(&h, school);
	html_raw(&h, "\"><label>To <input name=\"to\" type=\"email\" required></label><button "
	             "type=\"submit\">Send a test e-mail</button></form>");
	store_alert_view_free(&v);
	web_page_end(&h);
	web_send(w, &h, status);
}

/* Splits a textarea of addresses (one a line, or commas) into v: how many, -1 when one
 * is not an address. The strings point into buf, which is changed. */
static int addresses(char *buf, const char **v, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(buf, "\r\n, ", &save); t; t = strtok_r(NULL, "\r\n, ", &save)) {
		if (!email_ok(t) || n == max)
			return -1;
		v[n++] = t;
	}
	return n;
}

/* "08:00-16:30" as minutes after midnight. */
static int parse_hours(const char *s, int64_t *start, int64_t *end)
{
	unsigned int h1, m1, h2, m2;
	char tail;

	if (sscanf(s, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 > 23 || m1 > 59 ||
	    h2 > 24 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2)
		return -EINVAL;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return 0;
}

/* Whether the list ("cp, CLA", "CP;CLA") names flag, in any case. */
static bool flag_in(const char *list, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *s = list ? list : ""; *s;) {
		size_t len = strcspn(s, ",; ");
		if (len == n && strncasecmp(s, flag, n) == 0)
			return true;
		s += len;
		if (*s)
			s++;
	}
	return false;
}

static void alerts_post(struct web_ctx *w)
{
	const char *asked = web_field(w, "school"), *action = web_field(w, "action");
	char school[128], msg[400], err[256] = "", *cbuf = NULL, *ebuf = NULL;
	const char *contacts[16], *escalate[16];
	struct store_alert_view old = {0};
	struct store_alert_settings set = {0};
	int64_t id = 0, flag_threshold = 0;
	const char *webhook, *technician, *flags;
	int r;

	if (w->u.school_id && asked && strcmp(asked, w->u.school) != 0) {
		web_not_found(w);
		return;
	}
	admin_school(w, asked, school, sizeof(school));
	if (!*school || store_school_lookup(w->srv->store, school, &id) < 0) {
		web_not_found(w);
		return;
	}
	if (action && strcmp(action, "test") == 0) {
		const char *to = web_field(w, "to");
		char mid[384];
		if (!to || !email_ok(to)) {
			alerts_page(w, school, "Give an address to send the test to.", false, 400);
			return;
		}
		alerts_message_id(w->srv->cfg, 0, NULL, mid, sizeof(mid));
		r = alerts_smtp_send(
		    w->srv->cfg, to, "[Vigil] Test message",
		    "This is a test of Vigil's alert e-mail. Nothing happened.\r\n", mid, err,
		    sizeof(err));
		snprintf(msg, sizeof(msg), "%s %s", r < 0 ? "failed:" : "sent to",
		         r < 0 ? err : to);
		audit_record(w->srv->store, w->u.login, id, "alert-test", NULL, msg);
		snprintf(msg, sizeof(msg),
		         r < 0 ? "The test e-mail could not be sent: %s"
		               : "A test e-mail was sent to %s.",
		         r < 0 ? err : to);
		alerts_page(w, school, msg, r == 0, r < 0 ? 502 : 200);
		return;
	}
	if (!action || strcmp(action, "save") != 0) {
		web_error(w, 400, "Unknown action.");
		return;
	}
	cbuf = strdup(web_field(w, "contacts") ? web_field(w, "contacts") : "");
	ebuf = strdup(web_field(w, "escalate") ? web_field(w, "escalate") : "");
	webhook = web_field(w, "webhook");
	technician = web_field(w, "technician");
	flags = web_field(w, "flags");
	set.threshold = 5;
	set.ack_minutes = 15;
	msg[0] = '\0';
	if (!cbuf || !ebuf)
		snprintf(msg, sizeof(msg), "Out of memory.");
	else if ((set.ncontacts = addresses(cbuf, contacts, 16)) < 0 ||
	         (set.nescalate = addresses(ebuf, escalate, 16)) < 0)
		snprintf(msg, sizeof(msg), "A contact is not an e-mail address (at most 16).");
	else if (parse_int64(web_field(w, "threshold") ? web_field(w, "threshold") : "", 1, 5,
	                     &set.threshold) < 0 ||
	         parse_int64(web_field(w, "ack_minutes") ? web_field(w, "ack_minutes") : "", 1,
	                     1440, &set.ack_minutes) < 0 ||
	         parse_int64(web_field(w, "flag_threshold") ? web_field(w, "flag_threshold") : "0",
	                     0, 5, &flag_threshold) < 0)
		snprintf(msg, sizeof(msg), "The threshold is 1 to 5, minutes 1 to 1440.");
	else if (parse_hours(web_field(w, "hours") ? web_field(w, "hours") : "", &set.hours_start,
	                     &set.hours_end) < 0)
		snprintf(msg, sizeof(msg), "School hours are HH:MM-HH:MM.");
	else if (webhook && *webhook && strncmp(webhook, "https://", 8) != 0 &&
	         strncmp(webhook, "http://", 7) != 0)
		snprintf(msg, sizeof(msg), "The webhook is an http(s):// URL.");
	else if (technician && *technician && !email_ok(technician))
		snprintf(msg, sizeof(msg), "The technician's address is not an e-mail address.");
	else if (flag_threshold && (!flags || !*flags))
		snprintf(msg, sizeof(msg), "A lower threshold needs the flags it is for.");
	if (msg[0]) {
		free(cbuf);
		free(ebuf);
		alerts_page(w, school, msg, false, 400);
		return;
	}
	set.contacts = contacts;
	set.escalate = escalate;
	set.webhook = webhook && *webhook ? webhook : NULL;
	set.technician = technician && *technician ? technician : NULL;
	/* The webhook's secret file is the command line's to set; a changed URL drops it. */
	if (store_alert_view_get(w->srv->store, id, &old) == 0 && old.webhook && set.webhook &&
	    strcmp(old.webhook, set.webhook) == 0)
		set.secret_file = old.secret_file;
	{
		char canon[64] = "";
		size_t len = 0;
		static const char *const names[] = {"SEN", "EHCP", "CLA", "CP", "CIN", "EAL", "PP"};
		for (size_t i = 0; i < 7 && flag_threshold; i++)
			if (flag_in(flags, names[i]))
				len += (size_t)snprintf(canon + len, sizeof(canon) - len, "%s%s",
				                        len ? ";" : "", names[i]);
		r = store_alert_settings_replace(w->srv->store, id, &set);
		if (r == 0)
			r = store_alert_flag_threshold_set(w->srv->store, id,
			                                   len ? flag_threshold : 0, canon);
	}
	store_alert_view_free(&old);
	free(cbuf);
	free(ebuf);
	if (r < 0) {
		web_error(w, 503, "The database is not available; nothing changed.");
		return;
	}
	snprintf(msg, sizeof(msg),
	         "%d contacts, %d escalation, threshold %lld, hours %s, webhook %s", set.ncontacts,
	         set.nescalate, (long long)set.threshold, web_field(w, "hours"),
	         set.webhook ? "set" : "none");
	audit_record(w->srv->store, w->u.login, id, "alert-settings", NULL, msg);
	alerts_page(w, school, "Saved.", true, 200);
}

void web_admin_get(void *ctx, struct http_request *req, struct http_response *resp)
{
	const char *path = http_request_path(req);
	struct web_ctx w;
	char school[128];

	if (web_begin(ctx, req, resp, WEB_ADMIN, &w) < 0)
		goto out;
	if (strcmp(path, "/admin/") == 0 || strcmp(path, "/admin") == 0) {
		admin_index(&w);
	} else if (strcmp(path, "/admin/roster") == 0) {
		admin_school(&w, web_arg(&w, "school"), school, sizeof(school));
		roster_page(&w, school, NULL, false, 200);
	} else if (strcmp(path, "/admin/users") == 0) {
		users_page(&w, NULL, false, 200);
	} else if (strcmp(path, "/admin/alerts") == 0) {
		admin_school(&w, web_arg(&w, "school"), school, sizeof(school));
		alerts_page(&w, school, NULL, false, 200);
	} else {
		web_not_found(&w);
	}
out:
	web_end(&w);
}

/* A file name for messages: the upload's own, as the browser gave it, or "roster.csv". */
static void upload_name(const char *given, char *out, size_t size)
{
	size_t n = 0;

	for (const char *s = given ? given : ""; *s && n + 1 < size && n < 80; s++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f && *s != '/' && *s != '\\')
			out[n++] = *s;
	out[n] = '\0';
	if (!n)
		snprintf(out, size, "roster.csv");
}

void web_admin_post(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct store_roster_counts c;
	struct web_ctx w;
	const char *csv, *asked;
	char school[128], name[96], err[512], msg[600];
	int r;

	if (web_begin(ctx, req, resp, WEB_ADMIN, &w) < 0)
		goto out;
	if (strcmp(http_request_path(req), "/admin/users") == 0) {
		users_post(&w);
		goto out;
	}
	if (strcmp(http_request_path(req), "/admin/alerts") == 0) {
		alerts_post(&w);
		goto out;
	}
	if (strcmp(http_request_path(req), "/admin/roster") != 0) {
		web_not_found(&w);
		goto out;
	}
	asked = web_field(&w, "school");
	if (w.u.school_id && asked && strcmp(asked, w.u.school) != 0) {
		web_not_found(&w); /* another school's roster: not the admin's to change */
		goto out;
	}
	admin_school(&w, asked, school, sizeof(school));
	if (!*school || (asked && *asked && strcmp(asked, school) != 0)) {
		web_not_found(&w);
		goto out;
	}
	csv = web_field(&w, "csv");
	upload_name(web_field(&w, "filename"), name, sizeof(name));
	if (!csv || !*csv) {
		roster_page(&w, school, "Choose a file or paste the CSV first; nothing changed.",
		            false, 400);
		goto out;
	}
	r = roster_import(w.srv, w.u.login, school, name, csv, strlen(csv), web_field(&w, "map"),
	                  &c, err, sizeof(err));
	if (r == -EINVAL || r == -ENOENT) {
		snprintf(msg, sizeof(msg), "%s — nothing changed.", err);
		roster_page(&w, school, msg, false, 400);
	} else if (r < 0) {
		web_error(&w, 503,
		          "The database is not available; nothing changed. Try again "
		          "shortly.");
	} else {
		snprintf(msg, sizeof(msg),
		         "Roster updated: %lld added, %lld updated, %lld left, "
		         "%lld unchanged.",
		         (long long)c.added, (long long)c.updated, (long long)c.left,
		         (long long)c.unchanged);
		roster_page(&w, school, msg, true, 200);
	}
out:
	web_end(&w);
}
