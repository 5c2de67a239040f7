/* store_rows.c: typed reading of query() rows and building of parameters, for the store part. */
#include "store_rows.h"

#include <errno.h>

#include "parse.h"

void store_row_init(struct store_row *r, const char *const *c, int n, int ncols)
{
	r->c = c;
	r->n = n;
	r->err = n == ncols ? 0 : -EIO;
}

const char *store_row_nullable(struct store_row *r, int i)
{
	if (i >= r->n) {
		r->err = -EIO;
		return NULL;
	}
	return r->c[i];
}

const char *store_row_text(struct store_row *r, int i)
{
	const char *s = store_row_nullable(r, i);

	return s ? s : "";
}

int64_t store_row_int_or(struct store_row *r, int i, int64_t null_value)
{
	const char *s = store_row_nullable(r, i);
	int64_t v = 0;

	if (!s)
		return i < r->n ? null_value : 0;
	if (parse_int64(s, INT64_MIN, INT64_MAX, &v) < 0) {
		r->err = -EIO;
		return 0;
	}
	return v;
}

int64_t store_row_int(struct store_row *r, int i)
{
	if (i < r->n && !r->c[i]) {
		r->err = -EIO;
		return 0;
	}
	return store_row_int_or(r, i, 0);
}

int store_row_int64(const char *const *c, int n, void *ud)
{
	struct store_row r;
	int64_t v;

	store_row_init(&r, c, n, 1);
	v = store_row_int(&r, 0);
	if (r.err == 0)
		*(int64_t *)ud = v;
	return r.err;
}
