/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.c - the table of lint and governance rules.  A rule's name is a
 * stable interface (CI greps it, API errors carry it); its severity is
 * decided here and nowhere else.  docs/governance.md is generated from the
 * same list by `codebook rules`.  Opt-in rules apply only to the sets that
 * list them under "governance" (docs/governance.md, "Rules per set").
 */
#include "codeset_int.h"

#include <string.h>

static const cb_rule_info rules[] = {
	/* lint: the file itself */
	{ "JSON_SYNTAX",          CB_SEV_ERROR,   "the file is not valid JSON (RFC 8259, UTF-8)", 0 },
	{ "SCHEMA",               CB_SEV_ERROR,   "a field is missing, unknown or of the wrong type (schemas/codeset.schema.json)", 0 },
	{ "DUPLICATE_CODE",       CB_SEV_ERROR,   "a code appears twice (in sets with repeated codes: the same code, context and description twice)", 0 },
	{ "CODE_BAD_FORMAT",      CB_SEV_ERROR,   "a code fails the set's own format rules", 0 },
	{ "CATEGORY_UNDECLARED",  CB_SEV_ERROR,   "an entry names a category the set does not declare", 0 },
	{ "CATEGORY_MISMATCH",    CB_SEV_ERROR,   "a CATEGORY.CODE entry's category field differs from the code's prefix", 0 },
	{ "CATEGORY_DUPLICATE",   CB_SEV_ERROR,   "a category is declared twice", 0 },
	{ "CONTEXT_UNDECLARED",   CB_SEV_ERROR,   "an entry's applies names a dimension or value the set does not declare", 0 },
	{ "HANDLING_UNDECLARED",  CB_SEV_ERROR,   "an entry names a handling class the set does not declare", 0 },
	{ "REPLACED_BY_UNKNOWN",  CB_SEV_ERROR,   "replaced_by names a code that is not in the set", 0 },
	{ "SINCE_AFTER_VERSION",  CB_SEV_ERROR,   "since, deprecated_since or editorial.version is later than the set's version", 0 },
	{ "ID_DUPLICATE",         CB_SEV_ERROR,   "two codes have the same id", 0 },
	{ "ID_MISMATCH",          CB_SEV_ERROR,   "entries of one code give different ids: an id belongs to the code", 0 },
	{ "VALID_DATES_ORDER",    CB_SEV_ERROR,   "an entry's valid_from is not before its valid_to", 0 },
	{ "ENTRY_NO_CODE",        CB_SEV_WARNING, "a row is kept without a code because its source gives none", 0 },
	{ "HANDLING_AMBIGUOUS",   CB_SEV_WARNING, "entries of one code in one context disagree on how to handle it", 0 },
	{ "DEPRECATED_NO_SINCE",  CB_SEV_WARNING, "a deprecated entry does not say since which version", 0 },
	{ "CODE_CASE",            CB_SEV_WARNING, "a code is not in the set's recommended case", 0 },
	{ "ID_ASSIGNED",          CB_SEV_WARNING, "a code has no id in the file: it gets the next free one; write it down so that it stays", 0 },
	/* lint: a mapping between sets (docs/mappings.md) */
	{ "MAPPING_SET_UNKNOWN",       CB_SEV_ERROR,   "a mapping's source or target set is not in the catalog", 0 },
	{ "MAPPING_SOURCE_UNKNOWN",    CB_SEV_ERROR,   "a mapping links a code its source set does not hold", 0 },
	{ "MAPPING_TARGET_UNKNOWN",    CB_SEV_ERROR,   "a mapping links to a code its target set does not hold", 0 },
	{ "MAPPING_TARGET_RETIRED",    CB_SEV_ERROR,   "a mapping links to a retired code", 0 },
	{ "MAPPING_INCOMPLETE",        CB_SEV_ERROR,   "a complete mapping has no link for a code of its source set", 0 },
	{ "MAPPING_TARGET_DEPRECATED", CB_SEV_WARNING, "a mapping links to a deprecated code", 0 },
	/* governance: comparing a new version with the published one */
	{ "SET_NAME_SAME",        CB_SEV_BREAKING, "a new version must keep the set's name", 0 },
	{ "VERSION_INCREASES",    CB_SEV_BREAKING, "a new version must have a higher version number", 0 },
	{ "CODE_NO_DELETE",       CB_SEV_BREAKING, "a published code may not be removed: deprecate it instead", 0 },
	{ "CODE_SAME_CATEGORY",   CB_SEV_BREAKING, "a published code may not move to another category", 0 },
	{ "CATEGORY_NO_DELETE",   CB_SEV_BREAKING, "a published category may not be removed", 0 },
	{ "CONTEXT_NO_DELETE",    CB_SEV_BREAKING, "a published context dimension or value may not be removed", 0 },
	{ "APPLIES_NO_NARROW",    CB_SEV_BREAKING, "a code may not stop suiting a context it suited", 0 },
	{ "FORMAT_KEEPS_CODES",   CB_SEV_BREAKING, "new format rules must still accept every published code", 0 },
	{ "RETIRE_ONLY_MIRRORS",  CB_SEV_BREAKING, "only mirrored sets and sets with a deprecation window may retire codes; others deprecate them", 0 },
	{ "ID_NO_CHANGE",         CB_SEV_BREAKING, "a published code keeps its id", 0 },
	{ "ID_NO_REUSE",          CB_SEV_BREAKING, "a new code may not take an id a published code has or had", 0 },
	{ "ID_INCREASES",         CB_SEV_BREAKING, "a new code's id must be above every id used so far", 0 },
	{ "GOVERNANCE_NO_DROP",   CB_SEV_BREAKING, "a set may not stop enforcing an opt-in rule it declared", 0 },
	{ "DEPRECATION_WINDOW",   CB_SEV_BREAKING, "a code may be retired only after it has been deprecated for the set's deprecation_window_days", 0 },
	{ "RETIRED_FOREVER",      CB_SEV_BREAKING, "a retired code of an owned set stays retired: its name and id are never used again", 0 },
	{ "WINDOW_NO_SHORTEN",    CB_SEV_BREAKING, "a set may not shorten or drop its deprecation window", 0 },
	{ "NO_REPURPOSE",         CB_SEV_BREAKING, "opt-in: a published code's description or contexts may not change unless the entry marks the change editorial", 1 },
	{ "MAPPING_KEEPS_COMPLETE", CB_SEV_BREAKING, "a new version may not break a complete mapping (a source code without a link, a target unknown or retired)", 0 },
	{ "DESCRIPTION_CHANGED",  CB_SEV_WARNING, "a description changed: make sure the code is not being repurposed", 0 },
	{ "CATEGORY_ADDED",       CB_SEV_WARNING, "a category was added: keep the category list small", 0 },
	{ "HANDLING_CHANGED",     CB_SEV_WARNING, "an error code's handling changed: clients will act differently", 0 },
	{ "STATUS_REVIVED",       CB_SEV_WARNING, "a deprecated or retired code became active again", 0 },
	{ "DEPRECATED_POLICY",    CB_SEV_WARNING, "deprecated codes are now rejected instead of accepted with a warning", 0 },
	{ "EDITORIAL_UNUSED",     CB_SEV_WARNING, "an entry is marked editorial for this version, but its code did not change", 0 },
	{ "CODE_ADDED",           CB_SEV_INFO,    "a code was added", 0 },
	{ "CODE_DEPRECATED",      CB_SEV_INFO,    "a code was deprecated", 0 },
	{ "CODE_RETIRED",         CB_SEV_INFO,    "a code was retired: the upstream dropped it, or its deprecation window has passed", 0 },
	{ "DATES_CHANGED",        CB_SEV_INFO,    "a code's valid_from or valid_to changed", 0 },
	{ "USAGE_CHANGED",        CB_SEV_INFO,    "a code's usage (send, accept, both) changed", 0 },
	{ "CONTEXT_ADDED",        CB_SEV_INFO,    "a context dimension or value was added", 0 },
	{ "APPLIES_WIDENED",      CB_SEV_INFO,    "a code now suits more contexts", 0 },
	{ "EDITORIAL_CHANGE",     CB_SEV_INFO,    "a code's description or contexts changed, marked editorial with a note", 0 },
	{ "GOVERNANCE_ADDED",     CB_SEV_INFO,    "the set now enforces an opt-in rule", 0 },
};

/* The opt-in rules, in the order of their CB__RULE_* bits. */
static const char *const opt_in[CB__RULES_OPT_IN] = { "NO_REPURPOSE" };

uint32_t
cb__rule_opt_in_bit(const char *name, size_t len, int *known)
{
	size_t i;

	*known = 0;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strlen(rules[i].name) == len && memcmp(rules[i].name, name, len) == 0)
			*known = 1;
	for (i = 0; i < CB__RULES_OPT_IN; i++)
		if (strlen(opt_in[i]) == len && memcmp(opt_in[i], name, len) == 0)
			return (uint32_t)1 << i;
	return 0;
}

const char *
cb__rule_opt_in_name(size_t k)
{
	return k < CB__RULES_OPT_IN ? opt_in[k] : "";
}

size_t
cb_rule_count(void)
{
	return sizeof(rules) / sizeof(rules[0]);
}

const cb_rule_info *
cb_rule_get(size_t i)
{
	return i < cb_rule_count() ? &rules[i] : NULL;
}

const cb_rule_info *
cb_rule_find(const char *name)
{
	size_t i;

	for (i = 0; i < cb_rule_count(); i++)
		if (strcmp(rules[i].name, name) == 0)
			return &rules[i];
	return NULL;
}

const char *
cb_severity_name(cb_severity s)
{
	static const char *const names[] = { "info", "warning", "error", "breaking" };

	return (unsigned)s < 4 ? names[s] : "?";
}
