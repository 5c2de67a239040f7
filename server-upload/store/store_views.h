/* store_views.h: each web user's default view of the moderation queue. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * A view is the queue's filters as a query string ("category=self-harm&status=new"), made
 * and checked by the web part; the store keeps one per user (user_views, migration 0019)
 * and knows nothing of what it says. Functions return 0 or -errno and never log.
 */
#define STORE_VIEW_MAX 480 /* bytes of a view's query string */

/* The user's view into query (size bytes, at least STORE_VIEW_MAX + 1): 0 with "" when
 * the user has none, -errno. */
int store_view_get(struct store *s, int64_t user_id, char *query, size_t size);

/* Saves query (at most STORE_VIEW_MAX bytes: -E2BIG) as the user's view at now_ms,
 * replacing the one before. 0 or -errno. */
int store_view_set(struct store *s, int64_t user_id, const char *query, int64_t now_ms);

/* Removes the user's view: 0, -ENOENT when there was none, -errno. */
int store_view_clear(struct store *s, int64_t user_id);
