/*
 * query.h - query parameters read from a table: each handler lists the
 * parameters it takes, with their kind and range, and gets each value
 * checked, or a 400 problem naming the parameter, what was wrong and what
 * is accepted.  An argument the table does not know is refused the same
 * way, so no route silently ignores a parameter.  Paging (limit and
 * cursor) is two rows of such a table (SVC_Q_PAGE).
 */
#ifndef CB_SVC_QUERY_H
#define CB_SVC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "svc_limits.h"

struct svc_req;

enum svc_qkind {
	SQ_STR = 0,   /* text, at most CB_SVC_MAX_QUERY_VALUE bytes */
	SQ_UINT,      /* a whole number in [min, max] */
	SQ_CURSOR,    /* a next_cursor from an earlier page */
	SQ_TIME       /* an RFC 3339 date-time, to microseconds since 1970 */
};

struct svc_qparam {
	const char     *name;
	enum svc_qkind  kind;
	uint64_t        min, max;    /* SQ_UINT */
	const char     *hint;        /* SQ_UINT: what the range means ("a page holds"), or NULL */
};

/* The value of a parameter, when given. */
struct svc_qval {
	const char *s;               /* the text; NULL when absent */
	uint64_t    u;               /* SQ_UINT */
	int64_t     i;               /* SQ_CURSOR, SQ_TIME (microseconds) */
};

/* The rows of a paged listing, for the end of a table. */
#define SVC_Q_PAGE \
	{ "limit", SQ_UINT, 1, CB_SVC_MAX_PAGE, "a page holds" }, \
	{ "cursor", SQ_CURSOR, 0, 0, NULL }

/*
 * An argument the table does not name: return 1 when it was taken, 0 when
 * it is unknown too, -1 after answering (a 400 of its own).
 */
typedef int (*svc_qother_fn)(void *arg, struct svc_req *r, const char *k, const char *v);

/*
 * Read @r's query arguments against @spec (@n rows) into @out (@n values,
 * cleared first).  Arguments not in @spec go to @other (may be NULL), and
 * @other_names (may be NULL) describes them in the list of accepted
 * parameters ("context.DIMENSION").  Returns 0, or -1 after a 400.
 */
int svc_query(struct svc_req *r, const struct svc_qparam *spec, size_t n, struct svc_qval *out,
    svc_qother_fn other, void *arg, const char *other_names);

/* A 400 invalid-request problem with a "parameter" member. */
void svc_bad_param(struct svc_req *r, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
