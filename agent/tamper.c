/* tamper.c: interruptions of a session's monitor, counted and timed, told as one report a burst. */
#include "tamper.h"

#include <stdio.h>
#include <string.h>

static const char *const cause_text[TAMPER_CAUSES] = {
    [TAMPER_KILLED] = "X connection killed",
    [TAMPER_CRASHED] = "monitor stopped unexpectedly",
};

/* A Wayland session's monitor is killed through the one part the pupil owns. */
static const char wayland_killed[] = "session helper killed or stopped";

static const char *cause(const struct tamper *t, int i)
{
	return t->wayland && i == TAMPER_KILLED ? wayland_killed : cause_text[i];
}

void tamper_init(struct tamper *t, bool wayland)
{
	memset(t, 0, sizeof(*t));
	t->wayland = wayland;
	t->last_gap_ms = -1;
}

void tamper_lost(struct tamper *t, enum tamper_cause cause, bool counts, int64_t now)
{
	if (t->up) {
		t->up = false;
		t->down_ms = now;
	}
	if (!counts)
		return;
	if (t->lost[TAMPER_KILLED] + t->lost[TAMPER_CRASHED] == 0)
		t->lost_first_ms = now;
	t->lost[cause]++;
}

void tamper_gone(struct tamper *t)
{
	memset(t->lost, 0, sizeof(t->lost));
}

void tamper_up(struct tamper *t, int64_t now)
{
	int lost = 0;

	for (int i = 0; i < TAMPER_CAUSES; i++)
		lost += t->lost[i];
	if (lost) {
		if (tamper_pending(t) == 0) {
			t->burst_first_ms = t->lost_first_ms;
			t->longest_gap_ms = 0;
		}
		for (int i = 0; i < TAMPER_CAUSES; i++)
			t->burst[i] += t->lost[i];
		t->burst_last_ms = t->down_ms ? t->down_ms : now;
		tamper_gone(t);
	}
	if (t->down_ms) {
		int64_t gap = now - t->down_ms;

		t->last_gap_ms = gap;
		if (tamper_pending(t) && gap > t->longest_gap_ms)
			t->longest_gap_ms = gap;
		t->restarts[t->nrestarts % TAMPER_HISTORY] = now;
		t->nrestarts++;
	}
	t->down_ms = 0;
	t->up = true;
}

int tamper_pending(const struct tamper *t)
{
	int n = 0;

	for (int i = 0; i < TAMPER_CAUSES; i++)
		n += t->burst[i];
	return n;
}

int64_t tamper_report_due(const struct tamper *t, int64_t started_ms)
{
	int64_t first = tamper_pending(t) ? t->burst_first_ms : t->lost_first_ms;

	if (tamper_pending(t) + t->lost[TAMPER_KILLED] + t->lost[TAMPER_CRASHED] == 0)
		return -1;
	if (started_ms - first >= TAMPER_BURST_MS)
		return started_ms;
	return started_ms + TAMPER_QUIET_MS;
}

void tamper_reported(struct tamper *t, int count)
{
	for (int i = 0; i < TAMPER_CAUSES && count > 0; i++) {
		int n = t->burst[i] < count ? t->burst[i] : count;

		t->burst[i] -= n;
		count -= n;
	}
	if (tamper_pending(t) == 0)
		t->longest_gap_ms = 0;
}

int tamper_restarts_1h(const struct tamper *t, int64_t now)
{
	size_t kept = t->nrestarts < TAMPER_HISTORY ? t->nrestarts : TAMPER_HISTORY;
	int n = 0;

	for (size_t i = 0; i < kept; i++) {
		if (now - t->restarts[i] < 3600 * 1000)
			n++;
	}
	return n;
}

void tamper_context(const struct tamper *t, char *out, size_t len)
{
	int64_t span = (t->burst_last_ms - t->burst_first_ms + 999) / 1000;
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < TAMPER_CAUSES && o < len; i++) {
		int n = t->burst[i];

		if (n == 0)
			continue;
		if (n == 1)
			o += (size_t)snprintf(out + o, len - o, "%s%s once", o ? "; " : "",
			                      cause(t, i));
		else
			o += (size_t)snprintf(out + o, len - o, "%s%s %d times in %lld s",
			                      o ? "; " : "", cause(t, i), n,
			                      (long long)(span > 0 ? span : 1));
	}
	if (o < len && t->longest_gap_ms > 0)
		snprintf(out + o, len - o, "; longest gap %lld.%01lld s",
		         (long long)(t->longest_gap_ms / 1000),
		         (long long)(t->longest_gap_ms % 1000 / 100));
}

const char *tamper_cause_name(const struct tamper *t)
{
	return cause(t, t->burst[TAMPER_KILLED] >= t->burst[TAMPER_CRASHED] ? TAMPER_KILLED
	                                                                    : TAMPER_CRASHED);
}
