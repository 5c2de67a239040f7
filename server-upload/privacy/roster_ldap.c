/* roster_ldap.c: a school's pupils read from its directory with libldap (Active Directory,
 * OpenLDAP): each entry becomes a row of the roster's columns and goes through the same
 * checks and the same import as a CSV file. */
#include "roster_ldap.h"

#include <errno.h>
#include <ldap.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "dynbuf.h"
#include "rfc3339.h"
#include "roster.h"
#include "secretfile.h"
#include "server.h"
#include "store_moderation.h"

#define LDAP_MAX_ENTRIES 100000
#define LDAP_TIMEOUT_S   30

static const char *const cols[ROSTER_NCOLS] = {
    "login", "given_name", "family_name", "preferred_name", "year_group", "reg_group", "flags",
};

/* ldap-map into attr[col] (NULL: not mapped) pointing into copy. */
static int parse_map(char *copy, char *attr[ROSTER_NCOLS], char *err, size_t errlen)
{
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		int c;
		if (!eq || eq == t || !eq[1]) {
			snprintf(err, errlen, "ldap-map: \"%s\" is not COLUMN=ATTRIBUTE", t);
			return -EINVAL;
		}
		*eq = '\0';
		for (c = 0; c < ROSTER_NCOLS && strcmp(t, cols[c]) != 0; c++)
			;
		if (c == ROSTER_NCOLS) {
			snprintf(err, errlen, "ldap-map: unknown column \"%s\"", t);
			return -EINVAL;
		}
		attr[c] = eq + 1;
	}
	if (!attr[ROSTER_LOGIN]) {
		snprintf(err, errlen, "ldap-map: login=ATTRIBUTE is needed");
		return -EINVAL;
	}
	return 0;
}

/* Appends s to the CSV as one quoted field. */
static int csv_field(struct dynbuf *b, const char *s, size_t n, bool first)
{
	int r = first ? 0 : dynbuf_add(b, ",", 1);

	if (r == 0)
		r = dynbuf_add(b, "\"", 1);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = s[i] == '"' ? dynbuf_add(b, "\"\"", 2) : dynbuf_add(b, s + i, 1);
	return r == 0 ? dynbuf_add(b, "\"", 1) : r;
}

/* One entry as a CSV row: every mapped attribute's first value (flags: all, ';'). A value
 * with a line break is refused here, naming the entry, so CSV lines stay entries. */
static int entry_row(LDAP *ld, LDAPMessage *e, char *attr[ROSTER_NCOLS], struct dynbuf *b,
                     char *err, size_t errlen)
{
	bool first = true;
	int r = 0;

	for (int c = 0; c < ROSTER_NCOLS && r == 0; c++) {
		struct berval **v;
		struct dynbuf joined;
		if (!attr[c])
			continue;
		v = ldap_get_values_len(ld, e, attr[c]);
		dynbuf_init(&joined, 1024);
		for (int i = 0; v && v[i] && r == 0; i++) {
			if (memchr(v[i]->bv_val, '\n', v[i]->bv_len) ||
			    memchr(v[i]->bv_val, '\r', v[i]->bv_len)) {
				char *dn = ldap_get_dn(ld, e);
				snprintf(err, errlen, "%s: %s has a line break", dn ? dn : "?",
				         attr[c]);
				ldap_memfree(dn);
				r = -EINVAL;
				break;
			}
			if (i && c != ROSTER_FLAGS)
				break; /* one value of every column but flags */
			if (i)
				r = dynbuf_add(&joined, ";", 1);
			if (r == 0)
				r = dynbuf_add(&joined, v[i]->bv_val, v[i]->bv_len);
		}
		if (r == 0)
			r = csv_field(b, joined.len ? joined.p : "", joined.len, first);
		first = false;
		dynbuf_free(&joined);
		ldap_value_free_len(v);
	}
	return r == 0 ? dynbuf_add(b, "\n", 1) : r;
}

int roster_ldap_sync(struct server *srv, const char *login, const char *school, const char *base,
                     struct store_roster_counts *counts, char *err, size_t errlen)
{
	const struct config *cfg = srv->cfg;
	char *attr[ROSTER_NCOLS] = {0}, *attrs[ROSTER_NCOLS + 1] = {0}, *mapcopy = NULL;
	char password[512], **dns = NULL, detail[160];
	struct timeval tv = {LDAP_TIMEOUT_S, 0};
	struct berval cred;
	struct dynbuf csv;
	LDAPMessage *res = NULL;
	struct roster ro = {0};
	LDAP *ld = NULL;
	int r, rc, n = 0, ndns = 0, version = LDAP_VERSION3;
	int64_t school_id = 0;

	dynbuf_init(&csv, 64u << 20);
	if (!cfg->ldap_url || !cfg->ldap_base || !*cfg->ldap_url) {
		snprintf(err, errlen, "roster sync needs ldap-url and ldap-base (docs/server.md)");
		return -EINVAL;
	}
	if (!(mapcopy = strdup(cfg->ldap_map ? cfg->ldap_map : "")))
		return -ENOMEM;
	if ((r = parse_map(mapcopy, attr, err, errlen)) < 0)
		goto out;
	for (int c = 0; c < ROSTER_NCOLS; c++)
		if (attr[c])
			attrs[n++] = attr[c];
	password[0] = '\0';
	if (cfg->ldap_password_file &&
	    (r = secretfile_read_line(cfg->ldap_password_file, password, sizeof(password))) < 0) {
		snprintf(err, errlen, "ldap-password-file %s: %s", cfg->ldap_password_file,
		         r == -EPERM ? "readable by others (chmod 600)" : strerror(-r));
		r = -EINVAL;
		goto out;
	}
	if ((rc = ldap_initialize(&ld, cfg->ldap_url)) != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap-url %s: %s", cfg->ldap_url, ldap_err2string(rc));
		r = -EINVAL;
		goto out;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	cred.bv_val = password;
	cred.bv_len = strlen(password);
	rc = ldap_sasl_bind_s(ld, cfg->ldap_bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	sodium_memzero(password, sizeof(password));
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "the directory refused the bind as %s: %s",
		         cfg->ldap_bind_dn ? cfg->ldap_bind_dn : "(anonymous)",
		         ldap_err2string(rc));
		r = -EIO;
		goto out;
	}
	rc = ldap_search_ext_s(ld, base && *base ? base : cfg->ldap_base, LDAP_SCOPE_SUBTREE,
	                       cfg->ldap_filter ? cfg->ldap_filter : "(objectClass=inetOrgPerson)",
	                       attrs, 0, NULL, NULL, &tv, LDAP_MAX_ENTRIES, &res);
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "the directory's search failed: %s", ldap_err2string(rc));
		r = -EIO;
		goto out;
	}
	/* The header names Vigil's columns, so the rows need no mapping. */
	for (int c = 0; c < ROSTER_NCOLS; c++) {
		if (!attr[c])
			continue;
		r = csv.len ? dynbuf_add(&csv, ",", 1) : 0;
		if (r == 0)
			r = dynbuf_add(&csv, cols[c], strlen(cols[c]));
	}
	if (r == 0)
		r = dynbuf_add(&csv, "\n", 1);
	n = ldap_count_entries(ld, res);
	if (n > 0 && !(dns = calloc((size_t)n, sizeof(*dns))))
		r = -ENOMEM;
	for (LDAPMessage *e = ldap_first_entry(ld, res); e && r == 0 && ndns < n;
	     e = ldap_next_entry(ld, e)) {
		dns[ndns++] = ldap_get_dn(ld, e);
		r = entry_row(ld, e, attr, &csv, err, errlen);
	}
	if (r == 0)
		r = dynbuf_add(&csv, "", 1); /* NUL */
	if (r < 0)
		goto out;
	r = roster_parse("ldap", csv.p, csv.len - 1, NULL, &ro, err, errlen);
	if (r == -EINVAL) {
		/* "ldap:LINE: message": line 2 is the first entry */
		int line = 0;
		char msg[512];
		if (sscanf(err, "ldap:%d:", &line) == 1 && line >= 2 && line - 2 < ndns) {
			const char *colon = strchr(err + 5, ':');
			snprintf(msg, sizeof(msg), "%s:%s", dns[line - 2] ? dns[line - 2] : "?",
			         colon ? colon + 1 : "");
			snprintf(err, errlen, "%s", msg);
		}
		goto out;
	}
	if (r < 0)
		goto out;
	r = store_roster_import(srv->store, school, ro.v, ro.n, rfc3339_now_ms(), counts);
	if (r == -ENOENT)
		snprintf(err, errlen, "no school \"%s\"", school);
	if (r < 0)
		goto out;
	snprintf(detail, sizeof(detail), "%lld added, %lld updated, %lld left, %lld unchanged",
	         (long long)counts->added, (long long)counts->updated, (long long)counts->left,
	         (long long)counts->unchanged);
	if (store_school_lookup(srv->store, school, &school_id) < 0)
		school_id = 0;
	audit_record(srv->store, login, school_id, "roster-sync", NULL, detail);
out:
	roster_free(&ro);
	for (int i = 0; i < ndns; i++)
		ldap_memfree(dns[i]);
	free(dns);
	if (res)
		ldap_msgfree(res);
	if (ld)
		ldap_unbind_ext_s(ld, NULL, NULL);
	dynbuf_free(&csv);
	free(mapcopy);
	return r;
}
