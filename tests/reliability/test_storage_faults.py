#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Storage faults under a running server (needs root: it mounts file systems;
otherwise it says so and is skipped with exit code 77):

- disk full: the database on a small tmpfs, filled while events are ingested:
  writes get a clean 503 problem with Retry-After (storage-unavailable: nothing
  stored; or outcome-unknown when the commit itself failed), reads keep working,
  and once space returns writes succeed again; no acknowledged batch is lost and
  none is stored in part;
- read-only at run time: the database on an ext4 image mounted with
  errors=remount-ro, and the file system made read-only under the server (as
  the kernel does after an I/O error): writes get clean problems, reads keep
  working; remounted, every acknowledged batch is there;
- read-only at start: the server refuses to start on a database it cannot
  write, says why, and never logs that it is listening.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "svc", "e2e"))
from harness import Server, event  # noqa: E402

SKIP = 77


def run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def can_mount():
    if os.geteuid() != 0:
        return "not root: mounting a tmpfs and an ext4 image needs root"
    d = tempfile.mkdtemp(prefix="cb-mnt-")
    try:
        run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d)
        run("umount", d)
    except (OSError, subprocess.CalledProcessError) as e:
        return "cannot mount a tmpfs here: %s" % getattr(e, "stderr", e)
    finally:
        os.rmdir(d)
    return None


class Ingest:
    """Batches of events posted one after another; what was acknowledged."""

    def __init__(self, s, key, tag):
        self.s, self.key, self.tag = s, key, tag
        self.n = 0
        self.acked = {}
        self.unknown = {}     # answered outcome-unknown: whole or absent
        self.answers = []

    def post(self, size=50):
        bid = "%s-b%d" % (self.tag, self.n)
        self.n += 1
        items = [event("%s-%d" % (bid, j), reason="x" * 200) for j in range(size)]
        ids = [e["event_id"] for e in items]
        r = self.s.post("/v1/events", items, key=self.key, timeout=30)
        self.answers.append(r)
        if r.status == 201:
            self.acked[bid] = ids
        elif r.type == "outcome-unknown":
            self.unknown[bid] = ids
        return r

    def check_stored(self, tc, stored):
        for bid, ids in self.acked.items():
            tc.assertEqual([i for i in ids if i not in stored], [], "acknowledged batch %s lost" % bid)
        for bid, ids in self.unknown.items():
            n = sum(1 for i in ids if i in stored)
            tc.assertIn(n, (0, len(ids)), "batch %s stored in part" % bid)


def assert_clean_refusal(tc, r):
    tc.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"), r)
    tc.assertIn((r.status, r.type), ((503, "storage-unavailable"), (503, "outcome-unknown")), r)
    tc.assertEqual(r.headers.get("retry-after"), "1")


def assert_reads_work(tc, s):
    tc.assertEqual(s.get("/healthz").status, 200)
    tc.assertEqual(s.get("/v1/events?limit=5").status, 200)
    tc.assertEqual(s.get("/v1/code-sets/outbound").status, 200)
    r = s.post("/v1/code-sets/outbound/check", {"code": "FRAUD.CHARGEBACK"})
    tc.assertEqual((r.status, r.json["valid"]), (200, True))


def stored_events(db):
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return {row[0] for row in con.execute("SELECT event_id FROM events")}
    finally:
        con.close()


class DiskFull(unittest.TestCase):
    def test_disk_full(self):
        mnt = tempfile.mkdtemp(prefix="cb-full-")
        run("mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", mnt)
        s = Server()
        s.db = os.path.join(mnt, "var", "codebook.db")
        try:
            s.start()
            key = s.add_key("full")
            ing = Ingest(s, key, "full")
            for _ in range(5):
                self.assertEqual(ing.post().status, 201)
            # leave little room, then write until the disk is full
            st = os.statvfs(mnt)
            filler = os.path.join(mnt, "filler")
            with open(filler, "wb") as f:
                f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - 200 * 1024))
            refused = None
            for _ in range(400):
                r = ing.post()
                if r.status != 201:
                    refused = r
                    break
            self.assertIsNotNone(refused, "the disk never filled")
            assert_clean_refusal(self, refused)
            for _ in range(3):
                r = ing.post()
                self.assertNotEqual(r.status, 201, "still full")
                assert_clean_refusal(self, r)
            assert_reads_work(self, s)
            # space returns: writes succeed again, without a restart
            os.unlink(filler)
            ok = [ing.post().status for _ in range(5)]
            self.assertIn(201, ok, ok)
            self.assertEqual(ok[-1], 201, ok)
            ing.check_stored(self, stored_events(s.db))
            self.assertEqual(s.stop(), 0, s.log_text()[-2000:])
            s.start()                                   # and after a restart
            ing.check_stored(self, stored_events(s.db))
            sys.stderr.write("disk full: %d batches acknowledged, first refusal %s %s\n"
                             % (len(ing.acked), refused.status, refused.type))
        finally:
            s.cleanup()
            subprocess.run(["umount", mnt])
            os.rmdir(mnt)


class ReadOnly(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cb-ro-")
        self.img = os.path.join(self.dir, "fs.img")
        self.mnt = os.path.join(self.dir, "mnt")
        os.mkdir(self.mnt)
        with open(self.img, "wb") as f:
            f.truncate(32 << 20)
        try:
            run("mkfs.ext4", "-q", "-F", self.img)
            run("mount", "-o", "loop,errors=remount-ro", self.img, self.mnt)
        except (OSError, subprocess.CalledProcessError) as e:
            shutil.rmtree(self.dir)
            self.skipTest("no ext4 image on a loop device here: %s" % getattr(e, "stderr", e))

    def tearDown(self):
        subprocess.run(["umount", self.mnt], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def device(self):
        out = subprocess.run(["findmnt", "-n", "-o", "SOURCE", self.mnt], capture_output=True, text=True).stdout
        return os.path.basename(out.strip())

    def test_read_only_under_the_server(self):
        s = Server()
        s.db = os.path.join(self.mnt, "codebook.db")
        try:
            s.start()
            key = s.add_key("ro")
            ing = Ingest(s, key, "ro")
            for _ in range(10):
                self.assertEqual(ing.post().status, 201)
            trigger = "/sys/fs/ext4/%s/trigger_fs_error" % self.device()
            if not os.path.exists(trigger):
                self.skipTest("this kernel has no %s" % trigger)
            with open(trigger, "w") as f:
                f.write("codebook reliability test\n")
            for _ in range(5):
                r = ing.post()
                self.assertNotEqual(r.status, 201, "written to a read-only file system")
                assert_clean_refusal(self, r)
            assert_reads_work(self, s)
            got = s.get("/v1/events?limit=1000").json["items"]
            ing.check_stored(self, {e["event_id"] for e in got})
            code = s.stop()
            self.assertEqual(code, 0, s.log_text()[-2000:])
            # remounted read-write: every acknowledged batch is there
            run("umount", self.mnt)
            subprocess.run(["e2fsck", "-f", "-y", self.img], capture_output=True)
            run("mount", "-o", "loop", self.img, self.mnt)
            s.start()
            got = s.get("/v1/events?limit=1000").json["items"]
            ing.check_stored(self, {e["event_id"] for e in got})
            self.assertEqual(len(got), sum(len(v) for v in ing.acked.values()) +
                             sum(len(v) for b, v in ing.unknown.items() if v[0] in {e["event_id"] for e in got}))
            self.assertEqual(ing.post().status, 201, "writes again once read-write")
        finally:
            s.cleanup()

    def test_read_only_at_start(self):
        s = Server()
        s.db = os.path.join(self.mnt, "codebook.db")
        s.start()
        s.add_key("ro")
        self.assertEqual(s.stop(), 0)
        run("mount", "-o", "remount,ro", self.mnt)
        with self.assertRaises(RuntimeError):
            s.start(timeout=15)
        log = s.log_text()
        lines = s.log_lines()
        self.assertFalse([l for l in lines if l.get("msg") == "listening"], log)
        self.assertTrue([l for l in lines if l.get("level") == "error" and "database" in l.get("msg", "")], log)
        s.proc = None
        s.cleanup()


if __name__ == "__main__":
    why = can_mount()
    if why is not None:
        print("SKIPPED: %s" % why)
        sys.exit(SKIP)
    unittest.main(verbosity=2)
