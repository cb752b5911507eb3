#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A throwaway PostgreSQL server for the tests, from Debian's packages.

    from pgserver import PgServer
    with PgServer() as pg:
        url = pg.url("codebook")      # postgresql://codebook@127.0.0.1:PORT/codebook

or from the shell (prints the URL, keeps running until stopped by PID):

    pgserver.py start DIR   ->  prints "URL PID"
    pgserver.py stop DIR

or as ctest's fixture (tests/CMakeLists.txt): one cluster for the whole run,
its URL, PID and directory in STATE (a cluster an interrupted run left
behind is stopped first); every test makes databases of its own in it:

    pgserver.py fixture-start STATE
    pgserver.py fixture-stop STATE

initdb runs in a temporary directory.  PostgreSQL refuses to run as root,
so under root the cluster belongs to the unprivileged "postgres" user that
Debian's package creates (or "nobody"); otherwise to the current user.  The
server listens on 127.0.0.1 only, on a free port, with its socket in the
data directory, and is stopped by PID.  fsync stays on: the tests measure
durability, not a RAM disk.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PGBIN_CANDIDATES = ["/usr/lib/postgresql/%d/bin" % v for v in range(20, 12, -1)]


def pg_bindir():
    for d in PGBIN_CANDIDATES:
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    raise RuntimeError("PostgreSQL server binaries not found (install Debian's postgresql package)")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# The fixture's settings.  Commits wait for the local flush (local is "on"
# without standbys), and a synchronous standby is named that never comes:
# a database set to synchronous_commit = on then waits at COMMIT after its
# commit record is on disk, which is how the store's unit test kills a
# backend mid-commit and sees the write stored although the client was
# never answered (tests/store/unit/test_store_pg.c).
FIXTURE_SETTINGS = {
    "synchronous_commit": "local",
    "synchronous_standby_names": "'cb_test_no_standby'",
}


class PgServer:
    def __init__(self, base=None, owner=None, settings=None):
        self.settings = settings or {}
        self.bindir = pg_bindir()
        self.dir = base or tempfile.mkdtemp(prefix="cb-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = None
        self.pid = None
        self.user = None
        if os.geteuid() == 0:
            for name in (owner, "postgres", "nobody"):
                if name is None:
                    continue
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if self.user is None:
                raise RuntimeError("running as root and no unprivileged user for PostgreSQL")

    def _run(self, argv, **kw):
        if self.user is not None:
            argv = ["runuser", "-u", self.user.pw_name, "--"] + argv
        return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        if self.user is not None:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
            os.chmod(self.dir, 0o700)
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "codebook",
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-N"])
        self.port = free_port()
        conf = os.path.join(self.data, "postgresql.conf")
        with open(conf, "a") as f:
            f.write("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"
                    "max_connections = 200\nshared_buffers = 64MB\nlog_min_messages = warning\n"
                    % (self.port, self.data))
            for k, v in self.settings.items():
                f.write("%s = %s\n" % (k, v))
        log = os.path.join(self.dir, "server.log")
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", log, "-w", "-t", "60",
                   "start"])
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            self.pid = int(f.readline())
        self.createdb("codebook")
        return self

    def createdb(self, name):
        self._run(["createdb",
                   "-h", "127.0.0.1", "-p", str(self.port), "-U", "codebook", name])

    def url(self, db="codebook"):
        return "postgresql://codebook@127.0.0.1:%d/%s" % (self.port, db)

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGINT)    # fast shutdown
            except ProcessLookupError:
                pass
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def fixture_start(state):
    fixture_stop(state)
    pg = PgServer(settings=FIXTURE_SETTINGS).start()
    tmp = state + ".tmp"
    with open(tmp, "w") as f:
        f.write("%s\n%d\n%s\n" % (pg.url(), pg.pid, pg.dir))
    os.replace(tmp, state)
    print(pg.url(), pg.pid)


def fixture_stop(state):
    try:
        with open(state) as f:
            url, pid, base = f.read().split("\n")[:3]
    except (OSError, ValueError):
        return
    pg = PgServer.__new__(PgServer)
    pg.pid, pg.dir = int(pid), base
    # only a postmaster of ours: its data directory is the one recorded
    try:
        with open(os.path.join(base, "data", "postmaster.pid")) as f:
            if int(f.readline()) != pg.pid:
                pg.pid = None
    except (OSError, ValueError):
        pg.pid = None
    pg.cleanup()
    os.unlink(state)


def main(argv):
    if len(argv) == 3 and argv[1] == "fixture-start":
        fixture_start(os.path.abspath(argv[2]))
        return 0
    if len(argv) == 3 and argv[1] == "fixture-stop":
        fixture_stop(os.path.abspath(argv[2]))
        return 0
    if len(argv) == 3 and argv[1] == "start":
        pg = PgServer(base=os.path.abspath(argv[2])).start()
        print(pg.url(), pg.pid)
        return 0
    if len(argv) == 3 and argv[1] == "stop":
        pidfile = os.path.join(os.path.abspath(argv[2]), "data", "postmaster.pid")
        if os.path.exists(pidfile):
            pid = int(open(pidfile).readline())
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
