#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Workers as separate processes on one database: two `codebook worker`
over 200 cancellations, and three over 1,000 made through three instances
of `codebook serve` (each processed exactly once,
one cancel per order at the simulator, every refund ending Completed or
Error; on PostgreSQL the claims skip one another's rows), and a worker
killed with SIGKILL while its cancel is in flight, then restarted (every
payment ends Completed, still one cancel per order: the restarted worker
asks the simulator before sending again)."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import (BINARY, CANCEL_PATH, OOS, Env, Server, Worker, clean_env, order,  # noqa: E402
                      sim_order, wait_until)


def final_counts(env):
    return dict(env.db("SELECT status, COUNT(*) FROM order_payments WHERE type = 'Refund' GROUP BY status"))


class Workers(unittest.TestCase):
    def test_two_workers_200_cancellations(self):
        n = 200
        ids = ["5764614130%08d" % i for i in range(n)]
        with Env(worker_interval="0") as env:
            env.sim_orders([sim_order(oid, "UNPAID" if i % 4 == 0 else "AWAITING_SHIPMENT")
                            for i, oid in enumerate(ids)])
            for i, oid in enumerate(ids):
                env.create_order(order(oid, "Incomplete" if i % 4 == 0 else "Ready for Shipping"))
            pids = [env.cancel(oid)["payment"]["id"] for oid in ids]
            self.assertEqual(len(set(pids)), n)
            # each cancel takes the simulator 10 ms: one worker alone would need
            # 2 s, so the second, started a moment later, surely gets its share
            env.sim.fault(CANCEL_PATH, "slow", delay_ms=10, count=n)
            t0 = time.time()
            a, b = Worker(env), Worker(env)
            wait_until(lambda: final_counts(env).get("Completed", 0) + final_counts(env).get("Error", 0) == n,
                       120, "200 refunds to end")
            elapsed = time.time() - t0
            self.assertEqual(final_counts(env), {"Completed": n})
            # exactly once: one attempt each, distinct transaction ids, one cancel per order
            rows = env.db("SELECT attempts, transaction_id, lease_owner FROM order_payments WHERE type = 'Refund'")
            self.assertEqual({r[0] for r in rows}, {1})
            self.assertEqual(len({r[1] for r in rows}), n)
            self.assertEqual({r[2] for r in rows}, {None})
            calls = env.sim.calls()
            self.assertEqual(calls["requests"][CANCEL_PATH], n)
            for oid in ids:
                c = calls["orders"][oid]
                self.assertEqual((c["cancel_calls"], c["cancels_applied"], c["status"]), (1, 1, "CANCELLED"), oid)
            self.assertEqual(env.db("SELECT COUNT(*) FROM orders WHERE status = 'Cancelled' AND refunded = total"),
                             [(n,)])
            # each refund completed by exactly one of the two workers, and both worked
            done = {}
            for w in (a, b):
                for line in w.log_lines():
                    if line.get("msg") == "refund completed: order cancelled":
                        self.assertNotIn(line["payment"], done, "payment completed twice")
                        done[line["payment"]] = line["worker"]
            self.assertEqual(set(done), set(pids))
            owners = set(done.values())
            self.assertEqual(len(owners), 2, "both workers should have taken refunds")
            print("200 cancellations by 2 workers in %.2f s (%s)" % (elapsed, ", ".join(
                "%d" % list(done.values()).count(o) for o in sorted(owners))), file=sys.stderr)

    def test_three_instances_three_workers_1000_cancellations(self):
        n = 1000
        ids = ["5764614133%08d" % i for i in range(n)]
        with Env(worker_interval="0") as env:
            # two more instances on the environment's database: the orders
            # and cancellations arrive through all three, round robin
            more = [Server(db=env.server.db, extra=["--market-config", env.config, "--market-shop",
                                                     "uk-legacy", "--worker-interval", "0"]) for _ in range(2)]
            try:
                for x in more:
                    x.start()
                self.cancel_1000(env, [env.server] + more, ids)
            finally:
                errors = []
                for x in more:
                    try:
                        x.cleanup()
                    except AssertionError as e:
                        errors.append(str(e))
                if errors:
                    raise AssertionError("; ".join(errors))

    def cancel_1000(self, env, servers, ids):
        n = len(ids)

        def via(i, method, path, body):
            r = servers[i % len(servers)].request(method, path, body=body, key=env.key)
            self.assertIn(r.status, (201, 202), r)
            return r.json
        for k in range(0, n, 500):
            env.sim_orders([sim_order(oid, "UNPAID" if i % 5 == 0 else "AWAITING_SHIPMENT")
                            for i, oid in enumerate(ids[k:k + 500], k)])
        for i, oid in enumerate(ids):
            via(i, "POST", "/v1/orders", order(oid, "Incomplete" if i % 5 == 0 else "Ready for Shipping"))
        pids = [via(i, "POST", "/v1/orders/%s/cancellations" % oid, {})["payment"]["id"]
                for i, oid in enumerate(ids)]
        self.assertEqual(len(set(pids)), n)
        # 5 ms per cancel at the simulator: 5 s for one worker alone, so
        # the three started together all take a share
        env.sim.fault(CANCEL_PATH, "slow", delay_ms=5, count=n)
        t0 = time.time()
        ws = [Worker(env) for _ in range(3)]
        wait_until(lambda: final_counts(env).get("Completed", 0) + final_counts(env).get("Error", 0) == n,
                   240, "1,000 refunds to end")
        elapsed = time.time() - t0
        counts = final_counts(env)
        self.assertEqual(set(counts) - {"Completed", "Error"}, set(), counts)
        self.assertEqual(counts.get("Completed"), n, counts)
        rows = env.db("SELECT attempts, transaction_id, lease_owner FROM order_payments WHERE type = 'Refund'")
        self.assertEqual({r[0] for r in rows}, {1})
        self.assertEqual(len({r[1] for r in rows}), n)
        self.assertEqual({r[2] for r in rows}, {None})
        calls = env.sim.calls()
        self.assertEqual(calls["requests"][CANCEL_PATH], n)
        for oid in ids:
            c = calls["orders"][oid]
            self.assertEqual((c["cancel_calls"], c["cancels_applied"], c["status"]), (1, 1, "CANCELLED"), oid)
        self.assertEqual(env.db("SELECT COUNT(*) FROM orders WHERE status = 'Cancelled' AND refunded = total"),
                         [(n,)])
        done = {}
        for w in ws:
            for line in w.log_lines():
                if line.get("msg") == "refund completed: order cancelled":
                    self.assertNotIn(line["payment"], done, "payment completed twice")
                    done[line["payment"]] = line["worker"]
        self.assertEqual(set(done), set(pids))
        shares = sorted(list(done.values()).count(o) for o in set(done.values()))
        self.assertEqual(len(shares), 3, "each of the three workers should have taken refunds: %s" % shares)
        print("1,000 cancellations through 3 instances by 3 workers in %.2f s (%s)" % (
            elapsed, ", ".join(map(str, shares))), file=sys.stderr)

    def test_once(self):
        ids = ["5764614132%08d" % i for i in range(3)]
        with Env(worker_interval="0") as env:
            env.sim_orders([sim_order(oid) for oid in ids])
            for oid in ids:
                env.create_order(order(oid))
            env.cancel(ids[0])
            env.cancel(ids[1], {"refund_rows": [{"sku": "TSHIRT-M", "type": "item_cost", "amount": 1000}]})
            env.sim.fault(CANCEL_PATH, "rate_limit")
            env.cancel(ids[2])
            out = subprocess.run([BINARY, "worker", "--db", env.server.db, "--market-config", env.config, "--once"],
                                 capture_output=True, text=True, timeout=60, env=clean_env())
            self.assertEqual(out.returncode, 0, out.stderr)
            counts = json.loads(out.stdout)
            self.assertEqual({k: counts[k] for k in ("claimed", "completed", "failed", "retrying", "cancels_sent")},
                             {"claimed": 3, "completed": 1, "failed": 1, "retrying": 1, "cancels_sent": 2})
            self.assertEqual(final_counts(env), {"Completed": 1, "Error": 1, "Pending": 1})

    def test_worker_killed_mid_flight(self):
        n = 8
        ids = ["5764614131%08d" % i for i in range(n)]
        with Env(worker_interval="0", timeout_ms=3000) as env:
            env.sim_orders([sim_order(oid) for oid in ids])
            for oid in ids:
                env.create_order(order(oid))
            pids = [env.cancel(oid)["payment"]["id"] for oid in ids]
            # the first cancel lands at once, and its reply comes 2 s later:
            # the worker is killed in between (its lease then runs 2 x 3 s + 2 s)
            env.sim.fault(CANCEL_PATH, "slow", delay_ms=2000)
            a = Worker(env, "--lease", "1s")

            def landed_unanswered():
                rows = env.db("SELECT o.order_id FROM order_payments p JOIN orders o ON o.seq = p.order_seq"
                              " WHERE p.cancel_state = 'sending'")
                calls = env.sim.calls()["orders"]
                return [r[0] for r in rows if calls.get(r[0], {}).get("cancels_applied") == 1]
            inflight = wait_until(landed_unanswered, 30,
                                  "a cancel that landed but whose reply has not come")
            self.assertEqual(a.kill(signal.SIGKILL), -signal.SIGKILL)
            # the killed worker's refund: Processing, a cancel out, its outcome unknown
            self.assertEqual(env.db("SELECT p.status, p.cancel_state, p.attempts FROM order_payments p JOIN orders o"
                                    " ON o.seq = p.order_seq WHERE o.order_id = ?", (inflight[0],)),
                             [("Processing", "sending", 1)])
            b = Worker(env, "--lease", "1s")
            wait_until(lambda: final_counts(env).get("Completed", 0) + final_counts(env).get("Error", 0) == n,
                       60, "every refund to end after the restart")
            self.assertEqual(final_counts(env), {"Completed": n})
            calls = env.sim.calls()["orders"]
            for oid in ids:
                self.assertEqual((calls[oid]["cancel_calls"], calls[oid]["cancels_applied"]), (1, 1), oid)
            self.assertEqual(env.db("SELECT COUNT(*) FROM order_payments WHERE attempts = 1"), [(n,)])
            # the restarted worker asked before doing anything with the refund in flight
            lines = [x for x in b.log_lines() if x.get("msg") == "an earlier cancel landed"]
            self.assertIn(inflight[0], [x["order_id"] for x in lines])
            p = env.payment(inflight[0], pids[ids.index(inflight[0])])
            self.assertEqual((p["status"], p["reason"]["key"]), ("Completed", OOS))
            o = env.get_order(inflight[0])
            self.assertEqual((o["status"], o["refunded"]), ("Cancelled", o["total"]))

    def test_heartbeats_keep_a_slow_call_and_a_killed_worker_is_taken_over_in_seconds(self):
        oid = "576461413300000001"
        with Env(worker_interval="0", timeout_ms=30000) as env:
            env.sim_orders([sim_order(oid)])
            env.create_order(order(oid))
            pid = env.cancel(oid)["payment"]["id"]
            # the cancel lands at once; its reply is held 8 s, eight leases
            env.sim.fault(CANCEL_PATH, "slow", delay_ms=8000)
            a = Worker(env, "--lease", "1s")
            wait_until(lambda: env.sim.cancel_calls(oid) == 1, 30, "the cancel to be out")
            owner_a = env.db("SELECT lease_owner FROM order_payments WHERE id = ?", (pid,))[0][0]
            self.assertIsNotNone(owner_a)
            b = Worker(env, "--lease", "1s")
            # A is alive: its heartbeat keeps the refund for 3 s, three leases
            t0 = time.time()
            while time.time() - t0 < 3:
                row = env.db("SELECT lease_owner, lease_expires_ms, attempts FROM order_payments WHERE id = ?",
                             (pid,))[0]
                self.assertEqual((row[0], row[2]), (owner_a, 1), "a live worker keeps its refund")
                self.assertGreater(row[1], int(time.time() * 1000) - 200, "the lease keeps being extended")
                time.sleep(0.1)
            self.assertEqual(env.sim.cancel_calls(oid), 1)
            # A dies with its call out: B takes the refund over within about a lease
            self.assertEqual(a.kill(signal.SIGKILL), -signal.SIGKILL)
            killed = time.time()
            p = env.wait_payment(oid, pid, timeout=30)
            took = time.time() - killed
            self.assertEqual(p["status"], "Completed")
            self.assertLess(took, 4.0, "taken over within seconds (took %.2f s)" % took)
            # never sent twice: B asked the marketplace, which had A's cancel
            self.assertEqual(env.sim.cancel_calls(oid), 1)
            self.assertEqual(env.db("SELECT attempts FROM order_payments WHERE id = ?", (pid,)), [(1,)])
            self.assertIn(oid, [x.get("order_id") for x in b.log_lines() if x.get("msg") == "an earlier cancel landed"])
            print("killed worker's refund completed by the other %.2f s after the kill (lease 1 s)" % took,
                  file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
