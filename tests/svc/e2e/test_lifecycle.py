#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The server's life: data persists across a restart; a SIGHUP with a
breaking catalog file is refused while the old set is still served; a
SIGTERM under load loses no acknowledged write."""
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, event, incident  # noqa: E402


def edit_catalog(server, name, fn):
    path = os.path.join(server.catalogs, name + ".json")
    with open(path) as f:
        doc = json.load(f)
    fn(doc)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


class Lifecycle(unittest.TestCase):
    def test_persistence_across_restart(self):
        s = Server()
        try:
            s.start()
            key = s.add_key("e2e")
            base = s.get("/v1/code-sets/outbound").json
            new = json.loads(json.dumps(base))
            new["version"] = 2
            new["entries"].append({"code": "FRAUD.E2E_RESTART", "category": "FRAUD",
                                   "description": "e2e", "status": "active", "since": 2})
            self.assertEqual(s.put("/v1/code-sets/outbound", new, key=key).status, 201)
            self.assertEqual(s.post("/v1/incidents", incident(1), key=key).status, 201)
            self.assertEqual(s.post("/v1/events", [event(1), event(2, reason_code="FRAUD.E2E_RESTART")],
                                    key=key).status, 201)
            etag = s.get("/v1/code-sets/outbound").headers["etag"]
            self.assertEqual(s.stop(), 0)

            s.start()
            got = s.get("/v1/code-sets/outbound")
            self.assertEqual(got.json["version"], 2)           # not the older catalog file
            self.assertEqual(got.headers["etag"], etag)
            self.assertTrue(s.post("/v1/code-sets/outbound/check",
                                   {"code": "FRAUD.E2E_RESTART"}).json["valid"])
            vs = [v["version"] for v in s.get("/v1/code-sets/outbound/versions").json["versions"]]
            self.assertEqual(vs, [1, 2])
            self.assertEqual([x["incident_id"] for x in s.get("/v1/incidents").json["items"]], ["inc-1"])
            self.assertEqual(sorted(x["event_id"] for x in s.get("/v1/events").json["items"]),
                             ["evt-1", "evt-2"])
            # the key survived too, and replays are still recognised
            self.assertEqual(s.post("/v1/events", event(1), key=key).status, 200)
            s.wait_log(lambda l: "older published version" in l.get("msg", ""))
        finally:
            s.cleanup()

    def test_sighup_with_breaking_catalog(self):
        s = Server()
        try:
            s.start()
            before = s.get("/v1/code-sets/outbound")

            def breaking(doc):
                doc["version"] = 2
                doc["entries"] = [e for e in doc["entries"] if e["code"] != "FRAUD.VELOCITY"]
            edit_catalog(s, "outbound", breaking)
            s.signal(signal.SIGHUP)
            line = s.wait_log(lambda l: "refused by the governance gate" in l.get("msg", ""))
            self.assertEqual(line["set"], "outbound")
            self.assertEqual(line["serving_version"], 1)
            self.assertIn("CODE_NO_DELETE", [v["rule"] for v in line["violations"]])
            after = s.get("/v1/code-sets/outbound")
            self.assertEqual(after.headers["etag"], before.headers["etag"])
            self.assertTrue(s.post("/v1/code-sets/outbound/check", {"code": "FRAUD.VELOCITY"}).json["valid"])
            self.assertEqual(s.db_query("SELECT MAX(version) FROM code_set_versions WHERE name='outbound'"),
                             [(1,)])

            # a file that is not even a code set is refused the same way
            with open(os.path.join(s.catalogs, "qe-reason.json"), "w") as f:
                f.write("{ not json")
            s.signal(signal.SIGHUP)
            s.wait_log(lambda l: "not a valid code set" in l.get("msg", "") and "qe-reason" in l.get("file", ""))
            self.assertEqual(s.get("/v1/code-sets/qe-reason").status, 200)

            # a compatible successor goes through
            def additive(doc):
                doc["version"] = 2
                doc["entries"] = before.json["entries"] + [
                    {"code": "FRAUD.E2E_HUP", "category": "FRAUD", "description": "e2e",
                     "status": "active", "since": 2}]
            edit_catalog(s, "outbound", additive)
            s.signal(signal.SIGHUP)
            s.wait_log(lambda l: l.get("msg") == "catalog file published as a new version")
            self.assertEqual(s.get("/v1/code-sets/outbound").json["version"], 2)

            # and at start-up the gate is the same
            self.assertEqual(s.stop(), 0)
            edit_catalog(s, "outbound", lambda d: (breaking(d), d.update(version=3)))
            s.start()
            s.wait_log(lambda l: "refused by the governance gate" in l.get("msg", "")
                       and l.get("serving_version") == 2)
            self.assertEqual(s.get("/v1/code-sets/outbound").json["version"], 2)
        finally:
            s.cleanup()

    def test_deprecated_codes_warn_then_reject(self):
        """A deprecated code is accepted with a warning; once the set rejects
        deprecated codes, an event using it is invalid-input (reason deprecated)."""
        with Server() as s:
            key = s.add_key("e2e")
            doc = s.get("/v1/code-sets/outbound").json
            doc["version"] = 2
            for e in doc["entries"]:
                if e["code"] == "FRAUD.MISMATCH":
                    e.update(status="deprecated", deprecated_since=2, replaced_by="FRAUD.RISK_SIGNAL")
            self.assertEqual(s.put("/v1/code-sets/outbound", doc, key=key).status, 201)
            r = s.post("/v1/events", event("dep-1", reason_code="FRAUD.MISMATCH"), key=key)
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["warnings"][0]["reason"], "deprecated")
            self.assertIn("FRAUD.RISK_SIGNAL", r.json["warnings"][0]["suggestions"])
            doc["version"] = 3
            doc["deprecated"] = "reject"
            r = s.put("/v1/code-sets/outbound", doc, key=key)
            self.assertEqual(r.status, 201, r)
            self.assertIn("DEPRECATED_POLICY", [w["rule"] for w in r.json["warnings"]])
            before = s.counts()
            r = s.post("/v1/events", event("dep-2", reason_code="FRAUD.MISMATCH"), key=key)
            self.assertEqual(r.status, 422, r)
            self.assertEqual(r.json["errors"][0]["reason"], "deprecated")
            self.assertEqual(s.counts(), before)

    def test_retired_code_of_a_mirrored_set(self):
        """A mirrored set may retire a key its upstream dropped: checks then say
        retired (rejected); the code stays in the set and its history."""
        with Server() as s:
            key = s.add_key("e2e")
            doc = s.get("/v1/code-sets/tiktok-reverse-reason@GB").json
            code = doc["entries"][0]["code"]
            doc["version"] += 1
            doc["entries"][0]["status"] = "retired"
            r = s.put("/v1/code-sets/tiktok-reverse-reason@GB", doc, key=key)
            self.assertEqual(r.status, 201, r)
            c = s.post("/v1/code-sets/tiktok-reverse-reason@GB/check", {"code": code})
            self.assertEqual((c.json["valid"], c.json["reason"]), (False, "retired"))
            self.assertEqual(s.get("/v1/code-sets/tiktok-reverse-reason@GB/codes/" + code).status, 200)

    def test_sigterm_under_load_loses_no_acknowledged_write(self):
        s = Server()
        try:
            s.start()
            key = s.add_key("load")
            acked, lock, stop = [], threading.Lock(), threading.Event()
            deadline = time.time() + 20          # bounded in time ...

            def worker(w):
                n = 0
                while not stop.is_set() and time.time() < deadline and n < 5000:   # ... and in count
                    batch = [event("w%d-%d-%d" % (w, n, j)) for j in range(10)]
                    n += 1
                    try:
                        r = s.post("/v1/events", batch, key=key, timeout=15)
                    except OSError:
                        return                   # the server went away: this batch was not acknowledged
                    if r.status in (200, 201):
                        with lock:
                            acked.extend(e["event_id"] for e in batch)
                    elif r.status == 503:
                        return
                    else:
                        raise AssertionError(repr(r))

            threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            code = s.stop(signal.SIGTERM)
            stop.set()
            for t in threads:
                t.join(30)
            self.assertEqual(code, 0, s.log_text()[-2000:])
            self.assertGreater(len(acked), 0)
            stored = {row[0] for row in s.db_query("SELECT event_id FROM events")}
            missing = [e for e in acked if e not in stored]
            self.assertEqual(missing, [], "acknowledged but not stored")
            # every stored batch is whole: all-or-nothing
            per_batch = {}
            for e in stored:
                per_batch.setdefault(e.rsplit("-", 1)[0], 0)
                per_batch[e.rsplit("-", 1)[0]] += 1
            self.assertEqual(set(per_batch.values()), {10})
            s.wait_log(lambda l: l.get("msg") == "stopped")
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
