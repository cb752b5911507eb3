/* SPDX-License-Identifier: Apache-2.0 */
/*
 * problem.h - RFC 9457 problem details: every error the service returns
 * is one of these types, each with a stable name (its "type" is
 * "/problems/NAME", served as documentation by GET /problems/{type}), an
 * HTTP status and a title.  Pure: writes JSON into a cb_jw.
 */
#ifndef CB_SVC_PROBLEM_H
#define CB_SVC_PROBLEM_H

#include "jsonw.h"

enum svc_problem {
	P_NONE = 0,
	P_MALFORMED_JSON,
	P_INVALID_REQUEST,
	P_INVALID_INPUT,
	P_INVALID_CODE_SET,
	P_UNKNOWN_SET,
	P_UNKNOWN_CODE,
	P_NOT_FOUND,
	P_METHOD_NOT_ALLOWED,
	P_NOT_ACCEPTABLE_MEDIA,
	P_PAYLOAD_TOO_LARGE,
	P_BATCH_TOO_LARGE,
	P_UNAUTHORIZED,
	P_GOVERNANCE,
	P_IDEMPOTENCY_CONFLICT,
	P_VERSION_CONFLICT,
	P_SHUTTING_DOWN,
	P_INTERNAL,
	P_INVALID_ORDER,
	P_ORDER_CONFLICT,
	P_MARKETPLACE_ERROR,
	P_MARKETPLACE_UNCONFIGURED,
	/* the HTTP layer (issue 11): framing, deadlines, connection limits */
	P_MALFORMED_REQUEST,
	P_REQUEST_TIMEOUT,
	P_LENGTH_REQUIRED,
	P_URI_TOO_LONG,
	P_HEADER_TOO_LARGE,
	P_HTTP_VERSION,
	P_TOO_MANY_CONNECTIONS,
	P_SERVER_BUSY,
	P_RESPONSE_TOO_LARGE,
	P_UNKNOWN_SHOP,
	P_STORAGE_UNAVAILABLE,
	/* one truth (issue 9): limits checked before writing, commits of unknown outcome */
	P_LIMIT_EXCEEDED,
	P_OUTCOME_UNKNOWN,
	P_COUNT
};

struct svc_problem_info {
	unsigned    status;
	const char *name;    /* "malformed-json": the type is "/problems/malformed-json" */
	const char *title;
	const char *doc;     /* what it means and what to do */
};

const struct svc_problem_info *svc_problem_info(enum svc_problem p);
/* The problem called @name (length @len), or P_NONE. */
enum svc_problem svc_problem_find(const char *name, size_t len);

/*
 * Open a problem document: {"type","title","status","detail","instance",
 * "request_id" ... left open so the caller can add extension members, then
 * cb_jw_obj_end().  @instance and @request_id may be NULL.
 */
void svc_problem_open(cb_jw *w, enum svc_problem p, const char *detail,
    const char *instance, const char *request_id);

#endif
