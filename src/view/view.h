/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view.h - JSON renderings of libcodebook results, shared by the front ends
 * (CLI --json output, HTTP responses) so both speak the same shapes.
 * Uses only the public API of <codebook.h>.
 */
#ifndef CB_VIEW_H
#define CB_VIEW_H

#include <codebook.h>

#include "jsonw.h"

/* {"code":..., "id":..., "category":..., "description":..., "editorial":{...}, "status":..., "applies":{...}, ...} */
void cb_view_entry(cb_jw *w, const cb_entry *e);
/* {"name","title","version","description","entries":n,...} */
void cb_view_set_summary(cb_jw *w, const cb_codeset *cs);
/* {"set","version","code","context",{...},"valid","reason","message","entry","alternatives"} */
void cb_view_check(cb_jw *w, const cb_check_result *r, const char *code, size_t code_len,
    const cb_ctx *ctx, size_t nctx);
/* {"action","retry","delay_ms","attempt","max_attempts","known","contact_support","message","entries":[...],
 *  "unmatched":[{"dimension","value"}],"set","version"} */
void cb_view_decision(cb_jw *w, const cb_decision *d);
/* [{"rule","severity","subject","file","line","column","message"},...] */
void cb_view_findings(cb_jw *w, const cb_report *r);
/* The per-code changes of report @r (cb_diff() of the version before and
 * @cs), one object each of the change feed: {version, code, id, change,
 * rule, message, entry}, the entry as @cs has it (docs/http.md, "Change
 * feed").  Elements of an array the caller opened.  Returns how many. */
size_t cb_view_changes(cb_jw *w, const cb_report *r, const cb_codeset *cs);
/* {"context":{"rule":{"description","descriptive","values":[...]}}, "categories":[...], "governance":[...],
 *  "max_id", ...} without entries */
void cb_view_set_meta(cb_jw *w, const cb_codeset *cs);
/* "categories": [{name, description}] of @cs. */
void cb_view_set_categories(cb_jw *w, const cb_codeset *cs);
/* "contexts": {DIM: {description, [descriptive,] values}} of @cs. */
void cb_view_set_contexts(cb_jw *w, const cb_codeset *cs, int descriptive);
/* {"name","title","description","source_set","target_set","complete","links":n} (links: count only), or with
 * @links the links too: [{"from","to","equivalence","basis","comment"},...] */
void cb_view_mapping(cb_jw *w, const cb_mapping *m, int links);
/* {"mapping","source_set","target_set","code","in_source_set","result","mapped","matches":[{"to","equivalence",
 * "basis","comment"}]}: result is true when a match has a target (FHIR $translate); in_source_set is null
 * when @source (the source set as known to the caller) is NULL */
void cb_view_translation(cb_jw *w, const cb_mapping *m, const char *code, size_t len, const cb_codeset *source);

#endif
