#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of durable ingest on SQLite and of instances following each
other: prints figures, asserts nothing but that what was acknowledged is
stored.

1. POST /v1/events in batches of 1,000 (wrk, bench/http/events.lua), each
   batch one transaction fsynced before its 201: events per second, and the
   server's peak RSS (VmHWM) during the run, per server thread count, in
   rounds (the median is the figure: other work on a shared machine moves
   single runs a lot).  The server's CPU time per batch (task-clock from
   /proc/PID/stat) is printed too: it moves far less than the rate.
2. Two `codebook serve` on one SQLite file: how long after a 201 from one
   the other serves the new version (the follower), over PUBLISHES publishes.

usage: bench/ingest/run.py [BUILD_DIR]
environment: DURATION (s per round, 10), ROUNDS (3), CONNECTIONS (4),
             THREADS ("1 2": server threads to try), PUBLISHES (20)

Servers listen on 127.0.0.1 (free ports) in temporary directories and are
stopped by PID.  wrk runs on the same machine and takes CPU too.
"""
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build"))
os.environ["CODEBOOK"] = os.path.join(build, "bin", "codebook")
sys.path.insert(0, os.path.join(SRC, "tests", "svc", "e2e"))
from harness import BINARY, Server  # noqa: E402

DURATION = int(os.environ.get("DURATION", "10"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
THREADS = [int(t) for t in os.environ.get("THREADS", "1 2").split()]
PUBLISHES = int(os.environ.get("PUBLISHES", "20"))
CLK = os.sysconf("SC_CLK_TCK")


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / CLK   # utime + stime


def count_events(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    finally:
        con.close()


def ingest(threads):
    rates, rss, cpu = [], [], []
    s = Server(extra=["--no-request-log", "--threads", str(threads)])
    s.start()
    try:
        key = s.add_key("bench")
        for r in range(ROUNDS):
            before, c0 = count_events(s.db), cpu_seconds(s.proc.pid)
            env = dict(os.environ, CB_KEY=key, RUN="t%dr%d-%d" % (threads, r, time.time_ns()))
            out = subprocess.run(["wrk", "-t2", "-c%d" % CONNECTIONS, "-d%ds" % DURATION, "--latency",
                                  "-s", os.path.join(SRC, "bench", "http", "events.lua"), s.url + "/v1/events"],
                                 capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
            stored = count_events(s.db) - before
            used = cpu_seconds(s.proc.pid) - c0
            bad = [line for line in out.stdout.splitlines() if line.startswith("ingest:")]
            rates.append(stored / DURATION)
            cpu.append(used / max(1, stored / 1000) * 1000)
            rss.append(proc_status(s.proc.pid, "VmHWM"))
            p50 = [line.split()[1] for line in out.stdout.splitlines() if line.strip().startswith("50%")]
            print("  threads %d, round %d: %8.0f events/s  (%d stored in %d s; p50 %s per batch; server CPU "
                  "%.2f ms per batch; peak RSS %.1f MB; %s)" % (
                      threads, r + 1, rates[-1], stored, DURATION, p50[0] if p50 else "?", cpu[-1],
                      rss[-1] / 1024, bad[0] if bad else "wrk: " + out.stderr.strip()[:200]), flush=True)
    finally:
        s.cleanup()
    return statistics.median(rates), max(rss), statistics.median(cpu)


def follow():
    d = tempfile.mkdtemp(prefix="cb-bench-follow-")
    db = os.path.join(d, "shared.db")
    a, b = Server(db=db, extra=["--no-request-log"]), Server(db=db, extra=["--no-request-log"])
    a.start()
    b.start()
    lags = []
    try:
        key = a.add_key("bench")
        doc = a.get("/v1/code-sets/outbound").json
        for i in range(PUBLISHES):
            doc["version"] += 1
            doc["entries"].append({"code": "SYSTEM.BENCH_%d" % i, "category": "SYSTEM",
                                   "description": "bench", "status": "active", "since": doc["version"]})
            via, other = (a, b) if i % 2 == 0 else (b, a)
            r = via.put("/v1/code-sets/outbound", doc, key=key)
            assert r.status == 201, r
            t0 = time.perf_counter()
            while other.get("/v1/code-sets/outbound", headers={"If-None-Match": r.headers["etag"]}).status != 304:
                time.sleep(0.002)
            lags.append((time.perf_counter() - t0) * 1000)
    finally:
        a.cleanup()
        b.cleanup()
        shutil.rmtree(d, ignore_errors=True)
    return lags


def main():
    if shutil.which("wrk") is None:
        sys.exit("bench/ingest: wrk is missing: apt-get install wrk")
    print("bench/ingest: %d CPUs, load %s; %s; wrk -t2 -c%d -d%ds, %d rounds, batches of 1,000 events" % (
        os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3]),
        subprocess.run([BINARY, "--version"], capture_output=True, text=True).stdout.strip(),
        CONNECTIONS, DURATION, ROUNDS), flush=True)
    for t in THREADS:
        rate, rss, cpu = ingest(t)
        print("ingest, %d server thread%s: median %.0f events/s durable, server CPU %.2f ms per batch, "
              "peak RSS %.1f MB" % (t, "" if t == 1 else "s", rate, cpu, rss / 1024), flush=True)
    lags = sorted(follow())
    print("follow: a version published on one instance is served by the other after %.0f ms (median), "
          "%.0f ms (max) over %d publishes" % (statistics.median(lags), lags[-1], len(lags)))
    print("load at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
