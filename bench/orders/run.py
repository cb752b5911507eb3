#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of order cancellations: how fast the real binaries import
orders, accept cancellations and process them against the simulator, with
1 and 2 `codebook worker` processes on one database.  Prints figures; it
asserts only that every refund ended Completed with one cancel per order.

usage: bench/orders/run.py [BUILD_DIR] [N]      (default: build, 2000)

Everything runs on 127.0.0.1 with free ports and temporary directories;
processes are stopped by PID.
"""
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build"))
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
os.environ["CODEBOOK"] = os.path.join(build, "bin", "codebook")
os.environ["CODEBOOK_TIKTOK_SIM"] = os.path.join(build, "bin", "codebook-tiktok-sim")
sys.path.insert(0, os.path.join(SRC, "tests", "orders", "e2e"))
from oharness import Env, Worker, order, sim_order, wait_until  # noqa: E402


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def run(workers):
    ids = ["57646142%010d" % i for i in range(N)]
    with Env(worker_interval="0") as env:
        for k in range(0, N, 500):
            env.sim_orders([sim_order(oid) for oid in ids[k:k + 500]])
        imp, can = [], []
        for oid in ids:
            t = time.perf_counter()
            env.create_order(order(oid))
            imp.append(time.perf_counter() - t)
        for oid in ids:
            t = time.perf_counter()
            env.cancel(oid)
            can.append(time.perf_counter() - t)
        t0 = time.perf_counter()
        for _ in range(workers):
            Worker(env)
        wait_until(lambda: env.db("SELECT COUNT(*) FROM order_payments WHERE status = 'Completed'")[0][0] == N,
                   600, "every refund completed")
        took = time.perf_counter() - t0
        calls = env.sim.calls()
        assert calls["requests"]["/api/reverse/order/cancel"] == N
        assert all(c["cancel_calls"] == 1 for c in calls["orders"].values())
        return imp, can, took


print("orders bench: %d orders, %s, %d CPUs" % (N, build, os.cpu_count()))
for workers in (1, 2):
    imp, can, took = run(workers)
    print("  POST /v1/orders            median %.2f ms, p99 %.2f ms (one client, sequential)" % (
        statistics.median(imp) * 1e3, pct(imp, 0.99) * 1e3))
    print("  POST .../cancellations     median %.2f ms, p99 %.2f ms" % (
        statistics.median(can) * 1e3, pct(can, 0.99) * 1e3))
    print("  %d worker%s: %d cancellations in %.2f s = %.0f per second (each: claim, record sending, "
          "cancel at the simulator, complete)" % (workers, "s" if workers > 1 else "", N, took, N / took))
