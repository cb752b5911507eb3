# SPDX-License-Identifier: Apache-2.0
"""Hostile clients for the reliability suite and its benchmark (bench/reliability):
raw HTTP requests that no well-behaved client library would send, a slowloris
(many connections that send their request head one byte at a time), an
amplification abuser (large check batches without a key), and a probe that
measures what a legitimate client sees meanwhile.

Every client can take a source address: Linux routes all of 127.0.0.0/8 to the
loopback, so 127.0.1.x are distinct clients to the server's per-client limits
while the server listens on 127.0.0.1 only.
"""
import http.client
import json
import socket
import statistics
import threading
import time


def percentile(values, p):
    """The p-th percentile (0..100) of values, nearest rank; None when empty."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def summary(lat_s):
    """Latencies in seconds -> a dict of milliseconds."""
    ms = [x * 1000.0 for x in lat_s]
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
            "max_ms": max(ms) if ms else None, "mean_ms": statistics.mean(ms) if ms else None}


class RawResponse:
    def __init__(self, raw):
        self.raw = raw
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        self.status = None
        self.headers = {}
        self.body = body
        if lines and lines[0].startswith(b"HTTP/1."):
            try:
                self.status = int(lines[0].split(b" ")[1])
            except (IndexError, ValueError):
                self.status = None
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            self.headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        self.json = None
        if "json" in self.headers.get("content-type", ""):
            n = int(self.headers.get("content-length", len(body)))
            try:
                self.json = json.loads(body[:n])
            except ValueError:
                self.json = None

    @property
    def type(self):
        if isinstance(self.json, dict) and "type" in self.json:
            return self.json["type"].rsplit("/", 1)[-1]
        return None

    def __repr__(self):
        return "<raw %s %r>" % (self.status, self.raw[:400])


def count_responses(raw):
    """How many whole responses raw holds (back to back, framed by Content-Length)."""
    n = 0
    while raw:
        end = raw.find(b"\r\n\r\n")
        if end < 0:
            break
        r = RawResponse(raw[:end + 4])
        size = end + 4 + int(r.headers.get("content-length", "0"))
        if r.status is None or len(raw) < size:
            break
        n += 1
        raw = raw[size:]
    return n


def raw_request(host, port, data, timeout=5.0, source=None, shut_write=False, responses=1):
    """Send bytes, read until the server closes, @responses whole responses have
    come, or timeout; returns the first response (.raw holds all the bytes)."""
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    try:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not b:
                break
            out += b
            if count_responses(out) >= responses:
                break
        return RawResponse(out)
    finally:
        s.close()


# ---- slowloris ---------------------------------------------------------------------

class Slowloris:
    """n connections spread over the given source addresses, each sending a request
    head one byte every interval seconds and never finishing it in time.  A
    connection the server cuts is opened again, so n stay open as long as the
    server lets them."""

    HEAD = b"GET /healthz HTTP/1.1\r\nHost: codebook\r\nUser-Agent: slowloris\r\nX-Padding: "

    def __init__(self, host, port, n, sources, interval=1.0):
        self.host, self.port, self.n = host, port, n
        self.sources = list(sources)
        self.interval = interval
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.opened = 0          # connections opened (reconnects included)
        self.refused = 0         # connects that failed outright
        self.cut = 0             # connections the server closed
        self.answers = {}        # status -> count, of what the server said before closing
        self.most_open = 0
        self.socks = []
        self.thread = None

    def _open(self, i):
        src = self.sources[i % len(self.sources)]
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind((src, 0))
            s.connect_ex((self.host, self.port))
            self.opened += 1
            return [s, 0, b""]
        except OSError:
            self.refused += 1
            return None

    def _run(self):
        self.socks = [self._open(i) for i in range(self.n)]
        while not self.stop_ev.is_set():
            t0 = time.time()
            live = 0
            for i, ent in enumerate(self.socks):
                if ent is None:
                    self.socks[i] = self._open(i)
                    continue
                s = ent[0]
                # what the server sent, and whether it closed
                closed = False
                try:
                    while True:
                        b = s.recv(4096)
                        if not b:
                            closed = True
                            break
                        ent[2] += b
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    closed = True
                if not closed:
                    try:
                        pos = ent[1]
                        s.send(self.HEAD[pos:pos + 1] if pos < len(self.HEAD) else b"a")
                        ent[1] += 1
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        closed = True
                if closed:
                    st = RawResponse(ent[2]).status if ent[2] else None
                    with self.lock:
                        self.cut += 1
                        self.answers[st] = self.answers.get(st, 0) + 1
                    s.close()
                    self.socks[i] = self._open(i)
                else:
                    live += 1
            self.most_open = max(self.most_open, live)
            self.stop_ev.wait(max(0.0, self.interval - (time.time() - t0)))
        for ent in self.socks:
            if ent is not None:
                ent[0].close()

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stop_ev.set()
        if self.thread is not None:
            self.thread.join(30)



# ---- a legitimate client --------------------------------------------------------------

def probe(host, port, seconds, interval=0.05, source=None, path="/v1/code-sets/outbound/codes/FRAUD.CHARGEBACK",
          method="GET", body=None, headers=None, fresh=True, timeout=10.0, stop=None):
    """Requests every interval seconds for seconds: a new connection each (fresh) or one
    kept alive.  Returns (latencies in seconds of the 2xx answers, failures as a list
    of strings)."""
    lat, fails = [], []
    conn = None
    end = time.time() + seconds
    hdrs = dict(headers or {})
    if body is not None:
        hdrs.setdefault("Content-Type", "application/json")
    while time.time() < end and not (stop is not None and stop.is_set()):
        t0 = time.perf_counter()
        try:
            if conn is None or fresh:
                conn = http.client.HTTPConnection(host, port, timeout=timeout,
                                                  source_address=(source, 0) if source else None)
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            r.read()
            dt = time.perf_counter() - t0
            if 200 <= r.status < 300:
                lat.append(dt)
            else:
                fails.append("status %d" % r.status)
            if fresh:
                conn.close()
        except OSError as e:
            fails.append("%s: %s" % (type(e).__name__, e))
            if conn is not None:
                conn.close()
            conn = None
        rest = interval - (time.perf_counter() - t0)
        if rest > 0:
            time.sleep(rest)
    if conn is not None:
        conn.close()
    return lat, fails


# ---- amplification ------------------------------------------------------------------

def not_applicable_batch(n=1000):
    """A check batch of n qe-reason codes in a context where they do not apply: 59
    bytes an item (1,000 make the 59 KB of issue 11), and each answer is long (the
    reason, a message, suggestions: about 1.2 KB)."""
    item = {"code": "APP_MISSED_WEBHOOK", "context": {"rule": "A3"}}
    return json.dumps({"items": [item] * n}, separators=(",", ":")).encode()


class Abusers:
    """k connections (kept alive) posting the same check batch without a key as fast
    as the server answers.  Counts answers by status and bytes received."""

    def __init__(self, host, port, k, body, source=None, path="/v1/code-sets/qe-reason/check"):
        self.host, self.port, self.k, self.body, self.source, self.path = host, port, k, body, source, path
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.status = {}
        self.bytes_in = 0
        self.requests = 0
        self.threads = []

    def _run(self):
        conn = None
        while not self.stop_ev.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                                      source_address=(self.source, 0) if self.source else None)
                conn.request("POST", self.path, body=self.body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                with self.lock:
                    self.requests += 1
                    self.bytes_in += len(data)
                    self.status[r.status] = self.status.get(r.status, 0) + 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except OSError:
                if conn is not None:
                    conn.close()
                conn = None
                with self.lock:
                    self.status["error"] = self.status.get("error", 0) + 1
        if conn is not None:
            conn.close()

    def start(self):
        for _ in range(self.k):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)


# ---- as a separate process -------------------------------------------------------------
#
# The attackers run in a process of their own: in the probe's process their
# threads would hold Python's interpreter lock for milliseconds at a time and
# the probe would measure that rather than the server.

def _main(argv):
    import sys
    what = argv[1]
    host, port, seconds = argv[2], int(argv[3]), float(argv[4])
    out = {}
    if what == "slowloris":
        n, nsrc = int(argv[5]), int(argv[6])
        sl = Slowloris(host, port, n, ["127.0.1.%d" % (i + 1) for i in range(nsrc)]).start()
        time.sleep(seconds)
        sl.stop()
        out = {"opened": sl.opened, "refused": sl.refused, "cut": sl.cut, "most_open": sl.most_open,
               "answers": {str(k): v for k, v in sl.answers.items()}}
    elif what == "abuse":
        k, items = int(argv[5]), int(argv[6])
        body = not_applicable_batch(items)
        ab = Abusers(host, port, k, body, source="127.0.1.1").start()
        time.sleep(seconds)
        ab.stop()
        out = {"requests": ab.requests, "bytes_in": ab.bytes_in, "body_bytes": len(body),
               "status": {str(k): v for k, v in ab.status.items()}}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


def spawn(*args):
    """Run one of the attackers above in its own process; .communicate() gives its
    figures as JSON on standard output."""
    import os
    import subprocess
    import sys
    return subprocess.Popen([sys.executable, os.path.abspath(__file__)] + [str(a) for a in args],
                            stdout=subprocess.PIPE, text=True)


if __name__ == "__main__":
    import sys
    sys.exit(_main(sys.argv))
