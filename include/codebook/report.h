/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/report.h - findings of lint and governance (diff), each under a
 * stable rule name such as CODE_NO_DELETE that CI output can be grepped for.
 */
#ifndef CODEBOOK_REPORT_H
#define CODEBOOK_REPORT_H

#include "codebook/common.h"

CB_BEGIN_DECLS

typedef enum {
	CB_SEV_INFO = 0,    /**< a change worth knowing (a code was added) */
	CB_SEV_WARNING,     /**< allowed, but look at it */
	CB_SEV_ERROR,       /**< lint: the file is not a usable set */
	CB_SEV_BREAKING     /**< diff: the new version breaks its users */
} cb_severity;

/** "info", "warning", "error", "breaking". */
CB_EXTERN const char *cb_severity_name(cb_severity s);

typedef struct {
	const char *rule;      /**< stable name, e.g. "CODE_NO_DELETE" */
	cb_severity severity;
	const char *subject;   /**< the code, category or field concerned; "" if none */
	const char *file;      /**< source file, "" if unknown */
	unsigned line, column; /**< 0 if unknown */
	const char *message;   /**< what is wrong and what to do instead */
} cb_finding;

typedef struct cb_report cb_report;

CB_EXTERN size_t            cb_report_count(const cb_report *r);
CB_EXTERN const cb_finding *cb_report_get(const cb_report *r, size_t i);
/** Number of findings of severity @p s. */
CB_EXTERN size_t            cb_report_count_severity(const cb_report *r, cb_severity s);
/** NULL is a no-op. */
CB_EXTERN void              cb_report_free(cb_report *r);

/** A rule of lint or governance, from the table in src/lib/rules.c. */
typedef struct {
	const char *name;
	cb_severity severity;
	const char *summary;
	/** 1: a governance rule that applies only to sets that enforce it
	 * ("governance": {"rules": [...]}, cb_codeset_enforces()). */
	int opt_in;
} cb_rule_info;

CB_EXTERN size_t              cb_rule_count(void);
CB_EXTERN const cb_rule_info *cb_rule_get(size_t i);
/** The rule called @p name, or NULL. */
CB_EXTERN const cb_rule_info *cb_rule_find(const char *name);

CB_END_DECLS

#endif
