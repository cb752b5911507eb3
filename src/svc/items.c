/* SPDX-License-Identifier: Apache-2.0 */
/*
 * items.c - validation of the bodies of record POSTs and checks (items.h).
 *
 * The rule of the service is that bad input gets a 4xx naming exactly what
 * was wrong and where, and nothing is stored.  So validation is complete
 * before anything is written: every item of a batch is checked, every
 * fault is listed (index, RFC 6901 pointer, byte offset, reason, message,
 * suggestions), and the caller stores only when there is none.
 */
#include "items.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cb_limits.h"
#include "ident.h"
#include "jsonw.h"
#include "utf8.h"

void
svc_fault_set(struct svc_fault *f, enum svc_problem p, const char *body, size_t len,
    long off, const char *pointer, const char *fmt, ...)
{
	va_list ap;

	f->problem = p;
	va_start(ap, fmt);
	(void)vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	(void)snprintf(f->pointer, sizeof(f->pointer), "%s", pointer ? pointer : "");
	f->offset = off;
	f->line = f->column = 0;
	if (off >= 0 && body != NULL && (size_t)off <= len)
		cb_text_position(body, len, (size_t)off, &f->line, &f->column);
}

/* ---- record items ----------------------------------------------------- */

struct ictx {
	struct svc_items *it;
	const cb_rec_desc *d;
	const cb_codeset *cs;
	const char *body;
	size_t len;
	const char *prefix;   /* pointer prefix of the items: "", "/events" */
	cb_jw ew;             /* into it->errors */
	cb_jw ww;             /* into it->warnings */
	int reason_idx, ctx_idx, time_idx, text_idx;
	size_t flen[CB_REC_MAX_FIELDS];   /* strlen of each field name, once */
};

/* Append "/name" to a pointer, escaped per RFC 6901, truncated safely. */
static void
ptr_add(char *dst, size_t size, const char *name, size_t n)
{
	size_t o = strlen(dst), i;

	if (o + 1 >= size)
		return;
	dst[o++] = '/';
	for (i = 0; i < n && i < 48 && o + 3 < size; i++) {
		if (name[i] == '~' || name[i] == '/') {
			dst[o++] = '~';
			dst[o++] = name[i] == '~' ? '0' : '1';
		} else
			dst[o++] = name[i];
	}
	dst[o] = '\0';
}

static void
item_pointer(char *dst, size_t size, const struct ictx *c, size_t index)
{
	char num_s[24];

	(void)snprintf(dst, size, "%s", c->prefix);
	if (c->it->batch) {
		int k = snprintf(num_s, sizeof(num_s), "%zu", index);
		ptr_add(dst, size, num_s, (size_t)k);
	}
}

/* One item error; leaves the object open when @open_ for suggestions. */
static void
item_error(struct ictx *c, size_t index, const char *field, size_t field_len,
    const char *reason, uint32_t offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
item_error_begin(struct ictx *c, size_t index, const char *field, size_t field_len,
    const char *reason, uint32_t offset, const char *msg)
{
	char ptr[sizeof(((struct svc_fault *)0)->pointer)];

	item_pointer(ptr, sizeof(ptr), c, index);
	if (field != NULL)
		ptr_add(ptr, sizeof(ptr), field, field_len);
	cb_jw_obj_begin(&c->ew);
	cb_jw_kint(&c->ew, "index", (long long)index);
	cb_jw_kstr(&c->ew, "pointer", ptr);
	if (field != NULL)
		cb_jw_kstrn(&c->ew, "field", field, field_len < 64 ? field_len : 64);
	cb_jw_kstr(&c->ew, "reason", reason);
	cb_jw_kstr(&c->ew, "message", msg);
	cb_jw_kint(&c->ew, "offset", offset);
	c->it->nerrors++;
}

static void
item_error(struct ictx *c, size_t index, const char *field, size_t field_len,
    const char *reason, uint32_t offset, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	item_error_begin(c, index, field, field_len, reason, offset, msg);
	cb_jw_obj_end(&c->ew);
}

static void
write_alts(cb_jw *w, const cb_check_result *r)
{
	size_t i;

	cb_jw_key(w, "suggestions");
	cb_jw_arr_begin(w);
	for (i = 0; i < r->nalts; i++)
		cb_jw_strn(w, cb_entry_code(r->alts[i]), cb_entry_code_len(r->alts[i]));
	cb_jw_arr_end(w);
}

/* Check the item's reason code (with its context) against the set. */
static void
check_item(struct ictx *c, size_t index, cb_rec *rec, const cb_json_node *code_node,
    const cb_json_node *ctx_node)
{
	const cb_rec_desc *d = c->d;
	cb_check_result r = CB_CHECK_RESULT_INIT;
	char msg[CB_CHECK_MESSAGE_MAX] = "";
	int64_t at = CB_CHECK_NO_TIME;
	cb_ctx ctx;
	size_t nctx = 0;
	const char *field;
	uint32_t off;

	if (c->ctx_idx >= 0 && rec->v[c->ctx_idx] != NULL) {
		ctx.dim = d->context_dim;
		ctx.dim_len = strlen(d->context_dim);
		ctx.value = rec->v[c->ctx_idx];
		ctx.value_len = rec->len[c->ctx_idx];
		nctx = 1;
	}
	/* the code is judged at the record's own time: an event of last year
	 * may carry a code that has expired since (docs/http.md, "Effective dates") */
	if (c->time_idx >= 0 && rec->v[c->time_idx] != NULL)
		at = rec->time_us;
	cb_check_at(&r, c->cs, rec->v[c->reason_idx], rec->len[c->reason_idx], &ctx, nctx,
	    CB_CHECK_NO_MESSAGE, at);
	if (!r.accepted || r.reason != CB_VALID) {	/* the message is only needed now */
		cb_check_at(&r, c->cs, rec->v[c->reason_idx], rec->len[c->reason_idx], &ctx, nctx, 0, at);
		(void)cb_check_message(msg, sizeof(msg), &r);
	}
	c->it->reasons[index] = r.reason;
	c->it->checked[index] = 1;
	c->it->entries[index] = r.entry;
	c->it->accepted[index] = r.accepted != 0;
	if (r.accepted) {
		rec->category = r.entry ? cb_entry_category(r.entry) : "";
		rec->set_version = r.set_version;
		if (r.reason != CB_VALID) {
			cb_jw_obj_begin(&c->ww);
			cb_jw_kint(&c->ww, "index", (long long)index);
			cb_jw_kstrn(&c->ww, "code", rec->v[c->reason_idx], rec->len[c->reason_idx]);
			cb_jw_kstr(&c->ww, "reason", cb_reason_name(r.reason));
			cb_jw_kstr(&c->ww, "message", msg);
			write_alts(&c->ww, &r);
			cb_jw_obj_end(&c->ww);
			c->it->nwarnings++;
		}
		return;
	}
	if (r.reason == CB_UNKNOWN_CONTEXT && c->ctx_idx >= 0 && ctx_node != NULL) {
		field = d->fields[c->ctx_idx];
		off = ctx_node->offset;
	} else {
		field = d->fields[c->reason_idx];
		off = code_node->offset;
	}
	item_error_begin(c, index, field, strlen(field), cb_reason_name(r.reason), off, msg);
	if (r.reason == CB_INVALID_FORMAT)
		cb_jw_kint(&c->ew, "position", (long long)r.error_offset);
	write_alts(&c->ew, &r);
	cb_jw_obj_end(&c->ew);
}

/* One member @m of item @index: the field it names, checked (known, once,
 * a string or an allowed null, not empty, not too long, no NUL, an id that
 * fits in a URL); -1 after recording the fault, else the field's index (the
 * value is kept in @rec). */
static int
take_field(struct ictx *c, size_t index, const cb_json_node *m, unsigned *seen, cb_rec *rec)
{
	const cb_rec_desc *d = c->d;
	char why[160];
	size_t i, max;
	int f = -1;

	for (i = 0; i < d->nfields && f < 0; i++)
		if (c->flen[i] == m->key_len && memcmp(d->fields[i], m->key, m->key_len) == 0)
			f = (int)i;
	if (f < 0) {
		item_error(c, index, m->key, m->key_len, "unknown-field", m->key_offset,
		    "unknown field \"%.*s\" (%s fields: %s, ...)", (int)(m->key_len < 64 ? m->key_len : 64),
		    m->key, d->name, d->fields[0]);
		return -1;
	}
	if (*seen & (1u << f)) {
		item_error(c, index, m->key, m->key_len, "duplicate-field", m->key_offset,
		    "field \"%s\" is given twice", d->fields[f]);
		return -1;
	}
	*seen |= 1u << f;
	if (m->type == CB_JSON_NULL && (d->nullable & (1u << f)))
		return f;
	max = f == c->text_idx ? CB_SVC_MAX_REASON : CB_SVC_MAX_FIELD;
	if (m->type != CB_JSON_STRING)
		item_error(c, index, m->key, m->key_len, "wrong-type", m->offset,
		    "field \"%s\" must be a string%s, not %s", d->fields[f],
		    (d->nullable & (1u << f)) ? " or null" : "", cb_json_type_name(m->type));
	else if (m->str_len == 0 && (d->required & (1u << f)))
		item_error(c, index, m->key, m->key_len, "empty", m->offset,
		    "field \"%s\" must not be empty", d->fields[f]);
	else if (m->str_len > max)
		item_error(c, index, m->key, m->key_len, "too-long", m->offset,
		    "field \"%s\" has %u bytes (at most %zu)", d->fields[f], m->str_len, max);
	else if (memchr(m->str, '\0', m->str_len) != NULL)
		item_error(c, index, m->key, m->key_len, "invalid-value", m->offset,
		    "field \"%s\" contains a NUL character", d->fields[f]);
	else if (f == 0 && !cb_id_check(m->str, m->str_len, CB_SVC_MAX_FIELD, why, sizeof(why)))
		/* the id is an idempotency key a client may want in a URL */
		item_error(c, index, m->key, m->key_len, "invalid-id", m->offset, "field \"%s\" %s",
		    d->fields[f], why);
	else {
		rec->v[f] = m->str;
		rec->len[f] = m->str_len;
	}
	return f;
}

/* The item's timestamp, normalised to UTC and within the range taken. */
static void
take_time(struct ictx *c, size_t index, cb_rec *rec, const cb_json_node *node)
{
	const cb_rec_desc *d = c->d;
	const char *why;
	int ok;

	if (c->time_idx < 0 || rec->v[c->time_idx] == NULL)
		return;
	ok = cb_time_parse(rec->v[c->time_idx], rec->len[c->time_idx], c->it->times[index], &rec->time_us, &why);
	if (ok && (rec->time_us < CB_SVC_MIN_TIME_US || rec->time_us >= CB_SVC_MAX_TIME_US)) {
		ok = 0;
		why = "out of range: a date-time from " CB_SVC_TIME_RANGE_TEXT " is taken";
	}
	if (ok) {
		rec->v[c->time_idx] = c->it->times[index];
		rec->len[c->time_idx] = strlen(c->it->times[index]);
	} else {
		item_error(c, index, d->fields[c->time_idx], strlen(d->fields[c->time_idx]),
		    "invalid-timestamp", node->offset, "\"%s\": %s", d->fields[c->time_idx], why);
		rec->v[c->time_idx] = NULL;
	}
}

static void
parse_item(struct ictx *c, size_t index, const cb_json_node *obj)
{
	const cb_rec_desc *d = c->d;
	const cb_json_doc *doc = c->it->doc;
	const cb_json_node *m, *nodes[CB_REC_MAX_FIELDS] = { NULL };
	cb_rec *rec = &c->it->recs[index];
	size_t before = c->it->nerrors, i;
	unsigned seen = 0;
	int f;

	if (obj->type != CB_JSON_OBJECT) {
		item_error(c, index, NULL, 0, "wrong-type", obj->offset,
		    "%s %zu is %s %s; expected an object", d->name, index,
		    obj->type == CB_JSON_ARRAY || obj->type == CB_JSON_OBJECT ? "an" : "a",
		    cb_json_type_name(obj->type));
		return;
	}
	for (m = cb_json_child(doc, obj); m != NULL; m = cb_json_next(doc, m))
		if ((f = take_field(c, index, m, &seen, rec)) >= 0)
			nodes[f] = m;
	for (i = 0; i < d->nfields; i++)
		if ((d->required & (1u << i)) && !(seen & (1u << i)))
			item_error(c, index, d->fields[i], strlen(d->fields[i]), "missing", obj->offset,
			    "field \"%s\" is required", d->fields[i]);
	if (c->time_idx >= 0)
		take_time(c, index, rec, nodes[c->time_idx]);
	/* the check needs a code and, when the kind has one, a context */
	if (rec->v[c->reason_idx] != NULL && (c->ctx_idx < 0 || rec->v[c->ctx_idx] != NULL ||
	    !(d->required & (1u << c->ctx_idx))))
		check_item(c, index, rec, nodes[c->reason_idx], c->ctx_idx >= 0 ? nodes[c->ctx_idx] : NULL);
	if (c->it->nerrors > before)
		c->it->ninvalid++;
}

static int
parse_json(cb_json_doc **doc, struct svc_fault *f, const char *body, size_t len)
{
	cb_json_error err;
	int rc;

	*doc = NULL;
	if (len == 0) {
		svc_fault_set(f, P_MALFORMED_JSON, body, len, 0, NULL,
		    "the request body is empty; expected a JSON document");
		return CB_OK;
	}
	memset(&err, 0, sizeof(err));
	rc = cb_json_parse(doc, body, len, CB_MAX_JSON_DEPTH, &err);
	if (rc == CB_ENOMEM)
		return rc;
	if (rc == CB_ETOOBIG)
		svc_fault_set(f, P_MALFORMED_JSON, body, len, -1, NULL,
		    "the JSON document nests deeper than %d levels", CB_MAX_JSON_DEPTH);
	else if (rc != CB_OK)
		svc_fault_set(f, P_MALFORMED_JSON, body, len, (long)err.offset, NULL,
		    "%s", err.message[0] ? err.message : "not valid JSON");
	if (rc != CB_OK && f->problem == P_MALFORMED_JSON && f->offset >= 0) {
		char where[64];
		(void)snprintf(where, sizeof(where), " (line %u, column %u, byte %ld)", f->line, f->column,
		    f->offset);
		if (strlen(f->detail) + strlen(where) < sizeof(f->detail))
			memcpy(f->detail + strlen(f->detail), where, strlen(where) + 1);
	}
	return CB_OK;
}

static const char *
json_type_phrase(const cb_json_node *n)
{
	return cb_json_type_name(n->type);
}

/* Where the items are: the root itself (one item: *arr NULL), the root
 * array, or the array under {"<plural>": [...]} (then *prefix is the
 * pointer to it).  0, or -1 after recording the fault. */
static int
find_items(struct svc_items *it, const cb_rec_desc *d, const char *body, size_t len,
    const cb_json_node **arr, const char **prefix)
{
	const cb_json_node *root = cb_json_root(it->doc), *n, *m;

	*arr = NULL;
	*prefix = "";
	if (root->type == CB_JSON_ARRAY) {
		*arr = root;
		return 0;
	}
	if (root->type != CB_JSON_OBJECT) {
		svc_fault_set(&it->fault, P_INVALID_REQUEST, body, len, root->offset, "",
		    "expected one %s (an object), an array of them, or {\"%s\": [...]}; got %s",
		    d->name, d->plural, json_type_phrase(root));
		return -1;
	}
	if ((n = cb_json_get(it->doc, root, d->plural)) == NULL)
		return 0;
	if (n->type != CB_JSON_ARRAY) {
		svc_fault_set(&it->fault, P_INVALID_REQUEST, body, len, n->offset, "", "\"%s\" must be an "
		    "array of %s, not %s", d->plural, d->plural, json_type_phrase(n));
		(void)snprintf(it->fault.pointer, sizeof(it->fault.pointer), "/%s", d->plural);
		return -1;
	}
	for (m = cb_json_child(it->doc, root); m != NULL; m = cb_json_next(it->doc, m))
		if (m != n) {
			svc_fault_set(&it->fault, P_INVALID_REQUEST, body, len, m->key_offset, "",
			    "unknown member \"%.*s\" beside \"%s\"", (int)(m->key_len < 64 ? m->key_len : 64),
			    m->key, d->plural);
			return -1;
		}
	*arr = n;
	*prefix = d->plural[0] == 'i' ? "/incidents" : "/events";
	return 0;
}

/* The parsing context of a body's items. */
static void
ictx_init(struct ictx *c, struct svc_items *it, const cb_rec_desc *d, const cb_codeset *cs,
    const char *body, size_t len)
{
	size_t i;

	c->it = it;
	c->d = d;
	c->cs = cs;
	c->body = body;
	c->len = len;
	c->reason_idx = cb_rec_field_index(d, "reason_code");
	c->ctx_idx = d->context_dim ? cb_rec_field_index(d, d->context_dim) : -1;
	c->time_idx = cb_rec_field_index(d, "occurred_at");
	c->text_idx = cb_rec_field_index(d, "reason");
	for (i = 0; i < d->nfields; i++)
		c->flen[i] = strlen(d->fields[i]);
	cb_jw_init(&c->ew, &it->errors, 0);
	cb_jw_init(&c->ww, &it->warnings, 0);
}

int
svc_items_parse(struct svc_items *it, const cb_rec_desc *d, const cb_codeset *cs,
    const char *body, size_t len)
{
	const cb_json_node *arr, *n;
	struct ictx c;
	size_t i;
	int rc;

	memset(it, 0, sizeof(*it));
	memset(&c, 0, sizeof(c));
	cb_buf_init(&it->errors, 8u << 20);
	cb_buf_init(&it->warnings, 4u << 20);
	if ((rc = parse_json(&it->doc, &it->fault, body, len)) != CB_OK || it->fault.problem != P_NONE)
		return rc;
	if (find_items(it, d, body, len, &arr, &c.prefix) != 0)
		return CB_OK;
	it->batch = arr != NULL;
	it->n = arr ? arr->nchildren : 1;
	if (it->n == 0 || it->n > CB_SVC_MAX_BATCH) {
		if (it->n == 0)
			svc_fault_set(&it->fault, P_INVALID_REQUEST, body, len, arr->offset, c.prefix,
			    "the batch is empty");
		else
			svc_fault_set(&it->fault, P_BATCH_TOO_LARGE, body, len, arr->offset, c.prefix,
			    "the batch has %zu %s; at most %d are taken in one request", it->n, d->plural,
			    CB_SVC_MAX_BATCH);
		return CB_OK;
	}
	if ((it->recs = cb__calloc(it->n, sizeof(*it->recs))) == NULL ||
	    (it->times = cb__calloc(it->n, sizeof(*it->times))) == NULL ||
	    (it->reasons = cb__calloc(it->n, sizeof(*it->reasons))) == NULL ||
	    (it->checked = cb__calloc(it->n, 1)) == NULL ||
	    (it->entries = cb__calloc(it->n, sizeof(*it->entries))) == NULL ||
	    (it->accepted = cb__calloc(it->n, 1)) == NULL)
		return CB_ENOMEM;
	ictx_init(&c, it, d, cs, body, len);
	cb_jw_arr_begin(&c.ew);
	cb_jw_arr_begin(&c.ww);
	if (arr == NULL)
		parse_item(&c, 0, cb_json_root(it->doc));
	else
		for (i = 0, n = cb_json_child(it->doc, arr); n != NULL; n = cb_json_next(it->doc, n), i++)
			parse_item(&c, i, n);
	cb_jw_arr_end(&c.ew);
	cb_jw_arr_end(&c.ww);
	if (it->errors.nomem || it->warnings.nomem)
		return CB_ENOMEM;
	if (it->nerrors > 0)
		svc_fault_set(&it->fault, P_INVALID_INPUT, body, len, -1, NULL,
		    "%zu of %zu %s %s invalid (%zu fault%s); nothing was stored", it->ninvalid, it->n,
		    it->n == 1 ? d->name : d->plural, it->ninvalid == 1 ? "is" : "are", it->nerrors,
		    it->nerrors == 1 ? "" : "s");
	return CB_OK;
}

void
svc_items_free(struct svc_items *it)
{
	if (it == NULL)
		return;
	cb_json_free(it->doc);
	free(it->recs);
	free(it->times);
	free(it->reasons);
	free(it->checked);
	free(it->entries);
	free(it->accepted);
	cb_buf_reset(&it->errors);
	cb_buf_reset(&it->warnings);
	memset(it, 0, sizeof(*it));
}

/* ---- checks ------------------------------------------------------------ */

static int
parse_context(struct svc_checks *c, const cb_json_node *obj, struct svc_check_item *item,
    const char *pointer, const char *body, size_t len)
{
	const cb_json_node *m;

	if (obj->type != CB_JSON_OBJECT) {
		svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, obj->offset, pointer,
		    "\"context\" must be an object of dimension: value strings, not %s",
		    cb_json_type_name(obj->type));
		return -1;
	}
	item->nctx = 0;
	for (m = cb_json_child(c->doc, obj); m != NULL; m = cb_json_next(c->doc, m)) {
		if (m->type != CB_JSON_STRING) {
			char ptr[96];
			(void)snprintf(ptr, sizeof(ptr), "%s", pointer);
			ptr_add(ptr, sizeof(ptr), m->key, m->key_len);
			svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, m->offset, ptr,
			    "context value \"%.*s\" must be a string, not %s",
			    (int)(m->key_len < 64 ? m->key_len : 64), m->key, cb_json_type_name(m->type));
			return -1;
		}
		if (item->nctx == CB_SVC_MAX_CONTEXT) {
			svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, m->key_offset, pointer,
			    "a context has at most %d dimensions", CB_SVC_MAX_CONTEXT);
			return -1;
		}
		item->ctx[item->nctx].dim = m->key;
		item->ctx[item->nctx].dim_len = m->key_len;
		item->ctx[item->nctx].value = m->str;
		item->ctx[item->nctx].value_len = m->str_len;
		item->nctx++;
	}
	return 0;
}

/* {"code": ..., "context": ...} into @item; @allow_items for the top level. */
static int
parse_query(struct svc_checks *c, const cb_json_node *obj, struct svc_check_item *item,
    const char *pointer, int top, const cb_json_node **items, const cb_json_node **ctx,
    const char *body, size_t len)
{
	const cb_json_node *m, *code = NULL;
	char ptr[96];

	if (obj->type != CB_JSON_OBJECT) {
		svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, obj->offset, pointer,
		    "expected an object with \"code\"%s, not %s", top ? " or \"items\"" : "",
		    cb_json_type_name(obj->type));
		return -1;
	}
	for (m = cb_json_child(c->doc, obj); m != NULL; m = cb_json_next(c->doc, m)) {
		(void)snprintf(ptr, sizeof(ptr), "%s", pointer);
		ptr_add(ptr, sizeof(ptr), m->key, m->key_len);
		if (m->key_len == 4 && memcmp(m->key, "code", 4) == 0) {
			if (m->type != CB_JSON_STRING) {
				svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, m->offset, ptr,
				    "\"code\" must be a string, not %s", cb_json_type_name(m->type));
				return -1;
			}
			code = m;
		} else if (m->key_len == 7 && memcmp(m->key, "context", 7) == 0) {
			if (top)
				*ctx = m;
			else if (parse_context(c, m, item, ptr, body, len) != 0)
				return -1;
		} else if (top && m->key_len == 5 && memcmp(m->key, "items", 5) == 0) {
			if (m->type != CB_JSON_ARRAY) {
				svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, m->offset, ptr,
				    "\"items\" must be an array of {\"code\", \"context\"}, not %s",
				    cb_json_type_name(m->type));
				return -1;
			}
			*items = m;
		} else {
			svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, m->key_offset, ptr,
			    "unknown member \"%.*s\" (a check takes \"code\", \"context\"%s)",
			    (int)(m->key_len < 64 ? m->key_len : 64), m->key, top ? " or \"items\"" : "");
			return -1;
		}
	}
	if (code == NULL && !(top && *items != NULL)) {
		svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, obj->offset, pointer,
		    "\"code\" is required%s", top ? " (or \"items\" for a batch)" : "");
		return -1;
	}
	if (top && code != NULL && *items != NULL) {
		svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, code->offset, "/code",
		    "give either \"code\" (one check) or \"items\" (a batch), not both");
		return -1;
	}
	if (code != NULL) {
		item->code = code->str;
		item->code_len = code->str_len;
	}
	return 0;
}

int
svc_checks_parse(struct svc_checks *c, const char *body, size_t len, size_t max_items)
{
	const cb_json_node *root, *items = NULL, *ctx = NULL, *n;
	struct svc_check_item top;
	char ptr[96];
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = parse_json(&c->doc, &c->fault, body, len)) != CB_OK || c->fault.problem != P_NONE)
		return rc;
	root = cb_json_root(c->doc);
	memset(&top, 0, sizeof(top));
	if (parse_query(c, root, &top, "", 1, &items, &ctx, body, len) != 0)
		return CB_OK;
	if (ctx != NULL && parse_context(c, ctx, &top, "/context", body, len) != 0)
		return CB_OK;
	c->batch = items != NULL;
	c->n = items ? items->nchildren : 1;
	if (c->n == 0) {
		svc_fault_set(&c->fault, P_INVALID_REQUEST, body, len, items->offset, "/items",
		    "\"items\" is empty");
		return CB_OK;
	}
	if (c->n > max_items) {
		if (max_items < CB_SVC_MAX_BATCH)
			svc_fault_set(&c->fault, P_BATCH_TOO_LARGE, body, len, items->offset, "/items",
			    "the batch has %zu items; without an API key at most %zu are taken in one request "
			    "(a key lifts it to %d)", c->n, max_items, CB_SVC_MAX_BATCH);
		else
			svc_fault_set(&c->fault, P_BATCH_TOO_LARGE, body, len, items->offset, "/items",
			    "the batch has %zu items; at most %zu are taken in one request", c->n, max_items);
		return CB_OK;
	}
	if ((c->items = cb__calloc(c->n, sizeof(*c->items))) == NULL)
		return CB_ENOMEM;
	if (items == NULL) {
		c->items[0] = top;
		return CB_OK;
	}
	for (i = 0, n = cb_json_child(c->doc, items); n != NULL; n = cb_json_next(c->doc, n), i++) {
		(void)snprintf(ptr, sizeof(ptr), "/items/%zu", i);
		c->items[i].nctx = (size_t)-1;
		if (parse_query(c, n, &c->items[i], ptr, 0, NULL, NULL, body, len) != 0)
			return CB_OK;
		if (c->items[i].nctx == (size_t)-1) {	/* no context of its own */
			memcpy(c->items[i].ctx, top.ctx, sizeof(top.ctx));
			c->items[i].nctx = top.nctx;
		}
	}
	return CB_OK;
}

void
svc_checks_free(struct svc_checks *c)
{
	if (c == NULL)
		return;
	cb_json_free(c->doc);
	free(c->items);
	memset(c, 0, sizeof(*c));
}
