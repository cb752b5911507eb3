/*
 * check.c - the verdict on one code in one context.
 *
 * Order of tests: format (characters, case, shape, length), then the
 * context pairs, then the lookup, then applicability and status.  Every
 * code of a loaded set passes the set's format, so the lookup goes first:
 * a code found needs no format test.  The hot path (a valid code without
 * context) is one perfect-hash probe, one comparison and a few stores
 * (docs/internals/codeset.md).  Alternatives are searched only for
 * rejected codes; messages are built only by cb_check_message(), which
 * runs the check again with a message buffer.  Nothing allocates.
 */
#include "codeset_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const reason_names[CB_REASON_COUNT] = {
	"valid", "deprecated", "invalid-format", "unknown-code", "unknown-category",
	"not-applicable", "unknown-context", "retired"
};

const char *
cb_reason_name(cb_reason r)
{
	return (unsigned)r < CB_REASON_COUNT ? reason_names[r] : "?";
}

cb_ctx
cb_ctx_make(const char *dim, const char *value)
{
	cb_ctx c;

	c.dim = dim;
	c.dim_len = dim ? strlen(dim) : 0;
	c.value = value;
	c.value_len = value ? strlen(value) : 0;
	return c;
}

/* "rule=A3, endpoint=/x" for messages */
static void
msg_ctx(cb_msg *m, const cb_ctx *ctx, size_t nctx)
{
	char q1[64], q2[96];
	size_t i;

	for (i = 0; i < nctx && m->m_size > 0; i++)
		cb__msg_add(m, "%s%s=%s", i ? ", " : "",
		    cb__quote(q1, sizeof(q1), ctx[i].dim, ctx[i].dim_len),
		    cb__quote(q2, sizeof(q2), ctx[i].value, ctx[i].value_len));
}

static void
msg_values(cb_msg *m, const cb_codeset *cs, size_t d, uint64_t mask)
{
	size_t v, k = 0;

	for (v = 0; v < cs->cs_dims[d].d_nvalues && m->m_size > 0; v++)
		if ((mask >> v) & 1)
			cb__msg_add(m, "%s%s", k++ ? ", " : "", cs->cs_dims[d].d_values[v]);
}

static int
admits(const struct cb_entry *e, const int *dims, const int *vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t a = e->e_applies[dims[i]];
		if (a != 0 && !((a >> vals[i]) & 1))
			return 0;
	}
	return 1;
}

/*
 * Suggestions for an unknown code: the codes within a small edit distance
 * (optimal string alignment, case-insensitive), nearest first.  The
 * candidates are indexed by length when the set is loaded, case-folded,
 * with a mask of the classes of characters each holds; a candidate is
 * compared only when its length is within the limit and the masks do not
 * prove the distance too large (a class present in one code and absent
 * from the other costs at least one edit).  The distance itself is
 * computed in a band of the table, and stops as soon as a row exceeds the
 * limit.
 */
static inline unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline uint64_t
class_bit(unsigned char c)
{
	unsigned k;

	c = fold(c);
	if (c >= 'a' && c <= 'z')
		k = c - 'a';
	else if (c >= '0' && c <= '9')
		k = 26 + (c - '0');
	else
		k = 36 + c % 28;
	return (uint64_t)1 << k;
}

int
cb__suggest_index(cb_codeset *cs)
{
	uint32_t *at, n = 0, i, k;
	struct cb_sugg *sg;

	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		n += e->e_first && e->e_status != CB_STATUS_RETIRED;
	}
	at = cb_arena_calloc(&cs->cs_arena, CB_MAX_CODE_LEN + 2, sizeof(*at));
	sg = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*sg));
	if (at == NULL || sg == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	/* a counting sort by length; entry order within a length */
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_first && e->e_status != CB_STATUS_RETIRED) {
			CB_ASSERT(e->e_code_len <= CB_MAX_CODE_LEN);
			at[e->e_code_len + 1]++;
		}
	}
	for (k = 0; k <= CB_MAX_CODE_LEN; k++)
		at[k + 1] += at[k];
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		struct cb_sugg *c;
		char *f;
		if (!e->e_first || e->e_status == CB_STATUS_RETIRED)
			continue;
		c = &sg[at[e->e_code_len]++];
		if ((f = cb_arena_alloc(&cs->cs_arena, e->e_code_len + 1)) == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
		c->sg_mask = 0;
		for (k = 0; k < e->e_code_len; k++) {
			f[k] = (char)fold((unsigned char)e->e_code[k]);
			c->sg_mask |= class_bit((unsigned char)e->e_code[k]);
		}
		f[k] = '\0';
		c->sg_fold = f;
		c->sg_entry = i;
		c->sg_len = e->e_code_len;
	}
	/* the fill moved each start to the next length's: shift back */
	for (k = CB_MAX_CODE_LEN + 1; k > 0; k--)
		at[k] = at[k - 1];
	at[0] = 0;
	cs->cs_sugg = sg;
	cs->cs_sugg_at = at;
	return CB_OK;
}

/* Optimal string alignment distance of two case-folded strings of at most
 * CB_MAX_CODE_LEN bytes, or limit + 1 when it exceeds @limit (at most 3).
 * A common prefix and suffix cost nothing and are skipped (codes of a set
 * tend to share long ones); of the table, only cells within @limit of the
 * diagonal can stay within the limit, and a row above it ends the search. */
static unsigned
distance(const char *a, size_t na, const char *b, size_t nb, unsigned limit)
{
	unsigned rows[3][CB_MAX_CODE_LEN + 2];
	unsigned *pp = rows[0], *p = rows[1], *c = rows[2], *t;
	const unsigned inf = limit + 1;
	size_t i, j, lo, hi, k = 0, n = na < nb ? na : nb;

	if ((na > nb ? na - nb : nb - na) > limit)
		return inf;
	while (k + 8 <= n && cb__rd64(a + k) == cb__rd64(b + k))
		k += 8;
	while (k < n && a[k] == b[k])
		k++;
	a += k, b += k, na -= k, nb -= k, n -= k;
	for (k = 0; k < n && a[na - 1 - k] == b[nb - 1 - k]; k++)
		;
	na -= k, nb -= k;
	if (na == 0 || nb == 0)
		return (unsigned)(na + nb);	/* within the limit: the lengths were */
	for (j = 0; j <= nb + 1 && j <= limit + 2; j++)
		p[j] = j <= limit ? (unsigned)j : inf;
	for (i = 1; i <= na; i++) {
		unsigned best = inf;
		lo = i > limit ? i - limit : 1;
		hi = i + limit < nb ? i + limit : nb;
		c[lo - 1] = lo == 1 && i <= limit ? (unsigned)i : inf;
		for (j = lo; j <= hi; j++) {
			unsigned v = p[j] + 1, sub = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (sub < v)
				v = sub;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v > inf ? inf : v;
			if (c[j] < best)
				best = c[j];
		}
		c[hi + 1] = inf;	/* the next row reads one past this band */
		if (best > limit)
			return inf;
		t = pp; pp = p; p = c; c = t;
	}
	return p[nb];
}

/* More than @limit bits set in @x? */
static inline int
more_bits_than(uint64_t x, unsigned limit)
{
	unsigned k;

	for (k = 0; k < limit && x != 0; k++)
		x &= x - 1;
	return x != 0;
}

/* Close matches for an unknown code, nearest first (the earlier entry
 * first among equals); the @keep nearest. */
static void
suggest(cb_check_result *out, const cb_codeset *cs, const char *code, size_t len)
{
	unsigned limit = len <= 4 ? 1 : len <= 12 ? 2 : 3, dist[CB_CHECK_MAX_ALTS];
	const size_t keep = 5;
	char q[CB_MAX_CODE_LEN];
	uint64_t qm = 0;
	size_t i, k, n, lo, hi;

	if (len == 0 || len > CB_MAX_CODE_LEN)
		return;
	for (i = 0; i < len; i++) {
		q[i] = (char)fold((unsigned char)code[i]);
		qm |= class_bit((unsigned char)code[i]);
	}
	lo = len > limit ? len - limit : 0;
	hi = len + limit < CB_MAX_CODE_LEN ? len + limit : CB_MAX_CODE_LEN;
	for (i = cs->cs_sugg_at[lo]; i < cs->cs_sugg_at[hi + 1]; i++) {
		const struct cb_sugg *c = &cs->cs_sugg[i];
		unsigned d;
		if (more_bits_than(qm & ~c->sg_mask, limit) || more_bits_than(c->sg_mask & ~qm, limit))
			continue;
		d = distance(q, len, c->sg_fold, c->sg_len, limit);
		if (d > limit)
			continue;
		for (k = 0; k < out->nalts && (dist[k] < d ||
		    (dist[k] == d && cb_entry_index(out->alts[k]) < c->sg_entry)); k++)
			;
		if (k >= keep)
			continue;
		n = out->nalts < keep ? out->nalts + 1 : keep;
		memmove(&out->alts[k + 1], &out->alts[k], (n - 1 - k) * sizeof(out->alts[0]));
		memmove(&dist[k + 1], &dist[k], (n - 1 - k) * sizeof(dist[0]));
		out->alts[k] = &cs->cs_entries[c->sg_entry];
		dist[k] = d;
		out->nalts = n;
	}
	out->nalts_total = out->nalts;
}

/* Does an entry of @e's code suit the context, and does it name every
 * dimension of it (specific) rather than admit any value? 0 no, 1 generic,
 * 2 specific. */
static int
suits(const struct cb_entry *e, const int *dims, const int *vals, size_t n)
{
	int best = 0;
	size_t i;

	for (; e != NULL; e = cb_entry_next_same(e)) {
		int specific = 2;
		if (!admits(e, dims, vals, n))
			continue;
		for (i = 0; i < n; i++)
			if (e->e_applies[dims[i]] == 0)
				specific = 1;
		if (specific > best)
			best = specific;
	}
	return best;
}

/* Codes (first entries, not retired) admitted in the context, those that
 * name the context first; for CATEGORY.CODE lists with cat >= 0, only that
 * category's.  Returns how many suit it without naming it. */
static size_t
collect(cb_check_result *out, const cb_codeset *cs, const int *dims, const int *vals,
    size_t n, int cat)
{
	size_t i, generic = 0;
	int pass;

	for (pass = 2; pass >= 1; pass--) {
		for (i = 0; i < cs->cs_nentries; i++) {
			const struct cb_entry *e = &cs->cs_entries[i];
			if (!e->e_first || e->e_status == CB_STATUS_RETIRED)
				continue;
			if (cat >= 0 && e->e_category != cat)
				continue;
			if (suits(e, dims, vals, n) != pass)
				continue;
			if (pass == 1)
				generic++;
			if (out->nalts < CB_CHECK_MAX_ALTS)
				out->alts[out->nalts++] = e;
			out->nalts_total++;
		}
	}
	return generic;
}

static void
msg_alts(cb_msg *m, const cb_check_result *out)
{
	size_t i;

	for (i = 0; i < out->nalts && m->m_size > 0; i++)
		cb__msg_add(m, "%s%s", i ? ", " : "", out->alts[i]->e_code);
	if (out->nalts_total > out->nalts)
		cb__msg_add(m, " and %zu more", out->nalts_total - out->nalts);
}

/* The context pairs resolved into @dims and @vals; 0, or 1 with the
 * verdict UNKNOWN_CONTEXT. */
static int
resolve_context(cb_check_result *out, const cb_codeset *cs, const cb_ctx *ctx, size_t nctx,
    int *dims, int *vals, cb_msg *m)
{
	size_t i, j;

	if (nctx > CB_MAX_DIMS) {
		out->reason = CB_UNKNOWN_CONTEXT;
		out->ctx_index = CB_MAX_DIMS;
		cb__msg_add(m, "%zu context pairs given; %s has %zu dimensions", nctx, cs->cs_name, cs->cs_ndims);
		return 1;
	}
	for (i = 0; i < nctx; i++) {
		int d = (ctx[i].dim == NULL) ? -1 : cb_codeset_dim_index(cs, ctx[i].dim, ctx[i].dim_len);
		out->ctx_index = i;
		if (d < 0) {
			char qd[64];
			out->reason = CB_UNKNOWN_CONTEXT;
			cb__msg_add(m, "%s has no context dimension \"%s\"", cs->cs_name,
			    cb__quote(qd, sizeof(qd), ctx[i].dim ? ctx[i].dim : "", ctx[i].dim_len));
			if (cs->cs_ndims == 0)
				cb__msg_add(m, "; it takes no context");
			for (j = 0; j < cs->cs_ndims; j++)
				cb__msg_add(m, "%s%s", j ? ", " : "; dimensions: ", cs->cs_dims[j].d_name);
			return 1;
		}
		for (j = 0; j < i; j++) {
			if (dims[j] == d) {
				out->reason = CB_UNKNOWN_CONTEXT;
				cb__msg_add(m, "context dimension \"%s\" is given twice", cs->cs_dims[d].d_name);
				return 1;
			}
		}
		dims[i] = d;
		vals[i] = ctx[i].value == NULL ? -1 :
		    cb_codeset_dim_value_index(cs, (size_t)d, ctx[i].value, ctx[i].value_len);
		if (vals[i] < 0) {
			char qv[96];
			out->reason = CB_UNKNOWN_CONTEXT;
			cb__msg_add(m, "\"%s\" is not a value of %s in %s (allowed: ",
			    cb__quote(qv, sizeof(qv), ctx[i].value ? ctx[i].value : "", ctx[i].value_len),
			    cs->cs_dims[d].d_name, cs->cs_name);
			msg_values(m, cs, (size_t)d, cb__dim_all(cs, (size_t)d));
			cb__msg_add(m, ")");
			return 1;
		}
	}
	out->ctx_index = 0;
	return 0;
}

/* A well-formed code the set does not have: UNKNOWN_CATEGORY when its
 * CATEGORY is not declared (nor one differing only in case), else
 * UNKNOWN_CODE with suggestions (@q: the code, quoted for the message). */
static void
verdict_unknown(cb_check_result *out, const cb_codeset *cs, const char *code, size_t code_len,
    int alts, cb_msg *m, const char *q)
{
	int cat = -1;
	size_t j;

	if (cs->cs_fmt.f_shape == CB_SHAPE_CATEGORY_CODE) {
		const char *dot = memchr(code, '.', code_len);
		size_t plen;
		/* the format test guarantees CATEGORY.CODE */
		if (CB_NEVER(dot == NULL))
			dot = code;
		plen = (size_t)(dot - code);
		cat = cb_codeset_category_index(cs, code, plen);
		if (cat < 0) {
			int near = 0;
			for (j = 0; j < cs->cs_ncats && !near; j++)
				near = strlen(cs->cs_cats[j].c_name) == plen &&
				    strncasecmp(cs->cs_cats[j].c_name, code, plen) == 0;
			if (!near) {
				out->reason = CB_UNKNOWN_CATEGORY;
				out->error_offset = 0;
				cb__msg_add(m, "\"%s\": category \"%.*s\" is not declared in %s (categories: ",
				    q, (int)(plen > 64 ? 64 : plen), code, cs->cs_name);
				for (j = 0; j < cs->cs_ncats; j++)
					cb__msg_add(m, "%s%s", j ? ", " : "", cs->cs_cats[j].c_name);
				cb__msg_add(m, ")");
				return;
			}
		}
	}
	out->reason = CB_UNKNOWN_CODE;
	if (!alts)
		return;
	cb__msg_add(m, "\"%s\" is not a code of %s v%d", q, cs->cs_name, cs->cs_version);
	suggest(out, cs, code, code_len);
	if (out->nalts > 0) {
		cb__msg_add(m, "; did you mean ");
		msg_alts(m, out);
		cb__msg_add(m, "?");
	} else if (cat >= 0) {
		collect(out, cs, NULL, NULL, 0, cat);
		if (out->nalts_total <= CB_CHECK_MAX_ALTS && out->nalts > 0) {
			cb__msg_add(m, "; codes of %s: ", cs->cs_cats[cat].c_name);
			msg_alts(m, out);
		}
	}
}

/* A known code, first entry @e, that no entry suits in the context: the
 * pair at fault and the codes that suit it. */
static void
verdict_not_applicable(cb_check_result *out, const cb_codeset *cs, const struct cb_entry *e,
    const cb_ctx *ctx, size_t nctx, const int *dims, const int *vals, int alts, cb_msg *m,
    const char *q)
{
	uint64_t can;
	size_t i, generic;

	out->reason = CB_NOT_APPLICABLE;
	out->entry = e;
	for (i = 0; i < nctx; i++) {
		if (!((cb__code_admits(e, (size_t)dims[i]) >> vals[i]) & 1)) {
			out->ctx_index = i;
			break;
		}
	}
	if (!alts)
		return;
	i = out->ctx_index;
	can = cb__code_admits(e, (size_t)dims[i]);
	cb__msg_add(m, "%s does not suit ", q);
	msg_ctx(m, ctx, nctx);
	cb__msg_add(m, " in %s v%d; it suits %s ", cs->cs_name, cs->cs_version, cs->cs_dims[dims[i]].d_name);
	msg_values(m, cs, (size_t)dims[i], can);
	generic = collect(out, cs, dims, vals, nctx, -1);
	if (out->nalts_total == 0) {
		cb__msg_add(m, ". No code suits ");
		msg_ctx(m, ctx, nctx);
	} else if (generic < out->nalts_total) {
		/* name the codes made for this context; count the catch-alls */
		size_t specific = out->nalts_total - generic, k;
		cb__msg_add(m, ". Codes for ");
		msg_ctx(m, ctx, nctx);
		cb__msg_add(m, ": ");
		for (k = 0; k < specific && k < out->nalts; k++)
			cb__msg_add(m, "%s%s", k ? ", " : "", out->alts[k]->e_code);
		if (specific > out->nalts)
			cb__msg_add(m, " and %zu more", specific - out->nalts);
		if (generic > 0)
			cb__msg_add(m, " (%zu more suit any %s)", generic, cs->cs_dims[dims[i]].d_name);
	} else {
		cb__msg_add(m, ". Codes for ");
		msg_ctx(m, ctx, nctx);
		cb__msg_add(m, ": ");
		msg_alts(m, out);
	}
}

/* The verdict of @best, the preferred entry that suits the context: by its status. */
static void
verdict_known(cb_check_result *out, const cb_codeset *cs, const struct cb_entry *best,
    const cb_ctx *ctx, size_t nctx, cb_msg *m, const char *q)
{
	out->entry = best;
	switch (best->e_status) {
	case CB_STATUS_ACTIVE:
		out->reason = CB_VALID;
		out->accepted = 1;
		if (m->m_size == 0)
			break;
		cb__msg_add(m, "%s is valid in %s v%d", q, cs->cs_name, cs->cs_version);
		if (nctx > 0) {
			cb__msg_add(m, " for ");
			msg_ctx(m, ctx, nctx);
		}
		break;
	case CB_STATUS_DEPRECATED:
		out->reason = CB_DEPRECATED;
		out->accepted = !cs->cs_reject_deprecated;
		if (best->e_replaced_by[0] != '\0') {
			const cb_entry *r = cb__find(cs, best->e_replaced_by, strlen(best->e_replaced_by));
			if (r != NULL) {
				out->alts[0] = r;
				out->nalts = out->nalts_total = 1;
			}
		}
		cb__msg_add(m, "%s is deprecated in %s", q, cs->cs_name);
		if (best->e_deprecated_since > 0)
			cb__msg_add(m, " since v%d", best->e_deprecated_since);
		cb__msg_add(m, out->accepted ? " (accepted with a warning)" : " and rejected by this set");
		if (best->e_replaced_by[0] != '\0')
			cb__msg_add(m, "; use %s instead", best->e_replaced_by);
		break;
	case CB_STATUS_RETIRED:
		out->reason = CB_RETIRED;
		cb__msg_add(m, "%s was retired from %s: the upstream list no longer has it", q, cs->cs_name);
		if (best->e_replaced_by[0] != '\0')
			cb__msg_add(m, "; use %s instead", best->e_replaced_by);
		break;
	}
}

/*
 * The whole check, every verdict.  @m collects the message (size 0: none);
 * @alts asks for alternatives.  cb_check_ex() comes here for everything
 * but the common verdict; cb_check_message() comes here with a buffer.
 */
static void
run(cb_check_result *out, const cb_codeset *cs, const char *code, size_t code_len,
    const cb_ctx *ctx, size_t nctx, int alts, cb_msg *m)
{
	int dims[CB_MAX_DIMS], vals[CB_MAX_DIMS];
	const struct cb_entry *e, *p, *best = NULL;
	char q[96], why[200];
	size_t nm = 0, off;

	q[0] = '\0';
	if (m->m_size > 0)
		cb__quote(q, sizeof(q), code, code_len);
	e = cb__find(cs, code, code_len);
	if ((e == NULL || !cs->cs_codes_ok) &&
	    !cb__format_ok(&cs->cs_fmt, code, code_len, &off, why, sizeof(why))) {
		out->reason = CB_INVALID_FORMAT;
		out->error_offset = off;
		cb__msg_add(m, "\"%s\" is not a valid %s code: %s", q, cs->cs_name, why);
		return;
	}
	if (resolve_context(out, cs, ctx, nctx, dims, vals, m))
		return;
	if (e == NULL) {
		verdict_unknown(out, cs, code, code_len, alts, m, q);
		return;
	}
	/* prefer an active matching entry, then a deprecated one, then a retired one */
	for (p = e; p != NULL; p = cb_entry_next_same(p)) {
		if (!admits(p, dims, vals, nctx))
			continue;
		nm++;
		if (best == NULL || p->e_status < best->e_status)
			best = p;
	}
	out->nmatches = nm;
	if (best == NULL)
		verdict_not_applicable(out, cs, e, ctx, nctx, dims, vals, alts, m, q);
	else
		verdict_known(out, cs, best, ctx, nctx, m, q);
}

/* The fields every verdict sets, and the input kept for the message. */
static inline void
begin(cb_check_result *out, const cb_codeset *cs, const char *code, size_t code_len,
    const cb_ctx *ctx, size_t nctx, unsigned flags)
{
	out->reason = CB_VALID;
	out->accepted = 0;
	out->set_version = cs->cs_version;
	out->set_name = cs->cs_name;
	out->entry = NULL;
	out->nmatches = out->error_offset = out->ctx_index = 0;
	out->nalts = out->nalts_total = 0;
	out->cb__input.cs = cs;
	out->cb__input.code = code;
	out->cb__input.code_len = code_len;
	out->cb__input.ctx = ctx;
	out->cb__input.nctx = nctx;
	out->cb__input.flags = flags;
}

/* cb_check() and cb_check_ex(), inlined into both: the common verdict (a
 * known code, no context, one active entry) costs a lookup and a few
 * stores; everything else goes to run(). */
static inline __attribute__((always_inline)) int
check(cb_check_result *out, const cb_codeset *cs, const char *code,
    size_t code_len, const cb_ctx *ctx, size_t nctx, unsigned flags)
{
	const struct cb_entry *e;
	cb_msg none;

	if (out == NULL || cs == NULL || (code == NULL && code_len > 0) || (ctx == NULL && nctx > 0))
		return cb__fail(CB_EINVAL, "cb_check: NULL argument");
	if (out->version != CB_CHECK_RESULT_VERSION)
		return cb__fail(CB_EINVAL, "cb_check: cb_check_result version %u unknown "
		    "(initialise it with CB_CHECK_RESULT_INIT)", out->version);
	if (code == NULL)
		code = "";
	begin(out, cs, code, code_len, ctx, nctx, flags);
	if (nctx == 0 && cs->cs_codes_ok && (e = cb__find(cs, code, code_len)) != NULL &&
	    e->e_next_same == 0 && e->e_status == CB_STATUS_ACTIVE) {
		out->accepted = 1;
		out->entry = e;
		out->nmatches = 1;
		return CB_OK;
	}
	cb__msg_init(&none, NULL, 0);
	run(out, cs, code, code_len, ctx, nctx, !(flags & CB_CHECK_NO_ALTS), &none);
	return CB_OK;
}

int
cb_check_ex(cb_check_result *out, const cb_codeset *cs, const char *code,
    size_t code_len, const cb_ctx *ctx, size_t nctx, unsigned flags)
{
	return check(out, cs, code, code_len, ctx, nctx, flags);
}

int
cb_check(cb_check_result *out, const cb_codeset *cs, const char *code,
    size_t code_len, const cb_ctx *ctx, size_t nctx)
{
	return check(out, cs, code, code_len, ctx, nctx, 0);
}

int
cb__check_message(cb_msg *m, const cb_check_result *r)
{
	cb_check_result again = CB_CHECK_RESULT_INIT;
	const cb_codeset *cs = r->cb__input.cs;

	if (r->version != CB_CHECK_RESULT_VERSION || cs == NULL)
		return cb__fail(CB_EINVAL, "cb_check_message: not the result of a check");
	/* a check is a pure function of its input: run it again, with words */
	begin(&again, cs, r->cb__input.code, r->cb__input.code_len, r->cb__input.ctx,
	    r->cb__input.nctx, r->cb__input.flags);
	run(&again, cs, r->cb__input.code, r->cb__input.code_len, r->cb__input.ctx,
	    r->cb__input.nctx, 1, m);
	if (again.reason != r->reason || again.entry != r->entry) {
		cb__msg_init(m, m->m_p, m->m_size);
		return cb__fail(CB_EINVAL, "cb_check_message: the code or context checked has changed since the check");
	}
	return CB_OK;
}

int
cb_check_message(char *buf, size_t size, const cb_check_result *r)
{
	cb_msg m;

	if (buf == NULL || size == 0 || r == NULL)
		return cb__fail(CB_EINVAL, "cb_check_message: NULL argument or empty buffer");
	cb__msg_init(&m, buf, size);
	return cb__check_message(&m, r);
}
