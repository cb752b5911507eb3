# SPDX-License-Identifier: Apache-2.0
"""Start the real `codebook serve` for end-to-end tests, talk HTTP to it,
and look into its database.

Each Server gets a fresh temporary directory (database, catalogs copy,
log), listens on 127.0.0.1 port 0 (the kernel picks a free port; the first
JSON log line on stderr gives the URL) and is stopped by PID.

The database is a SQLite file in that directory, or, with CB_TEST_DB=pg, a
PostgreSQL database of its own, one per directory (servers that share a
directory share it, as they would share the file), in the test cluster:
the one ctest's fixture started (CB_TEST_PG_STATE), the one CB_TEST_PG_URL
names, or else one started for this process (tests/support/pgserver.py)
and stopped when it exits.  db_query() takes SQLite's "?" placeholders on
both.
"""
import atexit
import hashlib
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
import openapi_check  # noqa: E402  every response is held to openapi.json
BINARY = os.environ.get("CODEBOOK") or os.path.join(SRC, "build", "bin", "codebook")
CATALOGS = os.path.join(SRC, "catalogs")
BACKEND = os.environ.get("CB_TEST_DB", "sqlite")
if BACKEND not in ("sqlite", "pg"):
    raise SystemExit("CB_TEST_DB must be sqlite or pg, not %r" % BACKEND)


class PgCluster:
    """The PostgreSQL cluster the tests of this process use, and the
    databases they made in it (dropped at exit)."""

    def __init__(self):
        self.admin = os.environ.get("CB_TEST_PG_URL")
        self.server = None
        self.made = []
        state = os.environ.get("CB_TEST_PG_STATE")
        if not self.admin and state and os.path.exists(state):
            with open(state) as f:
                self.admin = f.readline().strip()
        if not self.admin:
            sys.path.insert(0, os.path.join(SRC, "tests", "support"))
            from pgserver import FIXTURE_SETTINGS, PgServer
            self.server = PgServer(settings=FIXTURE_SETTINGS).start()
            self.admin = self.server.url()
        atexit.register(self.close)

    def url(self, name):
        return self.admin.rsplit("/", 1)[0] + "/" + name

    def connect(self, url=None):
        import psycopg2  # Debian's python3-psycopg2
        con = psycopg2.connect(url or self.admin)
        con.autocommit = True
        return con

    def database(self, key):
        """The URL of the database for @key, created when missing."""
        import psycopg2
        name = "cbe_%d_%s" % (os.getpid(), hashlib.sha1(key.encode()).hexdigest()[:12])
        if name not in self.made:
            con = self.connect()
            try:
                con.cursor().execute("CREATE DATABASE " + name)
            except psycopg2.errors.DuplicateDatabase:
                pass
            finally:
                con.close()
            self.made.append(name)
        return self.url(name)

    def query(self, url, sql, args=()):
        con = self.connect(url)
        try:
            cur = con.cursor()
            # SQLite's placeholders; a literal % stays one
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
            return [tuple(r) for r in cur.fetchall()]
        finally:
            con.close()

    def close(self):
        if not self.made and self.server is None:
            return
        try:
            con = self.connect()
            for name in self.made:
                con.cursor().execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
            con.close()
        except Exception as e:  # the cluster may be gone already
            print("harness: could not drop the test databases: %s" % e, file=sys.stderr)
        self.made = []
        if self.server is not None:
            self.server.cleanup()
            self.server = None


_pg = None


def pg_cluster():
    global _pg
    if _pg is None:
        _pg = PgCluster()
    return _pg


def database_for(workdir):
    """The --db value of the server environment in @workdir."""
    if BACKEND == "pg":
        return pg_cluster().database(os.path.realpath(workdir))
    return os.path.join(workdir, "var", "codebook.db")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        self.json = None
        ctype = headers.get("content-type", "")
        if body and ("json" in ctype):
            self.json = json.loads(body)

    @property
    def type(self):
        """The problem type name ("invalid-input"), or None."""
        if self.json and isinstance(self.json, dict) and "type" in self.json:
            return self.json["type"].rsplit("/", 1)[-1]
        return None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Server:
    def __init__(self, workdir=None, catalogs=None, extra=None, keep=False, db=None, env=None):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="cb-e2e-")
        # several servers on one database: give each the same db (and its own workdir)
        self.db = db or database_for(self.dir)
        self.db_arg = None  # the server's --db when it is not self.db (a file: URI of it)
        self.env = env  # extra environment variables of the server process
        self.catalogs = os.path.join(self.dir, "catalogs")
        if not os.path.isdir(self.catalogs):
            shutil.copytree(catalogs or CATALOGS, self.catalogs)
        self.extra = extra or []
        self.keep = keep
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")
        self.log_offset = 0
        self.url = None

    # ---- lifecycle ------------------------------------------------------
    def start(self, timeout=20):
        if os.path.exists(self.log_path):
            self.log_offset = os.path.getsize(self.log_path)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--db", self.db_arg or self.db,
             "--catalogs", self.catalogs] + self.extra,
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.dir,
            env=dict(os.environ, **self.env) if self.env else None)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.log_lines():
                if line.get("msg") == "listening" and line.get("pid") == self.proc.pid:
                    self.url = line["url"]
            if self.url:
                parsed = urllib.parse.urlparse(self.url)
                self.host, self.port = parsed.hostname, parsed.port
                try:
                    if self.get("/healthz").status == 200:
                        return self
                except OSError:
                    pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: %s" % self.log_text())
            time.sleep(0.05)
        self.stop(signal.SIGKILL)
        raise RuntimeError("server did not become ready: %s" % self.log_text())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal the server by PID and wait for it; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        self.proc = None
        return code

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def cleanup(self):
        """Stop the server; it must exit cleanly (0, and under the
        sanitizers no report) or the test that used it fails."""
        code = self.stop()
        log = self.log_text()
        if self.own_dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        if code not in (None, 0):
            raise AssertionError("server exited with %s: %s" % (code, log[-4000:]))
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if bad in log:
                raise AssertionError("sanitizer report in the server log: %s" % log[-4000:])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # ---- logs -------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_lines(self):
        out = []
        for line in self.log_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def wait_log(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.log_lines():
                if pred(line):
                    return line
            time.sleep(0.05)
        raise AssertionError("no such log line in: %s" % self.log_text()[-3000:])

    # ---- HTTP -------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, key=None, timeout=30):
        hdrs = dict(headers or {})
        if key is not None:
            hdrs["Authorization"] = "Bearer " + key
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            # a response the API document does not describe fails the test
            # that got it (route, status and schema error in the message)
            openapi_check.check(method, path, resp.status, headers, data)
            return Response(resp.status, headers, data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body=body, **kw)

    # ---- keys and the database ------------------------------------------------
    def add_key(self, name):
        out = subprocess.run([BINARY, "keys", "add", name, "--db", self.db],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def revoke_key(self, name):
        subprocess.run([BINARY, "keys", "revoke", name, "--db", self.db],
                       capture_output=True, text=True, check=True)

    def db_query(self, sql, args=()):
        """Rows of @sql (SQLite's ? placeholders) as lists of tuples."""
        if BACKEND == "pg":
            return pg_cluster().query(self.db, sql, args)
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def counts(self):
        """Rows in every table that requests can write."""
        return {t: self.db_query("SELECT COUNT(*) FROM %s" % t)[0][0]
                for t in ("incidents", "events", "code_set_versions", "api_keys", "orders",
                          "order_items", "order_payments", "refund_rows")}


def incident(i, **kw):
    d = {"incident_id": "inc-%s" % i, "order_id": "ord-%s" % i, "rule": "A3",
         "reason_code": "INVALID_TRACKING_NUMBER", "occurred_at": "2026-02-06T09:30:00Z"}
    d.update(kw)
    return d


def event(i, **kw):
    d = {"event_id": "evt-%s" % i, "service": "SCM", "entity": "order", "entity_id": str(i),
         "from_state": "open", "to_state": "held", "reason_code": "FRAUD.CHARGEBACK",
         "actor": "user-7", "occurred_at": "2026-02-06T09:30:00Z"}
    d.update(kw)
    return d
