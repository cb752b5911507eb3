#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The life of a code through the real `codebook serve` (issue 13, items 1
and 2), on both backends:

- a check is made at a time (?at=, else ?as_of=, else now): a code before
  its valid_from is not-yet-valid, from its valid_to on expired, with the
  dates in the message; publishing a future-dated code announces it;
- incidents and events are judged at their own occurred_at;
- a check says its mode (?mode=send|accept, send by default): an
  accept-only code is wrong-mode for sending;
- the reverse-reason set refuses a reject reason checked for a cancel
  (context purpose=cancel);
- GET /v1/code-sets/{set}/changes?since=N lists the per-code changes of
  the versions after N, with an ETag and 304 (item 6);
- publishing enforces the deprecation window, measured from when the
  version that deprecated the code was published (the store's history),
  and a retired code never comes back (item 3)."""
import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, event  # noqa: E402

SOON = "FRAUD.E2E_SOON"        # announced: valid from 2099
SALE = "FRAUD.E2E_SALE"        # valid in February 2026 only
OLD = "FRAUD.E2E_OLD"          # accept-only


def entry(doc, code, **kw):
    e = copy.deepcopy([x for x in doc["entries"] if x["code"] == "FRAUD.CHARGEBACK"][0])
    for k in ("id", "deprecated_since", "replaced_by", "editorial"):
        e.pop(k, None)
    e.update(code=code, status="active", **dict({"since": 2}, **kw))
    return e


class Life(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.key = cls.s.add_key("e2e")
        doc = copy.deepcopy(cls.s.get("/v1/code-sets/outbound").json)
        doc["version"] = 2
        doc["entries"] += [entry(doc, SOON, valid_from="2099-01-01"),
                           entry(doc, SALE, valid_from="2026-02-01", valid_to="2026-03-01T00:00:00Z"),
                           entry(doc, OLD, usage="accept")]
        r = cls.s.put("/v1/code-sets/outbound", doc, key=cls.key)
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def check(self, code, query="", **body):
        r = self.s.post("/v1/code-sets/outbound/check" + query, dict(code=code, **body))
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_dates_at_now_and_at_a_time(self):
        got = self.check(SOON)
        self.assertEqual(got["reason"], "not-yet-valid")
        self.assertFalse(got["valid"])
        self.assertEqual(got["message"], "%s is not valid yet in outbound v2: valid from 2099-01-01" % SOON)
        self.assertEqual(got["entry"]["valid_from"], "2099-01-01")
        self.assertEqual(self.check(SOON, "?at=2099-01-01T00:00:00Z")["reason"], "valid")
        self.assertEqual(self.check(SALE, "?at=2026-02-06T09:30:00Z")["reason"], "valid")
        got = self.check(SALE, "?at=2026-03-01T00:00:00Z")
        self.assertEqual(got["reason"], "expired")
        self.assertIn("valid from 2026-02-01 to 2026-03-01T00:00:00Z", got["message"])
        self.assertEqual(self.check(SALE)["reason"], "expired", "now is after March 2026")

    def test_as_of_pins_the_version_and_the_time(self):
        got = self.check(SALE, "?as_of=2099-06-01T00:00:00Z")
        self.assertEqual((got["version"], got["reason"]), (2, "expired"))
        r = self.s.post("/v1/code-sets/outbound/check?at=yesterday", {"code": SALE})
        self.assertEqual(r.status, 400, r)
        self.assertIn("at=yesterday", r.raw.decode())

    def test_events_are_judged_at_their_occurred_at(self):
        r = self.s.post("/v1/events", event("life-1", reason_code=SALE, occurred_at="2026-02-06T09:30:00Z"),
                        key=self.key)
        self.assertEqual(r.status, 201, r)
        before = self.s.counts()["events"]
        r = self.s.post("/v1/events", event("life-2", reason_code=SALE, occurred_at="2026-06-06T09:30:00Z"),
                        key=self.key)
        self.assertNotEqual(r.status, 201, r)
        self.assertIn("expired", r.raw.decode())
        self.assertIn("valid from 2026-02-01", r.raw.decode())
        self.assertEqual(self.s.counts()["events"], before, "nothing stored")

    def test_modes(self):
        got = self.check(OLD)
        self.assertEqual(got["reason"], "wrong-mode")
        self.assertIn("may only be accepted on existing records (usage: accept)", got["message"])
        self.assertEqual(self.check(OLD, "?mode=accept")["reason"], "valid")
        self.assertEqual(self.check("FRAUD.CHARGEBACK", "?mode=accept")["reason"], "valid")
        r = self.s.post("/v1/code-sets/outbound/check?mode=sideways", {"code": OLD})
        self.assertEqual(r.status, 400, r)
        self.assertIn("expected send (a new record) or accept (an existing one)", r.raw.decode())

    def test_a_reject_reason_is_refused_for_a_cancel(self):
        path = "/v1/code-sets/tiktok-reverse-reason@GB/check"
        r = self.s.post(path, {"code": "reverse_reject_request_reason_1_uk",
                               "context": {"order_status": "0", "purpose": "cancel"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["reason"], "not-applicable")
        self.assertIn("it suits purpose reject_request", r.json["message"])
        r = self.s.post(path, {"code": "seller_cancel_unpaid_reason_out_of_stock_uk",
                               "context": {"order_status": "0", "purpose": "cancel"}})
        self.assertEqual(r.json["reason"], "valid", r)




class Feed(unittest.TestCase):
    """The change feed, on a server of its own: it publishes versions."""
    @classmethod
    def setUpClass(cls):
        Life.setUpClass.__func__(cls)

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_change_feed(self):
        path = "/v1/code-sets/outbound/changes"
        r = self.s.get(path + "?since=1")
        self.assertEqual(r.status, 200, r)
        feed = r.json
        self.assertEqual((feed["set"], feed["since"], feed["more"]), ("outbound", 1, False))
        added = {c["code"]: c for c in feed["changes"] if c["change"] == "added"}
        self.assertEqual(set(added), {SOON, SALE, OLD})
        self.assertEqual(added[SALE]["entry"]["valid_to"], "2026-03-01T00:00:00Z")
        self.assertEqual(added[SALE]["rule"], "CODE_ADDED")
        self.assertEqual(feed["count"], len(feed["changes"]))
        etag = r.headers["etag"]
        r = self.s.get(path + "?since=1", headers={"If-None-Match": etag})
        self.assertEqual(r.status, 304, r)
        # a new version: the ETag changes, and the feed from 2 lists its changes only
        doc = copy.deepcopy(self.s.get("/v1/code-sets/outbound").json)
        version = doc["version"]
        doc["version"] = version + 1
        for e in doc["entries"]:
            if e["code"] == OLD:
                e.update(status="deprecated", deprecated_since=version + 1, replaced_by="FRAUD.CHARGEBACK")
            if e["code"] == SALE:
                e["valid_to"] = "2026-04-01"
        r = self.s.put("/v1/code-sets/outbound", doc, key=self.key)
        self.assertEqual(r.status, 201, r)
        r = self.s.get(path + "?since=1", headers={"If-None-Match": etag})
        self.assertEqual(r.status, 200, r)
        r = self.s.get(path + "?since=%d" % version)
        got = sorted((c["code"], c["change"]) for c in r.json["changes"])
        self.assertEqual(got, [(OLD, "deprecated"), (SALE, "dates-changed")])
        self.assertEqual(r.json["version"], version + 1)
        r = self.s.get(path + "?since=%d" % (version + 1))
        self.assertEqual((r.status, r.json["changes"]), (200, []))
        for bad in ("", "?since=0", "?since=99"):
            r = self.s.get(path + bad)
            self.assertEqual(r.status, 400, (bad, r.status))
        self.assertIn("since=99 is after outbound's current version", r.raw.decode())


class Window(unittest.TestCase):
    """Deprecate before retire, tombstones for ever, through PUT."""
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.key = cls.s.add_key("e2e")

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def put(self, doc):
        return self.s.put("/v1/code-sets/outbound", doc, key=self.key)

    def test_window(self):
        doc = copy.deepcopy(self.s.get("/v1/code-sets/outbound").json)
        v = doc["version"]
        doc["version"] = v + 1
        doc["governance"]["deprecation_window_days"] = 30
        doc["entries"] += [entry(doc, SOON, since=v + 1), entry(doc, SALE, since=v + 1)]
        self.assertEqual(self.put(doc).status, 201)
        # deprecate both: SALE says when (long ago), SOON leaves it to the history
        doc["version"] = v + 2
        for e in doc["entries"]:
            if e["code"] in (SOON, SALE):
                e.update(status="deprecated", deprecated_since=v + 2)
            if e["code"] == SALE:
                e["deprecated_at"] = "2026-01-01"
        self.assertEqual(self.put(doc).status, 201)
        published = [x for x in self.s.get("/v1/code-sets/outbound/versions").json["versions"]
                     if x["version"] == v + 2][0]["published_at"]
        doc["version"] = v + 3
        for e in doc["entries"]:
            if e["code"] in (SOON, SALE):
                e["status"] = "retired"
        r = self.put(doc)
        self.assertEqual(r.status, 409, r)
        found = {(x["rule"], x["subject"]): x["message"] for x in r.json["violations"]}
        self.assertEqual(set(found), {("DEPRECATION_WINDOW", SOON)})
        self.assertIn("was deprecated at %s (v%d, published then)" % (published[:19] + "Z", v + 2),
                      found[("DEPRECATION_WINDOW", SOON)])
        self.assertIn("keeps a deprecated code for 30 days", found[("DEPRECATION_WINDOW", SOON)])
        # SALE alone: its window has passed
        for e in doc["entries"]:
            if e["code"] == SOON:
                e["status"] = "deprecated"
        self.assertEqual(self.put(doc).status, 201)
        # a retired code never comes back, and the window never shrinks
        doc["version"] = v + 4
        doc["governance"]["deprecation_window_days"] = 7
        for e in doc["entries"]:
            if e["code"] == SALE:
                e["status"] = "active"
        r = self.put(doc)
        self.assertEqual(r.status, 409, r)
        rules = {x["rule"] for x in r.json["violations"]}
        self.assertEqual(rules, {"RETIRED_FOREVER", "WINDOW_NO_SHORTEN"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
