/*
 * rules.c - the table of lint and governance rules.  A rule's name is a
 * stable interface (CI greps it, API errors carry it); its severity is
 * decided here and nowhere else.  docs/governance.md is generated from the
 * same list by `codebook rules`.
 */
#include "codeset_int.h"

#include <string.h>

static const cb_rule_info rules[] = {
	/* lint: the file itself */
	{ "JSON_SYNTAX",          CB_SEV_ERROR,   "the file is not valid JSON (RFC 8259, UTF-8)" },
	{ "SCHEMA",               CB_SEV_ERROR,   "a field is missing, unknown or of the wrong type (schemas/codeset.schema.json)" },
	{ "DUPLICATE_CODE",       CB_SEV_ERROR,   "a code appears twice (in sets with repeated codes: the same code, context and description twice)" },
	{ "CODE_BAD_FORMAT",      CB_SEV_ERROR,   "a code fails the set's own format rules" },
	{ "CATEGORY_UNDECLARED",  CB_SEV_ERROR,   "an entry names a category the set does not declare" },
	{ "CATEGORY_MISMATCH",    CB_SEV_ERROR,   "a CATEGORY.CODE entry's category field differs from the code's prefix" },
	{ "CATEGORY_DUPLICATE",   CB_SEV_ERROR,   "a category is declared twice" },
	{ "CONTEXT_UNDECLARED",   CB_SEV_ERROR,   "an entry's applies names a dimension or value the set does not declare" },
	{ "HANDLING_UNDECLARED",  CB_SEV_ERROR,   "an entry names a handling class the set does not declare" },
	{ "REPLACED_BY_UNKNOWN",  CB_SEV_ERROR,   "replaced_by names a code that is not in the set" },
	{ "SINCE_AFTER_VERSION",  CB_SEV_ERROR,   "since or deprecated_since is later than the set's version" },
	{ "ENTRY_NO_CODE",        CB_SEV_WARNING, "a row is kept without a code because its source gives none" },
	{ "HANDLING_AMBIGUOUS",   CB_SEV_WARNING, "entries of one code in one context disagree on how to handle it" },
	{ "DEPRECATED_NO_SINCE",  CB_SEV_WARNING, "a deprecated entry does not say since which version" },
	{ "CODE_CASE",            CB_SEV_WARNING, "a code is not in the set's recommended case" },
	/* governance: comparing a new version with the published one */
	{ "SET_NAME_SAME",        CB_SEV_BREAKING, "a new version must keep the set's name" },
	{ "VERSION_INCREASES",    CB_SEV_BREAKING, "a new version must have a higher version number" },
	{ "CODE_NO_DELETE",       CB_SEV_BREAKING, "a published code may not be removed: deprecate it instead" },
	{ "CODE_SAME_CATEGORY",   CB_SEV_BREAKING, "a published code may not move to another category" },
	{ "CATEGORY_NO_DELETE",   CB_SEV_BREAKING, "a published category may not be removed" },
	{ "CONTEXT_NO_DELETE",    CB_SEV_BREAKING, "a published context dimension or value may not be removed" },
	{ "APPLIES_NO_NARROW",    CB_SEV_BREAKING, "a code may not stop suiting a context it suited" },
	{ "FORMAT_KEEPS_CODES",   CB_SEV_BREAKING, "new format rules must still accept every published code" },
	{ "RETIRE_ONLY_MIRRORS",  CB_SEV_BREAKING, "only mirrored sets may retire codes; others deprecate them" },
	{ "DESCRIPTION_CHANGED",  CB_SEV_WARNING, "a description changed: make sure the code is not being repurposed" },
	{ "CATEGORY_ADDED",       CB_SEV_WARNING, "a category was added: keep the category list small" },
	{ "HANDLING_CHANGED",     CB_SEV_WARNING, "an error code's handling changed: clients will act differently" },
	{ "STATUS_REVIVED",       CB_SEV_WARNING, "a deprecated or retired code became active again" },
	{ "DEPRECATED_POLICY",    CB_SEV_WARNING, "deprecated codes are now rejected instead of accepted with a warning" },
	{ "CODE_ADDED",           CB_SEV_INFO,    "a code was added" },
	{ "CODE_DEPRECATED",      CB_SEV_INFO,    "a code was deprecated" },
	{ "CODE_RETIRED",         CB_SEV_INFO,    "a mirrored code was retired: the upstream dropped it" },
	{ "CONTEXT_ADDED",        CB_SEV_INFO,    "a context dimension or value was added" },
	{ "APPLIES_WIDENED",      CB_SEV_INFO,    "a code now suits more contexts" },
};

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
