/* roster_ldap.h: a school's pupils read from its directory (LDAP: Active Directory, OpenLDAP). */
#pragma once

#include <stddef.h>

#include "store_roster.h"

struct server;

/*
 * "roster sync": binds to ldap-url as ldap-bind-dn (password: the first line of the 0600
 * ldap-password-file), searches base (NULL: ldap-base) with ldap-filter for the attributes
 * ldap-map names (login=uid,given_name=givenName,…; a multi-valued flags attribute gives
 * every value), checks every entry as roster import checks a row, and imports them for
 * school in one transaction (leavers as there), audited ("roster-sync") as login. 0 with
 * *counts; -EINVAL (err names the entry's DN), -ENOENT (no school), -EIO (the directory:
 * err says what it answered), -errno.
 */
int roster_ldap_sync(struct server *srv, const char *login, const char *school, const char *base,
                     struct store_roster_counts *counts, char *err, size_t errlen);
