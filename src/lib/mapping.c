/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mapping.c - mapping documents: links from the codes of one set to the
 * codes of another, each with an equivalence and the basis it rests on
 * (docs/mappings.md; schemas/mapping.schema.json).  A mapping is parsed
 * strictly (the first fault ends it, as "file:line:column: path: what was
 * expected"), then its links are sorted by source code so that a
 * translation is a binary search.  Whether the codes exist is a question
 * for cb_mapping_lint(), which needs the sets: a mapping file is valid on
 * its own, and only wrong against a given version of its sets.
 */
#include "codeset_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/json_shim.h"

struct cb_mapping {
	cb_arena         mp_arena;
	const char      *mp_name, *mp_title, *mp_description, *mp_source, *mp_target, *mp_origin;
	int              mp_complete;
	cb_mapping_link *mp_links;     /* sorted by from, then file order */
	size_t           mp_n;
};

struct mparse {
	cb_mapping        *m;
	cb_json_doc       *doc;
	const char        *buf;
	size_t             len;
	const char        *origin;
	/* the fault that ended the parse, for a lint report */
	const char        *f_rule;
	unsigned           f_line, f_col;
	char               f_msg[512];
};

static const char *const eq_names[] = { "equal", "narrower", "broader", "unmatched" };

const char *
cb_equivalence_name(cb_equivalence eq)
{
	return (unsigned)eq < 4 ? eq_names[eq] : "?";
}

/* Line and column (in characters, from 1) of byte @off of @buf. */
static void
position(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = *col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int __attribute__((format(printf, 4, 5)))
fault(struct mparse *P, int rc, size_t off, const char *fmt, ...)
{
	char msg[512];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	position(P->buf, P->len, off, &line, &col);
	if (P->f_rule == NULL) {
		P->f_rule = "SCHEMA";
		P->f_line = line;
		P->f_col = col;
		(void)snprintf(P->f_msg, sizeof(P->f_msg), "%s", msg);
	}
	return cb__fail(rc, "%s:%u:%u: %s", P->origin, line, col, msg);
}

static int
check_keys(struct mparse *P, const cb_json_node *obj, const char *const *allowed, const char *path)
{
	const cb_json_node *c, *d;
	const char *const *a;

	for (c = cb_json_child(P->doc, obj); c; c = cb_json_next(P->doc, c)) {
		for (a = allowed; *a; a++)
			if (strlen(*a) == c->key_len && memcmp(*a, c->key, c->key_len) == 0)
				break;
		if (*a == NULL) {
			char q[80];
			cb__quote(q, sizeof(q), c->key, c->key_len);
			return fault(P, CB_EPARSE, c->key_offset, "%s: unknown field \"%s\"", path, q);
		}
		for (d = cb_json_next(P->doc, c); d; d = cb_json_next(P->doc, d))
			if (d->key_len == c->key_len && memcmp(d->key, c->key, c->key_len) == 0)
				return fault(P, CB_EPARSE, d->key_offset, "%s: duplicate field \"%s\"", path, *a);
	}
	return CB_OK;
}

/* A string member, copied into the mapping (NULL when absent and optional).
 * Strings hold no NUL and no more than @max bytes; @max 0: the default. */
static int
get_str(struct mparse *P, const cb_json_node *obj, const char *key, int required, size_t max,
    const char *path, const cb_json_node **node, const char **out)
{
	const cb_json_node *n = cb_json_get(P->doc, obj, key);

	*out = NULL;
	if (node)
		*node = n;
	if (n == NULL)
		return required ? fault(P, CB_EPARSE, obj->offset, "%s: missing required field \"%s\"", path, key) :
		    CB_OK;
	if (n->type != CB_JSON_STRING)
		return fault(P, CB_EPARSE, n->offset, "%s.%s: expected a string, got %s", path, key,
		    cb_json_type_name(n->type));
	if (max == 0)
		max = CB_MAX_STRING;
	if (n->str_len > max)
		return fault(P, CB_ETOOBIG, n->offset, "%s.%s: longer than %zu bytes", path, key, max);
	if (memchr(n->str, '\0', n->str_len) != NULL)
		return fault(P, CB_EPARSE, n->offset, "%s.%s: holds a NUL character", path, key);
	if (required && n->str_len == 0)
		return fault(P, CB_EPARSE, n->offset, "%s.%s: must not be empty", path, key);
	if ((*out = cb_arena_strndup(&P->m->mp_arena, n->str, n->str_len)) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

/* A name of a mapping or a set: letters, digits, '.', '_', '-', '@'. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-' || s[i] == '@'))
			return 0;
	return 1;
}

static int
get_name(struct mparse *P, const cb_json_node *root, const char *key, const char **out)
{
	const cb_json_node *n;
	int rc;

	if ((rc = get_str(P, root, key, 1, 128, "$", &n, out)) != CB_OK)
		return rc;
	if (!name_ok(*out))
		return fault(P, CB_EPARSE, n->offset, "$.%s: \"%s\" is not a name (letters, digits, '.', '_', '-', '@')",
		    key, *out);
	return CB_OK;
}

static int
parse_link(struct mparse *P, const cb_json_node *n, size_t i, cb_mapping_link *l)
{
	static const char *const keys[] = { "from", "to", "equivalence", "basis", "comment", NULL };
	const cb_json_node *eqn, *ton;
	const char *eq;
	char path[64];
	int rc, k;

	snprintf(path, sizeof(path), "$.links[%zu]", i);
	if (n->type != CB_JSON_OBJECT)
		return fault(P, CB_EPARSE, n->offset, "%s: expected an object, got %s", path, cb_json_type_name(n->type));
	if ((rc = check_keys(P, n, keys, path)) != CB_OK ||
	    (rc = get_str(P, n, "from", 1, CB_MAX_CODE_LEN, path, NULL, &l->from)) != CB_OK ||
	    (rc = get_str(P, n, "to", 0, CB_MAX_CODE_LEN, path, &ton, &l->to)) != CB_OK ||
	    (rc = get_str(P, n, "equivalence", 1, 16, path, &eqn, &eq)) != CB_OK ||
	    (rc = get_str(P, n, "basis", 1, 1024, path, NULL, &l->basis)) != CB_OK ||
	    (rc = get_str(P, n, "comment", 0, 0, path, NULL, &l->comment)) != CB_OK)
		return rc;
	for (k = 0; k < 4 && strcmp(eq, eq_names[k]) != 0; k++)
		;
	if (k == 4)
		return fault(P, CB_EPARSE, eqn->offset, "%s.equivalence: \"%s\" is not one of equal, narrower, broader, "
		    "unmatched", path, eq);
	l->equivalence = (cb_equivalence)k;
	if (l->equivalence == CB_EQ_UNMATCHED && l->to != NULL)
		return fault(P, CB_EPARSE, ton->offset, "%s.to: an unmatched link has no target; drop \"to\"", path);
	if (l->equivalence != CB_EQ_UNMATCHED && l->to == NULL)
		return fault(P, CB_EPARSE, n->offset, "%s: missing required field \"to\" (only an unmatched link has "
		    "no target)", path);
	if (l->to != NULL && l->to[0] == '\0')
		return fault(P, CB_EPARSE, ton->offset, "%s.to: must not be empty", path);
	if (l->comment == NULL)
		l->comment = "";
	position(P->buf, P->len, n->offset, &l->line, &l->column);
	return CB_OK;
}

/* A fault at link @l (its position is already known). */
static int __attribute__((format(printf, 3, 4)))
fault_at(struct mparse *P, const cb_mapping_link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(P->f_msg, sizeof(P->f_msg), fmt, ap);
	va_end(ap);
	P->f_rule = "SCHEMA";
	P->f_line = l->line;
	P->f_col = l->column;
	return cb__fail(CB_EPARSE, "%s:%u:%u: %s", P->origin, l->line, l->column, P->f_msg);
}

static int
by_from(const void *a, const void *b)
{
	const cb_mapping_link *x = a, *y = b;
	int c = strcmp(x->from, y->from);

	if (c != 0)
		return c;
	return x->line != y->line ? (x->line < y->line ? -1 : 1) : (x->column < y->column ? -1 : x->column > y->column);
}

/* After sorting: a code is unmatched or has targets, and no link twice. */
static int
check_links(struct mparse *P)
{
	cb_mapping *m = P->m;
	size_t i;

	qsort(m->mp_links, m->mp_n, sizeof(*m->mp_links), by_from);
	for (i = 1; i < m->mp_n; i++) {
		const cb_mapping_link *a = &m->mp_links[i - 1], *b = &m->mp_links[i];
		if (strcmp(a->from, b->from) != 0)
			continue;
		if (a->to == NULL || b->to == NULL)
			return fault_at(P, b, "link from \"%s\": a code is either unmatched or has targets, not both (the "
			    "other link is at line %u)", b->from, a->line);
		if (strcmp(a->to, b->to) == 0)
			return fault_at(P, b, "link from \"%s\" to \"%s\" is given twice (also at line %u)", b->from, b->to,
			    a->line);
	}
	return CB_OK;
}

static int
parse_root(struct mparse *P)
{
	static const char *const keys[] = { "$schema", "name", "title", "description", "source_set",
		"target_set", "complete", "links", NULL };
	const cb_json_node *root = cb_json_root(P->doc), *links, *c, *cn;
	cb_mapping *m = P->m;
	const char *schema;
	size_t i = 0;
	int rc;

	if (root->type != CB_JSON_OBJECT)
		return fault(P, CB_EPARSE, root->offset, "$: expected an object, got %s", cb_json_type_name(root->type));
	if ((rc = check_keys(P, root, keys, "$")) != CB_OK ||
	    (rc = get_str(P, root, "$schema", 0, 0, "$", NULL, &schema)) != CB_OK ||
	    (rc = get_name(P, root, "name", &m->mp_name)) != CB_OK ||
	    (rc = get_str(P, root, "title", 0, 0, "$", NULL, &m->mp_title)) != CB_OK ||
	    (rc = get_str(P, root, "description", 0, 0, "$", NULL, &m->mp_description)) != CB_OK ||
	    (rc = get_name(P, root, "source_set", &m->mp_source)) != CB_OK ||
	    (rc = get_name(P, root, "target_set", &m->mp_target)) != CB_OK)
		return rc;
	if ((cn = cb_json_get(P->doc, root, "complete")) != NULL) {
		if (cn->type != CB_JSON_BOOL)
			return fault(P, CB_EPARSE, cn->offset, "$.complete: expected true or false, got %s",
			    cb_json_type_name(cn->type));
		m->mp_complete = cn->b != 0;
	}
	if ((links = cb_json_get(P->doc, root, "links")) == NULL)
		return fault(P, CB_EPARSE, root->offset, "$: missing required field \"links\"");
	if (links->type != CB_JSON_ARRAY)
		return fault(P, CB_EPARSE, links->offset, "$.links: expected an array, got %s",
		    cb_json_type_name(links->type));
	if (links->nchildren > CB_MAX_MAPPING_LINKS)
		return fault(P, CB_ETOOBIG, links->offset, "$.links: more than %d links", CB_MAX_MAPPING_LINKS);
	m->mp_links = cb_arena_calloc(&m->mp_arena, links->nchildren ? links->nchildren : 1, sizeof(*m->mp_links));
	if (m->mp_links == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (c = cb_json_child(P->doc, links); c; c = cb_json_next(P->doc, c), i++)
		if ((rc = parse_link(P, c, i, &m->mp_links[i])) != CB_OK)
			return rc;
	m->mp_n = i;
	if (m->mp_title == NULL)
		m->mp_title = "";
	if (m->mp_description == NULL)
		m->mp_description = "";
	return check_links(P);
}

/* Parse; on a fault also @P's f_* fields say where and what. */
static int
parse(struct mparse *P, cb_mapping **out)
{
	cb_json_error jerr;
	int rc;

	if (P->len > CB_MAX_CODESET_BYTES)
		return cb__fail(CB_ETOOBIG, "%s: larger than %u bytes", P->origin, CB_MAX_CODESET_BYTES);
	if ((P->m = cb__calloc(1, sizeof(*P->m))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	rc = cb_json_parse(&P->doc, P->buf ? P->buf : "", P->len, CB_MAX_JSON_DEPTH, &jerr);
	if (rc == CB_EPARSE) {
		rc = fault(P, CB_EPARSE, jerr.offset, "%s", jerr.message);
		P->f_rule = "JSON_SYNTAX";
	} else if (rc == CB_ETOOBIG) {
		rc = fault(P, CB_ETOOBIG, 0, "nested deeper than %d levels", CB_MAX_JSON_DEPTH);
	} else if (rc != CB_OK) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
	} else if ((rc = parse_root(P)) == CB_OK &&
	    (P->m->mp_origin = cb_arena_strndup(&P->m->mp_arena, P->origin, strlen(P->origin))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
	}
	cb_json_free(P->doc);
	P->doc = NULL;
	if (rc != CB_OK) {
		cb_mapping_free(P->m);
		return rc;
	}
	*out = P->m;
	return CB_OK;
}

int
cb_mapping_load_buffer(cb_mapping **out, const char *buf, size_t len, const char *origin)
{
	struct mparse P = { .buf = buf, .len = len, .origin = origin ? origin : "<buffer>" };

	if (out == NULL || (buf == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_mapping_load_buffer: NULL argument");
	*out = NULL;
	return parse(&P, out);
}

int
cb_mapping_lint_file(cb_report **out, const char *path, cb_set_lookup lookup, void *arg, int *is_mapping)
{
	struct mparse P = { .origin = path };
	cb_mapping *m = NULL;
	cb_report *r = NULL;
	char *buf = NULL;
	int rc;

	if (out == NULL || path == NULL || is_mapping == NULL)
		return cb__fail(CB_EINVAL, "cb_mapping_lint_file: NULL argument");
	*out = NULL;
	*is_mapping = 0;
	if ((rc = cb__read_file(&buf, &P.len, path, CB_MAX_CODESET_BYTES)) != CB_OK)
		return rc;
	P.buf = buf;
	if (!cb_mapping_sniff(buf, P.len))
		goto out;
	*is_mapping = 1;
	rc = parse(&P, &m);
	if (rc == CB_ENOMEM)
		goto out;
	if (rc != CB_OK) {	/* the fault that ended the parse is the one finding */
		if ((r = cb__report_new()) == NULL || cb__report_add(r, P.f_rule ? P.f_rule : "SCHEMA", "", path,
		    P.f_line, P.f_col, "%s", P.f_rule ? P.f_msg : cb_errmsg()) != CB_OK) {
			cb_report_free(r);
			rc = cb__fail(CB_ENOMEM, "out of memory");
			goto out;
		}
		*out = r;
		rc = CB_OK;
		goto out;
	}
	rc = cb_mapping_lint(out, m, lookup ? lookup(arg, m->mp_source) : NULL,
	    lookup ? lookup(arg, m->mp_target) : NULL);
out:
	cb_mapping_free(m);
	free(buf);
	return rc;
}

int
cb_mapping_load_file(cb_mapping **out, const char *path)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (out == NULL || path == NULL)
		return cb__fail(CB_EINVAL, "cb_mapping_load_file: NULL argument");
	*out = NULL;
	if ((rc = cb__read_file(&buf, &len, path, CB_MAX_CODESET_BYTES)) != CB_OK)
		return rc;
	rc = cb_mapping_load_buffer(out, buf, len, path);
	free(buf);
	return rc;
}

int
cb_mapping_sniff(const char *buf, size_t len)
{
	cb_json_doc *doc = NULL;
	cb_json_error jerr;
	const cb_json_node *root;
	int yes = 0;

	if (buf == NULL || cb_json_parse(&doc, buf, len, CB_MAX_JSON_DEPTH, &jerr) != CB_OK)
		return 0;
	root = cb_json_root(doc);
	yes = root->type == CB_JSON_OBJECT && cb_json_get(doc, root, "source_set") != NULL;
	cb_json_free(doc);
	return yes;
}

void
cb_mapping_free(cb_mapping *m)
{
	if (m == NULL)
		return;
	cb_arena_free(&m->mp_arena);
	free(m);
}

const char *cb_mapping_name(const cb_mapping *m) { return m ? m->mp_name : ""; }
const char *cb_mapping_title(const cb_mapping *m) { return m ? m->mp_title : ""; }
const char *cb_mapping_description(const cb_mapping *m) { return m ? m->mp_description : ""; }
const char *cb_mapping_source_set(const cb_mapping *m) { return m ? m->mp_source : ""; }
const char *cb_mapping_target_set(const cb_mapping *m) { return m ? m->mp_target : ""; }
const char *cb_mapping_origin(const cb_mapping *m) { return m ? m->mp_origin : ""; }
int cb_mapping_complete(const cb_mapping *m) { return m ? m->mp_complete : 0; }
size_t cb_mapping_link_count(const cb_mapping *m) { return m ? m->mp_n : 0; }

const cb_mapping_link *
cb_mapping_link_get(const cb_mapping *m, size_t i)
{
	return m && i < m->mp_n ? &m->mp_links[i] : NULL;
}

/* strcmp of a NUL-terminated @s with code[0..len) (which may hold anything). */
static int
cmp_code(const char *s, const char *code, size_t len)
{
	size_t n = strlen(s);
	int c = memcmp(s, code, n < len ? n : len);

	return c != 0 ? c : (n < len ? -1 : n > len);
}

size_t
cb_mapping_translate(const cb_mapping *m, const char *code, size_t len, size_t *first)
{
	size_t lo = 0, hi, n = 0;

	if (first)
		*first = 0;
	if (m == NULL || code == NULL || first == NULL)
		return 0;
	hi = m->mp_n;
	while (lo < hi) {	/* the first link whose from is not below code */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_code(m->mp_links[mid].from, code, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < m->mp_n && cmp_code(m->mp_links[lo + n].from, code, len) == 0)
		n++;
	*first = lo;
	return n;
}
