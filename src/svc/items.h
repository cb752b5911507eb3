/* SPDX-License-Identifier: Apache-2.0 */
/*
 * items.h - validation of request bodies: the items of POST /v1/incidents
 * and /v1/events (fields, timestamps, and the reason code checked against
 * the code set), and the queries of POST /v1/code-sets/{set}/check.  Pure:
 * JSON in, records or precise errors out; fuzzed by fuzz/fuzz_http.c.
 */
#ifndef CB_SVC_ITEMS_H
#define CB_SVC_ITEMS_H

#include <codebook.h>

#include "../shim/json_shim.h"
#include "../store/store.h"
#include "buf.h"
#include "problem.h"
#include "rfc3339.h"
#include "svc_limits.h"

/* A request-level fault: which problem, what, and where. */
struct svc_fault {
	enum svc_problem problem;  /* P_NONE when the request is usable */
	char   detail[512];
	char   pointer[96];        /* RFC 6901 pointer to the fault, "" if none */
	long   offset;             /* byte offset in the body, -1 if none */
	unsigned line, column;
};


struct svc_items {
	cb_json_doc *doc;          /* the records point into it */
	cb_rec      *recs;
	size_t       n;
	int          batch;        /* the body was a batch, not one item */
	struct svc_fault fault;
	/* P_INVALID_INPUT: a JSON array of item errors; nerrors items */
	cb_buf       errors;
	size_t       nerrors;
	size_t       ninvalid;     /* items with at least one error */
	/* accepted with a warning (deprecated codes): a JSON array */
	cb_buf       warnings;
	size_t       nwarnings;
	char       (*times)[CB_TIME_MAX];
	cb_reason   *reasons;      /* per item: the check's verdict (metrics) */
	unsigned char *checked;    /* per item: 1 when the check ran */
	/* usage evidence: per item, the entry of its code (NULL: unknown) and
	 * whether the check accepted it */
	const cb_entry **entries;
	unsigned char *accepted;
};

/*
 * Parse and validate the body of a record POST: one item (an object) or a
 * batch (an array, or {"<plural>": [...]}).  Each item's reason_code is
 * checked against @cs, with the kind's context field as context.
 * Returns CB_OK with it->fault.problem telling the outcome: P_NONE (all
 * items valid: it->recs), P_MALFORMED_JSON / P_INVALID_REQUEST /
 * P_BATCH_TOO_LARGE (the request), or P_INVALID_INPUT (it->errors lists
 * every fault).  CB_ENOMEM otherwise.  Free with svc_items_free().
 */
int svc_items_parse(struct svc_items *it, const cb_rec_desc *d, const cb_codeset *cs,
    const char *body, size_t len);
void svc_items_free(struct svc_items *it);

/* One query of the check route. */
struct svc_check_item {
	const char *code;
	size_t      code_len;
	cb_ctx      ctx[CB_SVC_MAX_CONTEXT];
	size_t      nctx;
};

struct svc_checks {
	cb_json_doc *doc;
	struct svc_check_item *items;
	size_t n;
	int    batch;
	struct svc_fault fault;
};

/*
 * Parse the body of a check: {"code": "...", "context": {...}} or
 * {"items": [{"code", "context"}, ...], "context": {...}} where the outer
 * context applies to items without their own.  A batch has at most
 * @max_items items (CB_SVC_MAX_BATCH, or CB_SVC_ANON_MAX_CHECK_ITEMS for a
 * client without a key).  Same conventions as svc_items_parse (faults:
 * malformed-json, invalid-request, batch-too-large).
 */
int svc_checks_parse(struct svc_checks *c, const char *body, size_t len, size_t max_items);
void svc_checks_free(struct svc_checks *c);

/* Record a fault, with @off the byte offset in @body (or -1). */
void svc_fault_set(struct svc_fault *f, enum svc_problem p, const char *body, size_t len,
    long off, const char *pointer, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif
