#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""--require-key-for-reads: every route but the probes and the documents
needs a key; without it, reads (the check queries included) are open and
writes are not."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, event  # noqa: E402


class Auth(unittest.TestCase):
    def test_reads_open_by_default(self):
        with Server() as s:
            self.assertEqual(s.get("/v1/code-sets").status, 200)
            self.assertEqual(s.post("/v1/code-sets/outbound/check", {"code": "FRAUD.CHARGEBACK"}).status, 200)
            r = s.post("/v1/events", event(1))
            self.assertEqual(r.status, 401)
            self.assertIn("Bearer", r.headers["www-authenticate"])

    def test_require_key_for_reads(self):
        with Server(extra=["--require-key-for-reads"]) as s:
            key = s.add_key("reader")
            for path in ("/v1/code-sets", "/v1/code-sets/qe-reason", "/v1/incidents",
                         "/schemas/reason-code.schema.json", "/v1/reports/events"):
                r = s.get(path)
                self.assertEqual(r.status, 401, path)
                self.assertEqual(r.type, "unauthorized", path)
                self.assertEqual(s.get(path, key=key).status, 200, path)
            r = s.post("/v1/code-sets/outbound/check", {"code": "FRAUD.CHARGEBACK"})
            self.assertEqual(r.status, 401)
            for path in ("/healthz", "/metrics", "/openapi.json", "/problems/unauthorized"):
                self.assertEqual(s.get(path).status, 200, path)
            wrong = s.get("/v1/code-sets", key="cbk_" + "1" * 52)
            self.assertEqual(wrong.status, 401)
            self.assertIn("invalid_token", wrong.headers["www-authenticate"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
