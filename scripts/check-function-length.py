#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fail when a function in src/ or tools/ is longer than 80 lines.

The code's style puts a function's opening and closing braces at column 0
(style(9), as OpenBSD and libgit2 do), so a function is the lines from a
"{" at column 0 to the next "}" at column 0.  Two functions may be longer,
by design: the JSON walker of the simdjson shim (one switch over node
kinds) and the service's main loop (start-up in order, then signals).

usage: check-function-length.py [SOURCE_DIR]
"""
import os
import re
import sys

LIMIT = 80
ALLOWED = {("src/shim/json_shim.cpp", "value"), ("src/svc/server.c", "cb_svc_run")}
NAME = re.compile(r"(\w+)\s*\(")


def functions(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if line.startswith("{") and start is None:
            j = i - 1
            while j >= 0 and not NAME.search(lines[j]):
                j -= 1
            m = NAME.search(lines[j]) if j >= 0 else None
            name, start = (m.group(1) if m else "?"), i
        elif line.startswith("}") and start is not None:
            yield name, start + 1, i - start + 1
            start = None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    long_ = []
    for top in ("src", "tools"):
        for dp, _, names in os.walk(os.path.join(root, top)):
            for f in sorted(names):
                if not f.endswith((".c", ".cpp")):
                    continue
                rel = os.path.relpath(os.path.join(dp, f), root)
                for name, line, n in functions(os.path.join(root, rel)):
                    if n > LIMIT and (rel, name) not in ALLOWED:
                        long_.append("%s:%d: %s is %d lines (at most %d)" % (rel, line, name, n, LIMIT))
    for x in long_:
        print(x)
    print("function length: %d function(s) over %d lines" % (len(long_), LIMIT))
    return 1 if long_ else 0


if __name__ == "__main__":
    sys.exit(main())
