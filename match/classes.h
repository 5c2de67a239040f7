/* classes.h: word classes (@class): named sets of words, expanded where a phrase says <name>. */
#pragma once

#include <stddef.h>

#include "wordlist.h"

#define CLASS_MAX_EXPANSIONS 4000 /* phrases one line may expand to */

/* The class called name[0..len), or NULL. */
struct wl_class *class_find(struct wl_set *set, const char *name, size_t len);

/*
 * Adds members (a comma-separated list) to the class name, creating it. Returns NULL or
 * a message (static, or written to msg).
 */
const char *class_add(struct wl_set *set, const char *name, const char *members, size_t len,
                      const char *where, char *msg, size_t msgsz);

/*
 * Expands every <name> of text[0..len) into the members of its class. On success
 * returns NULL and a malloc'd array of malloc'd texts in *out (*n >= 1; the text itself
 * when it names no class). Otherwise a message (in msg).
 */
const char *class_expand(struct wl_set *set, const char *text, size_t len, char ***out, size_t *n,
                         char *msg, size_t msgsz);

void class_free_texts(char **texts, size_t n);
