#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The validator of the end-to-end suites (tests/support/openapi_check.py)
catches what the issue found in the old document, and names route, status
and fault: responses the server once sent that the document did not describe
must fail, and their correct forms must pass.  Without this, a validator
that accepted everything would go unnoticed."""
import json
import os
import sys
import unittest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
import openapi_check  # noqa: E402

RID = {"x-request-id": "5c901dc423094067"}
PROBLEM = dict(RID, **{"content-type": "application/problem+json"})
JSON = dict(RID, **{"content-type": "application/json"})


def problem(name, title, status, **ext):
    d = {"type": "/problems/" + name, "title": title, "status": status, "detail": "d",
         "instance": "/x", "request_id": RID["x-request-id"]}
    d.update(ext)
    return d


VERDICT = {"set": "outbound", "version": 1, "code": "FRAUD.CHARGEBACK", "context": {}, "valid": True,
           "reason": "valid", "message": "FRAUD.CHARGEBACK is valid in outbound v1", "alternatives": []}
STORED_EVENT = {"event_id": "e1", "service": "SCM", "entity": "order", "entity_id": "1", "from_state": None,
                "to_state": "held", "reason_code": "FRAUD.CHARGEBACK", "reason": None, "actor": "u",
                "occurred_at": "2026-02-06T09:30:00Z", "category": "FRAUD", "set_version": 1,
                "received_at": "2026-02-06T09:30:01Z"}
ORDER_FAULT = {"pointer": "/total", "problem": "invalid-order", "message": "the total is not items plus shipping",
               "offset": 120, "line": 1, "column": 121}


class Catches(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = openapi_check.Document()

    def ok(self, method, target, status, headers, body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.doc.check(method, target, status, headers, raw)

    def bad(self, method, target, status, headers, body, *words):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self.assertRaises(openapi_check.Mismatch) as cm:
            self.doc.check(method, target, status, headers, raw)
        msg = str(cm.exception)
        for w in words:
            self.assertIn(w, msg)
        return msg

    def test_a_check_verdict_is_one_shape(self):
        self.ok("POST", "/v1/code-sets/outbound/check", 200, JSON, VERDICT)
        batch = {"set": "outbound", "version": 1, "results": [VERDICT], "count": 1, "accepted": 1, "rejected": 0}
        self.ok("POST", "/v1/code-sets/outbound/check", 200, JSON, batch)
        self.bad("POST", "/v1/code-sets/outbound/check", 200, JSON, dict(VERDICT, results=[]),
                 "POST /v1/code-sets/{set}/check", "200")

    def test_list_items_are_the_stored_records(self):
        page = {"items": [STORED_EVENT], "count": 1, "next_cursor": None}
        self.ok("GET", "/v1/events?limit=1", 200, JSON, page)
        # the input schema forbids what the output carries, and the reverse
        short = {k: v for k, v in STORED_EVENT.items() if k != "received_at"}
        self.bad("GET", "/v1/events", 200, JSON, dict(page, items=[short]), "GET /v1/events", "received_at")

    def test_invalid_order_errors_are_order_faults(self):
        body = problem("invalid-order", "Invalid order or refund", 422, pointer="/total", error_count=1,
                       errors=[ORDER_FAULT])
        self.ok("POST", "/v1/orders", 422, PROBLEM, body)
        item_error = {"index": 0, "pointer": "/total", "reason": "invalid-value", "message": "m", "offset": 0}
        self.bad("POST", "/v1/orders", 422, PROBLEM, dict(body, errors=[item_error]), "POST /v1/orders", "422")

    def test_a_problem_has_its_types_status(self):
        self.bad("POST", "/v1/orders", 409, PROBLEM, problem("invalid-order", "Invalid order or refund", 409,
                                                             pointer="/", error_count=1, errors=[ORDER_FAULT]),
                 "409")

    def test_undocumented_status_and_media_type(self):
        self.bad("GET", "/healthz", 418, RID, b"", "GET /healthz", "418", "does not document")
        self.bad("GET", "/v1/code-sets", 200, dict(RID, **{"content-type": "text/html"}), b"<html/>",
                 "text/html")

    def test_401_and_405_are_documented_with_their_headers(self):
        body = problem("unauthorized", "Unauthorized", 401)
        self.ok("GET", "/v1/code-sets", 401, dict(PROBLEM, **{"www-authenticate": 'Bearer realm="codebook"'}), body)
        self.bad("GET", "/v1/code-sets", 401, PROBLEM, body, "WWW-Authenticate")
        body = problem("method-not-allowed", "Method not allowed", 405)
        self.ok("DELETE", "/v1/events", 405, dict(PROBLEM, allow="GET, POST"), body)
        self.bad("DELETE", "/v1/events", 405, PROBLEM, body, "Allow")

    def test_304_has_no_body_and_keeps_its_headers(self):
        hdrs = dict(RID, etag='"sha256:00"', **{"cache-control": "no-cache"})
        self.ok("GET", "/v1/code-sets/outbound", 304, hdrs, b"")
        self.bad("GET", "/v1/code-sets/outbound", 304, hdrs, b"{}", "304", "body")

    def test_unrouted_answers(self):
        self.ok("GET", "/nope", 404, dict(PROBLEM, connection="close"), problem("not-found", "Not found", 404))
        self.bad("GET", "/nope", 200, JSON, {}, "no documented path")

    def test_every_response_reaches_the_validator(self):
        """The harness calls the validator on every request it makes."""
        import inspect
        sys.path.insert(0, os.path.join(SRC, "tests", "svc", "e2e"))
        import harness
        self.assertIn("openapi_check.check(", inspect.getsource(harness.Server.request))


if __name__ == "__main__":
    unittest.main(verbosity=2)
