#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Several `codebook serve` instances on one database (issue 9, "one truth").

- Started together on a fresh database, two or three instances each come up
  serving every bundled set, with one stored version each: passing the same
  catalog files is idempotent across instances.
- Started apart, they serve the same versions with the same ETags, and a
  version published on any instance is served by every other within 1 s.
- The governance gate judges against the database, not an instance's
  memory: A publishes outbound v2 adding a code; B's v3 without it is
  refused with CODE_NO_DELETE.
- Three instances racing to publish: the stored history is contiguous and
  every step passes the governance rules (`codebook diff`), and every
  instance ends on the same version.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BINARY, CATALOGS, Server, database_for  # noqa: E402


def start_together(servers):
    """Start every server at the same moment (one thread each)."""
    errors = []

    def go(s):
        try:
            s.start()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=go, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def served(s):
    """{set: (version, etag)} as GET /v1/code-sets lists them."""
    r = s.get("/v1/code-sets")
    assert r.status == 200, r
    return {x["name"]: (x["version"], x["etag"]) for x in r.json["sets"]}


def next_version(doc, add=(), drop=()):
    """The document of the next version: codes added (in SYSTEM) or dropped."""
    d = json.loads(json.dumps(doc))
    d["version"] += 1
    d["entries"] = [e for e in d["entries"] if e["code"] not in drop]
    for code in add:
        d["entries"].append({"code": code, "category": "SYSTEM", "description": "Added by a test.",
                             "status": "active", "since": d["version"]})
    return d


class Instances(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cb-inst-")
        self.db = database_for(os.path.join(self.dir, "shared"))   # a file, or a PostgreSQL database
        self.servers = []

    def tearDown(self):
        errors = []
        for s in self.servers:
            try:
                s.cleanup()
            except AssertionError as e:
                errors.append(str(e))
        shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise AssertionError("; ".join(errors))

    def spawn(self, n, db=None):
        out = [Server(db=db or self.db) for _ in range(n)]
        self.servers.extend(out)
        return out

    def wait_same(self, servers, want=None, timeout=10):
        """Wait until every server serves the same sets (and @want's entries);
        returns the seconds it took."""
        t0 = time.time()
        while True:
            views = [served(s) for s in servers]
            same = all(v == views[0] for v in views)
            if same and (want is None or all(views[0].get(k) == v for k, v in want.items())):
                return time.time() - t0
            if time.time() - t0 > timeout:
                raise AssertionError("instances differ after %s s: %s" % (timeout, views))
            time.sleep(0.02)

    def key(self):
        return self.servers[0].add_key("inst-%d" % len(self.servers))

    # ---- start-up ------------------------------------------------------------------
    def test_started_together(self):
        bundled = sorted(f[:-5] for f in os.listdir(CATALOGS) if f.endswith(".json"))
        for n in (2, 3, 3):
            db = database_for(os.path.join(self.dir, "together-%d-%d" % (n, len(self.servers))))
            group = self.spawn(n, db)
            start_together(group)
            views = [served(s) for s in group]
            for v in views:
                self.assertEqual(sorted(v), bundled, "every bundled set is served by every instance")
                self.assertEqual(v, views[0], "the same versions and ETags everywhere")
            rows = group[0].db_query("SELECT name, COUNT(*) FROM code_set_versions GROUP BY name")
            self.assertEqual(dict(rows), {b: 1 for b in bundled}, "one version per bundled set")
            for s in group:
                self.assertNotIn("already published with other content", s.log_text())
                self.assertNotIn('"level":"error"', s.log_text())
                r = s.get("/readyz")
                self.assertEqual((r.status, r.json["status"]), (200, "ready"), r)

    def test_started_apart_follow_each_other(self):
        a, b, c = self.spawn(3)
        a.start()
        key = self.key()
        doc = a.get("/v1/code-sets/outbound").json
        v2 = next_version(doc, add=["SYSTEM.APART_ONE"])
        r = a.put("/v1/code-sets/outbound", v2, key=key)
        self.assertEqual(r.status, 201, r)
        b.start()
        self.assertEqual(served(b), served(a), "a later instance serves what is stored")
        self.assertEqual(served(b)["outbound"], (2, r.headers["etag"]))
        c.start()
        # a version published on one instance is served by every other within 1 s
        for via, others in ((c, (a, b)), (a, (b, c)), (b, (a, c))):
            cur = via.get("/v1/code-sets/outbound").json
            nxt = next_version(cur, add=["SYSTEM.APART_V%d" % (cur["version"] + 1)])
            r = via.put("/v1/code-sets/outbound", nxt, key=key)
            self.assertEqual(r.status, 201, r)
            took = self.wait_same([via] + list(others), {"outbound": (nxt["version"], r.headers["etag"])},
                                  timeout=5)
            self.assertLess(took, 1.0, "seen by every instance within 1 s (took %.3f s)" % took)
            for s in others:
                g = s.get("/v1/code-sets/outbound")
                self.assertEqual((g.status, g.headers["etag"]), (200, r.headers["etag"]))
                self.assertEqual(g.raw, via.get("/v1/code-sets/outbound").raw, "the same bytes")
        # SIGHUP still reloads the catalogs (an older file: the latest stays served)
        b.signal(signal.SIGHUP)
        b.wait_log(lambda l: l.get("msg", "").startswith("SIGHUP"))
        b.wait_log(lambda l: "older published version" in l.get("msg", ""))
        self.assertEqual(served(b), served(a))
        for s in (a, b, c):
            self.assertEqual(s.get("/readyz").status, 200)

    # ---- the gate judges against the database -------------------------------------------
    def test_governance_across_instances(self):
        a, b = self.spawn(2)
        start_together([a, b])
        key = self.key()
        base = b.get("/v1/code-sets/outbound").json     # B's view: version 1
        # A publishes v2 with a new code; B, at once, publishes a v3 without it
        r = a.put("/v1/code-sets/outbound", next_version(base, add=["SYSTEM.FROM_A"]), key=key)
        self.assertEqual(r.status, 201, r)
        v3 = next_version(base, add=["SYSTEM.FROM_B"])
        v3["version"] = 3
        r = b.put("/v1/code-sets/outbound", v3, key=key)
        self.assertEqual((r.status, r.type), (409, "governance-violation"), r)
        self.assertIn(("CODE_NO_DELETE", "SYSTEM.FROM_A"),
                      {(v["rule"], v["subject"]) for v in r.json["violations"]})
        self.assertEqual(r.json["current_version"], 2)
        # B's own v2 (written against v1) is refused as stale, naming the next version
        r = b.put("/v1/code-sets/outbound", next_version(base, add=["SYSTEM.FROM_B"]), key=key)
        self.assertEqual((r.status, r.type), (409, "version-conflict"), r)
        self.assertEqual((r.json["current_version"], r.json["expected_version"]), (2, 3))
        # a replay of A's v2 through B is idempotent (200, nothing new)
        r = b.put("/v1/code-sets/outbound", next_version(base, add=["SYSTEM.FROM_A"]), key=key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([v["version"] for v in b.get("/v1/code-sets/outbound/versions").json["versions"]],
                         [1, 2])
        self.wait_same([a, b], {"outbound": served(a)["outbound"]})

    def test_racing_publishes_keep_every_rule(self):
        servers = self.spawn(3)
        start_together(servers)
        key = self.key()
        # 200: a document equal to the latest stored (two publishers made the
        # same change from the same version): idempotent, nothing stored
        results = {200: 0, 201: 0, 409: 0}
        lock = threading.Lock()
        failures = []

        def publisher(tid, s):
            rng = random.Random(tid)
            mine = []
            for i in range(12):
                cur = s.get("/v1/code-sets/outbound").json   # this instance's view, maybe behind
                code = None
                if mine and rng.random() < 0.3:
                    doc = next_version(cur, drop=[rng.choice(mine)])      # breaking: refused
                else:
                    code = "SYSTEM.RACE_T%d_%d" % (tid, i)
                    doc = next_version(cur, add=[code])
                r = s.put("/v1/code-sets/outbound", doc, key=key)
                if r.status == 201 and code is not None:
                    mine.append(code)
                with lock:
                    if r.status in results and (r.status != 409 or r.type in (
                            "governance-violation", "version-conflict")):
                        results[r.status] += 1
                    else:   # (an assertion here would end only this thread)
                        failures.append(repr(r))
        threads = [threading.Thread(target=publisher, args=(i, s)) for i, s in enumerate(servers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertGreater(results[201], 3, results)
        self.assertGreater(results[409], 0, "the publishers should have raced: %s" % results)
        # the history: contiguous, one version per 201, every step allowed by the gate
        hist = [v["version"] for v in servers[0].get("/v1/code-sets/outbound/versions").json["versions"]]
        self.assertEqual(hist, list(range(1, len(hist) + 1)))
        self.assertEqual(len(hist), 1 + results[201])
        work = os.path.join(self.dir, "hist")
        os.makedirs(work)
        for v in hist:
            with open(os.path.join(work, "v%d.json" % v), "wb") as f:
                f.write(servers[v % 3].get("/v1/code-sets/outbound/versions/%d" % v).raw)
        for v in hist[1:]:
            out = subprocess.run([BINARY, "diff", os.path.join(work, "v%d.json" % (v - 1)),
                                  os.path.join(work, "v%d.json" % v)], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, "v%d -> v%d: %s" % (v - 1, v, out.stdout))
        latest = servers[0].get("/v1/code-sets/outbound/versions/%d" % hist[-1]).headers["etag"]
        self.wait_same(servers, {"outbound": (hist[-1], latest)})
        print("racing publishes: %s; history v1..v%d" % (results, hist[-1]), file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
