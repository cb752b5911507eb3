#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The layer check must catch what it is for: a copy of the sources with a
crossing planted in it (the service including and calling the marketplace
client; the library including the store's private header) must fail with
each crossing named, and the untouched copy must pass.

usage: check_layers_catches.py SOURCE_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

src = os.path.abspath(sys.argv[1])
script = os.path.join(src, "scripts", "check-layers.py")
work = tempfile.mkdtemp(prefix="cb-layers-")
try:
    for d in ("src", "include", "tools"):
        shutil.copytree(os.path.join(src, d), os.path.join(work, d))
    clean = subprocess.run([sys.executable, script, work], capture_output=True, text=True)
    assert clean.returncode == 0, "the untouched copy fails:\n" + clean.stdout
    with open(os.path.join(work, "src/svc/h_misc.c"), "a") as f:
        f.write('\n#include "market.h"\nvoid planted(void);\nvoid planted(void) { cb_mkt_free(0); }\n')
    with open(os.path.join(work, "src/lib/check.c"), "a") as f:
        f.write('\n#include "../store/store_int.h"\n')
    bad = subprocess.run([sys.executable, script, work], capture_output=True, text=True)
    assert bad.returncode == 1, "planted crossings passed:\n" + bad.stdout
    for want in ("svc includes src/market/market.h", "svc calls cb_mkt_free",
                 "lib includes src/store/store_int.h"):
        assert want in bad.stdout, "not reported: %s\n%s" % (want, bad.stdout)
    print("check-layers: the clean tree passes; 3 planted crossings are reported")
finally:
    shutil.rmtree(work, ignore_errors=True)
