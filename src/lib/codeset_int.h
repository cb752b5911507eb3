/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codeset_int.h - private to src/lib: the layout of a loaded code set and
 * the helpers the modules share.  docs/internals/codeset.md explains the
 * layout (arena, hash of codes, context bitmasks).
 */
#ifndef CB_LIB_CODESET_INT_H
#define CB_LIB_CODESET_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "codebook.h"
#include "../util/alloc.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/cb_assert.h"
#include "../util/cb_limits.h"
#include "../util/err.h"

struct cb_attr {
	const char *key;
	const char *value;
};

struct cb_entry {
	const cb_codeset *e_set;
	const char  *e_code;        /* NULL: the source gives no code */
	uint32_t     e_code_len;
	int          e_category;    /* index into cs_cats, -1 none */
	const char  *e_description;
	cb_status    e_status;
	int          e_since;
	int          e_deprecated_since;
	const char  *e_replaced_by; /* "" if none */
	/* per dimension: bit v set = admits value v; 0 = the dimension is not
	 * restricted, i.e. admits any value */
	uint64_t     e_applies[CB_MAX_DIMS];
	int          e_handling;    /* index into cs_handling, -1 none */
	int          e_http_status;
	bool         e_not_an_error;
	bool         e_first;       /* first entry with this code */
	struct cb_attr *e_attrs;
	uint32_t     e_nattrs;
	uint32_t     e_next_same;   /* index + 1 of the next entry with this code, 0 none */
	uint32_t     e_index;
	uint32_t     e_line, e_col;
	uint32_t     e_offset;      /* byte offset in the source */
	int          e_id;          /* the code's stable id (every entry of the code), 0 none */
	bool         e_id_given;    /* the source gave it (else assigned by cb__mk_finish) */
	int          e_editorial_version;	/* 0: no editorial mark */
	const char  *e_editorial_note;
};

struct cb_dim {
	const char  *d_name;
	size_t       d_name_len;
	const char  *d_description;
	const char **d_values;
	uint32_t    *d_value_lens;  /* strlen of each value: no strlen per check */
	size_t       d_nvalues;
	bool         d_descriptive; /* describes the call; an unknown value need not change a decision */
};

struct cb_category {
	const char *c_name;
	const char *c_description;
};

struct cb_handling {
	const char *h_name;
	cb_action   h_action;
	bool        h_contact_support;
	const char *h_description;
};

struct cb_fmt {
	const char *f_charset;
	uint8_t     f_allowed[256];
	cb_shape    f_shape;
	cb_case     f_case;
	bool        f_case_enforced;
	unsigned    f_min, f_max;
};

/* One slot of the perfect hash of a set's codes (codeset.c). */
struct cb_phf_slot {
	uint64_t ps_hash;           /* cb__code_hash() of the code */
	uint32_t ps_entry;          /* index of the code's first entry */
	uint32_t ps_len;            /* its length; UINT32_MAX: empty slot */
};

/* A candidate for suggestions: a code (its first entry, not retired),
 * case-folded (check.c). */
struct cb_sugg {
	const char *sg_fold;
	uint32_t    sg_entry;
	uint32_t    sg_len;
};

/* Opt-in governance rules a set may enforce (rules.c): one bit each. */
#define CB__RULE_NO_REPURPOSE 0x1u
#define CB__RULES_OPT_IN      1     /* how many */
/* The bit of opt-in rule @name (length @len); 0 when it is none.  *@known
 * tells whether @name is a rule at all (default rules are not opt-in). */
uint32_t cb__rule_opt_in_bit(const char *name, size_t len, int *known);
/* The name of opt-in rule number @k (0 .. CB__RULES_OPT_IN - 1). */
const char *cb__rule_opt_in_name(size_t k);

struct cb_codeset {
	atomic_int   cs_refs;
	cb_arena     cs_arena;
	const char  *cs_name, *cs_title, *cs_description, *cs_source, *cs_origin;
	int          cs_version;
	bool         cs_mirror, cs_repeated, cs_reject_deprecated;
	bool         cs_has_policy;
	uint32_t     cs_rules;      /* CB__RULE_* the set enforces beyond the defaults */
	struct cb_fmt cs_fmt;
	cb_policy    cs_policy;
	struct cb_dim cs_dims[CB_MAX_DIMS];
	size_t       cs_ndims;
	struct cb_category *cs_cats;
	size_t       cs_ncats;
	uint32_t    *cs_cat_slots;  /* open addressing by name: index + 1 (NULL: none) */
	uint32_t     cs_cat_mask;
	struct cb_handling *cs_handling;
	size_t       cs_nhandling;
	struct cb_entry *cs_entries;
	size_t       cs_nentries;
	size_t       cs_code_bytes; /* the lengths of the entries' codes, added up */
	/* Lookup of a code: a perfect hash (displacement table over a seeded
	 * hash, docs/internals/codeset.md) when one was found, else open
	 * addressing.  Both are built by cb__codeset_index(). */
	struct cb_phf_slot *cs_phf; /* NULL: use cs_slots */
	uint32_t    *cs_disp;       /* displacement per bucket */
	uint64_t     cs_seed;
	uint32_t     cs_nbuckets;
	uint32_t     cs_phf_mask;   /* slots - 1, a power of two minus one */
	uint32_t    *cs_slots;      /* open addressing: entry index + 1 of a code's first entry */
	size_t       cs_nslots;     /* power of two */
	bool         cs_codes_ok;   /* every code passes the format: a code found needs no format test */
	/* suggestion candidates in the byte order of their folded codes, an
	 * implicit trie: cs_sugg_lcp[i] is the length of the prefix candidate
	 * i shares with candidate i - 1 (check.c) */
	struct cb_sugg *cs_sugg;
	uint16_t    *cs_sugg_lcp;
	uint32_t    *cs_sugg_next;  /* the first after i that shares less with its predecessor */
	size_t       cs_nsugg;
	/* per category: how many codes (up to CB_CHECK_MAX_ALTS + 1: more),
	 * and the first CB_CHECK_MAX_ALTS, entry indexes */
	uint32_t    *cs_cat_count;
	uint32_t    *cs_cat_codes;
	/* CATEGORY.CODE sets: open addressing over the folded part after the
	 * category, candidate index + 1, for bare codes */
	uint32_t    *cs_tails;
	uint32_t     cs_tail_mask;
	/* stable ids: open addressing, entry index + 1 of a code's first entry */
	uint32_t    *cs_id_slots;
	uint32_t     cs_id_mask;    /* slots - 1 */
	int          cs_max_id;
};

/*
 * The hash of a code for lookups: 8 bytes at a time, the tail read by
 * overlapping loads, so no byte is read twice in a loop and none past the
 * end; no strlen.  Not cryptographic: every hit is verified by comparing
 * bytes, and a set whose codes collide falls back to open addressing.
 */
static inline uint64_t
cb__rd64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t
cb__rd32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t
cb__mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

static inline uint64_t
cb__code_hash(const char *s, size_t n, uint64_t seed)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = seed ^ ((uint64_t)n * k);

	if (n > 8) {
		const char *last = s + n - 8;
		for (; s < last; s += 8) {
			h = (h ^ cb__rd64(s)) * k;
			h ^= h >> 29;
		}
		h = (h ^ cb__rd64(last)) * k;
	} else if (n >= 4) {
		h = (h ^ ((cb__rd32(s) << 32) | cb__rd32(s + n - 4))) * k;
	} else if (n > 0) {
		h = (h ^ (((uint64_t)(unsigned char)s[0] << 16) |
		    ((uint64_t)(unsigned char)s[n >> 1] << 8) | (unsigned char)s[n - 1])) * k;
	}
	return cb__mix64(h);
}

/* Slot of hash @h displaced by @d. */
static inline uint32_t
cb__phf_slot(uint64_t h, uint32_t d)
{
	return (uint32_t)cb__mix64(h + (uint64_t)d * 0xbf58476d1ce4e5b9ull);
}

const struct cb_entry *cb__find_probe(const cb_codeset *cs, const char *code, size_t len);

/* The slot of id @id in the set's table of ids: the one that holds it, or
 * the empty one where it goes (codeset.c).  The table has room. */
uint32_t *cb__id_slot(const cb_codeset *cs, int id);

/* Are the @n bytes at @a and @b equal?  memcmp() for short strings,
 * without the call: words compared as the hash reads them. */
static inline int
cb__same_bytes(const char *a, const char *b, size_t n)
{
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			if (cb__rd64(a + i) != cb__rd64(b + i))
				return 0;
		return cb__rd64(a + n - 8) == cb__rd64(b + n - 8);
	}
	if (n >= 4)
		return cb__rd32(a) == cb__rd32(b) && cb__rd32(a + n - 4) == cb__rd32(b + n - 4);
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The first entry of @code, or NULL: the lookup of cb_codeset_find() for
 * callers inside the library, inlined into the check. */
static inline __attribute__((always_inline)) const struct cb_entry *
cb__find(const cb_codeset *cs, const char *code, size_t len)
{
	const struct cb_phf_slot *s;
	const struct cb_entry *e;
	uint64_t h;

	if (cs->cs_phf == NULL)
		return cb__find_probe(cs, code, len);
	if (len > CB_MAX_CODE_LEN)
		return NULL;
	h = cb__code_hash(code, len, cs->cs_seed);
	s = &cs->cs_phf[cb__phf_slot(h, cs->cs_disp[((h >> 32) * cs->cs_nbuckets) >> 32]) &
	    cs->cs_phf_mask];
	if (s->ps_hash != h || s->ps_len != len)
		return NULL;
	e = &cs->cs_entries[s->ps_entry];
	return cb__same_bytes(e->e_code, code, len) ? e : NULL;
}

/* A report under construction (report.c). */
struct cb_report {
	cb_finding *r_items;
	size_t      r_n, r_cap;
	cb_arena    r_arena;
};
cb_report *cb__report_new(void);
/* Add a finding for rule @rule (its severity comes from the rule table). */
int cb__report_add(cb_report *r, const char *rule, const char *subject,
    const char *file, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/*
 * A set being made (make.c), from JSON by the loader or from calls by a
 * builder: the same rules, in the same order, with the same messages.
 * Offsets locate values in the loader's text (mk_buf); a builder has none,
 * and its messages carry no line and column.
 */
struct cb_make {
	cb_codeset  *mk_cs;
	const char  *mk_origin;
	cb_report   *mk_lint;      /* NULL: strict, the first error ends it */
	const char  *mk_buf;       /* NULL: no source text */
	size_t       mk_len;
	size_t       mk_pos_off;   /* the last position computed, */
	unsigned     mk_pos_line, mk_pos_col;	/* 0: none yet */
};

/* What the rules of an entry need besides the entry itself. */
struct cb_mk_entry {
	bool        code_missing;
	size_t      id_off, editorial_off;
	const char *category;      /* as given, or NULL */
	const char *handling;      /* as given, or NULL */
	size_t      off, code_off, category_off, handling_off;
};

int  cb__mk_init(struct cb_make *M, const char *origin, const char *buf, size_t len, cb_report *lint);
void cb__mk_free(struct cb_make *M);
void cb__mk_position(struct cb_make *M, size_t off, unsigned *line, unsigned *col);
/* A structural fault: CB_EPARSE (or CB_ENOMEM). */
int  cb__mk_fatal(struct cb_make *M, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A limit exceeded: CB_ETOOBIG (or CB_ENOMEM). */
int  cb__mk_too_big(struct cb_make *M, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A fault under @rule: CB_EPARSE in a strict make (for rules of error
 * severity), recorded and CB_OK under lint. */
int  cb__mk_semantic(struct cb_make *M, const char *rule, const char *subject, size_t off,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Values: a string of @n bytes copied into the set; an integer in a range. */
int  cb__mk_str(struct cb_make *M, size_t off, const char *path, const char *key,
    const char *s, size_t n, const char **out);
int  cb__mk_int(struct cb_make *M, size_t off, const char *path, const char *key, long long v,
    long long min, long long max, int *out);
/* The parts of a set, in the order of the file format. */
int  cb__mk_name(struct cb_make *M, size_t off);
int  cb__mk_rule(struct cb_make *M, size_t off, const char *path, const char *name, size_t len);
int  cb__mk_format(struct cb_make *M, size_t off, size_t charset_off, int shape, int lcase,
    int min, int max);
int  cb__mk_dims(struct cb_make *M, size_t off, size_t n);
int  cb__mk_dim(struct cb_make *M, size_t key_off, const char *name, size_t len, struct cb_dim **out);
int  cb__mk_dim_values(struct cb_make *M, struct cb_dim *d, size_t off, const char *path, size_t n);
int  cb__mk_dim_value(struct cb_make *M, struct cb_dim *d, size_t off, const char *path,
    const char *v, size_t len);
int  cb__mk_categories(struct cb_make *M, size_t off, size_t n);
int  cb__mk_category(struct cb_make *M, size_t name_off, const char *path, const char *name,
    const char *description);
int  cb__mk_handlings(struct cb_make *M, size_t off, size_t n);
int  cb__mk_handling(struct cb_make *M, size_t off, size_t name_off, size_t action_off,
    const char *path, const struct cb_handling *h, int action);
int  cb__mk_entries(struct cb_make *M, size_t off, size_t n);
struct cb_entry *cb__mk_entry_begin(struct cb_make *M, size_t off);
int  cb__mk_applies_dim(struct cb_make *M, size_t key_off, size_t off, const char *path,
    const char *name, size_t len, size_t nvalues, int *d);
int  cb__mk_applies_value(struct cb_make *M, struct cb_entry *e, int d, size_t off, const char *path,
    size_t i, const char *v, size_t len);
int  cb__mk_attributes(struct cb_make *M, struct cb_entry *e, size_t off, const char *path, size_t n);
int  cb__mk_attribute(struct cb_make *M, struct cb_entry *e, size_t off, const char *path,
    const char *key, size_t klen, const char *value, size_t vlen);
int  cb__mk_entry_end(struct cb_make *M, struct cb_entry *e, const struct cb_mk_entry *in,
    const char *path);
/* Index the set and apply the rules between entries; on CB_OK *out takes
 * the set from @M. */
int  cb__mk_finish(struct cb_make *M, cb_codeset **out);

/* Load (load.c).  With @lint NULL the first error fails the load; with a
 * report, semantic problems are recorded and loading goes on as far as it can. */
int cb__codeset_parse(cb_codeset **out, const char *buf, size_t len,
    const char *origin, cb_report *lint);

/* Read a whole file, at most @max bytes (file.c). */
int cb__read_file(char **out, size_t *len, const char *path, size_t max);

/* Format rules (format.c).  Returns 1 when @code passes; else 0 with the
 * byte offset and a reason ("character ' ' is not allowed"). */
int cb__format_ok(const struct cb_fmt *f, const char *code, size_t len,
    size_t *offset, char *why, size_t whylen);
int cb__charset_compile(struct cb_fmt *f, const char *charset, char *why, size_t whylen);

/* Lookups (codeset.c). */
uint64_t cb__hash(const char *s, size_t n);
/* Build the lookups of a set whose entries are complete: chains of equal
 * codes, the perfect hash, suggestion candidates.  @codes_pass: every code
 * is known to pass the set's format (a strict load).  CB_OK or CB_ENOMEM. */
int cb__codeset_index(cb_codeset *cs, bool codes_pass);
/* Suggestion candidates (check.c), called by cb__codeset_index(). */
int cb__suggest_index(cb_codeset *cs);
/* Union of the values the entries with @e's code admit on dimension @d,
 * as a bitmask over the set's values (all bits when any entry is unrestricted). */
uint64_t cb__code_admits(const cb_entry *e, size_t d);
uint64_t cb__dim_all(const cb_codeset *cs, size_t d);

/* Lint checks that need the whole set (lint.c), also used by the loader. */
int cb__lint_set(const cb_codeset *cs, cb_report *r);	/* CB_OK or CB_ENOMEM */

/* Copy @s (length @n) into @dst (size @size) for a message: printable,
 * escaped, shortened with "..." when long.  Returns dst. */
char *cb__quote(char *dst, size_t size, const char *s, size_t n);

/* Bounded message building. */
typedef struct {
	char  *m_p;
	size_t m_size, m_len;
} cb_msg;
void cb__msg_init(cb_msg *m, char *dst, size_t size);
void cb__msg_add(cb_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append the message of check @r to @m (check.c). */
int cb__check_message(cb_msg *m, const cb_check_result *r);

#endif
