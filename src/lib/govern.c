/* SPDX-License-Identifier: Apache-2.0 */
/*
 * govern.c - may a new version of a set replace the published one?
 *
 * Codes are compared by code, categories and context values by name, so
 * reordering a file changes nothing.  For a code with several entries
 * (error sets) what counts is the union of the contexts its entries suit.
 * docs/governance.md explains each rule.
 */
#include "codeset_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct differ {
	const cb_codeset *o, *n;
	cb_report *r;
	int rc;
};

static void __attribute__((format(printf, 4, 5)))
add(struct differ *D, const char *rule, const char *subject, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (D->rc != CB_OK)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	D->rc = cb__report_add(D->r, rule, subject, cb_codeset_origin(D->n), 0, 0, "%s", msg);
}

/* The values of dimension @fd that code @fe (of set @fs) suits and code
 * @te (of set @ts, dimension @td) does not, listed in @out.  A code with an
 * entry that does not restrict the dimension suits every value, declared
 * or not.  Returns the number of such values. */
static size_t
missing_values(const cb_codeset *fs, const cb_entry *fe, size_t fd,
    const cb_codeset *ts, const cb_entry *te, int td, char *out, size_t outlen)
{
	uint64_t fm = cb__code_admits(fe, fd), tm;
	const cb_entry *p;
	size_t v, k = 0;

	out[0] = '\0';
	if (td < 0)
		return 0;	/* the dimension is gone: CONTEXT_NO_DELETE says so */
	for (p = te; p; p = cb_entry_next_same(p))
		if (p->e_applies[td] == 0)
			return 0;
	tm = cb__code_admits(te, (size_t)td);
	for (v = 0; v < fs->cs_dims[fd].d_nvalues; v++) {
		const char *name = fs->cs_dims[fd].d_values[v];
		int tv;
		if (!((fm >> v) & 1))
			continue;
		tv = cb_codeset_dim_value_index(ts, (size_t)td, name, strlen(name));
		if (tv >= 0 && ((tm >> tv) & 1))
			continue;
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s", k++ ? ", " : "", name);
	}
	return k;
}

/* Is description @d among the descriptions of the entries of code @e? */
static int
has_description(const cb_entry *e, const char *d)
{
	for (; e; e = cb_entry_next_same(e))
		if (strcmp(cb_entry_description(e), d) == 0)
			return 1;
	return 0;
}

/* Is category @name among the categories of the entries of code @e?  A
 * code of an error set may sit in several (one per endpoint). */
static int
has_category(const cb_entry *e, const char *name)
{
	for (; e; e = cb_entry_next_same(e))
		if (strcmp(cb_entry_category(e), name) == 0)
			return 1;
	return 0;
}

/* The code's best status over its entries (active < deprecated < retired). */
static cb_status
code_status(const cb_entry *e)
{
	cb_status s = CB_STATUS_RETIRED;

	for (; e; e = cb_entry_next_same(e))
		if (e->e_status < s)
			s = e->e_status;
	return s;
}

static cb_action
code_action(const cb_entry *e)
{
	cb_action a = CB_ACTION_NONE;

	for (; e; e = cb_entry_next_same(e)) {
		cb_action x = cb_entry_action(e);
		if (a == CB_ACTION_NONE)
			a = x;
		else if (a != x)
			return CB_ACTION_AMBIGUOUS;
	}
	return a;
}

static void
diff_meta(struct differ *D)
{
	const cb_codeset *o = D->o, *n = D->n;
	size_t i, d, v;

	if (strcmp(o->cs_name, n->cs_name) != 0)
		add(D, "SET_NAME_SAME", n->cs_name, "the new file is set \"%s\", the published one \"%s\"",
		    n->cs_name, o->cs_name);
	if (n->cs_version <= o->cs_version)
		add(D, "VERSION_INCREASES", "version", "version %d does not raise the published version %d: use %d or higher",
		    n->cs_version, o->cs_version, o->cs_version + 1);
	if (!o->cs_reject_deprecated && n->cs_reject_deprecated)
		add(D, "DEPRECATED_POLICY", "deprecated", "deprecated codes were accepted with a warning and would now be rejected");
	for (i = 0; i < CB__RULES_OPT_IN; i++) {
		uint32_t bit = (uint32_t)1 << i;
		const char *rule = cb__rule_opt_in_name(i);
		if ((o->cs_rules & bit) && !(n->cs_rules & bit))
			add(D, "GOVERNANCE_NO_DROP", rule, "%s enforced %s; a new version must keep enforcing it "
			    "(\"governance\": {\"rules\": [\"%s\"]})", o->cs_name, rule, rule);
		else if (!(o->cs_rules & bit) && (n->cs_rules & bit))
			add(D, "GOVERNANCE_ADDED", rule, "%s now enforces %s", n->cs_name, rule);
	}

	for (i = 0; i < o->cs_ncats; i++) {
		const char *name = o->cs_cats[i].c_name;
		int j = cb_codeset_category_index(n, name, strlen(name));
		if (j < 0)
			add(D, "CATEGORY_NO_DELETE", name, "category %s was removed; categories stay once published", name);
		else if (strcmp(cb_codeset_category_description(o, i), cb_codeset_category_description(n, (size_t)j)) != 0)
			add(D, "DESCRIPTION_CHANGED", name, "category %s: description changed", name);
	}
	for (i = 0; i < n->cs_ncats; i++) {
		const char *name = n->cs_cats[i].c_name;
		if (cb_codeset_category_index(o, name, strlen(name)) < 0)
			add(D, "CATEGORY_ADDED", name, "category %s was added; prefer adding codes to existing categories", name);
	}
	for (d = 0; d < o->cs_ndims; d++) {
		const struct cb_dim *od = &o->cs_dims[d];
		int nd = cb_codeset_dim_index(n, od->d_name, strlen(od->d_name));
		if (nd < 0) {
			add(D, "CONTEXT_NO_DELETE", od->d_name, "context dimension %s was removed; callers that send it would be rejected", od->d_name);
			continue;
		}
		for (v = 0; v < od->d_nvalues; v++)
			if (cb_codeset_dim_value_index(n, (size_t)nd, od->d_values[v], strlen(od->d_values[v])) < 0)
				add(D, "CONTEXT_NO_DELETE", od->d_values[v], "value %s of context %s was removed",
				    od->d_values[v], od->d_name);
	}
	for (d = 0; d < n->cs_ndims; d++) {
		const struct cb_dim *nd = &n->cs_dims[d];
		int od = cb_codeset_dim_index(o, nd->d_name, strlen(nd->d_name));
		if (od < 0) {
			add(D, "CONTEXT_ADDED", nd->d_name, "context dimension %s was added", nd->d_name);
			continue;
		}
		for (v = 0; v < nd->d_nvalues; v++)
			if (cb_codeset_dim_value_index(o, (size_t)od, nd->d_values[v], strlen(nd->d_values[v])) < 0)
				add(D, "CONTEXT_ADDED", nd->d_values[v], "value %s of context %s was added",
				    nd->d_values[v], nd->d_name);
	}
}

/* The note of the editorial mark that an entry of code @e gives for
 * version @version, or NULL. */
static const char *
editorial_note(const cb_entry *e, int version)
{
	for (; e; e = cb_entry_next_same(e))
		if (e->e_editorial_version == version)
			return cb_entry_editorial_note(e);
	return NULL;
}

/* A change of meaning of a published code (its description, the contexts
 * it newly suits): a warning or information by default; under NO_REPURPOSE
 * breaking unless the new version marks the entry's change editorial.
 * Narrowing and moving category break in every set (APPLIES_NO_NARROW,
 * CODE_SAME_CATEGORY), editorial or not. */
static void
diff_meaning(struct differ *D, const cb_entry *oe, const cb_entry *ne, const char *q)
{
	const cb_codeset *o = D->o, *n = D->n;
	const char *note = editorial_note(ne, n->cs_version);
	int strict = ((o->cs_rules | n->cs_rules) & CB__RULE_NO_REPURPOSE) != 0, changed = 0;
	const cb_entry *p;
	char gained[512];
	size_t d;

	for (d = 0; d < n->cs_ndims; d++) {
		int od = cb_codeset_dim_index(o, n->cs_dims[d].d_name, strlen(n->cs_dims[d].d_name));
		if (od < 0 || missing_values(n, ne, d, o, oe, od, gained, sizeof(gained)) == 0)
			continue;
		changed = 1;
		if (strict && note == NULL)
			add(D, "NO_REPURPOSE", q, "code %s now also suits %s %s; %s does not let a code change "
			    "meaning: add a new code, or mark the entry \"editorial\" with a note if the meaning stays",
			    q, n->cs_dims[d].d_name, gained, n->cs_name);
		else
			add(D, "APPLIES_WIDENED", q, "code %s now also suits %s %s", q, n->cs_dims[d].d_name, gained);
	}
	for (p = oe; p; p = cb_entry_next_same(p)) {
		if (has_description(ne, cb_entry_description(p)))
			continue;
		changed = 1;
		if (note != NULL)
			break;	/* EDITORIAL_CHANGE below says it */
		if (!strict)
			add(D, "DESCRIPTION_CHANGED", q, "code %s: description \"%.80s\" changed", q, cb_entry_description(p));
		else if (oe->e_next_same == 0 && ne->e_next_same == 0)
			add(D, "NO_REPURPOSE", q, "code %s: description \"%.80s\" became \"%.80s\"; %s does not let a "
			    "code change meaning: add a new code, or mark the entry \"editorial\" with a note if the "
			    "meaning stays", q, cb_entry_description(p), cb_entry_description(ne), n->cs_name);
		else
			add(D, "NO_REPURPOSE", q, "code %s: description \"%.80s\" changed; %s does not let a code "
			    "change meaning: add a new code, or mark the entry \"editorial\" with a note if the "
			    "meaning stays", q, cb_entry_description(p), n->cs_name);
		break;
	}
	if (note != NULL && changed)
		add(D, "EDITORIAL_CHANGE", q, "code %s changed in v%d, marked editorial: \"%.200s\"", q,
		    n->cs_version, note);
	else if (note != NULL)
		add(D, "EDITORIAL_UNUSED", q, "code %s is marked editorial in v%d, but its description and "
		    "contexts did not change: drop the mark", q, n->cs_version);
}

/* A published code keeps its id (docs/codeset-format.md, "Stable ids"). */
static void
diff_id(struct differ *D, const cb_entry *oe, const cb_entry *ne, const char *q)
{
	if (oe->e_id == ne->e_id)
		return;
	if (!ne->e_id_given)
		add(D, "ID_NO_CHANGE", q, "code %s has id %d in v%d; v%d gives it none, so it would get %d: "
		    "write \"id\": %d", q, oe->e_id, D->o->cs_version, D->n->cs_version, ne->e_id, oe->e_id);
	else
		add(D, "ID_NO_CHANGE", q, "code %s has id %d in v%d and %d in v%d; ids never change", q,
		    oe->e_id, D->o->cs_version, ne->e_id, D->n->cs_version);
}

/* A code that @n adds: its id is new, above every id @o used. */
static void
diff_new_code(struct differ *D, const cb_entry *e)
{
	const cb_codeset *o = D->o;
	const cb_entry *had = cb_codeset_find_id(o, e->e_id);
	char q[96];

	cb__quote(q, sizeof(q), e->e_code, e->e_code_len);
	add(D, "CODE_ADDED", q, "code %s was added to category %s", q,
	    cb_entry_category(e)[0] ? cb_entry_category(e) : "(none)");
	if (had != NULL)
		add(D, "ID_NO_REUSE", q, "code %s takes id %d, which is %.*s's in v%d; ids are never reused: use %d",
		    q, e->e_id, (int)(had->e_code_len > 80 ? 80 : had->e_code_len), had->e_code, o->cs_version,
		    o->cs_max_id + 1);
	else if (e->e_id <= o->cs_max_id)
		add(D, "ID_INCREASES", q, "code %s has id %d, but v%d used ids up to %d: a new code gets one above, "
		    "%d or higher", q, e->e_id, o->cs_version, o->cs_max_id, o->cs_max_id + 1);
	if (editorial_note(e, D->n->cs_version) != NULL)
		add(D, "EDITORIAL_UNUSED", q, "code %s is new in v%d: it has nothing to mark editorial", q,
		    D->n->cs_version);
}

static void
diff_code(struct differ *D, const cb_entry *oe)
{
	const cb_codeset *o = D->o, *n = D->n;
	const cb_entry *ne = cb_codeset_find(n, oe->e_code, oe->e_code_len), *p;
	char q[96], lost[512], why[200];
	cb_status os, ns;
	size_t d, off;

	cb__quote(q, sizeof(q), oe->e_code, oe->e_code_len);
	if (!cb__format_ok(&n->cs_fmt, oe->e_code, oe->e_code_len, &off, why, sizeof(why)))
		add(D, "FORMAT_KEEPS_CODES", q, "published code %s fails the new format rules: %s", q, why);
	if (ne == NULL) {
		add(D, "CODE_NO_DELETE", q, "code %s was removed; keep it and set \"status\": \"deprecated\" (with replaced_by) instead", q);
		return;
	}
	for (p = oe; p; p = cb_entry_next_same(p))
		if (!has_category(ne, cb_entry_category(p))) {
			add(D, "CODE_SAME_CATEGORY", q, "code %s moved from category %s to %s; add a new code instead",
			    q, cb_entry_category(p), cb_entry_category(ne));
			break;
		}
	for (d = 0; d < o->cs_ndims; d++) {
		int nd = cb_codeset_dim_index(n, o->cs_dims[d].d_name, strlen(o->cs_dims[d].d_name));
		if (missing_values(o, oe, d, n, ne, nd, lost, sizeof(lost)) > 0)
			add(D, "APPLIES_NO_NARROW", q, "code %s no longer suits %s %s; it may only gain contexts",
			    q, o->cs_dims[d].d_name, lost);
	}
	diff_meaning(D, oe, ne, q);
	diff_id(D, oe, ne, q);
	os = code_status(oe);
	ns = code_status(ne);
	if (ns > os) {
		if (ns == CB_STATUS_RETIRED && !n->cs_mirror)
			add(D, "RETIRE_ONLY_MIRRORS", q, "code %s was retired, which only mirrored sets may do; deprecate it", q);
		else if (ns == CB_STATUS_RETIRED)
			add(D, "CODE_RETIRED", q, "code %s was retired: the upstream no longer lists it", q);
		else
			add(D, "CODE_DEPRECATED", q, "code %s was deprecated%s%s", q,
			    cb_entry_replaced_by(ne)[0] ? "; replaced by " : "", cb_entry_replaced_by(ne));
	} else if (ns < os) {
		add(D, "STATUS_REVIVED", q, "code %s went from %s back to %s", q, cb_status_name(os), cb_status_name(ns));
	}
	if (o->cs_nhandling + n->cs_nhandling > 0 && code_action(oe) != code_action(ne))
		add(D, "HANDLING_CHANGED", q, "code %s: handling changed from %s to %s", q,
		    cb_action_name(code_action(oe)), cb_action_name(code_action(ne)));
}

int
cb_diff(cb_report **out, const cb_codeset *o, const cb_codeset *n)
{
	struct differ D;
	size_t i;

	if (out == NULL || o == NULL || n == NULL)
		return cb__fail(CB_EINVAL, "cb_diff: NULL argument");
	*out = NULL;
	D.o = o;
	D.n = n;
	D.rc = CB_OK;
	if ((D.r = cb__report_new()) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	diff_meta(&D);
	for (i = 0; i < o->cs_nentries; i++)
		if (o->cs_entries[i].e_first)
			diff_code(&D, &o->cs_entries[i]);
	for (i = 0; i < n->cs_nentries; i++) {
		const struct cb_entry *e = &n->cs_entries[i];
		if (e->e_first && cb_codeset_find(o, e->e_code, e->e_code_len) == NULL)
			diff_new_code(&D, e);
	}
	if (D.rc != CB_OK) {
		cb_report_free(D.r);
		return D.rc;
	}
	*out = D.r;
	return CB_OK;
}
