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
#ifndef CB_SVC_MAX_QUERY_VALUE
# define CB_SVC_MAX_QUERY_VALUE   512         /* bytes of one query parameter's value */
#endif
#ifndef CB_SVC_MAX_SEGMENTS
# define CB_SVC_MAX_SEGMENTS      8           /* path segments a route can have */
#endif
#ifndef CB_SVC_MAX_CONNECTIONS
# define CB_SVC_MAX_CONNECTIONS   1024        /* open connections */
#endif
#ifndef CB_SVC_CONN_TIMEOUT
# define CB_SVC_CONN_TIMEOUT      30          /* seconds a connection may stay idle */
#endif
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

#if CB_SVC_MAX_BODY > (64u << 20) || CB_SVC_MAX_CODESET_BODY > (64u << 20)
# error "request body limits are unreasonably large"
#endif
#if CB_SVC_MAX_BATCH > 100000
# error "CB_SVC_MAX_BATCH is unreasonably large"
#endif

#endif
