#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No limit that stores and then fails (issue 9, item 2).

- PUT of 260 new sets: the sets that would pass the limit (256, with room
  kept for the bundled sets) are refused with 422 limit-exceeded naming the
  limit, and nothing of them is stored; after a restart every bundled set
  is still served and events and incidents are still taken.
- A new set's first version above the ceiling is refused (a set at
  2147483647 could never have a next version).
- /readyz: 200 when ready; 503 with the reason when a bundled set is not
  served (its file is broken and it was never stored); /healthz stays 200.
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CATALOGS, Server, event, incident  # noqa: E402

MAX_SETS = 256


def tiny_set(name, version=1):
    return {"name": name, "title": "A test set", "version": version,
            "format": {"charset": "A-Z_", "shape": "plain", "case": "upper"},
            "categories": [{"name": "GENERAL", "description": "everything"}],
            "entries": [{"code": "ONE", "category": "GENERAL", "description": "The only code.",
                         "status": "active", "since": 1}]}


class Limits(unittest.TestCase):
    def test_set_count_is_checked_before_writing(self):
        bundled = sorted(f[:-5] for f in os.listdir(CATALOGS) if f.endswith(".json"))
        s = Server().start()
        try:
            key = s.add_key("limits")
            r = s.put("/v1/code-sets/extra-000", tiny_set("extra-000"), key=key)
            self.assertEqual(r.status, 201, r)
            created, refused = 1, []
            for i in range(1, 260):
                name = "extra-%03d" % i
                r = s.put("/v1/code-sets/" + name, tiny_set(name), key=key)
                if r.status == 201:
                    created += 1
                    continue
                self.assertEqual((r.status, r.type), (422, "limit-exceeded"), r)
                self.assertEqual((r.json["limit"], r.json["max"]), ("code_sets", MAX_SETS))
                self.assertIn("nothing was stored", r.json["detail"])
                refused.append(name)
            self.assertEqual(created, MAX_SETS - len(bundled))
            self.assertEqual(len(refused), 260 - created)
            names = {n for (n,) in s.db_query("SELECT DISTINCT name FROM code_set_versions")}
            self.assertEqual(len(names), MAX_SETS)
            self.assertEqual(names & set(refused), set(), "nothing of a refused set is stored")
            # a new version of a stored set is still taken
            r = s.put("/v1/code-sets/extra-000", dict(tiny_set("extra-000", 2), title="Renamed"), key=key)
            self.assertEqual(r.status, 201, r)
            self.assertEqual(s.get("/readyz").status, 200)
            # after a restart: every bundled set served, writes taken
            s.stop()
            s.start()
            listed = {x["name"] for x in s.get("/v1/code-sets").json["sets"]}
            self.assertEqual(len(listed), MAX_SETS)
            self.assertTrue(set(bundled) <= listed, "the bundled sets are always served")
            self.assertEqual(s.post("/v1/events", event("after-restart"), key=key).status, 201)
            self.assertEqual(s.post("/v1/incidents", incident("after-restart"), key=key).status, 201)
            r = s.get("/readyz")
            self.assertEqual((r.status, r.json["status"], r.json["code_sets"]), (200, "ready", MAX_SETS), r)
        finally:
            s.cleanup()

    def test_first_version_ceiling(self):
        with Server() as s:
            key = s.add_key("limits")
            r = s.put("/v1/code-sets/frozen", tiny_set("frozen", 2147483647), key=key)
            self.assertEqual((r.status, r.type), (422, "limit-exceeded"), r)
            self.assertEqual((r.json["limit"], r.json["max"]), ("set_version", 1000000000))
            self.assertEqual(s.db_query("SELECT COUNT(*) FROM code_set_versions WHERE name = 'frozen'"), [(0,)])
            r = s.put("/v1/code-sets/frozen", tiny_set("frozen", 1000000000), key=key)
            self.assertEqual(r.status, 201, r)
            r = s.put("/v1/code-sets/frozen", dict(tiny_set("frozen", 1000000001), title="Next"), key=key)
            self.assertEqual(r.status, 201, "a set always has room for a next version: %r" % r)

    def test_readyz_names_a_missing_bundled_set(self):
        d = tempfile.mkdtemp(prefix="cb-ready-")
        try:
            cats = os.path.join(d, "catalogs")
            shutil.copytree(CATALOGS, cats)
            with open(os.path.join(cats, "qe-reason.json"), "w") as f:
                f.write("{ not json")
            with Server(workdir=d) as s:
                self.assertEqual(s.get("/healthz").status, 200, "liveness is not readiness")
                r = s.get("/readyz")
                self.assertEqual((r.status, r.json["status"]), (503, "degraded"), r)
                self.assertEqual([x["check"] for x in r.json["reasons"]], ["code-sets"])
                self.assertIn("qe-reason", r.json["reasons"][0]["detail"])
                self.assertEqual(r.headers.get("cache-control"), "no-store")
                # fixed and reloaded: ready
                shutil.copy(os.path.join(CATALOGS, "qe-reason.json"), cats)
                s.signal(1)  # SIGHUP
                s.wait_log(lambda l: l.get("msg") == "catalog file published" and l.get("set") == "qe-reason")
                r = s.get("/readyz")
                self.assertEqual((r.status, r.json["reasons"]), (200, []), r)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
