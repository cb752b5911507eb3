#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of the service under hostile clients, at the sizes of issue 11.
Prints figures; it asserts nothing (tests/reliability holds the bounded tests).

1. slowloris: 1,100 connections sending their request head one byte a second
   for 30 s (from 8 client addresses, then from one), while a legitimate
   client makes a request every 50 ms on a new connection: its latency
   percentiles and failures, and what the slow connections were told;
2. amplification: 16 connections posting, without a key and as fast as the
   server answers, the 59 KB check batch of issue 11 (1,000 codes that do not
   apply in their context), then batches the limits allow (100 items), for
   30 s; the median and p99 of another client's small checks (keep-alive).

usage: bench/reliability/run.py [BUILD_DIR] [--seconds S] [--baseline CODEBOOK]
  --baseline runs the same against another binary (for example the server
  before issue 11) and prints both.

Servers listen on 127.0.0.1 and are stopped by PID; the attackers run in
processes of their own (tests/reliability/hostile.py), so that Python's
interpreter lock does not time the probe.  Figures move with whatever else
the machine runs: run it on a quiet machine, and compare in turns.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
ap.add_argument("--seconds", type=float, default=30)
ap.add_argument("--connections", type=int, default=1100)
ap.add_argument("--abusers", type=int, default=16)
ap.add_argument("--baseline", default=None, help="another codebook binary to measure the same way")
ap.add_argument("--only", choices=("slowloris", "amplification"), default=None)
args = ap.parse_args()

sys.path.insert(0, os.path.join(SRC, "tests", "reliability"))
sys.path.insert(0, os.path.join(SRC, "tests", "svc", "e2e"))
import hostile  # noqa: E402
import harness  # noqa: E402


def fmt(st):
    if not st["n"]:
        return "no request served"
    return "%d served, p50 %.2f ms, p99 %.2f ms, max %.1f ms" % (st["n"], st["p50_ms"], st["p99_ms"], st["max_ms"])


def server(binary):
    harness.BINARY = binary
    return harness.Server(extra=["--no-request-log"]).start()


def slowloris(binary, addresses):
    s = server(binary)
    try:
        p = hostile.spawn("slowloris", s.host, s.port, args.seconds + 5, args.connections, addresses)
        time.sleep(3)
        lat, fails = hostile.probe(s.host, s.port, args.seconds, source="127.0.0.2", timeout=5)
        attack = json.loads(p.communicate(timeout=120)[0])
        st = hostile.summary(lat)
        print("  %d slow connections from %d address%s: legitimate client: %s, %d failed%s"
              % (args.connections, addresses, "" if addresses == 1 else "es", fmt(st), len(fails),
                 " (%s)" % fails[0] if fails else ""))
        print("    the slow connections: %d opened, %d cut by the server, answers %s, at most %d open at once"
              % (attack["opened"], attack["cut"], attack["answers"], attack["most_open"]))
    finally:
        s.cleanup()


def amplification(binary):
    s = server(binary)
    try:
        def probe(seconds):
            return hostile.probe(s.host, s.port, seconds, interval=0.02, fresh=False, source="127.0.0.2",
                                 method="POST", path="/v1/code-sets/outbound/check",
                                 body=b'{"code":"FRAUD.CHARGEBACK"}', timeout=10)
        quiet = hostile.summary(probe(5)[0])
        print("  quiet: another client's checks: %s" % fmt(quiet))
        for items in (1000, 100):
            p = hostile.spawn("abuse", s.host, s.port, args.seconds + 2, args.abusers, items)
            time.sleep(1)
            lat, fails = probe(args.seconds)
            ab = json.loads(p.communicate(timeout=120)[0])
            st = hostile.summary(lat)
            print("  %d connections posting %d-item batches (%d bytes) without a key: another client: %s, "
                  "%d failed" % (args.abusers, items, ab["body_bytes"], fmt(st), len(fails)))
            print("    the abusers: %d answers %s, %.1f MB received (%.0f KB an answer)"
                  % (ab["requests"], ab["status"], ab["bytes_in"] / 1e6,
                     ab["bytes_in"] / 1e3 / max(1, ab["requests"])))
    finally:
        s.cleanup()


def measure(binary, label):
    print("%s (%s)" % (label, binary))
    if args.only in (None, "slowloris"):
        print(" slowloris, %d s:" % args.seconds)
        slowloris(binary, 8)
        slowloris(binary, 1)
    if args.only in (None, "amplification"):
        print(" amplification, %d s:" % args.seconds)
        amplification(binary)


print("bench/reliability: %s, %d CPUs" % (time.strftime("%Y-%m-%d %H:%M"), os.cpu_count()))
measure(os.path.join(os.path.abspath(args.build), "bin", "codebook"), "this build")
if args.baseline:
    measure(os.path.abspath(args.baseline), "baseline")
