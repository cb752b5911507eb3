#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The table of bad inputs: each case asserts the HTTP status, the problem
type, and that the database holds nothing new.  Malformed input of any
kind gets a 4xx, never a 5xx."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, event, incident  # noqa: E402

GOOD, BAD, NONE = "good", "bad", None


def deep(n):
    return "[" * n + "]" * n


def oversize_events():
    # valid JSON just over the 1 MiB body limit
    pad = "x" * 4000
    items = [event("big-%d" % i, reason=pad) for i in range(280)]
    return json.dumps(items)


CASES = [
    # (name, method, path, body, key, status, problem type, check(json) or None)
    # --- syntax
    ("malformed json: incidents", "POST", "/v1/incidents", '{"incident_id": "a",', GOOD, 400,
     "malformed-json", lambda j: j["offset"] >= 0 and j["line"] == 1),
    ("malformed json: events", "POST", "/v1/events", "[{]", GOOD, 400, "malformed-json", None),
    ("malformed json: check", "POST", "/v1/code-sets/outbound/check", "{'code': 1}", NONE, 400,
     "malformed-json", None),
    ("malformed json: publish", "PUT", "/v1/code-sets/outbound", "{\"name\":", GOOD, 400,
     "malformed-json", None),
    ("empty body", "POST", "/v1/events", "", GOOD, 400, "malformed-json", None),
    ("trailing garbage", "POST", "/v1/events", json.dumps(event(1)) + " x", GOOD, 400,
     "malformed-json", None),
    ("invalid utf-8", "POST", "/v1/events", b'{"event_id": "\xff\xfe"}', GOOD, 400, "malformed-json", None),
    ("nesting too deep", "POST", "/v1/code-sets/outbound/check", deep(200), NONE, 400,
     "malformed-json", None),
    # --- shape
    ("top level is a string", "POST", "/v1/incidents", '"hello"', GOOD, 400, "invalid-request", None),
    ("batch member not an array", "POST", "/v1/incidents", {"incidents": "x"}, GOOD, 400,
     "invalid-request", lambda j: j["pointer"] == "/incidents"),
    ("unknown member beside batch", "POST", "/v1/events", {"events": [event(1)], "x": 1}, GOOD, 400,
     "invalid-request", None),
    ("empty batch", "POST", "/v1/events", [], GOOD, 400, "invalid-request", None),
    ("check: code is a number", "POST", "/v1/code-sets/outbound/check", {"code": 5}, NONE, 400,
     "invalid-request", lambda j: j["pointer"] == "/code"),
    ("check: no code", "POST", "/v1/code-sets/outbound/check", {"context": {}}, NONE, 400,
     "invalid-request", None),
    ("check: unknown member", "POST", "/v1/code-sets/outbound/check", {"code": "A.B", "kode": 1}, NONE,
     400, "invalid-request", lambda j: j["pointer"] == "/kode"),
    ("check: context value not a string", "POST", "/v1/code-sets/qe-reason/check",
     {"code": "OTHER", "context": {"rule": 1}}, NONE, 400, "invalid-request",
     lambda j: j["pointer"] == "/context/rule"),
    ("check: items item not an object", "POST", "/v1/code-sets/outbound/check", {"items": [1]}, NONE, 400,
     "invalid-request", lambda j: j["pointer"] == "/items/0"),
    ("check: both code and items", "POST", "/v1/code-sets/outbound/check",
     {"code": "A.B", "items": [{"code": "A.B"}]}, NONE, 400, "invalid-request", None),
    # --- items: wrong types, missing, unknown, malformed values
    ("incident_id is a number", "POST", "/v1/incidents", incident("x", incident_id=7), GOOD, 422,
     "invalid-input", lambda j: j["errors"][0]["reason"] == "wrong-type"
     and j["errors"][0]["pointer"] == "/incident_id"),
    ("missing order_id", "POST", "/v1/incidents",
     {k: v for k, v in incident("x").items() if k != "order_id"}, GOOD, 422, "invalid-input",
     lambda j: j["errors"][0]["reason"] == "missing"),
    ("unknown field", "POST", "/v1/events", event("x", reason_cod="FRAUD.CHARGEBACK"), GOOD, 422,
     "invalid-input", lambda j: j["errors"][0]["reason"] == "unknown-field"),
    ("bad timestamp", "POST", "/v1/events", event("x", occurred_at="yesterday"), GOOD, 422,
     "invalid-input", lambda j: j["errors"][0]["reason"] == "invalid-timestamp"),
    ("timestamp without zone", "POST", "/v1/events", event("x", occurred_at="2026-02-06T09:30:00"),
     GOOD, 422, "invalid-input", None),
    ("february 30", "POST", "/v1/events", event("x", occurred_at="2026-02-30T09:30:00Z"), GOOD, 422,
     "invalid-input", None),
    ("empty id", "POST", "/v1/events", event("x", event_id=""), GOOD, 422, "invalid-input",
     lambda j: j["errors"][0]["reason"] == "empty"),
    ("id too long", "POST", "/v1/events", event("x", event_id="e" * 300), GOOD, 422, "invalid-input",
     lambda j: j["errors"][0]["reason"] == "too-long"),
    ("NUL in a field", "POST", "/v1/events", event("x", actor="a\u0000b"), GOOD, 422, "invalid-input",
     lambda j: j["errors"][0]["reason"] == "invalid-value"),
    ("null where not allowed", "POST", "/v1/events", event("x", to_state=None), GOOD, 422,
     "invalid-input", None),
    ("item not an object", "POST", "/v1/events", [event("x"), 5], GOOD, 422, "invalid-input",
     lambda j: j["errors"][0]["index"] == 1),
    # --- every rejection reason of the check
    ("incident: invalid-format", "POST", "/v1/incidents", incident("x", reason_code="app_missed_webhook",
                                                                   rule="R1"), GOOD, 422,
     "invalid-input", lambda j: j["errors"][0]["reason"] == "invalid-format"),
    ("incident: unknown-code", "POST", "/v1/incidents", incident("x", reason_code="APP_MISSED_HOOK"),
     GOOD, 422, "invalid-input", lambda j: j["errors"][0]["reason"] == "unknown-code"),
    ("incident: not-applicable", "POST", "/v1/incidents", incident("x", reason_code="APP_MISSED_WEBHOOK",
                                                                   rule="A3"), GOOD, 422,
     "invalid-input", lambda j: j["errors"][0]["reason"] == "not-applicable"
     and "INVALID_TRACKING_NUMBER" in j["errors"][0]["suggestions"]),
    ("incident: unknown-context", "POST", "/v1/incidents", incident("x", rule="Z9"), GOOD, 422,
     "invalid-input", lambda j: j["errors"][0]["reason"] == "unknown-context"
     and j["errors"][0]["field"] == "rule"),
    ("event: invalid-format", "POST", "/v1/events", event("x", reason_code="FRAUD CHARGEBACK"), GOOD,
     422, "invalid-input", lambda j: j["errors"][0]["reason"] == "invalid-format"),
    ("event: unknown-code", "POST", "/v1/events", event("x", reason_code="FRAUD.CHARGEBAK"), GOOD, 422,
     "invalid-input", lambda j: "FRAUD.CHARGEBACK" in j["errors"][0]["suggestions"]),
    ("event: unknown-category", "POST", "/v1/events", event("x", reason_code="MAGIC.CHARGEBACK"), GOOD,
     422, "invalid-input", lambda j: j["errors"][0]["reason"] == "unknown-category"),
    ("event: code without category", "POST", "/v1/events", event("x", reason_code="CHARGEBACK"), GOOD,
     422, "invalid-input", None),
    ("batch: one bad item stores nothing", "POST", "/v1/events",
     [event("ok-1"), event("ok-2"), event("bad", reason_code="NOPE.NOPE")], GOOD, 422, "invalid-input",
     lambda j: [e["index"] for e in j["errors"]] == [2] and j["invalid_items"] == 1),
    ("batch: every bad item listed", "POST", "/v1/incidents",
     [incident("b1", rule="X"), incident("ok"), incident("b2", reason_code="Y")], GOOD, 422,
     "invalid-input", lambda j: [e["index"] for e in j["errors"]] == [0, 2]),
    # --- sizes
    ("oversize body", "POST", "/v1/events", oversize_events(), GOOD, 413, "payload-too-large", None),
    ("oversize batch", "POST", "/v1/events", [event(i) for i in range(1001)], GOOD, 413,
     "batch-too-large", lambda j: j["limit"] == 1000),
    ("oversize check batch", "POST", "/v1/code-sets/outbound/check",
     {"items": [{"code": "A.B"}] * 1001}, GOOD, 413, "batch-too-large", lambda j: j["limit"] == 1000),
    ("oversize check batch without a key", "POST", "/v1/code-sets/outbound/check",
     {"items": [{"code": "A.B"}] * 101}, NONE, 413, "batch-too-large", lambda j: j["limit"] == 100),
    ("oversize check body without a key", "POST", "/v1/code-sets/outbound/check",
     {"items": [{"code": "A.B"}] * 1001}, NONE, 413, "payload-too-large", lambda j: j["limit"] == 16384),
    # --- keys
    ("missing key", "POST", "/v1/events", event("k"), NONE, 401, "unauthorized", None),
    ("wrong key", "POST", "/v1/events", event("k"), BAD, 401, "unauthorized", None),
    ("missing key: publish", "PUT", "/v1/code-sets/outbound", "{}", NONE, 401, "unauthorized", None),
    # --- unknown things
    ("unknown set: get", "GET", "/v1/code-sets/nope", None, NONE, 404, "unknown-set",
     lambda j: "outbound" in j["sets"]),
    ("unknown set: check", "POST", "/v1/code-sets/nope/check", {"code": "X"}, NONE, 404, "unknown-set", None),
    ("unknown set: codes", "GET", "/v1/code-sets/nope/codes", None, NONE, 404, "unknown-set", None),
    ("unknown set: schema", "GET", "/schemas/nope.schema.json", None, NONE, 404, "unknown-set", None),
    ("unknown set: errors", "GET", "/v1/errors/nope/1", None, NONE, 404, "unknown-set", None),
    ("unknown set: versions", "GET", "/v1/code-sets/nope/versions", None, NONE, 404, "unknown-set", None),
    ("unknown code", "GET", "/v1/code-sets/qe-reason/codes/APP_MISED_WEBHOOK", None, NONE, 404,
     "unknown-code", lambda j: "APP_MISSED_WEBHOOK" in j["suggestions"]),
    ("unknown version", "GET", "/v1/code-sets/outbound/versions/99", None, NONE, 404, "not-found", None),
    ("version not a number", "GET", "/v1/code-sets/outbound/versions/abc", None, NONE, 400,
     "invalid-request", None),
    ("unknown route", "GET", "/v2/anything", None, NONE, 404, "not-found", None),
    ("method not allowed", "DELETE", "/v1/events", None, GOOD, 405, "method-not-allowed", None),
    ("wrong media type", "POST", "/v1/code-sets/outbound/check", "code=X", NONE, 415,
     "unsupported-media-type", None),
    # --- query parameters
    ("limit 0", "GET", "/v1/events?limit=0", None, NONE, 400, "invalid-request",
     lambda j: j["parameter"] == "limit"),
    ("limit not a number", "GET", "/v1/incidents?limit=ten", None, NONE, 400, "invalid-request", None),
    ("limit too big", "GET", "/v1/incidents?limit=1001", None, NONE, 400, "invalid-request", None),
    ("negative cursor", "GET", "/v1/events?cursor=-1", None, NONE, 400, "invalid-request", None),
    ("unknown filter", "GET", "/v1/events?colour=red", None, NONE, 400, "invalid-request",
     lambda j: j["parameter"] == "colour"),
    ("bad since", "GET", "/v1/events?since=monday", None, NONE, 400, "invalid-request", None),
    ("bad group_by", "GET", "/v1/reports/incidents?group_by=shop_id", None, NONE, 400, "invalid-request",
     None),
    ("codes: unknown category", "GET", "/v1/code-sets/outbound/codes?category=NOPE", None, NONE, 400,
     "invalid-request", None),
    ("codes: unknown context value", "GET", "/v1/code-sets/qe-reason/codes?context.rule=Z9", None, NONE,
     400, "invalid-request", None),
    ("codes: unknown dimension", "GET", "/v1/code-sets/qe-reason/codes?context.shop=1", None, NONE, 400,
     "invalid-request", None),
    ("codes: unknown status", "GET", "/v1/code-sets/qe-reason/codes?status=gone", None, NONE, 400,
     "invalid-request", None),
    ("errors: attempt 0", "GET", "/v1/errors/ttls-error/-9990001?attempt=0", None, NONE, 400,
     "invalid-request", lambda j: j["parameter"] == "attempt"),
    ("errors: unknown dimension", "GET", "/v1/errors/ttls-error/-9990001?colour=red", None, NONE, 400,
     "invalid-request", None),
    # --- publishing
    ("publish: not a code set", "PUT", "/v1/code-sets/outbound", {"name": "outbound"}, GOOD, 422,
     "invalid-code-set", None),
    ("publish: bad set name", "PUT", "/v1/code-sets/Bad%20Name", "{}", GOOD, 400, "invalid-request", None),
]


class BadInputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.key = cls.s.add_key("e2e")
        # something stored already, for the replay cases
        assert cls.s.post("/v1/events", event("stored"), key=cls.key).status == 201
        assert cls.s.post("/v1/incidents", incident("stored"), key=cls.key).status == 201

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def run_case(self, name, method, path, body, key, status, ptype, check, headers=None):
        before = self.s.counts()
        k = {GOOD: self.key, BAD: "cbk_" + "0" * 52, NONE: None}[key]
        hdrs = dict(headers or {})
        if method in ("POST", "PUT") and name.startswith("wrong media type"):
            hdrs["Content-Type"] = "text/plain"
        r = self.s.request(method, path, body=body, key=k, headers=hdrs)
        self.assertEqual(r.status, status, "%s: %r" % (name, r))
        self.assertLess(r.status, 500, name)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"), name)
        self.assertEqual(r.type, ptype, "%s: %r" % (name, r))
        self.assertEqual(r.json["status"], status, name)
        self.assertTrue(r.json["detail"], name)
        self.assertEqual(r.json["request_id"], r.headers["x-request-id"], name)
        if check is not None:
            self.assertTrue(check(r.json), "%s: %s" % (name, json.dumps(r.json)[:2000]))
        self.assertEqual(self.s.counts(), before, "%s: the database changed" % name)
        return r

    def test_table(self):
        for case in CASES:
            with self.subTest(case[0]):
                self.run_case(*case)

    def test_conflicting_replays(self):
        r = self.run_case("event conflict", "POST", "/v1/events", event("stored", to_state="closed"), GOOD,
                          409, "idempotency-conflict", lambda j: j["conflicts"][0]["event_id"] == "evt-stored")
        r = self.run_case("incident conflict", "POST", "/v1/incidents",
                          incident("stored", reason_code="ORDER_NOT_ELIGIBLE_FOR_FULFILLMENT"), GOOD, 409,
                          "idempotency-conflict", None)
        # a conflict anywhere in a batch stores nothing, not even the new items
        r = self.run_case("batch conflict", "POST", "/v1/events",
                          [event("fresh-1"), event("stored", actor="someone else")], GOOD, 409,
                          "idempotency-conflict", lambda j: j["conflicts"][0]["index"] == 1)
        # and a same-id pair inside one batch that disagree
        self.run_case("conflict within batch", "POST", "/v1/events",
                      [event("twin"), event("twin", actor="other")], GOOD, 409, "idempotency-conflict", None)

    def test_idempotent_replay_changes_nothing(self):
        before = self.s.counts()
        r = self.s.post("/v1/events", event("stored"), key=self.key)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.s.counts(), before)

    def test_revoked_key(self):
        k = self.s.add_key("short-lived")
        self.assertEqual(self.s.post("/v1/events", event("rk-1"), key=k).status, 201)
        self.s.revoke_key("short-lived")
        self.run_case("revoked key", "POST", "/v1/events", event("rk-2"), NONE, 401, "unauthorized", None,
                      headers={"Authorization": "Bearer " + k})
        self.run_case("basic auth", "POST", "/v1/events", event("rk-3"), NONE, 401, "unauthorized", None,
                      headers={"Authorization": "Basic dXNlcjpwYXNz"})

    def test_governance(self):
        base = self.s.get("/v1/code-sets/outbound").json
        # delete a code and move another to another category: refused, by rule name
        new = json.loads(json.dumps(base))
        new["version"] += 1
        new["entries"] = [e for e in new["entries"] if e["code"] != "FRAUD.VELOCITY"]
        r = self.run_case("breaking publish", "PUT", "/v1/code-sets/outbound", new, GOOD, 409,
                          "governance-violation", None)
        rules = {v["rule"] for v in r.json["violations"]}
        self.assertIn("CODE_NO_DELETE", rules)
        self.assertEqual(r.json["current_version"], base["version"])
        # a change without a new version number: that version is taken, the next is named
        same = json.loads(json.dumps(base))
        same["entries"][0]["description"] = "changed"
        r = self.run_case("version not raised", "PUT", "/v1/code-sets/outbound", same, GOOD, 409,
                          "version-conflict", None)
        self.assertEqual((r.json["current_version"], r.json["expected_version"]),
                         (base["version"], base["version"] + 1))
        # a version is exactly the previous plus one: skipping is refused the same way
        skip = json.loads(json.dumps(same))
        skip["version"] = base["version"] + 2
        r = self.run_case("version skips", "PUT", "/v1/code-sets/outbound", skip, GOOD, 409,
                          "version-conflict", None)
        self.assertEqual(r.json["expected_version"], base["version"] + 1)
        self.assertIn("skips", r.json["detail"])
        # the name in the body must be the one in the URL
        self.run_case("name mismatch", "PUT", "/v1/code-sets/qe-reason", base, GOOD, 422,
                      "invalid-code-set", None)
        # still served, unchanged
        after = self.s.get("/v1/code-sets/outbound")
        self.assertEqual(after.json["version"], base["version"])
        self.assertTrue(self.s.post("/v1/code-sets/outbound/check", {"code": "FRAUD.VELOCITY"}).json["valid"])

    def test_allow_header(self):
        r = self.s.request("DELETE", "/v1/code-sets/outbound")
        self.assertEqual(r.status, 405)
        self.assertEqual(set(r.headers["allow"].split(", ")), {"GET", "HEAD", "PUT"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
