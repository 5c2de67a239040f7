/* web_machinelist.h: the machines page's list: summary, filters, sorting, rooms. */
#pragma once

struct web_ctx;
struct html;

/*
 * Every machine the user sees into list, with a summary into top (online, offline, never seen,
 * revoked, on the served lists, unmonitored sessions) and the query's filters (q: name contains,
 * school, state: online|offline|never-seen|revoked|unmonitored|other-lists), sorting
 * (sort: name|school|seen|lists|version, dir: asc|desc) and grouping into rooms by name
 * prefix ("LAB1-PC07" is in LAB1; group=none lists them flat). 0 or -errno (the store's).
 */
int web_machine_list(struct web_ctx *w, struct html *top, struct html *list);
