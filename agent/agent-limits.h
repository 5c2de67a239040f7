/* agent-limits.h: resource ceilings and defaults of vigil-agent, as named constants. */
#pragma once

#include "vigil-limits.h" /* common/: the limits the agent shares with the server */

/* Typed text */
#define AGENT_TYPED_KEEP_BYTES   768u  /* typed bytes held per window (last few hundred chars) */
#define AGENT_TYPED_MAX_WINDOWS  8u    /* windows with a typed segment held at once */
#define AGENT_TYPED_REPORTED_MAX 32u   /* hits remembered per segment, to report each once */
#define AGENT_IDLE_FLUSH_MS      1000  /* a pause this long reports a phrase at the end */
#define AGENT_TYPED_LINE_HOLD_MS 10000 /* a line ended by Enter is kept this long for the next */
#define AGENT_TYPED_LINES_KEEP   256u  /* bytes of earlier lines kept for the next line */

/* Window titles and the clipboard */
#define AGENT_TITLE_MAX_BYTES    1024u        /* a window title scanned */
#define AGENT_APP_MAX_BYTES      128u         /* WM_CLASS class name */
#define AGENT_TITLE_CACHE        32u          /* windows whose last scanned title is kept */
#define AGENT_CLIP_DEFAULT_BYTES (64u * 1024) /* clipboard text scanned */
#define AGENT_CLIP_MAX_BYTES     (4u * 1024 * 1024)
#define AGENT_CLIP_TIMEOUT_MS    3000 /* owner that does not answer a conversion */

/* Hits */
#define AGENT_DEBOUNCE_DEFAULT_S 60   /* same rule, same window: one hit per interval */
#define AGENT_DEBOUNCE_SLOTS     256u /* (rule, window) pairs remembered */
#define AGENT_CONTEXT_MAX_CHARS  VIGIL_CONTEXT_MAX_CHARS /* the capture record's ceiling */
#define AGENT_TAMPER_SEVERITY    4   /* tamper-severity: monitoring was interrupted */
#define AGENT_MOMENT_DEFAULT_S   4   /* hits in one window this soon after the first: one capture */
#define AGENT_MOMENT_MAX_HITS    32u /* hits listed in one capture */
#define AGENT_MOMENTS_OPEN       8u  /* moments (windows) open at once */
#define AGENT_MOMENT_MAX_FRAMES  3u  /* further screenshots of one moment, as hits join it */
/* PNG bytes of one capture's screenshots together, well inside the server's body limit
 * once in base64: a frame that would pass it starts a capture of its own instead */
#define AGENT_MOMENT_MAX_PNG_BYTES (8u * 1024 * 1024)

/* Configuration */
#define AGENT_MAX_SESSIONS         64u  /* X sessions monitored at once */
#define AGENT_UNMONITORED_GRACE_MS 5000 /* a session unwatched this long is "unmonitored" */

/* Captures */
#define AGENT_CAPTURE_QUEUE     32u /* hits waiting for a screenshot */
#define AGENT_CAPTURE_HELD      64u /* records held in memory while the spool refuses */
#define AGENT_SPOOL_DEFAULT_MAX (256ull * 1024 * 1024) /* spool-max-bytes */
#define AGENT_SPOOL_RETRY_MS    5000                   /* held records retried this often */
