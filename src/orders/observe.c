/* SPDX-License-Identifier: Apache-2.0 */
/*
 * observe.c - noting codes met in marketplace traffic that their set does
 * not hold (observe.h).
 */
#include "observe.h"

#include <string.h>

#include "err.h"
#include "logger.h"

void
cb_observe(cb_store *st, const char *set, const char *code, const char *seen_in, const char *request_id)
{
	cb_log_line l;

	if (st == NULL || code == NULL || code[0] == '\0')
		return;
	if (cb_store_obs_note(st, set, code, seen_in, request_id) == CB_OK) {
		cb_log_begin(&l, CB_LOG_INFO, "observed a code the set does not hold");
		cb_jw_kstr(&l.w, "set", set);
		cb_jw_kstr(&l.w, "code", code);
		cb_jw_kstr(&l.w, "seen_in", seen_in);
		cb_log_end(&l);
		return;
	}
	cb_log_begin(&l, CB_LOG_WARN, "could not note an observed code");
	cb_jw_kstr(&l.w, "set", set);
	cb_jw_kstr(&l.w, "code", code);
	cb_jw_kstr(&l.w, "error", cb_errmsg());
	cb_log_end(&l);
}

void
cb_observe_error(cb_store *st, const cb_codeset *errors, const cb_mkt_error *err, const char *seen_in)
{
	const char *code = err->error_code;

	/* only the marketplace's own codes: the transport's (TIMEOUT, HTTP_5XX)
	 * are codebook's names, not something the marketplace said */
	if (errors == NULL || err->kind != CB_MKT_E_MARKET || code[0] == '\0' ||
	    cb_codeset_find(errors, code, strlen(code)) != NULL)
		return;
	cb_observe(st, cb_codeset_name(errors), code, seen_in, err->request_id);
}

void
cb_observe_reason(cb_store *st, const cb_codeset *rr, const char *key, const char *seen_in,
    const char *request_id)
{
	if (rr == NULL || key == NULL || key[0] == '\0' || cb_codeset_find(rr, key, strlen(key)) != NULL)
		return;
	cb_observe(st, cb_codeset_name(rr), key, seen_in, request_id);
}
