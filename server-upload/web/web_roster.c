/* web_roster.c: a pupil as the pages show them: name, login, year and registration group,
 * and the vulnerability flags for the users who may see them. */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "store_moderation.h"
#include "store_roster.h"
#include "web.h"

void web_pupil_from_brief(struct web_pupil *p, const struct store_capture_brief *b)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->given, sizeof(p->given), "%s", b->given_name ? b->given_name : "");
	snprintf(p->family, sizeof(p->family), "%s", b->family_name ? b->family_name : "");
	snprintf(p->preferred, sizeof(p->preferred), "%s",
	         b->preferred_name ? b->preferred_name : "");
	snprintf(p->year, sizeof(p->year), "%s", b->year_group ? b->year_group : "");
	snprintf(p->reg, sizeof(p->reg), "%s", b->reg_group ? b->reg_group : "");
	snprintf(p->flags, sizeof(p->flags), "%s", b->flags ? b->flags : "");
	p->on_roster = b->on_roster;
	p->current = b->pupil_current;
}

static int pupil_info(const struct store_pupil_info *i, void *ud)
{
	struct web_pupil *p = ud;

	snprintf(p->given, sizeof(p->given), "%s", i->p.given_name);
	snprintf(p->family, sizeof(p->family), "%s", i->p.family_name);
	snprintf(p->preferred, sizeof(p->preferred), "%s", i->p.preferred_name);
	snprintf(p->year, sizeof(p->year), "%s", i->p.year_group);
	snprintf(p->reg, sizeof(p->reg), "%s", i->p.reg_group);
	snprintf(p->flags, sizeof(p->flags), "%s", i->p.flags);
	p->on_roster = true;
	p->current = i->current;
	return 0;
}

int web_pupil_find(struct web_ctx *w, int64_t school_id, const char *user, struct web_pupil *p)
{
	memset(p, 0, sizeof(*p));
	return store_pupil_find(w->srv->store, school_id, user, pupil_info, p);
}

size_t web_pupil_name(const struct web_pupil *p, char *buf, size_t size)
{
	const char *first = p->preferred[0] ? p->preferred : p->given;
	int n = snprintf(buf, size, "%s%s%s", first, *first && p->family[0] ? " " : "", p->family);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

bool web_sees_flags(struct web_ctx *w)
{
	bool yes = false;

	if (!w->sees_flags) {
		if (w->u.role == WEB_HEADTEACHER)
			yes = true;
		else if (w->u.role == WEB_MODERATOR &&
		         store_user_sees_flags(w->srv->store, w->u.id, &yes) < 0)
			yes = false;
		w->sees_flags = yes ? 2 : 1;
	}
	return w->sees_flags == 2;
}

void web_pupil_flags(struct html *h, const char *flags)
{
	const char *s = flags;

	if (!s || !*s)
		return;
	html_raw(h, "<span class=\"flags\">");
	while (*s) {
		const char *e = strchr(s, ';');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char one[16];
		snprintf(one, sizeof(one), "%.*s", (int)(n < 15 ? n : 15), s);
		html_raw(h, "<span class=\"flag\">");
		html_text(h, one);
		html_raw(h, "</span>");
		s = e ? e + 1 : s + n;
	}
	html_raw(h, "</span>");
}

void web_pupil_cell(struct html *h, const char *school, const char *user, const struct web_pupil *p,
                    bool flags)
{
	char name[224];

	if (!p || !p->on_roster || !web_pupil_name(p, name, sizeof(name))) {
		web_pupil_link(h, school, user);
	} else {
		html_raw(h, "<a class=\"pupil\" href=\"/pupils/");
		html_url(h, school);
		html_raw(h, "/");
		html_url(h, user);
		html_raw(h, "\"><span class=\"pname\">");
		html_text(h, name);
		html_raw(h, "</span></a> <span class=\"login muted\">");
		html_text(h, user);
		html_raw(h, "</span>");
	}
	if (p && p->year[0]) {
		html_raw(h, " <span class=\"year\">");
		html_text(h, p->year);
		html_raw(h, "</span>");
	}
	if (p && p->reg[0]) {
		html_raw(h, " <span class=\"reg\">");
		html_text(h, p->reg);
		html_raw(h, "</span>");
	}
	if (p && p->on_roster && !p->current)
		html_raw(h, " <span class=\"left muted\">(left)</span>");
	if (p && flags && p->flags[0]) {
		html_raw(h, " ");
		web_pupil_flags(h, p->flags);
	}
}
