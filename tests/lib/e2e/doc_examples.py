#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The C examples of docs/library.md and README.md compile and print what
the page says.

Each ```c block that opens with /* example: NAME */ is compiled against the
headers and the shared library of the build (-Wall -Wextra -Werror), run with
the bundled catalogs' directory as its argument, and its output compared with
the ```text block that follows it.

    doc_examples.py CC BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile


def examples(text):
    blocks = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    out = []
    for i, (lang, body) in enumerate(blocks):
        m = re.match(r"/\* example: ([\w-]+) \*/", body)
        if lang != "c" or not m:
            continue
        want = blocks[i + 1][1] if i + 1 < len(blocks) and blocks[i + 1][0] == "text" else None
        out.append((m.group(1), body, want))
    return out


def main():
    cc, build, src = sys.argv[1:4]
    extra = shlex.split(sys.argv[4]) if len(sys.argv) > 4 else []
    found = []
    for doc in (os.path.join(src, "docs", "library.md"), os.path.join(src, "README.md")):
        with open(doc, encoding="utf-8") as f:
            mine = examples(f.read())
        if not mine:
            print(f"{doc}: no examples found")
            return 1
        found += mine
    failed = 0
    libdir = os.path.join(build, "lib")
    with tempfile.TemporaryDirectory() as tmp:
        for name, code, want in found:
            c = os.path.join(tmp, name + ".c")
            exe = os.path.join(tmp, name)
            with open(c, "w", encoding="utf-8") as f:
                f.write(code)
            cmd = [cc, "-std=c17", "-Wall", "-Wextra", "-Werror", *extra, "-I" + os.path.join(src, "include"),
                   c, "-L" + libdir, "-lcodebook", "-Wl,-rpath," + libdir, "-o", exe]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL {name}: does not compile\n{r.stderr}")
                failed += 1
                continue
            r = subprocess.run([exe, os.path.join(src, "catalogs")], capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                print(f"FAIL {name}: exit {r.returncode}\n{r.stderr}")
                failed += 1
            elif want is None:
                print(f"FAIL {name}: no ```text block with its output follows it")
                failed += 1
            elif r.stdout != want:
                print(f"FAIL {name}: the output differs from the page\n--- page\n{want}--- program\n{r.stdout}")
                failed += 1
            else:
                print(f"ok {name}")
    print(f"library examples: {len(found) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
