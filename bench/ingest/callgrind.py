#!/usr/bin/env python3
"""Instructions per request of the check and ingest paths, counted by
callgrind (valgrind), which a shared machine does not move the way it moves
times: the figure behind the usage counters' cost (docs/http.md, "Usage
evidence").  The server runs under callgrind with one worker thread; a run
with no requests is subtracted, so start-up (loading and gating the
catalogs) cancels out.

usage: bench/ingest/callgrind.py [BUILD_DIR]
environment: CHECKS (single checks, 300), BATCHES (event batches of 100, 20)
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build"))
BINARY = os.path.join(build, "bin", "codebook")
CHECKS = int(os.environ.get("CHECKS", "300"))
BATCHES = int(os.environ.get("BATCHES", "20"))


def run(checks, batches):
    d = tempfile.mkdtemp(prefix="cb-cg-")
    db = os.path.join(d, "c.db")
    key = subprocess.run([BINARY, "keys", "add", "b", "--db", db], capture_output=True, text=True,
                         check=True).stdout.strip()
    out = os.path.join(d, "callgrind.out")
    log = open(os.path.join(d, "server.log"), "w")
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, BINARY, "serve",
                          "--listen", "127.0.0.1:0", "--db", db, "--threads", "1", "--catalogs",
                          os.path.join(SRC, "catalogs")], stderr=subprocess.PIPE, stdout=log, text=True)
    url = None
    while url is None:
        line = p.stderr.readline()
        if not line:
            raise SystemExit("the server did not start")
        if '"listening"' in line:
            url = json.loads(line)["url"]
    host, port = url.split("//")[1].split(":")
    port = int(port.rstrip("/"))
    hdr = {"Content-Type": "application/json"}

    def post(path, body, headers):
        # one connection per request: under callgrind the server is slow
        # enough for its idle timeout to close a kept-alive one
        c = http.client.HTTPConnection(host, port, timeout=300)
        c.request("POST", path, body, headers)
        c.getresponse().read()
        c.close()

    for i in range(checks):
        post("/v1/code-sets/outbound/check", json.dumps({"code": "FULFILLMENT.SHORT_PICK"}),
             dict(hdr, Authorization="Bearer " + key))  # with a key: no anonymous pacing
    for b in range(batches):
        evs = [{"event_id": "e-%d-%d" % (b, i), "service": "SCM", "entity": "order", "entity_id": str(i),
                "from_state": "open", "to_state": "held", "reason_code": "FULFILLMENT.SHORT_PICK", "actor": "x",
                "occurred_at": "2026-02-06T09:30:00Z"} for i in range(100)]
        post("/v1/events", json.dumps(evs), dict(hdr, Authorization="Bearer " + key))
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=300)
    with open(out) as f:
        m = re.search(r"^summary: (\d+)", f.read(), re.M)
    return int(m.group(1))


base = run(0, 0)
checks = run(CHECKS, 0)
both = run(CHECKS, BATCHES)
print("callgrind %s: start-up and shutdown %d instructions" % (BINARY, base))
print("  check route: %.0f instructions per request (%d requests)" % ((checks - base) / CHECKS, CHECKS))
print("  events: %.0f instructions per batch of 100 (%d batches)" % ((both - checks) / BATCHES, BATCHES))
