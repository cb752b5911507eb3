#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The cost of one reservation from a shop's request budget, on SQLite (a
file in a temporary directory) and on a throwaway PostgreSQL
(tests/support/pgserver.py, fsync on): build/bin/bench_budget on each.

  bench/budget/run.py [--build DIR] [--takes N]
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "support"))
from pgserver import PgServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--takes", type=int, default=2000)
    a = ap.parse_args()
    exe = os.path.join(a.build, "bin", "bench_budget")
    with tempfile.TemporaryDirectory(prefix="cb-bench-budget-") as d:
        subprocess.run([exe, os.path.join(d, "b.db"), str(a.takes)], check=True)
    with PgServer() as pg:
        subprocess.run([exe, pg.url(), str(a.takes)], check=True)
        subprocess.run([exe, pg.url(), str(a.takes // 4), "4"], check=True)


if __name__ == "__main__":
    main()
