# SPDX-License-Identifier: Apache-2.0
"""Every response the end-to-end suites receive is held to the API document
(src/svc/openapi.json) by a real JSON Schema validator: Debian's
python3-jsonschema, draft 2020-12 (the dialect of OpenAPI 3.1), with the
document's own $refs resolved in it.

    check(method, target, status, headers, body)   raises Mismatch

finds the operation the way the server routes (the path template, then the
method; HEAD is GET without a body), then holds the response to it: the
status must be documented for that operation, the media type must be one
the status documents (none when it documents no content) and the body must
match its schema; documented headers must be there when required and match
their schemas when present.  A path no template matches is answered by the
server before any route: its response is held to the document's
components.responses of that status (x-codebook-unrouted names them).  The
message of a Mismatch names the route, the status and the schema error.

Cost: the document is read once per process and a validator is built once
per (operation, status, media type); a check is then one jsonschema
validation of the body (tens of microseconds for most answers).
"""
import json
import os
import re
import threading
import urllib.parse

import jsonschema

SRC = os.environ.get("CB_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
DOCUMENT = os.path.join(SRC, "src", "svc", "openapi.json")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class Mismatch(AssertionError):
    """A response that the API document does not describe."""


def _media(ctype):
    return (ctype or "").split(";", 1)[0].strip().lower()


def _is_json(media):
    return media == "application/json" or media.endswith("+json")


class Document:
    def __init__(self, path=DOCUMENT):
        with open(path, "rb") as f:
            self.doc = json.loads(f.read())
        self.path = path
        self.validator_class = jsonschema.Draft202012Validator
        self.cache = {}
        self.lock = threading.Lock()
        self.routes = []
        for template, item in self.doc.get("paths", {}).items():
            self.routes.append((self._pattern(template), template, item))
        # literal segments before captures, as the routing table is ordered
        self.routes.sort(key=lambda r: -r[1].count("/") * 100 + r[1].count("{"))
        self.checked = 0

    @staticmethod
    def _pattern(template):
        out, pos = "", 0
        for m in re.finditer(r"\{([^}/]+)\}", template):
            out += re.escape(template[pos:m.start()]) + "[^/]+"
            pos = m.end()
        return re.compile(out + re.escape(template[pos:]) + r"\Z")

    def pointer(self, ref):
        if not ref.startswith("#/"):
            raise Mismatch("openapi.json: only local $refs are taken, not %r" % ref)
        node = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise Mismatch("openapi.json: $ref %r points nowhere" % ref)
            node = node[part]
        return node

    def deref(self, node):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            node = self.pointer(node["$ref"])
            seen += 1
            if seen > 16:
                raise Mismatch("openapi.json: a $ref loop at %r" % node)
        return node

    def validator(self, key, schema):
        with self.lock:
            v = self.cache.get(key)
            if v is None:
                # the schema as the root of a document that also holds the
                # components: its "#/components/..." $refs resolve there, with
                # any version of jsonschema (4.10's RefResolver or the
                # referencing library of later ones)
                root = {"allOf": [schema], "components": self.doc.get("components", {})}
                self.validator_class.check_schema(root)
                v = self.validator_class(root)
                self.cache[key] = v
            return v

    def find(self, path):
        """(template, path item) of the path, or (None, None)."""
        for rx, template, item in self.routes:
            if rx.match(path):
                return template, item
        return None, None

    def response_for(self, method, path, status):
        """(where, response object) documented for the answer, or raise."""
        template, item = self.find(path)
        code = str(status)
        if template is None:
            names = self.doc.get("x-codebook-unrouted", {})
            ref = names.get(code)
            if ref is None:
                raise Mismatch("openapi: %s %s (no documented path) answered %s: only %s are documented for "
                               "unrouted requests (x-codebook-unrouted)" % (method, path, status, sorted(names)))
            return "unrouted %s %s" % (method, path), self.deref(ref)
        m = method.lower()
        if m == "head" and "head" not in item:
            m = "get"
        op = item.get(m)
        where = "%s %s" % (method.upper(), template)
        if op is None:
            # a method the path does not take: each operation of the path
            # documents the 405 (and what may come before routing)
            ops = [item[k] for k in METHODS if k in item]
            for o in ops:
                if code in o.get("responses", {}):
                    return where + " (undocumented method)", self.deref(o["responses"][code])
            raise Mismatch("openapi: %s answered %s: the path does not document the method, and no operation "
                           "of it documents %s" % (where, status, status))
        responses = op.get("responses", {})
        resp = responses.get(code) or responses.get(code[0] + "XX")
        if resp is None:
            resp = responses.get("default")
        if resp is None:
            raise Mismatch("openapi: %s answered %s, which it does not document (it documents %s)"
                           % (where, status, ", ".join(sorted(responses))))
        return where, self.deref(resp)

    def check(self, method, target, status, headers, body):
        """Hold one response to the document; raise Mismatch naming route,
        status and fault."""
        if method.upper() == "OPTIONS":
            # CORS preflights are answered on every path by the HTTP layer, not by
            # a route (the "console" tag says so); tests/console/test_http.py holds
            # their headers to --cors-origin
            return
        path = urllib.parse.unquote(urllib.parse.urlsplit(target).path or "/")
        where, resp = self.response_for(method, path, status)
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        media = _media(headers.get("content-type"))
        content = resp.get("content") or {}
        head = method.upper() == "HEAD"
        if not content:
            if body and not head:
                raise Mismatch("openapi: %s answered %s with a body (%s, %d bytes) but documents none"
                               % (where, status, media or "no Content-Type", len(body)))
        elif not head and (body or media):
            if media not in content:
                raise Mismatch("openapi: %s answered %s as %r; documented: %s"
                               % (where, status, media, ", ".join(sorted(content))))
            schema = content[media].get("schema")
            if schema is not None:
                self._validate(where, status, media, schema, body)
        elif not head and not body:
            raise Mismatch("openapi: %s answered %s without a body; documented: %s"
                           % (where, status, ", ".join(sorted(content))))
        for name, h in (resp.get("headers") or {}).items():
            h = self.deref(h)
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    raise Mismatch("openapi: %s answered %s without the header %s, which it documents as "
                                   "required" % (where, status, name))
                continue
            schema = h.get("schema")
            if schema is None:
                continue
            inst = value
            t = self.deref(schema).get("type")
            if t == "integer":
                try:
                    inst = int(value)
                except ValueError:
                    raise Mismatch("openapi: %s answered %s with %s: %r, not an integer"
                                   % (where, status, name, value))
            err = jsonschema.exceptions.best_match(
                self.validator(("header", where, status, name), schema).iter_errors(inst))
            if err is not None:
                raise Mismatch("openapi: %s answered %s with %s: %r: %s" % (where, status, name, value,
                                                                            err.message))
        self.checked += 1

    def _validate(self, where, status, media, schema, body):
        if _is_json(media):
            try:
                inst = json.loads(body)
            except ValueError as e:
                raise Mismatch("openapi: %s answered %s with %s that is not JSON: %s"
                               % (where, status, media, e))
        else:
            try:
                inst = body.decode("utf-8")
            except UnicodeDecodeError:
                raise Mismatch("openapi: %s answered %s with %s that is not UTF-8" % (where, status, media))
        v = self.validator((where, status, media), schema)
        err = jsonschema.exceptions.best_match(v.iter_errors(inst))
        if err is not None:
            at = "/" + "/".join(str(p) for p in err.absolute_path)
            ctx = ""
            if err.context:
                ctx = " (" + "; ".join(sorted({"%s at /%s" % (c.message[:160], "/".join(
                    str(p) for p in c.absolute_path)) for c in err.context})[:6]) + ")"
            raise Mismatch("openapi: %s answered %s: the body does not match the documented schema: at %s: "
                           "%s%s" % (where, status, at, err.message[:400], ctx))


_doc = None
_doc_lock = threading.Lock()


def document():
    global _doc
    with _doc_lock:
        if _doc is None:
            _doc = Document()
        return _doc


def check(method, target, status, headers, body):
    document().check(method, target, status, headers, body)
