/* vsbus.c: the session bus calls the desktop parts of vigil-session share. */
#include "vsbus.h"

GVariant *vs_call_sync(GDBusConnection *bus, const char *dest, const char *path, const char *iface,
                       const char *method, GVariant *args, const char *type, GError **out)
{
	GError *err = NULL;
	GVariant *r =
	    g_dbus_connection_call_sync(bus, dest, path, iface, method, args, G_VARIANT_TYPE(type),
	                                G_DBUS_CALL_FLAGS_NONE, VS_CALL_TIMEOUT_MS, NULL, &err);

	if (!r) {
		g_debug("%s.%s: %s", iface, method, err->message);
		if (out)
			*out = err;
		else
			g_clear_error(&err);
	}
	return r;
}

char *vs_name_owner(GDBusConnection *bus, const char *name, guint32 *pid)
{
	GVariant *r = vs_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
	                           "org.freedesktop.DBus", "GetNameOwner",
	                           g_variant_new("(s)", name), "(s)", NULL);
	char *owner = NULL;

	*pid = 0;
	if (!r)
		return NULL;
	g_variant_get(r, "(s)", &owner);
	g_variant_unref(r);
	r = vs_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
	                 "org.freedesktop.DBus", "GetConnectionUnixProcessID",
	                 g_variant_new("(s)", owner), "(u)", NULL);
	if (r) {
		g_variant_get(r, "(u)", pid);
		g_variant_unref(r);
	}
	return owner;
}
