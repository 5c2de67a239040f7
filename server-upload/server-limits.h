/* server-limits.h: resource ceilings of vigil-server as named constants, in one place. */
#pragma once

#include "vigil-limits.h" /* common/vigil-limits.h: VIGIL_CONTEXT_MAX_CHARS and the list limits */

/* HTTP */
#define SERVER_MAX_BODY_DEFAULT    (16u * 1024 * 1024)  /* request body, answered 413 above */
#define SERVER_SMALL_BODY          (16u * 1024)         /* enrol, heartbeat */
#define SERVER_BODY_BUDGET         (512u * 1024 * 1024) /* all bodies buffered at once: 503 */
#define SERVER_CONNECTIONS_DEFAULT 1024u
#define SERVER_TIMEOUT_DEFAULT     30u /* seconds of silence before a connection is closed */
#define SERVER_THREADS_DEFAULT     16u
#define SERVER_MAX_BEARER          128u /* bytes of an Authorization header value */
/* Bodies are reserved from budgets as their bytes arrive, after the route's early check
 * (authentication): captures have their own budget so that small unauthenticated
 * requests cannot starve them, and one address or machine cannot take a whole budget. */
#define SERVER_CAPTURE_BUDGET               (384u * 1024 * 1024) /* capture uploads: 503 */
#define SERVER_OTHER_BUDGET                 (64u * 1024 * 1024)  /* every other body: 503 */
#define SERVER_CONN_PER_ADDR_DEFAULT        512u /* connections from one address at once */
#define SERVER_HEAD_TIMEOUT_DEFAULT         10u  /* seconds a request's head may take */
#define SERVER_INFLIGHT_PER_ADDR_DEFAULT    (64u * 1024 * 1024) /* body bytes, one address */
#define SERVER_INFLIGHT_PER_MACHINE_DEFAULT (48u * 1024 * 1024) /* capture bytes, one machine */

/* Capture record fields, in Unicode characters */
#define CAPTURE_MAX_PNG_BYTES        (12u * 1024 * 1024)
#define CAPTURE_MAX_NAME             VIGIL_RECORD_MAX_NAME
#define CAPTURE_MAX_TEXT             VIGIL_RECORD_MAX_TEXT
#define CAPTURE_MAX_HITS             64u /* entries of a record's "hits" */
#define CAPTURE_MAX_TITLE            VIGIL_RECORD_MAX_TITLE
#define CAPTURE_MAX_DIMENSION        32768 /* screenshot width and height in pixels */
#define SERVER_IMAGE_SIDE_DEFAULT    8192u /* max-image-side: pixels on a side */
#define SERVER_IMAGE_MPIXELS_DEFAULT 25u   /* max-image-megapixels (two 4K screens: 16.6) */

/* Machines and phrase lists */
#define SERVER_OFFLINE_DEFAULT     900u /* seconds without a heartbeat before "offline" */
#define SERVER_LISTS_CHECK_DEFAULT 10u  /* seconds between looks at the lists directory */
#define SERVER_MAX_LIST_UPLOAD     VIGIL_LIST_MAX_FILE_BYTES
