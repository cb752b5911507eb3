/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codeset.c - the read side of a loaded code set: reference counting, the
 * hash of codes behind O(1) lookup, and the getters of the public header.
 */
#include "codeset_int.h"

#include <stdlib.h>
#include <string.h>

uint64_t
cb__hash(const char *s, size_t n)
{
	return cb__code_hash(s, n, 0xcbf29ce484222325ull);	/* 8 bytes at a time */
}

/* Open addressing over the codes' first entries.  It links each code's
 * entries into a chain, and is the lookup of a set whose codes defeat the
 * perfect hash. */
static int
index_probe(cb_codeset *cs)
{
	size_t i, nslots = 16, mask;

	while (nslots < cs->cs_nentries * 2)
		nslots *= 2;
	cs->cs_slots = cb_arena_calloc(&cs->cs_arena, nslots, sizeof(uint32_t));
	if (cs->cs_slots == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	cs->cs_nslots = nslots;
	mask = nslots - 1;
	/* last entry first, each pushed in front of its code's chain: the
	 * chains come out in file order without walking them (a code repeated
	 * n times would otherwise cost n^2 / 2 steps) */
	for (i = cs->cs_nentries; i-- > 0; ) {
		struct cb_entry *e = &cs->cs_entries[i];
		size_t s;

		CB_ASSERT(e->e_set == cs && e->e_index == i);
		if (e->e_code == NULL)
			continue;
		for (s = cb__hash(e->e_code, e->e_code_len) & mask;; s = (s + 1) & mask) {
			uint32_t at = cs->cs_slots[s];
			struct cb_entry *head = at ? &cs->cs_entries[at - 1] : NULL;
			if (head == NULL || (head->e_code_len == e->e_code_len &&
			    memcmp(head->e_code, e->e_code, e->e_code_len) == 0)) {
				/* the new head is the first entry so far; the old one no longer */
				if (head != NULL)
					head->e_first = false;
				e->e_first = true;
				e->e_next_same = at;
				cs->cs_slots[s] = (uint32_t)i + 1;
				break;
			}
		}
	}
	return CB_OK;
}

/*
 * The perfect hash ("hash and displace", as CHD): the codes are hashed once
 * with a seed; the high half of the hash picks a bucket of about three
 * codes, and each bucket gets the smallest displacement d that sends all
 * its codes to free slots, biggest buckets first.  A lookup is then one
 * hash, one displacement, one slot and one comparison, whatever the set.
 * Seeds are tried in turn; a set whose codes still collide keeps open
 * addressing (correct, a little slower).
 */
#define PHF_SEEDS    8
#define PHF_MAX_DISP 4096   /* tries per bucket before the next seed */

struct phf_work {
	uint64_t *w_hash;       /* per code */
	uint32_t *w_entry;      /* per code: index of its first entry */
	uint32_t *w_bucket_at;  /* nbuckets + 1: codes of bucket b are w_sorted[at[b] .. at[b+1]) */
	uint32_t *w_sorted;     /* codes grouped by bucket */
	uint32_t *w_order;      /* buckets, biggest first */
	uint32_t *w_slot;       /* per code: its slot */
	uint8_t  *w_taken;      /* per slot */
};

static uint32_t
phf_bucket(uint64_t h, uint32_t nbuckets)
{
	return (uint32_t)(((h >> 32) * nbuckets) >> 32);
}

/* Place every bucket for one seed; 1 when all found slots. */
static int
phf_place(cb_codeset *cs, struct phf_work *w, uint32_t n, uint32_t nbuckets, uint32_t mask)
{
	uint32_t i, b, k, j, d, *count = w->w_slot;	/* borrowed until the placing */

	memset(w->w_bucket_at, 0, (nbuckets + 1) * sizeof(uint32_t));
	for (i = 0; i < n; i++)
		w->w_bucket_at[phf_bucket(w->w_hash[i], nbuckets) + 1]++;
	for (b = 0; b < nbuckets; b++)
		w->w_bucket_at[b + 1] += w->w_bucket_at[b];
	memset(count, 0, n * sizeof(uint32_t));
	for (i = 0; i < n; i++) {
		b = phf_bucket(w->w_hash[i], nbuckets);
		w->w_sorted[w->w_bucket_at[b] + count[b]++] = i;
	}
	/* buckets by size, biggest first: a counting sort over the sizes */
	memset(count, 0, n * sizeof(uint32_t));
	for (b = 0; b < nbuckets; b++)
		count[w->w_bucket_at[b + 1] - w->w_bucket_at[b]]++;
	for (k = n + 1, i = 0; k-- > 0; ) {
		uint32_t c = count[k];
		count[k] = i;
		i += c;
	}
	for (b = 0; b < nbuckets; b++)
		w->w_order[count[w->w_bucket_at[b + 1] - w->w_bucket_at[b]]++] = b;

	memset(w->w_taken, 0, (size_t)mask + 1);
	for (k = 0; k < nbuckets; k++) {
		uint32_t lo, hi;
		b = w->w_order[k];
		lo = w->w_bucket_at[b];
		hi = w->w_bucket_at[b + 1];
		if (lo == hi)
			break;	/* the rest are empty */
		for (d = 0; d < PHF_MAX_DISP; d++) {
			for (i = lo; i < hi; i++) {
				uint32_t s = cb__phf_slot(w->w_hash[w->w_sorted[i]], d) & mask;
				if (w->w_taken[s])
					break;
				w->w_taken[s] = 1;
				w->w_slot[w->w_sorted[i]] = s;
			}
			if (i == hi)
				break;
			for (j = lo; j < i; j++)	/* undo this try */
				w->w_taken[w->w_slot[w->w_sorted[j]]] = 0;
		}
		if (d == PHF_MAX_DISP)
			return 0;
		cs->cs_disp[b] = d;
	}
	return 1;
}

static int
index_phf(cb_codeset *cs)
{
	struct phf_work w;
	uint32_t n = 0, nslots = 8, nbuckets, i, seed;
	int rc = CB_OK;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < cs->cs_nentries; i++)
		n += cs->cs_entries[i].e_first;
	if (n == 0)
		return CB_OK;
	while (nslots < n + n / 4)
		nslots *= 2;
	nbuckets = (n + 2) / 3;
	if ((w.w_hash = cb__calloc(n, sizeof(*w.w_hash))) == NULL ||
	    (w.w_entry = cb__calloc(n, sizeof(*w.w_entry))) == NULL ||
	    (w.w_bucket_at = cb__calloc((size_t)nbuckets + 1, sizeof(uint32_t))) == NULL ||
	    (w.w_sorted = cb__calloc(n, sizeof(uint32_t))) == NULL ||
	    (w.w_order = cb__calloc(nbuckets, sizeof(uint32_t))) == NULL ||
	    (w.w_slot = cb__calloc(n + 1, sizeof(uint32_t))) == NULL ||
	    (w.w_taken = cb__calloc(nslots, 1)) == NULL ||
	    (cs->cs_disp = cb_arena_calloc(&cs->cs_arena, nbuckets, sizeof(uint32_t))) == NULL ||
	    (cs->cs_phf = cb_arena_calloc(&cs->cs_arena, nslots, sizeof(*cs->cs_phf))) == NULL) {
		cs->cs_phf = NULL;
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0, n = 0; i < cs->cs_nentries; i++)
		if (cs->cs_entries[i].e_first)
			w.w_entry[n++] = i;
	for (seed = 1; seed <= PHF_SEEDS; seed++) {
		cs->cs_seed = seed * 0x9e3779b97f4a7c15ull;
		for (i = 0; i < n; i++) {
			const struct cb_entry *e = &cs->cs_entries[w.w_entry[i]];
			w.w_hash[i] = cb__code_hash(e->e_code, e->e_code_len, cs->cs_seed);
		}
		if (phf_place(cs, &w, n, nbuckets, nslots - 1))
			break;
	}
	if (seed > PHF_SEEDS) {
		cs->cs_phf = NULL;	/* keep open addressing */
		goto out;
	}
	for (i = 0; i < nslots; i++)
		cs->cs_phf[i].ps_len = UINT32_MAX;
	for (i = 0; i < n; i++) {
		struct cb_phf_slot *s = &cs->cs_phf[w.w_slot[i]];
		CB_ASSERT(s->ps_len == UINT32_MAX);
		s->ps_hash = w.w_hash[i];
		s->ps_entry = w.w_entry[i];
		s->ps_len = cs->cs_entries[w.w_entry[i]].e_code_len;
	}
	cs->cs_nbuckets = nbuckets;
	cs->cs_phf_mask = nslots - 1;
out:
	free(w.w_hash);
	free(w.w_entry);
	free(w.w_bucket_at);
	free(w.w_sorted);
	free(w.w_order);
	free(w.w_slot);
	free(w.w_taken);
	return rc;
}

int
cb__codeset_index(cb_codeset *cs, bool codes_pass)
{
	char why[8];
	size_t i, off;
	int rc;

	CB_ASSERT(cs->cs_slots == NULL && cs->cs_phf == NULL);
	if ((rc = index_probe(cs)) != CB_OK || (rc = index_phf(cs)) != CB_OK ||
	    (rc = cb__suggest_index(cs)) != CB_OK)
		return rc;
	/* a strict load refuses codes that fail the format (CODE_BAD_FORMAT),
	 * so its caller says they pass; a linted set may hold some, and then
	 * every check tests the format */
	cs->cs_codes_ok = true;
	for (i = 0; i < cs->cs_nentries && cs->cs_codes_ok && !codes_pass; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_code != NULL && !cb__format_ok(&cs->cs_fmt, e->e_code, e->e_code_len, &off,
		    why, sizeof(why)))
			cs->cs_codes_ok = false;
	}
	return CB_OK;
}

const struct cb_entry *
cb__find_probe(const cb_codeset *cs, const char *code, size_t len)
{
	size_t s, mask;

	if (cs->cs_nslots == 0)
		return NULL;
	mask = cs->cs_nslots - 1;
	for (s = cb__hash(code, len) & mask;; s = (s + 1) & mask) {
		uint32_t at = cs->cs_slots[s];
		const struct cb_entry *e;
		if (at == 0)
			return NULL;
		e = &cs->cs_entries[at - 1];
		if (e->e_code_len == len && memcmp(e->e_code, code, len) == 0)
			return e;
	}
}

const cb_entry *
cb_codeset_find(const cb_codeset *cs, const char *code, size_t len)
{
	if (cs == NULL || (code == NULL && len > 0))
		return NULL;
	return cb__find(cs, code ? code : "", len);
}

uint32_t *
cb__id_slot(const cb_codeset *cs, int id)
{
	uint32_t s = (uint32_t)(((uint64_t)(uint32_t)id * 0x9e3779b97f4a7c15ull) >> 32) & cs->cs_id_mask;

	for (;; s = (s + 1) & cs->cs_id_mask) {
		uint32_t at = cs->cs_id_slots[s];
		if (at == 0 || cs->cs_entries[at - 1].e_id == id)
			return &cs->cs_id_slots[s];
	}
}

const cb_entry *
cb_codeset_find_id(const cb_codeset *cs, int id)
{
	uint32_t at;

	if (cs == NULL || id <= 0 || cs->cs_id_slots == NULL)
		return NULL;
	at = *cb__id_slot(cs, id);
	return at ? &cs->cs_entries[at - 1] : NULL;
}

int cb_codeset_max_id(const cb_codeset *cs) { return cs->cs_max_id; }

size_t
cb_codeset_rule_count(const cb_codeset *cs)
{
	size_t k, n = 0;

	for (k = 0; k < CB__RULES_OPT_IN; k++)
		n += (cs->cs_rules >> k) & 1;
	return n;
}

const char *
cb_codeset_rule(const cb_codeset *cs, size_t i)
{
	size_t k;

	for (k = 0; k < CB__RULES_OPT_IN; k++)
		if (((cs->cs_rules >> k) & 1) && i-- == 0)
			return cb__rule_opt_in_name(k);
	return "";
}

int
cb_codeset_enforces(const cb_codeset *cs, const char *rule)
{
	int known;

	if (cs == NULL || rule == NULL)
		return 0;
	return (cs->cs_rules & cb__rule_opt_in_bit(rule, strlen(rule), &known)) != 0;
}

uint64_t
cb__dim_all(const cb_codeset *cs, size_t d)
{
	size_t n = cs->cs_dims[d].d_nvalues;

	return n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
}

uint64_t
cb__code_admits(const cb_entry *e, size_t d)
{
	const cb_codeset *cs = e->e_set;
	uint64_t m = 0;

	for (; e != NULL; e = cb_entry_next_same(e)) {
		if (e->e_applies[d] == 0)
			return cb__dim_all(cs, d);
		m |= e->e_applies[d];
	}
	return m;
}

cb_codeset *
cb_codeset_ref(cb_codeset *cs)
{
	if (cs != NULL)
		atomic_fetch_add_explicit(&cs->cs_refs, 1, memory_order_relaxed);
	return cs;
}

void
cb_codeset_free(cb_codeset *cs)
{
	if (cs == NULL)
		return;
	if (atomic_fetch_sub_explicit(&cs->cs_refs, 1, memory_order_acq_rel) != 1)
		return;
	cb_arena_free(&cs->cs_arena);
	free(cs);
}

#define S(x) ((x) ? (x) : "")

const char *cb_codeset_name(const cb_codeset *cs)        { return S(cs->cs_name); }
const char *cb_codeset_title(const cb_codeset *cs)       { return S(cs->cs_title); }
const char *cb_codeset_description(const cb_codeset *cs) { return S(cs->cs_description); }
const char *cb_codeset_source(const cb_codeset *cs)      { return S(cs->cs_source); }
const char *cb_codeset_origin(const cb_codeset *cs)      { return S(cs->cs_origin); }
int cb_codeset_version(const cb_codeset *cs)             { return cs->cs_version; }
int cb_codeset_is_mirror(const cb_codeset *cs)           { return cs->cs_mirror; }
int cb_codeset_repeated_codes(const cb_codeset *cs)      { return cs->cs_repeated; }
int cb_codeset_rejects_deprecated(const cb_codeset *cs)  { return cs->cs_reject_deprecated; }

int
cb_codeset_format(const cb_codeset *cs, cb_format *out)
{
	if (cs == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_codeset_format: NULL argument");
	if (out->version != CB_FORMAT_VERSION)
		return cb__fail(CB_EINVAL, "cb_codeset_format: cb_format version %u unknown (initialise it with CB_FORMAT_INIT)",
		    out->version);
	out->charset = cs->cs_fmt.f_charset;
	out->shape = cs->cs_fmt.f_shape;
	out->letter_case = cs->cs_fmt.f_case;
	out->case_enforced = cs->cs_fmt.f_case_enforced;
	out->min_length = cs->cs_fmt.f_min;
	out->max_length = cs->cs_fmt.f_max;
	return CB_OK;
}

int
cb_codeset_policy(const cb_codeset *cs, cb_policy *out)
{
	if (cs == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_codeset_policy: NULL argument");
	if (out->version != CB_POLICY_VERSION)
		return cb__fail(CB_EINVAL, "cb_codeset_policy: cb_policy version %u unknown (initialise it with CB_POLICY_INIT)",
		    out->version);
	out->max_attempts = cs->cs_policy.max_attempts;
	out->base_delay_ms = cs->cs_policy.base_delay_ms;
	out->max_delay_ms = cs->cs_policy.max_delay_ms;
	return CB_OK;
}

int cb_codeset_has_policy(const cb_codeset *cs) { return cs->cs_has_policy; }

size_t cb_codeset_entry_count(const cb_codeset *cs) { return cs->cs_nentries; }

const cb_entry *
cb_codeset_entry(const cb_codeset *cs, size_t i)
{
	return i < cs->cs_nentries ? &cs->cs_entries[i] : NULL;
}

size_t cb_codeset_category_count(const cb_codeset *cs) { return cs->cs_ncats; }

const char *
cb_codeset_category_name(const cb_codeset *cs, size_t i)
{
	return i < cs->cs_ncats ? cs->cs_cats[i].c_name : "";
}

const char *
cb_codeset_category_description(const cb_codeset *cs, size_t i)
{
	return i < cs->cs_ncats ? S(cs->cs_cats[i].c_description) : "";
}

int
cb_codeset_category_index(const cb_codeset *cs, const char *name, size_t len)
{
	size_t i;

	/* no strlen: a name without NUL that matches len bytes ends there */
	if (memchr(name, '\0', len) != NULL)
		return -1;
	if (cs->cs_cat_slots != NULL) {
		uint32_t s;
		for (s = cb__hash(name, len) & cs->cs_cat_mask; cs->cs_cat_slots[s] != 0; s = (s + 1) & cs->cs_cat_mask) {
			const char *c = cs->cs_cats[cs->cs_cat_slots[s] - 1].c_name;
			if (strncmp(c, name, len) == 0 && c[len] == '\0')
				return (int)cs->cs_cat_slots[s] - 1;
		}
		return -1;
	}
	for (i = 0; i < cs->cs_ncats; i++)
		if (strncmp(cs->cs_cats[i].c_name, name, len) == 0 && cs->cs_cats[i].c_name[len] == '\0')
			return (int)i;
	return -1;
}

size_t cb_codeset_dim_count(const cb_codeset *cs) { return cs->cs_ndims; }

const char *
cb_codeset_dim_name(const cb_codeset *cs, size_t d)
{
	return d < cs->cs_ndims ? cs->cs_dims[d].d_name : "";
}

const char *
cb_codeset_dim_description(const cb_codeset *cs, size_t d)
{
	return d < cs->cs_ndims ? S(cs->cs_dims[d].d_description) : "";
}

int
cb_codeset_dim_descriptive(const cb_codeset *cs, size_t d)
{
	return d < cs->cs_ndims && cs->cs_dims[d].d_descriptive;
}

size_t
cb_codeset_dim_value_count(const cb_codeset *cs, size_t d)
{
	return d < cs->cs_ndims ? cs->cs_dims[d].d_nvalues : 0;
}

const char *
cb_codeset_dim_value(const cb_codeset *cs, size_t d, size_t v)
{
	if (d >= cs->cs_ndims || v >= cs->cs_dims[d].d_nvalues)
		return "";
	return cs->cs_dims[d].d_values[v];
}

int
cb_codeset_dim_index(const cb_codeset *cs, const char *name, size_t len)
{
	size_t d;

	for (d = 0; d < cs->cs_ndims; d++)
		if (cs->cs_dims[d].d_name_len == len && cb__same_bytes(cs->cs_dims[d].d_name, name, len))
			return (int)d;
	return -1;
}

int
cb_codeset_dim_value_index(const cb_codeset *cs, size_t d, const char *value, size_t len)
{
	size_t v;

	if (d >= cs->cs_ndims)
		return -1;
	for (v = 0; v < cs->cs_dims[d].d_nvalues; v++) {
		const struct cb_dim *dim = &cs->cs_dims[d];
		if (dim->d_value_lens[v] == len && cb__same_bytes(dim->d_values[v], value, len))
			return (int)v;
	}
	return -1;
}

size_t cb_codeset_handling_count(const cb_codeset *cs) { return cs->cs_nhandling; }

const char *
cb_codeset_handling_name(const cb_codeset *cs, size_t h)
{
	return h < cs->cs_nhandling ? cs->cs_handling[h].h_name : "";
}

cb_action
cb_codeset_handling_action(const cb_codeset *cs, size_t h)
{
	return h < cs->cs_nhandling ? cs->cs_handling[h].h_action : CB_ACTION_NONE;
}

int
cb_codeset_handling_contact_support(const cb_codeset *cs, size_t h)
{
	return h < cs->cs_nhandling ? cs->cs_handling[h].h_contact_support : 0;
}

const char *
cb_codeset_handling_description(const cb_codeset *cs, size_t h)
{
	return h < cs->cs_nhandling ? S(cs->cs_handling[h].h_description) : "";
}

const char *cb_entry_code(const cb_entry *e)        { return e->e_code; }
size_t      cb_entry_code_len(const cb_entry *e)    { return e->e_code_len; }
const char *cb_entry_description(const cb_entry *e) { return S(e->e_description); }
cb_status   cb_entry_status(const cb_entry *e)      { return e->e_status; }
int cb_entry_since(const cb_entry *e)               { return e->e_since; }
int cb_entry_deprecated_since(const cb_entry *e)    { return e->e_deprecated_since; }
const char *cb_entry_replaced_by(const cb_entry *e) { return S(e->e_replaced_by); }
int cb_entry_http_status(const cb_entry *e)         { return e->e_http_status; }
int cb_entry_not_an_error(const cb_entry *e)        { return e->e_not_an_error; }
size_t cb_entry_index(const cb_entry *e)            { return e->e_index; }
const cb_codeset *cb_entry_set(const cb_entry *e)   { return e->e_set; }
unsigned cb_entry_line(const cb_entry *e)           { return e->e_line; }
unsigned cb_entry_column(const cb_entry *e)         { return e->e_col; }
int cb_entry_id(const cb_entry *e)                  { return e->e_id; }
int cb_entry_id_given(const cb_entry *e)            { return e->e_id_given; }
int cb_entry_editorial_version(const cb_entry *e)   { return e->e_editorial_version; }
const char *cb_entry_editorial_note(const cb_entry *e) { return S(e->e_editorial_note); }

const char *
cb_entry_category(const cb_entry *e)
{
	CB_ASSERT(e->e_category < (int)e->e_set->cs_ncats);
	return e->e_category >= 0 ? e->e_set->cs_cats[e->e_category].c_name : "";
}

const char *
cb_entry_handling(const cb_entry *e)
{
	CB_ASSERT(e->e_handling < (int)e->e_set->cs_nhandling);
	return e->e_handling >= 0 ? e->e_set->cs_handling[e->e_handling].h_name : "";
}

cb_action
cb_entry_action(const cb_entry *e)
{
	if (e->e_not_an_error)
		return CB_ACTION_IGNORE;
	return e->e_handling >= 0 ? e->e_set->cs_handling[e->e_handling].h_action
	    : CB_ACTION_NONE;
}

const cb_entry *
cb_entry_next_same(const cb_entry *e)
{
	CB_ASSERT(e->e_next_same <= e->e_set->cs_nentries);
	return e->e_next_same ? &e->e_set->cs_entries[e->e_next_same - 1] : NULL;
}

int
cb_entry_restricts(const cb_entry *e, size_t d)
{
	return d < CB_MAX_DIMS && e->e_applies[d] != 0;
}

int
cb_entry_admits(const cb_entry *e, size_t d, size_t v)
{
	if (d >= e->e_set->cs_ndims || v >= e->e_set->cs_dims[d].d_nvalues)
		return 0;
	return e->e_applies[d] == 0 || (e->e_applies[d] >> v) & 1;
}

const char *
cb_entry_attribute(const cb_entry *e, const char *key)
{
	uint32_t i;

	for (i = 0; i < e->e_nattrs; i++)
		if (strcmp(e->e_attrs[i].key, key) == 0)
			return e->e_attrs[i].value;
	return NULL;
}

size_t cb_entry_attribute_count(const cb_entry *e) { return e->e_nattrs; }

const char *
cb_entry_attribute_key(const cb_entry *e, size_t i)
{
	return i < e->e_nattrs ? e->e_attrs[i].key : "";
}

const char *
cb_entry_attribute_value(const cb_entry *e, size_t i)
{
	return i < e->e_nattrs ? e->e_attrs[i].value : "";
}

const char *
cb_status_name(cb_status s)
{
	static const char *const n[] = { "active", "deprecated", "retired" };
	return (unsigned)s < 3 ? n[s] : "?";
}

const char *
cb_shape_name(cb_shape s)
{
	static const char *const n[] = { "plain", "category.code", "integer" };
	return (unsigned)s < 3 ? n[s] : "?";
}

const char *
cb_case_name(cb_case c)
{
	static const char *const n[] = { "any", "upper", "lower" };
	return (unsigned)c < 3 ? n[c] : "?";
}

const char *
cb_action_name(cb_action a)
{
	static const char *const n[] = { "none", "retry", "recheck-then-retry",
	    "fail", "ignore", "ambiguous" };
	return (unsigned)a < 6 ? n[a] : "?";
}
