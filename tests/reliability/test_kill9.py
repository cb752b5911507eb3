#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""kill -9 during ingest, five rounds on one database: clients post batches of
events and incidents as fast as the server takes them; at a random moment the
server is killed with SIGKILL, then started again on the same file.  Every batch
the server acknowledged (201) is there, whole; no batch is there in part; and
the server keeps accepting after each restart (a replay of an acknowledged batch
is 200 unchanged).  The database and its WAL are created readable by their owner
only (0600)."""
import os
import random
import signal
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "svc", "e2e"))
from harness import Server, event, incident  # noqa: E402

ROUNDS = 5
BATCH = 20
WRITERS = 4


class Kill9(unittest.TestCase):
    def test_five_rounds(self):
        rng = random.Random(int(os.environ.get("CB_SEED", "11")))
        s = Server()
        acked = {"events": {}, "incidents": {}}   # batch id -> its ids
        lock = threading.Lock()
        try:
            s.start()
            key = s.add_key("kill9")
            # the database holds key digests and records: only its owner reads it
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(s.db + suffix):
                    mode = os.stat(s.db + suffix).st_mode & 0o777
                    self.assertEqual(mode & 0o077, 0, "%s is mode %o" % (s.db + suffix, mode))
            for rnd in range(ROUNDS):
                stop = threading.Event()

                def writer(w):
                    n = 0
                    while not stop.is_set() and n < 2000:
                        kind = "events" if n % 2 == 0 else "incidents"
                        bid = "r%d-w%d-b%d" % (rnd, w, n)
                        n += 1
                        if kind == "events":
                            items = [event("%s-%d" % (bid, j)) for j in range(BATCH)]
                            ids = [e["event_id"] for e in items]
                        else:
                            items = [incident("%s-%d" % (bid, j)) for j in range(BATCH)]
                            ids = [i["incident_id"] for i in items]
                        try:
                            r = s.post("/v1/" + kind, items, key=key, timeout=10)
                        except OSError:
                            return          # killed: this batch was not acknowledged
                        if r.status == 201:
                            with lock:
                                acked[kind][bid] = ids
                        else:
                            raise AssertionError("%s: %r" % (bid, r))

                threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
                for t in threads:
                    t.start()
                time.sleep(rng.uniform(0.4, 1.5))
                code = s.stop(signal.SIGKILL)
                stop.set()
                for t in threads:
                    t.join(30)
                self.assertEqual(code, -signal.SIGKILL)
                s.start()                       # recovery on the same database
                self.check(s, acked, rnd)
                sys.stderr.write("round %d: killed after %d event and %d incident batches acknowledged in all\n"
                                 % (rnd + 1, len(acked["events"]), len(acked["incidents"])))
                # still taking writes, and a replay of an acknowledged batch changes nothing
                some = next(iter(acked["events"].values()), None)
                if some is not None:
                    r = s.post("/v1/events", [event(i[len("evt-"):]) for i in some], key=key)
                    self.assertEqual((r.status, r.json["created"]), (200, 0), r)
            self.assertGreater(sum(len(v) for v in acked.values()), ROUNDS * 2, "the rounds did ingest")
        finally:
            s.cleanup()

    def check(self, s, acked, rnd):
        for kind, col in (("events", "event_id"), ("incidents", "incident_id")):
            stored = {row[0] for row in s.db_query("SELECT %s FROM %s" % (col, kind))}
            for bid, ids in acked[kind].items():
                missing = [i for i in ids if i not in stored]
                self.assertEqual(missing, [], "round %d: acknowledged %s batch %s lost" % (rnd, kind, bid))
            per_batch = {}
            for i in stored:
                b = i.split("-", 1)[1].rsplit("-", 1)[0]     # evt-<batch>-<j>
                per_batch[b] = per_batch.get(b, 0) + 1
            partial = {b: n for b, n in per_batch.items() if n != BATCH}
            self.assertEqual(partial, {}, "round %d: %s stored in part" % (rnd, kind))


if __name__ == "__main__":
    unittest.main(verbosity=2)
