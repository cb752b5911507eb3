#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmarks of codebook on PostgreSQL.  Prints figures; asserts only that
what was acknowledged is stored (ingest) and that every refund ended
Completed with one cancel per order (cancellations).

  bench/pg/run.py [--build DIR] [ingest] [cancel]      (default: both)

ingest: durable POST /v1/events in batches of 1,000 through two `codebook
    serve` instances on one PostgreSQL database, each loaded by its own wrk
    (bench/http/events.lua); events stored per second, counted in the
    database before and after, and what each process used of the CPUs.
cancel: cancellation throughput with 1, 2 and 4 `codebook worker`
    processes on one PostgreSQL database, the marketplace simulator
    answering each cancel after 20 ms.

Everything runs on 127.0.0.1: a throwaway PostgreSQL from Debian's
packages (tests/support/pgserver.py, fsync and synchronous_commit on),
servers on free ports, temporary directories; processes stopped by PID.
Tunables (environment): DURATION (s, 10), ROUNDS (3), THREADS (server
threads, 2), CONNECTIONS (wrk connections per instance, 4), N (refunds per
cancellation run, 600).
"""
import argparse
import os
import resource
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(SRC, "build"))
ap.add_argument("what", nargs="*", default=["ingest", "cancel"])
opts = ap.parse_args()
build = os.path.abspath(opts.build)
os.environ["CODEBOOK"] = os.path.join(build, "bin", "codebook")
os.environ["CODEBOOK_TIKTOK_SIM"] = os.path.join(build, "bin", "codebook-tiktok-sim")
os.environ["CB_TEST_DB"] = "pg"
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from pgserver import PgServer  # noqa: E402

DURATION = int(os.environ.get("DURATION", "10"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
THREADS = int(os.environ.get("THREADS", "2"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
N = int(os.environ.get("N", "600"))
CB = os.environ["CODEBOOK"]


def cpu_seconds(pid):
    """User + system CPU seconds of @pid and its children so far."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return sum(int(x) for x in fields[11:15]) / tick
    except OSError:
        return 0.0


def pg_cpu_seconds(pg):
    """CPU seconds of every process of the cluster (postmaster and backends)."""
    total = 0.0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        fields = st.rsplit(")", 1)[1].split()
        ppid = int(fields[1])
        if int(d) == pg.pid or ppid == pg.pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start_serve(workdir, db, name, extra=()):
    log = open(os.path.join(workdir, name + ".log"), "wb")
    p = subprocess.Popen([CB, "serve", "--listen", "127.0.0.1:0", "--db", db, "--threads", str(THREADS),
                          "--no-request-log"] + list(extra), stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.time() + 30
    while time.time() < deadline:
        with open(os.path.join(workdir, name + ".log")) as f:
            for line in f:
                m = re.search(r'"msg":"listening","url":"([^"]+)"', line)
                if m:
                    # ready once the catalogs are loaded: /healthz answers
                    url = m.group(1)
                    try:
                        subprocess.run(["curl", "-sf", url + "/healthz"], check=True, capture_output=True)
                        return p, url
                    except subprocess.CalledProcessError:
                        pass
        if p.poll() is not None:
            raise RuntimeError("serve exited: " + open(os.path.join(workdir, name + ".log")).read())
        time.sleep(0.05)
    raise RuntimeError("serve did not start")


def stop(p):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()


def count_events(pg, db):
    out = subprocess.run(["psql", "-At", "-c", "SELECT count(*) FROM events", db], capture_output=True,
                         text=True, check=True)
    return int(out.stdout.strip())


def ingest(pg):
    import psycopg2
    work = tempfile.mkdtemp(prefix="cb-bench-pg-")
    con = psycopg2.connect(pg.url("postgres"))
    con.autocommit = True
    con.cursor().execute("CREATE DATABASE ingest")
    con.close()
    db = pg.url("ingest")
    a, url_a = start_serve(work, db, "a")
    b, url_b = start_serve(work, db, "b")
    key = subprocess.run([CB, "keys", "add", "bench", "--db", db], capture_output=True, text=True,
                         check=True).stdout.strip()
    env = dict(os.environ, CB_KEY=key, BATCH="1000")
    lua = os.path.join(SRC, "bench", "http", "events.lua")
    print("ingest: 2 instances (--threads %d) on one PostgreSQL %s, wrk -t1 -c%d on each, %d s x %d rounds, "
          "%d CPUs" % (THREADS, pg.version, CONNECTIONS, DURATION, ROUNDS, os.cpu_count()))
    rates, caps = [], []
    for r in range(1, ROUNDS + 1):
        before = count_events(pg, db)
        cpu0 = {k: cpu_seconds(p.pid) for k, p in (("a", a), ("b", b))}
        pg0 = pg_cpu_seconds(pg)
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = os.getloadavg()[0]
        t0 = time.time()
        ws = [subprocess.Popen(["wrk", "-t1", "-c%d" % CONNECTIONS, "-d%ds" % DURATION, "--latency", "-s", lua,
                                u + "/v1/events"], env=dict(env, RUN="r%d%s" % (r, n)), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
              for n, u in (("a", url_a), ("b", url_b))]
        outs = [w.communicate()[0] for w in ws]
        took = time.time() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = count_events(pg, db)
        cpu = {k: cpu_seconds(p.pid) - cpu0[k] for k, p in (("a", a), ("b", b))}
        pgc = pg_cpu_seconds(pg) - pg0
        wrkc = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
        bad = sum(int(m) for o in outs for m in re.findall(r"(\d+) non-2xx", o))
        p99 = [re.search(r"99%\s+(\S+)", o).group(1) for o in outs]
        stored = after - before
        rate = stored / DURATION
        rates.append(rate)
        # what it all cost in CPU, per event: on a machine of our own, the
        # CPUs divided by that is the rate the CPUs allow
        per = (cpu["a"] + cpu["b"] + pgc + wrkc) / max(stored, 1)
        caps.append(os.cpu_count() / per if per > 0 else 0)
        print("  round %d: %8.0f events/s stored (%d in %d s; %d non-2xx; p99 per batch %s; load average %.1f)"
              % (r, rate, stored, DURATION, bad, "/".join(p99), load))
        print("           CPU per event: instances %.1f us, PostgreSQL %.1f us, wrk %.1f us: %.0f events/s "
              "if the %d CPUs were ours" % ((cpu["a"] + cpu["b"]) / max(stored, 1) * 1e6, pgc / max(stored, 1) * 1e6,
                                            wrkc / max(stored, 1) * 1e6, caps[-1], os.cpu_count()))
    print("ingest median: %.0f events/s stored, durable (synchronous_commit on, fsync on); %.0f events/s "
          "by the CPU it took" % (statistics.median(rates), statistics.median(caps)))
    stop(a)
    stop(b)
    subprocess.run(["rm", "-rf", work])


def cancel(pg):
    os.environ["CB_TEST_PG_URL"] = pg.url()
    sys.path.insert(0, os.path.join(SRC, "tests", "orders", "e2e"))
    from oharness import CANCEL_PATH, Env, Worker, order, sim_order, wait_until  # noqa: E402
    print("cancellations: %d refunds per run, the simulator answering each cancel after 20 ms, "
          "PostgreSQL %s" % (N, pg.version))
    took = {}
    for workers in (1, 2, 4):
        ids = ["57646143%010d" % i for i in range(N)]
        with Env(worker_interval="0") as env:
            for k in range(0, N, 500):
                env.sim_orders([sim_order(oid) for oid in ids[k:k + 500]])
            for oid in ids:
                env.create_order(order(oid))
            for oid in ids:
                env.cancel(oid)
            env.sim.fault(CANCEL_PATH, "slow", delay_ms=20, count=N)
            t0 = time.perf_counter()
            for _ in range(workers):
                Worker(env)
            wait_until(lambda: env.db("SELECT COUNT(*) FROM order_payments WHERE status = 'Completed'")[0][0] == N,
                       600, "every refund completed")
            took[workers] = time.perf_counter() - t0
            calls = env.sim.calls()
            assert calls["requests"][CANCEL_PATH] == N
            assert all(c["cancel_calls"] == 1 for c in calls["orders"].values())
        print("  %d worker%s: %d cancellations in %.2f s = %.1f per second (%.2fx one worker)" % (
            workers, "s" if workers > 1 else " ", N, took[workers], N / took[workers], took[1] / took[workers]))
    from harness import pg_cluster
    pg_cluster().close()    # its databases, while the cluster is up


pg = PgServer().start()
pg.version = re.search(r"\d+\.\d+", subprocess.run([os.path.join(pg.bindir, "postgres"), "--version"],
                                                 capture_output=True, text=True).stdout).group(0)
try:
    if "ingest" in opts.what:
        ingest(pg)
    if "cancel" in opts.what:
        cancel(pg)
finally:
    pg.cleanup()
