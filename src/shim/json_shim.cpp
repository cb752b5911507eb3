/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_shim.cpp - simdjson behind a C ABI.  The only C++ in codebook: no
 * exception and no C++ type crosses into C.  See docs/internals/json.md.
 *
 * The On-Demand API is used because it exposes where each value sits in
 * the input (raw_json_token), which the code-set loader needs for
 * file:line:column errors.  Every value is consumed with its typed getter,
 * so the whole document is validated, not only the parts we read.
 */
#include "json_shim.h"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

using namespace simdjson;

struct cb_json_doc {
	std::vector<cb_json_node> nodes;
	std::string arena;                 /* unescaped strings, NUL-separated */
	std::vector<uint32_t> key_at, str_at; /* arena offsets, fixed up at the end */
};

namespace {

const uint32_t NONE = UINT32_MAX;

/* The document being walked, for the position of errors raised mid-container. */
thread_local ondemand::document *current_doc;
thread_local const char *current_base;
thread_local size_t current_len;

size_t
fail_here()
{
	const char *p;
	if (current_doc != nullptr && current_doc->current_location().get(p) == SUCCESS &&
	    p >= current_base && (size_t)(p - current_base) <= current_len)
		return (size_t)(p - current_base);
	return current_len;
}

error_code
token_of(ondemand::value &v, std::string_view &out)
{
	out = v.raw_json_token();
	return SUCCESS;
}

error_code
token_of(ondemand::document &d, std::string_view &out)
{
	return d.raw_json_token().get(out);
}

const char *describe(error_code e);

struct walker {
	cb_json_doc *doc;
	const char *base;      /* start of the padded copy */
	unsigned max_depth;
	cb_json_error *err;
	size_t fail_offset = 0;
	int rc = 0;
	error_code why = SUCCESS;	/* the simdjson error behind rc, if any */

	/* @what is a message, or a format with one %s for @arg */
	int fail(int code, size_t off, const char *what, const char *arg = nullptr)
	{
		rc = code;
		fail_offset = off;
		if (arg != nullptr)
			std::snprintf(err->message, sizeof(err->message), "%s %s", what, arg);
		else
			std::snprintf(err->message, sizeof(err->message), "%s", what);
		err->offset = off;
		return code;
	}

	int fail(int c, size_t off, error_code e)
	{
		why = e;
		return fail(c, off, describe(e));
	}

	uint32_t store(std::string_view s)
	{
		size_t at = doc->arena.size();
		doc->arena.append(s.data(), s.size());
		doc->arena.push_back('\0');
		return (uint32_t)at;
	}

	size_t offset_of(const char *p) const { return (size_t)(p - base); }

	uint32_t new_node(cb_json_type t, size_t off)
	{
		cb_json_node n;
		std::memset(&n, 0, sizeof(n));
		n.type = t;
		n.offset = (uint32_t)off;
		doc->nodes.push_back(n);
		doc->key_at.push_back(NONE);
		doc->str_at.push_back(NONE);
		return (uint32_t)(doc->nodes.size() - 1);
	}

	template <typename V> int value(V &v, unsigned depth, uint32_t *out);
};

const char *
describe(error_code e)
{
	switch (e) {
	case TAPE_ERROR: return "unexpected character or missing separator";
	case INCORRECT_TYPE: return "unexpected value";
	case NUMBER_ERROR: return "invalid number";
	case STRING_ERROR: return "invalid string escape";
	case T_ATOM_ERROR: return "invalid literal (expected true)";
	case F_ATOM_ERROR: return "invalid literal (expected false)";
	case N_ATOM_ERROR: return "invalid literal (expected null)";
	case UTF8_ERROR: return "invalid UTF-8";
	case UNESCAPED_CHARS: return "control character in a string (must be escaped)";
	case UNCLOSED_STRING: return "unterminated string";
	case EMPTY: return "empty document";
	case DEPTH_ERROR: return "nesting too deep";
	case INCOMPLETE_ARRAY_OR_OBJECT: return "unterminated array or object";
	case TRAILING_CONTENT: return "unexpected content after the JSON value";
	default: return error_message(e);
	}
}

/* Stage-1 errors carry no position: find the first fault ourselves. */
size_t
locate_stage1(const char *s, size_t n, error_code e)
{
	size_t i, str_start = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (e == UTF8_ERROR && c >= 0x80) {
			/* validate the sequence starting here */
			size_t k = 0;
			if (c >= 0xc2 && c <= 0xdf) k = 2;
			else if (c >= 0xe0 && c <= 0xef) k = 3;
			else if (c >= 0xf0 && c <= 0xf4) k = 4;
			if (k == 0 || i + k > n)
				return i;
			for (size_t j = 1; j < k; j++)
				if (((unsigned char)s[i + j] & 0xc0) != 0x80)
					return i;
			if ((c == 0xe0 && (unsigned char)s[i + 1] < 0xa0) ||
			    (c == 0xed && (unsigned char)s[i + 1] >= 0xa0) ||
			    (c == 0xf0 && (unsigned char)s[i + 1] < 0x90) ||
			    (c == 0xf4 && (unsigned char)s[i + 1] >= 0x90))
				return i;
			i += k - 1;
			continue;
		}
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			else if (c < 0x20 && e == UNESCAPED_CHARS)
				return i;
		} else if (c == '"') {
			in_str = 1;
			str_start = i;
		}
	}
	return in_str ? str_start : n;
}

/*
 * simdjson says INCOMPLETE_ARRAY_OR_OBJECT, without a position, whenever
 * the last structural character does not close the first one.  Either the
 * root is never closed (point at where it opens, as simdjson's message
 * says) or it is closed and more follows, as in `{} x` (say so, and point
 * at what follows).
 */
void
locate_incomplete(const char *s, size_t n, cb_json_error *err)
{
	size_t i, depth = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (depth++ == 0)
				err->offset = i;
		} else if ((c == '}' || c == ']') && depth > 0 && --depth == 0) {
			for (i++; i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'); i++)
				;
			if (i < n) {
				err->offset = i;
				std::snprintf(err->message, sizeof(err->message), "%s", describe(TRAILING_CONTENT));
			}
			return;
		}
	}
}

template <typename V>
int
walker::value(V &v, unsigned depth, uint32_t *out)
{
	std::string_view tok;
	ondemand::json_type t;
	error_code e;
	size_t off;

	if ((e = token_of(v, tok)) != SUCCESS)
		return fail(-6, fail_here(), e);
	off = offset_of(tok.data());
	if ((e = v.type().get(t)) != SUCCESS)
		return fail(-6, off, e);
	if (depth > max_depth)
		return fail(-5, off, "nesting deeper than the limit of levels:",
		    std::to_string(max_depth).c_str());

	switch (t) {
	case ondemand::json_type::object: {
		ondemand::object obj;
		uint32_t self = new_node(CB_JSON_OBJECT, off), prev = 0, count = 0;
		if ((e = v.get_object().get(obj)) != SUCCESS)
			return fail(-6, off, e);
		for (auto fr : obj) {
			ondemand::field f;
			std::string_view key;
			uint32_t child;
			if ((e = fr.error()) != SUCCESS)
				return fail(-6, fail_here(), e);
			f = std::move(fr).value_unsafe();
			size_t koff = offset_of(f.key().raw()) - 1;
			if ((e = f.unescaped_key().get(key)) != SUCCESS)
				return fail(-6, koff, e);
			uint32_t kat = store(key);
			ondemand::value fv = f.value();
			if (value(fv, depth + 1, &child) != 0)
				return rc;
			doc->nodes[child].key_offset = (uint32_t)koff;
			doc->nodes[child].key_len = (uint32_t)key.size();
			doc->key_at[child] = kat;
			if (prev == 0)
				doc->nodes[self].first_child = child;
			else
				doc->nodes[prev].next = child;
			prev = child;
			count++;
		}
		doc->nodes[self].nchildren = count;
		*out = self;
		return 0;
	}
	case ondemand::json_type::array: {
		ondemand::array arr;
		uint32_t self = new_node(CB_JSON_ARRAY, off), prev = 0, count = 0;
		if ((e = v.get_array().get(arr)) != SUCCESS)
			return fail(-6, off, e);
		for (auto er : arr) {
			ondemand::value ev;
			uint32_t child;
			if ((e = er.error()) != SUCCESS)
				return fail(-6, fail_here(), e);
			ev = std::move(er).value_unsafe();
			if (value(ev, depth + 1, &child) != 0)
				return rc;
			if (prev == 0)
				doc->nodes[self].first_child = child;
			else
				doc->nodes[prev].next = child;
			prev = child;
			count++;
		}
		doc->nodes[self].nchildren = count;
		*out = self;
		return 0;
	}
	case ondemand::json_type::string: {
		std::string_view s;
		if ((e = v.get_string().get(s)) != SUCCESS)
			return fail(-6, off, e);
		uint32_t self = new_node(CB_JSON_STRING, off);
		doc->nodes[self].str_len = (uint32_t)s.size();
		doc->str_at[self] = store(s);
		*out = self;
		return 0;
	}
	case ondemand::json_type::number: {
		ondemand::number num;
		if ((e = v.get_number().get(num)) != SUCCESS)
			return fail(-6, off, e);
		uint32_t self = new_node(CB_JSON_NUMBER, off);
		cb_json_node &n = doc->nodes[self];
		switch (num.get_number_type()) {
		case ondemand::number_type::signed_integer:
			n.is_int = 1;
			n.i = num.get_int64();
			n.d = (double)n.i;
			break;
		case ondemand::number_type::unsigned_integer:
			n.d = (double)num.get_uint64();
			break;
		default:
			n.d = num.get_double();
		}
		*out = self;
		return 0;
	}
	case ondemand::json_type::boolean: {
		bool b;
		if ((e = v.get_bool().get(b)) != SUCCESS)
			return fail(-6, off, e);
		uint32_t self = new_node(CB_JSON_BOOL, off);
		doc->nodes[self].b = b ? 1 : 0;
		*out = self;
		return 0;
	}
	case ondemand::json_type::null: {
		bool isnull;
		if ((e = v.is_null().get(isnull)) != SUCCESS || !isnull)
			return fail(-6, off, describe(N_ATOM_ERROR));
		*out = new_node(CB_JSON_NULL, off);
		return 0;
	}
	}
	return fail(-6, off, "unexpected value");
}

} // namespace

extern "C" int
cb_json_parse(cb_json_doc **out, const char *buf, size_t len,
    unsigned max_depth, cb_json_error *err)
{
	static thread_local ondemand::parser parser;
	cb_json_doc *doc = nullptr;

	*out = nullptr;
	err->offset = 0;
	err->message[0] = '\0';
	if (len > 0xffffffffu) {
		std::snprintf(err->message, sizeof(err->message), "document larger than 4 GiB");
		return -5;
	}
	try {
		padded_string ps(buf, len);
		ondemand::document d;
		error_code e = parser.iterate(ps).get(d);
		if (e != SUCCESS) {
			err->offset = locate_stage1(buf, len, e);
			std::snprintf(err->message, sizeof(err->message), "%s", describe(e));
			if (e == INCOMPLETE_ARRAY_OR_OBJECT)
				locate_incomplete(buf, len, err);
			return e == MEMALLOC ? -2 : -6;
		}
		doc = new cb_json_doc();
		walker w{doc, ps.data(), max_depth, err};
		current_doc = &d;
		current_base = ps.data();
		current_len = len;
		uint32_t root = 0;
		int rc;
		/* a scalar document is not a value in On-Demand: read it through the document */
		rc = w.value(d, 1, &root);
		if (rc == 0) {
			/* On-Demand stops after the root value: anything left is an error */
			const char *p;
			if (d.current_location().get(p) == SUCCESS)
				rc = w.fail(-6, (size_t)(p - ps.data()), describe(TRAILING_CONTENT));
		}
		current_doc = nullptr;
		if (rc != 0) {
			if (w.why == INCOMPLETE_ARRAY_OR_OBJECT)
				locate_incomplete(buf, len, err);
			if (err->offset > len)
				err->offset = len;
			delete doc;
			return rc;
		}
		/* strings are stable now that the arena has stopped growing */
		for (size_t i = 0; i < doc->nodes.size(); i++) {
			if (doc->key_at[i] != NONE)
				doc->nodes[i].key = doc->arena.data() + doc->key_at[i];
			if (doc->str_at[i] != NONE)
				doc->nodes[i].str = doc->arena.data() + doc->str_at[i];
		}
		*out = doc;
		return 0;
	} catch (const std::bad_alloc &) {
		current_doc = nullptr;
		delete doc;
		std::snprintf(err->message, sizeof(err->message), "out of memory");
		return -2;
	} catch (...) {
		current_doc = nullptr;
		delete doc;
		std::snprintf(err->message, sizeof(err->message), "internal JSON parser error");
		return -6;
	}
}

extern "C" void
cb_json_free(cb_json_doc *doc)
{
	delete doc;
}

extern "C" const cb_json_node *
cb_json_root(const cb_json_doc *doc)
{
	return doc->nodes.empty() ? nullptr : &doc->nodes[0];
}

extern "C" const cb_json_node *
cb_json_child(const cb_json_doc *doc, const cb_json_node *n)
{
	return n->first_child ? &doc->nodes[n->first_child] : nullptr;
}

extern "C" const cb_json_node *
cb_json_next(const cb_json_doc *doc, const cb_json_node *n)
{
	return n->next ? &doc->nodes[n->next] : nullptr;
}

extern "C" const cb_json_node *
cb_json_get(const cb_json_doc *doc, const cb_json_node *obj, const char *key)
{
	size_t klen = std::strlen(key);

	if (obj == nullptr || obj->type != CB_JSON_OBJECT)
		return nullptr;
	for (const cb_json_node *c = cb_json_child(doc, obj); c; c = cb_json_next(doc, c))
		if (c->key_len == klen && std::memcmp(c->key, key, klen) == 0)
			return c;
	return nullptr;
}

extern "C" const char *
cb_json_type_name(cb_json_type t)
{
	static const char *const names[] = { "null", "boolean", "number", "string", "array", "object" };
	return (unsigned)t < 6 ? names[t] : "?";
}

/*
 * Line validation (NDJSON): one small document per call, on the hot path of
 * `codebook validate`.  This uses simdjson's DOM parser, not On-Demand: the
 * DOM parser runs both stages in the kernel chosen at run time (AVX-512,
 * AVX2, SSE4.2 or scalar), while On-Demand's value walk is compiled for the
 * "builtin" kernel, which without -march flags is the scalar fallback.
 * Measured on 367-byte events, strict full traversal: DOM 1.6 GB/s,
 * On-Demand 1.2 GB/s (docs/validate.md).  DOM stage 2 validates every value
 * (numbers, escapes, literals, nesting) while building its tape, so nothing
 * is skipped; we then read the few fields we need from the tape.
 */
static_assert(CB_JSON_PADDING == SIMDJSON_PADDING, "CB_JSON_PADDING must match simdjson");

/*
 * Windows of lines.  Stage 1 has a fixed cost per call, which on events of
 * a few hundred bytes is a good part of its time; so the caller may hand a
 * window of several whole lines (cb_json_lines_window): stage 1 runs once
 * over it, and stage 2 then parses one line at a time from the structural
 * index (stage2_next, as simdjson's parse_many does).  Each document must
 * start at the line's first structural character and end before the next
 * line's: otherwise (two values on a line, one value over two lines), or
 * when stage 1 fails for the window, the line is parsed on its own, which
 * gives the verdict and the error.  A window ends just before a newline, so
 * that past its last structural stage 2 finds a newline, which it rejects
 * in every state: it never walks off the index (the hazard that simdjson's
 * own check guards against, its issue 906).  These are simdjson's internal
 * parser members, public in 3.0; the unit tests, the agreement test and
 * the fuzz target compare both paths.
 */
struct cb_json_lines {
	dom::parser parser;         /* one line at a time */
	dom::parser win;            /* windows of lines */
	size_t max_len;
	const char *w_base = nullptr; /* the window: w_base[0..w_len), then a newline */
	size_t w_len = 0;
	uint32_t w_next = 0;        /* the first structural not yet consumed */
	bool w_ok = false;

	explicit cb_json_lines(size_t max) : parser(max), win(CB_JSON_LINES_WINDOW), max_len(max) {}
};

namespace {

cb_json_type
type_of(dom::element_type t)
{
	switch (t) {
	case dom::element_type::ARRAY: return CB_JSON_ARRAY;
	case dom::element_type::OBJECT: return CB_JSON_OBJECT;
	case dom::element_type::INT64:
	case dom::element_type::UINT64:
	case dom::element_type::DOUBLE: return CB_JSON_NUMBER;
	case dom::element_type::STRING: return CB_JSON_STRING;
	case dom::element_type::BOOL: return CB_JSON_BOOL;
	case dom::element_type::NULL_VALUE: return CB_JSON_NULL;
	}
	return CB_JSON_NULL;
}

/* Follow @path from @root.  Where a key occurs twice in one object the
 * last occurrence wins, as in JSON.parse and Python's json. */
void
pick(dom::element root, const cb_json_path &path, cb_json_pick &out)
{
	dom::element cur = root;
	size_t k;

	out.found = 0;
	out.missing_at = 0;
	for (k = 0; k < path.n; k++) {
		dom::object obj;
		bool hit = false;
		if (cur.get_object().get(obj) != SUCCESS) {
			out.missing_at = k;
			return;
		}
		for (dom::key_value_pair kv : obj) {
			if (kv.key.size() == path.lens[k] &&
			    std::memcmp(kv.key.data(), path.keys[k], path.lens[k]) == 0) {
				cur = kv.value;
				hit = true;
			}
		}
		if (!hit) {
			out.missing_at = k;
			return;
		}
	}
	out.found = 1;
	out.type = type_of(cur.type());
	out.num = CB_JSON_NUM_NONE;
	switch (cur.type()) {
	case dom::element_type::STRING: {
		std::string_view s = cur.get_string().value_unsafe();
		out.str = s.data();
		out.str_len = s.size();
		break;
	}
	case dom::element_type::INT64:
		out.num = CB_JSON_NUM_INT;
		out.i = cur.get_int64().value_unsafe();
		break;
	case dom::element_type::UINT64:
		out.num = CB_JSON_NUM_UINT;
		out.u = cur.get_uint64().value_unsafe();
		break;
	default:
		break;
	}
}

} // namespace

extern "C" int
cb_json_lines_new(cb_json_lines **out, size_t max_len, unsigned max_depth)
{
	*out = nullptr;
	try {
		cb_json_lines *p = new cb_json_lines(max_len);
		/* room for typical events up front; longer lines grow it (geometrically) */
		if (p->parser.allocate(max_len < 65536 ? max_len : 65536, max_depth) != SUCCESS ||
		    p->win.allocate(CB_JSON_LINES_WINDOW, max_depth) != SUCCESS ||
		    p->win.doc.allocate(CB_JSON_LINES_WINDOW) != SUCCESS) {
			delete p;
			return -2;
		}
		*out = p;
		return 0;
	} catch (...) {
		return -2;
	}
}

extern "C" void
cb_json_lines_window(cb_json_lines *p, const char *buf, size_t len)
{
	p->w_base = buf;
	p->w_len = len;
	p->w_next = 0;
	p->w_ok = buf != nullptr && len > 0 && len <= CB_JSON_LINES_WINDOW && buf[len] == '\n' &&
	    p->win.implementation->stage1(reinterpret_cast<const uint8_t *>(buf), len,
	    stage1_mode::regular) == SUCCESS;
}

namespace {

/* Stage 2 of one line inside the window; false when it must be parsed alone. */
bool
parse_in_window(cb_json_lines *p, const char *buf, size_t len)
{
	auto &impl = *p->win.implementation;
	const uint32_t *idx = impl.structural_indexes.get();
	uint32_t n = impl.n_structural_indexes, k = p->w_next, nk;
	size_t lo = (size_t)(buf - p->w_base), le = lo + len;

	while (k < n && idx[k] < lo)
		k++;
	p->w_next = k;
	if (k >= n || idx[k] >= le)
		return false;
	impl.next_structural_index = k;
	if (impl.stage2_next(p->win.doc) != SUCCESS)
		return false;
	nk = impl.next_structural_index;
	if (nk <= k || nk > n || idx[nk - 1] >= le || (nk < n && idx[nk] < le))
		return false;
	p->w_next = nk;
	return true;
}

} // namespace

extern "C" void
cb_json_lines_free(cb_json_lines *p)
{
	delete p;
}

extern "C" int
cb_json_lines_parse(cb_json_lines *p, const char *buf, size_t len, cb_json_type *root,
    const cb_json_path *paths, size_t npaths, cb_json_pick *picks, const char **why)
{
	dom::element doc;
	error_code e;

	*why = "";
	if (len > p->max_len) {
		*why = "line longer than the limit";
		return -5;
	}
	if (len > p->parser.capacity()) {
		/* grow geometrically, so a run of ever longer lines costs few reallocations */
		size_t want = p->parser.capacity() * 2;
		if (want < len)
			want = len;
		if (want > p->max_len)
			want = p->max_len;
		if (p->parser.allocate(want, p->parser.max_depth()) != SUCCESS) {
			*why = "out of memory";
			return -2;
		}
	}
	if (p->w_ok && buf >= p->w_base && buf + len <= p->w_base + p->w_len &&
	    parse_in_window(p, buf, len)) {
		doc = p->win.doc.root();
		goto found;
	}
	e = p->parser.parse(buf, len, false).get(doc);
	if (simdjson_unlikely(e != SUCCESS)) {
		*why = describe(e);
		return e == DEPTH_ERROR || e == CAPACITY ? -5 : e == MEMALLOC ? -2 : -6;
	}
found:
	*root = type_of(doc.type());
	for (size_t i = 0; i < npaths; i++)
		pick(doc, paths[i], picks[i]);
	return 0;
}
