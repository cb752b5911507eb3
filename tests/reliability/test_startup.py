#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up order: the server logs "listening" only once it serves requests.  A
server that cannot open its database, or cannot bind, exits with an error that
says why and never claims to listen; one that starts answers its first request
as soon as "listening" is logged."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "svc", "e2e"))
from harness import BINARY, Server  # noqa: E402


def run_serve(*args):
    p = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0"] + list(args), capture_output=True, text=True,
                       timeout=60)
    lines = []
    for line in p.stderr.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    return p.returncode, lines, p.stderr


class Startup(unittest.TestCase):
    def test_database_that_cannot_be_opened(self):
        d = tempfile.mkdtemp(prefix="cb-start-")
        code, lines, err = run_serve("--db", d)          # a directory, not a database
        self.assertNotEqual(code, 0, err)
        self.assertEqual([l for l in lines if l.get("msg") == "listening"], [], err)
        self.assertTrue([l for l in lines if l.get("level") == "error" and "database" in l.get("msg", "")], err)
        os.rmdir(d)

    def test_address_in_use(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        d = tempfile.mkdtemp(prefix="cb-start-")
        p = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:%d" % port, "--db", os.path.join(d, "c.db")],
                           capture_output=True, text=True, timeout=60)
        s.close()
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn('"msg":"listening"', p.stderr)
        self.assertIn("cannot listen", p.stderr)

    def test_listening_means_serving(self):
        s = Server()
        try:
            s.start()
            lines = s.log_lines()
            msgs = [l.get("msg") for l in lines]
            # after the catalogs are loaded, before "ready"
            self.assertLess(max(i for i, m in enumerate(msgs) if m == "catalog file published"),
                            msgs.index("listening"))
            self.assertEqual(msgs.index("listening") + 1, msgs.index("ready"))
            self.assertEqual(s.get("/healthz").status, 200)
        finally:
            s.cleanup()

    def test_descriptor_limit_counts_three_a_connection(self):
        """A connection takes three descriptors (the client's socket and the door's
        pair): under a limit of 400 (which the server cannot raise), 4,096
        connections become (400 - 64) / 3 = 112, with a warning that says so."""
        import resource
        d = tempfile.mkdtemp(prefix="cb-start-")

        def cap():
            resource.setrlimit(resource.RLIMIT_NOFILE, (400, 400))
        p = subprocess.Popen([BINARY, "serve", "--listen", "127.0.0.1:0", "--db", os.path.join(d, "cb.db"),
                              "--max-connections", "4096"], stderr=subprocess.PIPE, text=True, preexec_fn=cap)
        try:
            warned = None
            for line in p.stderr:
                rec = json.loads(line) if line.startswith("{") else {}
                if "descriptor limit" in rec.get("msg", ""):
                    warned = rec["msg"]
                if rec.get("msg") == "ready":
                    break
            self.assertIsNotNone(warned)
            self.assertIn("holds 112 connections, not 4096", warned)
        finally:
            p.terminate()
            p.wait(timeout=30)
            p.stderr.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
