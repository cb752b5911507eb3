/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_limits.h - every limit the HTTP service puts on its clients, in one
 * place (the library's own limits are in src/util/cb_limits.h).  Each can be
 * overridden at build time; docs/http.md lists them.
 */
#ifndef CB_SVC_LIMITS_H
#define CB_SVC_LIMITS_H

#ifndef CB_SVC_MAX_BODY
# define CB_SVC_MAX_BODY          (1u << 20)  /* request body of checks, incidents, events */
#endif
#ifndef CB_SVC_MAX_CODESET_BODY
# define CB_SVC_MAX_CODESET_BODY  (8u << 20)  /* PUT of a code set */
#endif
#ifndef CB_SVC_MAX_BATCH
# define CB_SVC_MAX_BATCH         1000        /* items in one check, incident or event batch */
#endif
#ifndef CB_SVC_MAX_FIELD
# define CB_SVC_MAX_FIELD         256         /* bytes in an id, code, name or state field */
#endif
#ifndef CB_SVC_MAX_REASON
# define CB_SVC_MAX_REASON        4096        /* bytes in a free-text reason */
#endif
#ifndef CB_SVC_MAX_CONTEXT
# define CB_SVC_MAX_CONTEXT       16          /* context pairs in one check */
#endif
#ifndef CB_SVC_MAX_PAGE
# define CB_SVC_MAX_PAGE          1000        /* rows in one page of GET /v1/incidents|events */
#endif
#define CB_SVC_DEFAULT_PAGE       100
#ifndef CB_SVC_MAX_QUERY_ARGS
# define CB_SVC_MAX_QUERY_ARGS    32          /* query parameters in one request */
#endif
/* parameters one route's table names (route.c; a _Static_assert there) */
#define SVC_MAX_QPARAMS           16
#ifndef CB_SVC_MAX_QUERY_VALUE
# define CB_SVC_MAX_QUERY_VALUE   512         /* bytes of one query parameter's value */
#endif
#ifndef CB_SVC_MAX_SEGMENTS
# define CB_SVC_MAX_SEGMENTS      8           /* path segments a route can have */
#endif

/*
 * Connections and deadlines (docs/http.md, Timeouts and connection limits).
 * The CB_SVC_DEFAULT_* values are the defaults of `codebook serve`'s flags.
 */
#ifndef CB_SVC_DEFAULT_MAX_CONNECTIONS
# define CB_SVC_DEFAULT_MAX_CONNECTIONS 4096  /* --max-connections: open connections in all */
#endif
#ifndef CB_SVC_DEFAULT_MAX_PER_CLIENT
# define CB_SVC_DEFAULT_MAX_PER_CLIENT 256    /* --max-connections-per-client: from one IP address */
#endif
#ifndef CB_SVC_DEFAULT_HEADER_TIMEOUT_MS
# define CB_SVC_DEFAULT_HEADER_TIMEOUT_MS 10000 /* --header-timeout: the whole request head must have
                                                   arrived this long after the connection opened or
                                                   the previous response was sent (keep-alive
                                                   idling included); the clock never restarts */
#endif
#ifndef CB_SVC_DEFAULT_BODY_TIMEOUT_MS
# define CB_SVC_DEFAULT_BODY_TIMEOUT_MS 30000 /* --body-timeout: the whole body, after the head */
#endif
#ifndef CB_SVC_DEFAULT_SEND_TIMEOUT_MS
# define CB_SVC_DEFAULT_SEND_TIMEOUT_MS 60000 /* --send-timeout: the client must have read the whole
                                                 response this long after it was ready */
#endif
#ifndef CB_SVC_CONN_TIMEOUT
# define CB_SVC_CONN_TIMEOUT      120         /* seconds without a byte either way (a backstop
                                                 under the deadlines above) */
#endif
#define CB_SVC_MIN_CONNECTIONS    16          /* the least --max-connections takes */
#define CB_SVC_FD_RESERVE         64          /* descriptors kept for the database, logs, catalogs */
#define CB_SVC_FDS_PER_CONNECTION 3           /* the client's socket and the door's socket pair */
#ifndef CB_SVC_LINGER_MS
# define CB_SVC_LINGER_MS         2000        /* after a refusal: how long unread request bytes are
                                                 drained, so the client reads the problem rather
                                                 than a reset */
#endif
#define CB_SVC_LINGER_BYTES       (256u << 10) /* ... and at most this many */
#define CB_SVC_RETRY_AFTER_S      1           /* Retry-After of too-many-connections, server-busy */

/* Framing (src/svc/framing.c): what a request head may be. */
#ifndef CB_SVC_MAX_HEAD
# define CB_SVC_MAX_HEAD          8192        /* bytes of a request head, blank line included (431) */
#endif
#ifndef CB_SVC_MAX_TARGET
# define CB_SVC_MAX_TARGET        4096        /* bytes of the request target (414) */
#endif
#ifndef CB_SVC_MAX_HEADER_FIELDS
# define CB_SVC_MAX_HEADER_FIELDS 64          /* header fields of one request (431) */
#endif
#ifndef CB_SVC_MAX_CONTENT_LENGTH
# define CB_SVC_MAX_CONTENT_LENGTH (64u << 20) /* a larger Content-Length is refused before any
                                                  route is looked at (413) */
#endif

/* Clients without an API key (amplification: a small request must not buy
 * a large answer).  A valid key lifts these. */
#ifndef CB_SVC_ANON_MAX_BODY
# define CB_SVC_ANON_MAX_BODY     (16u << 10) /* body of an unauthenticated check */
#endif
#ifndef CB_SVC_ANON_MAX_CHECK_ITEMS
# define CB_SVC_ANON_MAX_CHECK_ITEMS 100      /* items of an unauthenticated check batch */
#endif
#ifndef CB_SVC_ANON_MAX_RESPONSE
# define CB_SVC_ANON_MAX_RESPONSE (256u << 10) /* bytes of the answer to an unauthenticated request */
#endif
#ifndef CB_SVC_ANON_RATE
# define CB_SVC_ANON_RATE         (1u << 20)  /* bytes a second (request and answer) one client address
                                                 gets on those routes without a key; beyond it its
                                                 requests wait, they are not refused */
#endif
#ifndef CB_SVC_ANON_FREE_BYTES
# define CB_SVC_ANON_FREE_BYTES   4096        /* a request costs the budget only what it and its answer
                                                 pass this by: single checks are free, so a busy client
                                                 of small checks is never slowed */
#endif
#ifndef CB_SVC_ANON_BURST
# define CB_SVC_ANON_BURST        (4u << 20)  /* ... and the bytes it may use at once */
#endif
#define CB_SVC_ANON_MAX_WAIT_MS   5000        /* the longest one request is made to wait */
#ifndef CB_SVC_SHUTDOWN_GRACE_MS
# define CB_SVC_SHUTDOWN_GRACE_MS 10000       /* how long SIGTERM waits for requests in flight */
#endif
#ifndef CB_SVC_MAX_SETS
# define CB_SVC_MAX_SETS          256         /* code sets served (as CB_MAX_SETS) */
#endif
#ifndef CB_SVC_MAX_SET_VERSION
# define CB_SVC_MAX_SET_VERSION   1000000000  /* the first version of a new set: each next version is the
                                               * previous + 1, so a set always has room to grow */
#endif
#ifndef CB_SVC_MAX_REPORT_GROUPS
# define CB_SVC_MAX_REPORT_GROUPS 10000       /* (group, code) rows in one report */
#endif
#define CB_SVC_REQUEST_ID_MAX     64          /* a client's X-Request-Id is kept when shorter */

/* the limits of orders and refunds are the orders domain's: src/orders/orders_limits.h */

/* When a recorded event or incident may have occurred (occurred_at):
 * [1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z).  Year 0000 or 9999 is a
 * client's bug, not a date; the bounds are fixed (not "now"), so a replay
 * is judged the same whenever it comes. */
#define CB_SVC_MIN_TIME_US        0LL
#define CB_SVC_MAX_TIME_US        4102444800000000LL
#define CB_SVC_TIME_RANGE_TEXT    "1970-01-01T00:00:00Z to 2099-12-31T23:59:59Z"

#if CB_SVC_MAX_BODY > (64u << 20) || CB_SVC_MAX_CODESET_BODY > (64u << 20)
# error "request body limits are unreasonably large"
#endif
#if CB_SVC_MAX_BATCH > 100000
# error "CB_SVC_MAX_BATCH is unreasonably large"
#endif
#if CB_SVC_MAX_HEAD > 16384 || CB_SVC_MAX_TARGET + 32 > CB_SVC_MAX_HEAD
# error "CB_SVC_MAX_HEAD must hold the longest request line and stay under libmicrohttpd's pool"
#endif
#if CB_SVC_MAX_CONTENT_LENGTH < CB_SVC_MAX_CODESET_BODY || CB_SVC_ANON_MAX_CHECK_ITEMS > CB_SVC_MAX_BATCH
# error "the door's and the anonymous limits must sit inside the routes' limits"
#endif

#endif
