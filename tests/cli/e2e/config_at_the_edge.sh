#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Configuration is read once, at the edge (docs/configuration.md): below
# the command line (src/cli) and the simulator's main, no file reads the
# process environment.  Prints each offending line and fails.
# usage: config_at_the_edge.sh SOURCE_DIR
set -eu
cd "$1"
hits=$(grep -rnE '\b(secure_getenv|getenv)[[:space:]]*\(|\benviron\b' src tools \
	--include='*.c' --include='*.h' --include='*.cpp' \
	| grep -vE '^(src/cli/|tools/[^/]+/main\.c:)' || true)
if [ -n "$hits" ]; then
	echo "the environment is read below the command line:" >&2
	echo "$hits" >&2
	exit 1
fi
# and the check itself can see a hit: the command line does read it
grep -rqE '\bgetenv[[:space:]]*\(' src/cli || { echo "config_at_the_edge.sh: no getenv in src/cli either?" >&2; exit 1; }
echo "config-at-the-edge: ok"
