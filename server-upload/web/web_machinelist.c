/* web_machinelist.c: the machines page's list: summary, filters, sorting, rooms. */
#include "web_machinelist.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "store.h"
#include "web.h"
#include "web_served.h"

#define ROOM_MAX 64

struct mach {
	char *school, *name, *version, *wordlists, *sessions;
	char room[ROOM_MAX];
	const char *state; /* online, offline, never-seen, revoked */
	int64_t last_seen_ms, spooled, dropped;
	int unmonitored, unmonitored_alarms;
	bool on_served;
};

struct fleet {
	struct web_ctx *w;
	struct mach *v;
	size_t n, cap;
	int64_t offline_ms;
	struct web_served *served;
	size_t nserved;
	struct web_bundle_names names;
	const char *sort;
	bool desc, group;
};

/* The room of a machine: its name up to the last '-' or '_' ("LAB1-PC07": LAB1). */
static void room_of(const char *name, char *room, size_t size)
{
	const char *cut = strrchr(name, '-');

	if (!cut)
		cut = strrchr(name, '_');
	if (!cut || cut == name || (size_t)(cut - name) >= size)
		snprintf(room, size, "%s", "(no room in the name)");
	else
		snprintf(room, size, "%.*s", (int)(cut - name), name);
}

static int unmonitored_of(const char *sessions)
{
	json_t *a = sessions ? json_loads(sessions, 0, NULL) : NULL, *s;
	size_t i;
	int n = 0;

	json_array_foreach(a, i, s) n += !json_is_true(json_object_get(s, "monitored"));
	json_decref(a);
	return n;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(const struct store_machine_info *m, void *ud)
{
	struct fleet *f = ud;
	struct mach *x;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		if (!(x = realloc(f->v, cap * sizeof(*x))))
			return -ENOMEM;
		f->v = x;
		f->cap = cap;
	}
	x = &f->v[f->n];
	*x = (struct mach){.school = strdup(m->school),
	                   .name = strdup(m->name),
	                   .version = dup_or_null(m->version),
	                   .wordlists = dup_or_null(m->wordlists),
	                   .sessions = dup_or_null(m->sessions),
	                   .last_seen_ms = m->last_seen_ms,
	                   .spooled = m->spooled,
	                   .dropped = m->dropped,
	                   .unmonitored_alarms = m->unmonitored_alarms};
	if (!x->school || !x->name)
		return -ENOMEM;
	f->n++;
	x->state = m->revoked                                    ? "revoked"
	           : !m->last_seen_ms                            ? "never-seen"
	           : f->w->now - m->last_seen_ms > f->offline_ms ? "offline"
	                                                         : "online";
	x->unmonitored = unmonitored_of(m->sessions);
	room_of(m->name, x->room, sizeof(x->room));
	for (size_t i = 0; i < f->nserved; i++)
		if (strcmp(f->served[i].school, m->school) == 0)
			x->on_served = m->wordlists && *f->served[i].version &&
			               strcmp(m->wordlists, f->served[i].version) == 0;
	return 0;
}

static void fleet_free(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].school);
		free(f->v[i].name);
		free(f->v[i].version);
		free(f->v[i].wordlists);
		free(f->v[i].sessions);
	}
	free(f->v);
	free(f->served);
	web_bundle_names_free(&f->names);
}

static int cmp_str(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "");
}

/* Rooms by name (when grouped), then the chosen column, then the machine's name. */
static int by_key(const void *pa, const void *pb, void *ud)
{
	const struct mach *a = pa, *b = pb;
	const struct fleet *sorting = ud;
	const char *k = sorting->sort;
	int c = 0;

	if (sorting->group && (c = cmp_str(a->room, b->room)) != 0)
		return c;

	if (strcmp(k, "school") == 0)
		c = cmp_str(a->school, b->school);
	else if (strcmp(k, "seen") == 0)
		c = a->last_seen_ms < b->last_seen_ms ? -1 : a->last_seen_ms > b->last_seen_ms;
	else if (strcmp(k, "lists") == 0)
		c = (int)b->on_served - (int)a->on_served ?: cmp_str(a->wordlists, b->wordlists);
	else if (strcmp(k, "version") == 0)
		c = strverscmp(a->version ? a->version : "", b->version ? b->version : "");
	if (!c)
		c = cmp_str(a->name, b->name);
	if (sorting->desc)
		c = -c;
	return c;
}

/* Whether m passes the query's filters. */
static bool shown(const struct web_ctx *w, const struct mach *m)
{
	const char *q = web_arg(w, "q"), *school = web_arg(w, "school"),
	           *state = web_arg(w, "state");

	if (*q && !strcasestr(m->name, q))
		return false;
	if (*school && strcasecmp(school, m->school) != 0)
		return false;
	if (!*state || strcmp(state, "all") == 0)
		return true;
	if (strcmp(state, "unmonitored") == 0)
		return m->unmonitored > 0;
	if (strcmp(state, "other-lists") == 0)
		return !m->on_served && strcmp(m->state, "revoked") != 0;
	return strcmp(state, m->state) == 0;
}

/* A link to this page with the query's filters and one argument changed. */
static void link(struct html *h, const struct web_ctx *w, const char *name, const char *value,
                 const char *dir)
{
	static const char *const keep[] = {"q", "school", "state", "group", "sort", "dir"};

	html_raw(h, "/machines?");
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = strcmp(keep[i], name) == 0    ? value
		                : strcmp(keep[i], "dir") == 0 ? (dir ? dir : web_arg(w, "dir"))
		                                              : web_arg(w, keep[i]);
		if (!*v)
			continue;
		html_raw(h, i ? "&amp;" : "");
		html_raw(h, keep[i]);
		html_raw(h, "=");
		html_url(h, v);
	}
}

static void summary(struct html *h, const struct fleet *f)
{
	static const char *const states[][3] = {{"online", "online", "online"},
	                                        {"offline", "offline", "offline"},
	                                        {"never-seen", "never seen", "never seen"},
	                                        {"revoked", "revoked", "revoked"}};
	int64_t n[4] = {0}, served = 0, unmon = 0, unmon_m = 0, live = 0;

	for (size_t i = 0; i < f->n; i++) {
		for (size_t k = 0; k < 4; k++)
			n[k] += strcmp(f->v[i].state, states[k][0]) == 0;
		served += f->v[i].on_served;
		live += strcmp(f->v[i].state, "revoked") != 0;
		unmon += f->v[i].unmonitored;
		unmon_m += f->v[i].unmonitored > 0;
	}
	html_raw(h, "<p id=\"summary\">");
	web_count(h, (int64_t)f->n, "machine", "machines");
	html_raw(h, ":");
	for (size_t k = 0; k < 4; k++) {
		if (!n[k] && k >= 2)
			continue;
		html_fmt(h, "%s <a class=\"%s\" href=\"", k ? "," : "", states[k][0]);
		link(h, f->w, "state", states[k][0], NULL);
		html_fmt(h, "\">%lld %s</a>", (long long)n[k], states[k][1]);
	}
	html_raw(h, "; <a class=\"served\" href=\"");
	link(h, f->w, "state", "other-lists", NULL);
	html_fmt(h, "\">%lld of %lld on the served lists</a>; ", (long long)served,
	         (long long)live);
	html_raw(h, "<a class=\"unmonitored\" href=\"");
	link(h, f->w, "state", "unmonitored", NULL);
	html_raw(h, "\">");
	web_count(h, unmon, "unmonitored session", "unmonitored sessions");
	if (unmon) {
		html_raw(h, " on ");
		web_count(h, unmon_m, "machine", "machines");
	}
	html_raw(h, "</a></p>");
}

/* An <option> of a select whose current value is cur. */
static void option(struct html *h, const char *value, const char *label, const char *cur)
{
	html_option(h, value, label, strcmp(value, cur) == 0);
}

static void filters(struct html *h, const struct fleet *f)
{
	const struct web_ctx *w = f->w;
	const char *state = web_arg(w, "state");

	html_raw(
	    h, "<form method=\"get\" action=\"/machines\" class=\"filters\" id=\"machine-filters\">"
	       "<label>Name <input name=\"q\" size=\"12\" value=\"");
	html_text(h, web_arg(w, "q"));
	html_raw(h, "\"></label>");
	if (!w->u.school_id) {
		html_raw(h, "<label>School <select name=\"school\">");
		option(h, "", "every school", web_arg(w, "school"));
		for (size_t i = 0; i < f->nserved; i++)
			option(h, f->served[i].school, f->served[i].school, web_arg(w, "school"));
		html_raw(h, "</select></label>");
	}
	html_raw(h, "<label>State <select name=\"state\">");
	option(h, "", "any", state);
	option(h, "online", "online", state);
	option(h, "offline", "offline", state);
	option(h, "never-seen", "never seen", state);
	option(h, "revoked", "revoked", state);
	option(h, "unmonitored", "with an unmonitored session", state);
	option(h, "other-lists", "not on the served lists", state);
	html_raw(h, "</select></label><label>Rooms <select name=\"group\">");
	option(h, "", "grouped", web_arg(w, "group"));
	option(h, "none", "not grouped", web_arg(w, "group"));
	html_raw(h, "</select></label><input type=\"hidden\" name=\"sort\" value=\"");
	html_text(h, f->sort);
	html_raw(h, "\"><input type=\"hidden\" name=\"dir\" value=\"");
	html_raw(h, f->desc ? "desc" : "asc");
	html_raw(h, "\"><button type=\"submit\">Show</button></form>");
}

/* A column heading that sorts by key (again: the other way). */
static void heading(struct html *h, const struct fleet *f, const char *key, const char *label)
{
	bool cur = strcmp(f->sort, key) == 0;

	html_raw(h, "<th><a href=\"");
	link(h, f->w, "sort", key, cur && !f->desc ? "desc" : "asc");
	html_fmt(h, "\" class=\"sort%s\">", cur ? " current" : "");
	if (strcmp(key, "seen") == 0)
		web_time_heading(h, label);
	else
		html_text(h, label);
	html_raw(h, cur ? (f->desc ? " ▼" : " ▲") : "");
	html_raw(h, "</a></th>");
}

/* Each graphical session: display, user, type; an unmonitored one in red. */
static void sessions_cell(struct html *h, const struct mach *m)
{
	json_t *a = m->sessions ? json_loads(m->sessions, 0, NULL) : NULL, *s;
	size_t i;

	json_array_foreach(a, i, s)
	{
		bool mon = json_is_true(json_object_get(s, "monitored"));
		json_t *gap = json_object_get(s, "last_gap");

		html_raw(h, mon ? "<div class=\"session\">"
		                : "<div class=\"session unmonitored error\"><strong>");
		html_text(h, json_string_value(json_object_get(s, "display")));
		html_raw(h, " ");
		html_text(h, json_string_value(json_object_get(s, "user")));
		html_raw(h, " (");
		html_text(h, json_string_value(json_object_get(s, "type")));
		html_raw(h, mon ? ") monitored, " : ") unmonitored</strong>, ");
		web_count(h, (int64_t)json_integer_value(json_object_get(s, "restarts_1h")),
		          "restart in the last hour", "restarts in the last hour");
		if (json_is_number(gap))
			html_fmt(h, ", last gap %.1f s", json_number_value(gap));
		html_raw(h, "</div>");
	}
	json_decref(a);
	if (m->unmonitored_alarms)
		html_fmt(h,
		         "<div class=\"error\">unmonitored-session alarm%s raised: the "
		         "technician was told</div>",
		         m->unmonitored_alarms > 1 ? "s" : "");
}

static void row(struct html *h, const struct fleet *f, const struct mach *m)
{
	char seen[32] = "never";

	if (m->last_seen_ms)
		web_time(m->last_seen_ms, seen, sizeof(seen));
	html_fmt(h, "<tr class=\"%s\"><td class=\"school\">", m->state);
	html_text(h, m->school);
	html_raw(h, "</td><td class=\"name\">");
	html_text(h, m->name);
	html_raw(h, "</td><td class=\"state\">");
	if (strcmp(m->state, "offline") == 0)
		html_raw(h, "<strong class=\"error\">offline</strong>");
	else
		html_text(h, strcmp(m->state, "never-seen") == 0 ? "never seen" : m->state);
	html_raw(h, "</td><td class=\"seen\">");
	html_text(h, seen);
	html_raw(h, "</td><td class=\"version\">");
	html_text(h, m->version);
	html_fmt(h, "</td><td class=\"lists %s\">", m->on_served ? "ok" : "error");
	web_bundle_label(h, &f->names, m->wordlists);
	html_raw(h, m->on_served                                   ? " (served)"
	            : web_bundle_numbered(&f->names, m->wordlists) ? " (not the served lists)"
	                                                           : "");
	html_fmt(h,
	         "</td><td class=\"spooled\" data-label=\"spooled\">%lld</td><td "
	         "class=\"dropped\" data-label=\"dropped\">%lld</td><td>",
	         (long long)m->spooled, (long long)m->dropped);
	sessions_cell(h, m);
	html_raw(h, "</td></tr>");
}

/* The head row of the room of rows [from, to): how many, and how they are. */
static void room_head(struct html *h, const struct fleet *f, const struct mach *v, size_t n)
{
	int64_t online = 0, offline = 0, unmon = 0;

	for (size_t i = 0; i < n; i++) {
		online += strcmp(v[i].state, "online") == 0;
		offline += strcmp(v[i].state, "offline") == 0;
		unmon += v[i].unmonitored;
	}
	(void)f;
	html_raw(h, "<tbody class=\"room\" id=\"room-");
	html_text(h, v[0].room);
	html_raw(h, "\"><tr class=\"room-head\"><th colspan=\"9\">");
	html_text(h, v[0].room);
	html_raw(h, ": ");
	web_count(h, (int64_t)n, "machine", "machines");
	html_fmt(h, ", %lld online", (long long)online);
	if (offline)
		html_fmt(h, ", <span class=\"error\">%lld offline</span>", (long long)offline);
	if (unmon) {
		html_raw(h, ", <span class=\"error\">");
		web_count(h, unmon, "unmonitored session", "unmonitored sessions");
		html_raw(h, "</span>");
	}
	html_raw(h, "</th></tr>");
}

/* The machines' look on a phone: each row a block, nothing wider than the screen. */
static const char fleet_style[] =
    "<style>#machines .room-head th{background:#e8eef3}#rooms a{margin-right:.6em}"
    "#machines td.lists.error{color:#a00}"
    "@media (max-width:40em){#machines,#machines tbody,#machines tr,#alarms,#alarms tbody,"
    "#alarms tr,#replaced,#replaced tbody,#replaced tr,#served,#served tbody,#served tr"
    "{display:block}#machines thead tr,#alarms thead,#replaced thead,#served thead"
    "{display:block}#machines thead th{display:inline-block;border:0}"
    "#alarms thead,#replaced thead,#served thead{display:none}"
    "#machines tr,#alarms tr,#replaced tr,#served tr{border-bottom:1px solid #ccc;"
    "padding:.3em 0}#machines td,#alarms td,#replaced td,#served td{display:inline-block;"
    "border:0;padding:.1em .3em}#machines .room-head th{display:block}"
    "#machine-filters select,#machine-filters input{max-width:100%}"
    "#machines td[data-label]::before{content:attr(data-label) \" \";color:#666}}</style>";

int web_machine_list(struct web_ctx *w, struct html *top, struct html *h)
{
	struct fleet f = {.w = w, .offline_ms = (int64_t)w->srv->cfg->offline_after * 1000};
	const char *sort = web_arg(w, "sort");
	size_t shown_n = 0, i, j;
	struct mach *v;
	int r;

	f.sort = strcmp(sort, "school") == 0 || strcmp(sort, "seen") == 0 ||
	                 strcmp(sort, "lists") == 0 || strcmp(sort, "version") == 0
	             ? sort
	             : "name";
	f.desc = strcmp(web_arg(w, "dir"), "desc") == 0;
	f.group = strcmp(web_arg(w, "group"), "none") != 0;
	r = web_served_load(w, &f.served, &f.nserved, &f.names);
	if (r == 0)
		r = w->srv->store->ops->machines_list(
		    w->srv->store, w->u.school_id ? w->u.school : NULL, collect, &f);
	if (r < 0) {
		fleet_free(&f);
		return r;
	}
	html_raw(top, fleet_style);
	summary(top, &f);
	html_raw(top, "<h2>Phrase lists served</h2>");
	web_served_table(top, f.served, f.nserved, &f.names);
	html_raw(h, "<h2 id=\"all\">All machines</h2>");
	filters(h, &f);
	/* the machines shown, sorted, first in the array */
	v = f.v;
	for (i = 0; i < f.n; i++) {
		if (!shown(w, &v[i]))
			continue;
		struct mach t = v[shown_n];
		v[shown_n++] = v[i];
		v[i] = t;
	}
	qsort_r(v, shown_n, sizeof(*v), by_key, &f);
	if (shown_n < f.n) {
		html_raw(h, "<p id=\"shown\">Showing ");
		html_fmt(h, "%zu of ", shown_n);
		web_count(h, (int64_t)f.n, "machine", "machines");
		html_raw(h, ". <a href=\"/machines\">Show all</a></p>");
	}
	if (f.group && shown_n) {
		html_raw(h, "<p id=\"rooms\">Rooms: ");
		for (i = 0; i < shown_n; i = j) {
			for (j = i; j < shown_n && strcmp(v[j].room, v[i].room) == 0; j++)
				;
			html_raw(h, "<a href=\"#room-");
			html_url(h, v[i].room);
			html_raw(h, "\">");
			html_text(h, v[i].room);
			html_fmt(h, "</a> (%zu) ", j - i);
		}
		html_raw(h, "</p>");
	}
	html_raw(h, "<table id=\"machines\"><thead><tr>");
	heading(h, &f, "school", "School");
	heading(h, &f, "name", "Machine");
	html_raw(h, "<th>Status</th>");
	heading(h, &f, "seen", "Last heartbeat");
	heading(h, &f, "version", "Agent");
	heading(h, &f, "lists", "Lists");
	html_raw(h, "<th>Spooled</th><th>Dropped</th><th>Sessions</th></tr></thead>");
	for (i = 0; i < shown_n; i = j) {
		for (j = i; j < shown_n && (!f.group || strcmp(v[j].room, v[i].room) == 0); j++)
			;
		if (f.group)
			room_head(h, &f, v + i, j - i);
		else
			html_raw(h, "<tbody>");
		for (size_t k = i; k < j; k++)
			row(h, &f, &v[k]);
		html_raw(h, "</tbody>");
	}
	html_raw(h, "</table>");
	if (shown_n == 0)
		html_raw(h, f.n ? "<p id=\"none-shown\">No machine matches.</p>"
		                : "<p id=\"none-shown\">No machine is enrolled yet.</p>");
	fleet_free(&f);
	return 0;
}
