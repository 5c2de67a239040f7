/* atspi.h: viewed text from the session's accessibility tree (AT-SPI2), in a thread of its own. */
#pragma once

#include <stdint.h>

#include "screentext-queue.h"

struct atspi_src;

/*
 * Starts a thread that follows text-changed, name-changed, document load-complete and
 * focus events of the session on display, reads the text of the objects concerned
 * (whole documents on load, at most ATSPI_WALK_NODES objects per walk) and pushes new
 * text to q. The accessibility bus is AT_SPI_BUS_ADDRESS of the agent's own environment,
 * else what the session bus (DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus) answers
 * to org.a11y.Bus GetAddress; never the display's AT_SPI_BUS root window property, which
 * any client may write. Without one the thread asks again every few seconds. 0 and
 * *out, or a negative errno.
 */
int atspi_src_start(struct stq *q, const char *display, struct atspi_src **out);

/* CPU time of the thread in ns, events received, pieces pushed. */
void atspi_src_stats(struct atspi_src *s, uint64_t *cpu_ns, uint64_t *events, uint64_t *pieces);

/* Stops the thread and frees s; NULL is fine. */
void atspi_src_stop(struct atspi_src *s);
