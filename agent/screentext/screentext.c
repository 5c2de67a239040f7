/* screentext.c: viewed text (accessibility tree, OCR of changed screen regions) for a monitor. */
#include "screentext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atspi.h"
#include "log.h"
#include "ocr.h"
#include "screentext-queue.h"

struct screentext {
	struct stq *q;
	struct atspi_src *atspi;
	struct ocr_src *ocr;
	screentext_fn fn;
	void *userdata;
};

int screentext_start(const struct screentext_params *p, struct screentext **out)
{
	struct screentext *st = calloc(1, sizeof(*st));
	int r;

	if (!st)
		return -ENOMEM;
	st->fn = p->fn;
	st->userdata = p->userdata;
	st->q = stq_new();
	if (!st->q) {
		free(st);
		return -ENOMEM;
	}
	if (p->modes & SCREENTEXT_ATSPI) {
		r = atspi_src_start(st->q, p->display, &st->atspi);
		if (r < 0)
			log_warning("screen-text: accessible text not followed: %s", strerror(-r));
	}
	if (p->modes & SCREENTEXT_OCR) {
		struct ocr_params op = {
		    .display = p->display,
		    .interval_ms =
		        p->ocr_interval_ms > 0 ? p->ocr_interval_ms : OCR_DEFAULT_INTERVAL_MS,
		    .budget_pct =
		        p->ocr_budget_pct > 0 ? p->ocr_budget_pct : OCR_DEFAULT_BUDGET_PCT,
		};

		r = ocr_src_start(st->q, &op, &st->ocr);
		if (r < 0)
			log_warning("screen-text: OCR not started: %s", strerror(-r));
	}
	*out = st;
	return 0;
}

int screentext_fd(const struct screentext *st)
{
	return stq_fd(st->q);
}

void screentext_dispatch(struct screentext *st)
{
	stq_dispatch(st->q, st->fn, st->userdata);
}

void screentext_get_stats(struct screentext *st, struct screentext_stats *out)
{
	*out = (struct screentext_stats){0};
	if (st->atspi)
		atspi_src_stats(st->atspi, &out->atspi_cpu_ns, &out->atspi_events,
		                &out->atspi_pieces);
	if (st->ocr)
		ocr_src_stats(st->ocr, &out->ocr_cpu_ns, &out->ocr_rounds, &out->ocr_skipped,
		              &out->ocr_pieces);
	out->dropped = stq_dropped(st->q);
}

void screentext_stop(struct screentext *st)
{
	if (!st)
		return;
	stq_close(st->q);
	atspi_src_stop(st->atspi);
	ocr_src_stop(st->ocr);
	stq_free(st->q);
	free(st);
}
