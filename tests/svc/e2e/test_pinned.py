#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Pinned versions, query parameters, and the dry run (issue 10), through
the real `codebook serve`:

- every route answers 400 for a query parameter it does not know (the
  routes are read from the binary's own table, so a new route is covered);
- checks, explanations and enumerations answer from the version ?version=N
  names, or the one in force at ?as_of=TIME, and say which (body and
  Codebook-Set-Version header); so do the 201s of incidents and events;
- the compatibility route and PUT ?dry_run=true answer the gate's verdict
  and the impact on the stored events, and store nothing."""
import copy
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY, Server, event, incident  # noqa: E402

NEW = "FRAUD.E2E_PINNED"


def sample_path(pattern):
    return (pattern.replace("{set}", "outbound").replace("{code}", "FRAUD.CHARGEBACK")
            .replace("{version}", "1").replace("{id}", "o-1").replace("{type}", "not-found"))


def new_entry(doc, code, since):
    e = copy.deepcopy([x for x in doc["entries"] if x["code"] == "FRAUD.CHARGEBACK"][0])
    for k in ("id", "deprecated_since", "replaced_by", "editorial"):
        e.pop(k, None)         # a new code gets an id of its own
    e.update(code=code, since=since, status="active", category=code.split(".")[0])
    return e


class Pinned(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.key = cls.s.add_key("e2e")
        s = cls.s
        cls.v1 = s.get("/v1/code-sets/outbound").json
        doc = copy.deepcopy(cls.v1)
        doc["version"] = 2
        doc["entries"].append(new_entry(doc, NEW, 2))
        r = s.put("/v1/code-sets/outbound", doc, key=cls.key)
        assert r.status == 201, r
        cls.versions = s.get("/v1/code-sets/outbound/versions").json["versions"]

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_every_route_refuses_an_unknown_parameter(self):
        out = subprocess.run([BINARY, "serve", "--routes"], capture_output=True, text=True, check=True)
        routes = [line.split(" ")[:2] for line in out.stdout.splitlines() if line]
        self.assertGreaterEqual(len(routes), 28)
        before = self.s.counts()
        for method, pattern in routes:
            path = sample_path(pattern) + "?bogus=1"
            r = self.s.request(method, path, body={} if method in ("POST", "PUT") else None, key=self.key)
            self.assertEqual((r.status, r.type, r.json.get("parameter")), (400, "invalid-request", "bogus"),
                             "%s %s: %r" % (method, path, r))
        # the issue's own case: a check with a version and an unknown parameter
        r = self.s.post("/v1/code-sets/outbound/check?version=7&bogus=1", {"code": "FRAUD.CHARGEBACK"})
        self.assertEqual((r.status, r.json["parameter"]), (400, "bogus"), r)
        self.assertIn("version", r.json["detail"])
        # a value out of range, a repeated parameter, both version and as_of
        self.assertEqual(self.s.get("/v1/code-sets/outbound?version=0").status, 400)
        self.assertEqual(self.s.get("/v1/code-sets/outbound?version=1&version=2").status, 400)
        r = self.s.get("/v1/code-sets/outbound?version=1&as_of=2026-01-01T00:00:00Z")
        self.assertEqual((r.status, r.json["parameter"]), (400, "as_of"), r)
        self.assertEqual(self.s.get("/v1/code-sets/outbound?as_of=yesterday").status, 400)
        self.assertEqual(self.s.put("/v1/code-sets/outbound?dry_run=maybe", self.v1, key=self.key).status, 400)
        self.assertEqual(self.s.counts(), before)

    def test_checks_name_the_version_they_answer_from(self):
        s = self.s
        r = s.post("/v1/code-sets/outbound/check", {"code": NEW})
        self.assertEqual((r.json["valid"], r.json["version"], r.headers["codebook-set-version"]), (True, 2, "2"))
        r = s.post("/v1/code-sets/outbound/check?version=1", {"code": NEW})
        self.assertEqual((r.status, r.json["valid"], r.json["reason"], r.json["version"]),
                         (200, False, "unknown-code", 1), r)
        self.assertEqual(r.headers["codebook-set-version"], "1")
        r = s.post("/v1/code-sets/outbound/check?version=1", {"items": [{"code": NEW}, {"code": "FRAUD.CHARGEBACK"}]})
        self.assertEqual((r.json["version"], r.json["accepted"]), (1, 1), r)
        # as_of: the version in force then
        t1, t2 = self.versions[0]["published_at"], self.versions[1]["published_at"]
        r = s.post("/v1/code-sets/outbound/check?as_of=" + t1, {"code": NEW})
        self.assertEqual((r.json["version"], r.json["valid"]), (1, False), r)
        r = s.post("/v1/code-sets/outbound/check?as_of=" + t2, {"code": NEW})
        self.assertEqual((r.json["version"], r.json["valid"]), (2, True), r)
        r = s.post("/v1/code-sets/outbound/check?as_of=2000-01-01T00:00:00Z", {"code": NEW})
        self.assertEqual((r.status, r.type), (404, "not-found"), r)
        self.assertIn("was published at " + t1, r.json["detail"])
        r = s.post("/v1/code-sets/outbound/check?version=9", {"code": NEW})
        self.assertEqual((r.status, r.type, r.json["current_version"]), (404, "not-found", 2), r)
        self.assertIn("never published (the latest is 2)", r.json["detail"])

    def test_enumerations_and_explanations_are_pinned(self):
        s = self.s
        r = s.get("/v1/code-sets/outbound?version=1")
        self.assertEqual((r.status, r.json["version"], r.headers["codebook-set-version"]), (200, 1, "1"))
        self.assertEqual(r.raw, s.get("/v1/code-sets/outbound/versions/1").raw)
        self.assertIn("immutable", r.headers["cache-control"])
        r = s.get("/v1/code-sets/outbound/codes?version=1&category=FRAUD")
        self.assertNotIn(NEW, [c["code"] for c in r.json["codes"]])
        self.assertEqual(r.json["version"], 1)
        r = s.get("/v1/code-sets/outbound/codes?version=2&category=FRAUD")
        self.assertIn(NEW, [c["code"] for c in r.json["codes"]])
        self.assertEqual(s.get("/v1/code-sets/outbound/codes/%s?version=1" % NEW).status, 404)
        r = s.get("/v1/code-sets/outbound/codes/%s?version=2" % NEW)
        self.assertEqual((r.status, r.headers["codebook-set-version"]), (200, "2"))
        r = s.get("/schemas/outbound.schema.json?version=1")
        self.assertNotIn(NEW, r.raw.decode())
        self.assertEqual(r.headers["codebook-set-version"], "1")
        self.assertIn(NEW, s.get("/schemas/outbound.schema.json").raw.decode())
        r = s.get("/v1/errors/ttls-error/-9990001?version=1&attempt=2")
        self.assertEqual((r.status, r.json["check"]["version"], r.headers["codebook-set-version"]), (200, 1, "1"), r)
        self.assertEqual(s.get("/v1/errors/ttls-error/-9990001?version=2").status, 404)

    def cli(self, *args):
        return subprocess.run([BINARY] + list(args), capture_output=True, text=True)

    def test_the_command_line_reads_a_version_from_the_database(self):
        db = self.s.db
        r = self.cli("check", "outbound", NEW, "--set-version", "1", "--db", db)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("is not a code of outbound v1", r.stdout)
        r = self.cli("check", "outbound", NEW, "--set-version", "2", "--db", db)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "valid: %s is valid in outbound v2" % NEW), r)
        t1 = self.versions[0]["published_at"]
        r = self.cli("--json", "check", "outbound", NEW, "--as-of", t1, "--db", db)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn('"version": 1', r.stdout)
        r = self.cli("show", "outbound", "--category", "FRAUD", "--set-version", "2", "--db", db)
        self.assertIn(NEW, r.stdout)
        r = self.cli("explain", "ttls-error", "-9990001", "--set-version", "1", "--db", db)
        self.assertEqual(r.returncode, 0, r)
        r = subprocess.run([BINARY, "validate", "outbound", "--set-version", "1", "--db", db],
                           input='{"reason_code":"%s"}\n' % NEW, capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("outbound v1: 1 lines, 0 valid, 1 invalid", r.stdout)
        # faults: a version never published, nothing in force, no database, the catalogs' version only
        r = self.cli("check", "outbound", NEW, "--set-version", "9", "--db", db)
        self.assertEqual(r.returncode, 2)
        self.assertIn("version 9 of outbound was never published", r.stderr)
        r = self.cli("check", "outbound", NEW, "--as-of", "2000-01-01T00:00:00Z", "--db", db)
        self.assertIn("no version of outbound was in force at 2000-01-01T00:00:00Z", r.stderr)
        r = self.cli("check", "outbound", NEW, "--set-version", "2")
        self.assertEqual(r.returncode, 2)
        self.assertIn("the catalogs hold version 1", r.stderr)
        r = self.cli("check", "outbound", "FRAUD.CHARGEBACK", "--set-version", "1")
        self.assertEqual(r.returncode, 0, r)
        if not db.startswith("postgres"):
            r = self.cli("check", "outbound", NEW, "--set-version", "1", "--db", db + ".typo")
            self.assertIn("no such database", r.stderr)
            self.assertFalse(os.path.exists(db + ".typo"))

    def test_records_name_the_version_that_checked_them(self):
        v = self.s.get("/v1/code-sets/outbound").json["version"]
        r = self.s.post("/v1/events", event("pinned-1"), key=self.key)
        self.assertEqual((r.status, r.json["set"], r.json["set_version"]), (201, "outbound", v), r)
        self.assertEqual(r.headers["codebook-set-version"], str(v))
        r = self.s.post("/v1/incidents", incident("pinned-1"), key=self.key)
        self.assertEqual((r.status, r.json["set"], r.json["set_version"]), (201, "qe-reason", 1), r)
        self.assertEqual(r.headers["codebook-set-version"], "1")

    def test_dry_run_stores_nothing(self):
        s = self.s
        for i in range(3):
            self.assertEqual(s.post("/v1/events", event("dry-%d" % i), key=self.key).status, 201)
        self.assertEqual(s.post("/v1/events", event("dry-new", reason_code=NEW), key=self.key).status, 201)
        latest = s.get("/v1/code-sets/outbound").json
        # a breaking version: FRAUD.CHARGEBACK deleted
        doc = copy.deepcopy(latest)
        doc["version"] = latest["version"] + 1
        doc["entries"] = [e for e in doc["entries"] if e["code"] != "FRAUD.CHARGEBACK"]
        before = s.counts()
        r = s.post("/v1/code-sets/outbound/compatibility", doc, key=self.key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["verdict"], r.json["publishable"], r.json["stored"]), ("refused", False, False))
        self.assertIn("CODE_NO_DELETE", [f["rule"] for f in r.json["findings"] if f["severity"] == "breaking"])
        ev = r.json["impact"]["events"]
        charged = s.db_query("SELECT COUNT(*) FROM events WHERE reason_code = 'FRAUD.CHARGEBACK'")[0][0]
        self.assertEqual((ev["checked"], ev["records"], ev["groups"]), (True, charged, 1), ev)
        self.assertEqual(len(ev["examples"]), min(charged, 10))
        ex = ev["examples"][0]
        self.assertEqual((ex["reason_code"], ex["now"], ex["proposed"]),
                         ("FRAUD.CHARGEBACK", {"valid": True, "reason": "valid"},
                          {"valid": False, "reason": "unknown-code"}))
        self.assertEqual((r.json["impact"]["incidents"]["checked"], r.json["impact"]["refunds"]["checked"]),
                         (False, False))
        # PUT ?dry_run=true answers the same and publishes nothing (it used to publish)
        r2 = s.put("/v1/code-sets/outbound?dry_run=true", doc, key=self.key)
        self.assertEqual((r2.status, r2.json["verdict"], r2.json["impact"]["events"]["records"]),
                         (200, "refused", charged), r2)
        ok = copy.deepcopy(latest)
        ok["version"] = latest["version"] + 1
        ok["entries"].append(new_entry(ok, "FRAUD.E2E_DRY", ok["version"]))
        r3 = s.put("/v1/code-sets/outbound?dry_run=true", ok, key=self.key)
        self.assertEqual((r3.status, r3.json["verdict"], r3.json["publishable"]), (200, "publishable", True), r3)
        self.assertEqual(r3.json["impact"]["events"]["records"], 0)
        stale = copy.deepcopy(latest)
        r4 = s.post("/v1/code-sets/outbound/compatibility", dict(stale, version=latest["version"] + 5),
                    key=self.key)
        self.assertEqual((r4.json["verdict"], r4.json["expected_version"]),
                         ("version-conflict", latest["version"] + 1), r4)
        self.assertEqual(s.counts(), before)
        self.assertEqual(s.get("/v1/code-sets/outbound").json["version"], latest["version"])
        # without a key: 401, as for PUT
        self.assertEqual(s.post("/v1/code-sets/outbound/compatibility", doc).status, 401)
        # a dry run with ?dry_run=false publishes, as PUT does
        r5 = s.put("/v1/code-sets/outbound?dry_run=false", ok, key=self.key)
        self.assertEqual(r5.status, 201, r5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
