/* web_admin.c: the admin's pages: /admin/ (index) and /admin/roster (the school's pupils,
 * and the upload of its MIS export). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"
#include "server.h"
#include "store_moderation.h"
#include "store_roster.h"
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
	             "school's pupils, names, year and registration groups, flags</li></ul>");
	web_page_end(&h);
	web_send(w, &h, 200);
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
