#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Issue 13, items 4 and 5, through the real binary (both backends).

Mappings: GET /v1/mappings lists the bundled two, GET /v1/mappings/{name}
gives the links with their basis, translate answers a code (a match, an
unmatched code, a code the mapping says nothing about, a missing ?code=,
an unknown mapping), and publishing a version of tiktok-shop-error with a
new code that the complete mapping does not link is refused with the rule
MAPPING_KEEPS_COMPLETE naming the mapping.

Usage evidence: checks, stored events and rejected checks are counted per
code and version, GET /v1/code-sets/{set}/usage shows them with the codes
never used, a deprecated code shows the services that still send it, two
instances on one database add their counts (neither overwrites), and the
counts of a stopped instance are stored at shutdown (codebook usage --db).
"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BINARY, CATALOGS, Server  # noqa: E402

M1 = "tiktok-shop-error-to-qe-reason"
M2 = "tiktok-reverse-reason-gb-to-outbound"


def event(eid, service, code):
    return {"event_id": eid, "service": service, "entity": "order", "entity_id": eid, "from_state": "open",
            "to_state": "held", "reason_code": code, "actor": "t", "occurred_at": "2026-02-06T09:30:00Z"}


class Mappings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        cls.s.start()
        cls.key = cls.s.add_key("t")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def test_list_and_get(self):
        r = self.s.get("/v1/mappings")
        self.assertEqual(r.status, 200)
        names = [m["name"] for m in r.json["mappings"]]
        self.assertEqual(names, [M2, M1])
        for m in r.json["mappings"]:
            self.assertTrue(m["complete"])
            self.assertGreater(m["judgement_count"], 0)
            self.assertLess(m["judgement_count"], m["link_count"])
        r = self.s.get("/v1/mappings/" + M2)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["source_set"], "tiktok-reverse-reason@GB")
        self.assertEqual(len(r.json["links"]), r.json["link_count"])
        self.assertEqual(self.s.get("/v1/mappings/nope").status, 404)

    def test_translate(self):
        r = self.s.get("/v1/mappings/%s/translate?code=36009002" % M1)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json["result"])
        self.assertTrue(r.json["in_source_set"])
        to = {m["to"]: m for m in r.json["matches"]}
        self.assertEqual(to["FULFILLMENT_FAILURE_DUE_TO_RATE_LIMIT"]["basis"], "seed 000, MARKETPLACE.md")
        self.assertEqual(to["APP_ORDER_RETRIEVE_API_FAILED"]["basis"], "judgement")
        r = self.s.get("/v1/mappings/%s/translate?code=seller_cancel_reason_out_of_stock_uk" % M2)
        self.assertEqual([(m["to"], m["equivalence"]) for m in r.json["matches"]],
                         [("FULFILLMENT.OUT_OF_STOCK", "narrower")])
        r = self.s.get("/v1/mappings/%s/translate?code=seller_cancel_reason_wrong_price_uk" % M2)
        self.assertFalse(r.json["result"])
        self.assertTrue(r.json["mapped"])
        self.assertEqual(r.json["matches"][0]["to"], None)
        self.assertEqual(r.json["matches"][0]["equivalence"], "unmatched")
        r = self.s.get("/v1/mappings/%s/translate?code=NOT_A_CODE" % M1)
        self.assertEqual((r.status, r.json["mapped"], r.json["in_source_set"]), (200, False, False))
        r = self.s.get("/v1/mappings/%s/translate" % M1)
        self.assertEqual((r.status, r.json["parameter"]), (400, "code"))
        self.assertEqual(self.s.get("/v1/mappings/%s/translate?code=1&x=2" % M1).status, 400)
        self.assertEqual(self.s.get("/v1/mappings/nope/translate?code=1").status, 404)

    def test_publish_that_breaks_a_complete_mapping_is_refused(self):
        with open(os.path.join(CATALOGS, "tiktok-shop-error.json")) as f:
            doc = json.load(f)
        doc["version"] = 2
        new = dict(doc["entries"][0], code="36009099", id=max(e["id"] for e in doc["entries"]) + 1, since=2,
                   description="A new error nobody mapped.")
        doc["entries"].append(new)
        r = self.s.put("/v1/code-sets/tiktok-shop-error", doc, key=self.key)
        self.assertEqual(r.status, 409, r.raw)
        v = [x for x in r.json["violations"] if x["rule"] == "MAPPING_KEEPS_COMPLETE"]
        self.assertEqual(len(v), 1, r.json)
        self.assertEqual(v[0]["subject"], "36009099")
        self.assertIn("complete mapping " + M1, v[0]["message"])
        self.assertEqual(self.s.get("/v1/code-sets/tiktok-shop-error").json["version"], 1)


def usage(s, name="outbound"):
    r = s.get("/v1/code-sets/%s/usage" % name)
    assert r.status == 200, r.raw
    return r.json, {c["code"]: c for c in r.json["codes"]}


class Usage(unittest.TestCase):
    def test_counts_unused_and_deprecated_senders(self):
        with Server() as s:
            key = s.add_key("t")
            before, codes = usage(s)
            self.assertEqual(before["unused"], before["code_count"])
            self.assertIsNone(codes["FULFILLMENT.SHORT_PICK"]["last_seen"])
            self.assertEqual(s.post("/v1/code-sets/outbound/check", {"code": "FULFILLMENT.SHORT_PICK"}).status, 200)
            r = s.post("/v1/code-sets/outbound/check", {"items": [{"code": "FULFILLMENT.SHORT_PICK"},
                                                                   {"code": "NOPE.NOPE"}]})
            self.assertEqual(r.status, 200)
            r = s.post("/v1/events", [event("e1", "SCM", "FULFILLMENT.NO_STOCK"),
                                      event("e2", "CRM", "FULFILLMENT.NO_STOCK")], key=key)
            self.assertEqual(r.status, 201, r.raw)
            # a replay stores nothing new
            s.post("/v1/events", [event("e1", "SCM", "FULFILLMENT.NO_STOCK")], key=key)
            # a rejected check: qe-reason's rule context does not suit the code
            r = s.post("/v1/code-sets/qe-reason/check", {"code": "INVALID_TRACKING_NUMBER", "context": {"rule": "R1"}})
            self.assertFalse(r.json["valid"], r.raw)
            after, codes = usage(s)
            sp = codes["FULFILLMENT.SHORT_PICK"]
            self.assertEqual((sp["checked"], sp["stored"], sp["rejected"]), (2, 0, 0))
            self.assertEqual(sp["versions"][0]["version"], 1)
            self.assertIsNotNone(sp["last_seen"])
            ns = codes["FULFILLMENT.NO_STOCK"]
            self.assertEqual((ns["checked"], ns["stored"], ns["rejected"]), (3, 2, 0))
            self.assertEqual(after["unused"], after["code_count"] - 2)
            _, q = usage(s, "qe-reason")
            self.assertEqual(q["INVALID_TRACKING_NUMBER"]["rejected"], 1)
            # deprecate NO_STOCK in version 2: its senders are listed per service
            with open(os.path.join(CATALOGS, "outbound.json")) as f:
                doc = json.load(f)
            doc["version"] = 2
            for e in doc["entries"]:
                if e["code"] == "FULFILLMENT.NO_STOCK":
                    e.update(status="deprecated", deprecated_since=2, replaced_by="FULFILLMENT.OUT_OF_STOCK")
            self.assertEqual(s.put("/v1/code-sets/outbound", doc, key=key).status, 201)
            s.post("/v1/events", [event("e3", "SCM", "FULFILLMENT.NO_STOCK")], key=key)
            after, codes = usage(s)
            self.assertEqual(after["version"], 2)
            self.assertEqual(after["deprecated"], [{"code": "FULFILLMENT.NO_STOCK", "count": 3, "senders": [
                {"service": "CRM", "count": 1}, {"service": "SCM", "count": 2}]}])
            self.assertEqual([(v["version"], v["stored"]) for v in codes["FULFILLMENT.NO_STOCK"]["versions"]],
                             [(1, 2), (2, 1)])

    def test_instances_add_and_shutdown_flushes(self):
        a = Server()
        b = Server(db=a.db)
        try:
            a.start()
            b.start()
            for s in (a, b, a):
                self.assertEqual(s.post("/v1/code-sets/outbound/check", {"code": "FULFILLMENT.PARTIAL"}).status, 200)
            _, codes = usage(b)  # b's own count is added before it answers, a's not yet
            self.assertGreaterEqual(codes["FULFILLMENT.PARTIAL"]["checked"], 1)
            a.stop()  # a stores its counts at shutdown
            _, codes = usage(b)
            self.assertEqual(codes["FULFILLMENT.PARTIAL"]["checked"], 3)
            b.stop()
            out = subprocess.run([BINARY, "--json", "usage", "outbound", "--db", a.db], capture_output=True,
                                 text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            doc = json.loads(out.stdout)
            self.assertEqual({c["code"]: c["checked"] for c in doc["codes"]}["FULFILLMENT.PARTIAL"], 3)
            out = subprocess.run([BINARY, "usage", "outbound", "--db", a.db, "--unused"], capture_output=True,
                                 text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertNotIn("FULFILLMENT.PARTIAL", out.stdout)
            self.assertIn("FULFILLMENT.SHORT_PICK", out.stdout)
            self.assertIn("42 never used", out.stdout)
        finally:
            for s in (a, b):
                if s.proc is not None:
                    s.stop()
                s.cleanup()


if __name__ == "__main__":
    unittest.main()
