/*
 * codeset_int.h - private to src/lib: the layout of a loaded code set and
 * the helpers the modules share.  docs/internals/codeset.md explains the
 * layout (arena, hash of codes, context bitmasks).
 */
#ifndef CB_LIB_CODESET_INT_H
#define CB_LIB_CODESET_INT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "codebook.h"
#include "../util/alloc.h"
#include "../util/arena.h"
#include "../util/buf.h"
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
};

struct cb_dim {
	const char  *d_name;
	const char  *d_description;
	const char **d_values;
	size_t       d_nvalues;
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

struct cb_codeset {
	atomic_int   cs_refs;
	cb_arena     cs_arena;
	const char  *cs_name, *cs_title, *cs_description, *cs_source, *cs_origin;
	int          cs_version;
	bool         cs_mirror, cs_repeated, cs_reject_deprecated;
	bool         cs_has_policy;
	struct cb_fmt cs_fmt;
	cb_policy    cs_policy;
	struct cb_dim cs_dims[CB_MAX_DIMS];
	size_t       cs_ndims;
	struct cb_category *cs_cats;
	size_t       cs_ncats;
	struct cb_handling *cs_handling;
	size_t       cs_nhandling;
	struct cb_entry *cs_entries;
	size_t       cs_nentries;
	uint32_t    *cs_slots;      /* open addressing: entry index + 1 of a code's first entry */
	size_t       cs_nslots;     /* power of two */
};

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
int cb__codeset_index(cb_codeset *cs);  /* build the hash of codes */
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

#endif
