/* SPDX-License-Identifier: Apache-2.0 */
/*
 * init.c - every *_INIT macro of the public headers, used as a program
 * would use it.  Compiled (not run) as strict C99 and as C++11 with
 * warnings as errors by the header/c99-init and header/cxx-init tests:
 * the initialisers must stay warning-free in both languages
 * (-Wmissing-field-initializers included).
 */
#include <codebook.h>

int cb_header_init_use(const cb_codeset *cs);

int
cb_header_init_use(const cb_codeset *cs)
{
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_decision d = CB_DECISION_INIT;
	cb_line_result l = CB_LINE_RESULT_INIT;
	cb_validate_counts c = CB_VALIDATE_COUNTS_INIT;
	cb_format f = CB_FORMAT_INIT;
	cb_policy p = CB_POLICY_INIT;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	char msg[CB_CHECK_MESSAGE_MAX];

	if (!CB_VERSION_CHECK() || cb_version_number() < CB_VERSION_NUMBER)
		return 1;
	if (cb_check(&r, cs, "X", 1, NULL, 0) != CB_OK || cb_check_message(msg, sizeof(msg), &r) != CB_OK)
		return 1;
	if (cb_decide(&d, cs, "X", 1, NULL, 0, 1, NULL) != CB_OK)
		return 1;
	if (cb_codeset_format(cs, &f) != CB_OK || cb_codeset_policy(cs, &p) != CB_OK)
		return 1;
	e.code = "X";
	return (int)(l.version + c.version + e.version) - 3;
}
