/* classes.c: word classes (@class): named sets of words, expanded where a phrase says <name>. */
#include "classes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wl_class *class_find(struct wl_set *set, const char *name, size_t len)
{
	for (size_t i = 0; i < set->nclasses; i++)
		if (strlen(set->classes[i].name) == len &&
		    memcmp(set->classes[i].name, name, len) == 0)
			return &set->classes[i];
	return NULL;
}

static bool name_valid(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static int push_member(struct wl_class *c, const char *s, size_t n)
{
	char **m = realloc(c->members, (c->nmembers + 1) * sizeof(*m));

	if (!m)
		return -1;
	c->members = m;
	m[c->nmembers] = strndup(s, n);
	if (!m[c->nmembers])
		return -1;
	c->nmembers++;
	return 0;
}

const char *class_add(struct wl_set *set, const char *name, const char *members, size_t len,
                      const char *where, char *msg, size_t msgsz)
{
	size_t nlen = strlen(name);
	struct wl_class *c;

	if (!name_valid(name, nlen)) {
		snprintf(msg, msgsz,
		         "bad class name \"%.32s\" (lower-case letters, digits and -, at most 32)",
		         name);
		return msg;
	}
	c = class_find(set, name, nlen);
	if (!c) {
		struct wl_class *v = realloc(set->classes, (set->nclasses + 1) * sizeof(*v));

		if (!v)
			return "out of memory";
		set->classes = v;
		c = &v[set->nclasses];
		memset(c, 0, sizeof(*c));
		c->name = strdup(name);
		c->where = strdup(where);
		if (!c->name || !c->where) {
			free(c->name);
			free(c->where);
			return "out of memory";
		}
		set->nclasses++;
	}
	while (len) {
		const char *comma = memchr(members, ',', len);
		size_t n = comma ? (size_t)(comma - members) : len;
		const char *t = members;
		size_t tl = n;

		while (tl && isspace((unsigned char)*t)) {
			t++;
			tl--;
		}
		while (tl && isspace((unsigned char)t[tl - 1]))
			tl--;
		if (!tl)
			return "empty member in a word class (members are separated by commas)";
		if (memchr(t, '<', tl) || memchr(t, '>', tl))
			return "a word class cannot name another class";
		if (push_member(c, t, tl) < 0)
			return "out of memory";
		if (!comma)
			break;
		len -= n + 1;
		members = comma + 1;
		if (!len)
			return "empty member in a word class (members are separated by commas)";
	}
	return NULL;
}

void class_free_texts(char **texts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
}

struct expansion {
	char **v;
	size_t n, cap;
	bool overflow, oom;
};

static void add_text(struct expansion *x, char *t)
{
	if (!t) {
		x->oom = true;
		return;
	}
	if (x->n == CLASS_MAX_EXPANSIONS) {
		x->overflow = true;
		free(t);
		return;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 8;
		char **v = realloc(x->v, cap * sizeof(*v));

		if (!v) {
			x->oom = true;
			free(t);
			return;
		}
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = t;
}

/* Expands text (NUL-terminated, malloc'd: taken over) from its first <name> on. */
static const char *expand_one(struct wl_set *set, char *text, struct expansion *x, char *msg,
                              size_t msgsz)
{
	char *lt = text ? strchr(text, '<') : NULL, *gt;
	struct wl_class *c;
	const char *err = NULL;

	if (!text) {
		x->oom = true;
		return NULL;
	}
	if (!lt) {
		add_text(x, text);
		return NULL;
	}
	gt = strchr(lt, '>');
	if (!gt) {
		free(text);
		return "a < without > (a word class is written <name>)";
	}
	c = class_find(set, lt + 1, (size_t)(gt - lt - 1));
	if (!c) {
		snprintf(msg, msgsz, "unknown word class <%.*s> (define it first: @class %.*s: …)",
		         (int)(gt - lt - 1 < 32 ? gt - lt - 1 : 32), lt + 1,
		         (int)(gt - lt - 1 < 32 ? gt - lt - 1 : 32), lt + 1);
		free(text);
		return msg;
	}
	c->used = true;
	for (size_t i = 0; i < c->nmembers && !err && !x->overflow && !x->oom; i++) {
		size_t pre = (size_t)(lt - text), mid = strlen(c->members[i]),
		       post = strlen(gt + 1);
		char *t = malloc(pre + mid + post + 1); /* the text with the member for <name> */

		if (!t) {
			x->oom = true;
			break;
		}
		memcpy(t, text, pre);
		memcpy(t + pre, c->members[i], mid);
		memcpy(t + pre + mid, gt + 1, post + 1);
		err = expand_one(set, t, x, msg, msgsz);
	}
	free(text);
	return err;
}

const char *class_expand(struct wl_set *set, const char *text, size_t len, char ***out, size_t *n,
                         char *msg, size_t msgsz)
{
	struct expansion x = {0};
	const char *err;

	if (memchr(text, '>', len) && !memchr(text, '<', len))
		return "a > without < (a word class is written <name>)";
	err = expand_one(set, strndup(text, len), &x, msg, msgsz);
	if (!err && x.overflow) {
		snprintf(msg, msgsz, "expands to more than %d phrases", CLASS_MAX_EXPANSIONS);
		err = msg;
	}
	if (!err && (x.oom || !x.n))
		err = "out of memory";
	if (err) {
		class_free_texts(x.v, x.n);
		return err;
	}
	*out = x.v;
	*n = x.n;
	return NULL;
}
