/* hit.c: one detection (source, rule, matched text, context, window), handed to capture. */
#include "hit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *hit_source_name(enum hit_source source)
{
	switch (source) {
	case HIT_SOURCE_TYPED:
		return "typed";
	case HIT_SOURCE_WINDOW_TITLE:
		return "window-title";
	case HIT_SOURCE_CLIPBOARD:
		return "clipboard";
	case HIT_SOURCE_SCREEN_TEXT:
		return "screen-text";
	case HIT_SOURCE_TAMPER:
		return "tamper";
	}
	return "?";
}

int hit_keep(struct hit_kept *k, const struct hit *h)
{
	const char *src[HIT_STRINGS] = {h->category,   h->phrase,  h->rule,
	                                h->matched,    h->context, h->window_title,
	                                h->window_app, h->why,     h->context_rule};
	const char **dst[HIT_STRINGS] = {&k->hit.category,   &k->hit.phrase,  &k->hit.rule,
	                                 &k->hit.matched,    &k->hit.context, &k->hit.window_title,
	                                 &k->hit.window_app, &k->hit.why,     &k->hit.context_rule};

	memset(k, 0, sizeof(*k));
	k->hit = *h;
	for (size_t i = 0; i < HIT_STRINGS; i++) {
		bool optional = dst[i] == &k->hit.why || dst[i] == &k->hit.context_rule;

		*dst[i] = NULL;
		if (optional && !src[i])
			continue;
		k->strs[i] = strdup(src[i] ? src[i] : "");
		if (!k->strs[i]) {
			hit_kept_wipe(k);
			return -ENOMEM;
		}
		*dst[i] = k->strs[i];
	}
	return 0;
}

void hit_kept_wipe(struct hit_kept *k)
{
	for (size_t i = 0; i < HIT_STRINGS; i++) {
		if (k->strs[i]) {
			explicit_bzero(k->strs[i], strlen(k->strs[i]));
			free(k->strs[i]);
			k->strs[i] = NULL;
		}
	}
}
