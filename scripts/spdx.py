#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The licence of every source file the project wrote, said in the file:
a line `SPDX-License-Identifier: Apache-2.0` (https://spdx.dev/ids) in the
comment syntax of its language, near its top.

    scripts/spdx.py [ROOT]           add the line where it is missing (idempotent)
    scripts/spdx.py --check [ROOT]   list the files without it; exit 1 if any
    scripts/spdx.py --self-test      the rules on a temporary tree

Source files: C and C++ (.c .h .cpp), CMake (CMakeLists.txt, .cmake), Python,
shell (.sh .bash .zsh, .ci/run, the zsh completion _codebook), JavaScript,
TypeScript, CSS and HTML, Lua, the scdoc man sources (.scd), YAML, the
Makefile.  Data (catalogs, JSON, fuzz corpora, test cases, example
configuration shown verbatim by the docs) carries no comment and is not
listed; package.json files say their licence in "license".

The line goes first, except where the first line must stay first: a
shebang, a Python coding line, zsh's #compdef, scdoc's preamble
(`name(section)`), an HTML doctype.  A file that names its licence in its
first 10 lines is left as it is.
"""
import os
import re
import subprocess
import sys
import tempfile

LICENSE = "Apache-2.0"
TAG = "SPDX-License-Identifier:"
LINE = "%s %s" % (TAG, LICENSE)

# extension (or whole name) -> the comment around LINE
STYLES = {
    ".c": "/* %s */", ".h": "/* %s */", ".cpp": "/* %s */", ".css": "/* %s */",
    ".js": "// %s", ".mjs": "// %s", ".ts": "// %s",
    ".py": "# %s", ".sh": "# %s", ".bash": "# %s", ".zsh": "# %s", ".cmake": "# %s",
    ".yml": "# %s", ".yaml": "# %s",
    ".lua": "-- %s",
    ".scd": "; %s",
    ".html": "<!-- %s -->",
    "CMakeLists.txt": "# %s", "Makefile": "# %s", "run": "# %s", "_codebook": "# %s",
}
# extensionless names count only where they are the project's scripts
NAMED = {"CMakeLists.txt": None, "Makefile": None, "run": ".ci", "_codebook": "packaging/completion"}
SKIP_DIRS = ("fuzz/corpus/", "catalogs/", "node_modules/", "build", ".git/")


def style_of(rel):
    base = os.path.basename(rel)
    if base in NAMED:
        where = NAMED[base]
        if where is None or os.path.dirname(rel) == where:
            return STYLES[base]
        return None
    return STYLES.get(os.path.splitext(base)[1])


def candidates(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if not x.startswith(".git") and x != "node_modules"
                       and not (d == root and x.startswith("build"))]
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]
    for rel in sorted(files):
        if rel.startswith(SKIP_DIRS) or not os.path.isfile(os.path.join(root, rel)):
            continue
        style = style_of(rel)
        if style is not None:
            yield rel, style


def has_line(text):
    return any(TAG in line for line in text.splitlines()[:10])


def keep_first(rel, first):
    """Whether the file's first line must stay first."""
    if first.startswith("#!") or first.startswith("#compdef"):
        return True
    if rel.endswith(".py") and re.match(r"#.*coding[:=]", first):
        return True
    if rel.endswith(".scd") and re.match(r"^[A-Za-z0-9_.-]+\(\d\)", first):
        return True
    if rel.endswith(".html") and first.lower().startswith("<!doctype"):
        return True
    return False


def add_line(rel, text, style):
    comment = style % LINE + "\n"
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines) and at < 2 and keep_first(rel, lines[at]):
        at += 1
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    return "".join(lines[:at]) + comment + "".join(lines[at:])


def run(root, check):
    missing, added = [], []
    for rel, style in candidates(root):
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        if has_line(text):
            continue
        if check:
            missing.append(rel)
            continue
        mode = os.stat(path).st_mode
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(add_line(rel, text, style))
        os.chmod(path, mode)
        added.append(rel)
    return missing, added


def self_test():
    tree = {
        "a.c": "/*\n * a.c - x\n */\nint a;\n",
        "s.sh": "#!/bin/sh\necho hi\n",
        "p.py": "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\"\"\"doc\"\"\"\n",
        "m.1.scd": "m(1) \"m\" \"manual\"\n\n# NAME\n",
        "i.html": "<!DOCTYPE html>\n<html></html>\n",
        "packaging/completion/_codebook": "#compdef codebook\n_c() {}\n",
        "CMakeLists.txt": "project(x)\n",
        "data.json": "{}\n",
        "catalogs/x.yaml": "a: 1\n",
        "done.h": "/* SPDX-License-Identifier: Apache-2.0 */\nint b;\n",
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in tree.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)) or root, exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        missing, _ = run(root, True)
        expect = sorted(["a.c", "s.sh", "p.py", "m.1.scd", "i.html", "packaging/completion/_codebook",
                         "CMakeLists.txt"])
        assert sorted(missing) == expect, "check lists %s, not %s" % (sorted(missing), expect)
        _, added = run(root, False)
        assert sorted(added) == expect, added
        assert run(root, True)[0] == [], "files still without the line after adding it"
        assert run(root, False)[1] == [], "a second run changed files: not idempotent"

        def read(rel):
            with open(os.path.join(root, rel)) as f:
                return f.read().splitlines()
        assert read("a.c")[0] == "/* SPDX-License-Identifier: Apache-2.0 */"
        assert read("s.sh")[:2] == ["#!/bin/sh", "# SPDX-License-Identifier: Apache-2.0"]
        assert read("p.py")[2] == "# SPDX-License-Identifier: Apache-2.0"
        assert read("m.1.scd")[1] == "; SPDX-License-Identifier: Apache-2.0"
        assert read("i.html")[1] == "<!-- SPDX-License-Identifier: Apache-2.0 -->"
        assert read("packaging/completion/_codebook")[0] == "#compdef codebook"
        assert read("data.json") == ["{}"] and read("catalogs/x.yaml") == ["a: 1"]
        assert read("done.h") == ["/* SPDX-License-Identifier: Apache-2.0 */", "int b;"]
    print("spdx: self-test passed (check, add, idempotent, first lines kept, data left alone)")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if "--self-test" in argv:
        self_test()
        return 0
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    check = "--check" in argv
    missing, added = run(root, check)
    n = sum(1 for _ in candidates(root))
    if check:
        for rel in missing:
            print("%s: no %s line" % (rel, LINE))
        if missing:
            print("spdx: %d of %d source files lack it; add it with scripts/spdx.py" % (len(missing), n))
            return 1
        print("spdx: all %d source files say %s" % (n, LINE))
        return 0
    for rel in added:
        print("added: %s" % rel)
    print("spdx: %d of %d source files given the line" % (len(added), n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
