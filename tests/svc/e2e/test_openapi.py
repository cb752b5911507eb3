#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The OpenAPI document and the routing table describe the same API: a
route that the document lacks, or a documented path that is not routed,
fails this test.  The routes come from the binary (codebook serve
--routes prints its routing table), the document from GET /openapi.json."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY, SRC, Server  # noqa: E402

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class OpenAPI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        out = subprocess.run([BINARY, "serve", "--routes"], capture_output=True, text=True, check=True)
        lines = [line.split(" ") for line in out.stdout.splitlines() if line]
        cls.routes = {(x[0], x[1]) for x in lines}
        # the query parameters of each route, from its table ("?a&b&context.DIMENSION")
        # (context pairs, "context.DIMENSION" or "DIMENSION", are the document's exploded "context")
        cls.params = {(x[0], x[1]): {"context" if "DIMENSION" in n else n for n in x[2][1:].split("&")}
                      if len(x) > 2 else set() for x in lines}
        with Server() as s:
            cls.served = s.get("/openapi.json").raw
        cls.doc = json.loads(cls.served)

    def documented(self):
        return {(m.upper(), path) for path, item in self.doc["paths"].items() for m in item if m in METHODS}

    def test_routes_are_documented(self):
        self.assertGreaterEqual(len(self.routes), 20)
        missing = sorted(self.routes - self.documented())
        self.assertEqual(missing, [], "routes missing from openapi.json")

    def test_documented_paths_are_routed(self):
        extra = sorted(self.documented() - self.routes)
        self.assertEqual(extra, [], "openapi.json documents paths the server does not route")

    def test_document_is_openapi_3_1(self):
        self.assertTrue(self.doc["openapi"].startswith("3.1."))
        for path, item in self.doc["paths"].items():
            for m, op in item.items():
                self.assertIn("responses", op, "%s %s" % (m, path))
                self.assertTrue(op.get("operationId"), "%s %s" % (m, path))
                for p in op.get("parameters", []):
                    if "$ref" in p:
                        name = p["$ref"].rsplit("/", 1)[-1]
                        self.assertIn(name, self.doc["components"]["parameters"])

    def test_refs_resolve(self):
        def walk(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "$ref":
                        parts = v.lstrip("#/").split("/")
                        cur = self.doc
                        for part in parts:
                            self.assertIn(part, cur, v)
                            cur = cur[part]
                    else:
                        walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(self.doc)

    def test_query_parameters_are_the_routing_tables(self):
        """Every route's query parameters in the document are those of its table,
        both ways: the server refuses any other (400), so the document must not
        offer one, nor miss one it takes."""
        comps = self.doc["components"]["parameters"]
        for (method, path), want in self.params.items():
            op = self.doc["paths"][path][method.lower()]
            got = set()
            for p in op.get("parameters", []):
                if "$ref" in p:
                    p = comps[p["$ref"].rsplit("/", 1)[-1]]
                if p["in"] == "query":
                    got.add(p["name"])
            self.assertEqual(got, want, "%s %s" % (method, path))

    def test_writes_need_a_key(self):
        for method, path in self.routes:
            op = self.doc["paths"][path][method.lower()]
            if path.endswith("/webhooks"):	# the marketplace signs them: no key
                self.assertEqual(op.get("security"), [{}], "%s %s" % (method, path))
            elif method in ("PUT", "POST") and not path.endswith("/check"):
                self.assertEqual(op.get("security"), [{"bearerAuth": []}], "%s %s" % (method, path))

    def test_served_is_the_source(self):
        """The binary serves src/svc/openapi.json byte for byte: the document the
        suites validate against (tests/support/openapi_check.py) is the one
        clients get."""
        with open(os.path.join(SRC, "src", "svc", "openapi.json"), "rb") as f:
            self.assertEqual(self.served, f.read())

    def test_licence_server_and_version(self):
        self.assertEqual(self.doc["info"]["license"], {"name": "Apache-2.0", "identifier": "Apache-2.0"})
        self.assertEqual([s["url"] for s in self.doc["servers"]], ["/"])
        out = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True).stdout
        self.assertEqual("codebook " + self.doc["info"]["version"], out.strip())

    def test_code_set_schema_is_the_format(self):
        """CodeSet is schemas/codeset.schema.json (docs/codeset-format.md)."""
        with open(os.path.join(SRC, "schemas", "codeset.schema.json")) as f:
            fmt = json.load(f)
        schemas = self.doc["components"]["schemas"]
        self.assertEqual(schemas["CodeSetEntry"], fmt["$defs"]["entry"])
        cs = json.loads(json.dumps(schemas["CodeSet"]).replace("#/components/schemas/CodeSetEntry", "#/$defs/entry"))
        for k in ("required", "additionalProperties", "properties"):
            self.assertEqual(cs[k], fmt[k], k)

    def test_every_operation_answers_the_http_layer(self):
        """The statuses the server can answer before any route, and 405 for a
        method the path does not take, are documented on every operation;
        401 on every one that can need a key."""
        before_routing = {"400", "405", "408", "411", "413", "414", "429", "431", "500", "503", "505"}
        for method, path in self.routes:
            op = self.doc["paths"][path][method.lower()]
            have = set(op["responses"])
            self.assertEqual(before_routing - have, set(), "%s %s" % (method, path))
            if op.get("security") != [{}]:    # not open even to --require-key-for-reads
                self.assertIn("401", have, "%s %s" % (method, path))


if __name__ == "__main__":
    unittest.main(verbosity=2)
