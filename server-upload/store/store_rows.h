/* store_rows.h: typed reading of query() rows and building of parameters, for the store part. */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * The store's typed functions are written on store_ops.query, whose rows are text. A
 * struct store_row reads one row: a column that should be a number but is NULL or not
 * one sets err to -EIO (the row is refused, not read as 0), and so does a row of
 * another width. Callers read every column, then return err.
 */
struct store_row {
	const char *const *c;
	int n;
	int err;
};

void store_row_init(struct store_row *r, const char *const *c, int n, int ncols);
const char *store_row_text(struct store_row *r, int i);     /* NULL reads as "" */
const char *store_row_nullable(struct store_row *r, int i); /* NULL stays NULL */
int64_t store_row_int(struct store_row *r, int i);          /* NULL or not a number: -EIO */
int64_t store_row_int_or(struct store_row *r, int i, int64_t null_value); /* NULL ok */

static inline struct store_param store_text(const char *s)
{
	return (struct store_param){.text = s};
}

static inline struct store_param store_int(int64_t v)
{
	return (struct store_param){.i = v, .is_int = true};
}

/* A row callback that stores the single integer column of the last row into *(int64_t *)ud. */
int store_row_int64(const char *const *c, int n, void *ud);
