/* migrations.h: the schema migrations of each storage back end, embedded at build time. */
#pragma once

#include <stddef.h>

/* One step of the schema; versions run 1, 2, 3 … and each is applied once, in a
 * transaction, recorded in the table schema_migrations. */
struct migration {
	int version;
	const char *name; /* "0001_init.sql" */
	const char *sql;
};

extern const struct migration migrations_sqlite[];
extern const size_t migrations_sqlite_count;
extern const struct migration migrations_pg[];
extern const size_t migrations_pg_count;
