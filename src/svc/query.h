/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.h - query parameters read from a table: each route of the routing
 * table (route.h) lists the parameters it takes, with their kind and
 * range, and the server reads every request's query against it before the
 * handler runs: each value is checked, and an argument the table does not
 * know is a 400 problem naming the parameter, what was wrong and what is
 * accepted.  So no route silently ignores a parameter.
 */
#ifndef CB_SVC_QUERY_H
#define CB_SVC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "route.h"
#include "svc_limits.h"

struct svc_req;

/* The value of a parameter, when given. */
struct svc_qval {
	const char *s;               /* the text; NULL when absent */
	uint64_t    u;               /* SQ_UINT, SQ_BOOL (0 or 1) */
	int64_t     i;               /* SQ_CURSOR, SQ_TIME (microseconds) */
};

/*
 * Read @r's query arguments against the table of its route into r->q (in
 * the table's order), and those the route leaves to its handler
 * (SQO_CONTEXT, SQO_DIMENSION) into r->qother.  Returns 0, or -1 after a
 * 400 (unknown, repeated, malformed or out of range).
 */
int svc_query_route(struct svc_req *r);

/* A 400 invalid-request problem with a "parameter" member. */
void svc_bad_param(struct svc_req *r, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
