/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.c - the verdict on one code in one context.
 *
 * Order of tests: format (characters, case, shape, length), then the
 * context pairs, then the lookup, then applicability and status.  Every
 * code of a loaded set passes the set's format, so the lookup goes first:
 * a code found needs no format test.  The hot path (a valid code without
 * context) is one perfect-hash probe, one comparison and a few stores
 * (docs/internals/codeset.md).  Alternatives are searched only for
 * rejected codes, every near miss included (a wrong case, a misspelt or
 * missing category, a code for another context); messages are built only
 * by cb_check_message(), which runs the check again with a message buffer.
 * Nothing allocates.
 */
#include "codeset_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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
 * Suggestions for a code the set does not have: the codes within a small
 * edit distance (optimal string alignment, case-insensitive), nearest
 * first.  When the set is loaded its codes are case-folded and sorted, so
 * that the sorted list is an implicit trie: codes that share a prefix are
 * neighbours, and cs_sugg_lcp says how long a prefix each shares with the
 * one before.  The search walks the list computing one row of the
 * distance table per character of a code, keeps the rows of the prefix
 * shared with the next code, and when a row exceeds the limit skips every
 * code with that prefix at once.  On a set of 100,000 codes it reads a few
 * thousand rows of seven cells (docs/library.md, "What a check costs").
 */
static inline unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

#if CB_MAX_CODE_LEN > 65535
# error "CB_MAX_CODE_LEN does not fit the prefix lengths of the suggestion index"
#endif

/* Insertion sort of candidates @a[0..n) by their folded codes from byte @d
 * on (the bytes before are equal). */
static void
sort_small(struct cb_sugg *a, size_t n, size_t d)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct cb_sugg v = a[i];
		for (j = i; j > 0 && strcmp(a[j - 1].sg_fold + d, v.sg_fold + d) > 0; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* MSD radix sort of @a[0..n) by the folded codes from byte @d on, through
 * @tmp (n places).  Codes end in NUL, which sorts first; the depth is at
 * most CB_MAX_CODE_LEN, as no code is longer. */
static void
sort_folded(struct cb_sugg *a, struct cb_sugg *tmp, size_t n, size_t d)
{
	size_t count[257], at[256], c, i;

	while (n >= 32) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(unsigned char)a[i].sg_fold[d] + 1]++;
		if (count[(unsigned char)a[0].sg_fold[d] + 1] == n) {
			if (a[0].sg_fold[d] == '\0')
				return;	/* all equal */
			d++;	/* one bucket: no move needed */
			continue;
		}
		for (c = 0, at[0] = 0; c < 255; c++)
			at[c + 1] = at[c] + count[c + 1];
		for (i = 0; i < n; i++)
			tmp[at[(unsigned char)a[i].sg_fold[d]]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
		/* at[c] is now the end of bucket c; NUL's bucket is sorted */
		for (c = 1; c < 256; c++) {
			size_t lo = at[c - 1], hi = at[c];
			if (hi - lo > 1)
				sort_folded(a + lo, tmp, hi - lo, d + 1);
		}
		return;
	}
	sort_small(a, n, d);
}

/* The hash of the folded part after the category of a CATEGORY.CODE code. */
static inline uint64_t
tail_hash(const char *fold, size_t len)
{
	return cb__code_hash(fold, len, 0x7461696cull);
}

/* The bare-code lookup of a CATEGORY.CODE set: every candidate by the part
 * of its code after the first '.'. */
static int
index_tails(cb_codeset *cs)
{
	size_t nslots = 16, i;

	while (nslots < cs->cs_nsugg * 2)
		nslots *= 2;
	if ((cs->cs_tails = cb_arena_calloc(&cs->cs_arena, nslots, sizeof(uint32_t))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	cs->cs_tail_mask = (uint32_t)(nslots - 1);
	for (i = 0; i < cs->cs_nsugg; i++) {
		const struct cb_sugg *c = &cs->cs_sugg[i];
		const char *dot = memchr(c->sg_fold, '.', c->sg_len);
		size_t s;
		if (dot == NULL)
			continue;
		s = (size_t)tail_hash(dot + 1, c->sg_len - (size_t)(dot + 1 - c->sg_fold)) & cs->cs_tail_mask;
		while (cs->cs_tails[s] != 0)
			s = (s + 1) & cs->cs_tail_mask;
		cs->cs_tails[s] = (uint32_t)i + 1;
	}
	return CB_OK;
}

int
cb__suggest_index(cb_codeset *cs)
{
	struct cb_sugg *sg, *tmp;
	size_t n = cs->cs_nentries, bytes = cs->cs_code_bytes + cs->cs_nentries, i, k;
	uint32_t *stack;
	char *f;

	/* room for every entry's code: no pass to count them first */
	sg = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*sg));
	cs->cs_sugg_lcp = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*cs->cs_sugg_lcp));
	cs->cs_sugg_next = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*cs->cs_sugg_next));
	f = cb_arena_alloc(&cs->cs_arena, bytes ? bytes : 1);
	/* each category's codes while there are few (CB_CHECK_MAX_ALTS) */
	cs->cs_cat_count = cb_arena_calloc(&cs->cs_arena, cs->cs_ncats ? cs->cs_ncats : 1, sizeof(uint32_t));
	cs->cs_cat_codes = cb_arena_calloc(&cs->cs_arena, (cs->cs_ncats ? cs->cs_ncats : 1) * CB_CHECK_MAX_ALTS,
	    sizeof(uint32_t));
	tmp = cb__calloc(n ? n : 1, sizeof(*tmp));
	/* the stack of next[] holds at most one candidate per prefix length */
	stack = cb__calloc(CB_MAX_CODE_LEN + 2, sizeof(*stack));
	if (sg == NULL || cs->cs_sugg_lcp == NULL || cs->cs_sugg_next == NULL || f == NULL || tmp == NULL ||
	    stack == NULL || cs->cs_cat_count == NULL || cs->cs_cat_codes == NULL) {
		free(tmp);
		free(stack);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0, n = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (!e->e_first || e->e_status == CB_STATUS_RETIRED)
			continue;
		CB_ASSERT(e->e_code_len <= CB_MAX_CODE_LEN);
		for (k = 0; k < e->e_code_len; k++)
			f[k] = (char)fold((unsigned char)e->e_code[k]);
		f[k] = '\0';
		sg[n].sg_fold = f;
		sg[n].sg_entry = (uint32_t)i;
		sg[n++].sg_len = e->e_code_len;
		f += k + 1;
		if (e->e_category >= 0) {
			uint32_t *cnt = &cs->cs_cat_count[e->e_category];
			if (*cnt < CB_CHECK_MAX_ALTS)
				cs->cs_cat_codes[(size_t)e->e_category * CB_CHECK_MAX_ALTS + *cnt] = (uint32_t)i;
			if (*cnt <= CB_CHECK_MAX_ALTS)
				++*cnt;	/* stops one past the room: "too many" */
		}
	}
	sort_folded(sg, tmp, n, 0);
	free(tmp);
	for (i = 1; i < n; i++) {
		const char *a = sg[i - 1].sg_fold, *b = sg[i].sg_fold;
		for (k = 0; a[k] != '\0' && a[k] == b[k]; k++)
			;
		cs->cs_sugg_lcp[i] = (uint16_t)k;
	}
	/* next[i]: the first candidate after i that shares less with its
	 * predecessor than i does, by a stack of those still waiting */
	for (i = n, k = 0; i-- > 0; ) {
		while (k > 0 && cs->cs_sugg_lcp[stack[k - 1]] >= cs->cs_sugg_lcp[i])
			k--;
		cs->cs_sugg_next[i] = k > 0 ? stack[k - 1] : (uint32_t)n;
		stack[k++] = (uint32_t)i;
	}
	free(stack);
	cs->cs_sugg = sg;
	cs->cs_nsugg = n;
	if (cs->cs_fmt.f_shape == CB_SHAPE_CATEGORY_CODE)
		return index_tails(cs);
	return CB_OK;
}

/*
 * The search of suggest(): the query, the limit, the rows of the table.
 * A row holds the cells within k of the diagonal (k <= 3: seven) as the
 * byte lanes of one vector, lane t for column c = r + t - k, and is
 * computed for all its cells at once: a few dozen instructions per row,
 * with SSE2 (every x86-64), or with 64-bit words elsewhere (SWAR, lanes
 * below 128 so that they never carry into each other).  Cells outside the
 * table and lanes past the band hold k + 1, "too far".
 */
#define SG_MAXK  3
#define SG_PAD   16	/* bytes before and after the query, for the windows */

#if defined(__SSE2__)
#include <emmintrin.h>
typedef __m128i sg_vec;
static inline sg_vec sg_splat(unsigned v)          { return _mm_set1_epi8((char)v); }
static inline sg_vec sg_loadq(const char *p)       { return _mm_loadu_si128((const __m128i *)(const void *)p); }
static inline sg_vec sg_min(sg_vec a, sg_vec b)    { return _mm_min_epu8(a, b); }
static inline sg_vec sg_add(sg_vec a, sg_vec b)    { return _mm_add_epi8(a, b); }
static inline sg_vec sg_and(sg_vec a, sg_vec b)    { return _mm_and_si128(a, b); }
static inline sg_vec sg_or(sg_vec a, sg_vec b)     { return _mm_or_si128(a, b); }
static inline sg_vec sg_andnot(sg_vec m, sg_vec b) { return _mm_andnot_si128(m, b); }
/* 0xff in the lanes where a == b */
static inline sg_vec sg_eq(sg_vec a, sg_vec b)     { return _mm_cmpeq_epi8(a, b); }
static inline int    sg_any(sg_vec m)              { return _mm_movemask_epi8(m) != 0; }
/* lane t takes lane t + 1, the last lane 0 */
static inline sg_vec sg_down1(sg_vec v)            { return _mm_srli_si128(v, 1); }
/* lane t takes lane t - n, the first n lanes 0 */
#define sg_up(v, n) _mm_slli_si128((v), (n))
static inline unsigned
sg_hmin(sg_vec v)	/* of lanes 0..7 */
{
	v = _mm_min_epu8(v, _mm_srli_si128(v, 4));
	v = _mm_min_epu8(v, _mm_srli_si128(v, 2));
	v = _mm_min_epu8(v, _mm_srli_si128(v, 1));
	return (unsigned)_mm_cvtsi128_si32(v) & 0xff;
}
static inline unsigned
sg_lane(sg_vec v, size_t t)
{
	unsigned char b[16];

	_mm_storeu_si128((__m128i *)(void *)b, v);
	return b[t];
}
static inline sg_vec
sg_lanes(size_t lo, size_t hi)	/* 0xff in lanes lo .. hi */
{
	static const unsigned char lane[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	const sg_vec idx = _mm_loadu_si128((const __m128i *)(const void *)lane);

	return _mm_andnot_si128(_mm_or_si128(_mm_cmpgt_epi8(sg_splat((unsigned)lo), idx),
	    _mm_cmpgt_epi8(idx, sg_splat((unsigned)hi))), _mm_set1_epi8(-1));
}
#else
typedef uint64_t sg_vec;
#define SG_ONES  0x0101010101010101ull
#define SG_HIGH  0x8080808080808080ull
#define SG_LOW7  0x7f7f7f7f7f7f7f7full
static inline sg_vec sg_splat(unsigned v)          { return (uint64_t)(v & 0xff) * SG_ONES; }
static inline sg_vec
sg_loadq(const char *p)	/* lane 0 the first byte */
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}
static inline sg_vec
sg_min(sg_vec a, sg_vec b)
{
	uint64_t ge = ((((a | SG_HIGH) - b) & SG_HIGH) >> 7) * 0xff;	/* where a >= b */

	return (b & ge) | (a & ~ge);
}
static inline sg_vec sg_add(sg_vec a, sg_vec b)    { return a + b; }
static inline sg_vec sg_and(sg_vec a, sg_vec b)    { return a & b; }
static inline sg_vec sg_or(sg_vec a, sg_vec b)     { return a | b; }
static inline sg_vec sg_andnot(sg_vec m, sg_vec b) { return ~m & b; }
static inline sg_vec
sg_eq(sg_vec a, sg_vec b)
{
	uint64_t x = a ^ b;

	return ((~(((x & SG_LOW7) + SG_LOW7) | x | SG_LOW7) & SG_HIGH) >> 7) * 0xff;
}
static inline int    sg_any(sg_vec m)              { return m != 0; }
static inline sg_vec sg_down1(sg_vec v)            { return v >> 8; }
#define sg_up(v, n) ((v) << (8 * (n)))
static inline unsigned
sg_hmin(sg_vec v)
{
	v = sg_min(v, v >> 32);
	v = sg_min(v, v >> 16);
	v = sg_min(v, v >> 8);
	return (unsigned)(v & 0xff);
}
static inline unsigned sg_lane(sg_vec v, size_t t) { return (unsigned)(v >> (8 * t)) & 0xff; }
static inline sg_vec
sg_lanes(size_t lo, size_t hi)
{
	uint64_t upto = hi >= 7 ? ~0ull : ((uint64_t)1 << (8 * (hi + 1))) - 1;

	return upto & ~(((uint64_t)1 << (8 * lo)) - 1);
}
#endif

struct sgsearch {
	const char   *q;        /* the code, case-folded, with SG_PAD NULs either side */
	size_t        len;
	unsigned      k;        /* the band: cells within k of the diagonal */
	unsigned      lim;      /* the largest distance still wanted (<= k) */
	size_t        keep;
	unsigned      dist[CB_CHECK_MAX_ALTS];
	sg_vec        one, two, four, inf;	/* 1, 2, 4 and k + 1 in every lane */
	sg_vec        band;     /* 0xff in lanes 0 .. 2k */
	sg_vec        inf_last, inf1, inf2, inf4;	/* k + 1 in the last lane, the first 1, 2, 4 */
	sg_vec        rows[CB_MAX_CODE_LEN + 1];
};

/* Row @r of the table for candidate bytes @s (1 <= r <= len + k); its
 * smallest cell.  Lane t of the previous row is the cell above-left of
 * lane t (same column minus one row), lane t + 1 the one above. */
static inline unsigned
sg_row(struct sgsearch *S, const char *s, size_t r)
{
	const size_t k = S->k, lo = r < k ? k - r : 0, hi = S->len + k - r < 2 * k ? S->len + k - r : 2 * k;
	const sg_vec up = S->rows[r - 1], sr = sg_splat((unsigned char)s[r - 1]);
	/* q[c - 1] in lane t: the query from byte r - k - 1 (padding before 0) */
	const sg_vec q1 = sg_loadq(S->q + (long)r - (long)k - 1);
	sg_vec v, t, valid;

	v = sg_min(sg_add(sg_or(sg_down1(up), S->inf_last), S->one),	/* skip s[r-1]: from above */
	    sg_add(up, sg_andnot(sg_eq(q1, sr), S->one)));		/* match or swap: above-left */
	if (r >= 2) {
		/* transposition: s[r-1] = q[c-2] and s[r-2] = q[c-1] */
		t = sg_and(sg_eq(sg_loadq(S->q + (long)r - (long)k - 2), sr),
		    sg_eq(q1, sg_splat((unsigned char)s[r - 2])));
		if (sg_any(t))	/* only those lanes: the others keep v */
			v = sg_min(v, sg_or(sg_and(t, sg_add(S->rows[r - 2], S->one)), sg_andnot(t, v)));
	}
	/* skip q[c-1]: from the left, a prefix minimum in three steps */
	v = sg_min(v, sg_add(sg_or(sg_up(v, 1), S->inf1), S->one));
	v = sg_min(v, sg_add(sg_or(sg_up(v, 2), S->inf2), S->two));
	v = sg_min(v, sg_add(sg_or(sg_up(v, 4), S->inf4), S->four));
	valid = lo == 0 && hi == 2 * k ? S->band : sg_lanes(lo, hi);
	v = sg_or(sg_and(valid, sg_min(v, S->inf)), sg_andnot(valid, S->inf));
	S->rows[r] = v;
	return sg_hmin(v);
}

/* The first candidate after @i that does not start with the first @r
 * bytes of candidate @i (those that do follow it).  Each step jumps over
 * the candidates that share more with their predecessor than the one it
 * stands on (cs_sugg_next), so it takes at most @r steps. */
static size_t
sg_skip(const cb_codeset *cs, size_t i, size_t r)
{
	size_t j = i + 1;

	while (j < cs->cs_nsugg && cs->cs_sugg_lcp[j] >= r)
		j = cs->cs_sugg_next[j];
	return j;
}

/* Candidate @c at distance @d: into the @S->keep nearest, the earlier
 * entry first among equals; the limit falls to the farthest kept. */
static void
sg_take(cb_check_result *out, struct sgsearch *S, const cb_codeset *cs, const struct cb_sugg *c,
    unsigned d)
{
	size_t k, n;

	for (k = 0; k < out->nalts && (S->dist[k] < d ||
	    (S->dist[k] == d && cb_entry_index(out->alts[k]) < c->sg_entry)); k++)
		;
	if (k >= S->keep)
		return;
	n = out->nalts < S->keep ? out->nalts + 1 : S->keep;
	memmove(&out->alts[k + 1], &out->alts[k], (n - 1 - k) * sizeof(out->alts[0]));
	memmove(&S->dist[k + 1], &S->dist[k], (n - 1 - k) * sizeof(S->dist[0]));
	out->alts[k] = &cs->cs_entries[c->sg_entry];
	S->dist[k] = d;
	out->nalts = n;
	if (n == S->keep)
		S->lim = S->dist[n - 1];
}

/* Cell @c (column) of row @r. */
static inline unsigned
sg_cell(const struct sgsearch *S, size_t r, size_t c)
{
	return sg_lane(S->rows[r], c + S->k - r);
}

/* One walk of the candidates: those within @S->k of the query, the
 * @S->keep nearest. */
static void
sg_walk(cb_check_result *out, struct sgsearch *S, const cb_codeset *cs)
{
	const size_t len = S->len, k = S->k;
	size_t i, r, valid = 0, maxr;
	unsigned char row0[16];

	S->one = sg_splat(1);
	S->two = sg_splat(2);
	S->four = sg_splat(4);
	S->inf = sg_splat((unsigned)k + 1);
	S->band = sg_lanes(0, 2 * k);
	S->inf_last = sg_andnot(sg_lanes(0, sizeof(sg_vec) - 2), S->inf);
	S->inf1 = sg_and(sg_lanes(0, 0), S->inf);
	S->inf2 = sg_and(sg_lanes(0, 1), S->inf);
	S->inf4 = sg_and(sg_lanes(0, 3), S->inf);
	/* row 0: column c costs c insertions */
	memset(row0, (int)k + 1, sizeof(row0));
	for (r = 0; r <= k && r <= len; r++)
		row0[k + r] = (unsigned char)r;
	S->rows[0] = sg_loadq((const char *)row0);
	for (i = 0; i < cs->cs_nsugg; ) {
		const struct cb_sugg *c = &cs->cs_sugg[i];
		if (cs->cs_sugg_lcp[i] < valid)
			valid = cs->cs_sugg_lcp[i];
		/* rows past len + k cannot come back to the last column */
		maxr = c->sg_len < len + k ? c->sg_len : len + k;
		for (r = valid + 1; r <= maxr; r++) {
			valid = r;
			if (sg_row(S, c->sg_fold, r) > S->lim)
				break;
		}
		if (r <= maxr) {
			/* no code with this prefix comes within the limit */
			i = sg_skip(cs, i, r);
			valid = r - 1;
			continue;
		}
		if (c->sg_len + k >= len && c->sg_len <= len + k && sg_cell(S, c->sg_len, len) <= S->lim)
			sg_take(out, S, cs, c, sg_cell(S, c->sg_len, len));
		i++;
	}
}

/* Close matches for a code the set does not have: the codes nearest to it
 * (at most five; the earlier entries among more), within 1, 2 or 3 edits
 * by the length of the code.  Walks with a limit of 1, then 2, then 3
 * edits until one finds a code: a narrow band is cheap and skips more, and
 * a typo is one edit away. */
static void
suggest(cb_check_result *out, const cb_codeset *cs, const char *code, size_t len)
{
	struct sgsearch S;
	char q[SG_PAD + CB_MAX_CODE_LEN + SG_PAD];
	unsigned most = len <= 4 ? 1 : len <= 12 ? 2 : SG_MAXK, k;
	size_t i;

	if (len == 0 || len > CB_MAX_CODE_LEN || cs->cs_nsugg == 0)
		return;
	/* no candidate holds NUL: the padding matches nothing */
	memset(q, 0, SG_PAD);
	for (i = 0; i < len; i++)
		q[SG_PAD + i] = (char)fold((unsigned char)code[i]);
	memset(q + SG_PAD + len, 0, SG_PAD);
	S.q = q + SG_PAD;
	S.len = len;
	S.keep = 5;
	for (k = 1; k <= most; k++) {
		out->nalts = 0;
		S.k = S.lim = k;
		sg_walk(out, &S, cs);
		if (out->nalts > 0)
			break;
	}
	out->nalts_total = out->nalts;
}

/* Codes of a CATEGORY.CODE set whose part after the category is @code's
 * (after its first '.', or all of it), case-insensitively: a bare code, or
 * one under the wrong category.  Appended to the alternatives. */
static void
suggest_tails(cb_check_result *out, const cb_codeset *cs, const char *code, size_t len)
{
	const char *dot = memchr(code, '.', len);
	char q[CB_MAX_CODE_LEN];
	size_t s, n, i, k;

	if (cs->cs_tails == NULL)
		return;
	if (dot != NULL) {
		len -= (size_t)(dot + 1 - code);
		code = dot + 1;
	}
	if (len == 0 || len > CB_MAX_CODE_LEN)
		return;
	for (i = 0; i < len; i++)
		q[i] = (char)fold((unsigned char)code[i]);
	for (s = (size_t)tail_hash(q, len) & cs->cs_tail_mask; cs->cs_tails[s] != 0; s = (s + 1) & cs->cs_tail_mask) {
		const struct cb_sugg *c = &cs->cs_sugg[cs->cs_tails[s] - 1];
		const char *t = memchr(c->sg_fold, '.', c->sg_len);
		const cb_entry *e = &cs->cs_entries[c->sg_entry];
		if (CB_NEVER(t == NULL))	/* only codes with a '.' are in the table */
			continue;
		n = c->sg_len - (size_t)(t + 1 - c->sg_fold);
		if (n != len || memcmp(t + 1, q, len) != 0)
			continue;
		for (k = 0; k < out->nalts && out->alts[k] != e; k++)
			;
		if (k < out->nalts)
			continue;
		if (out->nalts < CB_CHECK_MAX_ALTS)
			out->alts[out->nalts++] = e;
		out->nalts_total++;
	}
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
 * name the context first.  Returns how many suit it without naming it. */
static size_t
collect(cb_check_result *out, const cb_codeset *cs, const int *dims, const int *vals, size_t n)
{
	size_t i, generic = 0;
	int pass;

	for (pass = 2; pass >= 1; pass--) {
		for (i = 0; i < cs->cs_nentries; i++) {
			const struct cb_entry *e = &cs->cs_entries[i];
			if (!e->e_first || e->e_status == CB_STATUS_RETIRED)
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

/* How many bytes @a and @b (lengths @na, @nb) share at their start and at
 * their end, case-insensitively, without counting one byte twice. */
static size_t
shared_ends(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb, p = 0, s = 0;

	while (p < n && fold((unsigned char)a[p]) == fold((unsigned char)b[p]))
		p++;
	while (s < n - p && fold((unsigned char)a[na - 1 - s]) == fold((unsigned char)b[nb - 1 - s]))
		s++;
	return p + s;
}

/*
 * Of the codes that suit the context, the one nearest to @code, moved to
 * the front of the alternatives.  Near means sharing the longest start and
 * end with it (seller_cancel_unpaid_reason_out_of_stock_uk for
 * seller_cancel_reason_out_of_stock_uk): the same code for another context
 * is the usual fix, and the measure costs one pass over each code, where an
 * edit distance to every suitable code would cost a table each.  At least
 * half of the code must be shared, or the order stays; among equals, the
 * codes that name the context first, then the earlier entry.  Returns 1
 * when the nearest is one that suits any value of the context, 0 when it
 * names the context, -1 when no code is near (or only one suits it).
 */
static int
closest_first(cb_check_result *out, const cb_codeset *cs, const int *dims, const int *vals,
    size_t n, const char *code, size_t len)
{
	const struct cb_entry *best = NULL;
	size_t bests = (len + 1) / 2, i, k, sh;
	int bestpass = 0, pass;

	if (len == 0 || out->nalts_total < 2)
		return -1;
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (!e->e_first || e->e_status == CB_STATUS_RETIRED)
			continue;
		sh = shared_ends(code, len, e->e_code, e->e_code_len);
		if (sh < bests || (pass = suits(e, dims, vals, n)) == 0)
			continue;
		if (best != NULL && sh == bests && pass <= bestpass)
			continue;
		best = e;
		bests = sh;
		bestpass = pass;
	}
	if (best == NULL)
		return -1;	/* none is near: the order stays */
	for (k = 0; k < out->nalts && out->alts[k] != best; k++)
		;
	if (k == out->nalts && k == CB_CHECK_MAX_ALTS)
		k--;	/* beyond the kept ones: it takes the last place */
	else if (k == out->nalts)
		out->nalts++;
	memmove(&out->alts[1], &out->alts[0], k * sizeof(out->alts[0]));
	out->alts[0] = best;
	return bestpass == 1;
}

/* The alternatives: a code's close matches (suggest()), then, in a
 * CATEGORY.CODE set, the codes with the same part after the category. */
static void
near_misses(cb_check_result *out, const cb_codeset *cs, const char *code, size_t len)
{
	suggest(out, cs, code, len);
	if (out->nalts == 0)
		suggest_tails(out, cs, code, len);
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

static void
msg_did_you_mean(cb_msg *m, const cb_check_result *out)
{
	if (out->nalts == 0)
		return;
	cb__msg_add(m, "; did you mean ");
	msg_alts(m, out);
	cb__msg_add(m, "?");
}

/* "; did you mean category X?" for a CATEGORY that is not declared, when
 * one is within the distance a code would be. */
static void
msg_near_category(cb_msg *m, const cb_codeset *cs, const char *name, size_t len)
{
	char q[CB_MAX_CODE_LEN], f[CB_MAX_CODE_LEN];
	unsigned limit = len <= 4 ? 1 : len <= 12 ? 2 : 3, best = limit + 1, d;
	size_t i, k, n, at = 0;

	if (len == 0 || len > CB_MAX_CODE_LEN)
		return;
	for (i = 0; i < len; i++)
		q[i] = (char)fold((unsigned char)name[i]);
	for (i = 0; i < cs->cs_ncats; i++) {
		n = strlen(cs->cs_cats[i].c_name);
		if (n > CB_MAX_CODE_LEN)
			continue;
		for (k = 0; k < n; k++)
			f[k] = (char)fold((unsigned char)cs->cs_cats[i].c_name[k]);
		if ((d = distance(q, len, f, n, best - 1 < limit ? best - 1 : limit)) < best) {
			best = d;
			at = i;
		}
	}
	if (best <= limit)
		cb__msg_add(m, "; did you mean category %s?", cs->cs_cats[at].c_name);
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
 * UNKNOWN_CODE; with the close matches either way (@q: the code, quoted
 * for the message). */
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
				if (!alts)
					return;
				cb__msg_add(m, "\"%s\": category \"%.*s\" is not declared in %s (categories: ",
				    q, (int)(plen > 64 ? 64 : plen), code, cs->cs_name);
				for (j = 0; j < cs->cs_ncats; j++)
					cb__msg_add(m, "%s%s", j ? ", " : "", cs->cs_cats[j].c_name);
				cb__msg_add(m, ")");
				near_misses(out, cs, code, code_len);
				if (out->nalts > 0)
					msg_did_you_mean(m, out);
				else
					msg_near_category(m, cs, code, plen);
				return;
			}
		}
	}
	out->reason = CB_UNKNOWN_CODE;
	if (!alts)
		return;
	cb__msg_add(m, "\"%s\" is not a code of %s v%d", q, cs->cs_name, cs->cs_version);
	near_misses(out, cs, code, code_len);
	if (out->nalts > 0) {
		msg_did_you_mean(m, out);
	} else if (cat >= 0 && cs->cs_cat_count[cat] > 0 && cs->cs_cat_count[cat] <= CB_CHECK_MAX_ALTS) {
		/* a small category: all its codes */
		for (j = 0; j < cs->cs_cat_count[cat]; j++)
			out->alts[j] = &cs->cs_entries[cs->cs_cat_codes[(size_t)cat * CB_CHECK_MAX_ALTS + j]];
		out->nalts = out->nalts_total = cs->cs_cat_count[cat];
		cb__msg_add(m, "; codes of %s: ", cs->cs_cats[cat].c_name);
		msg_alts(m, out);
	}
}

/* A known code, first entry @e, that no entry suits in the context: the
 * pair at fault and the codes that suit it, the nearest to @e's first. */
static void
verdict_not_applicable(cb_check_result *out, const cb_codeset *cs, const struct cb_entry *e,
    const cb_ctx *ctx, size_t nctx, const int *dims, const int *vals, int alts, cb_msg *m,
    const char *q)
{
	uint64_t can;
	size_t i, generic, specific, shown, k;
	int cg, near;

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
	generic = collect(out, cs, dims, vals, nctx);
	if (out->nalts_total == 0) {
		cb__msg_add(m, ". No code suits ");
		msg_ctx(m, ctx, nctx);
		return;
	}
	near = closest_first(out, cs, dims, vals, nctx, e->e_code, e->e_code_len);
	cg = near > 0;
	cb__msg_add(m, ". Codes for ");
	msg_ctx(m, ctx, nctx);
	cb__msg_add(m, ": ");
	/* name the codes made for this context, and the nearest; count the catch-alls */
	specific = out->nalts_total - generic + (size_t)cg;
	if (generic == out->nalts_total)
		specific = out->nalts_total;
	shown = specific < out->nalts ? specific : out->nalts;
	for (k = 0; k < shown; k++)
		cb__msg_add(m, "%s%s%s", k ? ", " : "", out->alts[k]->e_code,
		    k == 0 && near >= 0 ? " (the nearest)" : "");
	if (specific > shown)
		cb__msg_add(m, " and %zu more", specific - shown);
	if (generic > (size_t)cg)
		cb__msg_add(m, " (%zu more suit any %s)", generic - (size_t)cg, cs->cs_dims[dims[i]].d_name);
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
		if (!alts)
			return;
		/* app_missed_webhook, SHORT_PICK: the near misses are often codes */
		cb__msg_add(m, "\"%s\" is not a valid %s code: %s", q, cs->cs_name, why);
		near_misses(out, cs, code, code_len);
		msg_did_you_mean(m, out);
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
