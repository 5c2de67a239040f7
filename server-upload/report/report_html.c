/* report_html.c: the weekly report as an HTML page and as CSV, and writing it to a file. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blobs.h"
#include "localzone.h"
#include "report.h"

static void minutes(struct html *h, double m)
{
	char buf[32];

	report_duration(m, buf, sizeof(buf));
	html_raw(h, buf);
}

static void thumbnail(struct html *h, const struct report_item *it, struct blobs *blobs)
{
	void *png;
	size_t len, cap;
	char *b64;

	if (it->hidden) {
		html_raw(h, "<em>image hidden (referred)</em>");
		return;
	}
	if (!blobs) {
		html_raw(h, "<a href=\"/captures/");
		html_url(h, it->id);
		html_raw(
		    h, "\"><img class=\"thumb\" alt=\"screenshot\" width=\"240\" src=\"/captures/");
		html_url(h, it->id);
		html_raw(h, "/image\"></a>");
		return;
	}
	if (blobs_get(blobs, it->sha, &png, &len) < 0) {
		html_raw(h, "<em>image not available</em>");
		return;
	}
	cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(cap);
	if (b64) {
		sodium_bin2base64(b64, cap, png, len, sodium_base64_VARIANT_ORIGINAL);
		html_raw(h, "<img class=\"thumb\" alt=\"screenshot\" width=\"240\" "
		            "src=\"data:image/png;base64,");
		html_raw(h, b64);
		html_raw(h, "\">");
	}
	free(b64);
	free(png);
}

/* Who decided what on a concern, and their notes, oldest first. */
static void decisions(struct html *h, const struct report_item *it)
{
	char when[40];

	if (!it->ndecisions)
		return;
	html_raw(h, "<ul class=\"decisions\">");
	for (int i = 0; i < it->ndecisions; i++) {
		const struct report_decision *e = &it->decisions[i];
		localzone_format(e->time, "%a %d %b %H:%M", when, sizeof(when));
		html_raw(h, "<li>");
		html_text(h, when);
		html_raw(h, " · ");
		html_text(h, e->login);
		html_raw(h, ": <strong>");
		html_text(h, e->action);
		html_raw(h, "</strong>");
		if (*e->text) {
			html_raw(h, " — ");
			html_text(h, e->text);
		}
		html_raw(h, "</li>");
	}
	if (it->more_decisions)
		html_fmt(h, "<li>… and %d more on the capture page.</li>", it->more_decisions);
	html_raw(h, "</ul>");
}

static void counts_table(const struct report *r, struct html *h)
{
	html_raw(h, "<h2>Captures by category and severity</h2><p class=\"note\">A capture counts "
	            "under every category it has a hit in, at its highest severity there, so "
	            "the categories can add up to more than All, which counts each capture "
	            "once.</p><table id=\"counts\"><thead><tr>"
	            "<th>Category</th><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th>"
	            "<th>Total</th></tr></thead><tbody>");
	for (int c = 0; c < r->ncats; c++) {
		long sum = 0;
		html_raw(h, "<tr><th>");
		html_text(h, r->cats[c]);
		html_raw(h, "</th>");
		for (int s = 1; s <= 5; s++) {
			html_fmt(h, "<td>%ld</td>", r->by_cat_sev[c][s]);
			sum += r->by_cat_sev[c][s];
		}
		html_fmt(h, "<td>%ld</td></tr>", sum);
	}
	html_raw(h, "</tbody><tfoot><tr><th>All</th>");
	for (int s = 1; s <= 5; s++)
		html_fmt(h, "<td>%ld</td>", r->by_sev[s]);
	html_fmt(h, "<td id=\"total\">%ld</td></tr></tfoot></table>", r->total);
}

/* A user's name; on the web (school given) a link to the pupil's timeline. */
static void pupil(struct html *h, const char *school, const char *user)
{
	if (!school) {
		html_text(h, user);
		return;
	}
	html_raw(h, "<a class=\"pupil\" href=\"/pupils/");
	html_url(h, school);
	html_raw(h, "/");
	html_url(h, user);
	html_raw(h, "\">");
	html_text(h, user);
	html_raw(h, "</a>");
}

/* The most-concerning names; pupils (school given) link to their timelines. */
static void top_table(struct html *h, const char *title, const char *id,
                      const struct report_count *v, int n, const char *school)
{
	html_raw(h, "<div class=\"top\"><h3>");
	html_raw(h, title);
	html_raw(h, "</h3><table id=\"");
	html_raw(h, id);
	html_raw(h, "\"><tr><th>Name</th><th>Concerns</th><th>Captures</th></tr>");
	for (int i = 0; i < n; i++) {
		html_raw(h, "<tr><td>");
		pupil(h, school, v[i].name);
		html_fmt(h, "</td><td>%ld</td><td>%ld</td></tr>", v[i].concerns, v[i].captures);
	}
	html_raw(h, "</table></div>");
}

/* The captures closed this week, by the outcome recorded when they were closed. */
static void closed_table(const struct report *r, struct html *h)
{
	html_raw(h, "<h2>Closed this week</h2><p id=\"closed\">");
	if (!r->closed) {
		html_raw(h, "No capture was closed this week.</p>");
		return;
	}
	html_fmt(h, "%ld %s closed this week (whenever %s taken), by outcome:</p>", r->closed,
	         report_plural(r->closed, "capture", "captures"),
	         report_plural(r->closed, "it was", "they were"));
	html_raw(h, "<table id=\"outcomes\"><tr><th>Outcome</th><th>Captures</th></tr>");
	for (int i = 0; i < r->noutcomes; i++) {
		html_raw(h, "<tr><td>");
		html_text(h, r->outcomes[i].name);
		html_fmt(h, "</td><td>%ld</td></tr>", r->outcomes[i].captures);
	}
	html_raw(h, "</table>");
}

void report_html(const struct report *r, struct blobs *blobs, struct html *h, bool page)
{
	if (page) {
		html_raw(h,
		         "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
		html_text(h, r->school);
		html_raw(h, " – weekly safeguarding report ");
		html_text(h, r->week);
		html_raw(h,
		         "</title><style>body{font:14px/1.4 sans-serif;margin:2em}"
		         "table{border-collapse:collapse}th,td{padding:.2em .6em;border-bottom:1px "
		         "solid #ccc;text-align:left}</style></head><body>");
	}
	html_raw(h, "<article class=\"report\"><h1>Weekly safeguarding report: ");
	html_text(h, r->school);
	html_raw(h, ", week ");
	html_text(h, r->week);
	html_raw(h, "</h1><p class=\"muted\">For the headteacher and the designated safeguarding "
	            "lead. Captures are what the monitoring flagged; only moderated concerns are "
	            "incidents. Times are ");
	html_text(h, localzone_name());
	html_raw(h, ".</p>");
	html_fmt(h,
	         "<p id=\"summary\"><strong>%ld</strong> %s this week: <strong>%ld</strong> "
	         "confirmed or escalated %s, %ld false %s, %ld not yet moderated.</p>",
	         r->total, report_plural(r->total, "capture", "captures"), r->concerns,
	         report_plural(r->concerns, "concern", "concerns"), r->false_positives,
	         report_plural(r->false_positives, "positive", "positives"), r->pending);
	counts_table(r, h);
	html_raw(h, "<h2>The last 12 weeks</h2>");
	report_svg(r, h);
	html_raw(h, "<h2>Users and machines with most concerns</h2>");
	top_table(h, "Users", "top-users", r->users, r->nusers, page ? NULL : r->school);
	top_table(h, "Machines", "top-machines", r->machines, r->nmachines, NULL);
	if (r->nyears) {
		html_raw(h, "<h2>By year group</h2>");
		top_table(h, "Captures and concerns by the pupil's year group", "by-year", r->years,
		          r->nyears, NULL);
	}
	html_raw(h, "<h2>Moderation times</h2><p id=\"moderation\">");
	if (r->decided) {
		html_fmt(h, "%ld %s decided; from capture to first decision: median ", r->decided,
		         report_plural(r->decided, "capture", "captures"));
		minutes(h, r->median_minutes);
		html_raw(h, ", 90th percentile ");
		minutes(h, r->p90_minutes);
		html_raw(h, ".");
	} else {
		html_raw(h, "No capture of this week has been decided yet.");
	}
	html_raw(h, "</p>");
	closed_table(r, h);
	html_raw(h, "<h2>Confirmed concerns</h2>");
	if (!r->nconfirmed)
		html_raw(h, "<p>None this week.</p>");
	html_raw(h, "<table id=\"confirmed\">");
	for (int i = 0; i < r->nconfirmed; i++) {
		const struct report_item *it = &r->confirmed[i];
		char when[40];
		localzone_format(it->time, "%a %d %b %H:%M", when, sizeof(when));
		html_raw(h, "<tr><td>");
		thumbnail(h, it, blobs);
		html_raw(h, "</td><td><strong>");
		html_text(h, it->category);
		html_fmt(h, "</strong> (severity %d, ", it->severity);
		html_text(h, it->status);
		html_raw(h, ")<br>");
		html_text(h, when);
		html_raw(h, " · ");
		html_text(h, it->machine);
		html_raw(h, " · ");
		pupil(h, page ? NULL : r->school, it->user);
		html_raw(h, "<br><q>");
		html_text(h, it->context);
		html_raw(h, "</q>");
		decisions(h, it);
		html_raw(h, "</td></tr>");
	}
	html_raw(h, "</table></article>");
	if (page)
		html_raw(h, "</body></html>\n");
}

/* A CSV field: quoted, with quotes doubled (names may hold commas). */
static void csv_field(struct html *h, const char *s)
{
	html_raw(h, "\"");
	for (; *s; s++)
		html_rawn(h, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	html_raw(h, "\"");
}

void report_csv(const struct report *r, struct html *h)
{
	html_raw(h, "school,week,category,severity,captures\r\n");
	for (int c = 0; c < r->ncats; c++) {
		for (int s = 1; s <= 5; s++) {
			if (!r->by_cat_sev[c][s])
				continue;
			csv_field(h, r->school);
			html_raw(h, ",");
			csv_field(h, r->week);
			html_raw(h, ",");
			csv_field(h, r->cats[c]);
			html_fmt(h, ",%d,%ld\r\n", s, r->by_cat_sev[c][s]);
		}
	}
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int report_write_file(const struct report *r, struct blobs *blobs, const char *path)
{
	struct html h;
	char *data;
	size_t len = 0;
	int ret;

	if (ends_with(path, ".pdf")) {
		if ((ret = report_pdf(r, blobs, &data, &len)) < 0)
			return ret;
		ret = write_file(path, data, len);
		free(data);
		return ret;
	}
	html_init(&h);
	if (ends_with(path, ".html") || ends_with(path, ".htm"))
		report_html(r, blobs, &h, true);
	else if (ends_with(path, ".csv"))
		report_csv(r, &h);
	else
		return -EINVAL;
	data = html_take(&h, &len);
	if (!data)
		return -ENOMEM;
	ret = write_file(path, data, len);
	free(data);
	return ret;
}
