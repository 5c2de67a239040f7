/* web_listedit.c: one phrase list on its page: the numbered editor, its history, a diff. */
#include "web_listedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "linediff.h"
#include "localzone.h"
#include "log.h"
#include "parse.h"
#include "server.h"
#include "store_lists.h"
#include "web.h"
#include "web_served.h"

#define HISTORY_ROWS 50
#define DIFF_CONTEXT 3  /* unchanged lines shown around a change */
#define LINE_PX      18 /* the editor's line height (.gutter, .lines in the page's style) */

/* The editor's looks: numbers and text on the same 18-pixel lines; a marked line has a
 * band behind its text. */
static const char editor_style[] =
    "<style>.editor{display:flex;align-items:stretch;max-width:100%}"
    ".gutter,.lines textarea,.lines pre{font:13px/18px monospace;margin:0;padding:4px 6px;"
    "border:1px solid #bbb;box-sizing:content-box}"
    ".gutter{text-align:right;color:#777;background:#eee;border-right:0;user-select:none;"
    "min-width:2.5em}.gutter span{display:block}.gutter .bad{background:#c00;color:#fff}"
    ".lines{position:relative;flex:1;min-width:0}.lines textarea,.lines pre{display:block;"
    "width:calc(100% - 14px);background:transparent;position:relative;white-space:pre;"
    "overflow-x:auto;resize:vertical}.band{position:absolute;left:0;right:0;height:18px;"
    "background:#fdd}.band span{float:right;color:#a00;font:italic 12px/18px sans-serif;"
    "padding:0 1.5em 0 .5em}ul.msgs a{font-family:monospace}"
    "table.diff td{font:13px/18px monospace;padding:0 .4em;border:0;white-space:pre-wrap}"
    "table.diff td.ln{color:#777;text-align:right;width:3em}tr.del{background:#fdd}"
    "tr.add{background:#dfd}tr.skip td{color:#777;font-style:italic}"
    "#history form{display:inline}</style>";

size_t web_list_msg_line(const char *msg, const char *file)
{
	size_t flen = strlen(file);
	char num[16];
	const char *colon;
	int64_t line;

	if (strncmp(msg, file, flen) != 0 || msg[flen] != ':' ||
	    !(colon = strchr(msg + flen + 1, ':')) ||
	    (size_t)(colon - msg - flen - 1) >= sizeof(num))
		return 0;
	memcpy(num, msg + flen + 1, (size_t)(colon - msg - flen - 1));
	num[colon - msg - flen - 1] = '\0';
	return parse_int64(num, 1, INT32_MAX, &line) == 0 ? (size_t)line : 0;
}

static size_t count_lines(const char *t, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += t[i] == '\n';
	return n + (len && t[len - 1] != '\n');
}

/* The first message of msgs about line of v->file, or NULL. */
static const char *msg_at(const struct web_list_view *v, size_t line)
{
	for (size_t i = 0; v->msgs && i < v->msgs->n; i++)
		if (web_list_msg_line(v->msgs->v[i], v->file) == line)
			return v->msgs->v[i];
	return NULL;
}

/* The messages of a refused save, those about this file linked to their lines. */
static void messages(struct html *h, const struct web_list_view *v)
{
	if (!v->msgs || !v->msgs->n)
		return;
	html_raw(h, "<ul class=\"msgs error\" id=\"line-errors\">");
	for (size_t i = 0; i < v->msgs->n; i++) {
		size_t line = web_list_msg_line(v->msgs->v[i], v->file);
		html_raw(h, "<li>");
		if (line)
			html_fmt(h, "<a href=\"#L%zu\">", line);
		html_text(h, v->msgs->v[i]);
		html_raw(h, line ? "</a></li>" : "</li>");
	}
	html_raw(h, "</ul>");
}

void web_list_editor(struct html *h, struct web_ctx *w, const struct web_list_view *v)
{
	size_t n = count_lines(v->text, v->len), bad = 0;
	const char *m;

	html_raw(h, editor_style);
	html_raw(h, "<h2 id=\"editor-h\">");
	html_raw(h, v->readonly ? "" : "Edit ");
	html_text(h, v->file);
	html_raw(h, v->readonly ? " (shared; read only)</h2>" : "</h2>");
	messages(h, v);
	if (!v->readonly) {
		html_raw(h, "<form method=\"post\" action=\"/wordlists\" id=\"edit-form\">");
		web_csrf_field(h, w);
		html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"save\">"
		            "<input type=\"hidden\" name=\"file\" value=\"");
		html_text(h, v->file);
		html_raw(h, "\">");
	}
	html_raw(h,
	         "<div class=\"editor\"><pre class=\"gutter\" id=\"gutter\" aria-hidden=\"true\">");
	for (size_t i = 1; i <= (n ? n : 1); i++) {
		m = msg_at(v, i);
		html_fmt(h, "<span id=\"L%zu\"%s", i, m ? " class=\"bad\" title=\"" : ">");
		if (m) {
			html_text(h, m);
			html_raw(h, "\">");
		}
		html_fmt(h, "%zu</span>", i);
	}
	html_raw(h, "</pre><div class=\"lines\">");
	for (size_t i = 1; i <= n; i++) { /* behind the line: a band, the message at its end */
		const char *msg = msg_at(v, i), *text = msg ? strstr(msg, ": ") : NULL;
		if (!msg)
			continue;
		html_fmt(h, "<div class=\"band\" style=\"top:%zupx\"><span>",
		         5 + (i - 1) * LINE_PX);
		html_text(h, text ? text + 2 : msg);
		html_raw(h, "</span></div>");
	}
	if (v->readonly) {
		html_raw(h, "<pre id=\"shared-text\">");
		html_textn(h, v->text, v->len);
		html_raw(h, "</pre></div></div>");
		return;
	}
	html_fmt(h,
	         "<textarea id=\"list-text\" name=\"text\" rows=\"%zu\" cols=\"90\" wrap=\"off\" "
	         "spellcheck=\"false\" data-bad=\"",
	         n + 1);
	for (size_t i = 1; i <= n; i++)
		if (msg_at(v, i))
			html_fmt(h, "%s%zu", bad++ ? " " : "", i);
	html_raw(h, "\">");
	html_textn(h, v->text, v->len);
	html_raw(h,
	         "</textarea></div></div><button type=\"submit\">Check and save</button></form>");
}

struct history {
	struct html *h;
	const struct web_list_view *v;
	struct web_ctx *w;
	int rows;
};

static int history_row(const struct store_list_version *s, void *ud)
{
	struct history *hi = ud;
	struct html *h = hi->h;
	const struct web_list_view *v = hi->v;
	char when[32];

	hi->rows++;

	web_time(s->saved_ms, when, sizeof(when));
	html_fmt(h, "<tr id=\"v%lld\"><td>%lld</td><td>", (long long)s->id, (long long)s->id);
	html_text(h, when);
	html_raw(h, "</td><td>");
	html_text(h, s->author);
	html_raw(h, "</td><td>");
	if (strcmp(s->action, "rollback") == 0)
		html_fmt(h, "rolled back to version %lld", (long long)s->restored);
	else if (strcmp(s->action, "before") == 0)
		html_raw(h, "the text before the first save here");
	else if (strcmp(s->action, "delete") == 0)
		html_raw(h, "deleted");
	else
		html_raw(h, "saved");
	html_raw(h, "</td><td><a href=\"/wordlists?file=");
	html_url(h, v->file);
	html_fmt(h,
	         "&amp;diff=%lld#diff\">changes since</a> <form method=\"post\" "
	         "action=\"/wordlists\" class=\"rollback\">",
	         (long long)s->id);
	web_csrf_field(h, hi->w);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"rollback\">"
	            "<input type=\"hidden\" name=\"file\" value=\"");
	html_text(h, v->file);
	html_fmt(h,
	         "\"><input type=\"hidden\" name=\"version\" value=\"%lld\"><button "
	         "type=\"submit\">Roll back to version %lld</button></form></td></tr>",
	         (long long)s->id, (long long)s->id);
	return 0;
}

void web_list_history(struct html *h, struct web_ctx *w, const struct web_list_view *v)
{
	struct history hi = {h, v, w, 0};
	int r;

	if (v->readonly)
		return;
	html_raw(h, "<h2 id=\"history-h\">History of ");
	html_text(h, v->file);
	html_raw(h, "</h2><table id=\"history\"><thead><tr><th>Version</th><th>");
	web_time_heading(h, "Saved");
	html_raw(h, "</th><th>By</th><th>What</th><th></th></tr></thead><tbody>");
	r = store_list_versions(w->srv->store, v->school_id, v->file, HISTORY_ROWS, history_row,
	                        &hi);
	html_raw(h, "</tbody></table>");
	if (r < 0)
		html_raw(h,
		         "<p class=\"error\">The history is not available; try again shortly.</p>");
	else if (hi.rows == 0)
		html_raw(h,
		         "<p id=\"no-history\">No saved version yet: the history starts with the "
		         "first save on this page.</p>");
}

struct version_copy {
	char *body;
	char author[128];
	int64_t saved_ms;
	int found, deleted;
};

static int version_copy(const struct store_list_version *s, void *ud)
{
	struct version_copy *c = ud;

	c->found = 1;
	c->deleted = !s->body;
	c->body = s->body ? strdup(s->body) : NULL;
	c->saved_ms = s->saved_ms;
	snprintf(c->author, sizeof(c->author), "%s", s->author);
	return 0;
}

/* The diff's lines, runs of unchanged ones beyond DIFF_CONTEXT of a change folded. */
static void diff_rows(struct html *h, const struct linediff_line *d, size_t n)
{
	size_t i = 0, j, k;

	while (i < n) {
		for (j = i; j < n && d[j].op == LINEDIFF_SAME; j++)
			;
		/* d[i..j) unchanged: show DIFF_CONTEXT after a change and before the next */
		size_t head = i == 0 ? 0 : DIFF_CONTEXT, tail = j == n ? 0 : DIFF_CONTEXT;
		for (k = i; k < j; k++) {
			if (j - i > head + tail + 1 && k == i + head) {
				html_raw(h, "<tr class=\"skip\"><td></td><td></td><td>… ");
				web_count(h, (int64_t)(j - i - head - tail), "unchanged line",
				          "unchanged lines");
				html_raw(h, "</td></tr>");
				k = j - tail - 1;
				continue;
			}
			html_fmt(h, "<tr><td class=\"ln\">%zu</td><td class=\"ln\">%zu</td><td>  ",
			         d[k].old_no, d[k].new_no);
			html_textn(h, d[k].text, d[k].len);
			html_raw(h, "</td></tr>");
		}
		for (i = j; i < n && d[i].op != LINEDIFF_SAME; i++) {
			bool del = d[i].op == LINEDIFF_DEL;
			html_raw(h,
			         del ? "<tr class=\"del\"><td class=\"ln\">"
			             : "<tr class=\"add\"><td class=\"ln\"></td><td class=\"ln\">");
			html_fmt(h, "%zu</td>", del ? d[i].old_no : d[i].new_no);
			html_raw(h, del ? "<td class=\"ln\"></td><td>- " : "<td>+ ");
			html_textn(h, d[i].text, d[i].len);
			html_raw(h, "</td></tr>");
		}
	}
}

void web_list_diff(struct html *h, struct web_ctx *w, const struct web_list_view *v)
{
	struct version_copy c = {0};
	struct linediff_line *d = NULL;
	size_t n = 0, dels = 0, adds = 0;
	char when[32];
	int r;

	if (v->readonly || v->diff <= 0)
		return;
	html_raw(h, "<section id=\"diff\">");
	r = store_list_version_get(w->srv->store, v->school_id, v->file, v->diff, version_copy, &c);
	if (r < 0 || (!c.deleted && !c.body) ||
	    linediff(c.body ? c.body : "", c.body ? strlen(c.body) : 0, v->saved ? v->saved : "",
	             v->saved ? v->saved_len : 0, &d, &n) < 0) {
		html_fmt(h,
		         "<p class=\"error\">There is no version %lld of this list.</p></section>",
		         (long long)v->diff);
		free(c.body);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		dels += d[i].op == LINEDIFF_DEL;
		adds += d[i].op == LINEDIFF_ADD;
	}
	web_time(c.saved_ms, when, sizeof(when));
	html_fmt(h, "<h2>Changes from version %lld (", (long long)v->diff);
	html_text(h, when);
	if (strcmp(c.author, "(on disk)") == 0) {
		html_raw(h, ", the text on disk before the first save");
	} else {
		html_raw(h, ", by ");
		html_text(h, c.author);
	}
	html_raw(h, ") to the list now</h2><p id=\"diff-summary\">");
	if (dels + adds == 0) {
		html_raw(h, "No change: the list now is that version.");
	} else {
		web_count(h, (int64_t)dels, "line removed", "lines removed");
		html_raw(h, ", ");
		web_count(h, (int64_t)adds, "line added", "lines added");
		html_raw(h, ".");
	}
	html_raw(h, "</p><table class=\"diff\"><thead><tr><th>Then</th><th>Now</th><th></th></tr>"
	            "</thead><tbody>");
	diff_rows(h, d, n);
	html_raw(h, "</tbody></table></section>");
	free(d);
	free(c.body);
}
