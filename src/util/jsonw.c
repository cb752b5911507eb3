/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonw.c - streaming JSON writer (see jsonw.h).
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

void
cb_jw_init(cb_jw *w, cb_buf *b, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->pretty = pretty;
}

static void
newline(cb_jw *w)
{
	int i;

	if (!w->pretty)
		return;
	cb_buf_addc(w->b, '\n');
	for (i = 0; i < w->depth; i++)
		cb_buf_add(w->b, "  ", 2);
}

/* Separator before a value or key at the current level. */
static void
before_item(cb_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_items[w->depth - 1])
		cb_buf_addc(w->b, ',');
	w->has_items[w->depth - 1] = 1;
	newline(w);
}

static void
open_level(cb_jw *w, char c)
{
	before_item(w);
	cb_buf_addc(w->b, c);
	if (w->depth >= CB_JW_MAX_DEPTH) {
		w->b->failed = 1;
		return;
	}
	w->has_items[w->depth++] = 0;
}

static void
close_level(cb_jw *w, char c)
{
	int had;

	if (w->depth <= 0) {
		w->b->failed = 1;
		return;
	}
	had = w->has_items[--w->depth];
	if (had)
		newline(w);
	cb_buf_addc(w->b, c);
}

void cb_jw_obj_begin(cb_jw *w) { open_level(w, '{'); }
void cb_jw_obj_end(cb_jw *w)   { close_level(w, '}'); }
void cb_jw_arr_begin(cb_jw *w) { open_level(w, '['); }
void cb_jw_arr_end(cb_jw *w)   { close_level(w, ']'); }

void
cb_jw_key(cb_jw *w, const char *k)
{
	cb_jw_keyn(w, k, strlen(k));
}

void
cb_jw_keyn(cb_jw *w, const char *k, size_t n)
{
	before_item(w);
	cb_json_escape(w->b, k, n);
	cb_buf_add(w->b, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = 1;
}

int
cb_json_escape(cb_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;

	if (cb_buf_grow(b, n + 2) != 0)
		return -1;
	cb_buf_addc(b, '"');
	while (i < n) {
		/* copy the longest run that needs no escaping in one go */
		run = i;
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			cb_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (p[i] >= 0x80) {
			size_t k = cb_utf8_valid_prefix(s + i, n - i, 1);
			if (k == 0) {
				cb_buf_add(b, "\\ufffd", 6);
				i++;
			} else {
				cb_buf_add(b, s + i, k);
				i += k;
			}
			continue;
		}
		switch (p[i]) {
		case '"':  cb_buf_add(b, "\\\"", 2); break;
		case '\\': cb_buf_add(b, "\\\\", 2); break;
		case '\n': cb_buf_add(b, "\\n", 2); break;
		case '\r': cb_buf_add(b, "\\r", 2); break;
		case '\t': cb_buf_add(b, "\\t", 2); break;
		case '\b': cb_buf_add(b, "\\b", 2); break;
		case '\f': cb_buf_add(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15] };
			cb_buf_add(b, u, 6);
		}
		}
		i++;
	}
	return cb_buf_addc(b, '"');
}

void
cb_jw_strn(cb_jw *w, const char *s, size_t n)
{
	before_item(w);
	cb_json_escape(w->b, s, n);
}

void
cb_jw_str(cb_jw *w, const char *s)
{
	if (s == NULL)
		cb_jw_null(w);
	else
		cb_jw_strn(w, s, strlen(s));
}

void
cb_jw_int(cb_jw *w, long long v)
{
	before_item(w);
	cb_buf_printf(w->b, "%lld", v);
}

void
cb_jw_uint(cb_jw *w, unsigned long long v)
{
	before_item(w);
	cb_buf_printf(w->b, "%llu", v);
}

void
cb_jw_double(cb_jw *w, double v)
{
	before_item(w);
	if (!isfinite(v))
		cb_buf_add(w->b, "null", 4);	/* JSON has no NaN or Infinity */
	else
		cb_buf_printf(w->b, "%.17g", v);
}

void
cb_jw_bool(cb_jw *w, int v)
{
	before_item(w);
	if (v)
		cb_buf_add(w->b, "true", 4);
	else
		cb_buf_add(w->b, "false", 5);
}

void
cb_jw_null(cb_jw *w)
{
	before_item(w);
	cb_buf_add(w->b, "null", 4);
}

void
cb_jw_raw(cb_jw *w, const char *json, size_t n)
{
	before_item(w);
	cb_buf_add(w->b, json, n);
}

void cb_jw_kstr(cb_jw *w, const char *k, const char *s) { cb_jw_key(w, k); cb_jw_str(w, s); }
void cb_jw_kstrn(cb_jw *w, const char *k, const char *s, size_t n) { cb_jw_key(w, k); cb_jw_strn(w, s, n); }
void cb_jw_kint(cb_jw *w, const char *k, long long v) { cb_jw_key(w, k); cb_jw_int(w, v); }
void cb_jw_kbool(cb_jw *w, const char *k, int v) { cb_jw_key(w, k); cb_jw_bool(w, v); }
