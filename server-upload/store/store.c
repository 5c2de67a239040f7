/* store.c: chooses the storage back end from the database URL. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int store_open(const char *url, const char *data_dir, unsigned int pool, struct store **out,
               char *err, size_t errlen)
{
	char path[4096];
	int n;

	if (!url || !*url) {
		n = snprintf(path, sizeof(path), "%s/vigil.db", data_dir);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			snprintf(err, errlen, "data directory path too long");
			return -ENAMETOOLONG;
		}
		return store_sqlite_open(path, out, err, errlen);
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return store_pg_open(url, pool, out, err, errlen);
	snprintf(err, errlen,
	         "database URL must start with postgresql:// (or be empty for SQLite)");
	return -EINVAL;
}
