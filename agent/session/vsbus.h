/* vsbus.h: the session bus calls the desktop parts of vigil-session share. */
#pragma once

#include <gio/gio.h>

#define VS_CALL_TIMEOUT_MS 3000

/*
 * A method call on bus that waits for the reply (at most VS_CALL_TIMEOUT_MS), of reply
 * type type. NULL on failure, logged at debug level; the error goes to *out when out is
 * not NULL.
 */
GVariant *vs_call_sync(GDBusConnection *bus, const char *dest, const char *path, const char *iface,
                       const char *method, GVariant *args, const char *type, GError **out);

/*
 * The unique name that owns the well-known name on bus, and the process id the bus
 * daemon gives for it in *pid (0 when unknown). NULL (and *pid 0) when no one owns it.
 * The caller frees the result with g_free().
 */
char *vs_name_owner(GDBusConnection *bus, const char *name, guint32 *pid);
