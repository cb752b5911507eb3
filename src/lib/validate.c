/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c - bulk validation of NDJSON lines (codebook/validate.h).
 *
 * The hot path, per line: one strict parse through the JSON shim (simdjson
 * DOM, which validates every value while building its tape), the field
 * paths read off the tape, and cb_check_ex() without a message.  Nothing
 * allocates per line.  Messages, error positions and alternatives are
 * produced only on request (CB_LINE_EXPLAIN), for the few lines a caller
 * shows.  docs/internals/validate.md has the design,
 * docs/validate.md the measurements.
 */
#include "codeset_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/json_shim.h"

/* One dotted path, split into keys that point into v_pathmem. */
struct vpath {
	const char *vp_name;                  /* the dotted path, for messages */
	const char *vp_keys[CB_MAX_FIELD_KEYS];
	size_t      vp_lens[CB_MAX_FIELD_KEYS];
};

/*
 * Verdicts of recent codes.  A set is immutable, so a check is a pure
 * function of the code and the context values: a stream that repeats a
 * few dozen codes a million times need not check each one again.  When it
 * was measured, it saved the format scan and the FNV hash of the set's
 * lookup, about a fifth of the time per line (docs/validate.md); a check of
 * a valid code is now one perfect-hash probe, so the cache mostly spares
 * the codes with context and the rejected ones.  Direct-mapped: a
 * collision costs one check.  Keys longer than VC_KEY are not cached.
 */
#define VC_SLOTS 512
#define VC_KEY   80

struct vslot {
	uint64_t        vs_hash;      /* 0: empty */
	const cb_entry *vs_entry;
	uint32_t        vs_offset;
	uint16_t        vs_len;
	uint8_t         vs_reason;
	uint8_t         vs_accepted;
	char            vs_key[VC_KEY];
};

/* Messages of rejected codes, for CB_LINE_EXPLAIN: a stream repeats its
 * few bad codes, and a message with alternatives costs microseconds. */
#define VM_SLOTS 1024

struct vmsg {
	uint64_t vm_hash;   /* 0: empty */
	size_t   vm_len;
	char     vm_key[VC_KEY];
	char    *vm_msg;
};

struct cb_validator {
	cb_codeset    *v_set;
	cb_json_lines *v_json;
	/* path 0 is the code; path 1 + i gives the value of context pair i */
	struct vpath   v_paths[1 + CB_MAX_DIMS];
	cb_json_path   v_jpaths[1 + CB_MAX_DIMS];
	cb_json_pick   v_picks[1 + CB_MAX_DIMS];
	size_t         v_npaths;
	cb_ctx         v_ctx[CB_MAX_DIMS];
	char           v_num[CB_MAX_DIMS][24]; /* integer context values as text */
	char          *v_pathmem;
	char          *v_scratch;              /* padded copy of lines that lack padding */
	size_t         v_scratch_cap;
	cb_check_result v_check;
	char           v_msg[CB_CHECK_MESSAGE_MAX + 256];
	char           v_key[VC_KEY];          /* code and context values, for the cache */
	struct vslot   v_cache[VC_SLOTS];
	struct vmsg   *v_msgs;                 /* on the first explained check */
};

static const char *const fault_names[CB_LINE_FAULT_COUNT] = {
	"not-json", "not-object", "missing-field", "not-string", "too-long", "too-deep"
};

const char *
cb_line_why_name(unsigned why)
{
	if (why < CB_REASON_MAX)
		return cb_reason_name((cb_reason)why);
	if (why >= CB_LINE_NOT_JSON && why - CB_LINE_NOT_JSON < CB_LINE_FAULT_COUNT)
		return fault_names[why - CB_LINE_NOT_JSON];
	return "?";
}

/* Split the dotted path at @s (already copied into v_pathmem) in place. */
static int
split_path(struct vpath *p, char *s, const char *what)
{
	size_t n = 0;
	char *k = s, *dot;

	p->vp_name = s;
	for (;;) {
		dot = strchr(k, '.');
		if (dot == k || *k == '\0')
			return cb__fail(CB_EINVAL, "%s \"%s\": empty key in the path (keys are separated by dots)",
			    what, s);
		if (n == CB_MAX_FIELD_KEYS)
			return cb__fail(CB_ETOOBIG, "%s \"%s\": more than %d keys", what, s, CB_MAX_FIELD_KEYS);
		p->vp_keys[n] = k;
		p->vp_lens[n] = dot ? (size_t)(dot - k) : strlen(k);
		n++;
		if (dot == NULL)
			break;
		k = dot + 1;
	}
	return (int)n;
}

/* The validator's context pairs: dimensions of @cs, each once. */
static int
resolve_dims(cb_validator *v, const cb_codeset *cs, const cb_ctx_field *ctx, size_t nctx)
{
	size_t i, j;

	for (i = 0; i < nctx; i++) {
		const char *dim = ctx[i].dim;
		int d = cb_codeset_dim_index(cs, dim, strlen(dim));
		if (d < 0) {
			char list[512];
			cb_msg m;
			cb__msg_init(&m, list, sizeof(list));
			for (j = 0; j < cs->cs_ndims; j++)
				cb__msg_add(&m, "%s%s", j ? ", " : "", cs->cs_dims[j].d_name);
			return cb__fail(CB_ENOTFOUND, "%s has no context dimension \"%s\" (%s%s)", cs->cs_name, dim,
			    cs->cs_ndims ? "dimensions: " : "it takes no context", list);
		}
		for (j = 0; j < i; j++)
			if (strcmp(ctx[j].dim, dim) == 0)
				return cb__fail(CB_EINVAL, "context dimension \"%s\" is given twice", dim);
		/* the set outlives the validator: point at its copy of the name */
		v->v_ctx[i].dim = cs->cs_dims[d].d_name;
		v->v_ctx[i].dim_len = cs->cs_dims[d].d_name_len;
	}
	return CB_OK;
}

int
cb_validator_new(cb_validator **out, const cb_codeset *cs, const char *field,
    const cb_ctx_field *ctx, size_t nctx)
{
	cb_validator *v = NULL;
	size_t i, total = 0, len, at = 0;
	int rc, n;
	char *copy;

	if (out == NULL || cs == NULL || (ctx == NULL && nctx > 0))
		return cb__fail(CB_EINVAL, "cb_validator_new: NULL argument");
	*out = NULL;
	if (field == NULL)
		field = "reason_code";
	if (nctx > cs->cs_ndims || nctx > CB_MAX_DIMS) {
		rc = cb__fail(CB_EINVAL, "%zu context fields given; %s has %zu context dimensions",
		    nctx, cs->cs_name, cs->cs_ndims);
		goto out;
	}
	for (i = 0; i <= nctx; i++) {
		const char *s = i == 0 ? field : ctx[i - 1].field;
		if (s == NULL || (i > 0 && ctx[i - 1].dim == NULL)) {
			rc = cb__fail(CB_EINVAL, "cb_validator_new: NULL context dimension or field");
			goto out;
		}
		len = strlen(s);
		if (len > CB_MAX_FIELD_PATH) {
			rc = cb__fail(CB_ETOOBIG, "field path of %zu bytes (max %d)", len, CB_MAX_FIELD_PATH);
			goto out;
		}
		total += len + 1;	/* bounded by (1 + CB_MAX_DIMS) * (CB_MAX_FIELD_PATH + 1) */
	}
	if ((v = cb__calloc(1, sizeof(*v))) == NULL || (v->v_pathmem = cb__malloc(total)) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	v->v_check.version = CB_CHECK_RESULT_VERSION;
	for (i = 0; i <= nctx; i++) {
		const char *s = i == 0 ? field : ctx[i - 1].field;
		len = strlen(s);
		copy = v->v_pathmem + at;
		memcpy(copy, s, len + 1);
		at += len + 1;
		if ((n = split_path(&v->v_paths[i], copy, i == 0 ? "field" : "context field")) < 0) {
			rc = n;
			goto out;
		}
		v->v_jpaths[i].keys = v->v_paths[i].vp_keys;
		v->v_jpaths[i].lens = v->v_paths[i].vp_lens;
		v->v_jpaths[i].n = (size_t)n;
	}
	if ((rc = resolve_dims(v, cs, ctx, nctx)) != CB_OK)
		goto out;
	v->v_npaths = 1 + nctx;
	if (cb_json_lines_new(&v->v_json, CB_MAX_EVENT_BYTES, CB_MAX_EVENT_DEPTH) != 0) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	v->v_set = cb_codeset_ref((cb_codeset *)(uintptr_t)cs);
	*out = v;
	v = NULL;
	rc = CB_OK;
out:
	cb_validator_free(v);
	return rc;
}

void
cb_validator_free(cb_validator *v)
{
	if (v == NULL)
		return;
	if (v->v_msgs != NULL) {
		size_t i;
		for (i = 0; i < VM_SLOTS; i++)
			free(v->v_msgs[i].vm_msg);
		free(v->v_msgs);
	}
	cb_json_lines_free(v->v_json);
	cb_codeset_free(v->v_set);
	free(v->v_pathmem);
	free(v->v_scratch);
	free(v);
}

/* Decimal text of an integer context value, into @buf (24 bytes). */
static size_t
utoa(char *buf, uint64_t u, int neg)
{
	char tmp[24];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (neg)
		buf[k++] = '-';
	while (n > 0)
		buf[k++] = tmp[--n];
	return k;
}

static const char *
type_name(cb_json_type t)
{
	return t == CB_JSON_ARRAY ? "an array" : t == CB_JSON_OBJECT ? "an object" :
	    t == CB_JSON_NUMBER ? "a number" : t == CB_JSON_STRING ? "a string" :
	    t == CB_JSON_BOOL ? "a boolean" : "null";
}

/* The message of a fault, when asked for one. */
static void
explain_fault(cb_validator *v, const char *line, size_t len, cb_line_result *out,
    const char *why, const cb_json_pick *pk, int is_ctx)
{
	char q[96];

	switch (out->why) {
	case CB_LINE_NOT_JSON:
	case CB_LINE_TOO_DEEP: {
		/* the DOM parser does not say where: the tree parser does */
		cb_json_doc *doc = NULL;
		cb_json_error err;
		int rc = cb_json_parse(&doc, line, len, CB_MAX_EVENT_DEPTH, &err);
		cb_json_free(doc);
		if (rc != 0) {
			out->offset = err.offset;
			/* a column counts bytes from 1, as compilers do */
			snprintf(v->v_msg, sizeof(v->v_msg), "%s at column %zu: %s",
			    out->why == CB_LINE_TOO_DEEP ? "too deep" : "invalid JSON", err.offset + 1, err.message);
		} else {
			snprintf(v->v_msg, sizeof(v->v_msg), "%s: %s",
			    out->why == CB_LINE_TOO_DEEP ? "too deep" : "invalid JSON", why);
		}
		break;
	}
	case CB_LINE_TOO_LONG:
		snprintf(v->v_msg, sizeof(v->v_msg), "line of %zu bytes is longer than the limit of %u",
		    len, (unsigned)CB_MAX_EVENT_BYTES);
		break;
	case CB_LINE_NOT_OBJECT:
		snprintf(v->v_msg, sizeof(v->v_msg), "the line is %s, not an object", why);
		break;
	case CB_LINE_MISSING_FIELD:
		snprintf(v->v_msg, sizeof(v->v_msg), "no %sfield \"%s\"", is_ctx ? "context " : "",
		    cb__quote(q, sizeof(q), out->field, strlen(out->field)));
		break;
	case CB_LINE_NOT_STRING:
		snprintf(v->v_msg, sizeof(v->v_msg), "%sfield \"%s\" is %s, not a string%s",
		    is_ctx ? "context " : "", cb__quote(q, sizeof(q), out->field, strlen(out->field)),
		    type_name(pk->type), is_ctx ? " or an integer" : "");
		break;
	default:
		v->v_msg[0] = '\0';
	}
	out->message = v->v_msg;
}

/* The context values of the line just parsed into v_ctx: 0, or -1 with a
 * fault in @out (a field missing, or neither a string nor an integer). */
static int
context_values(cb_validator *v, cb_line_result *out)
{
	size_t i;

	for (i = 1; i < v->v_npaths; i++) {
		cb_ctx *c = &v->v_ctx[i - 1];
		const cb_json_pick *pk = &v->v_picks[i];
		if (!pk->found) {
			out->why = CB_LINE_MISSING_FIELD;
			out->field = v->v_paths[i].vp_name;
			return -1;
		}
		if (pk->type == CB_JSON_STRING) {
			c->value = pk->str;
			c->value_len = pk->str_len;
		} else if (pk->num == CB_JSON_NUM_INT || pk->num == CB_JSON_NUM_UINT) {
			/* "order_status": 200 means the value "200" */
			int neg = pk->num == CB_JSON_NUM_INT && pk->i < 0;
			uint64_t u = pk->num == CB_JSON_NUM_UINT ? pk->u :
			    neg ? (uint64_t)0 - (uint64_t)pk->i : (uint64_t)pk->i;
			c->value = v->v_num[i - 1];
			c->value_len = utoa(v->v_num[i - 1], u, neg);
		} else {
			out->why = CB_LINE_NOT_STRING;
			out->field = v->v_paths[i].vp_name;
			return -1;
		}
	}
	return 0;
}

/* @line copied into the validator's scratch buffer with padding after
 * it; NULL (CB_ENOMEM recorded) without memory. */
static const char *
padded_copy(cb_validator *v, const char *line, size_t len)
{
	size_t need = len + CB_JSON_PADDING;

	if (need > v->v_scratch_cap) {
		char *p = cb__realloc(v->v_scratch, need);
		if (p == NULL) {
			(void)cb__fail(CB_ENOMEM, "out of memory for a line of %zu bytes", len);
			return NULL;
		}
		v->v_scratch = p;
		v->v_scratch_cap = need;
	}
	if (len > 0)
		memcpy(v->v_scratch, line, len);
	memset(v->v_scratch + len, ' ', CB_JSON_PADDING);
	return v->v_scratch;
}

static int check_cached(cb_validator *v, cb_line_result *out);
static int check_explained(cb_validator *v, cb_line_result *out);

int
cb_validator_line(cb_validator *v, const char *line, size_t len, unsigned flags,
    cb_line_result *out)
{
	const int explain = (flags & CB_LINE_EXPLAIN) != 0;
	const char *why = "";
	cb_json_type root = CB_JSON_NULL;
	const cb_json_pick *pk;
	size_t i;
	int rc;

	if (v == NULL || out == NULL || (line == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_validator_line: NULL argument");
	if (out->version != CB_LINE_RESULT_VERSION)
		return cb__fail(CB_EINVAL, "cb_validator_line: cb_line_result version %u unknown "
		    "(initialise it with CB_LINE_RESULT_INIT)", out->version);
	out->valid = 0;
	out->code = NULL;
	out->code_len = 0;
	out->field = NULL;
	out->offset = 0;
	out->message = "";
	out->entry = NULL;
	if (len > CB_MAX_EVENT_BYTES) {
		out->why = CB_LINE_TOO_LONG;
		goto fault;
	}
	if (line == NULL) {
		line = "";
		flags &= ~CB_LINE_PADDED;
	}
	/* simdjson reads up to CB_JSON_PADDING bytes past the end: copy */
	if (!(flags & CB_LINE_PADDED) && (line = padded_copy(v, line, len)) == NULL)
		return CB_ENOMEM;
	rc = cb_json_lines_parse(v->v_json, line, len, &root, v->v_jpaths, v->v_npaths,
	    v->v_picks, &why);
	if (rc != 0) {
		if (rc == -2)
			return cb__fail(CB_ENOMEM, "out of memory for a line of %zu bytes", len);
		out->why = rc == -5 ? CB_LINE_TOO_DEEP : CB_LINE_NOT_JSON;
		goto fault;
	}
	if (root != CB_JSON_OBJECT) {
		out->why = CB_LINE_NOT_OBJECT;
		why = type_name(root);
		goto fault;
	}
	pk = &v->v_picks[0];
	if (!pk->found) {
		out->why = CB_LINE_MISSING_FIELD;
		out->field = v->v_paths[0].vp_name;
		goto fault;
	}
	if (pk->type != CB_JSON_STRING) {
		out->why = CB_LINE_NOT_STRING;
		out->field = v->v_paths[0].vp_name;
		goto fault;
	}
	out->code = pk->str;
	out->code_len = pk->str_len;
	if (context_values(v, out) != 0)
		goto fault;
	return explain ? check_explained(v, out) : check_cached(v, out);
fault:
	if (explain) {
		pk = out->field != NULL ? &v->v_picks[0] : NULL;
		for (i = 0; out->field != NULL && i < v->v_npaths; i++)
			if (v->v_paths[i].vp_name == out->field)
				pk = &v->v_picks[i];
		explain_fault(v, line, len, out, why, pk, pk != NULL && pk != &v->v_picks[0]);
	}
	return CB_OK;
}

static inline uint64_t
load64(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint64_t
load32(const char *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint64_t
mix(uint64_t h)
{
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* A fast hash of a short key; never 0.  The last word overlaps the one
 * before rather than being copied out byte by byte: copying it to the
 * stack and loading it back stalled store forwarding (seen in perf). */
static uint64_t
khash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;

	if (n >= 8) {
		const char *last = s + n - 8;
		for (; s < last; s += 8)
			h = mix(h ^ load64(s));
		h = mix(h ^ load64(last));
	} else if (n >= 4) {
		h = mix(h ^ (load32(s) << 32 | load32(s + n - 4)));
	} else if (n > 0) {
		h = mix(h ^ ((uint64_t)(unsigned char)s[0] << 16 |
		    (uint64_t)(unsigned char)s[n / 2] << 8 | (unsigned char)s[n - 1]));
	}
	h ^= h >> 32;
	return h | 1;
}

/*
 * The key of a check in the caches: the code, then per context value 0xff,
 * its length and its bytes (0xff never occurs in UTF-8, and the parser has
 * validated the strings).  SIZE_MAX when it does not fit VC_KEY.
 */
static size_t
cache_key(cb_validator *v, const cb_line_result *out, const char **key)
{
	size_t klen = out->code_len, i;

	*key = out->code;
	if (klen > VC_KEY)
		return SIZE_MAX;
	if (v->v_npaths == 1)
		return klen;
	memcpy(v->v_key, out->code, klen);
	for (i = 0; i + 1 < v->v_npaths; i++) {
		const cb_ctx *c = &v->v_ctx[i];
		if (c->value_len > 255 || klen + 2 + c->value_len > VC_KEY)
			return SIZE_MAX;
		v->v_key[klen++] = (char)0xff;
		v->v_key[klen++] = (char)c->value_len;
		memcpy(v->v_key + klen, c->value, c->value_len);
		klen += c->value_len;
	}
	*key = v->v_key;
	return klen;
}

/* The check of the line's code in its context, through the cache. */
static int
check_cached(cb_validator *v, cb_line_result *out)
{
	const char *key;
	size_t klen = cache_key(v, out, &key);
	struct vslot *s;
	uint64_t h;
	int rc;

	if (klen == SIZE_MAX)
		goto miss;
	h = khash(key, klen);
	s = &v->v_cache[(h >> 40) & (VC_SLOTS - 1)];
	if (s->vs_hash == h && s->vs_len == klen && memcmp(s->vs_key, key, klen) == 0) {
		out->why = s->vs_reason;
		out->valid = s->vs_accepted;
		out->entry = s->vs_entry;
		out->offset = s->vs_offset;
		return CB_OK;
	}
	if ((rc = cb_check_ex(&v->v_check, v->v_set, out->code, out->code_len, v->v_ctx,
	    v->v_npaths - 1, CB_CHECK_NO_MESSAGE)) != CB_OK)
		return rc;
	s->vs_hash = h;
	s->vs_len = (uint16_t)klen;
	memcpy(s->vs_key, key, klen);
	s->vs_reason = (uint8_t)v->v_check.reason;
	s->vs_accepted = (uint8_t)v->v_check.accepted;
	s->vs_entry = v->v_check.entry;
	/* an invalid-format fault lies within the code, at most CB_MAX_EVENT_BYTES */
	s->vs_offset = v->v_check.reason == CB_INVALID_FORMAT ? (uint32_t)v->v_check.error_offset : 0;
	goto done;
miss:
	if ((rc = cb_check_ex(&v->v_check, v->v_set, out->code, out->code_len, v->v_ctx,
	    v->v_npaths - 1, CB_CHECK_NO_MESSAGE)) != CB_OK)
		return rc;
done:
	out->why = (unsigned)v->v_check.reason;
	out->valid = v->v_check.accepted;
	out->entry = v->v_check.entry;
	if (v->v_check.reason == CB_INVALID_FORMAT)
		out->offset = v->v_check.error_offset;
	return CB_OK;
}

/* The check with its message, the message from a small cache of them. */
static int
check_explained(cb_validator *v, cb_line_result *out)
{
	const char *key;
	size_t klen = cache_key(v, out, &key);
	struct vmsg *m = NULL;
	uint64_t h = 0;
	char *copy;
	int rc;

	if (klen != SIZE_MAX &&
	    (v->v_msgs != NULL || (v->v_msgs = cb__calloc(VM_SLOTS, sizeof(*v->v_msgs))) != NULL)) {
		h = khash(key, klen);
		m = &v->v_msgs[(h >> 40) & (VM_SLOTS - 1)];
		if (m->vm_hash == h && m->vm_len == klen && memcmp(m->vm_key, key, klen) == 0) {
			if ((rc = check_cached(v, out)) != CB_OK)
				return rc;
			out->message = m->vm_msg;
			return CB_OK;
		}
	}
	rc = cb_check_ex(&v->v_check, v->v_set, out->code, out->code_len, v->v_ctx, v->v_npaths - 1, 0);
	if (rc != CB_OK)
		return rc;
	out->why = (unsigned)v->v_check.reason;
	out->valid = v->v_check.accepted;
	out->entry = v->v_check.entry;
	if (v->v_check.reason == CB_INVALID_FORMAT)
		out->offset = v->v_check.error_offset;
	if ((rc = cb_check_message(v->v_msg, sizeof(v->v_msg), &v->v_check)) != CB_OK)
		return rc;
	out->message = v->v_msg;
	/* without memory for the copy, the message is simply not kept */
	if (m != NULL && (copy = cb__strdup(v->v_msg)) != NULL) {
		free(m->vm_msg);
		m->vm_msg = copy;
		m->vm_hash = h;
		m->vm_len = klen;
		memcpy(m->vm_key, key, klen);
	}
	return CB_OK;
}

static int
blank(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

/*
 * The lines of a block go to the parser a window at a time: up to
 * VB_LINES lines within CB_JSON_LINES_WINDOW bytes, found with one memchr
 * each, are indexed by one stage-1 pass (the shim explains why), then
 * judged one by one.
 */
#define VB_LINES 64

int
cb_validator_block(cb_validator *v, const char *buf, size_t len, unsigned flags,
    cb_validate_counts *counts, cb_invalid_fn fn, void *payload)
{
	const char *p = buf, *end = buf + len, *ls[VB_LINES], *le[VB_LINES], *readable;
	uint64_t line = 0;
	cb_line_result r = CB_LINE_RESULT_INIT;
	size_t n, i;
	int rc = CB_OK;

	if (v == NULL || counts == NULL || (buf == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_validator_block: NULL argument");
	if (counts->version != CB_VALIDATE_COUNTS_VERSION)
		return cb__fail(CB_EINVAL, "cb_validator_block: cb_validate_counts version %u unknown "
		    "(initialise it with CB_VALIDATE_COUNTS_INIT)", counts->version);
	if (len == 0)
		return CB_OK;
	/* how far the parser may read: a window's newline needs padding after it */
	readable = (flags & CB_LINE_PADDED) ? end + CB_JSON_PADDING : end;
	if ((flags & CB_BLOCK_FIRST) && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *q = p, *wend = NULL;
		for (n = 0; n < VB_LINES && q < end; n++) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			const char *e = nl ? nl : end;
			if (n > 0 && (size_t)(e - p) > CB_JSON_LINES_WINDOW)
				break;	/* the next window's */
			ls[n] = q;
			le[n] = e;
			if (nl != NULL && (size_t)(nl - p) <= CB_JSON_LINES_WINDOW &&
			    (size_t)(readable - nl) >= CB_JSON_PADDING)
				wend = nl;
			q = nl ? nl + 1 : end;
		}
		/* one line gains nothing from a window */
		cb_json_lines_window(v->v_json, n > 1 && wend != NULL ? p : NULL,
		    n > 1 && wend != NULL ? (size_t)(wend - p) : 0);
		for (i = 0; i < n; i++, line++) {
			const char *s = ls[i], *e = le[i];
			if (e > s && e[-1] == '\r')
				e--;
			if (*s == '{' ? 0 : blank(s, e))
				continue;
			/* inside a padded block, or far enough from the end of a bare
			 * one, the bytes after the line are readable: no copy */
			rc = cb_validator_line(v, s, (size_t)(e - s),
			    (size_t)(readable - e) >= CB_JSON_PADDING ? CB_LINE_PADDED : 0, &r);
			if (rc != CB_OK)
				goto out;
			counts->lines++;
			CB_ASSERT(r.why < CB_LINE_WHY_MAX);
			counts->by_why[r.why]++;
			if (r.valid) {
				counts->valid++;
			} else if (fn != NULL && (rc = fn(payload, line, (size_t)(s - buf), (size_t)(e - s), &r)) != 0) {
				line++;
				goto out;
			}
		}
		p = q;
	}
out:
	cb_json_lines_window(v->v_json, NULL, 0);
	counts->physical += line;
	return rc;
}
