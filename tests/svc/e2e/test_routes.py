#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every route of `codebook serve`, happy paths, against the real binary."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, event, incident  # noqa: E402


class Routes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.key = cls.s.add_key("e2e")

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_healthz(self):
        r = self.s.get("/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertGreaterEqual(r.json["code_sets"], 4)

    def test_request_id_echoed_and_generated(self):
        r = self.s.get("/healthz", headers={"X-Request-Id": "abc-123"})
        self.assertEqual(r.headers["x-request-id"], "abc-123")
        r = self.s.get("/nope", headers={"X-Request-Id": "trace.42"})
        self.assertEqual(r.json["request_id"], "trace.42")
        r = self.s.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
        self.assertRegex(r.headers["x-request-id"], "^[0-9a-f]{16}$")
        line = self.s.wait_log(lambda l: l.get("request_id") == "trace.42")
        self.assertEqual(line["status"], 404)
        self.assertEqual(line["problem"], "not-found")

    def test_metrics(self):
        self.s.post("/v1/code-sets/outbound/check", {"code": "FRAUD.CHARGEBACK"})
        r = self.s.get("/metrics")
        self.assertEqual(r.status, 200)
        text = r.raw.decode()
        self.assertIn('codebook_http_requests_total{route="POST /v1/code-sets/{set}/check",status="200"}', text)
        self.assertIn('codebook_checks_total{set="outbound",result="valid"}', text)
        self.assertIn("codebook_http_request_duration_seconds_bucket{", text)
        self.assertIn('le="+Inf"', text)

    def test_openapi_and_problem_docs(self):
        r = self.s.get("/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json["openapi"].startswith("3.1"))
        r = self.s.get("/problems/invalid-input")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], 422)
        self.assertEqual(self.s.get("/problems/nope").status, 404)

    def test_list_sets(self):
        r = self.s.get("/v1/code-sets")
        names = [x["name"] for x in r.json["sets"]]
        for n in ("outbound", "qe-reason", "ttls-error", "tiktok-reverse-reason@GB"):
            self.assertIn(n, names)

    def test_whole_set_etag_sync(self):
        r = self.s.get("/v1/code-sets/qe-reason")
        self.assertEqual(r.status, 200)
        etag = r.headers["etag"]
        self.assertRegex(etag, '^"sha256:[0-9a-f]{64}"$')
        self.assertEqual(r.json["name"], "qe-reason")
        self.assertIn("APP_MISSED_WEBHOOK", [e["code"] for e in r.json["entries"]])
        r2 = self.s.get("/v1/code-sets/qe-reason", headers={"If-None-Match": etag})
        self.assertEqual(r2.status, 304)
        self.assertEqual(r2.raw, b"")
        self.assertEqual(r2.headers["etag"], etag)
        # RFC 9110 8.6: a 304's Content-Length, when sent, is the 200's (not 0)
        self.assertEqual(r2.headers.get("content-length"), r.headers["content-length"])
        self.assertNotIn("transfer-encoding", r2.headers)
        self.assertNotIn("content-type", r2.headers)
        self.assertEqual(self.s.get("/v1/code-sets/qe-reason",
                                    headers={"If-None-Match": 'W/' + etag}).status, 304)
        self.assertEqual(self.s.get("/v1/code-sets/qe-reason",
                                    headers={"If-None-Match": '"x", ' + etag}).status, 304)
        self.assertEqual(self.s.get("/v1/code-sets/qe-reason",
                                    headers={"If-None-Match": '"other"'}).status, 200)
        self.assertEqual(self.s.request("HEAD", "/v1/code-sets/qe-reason").status, 200)

    def test_codes_filters(self):
        r = self.s.get("/v1/code-sets/qe-reason/codes?context.rule=A3")
        self.assertEqual(r.status, 200)
        self.assertGreater(r.json["count"], 0)
        for e in r.json["codes"]:
            self.assertIn("A3", e["applies"]["rule"])
        r = self.s.get("/v1/code-sets/qe-reason/codes?category=Orphan%20Order&status=active")
        self.assertTrue(all(e["category"] == "Orphan Order" for e in r.json["codes"]))
        self.assertIn("APP_MISSED_WEBHOOK", [e["code"] for e in r.json["codes"]])

    def test_one_code(self):
        r = self.s.get("/v1/code-sets/outbound/codes/FRAUD.CHARGEBACK")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["entries"][0]["category"], "FRAUD")
        r = self.s.get("/v1/code-sets/ttls-error/codes/-9990202")
        self.assertGreater(len(r.json["entries"]), 1)   # one code, several explanations
        r = self.s.get("/v1/code-sets/outbound/codes/FRAUD.CHARGEBAK")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.type, "unknown-code")
        self.assertIn("FRAUD.CHARGEBACK", r.json["suggestions"])

    def test_check_single_and_batch(self):
        r = self.s.post("/v1/code-sets/qe-reason/check",
                        {"code": "APP_MISSED_WEBHOOK", "context": {"rule": "A3"}})
        self.assertEqual(r.status, 200)
        self.assertFalse(r.json["valid"])
        self.assertEqual(r.json["reason"], "not-applicable")
        self.assertIn("INVALID_TRACKING_NUMBER", r.json["alternatives"])
        r = self.s.post("/v1/code-sets/outbound/check", {"items": [
            {"code": "FRAUD.CHARGEBACK"}, {"code": "fraud chargeback"}, {"code": "FRAUD.NOPE"},
            {"code": "NOPE.X"}]})
        self.assertEqual(r.status, 200)
        self.assertEqual([x["reason"] for x in r.json["results"]],
                         ["valid", "invalid-format", "unknown-code", "unknown-category"])
        self.assertEqual((r.json["accepted"], r.json["rejected"]), (1, 3))
        r = self.s.post("/v1/code-sets/qe-reason/check", {"context": {"rule": "R1"}, "items": [
            {"code": "APP_MISSED_WEBHOOK"}, {"code": "APP_MISSED_WEBHOOK", "context": {"rule": "Z9"}}]})
        self.assertEqual([x["reason"] for x in r.json["results"]], ["valid", "unknown-context"])

    def test_schemas(self):
        r = self.s.get("/schemas/reason-code.schema.json")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("application/schema+json"))
        doc = json.loads(r.raw)
        self.assertIn("FRAUD.CHARGEBACK", json.dumps(doc))
        etag = r.headers["etag"]
        self.assertEqual(self.s.get("/schemas/reason-code.schema.json",
                                    headers={"If-None-Match": etag}).status, 304)
        self.assertEqual(self.s.get("/schemas/qe-reason.schema.json").status, 200)

    def test_error_explanation(self):
        r = self.s.get("/v1/errors/ttls-error/-9990001?endpoint=%2Fv2%2Flocalservice%2Fsaas%2Ffulfill"
                       "%2Fredeem_code%2F&attempt=1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["decision"]["action"], "ambiguous")
        self.assertLessEqual(r.json["decision"]["max_attempts"], 2)
        r = self.s.get("/v1/errors/ttls-error/-12345")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.type, "unknown-code")
        self.assertFalse(r.json["decision"]["retry"])

    def test_versions(self):
        r = self.s.get("/v1/code-sets/qe-reason/versions")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["versions"][0]["version"], 1)
        self.assertEqual(r.json["versions"][0]["source"], "catalog")
        r1 = self.s.get("/v1/code-sets/qe-reason/versions/1")
        self.assertEqual(r1.status, 200)
        self.assertIn("immutable", r1.headers["cache-control"])
        cur = self.s.get("/v1/code-sets/qe-reason")
        if cur.json["version"] == 1:
            self.assertEqual(r1.headers["etag"], cur.headers["etag"])
            self.assertEqual(r1.raw, cur.raw)

    def test_publish_new_version(self):
        # qe-reason, not a set that a complete mapping has as its source: there an
        # unlinked new code is refused (MAPPING_KEEPS_COMPLETE, test_mappings_usage.py)
        base = self.s.get("/v1/code-sets/qe-reason").json
        new = json.loads(json.dumps(base))
        new["version"] = base["version"] + 1
        # a new code: the copy of the first entry without its id gets the next one
        added = {k: v for k, v in new["entries"][0].items() if k != "id"}
        new["entries"].append(dict(added, code="SELLER_E2E_TEST", since=new["version"]))
        r = self.s.put("/v1/code-sets/qe-reason", new, key=self.key)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json["published"])
        self.assertEqual(r.headers["location"],
                         "/v1/code-sets/qe-reason/versions/%d" % new["version"])
        got = self.s.get("/v1/code-sets/qe-reason")
        self.assertEqual(got.json["version"], new["version"])
        self.assertEqual(got.headers["etag"], r.headers["etag"])
        c = self.s.post("/v1/code-sets/qe-reason/check",
                        {"code": "SELLER_E2E_TEST"})
        self.assertTrue(c.json["valid"], c)
        vs = self.s.get("/v1/code-sets/qe-reason/versions").json["versions"]
        self.assertEqual([v["version"] for v in vs], [base["version"], new["version"]])
        self.assertEqual(vs[-1]["source"], "api")
        self.assertEqual(vs[-1]["published_by"], "e2e")
        # the same document again is idempotent
        r = self.s.put("/v1/code-sets/qe-reason", new, key=self.key)
        self.assertEqual(r.status, 200)
        self.assertFalse(r.json["published"])

    def test_publish_brand_new_set(self):
        doc = {"name": "e2e-new", "title": "E2E", "version": 1,
               "format": {"charset": "A-Z_", "shape": "plain"},
               "entries": [{"code": "ONE", "description": "one"}]}
        r = self.s.put("/v1/code-sets/e2e-new", doc, key=self.key)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.s.get("/v1/code-sets/e2e-new/codes/ONE").status, 200)

    def test_incidents(self):
        k = self.key
        r = self.s.post("/v1/incidents", incident("r1", shop_id="shop-1", reason="tracking typo",
                                                  occurred_at="2026-02-06T10:30:00+01:00"), key=k)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["items"][0]["status"], "created")
        self.assertEqual(r.json["items"][0]["category"], "Pre-RTS")
        # replay: idempotent
        r = self.s.post("/v1/incidents", incident("r1", shop_id="shop-1", reason="tracking typo",
                                                  occurred_at="2026-02-06T09:30:00Z"), key=k)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["unchanged"], 1)
        batch = {"incidents": [incident("r2", rule="R1", reason_code="APP_MISSED_WEBHOOK"),
                               incident("r3", rule="R2", reason_code="APP_MISSED_WEBHOOK"),
                               incident("r4")]}
        r = self.s.post("/v1/incidents", batch, key=k)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["created"], 3)
        r = self.s.get("/v1/incidents?reason_code=APP_MISSED_WEBHOOK")
        self.assertEqual(sorted(x["incident_id"] for x in r.json["items"]), ["inc-r2", "inc-r3"])
        one = self.s.get("/v1/incidents?order_id=ord-r1").json["items"][0]
        self.assertEqual(one["occurred_at"], "2026-02-06T09:30:00Z")   # normalised to UTC
        self.assertEqual(one["shop_id"], "shop-1")
        # paging: one row at a time until the cursor runs out
        seen, cursor = [], None
        for _ in range(20):
            q = "/v1/incidents?limit=1" + ("&cursor=" + cursor if cursor else "")
            page = self.s.get(q).json
            seen += [x["incident_id"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue({"inc-r1", "inc-r2", "inc-r3", "inc-r4"} <= set(seen))
        rep = self.s.get("/v1/reports/incidents?group_by=reason_code").json
        g = {x["key"]: x for x in rep["groups"]}
        self.assertEqual(g["APP_MISSED_WEBHOOK"]["count"], 2)
        self.assertIn("remediation", g["APP_MISSED_WEBHOOK"])
        self.assertEqual(g["APP_MISSED_WEBHOOK"]["description"], "App missed TikTok shop order webhooks")
        rep = self.s.get("/v1/reports/incidents?group_by=rule").json
        self.assertIn("R1", [x["key"] for x in rep["groups"]])
        rep = self.s.get("/v1/reports/incidents?group_by=category").json
        cats = {x["key"]: x for x in rep["groups"]}
        self.assertGreaterEqual(cats["Orphan Order"]["count"], 2)
        self.assertTrue(cats["Orphan Order"]["description"])
        self.assertIn("remediation", cats["Orphan Order"]["codes"][0])

    def test_events(self):
        k = self.key
        r = self.s.post("/v1/events", event("e1"), key=k)
        self.assertEqual(r.status, 201, r)
        r = self.s.post("/v1/events", [event("e2", service="CRM", reason_code="FULFILLMENT.SHORT_PICK",
                                                 from_state=None),
                                           event("e3", reason_code="INVENTORY.ADJUST")], key=k)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.s.post("/v1/events", event("e1"), key=k).status, 200)
        r = self.s.get("/v1/events?service=CRM")
        self.assertEqual([x["event_id"] for x in r.json["items"]], ["evt-e2"])
        self.assertIsNone(r.json["items"][0]["from_state"])
        r = self.s.get("/v1/events?category=FRAUD&since=2026-02-06T00:00:00Z&until=2026-02-07T00:00:00Z")
        self.assertIn("evt-e1", [x["event_id"] for x in r.json["items"]])
        # time filters compare instants, not text: .5 s is after 0 s, whatever the offset
        self.assertEqual(self.s.post("/v1/events", [
            event("t0", service="TIME", occurred_at="2026-03-01T10:00:00Z"),
            event("t5", service="TIME", occurred_at="2026-03-01T11:00:00.5+01:00"),
            event("t25", service="TIME", occurred_at="2026-03-01T10:00:00.25Z")], key=k).status, 201)
        r = self.s.get("/v1/events?service=TIME&since=2026-03-01T10:00:00.3Z")
        self.assertEqual([x["event_id"] for x in r.json["items"]], ["evt-t5"])
        r = self.s.get("/v1/events?service=TIME&until=2026-03-01T11:00:00.26%2B01:00")
        self.assertEqual(sorted(x["event_id"] for x in r.json["items"]), ["evt-t0", "evt-t25"])
        rep = self.s.get("/v1/reports/events?group_by=service").json
        self.assertEqual({x["key"] for x in rep["groups"]} >= {"SCM", "CRM"}, True)
        rep = self.s.get("/v1/reports/events?group_by=category").json
        self.assertIn("FRAUD", [x["key"] for x in rep["groups"]])
        rep = self.s.get("/v1/reports/events").json
        self.assertEqual(rep["group_by"], "reason_code")


if __name__ == "__main__":
    unittest.main(verbosity=2)
