#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The API document against the tools its users run: swagger-parser validates
# it, Redocly CLI lints it (recommended-strict: a warning fails), and a client
# on the types openapi-typescript generates from it compiles with tsc --strict
# (client.ts).  The tools come from the npm registry, pinned by
# package-lock.json and installed by `npm ci` into WORK (once: again only when
# the lock file changes).
#
#   run.sh SOURCE_DIR WORK_DIR
#
# Without node or npm, or when npm ci fails (no registry), the test is skipped
# (exit 77) with the reason; under CI (CB_CI=1) it fails instead.
set -eu
src=$1
work=$2
here=$src/tests/openapi
doc=$src/src/svc/openapi.json

unavailable() {
	if [ "${CB_CI:-}" = 1 ]; then
		echo "openapi tools: $* (CB_CI=1: a failure, not a skip)" >&2
		exit 1
	fi
	echo "openapi tools: $*; skipped" >&2
	exit 77
}

command -v node >/dev/null 2>&1 || unavailable "node is not installed (Debian: nodejs; scripts/deps.sh)"
command -v npm >/dev/null 2>&1 || unavailable "npm is not installed (Debian: npm; scripts/deps.sh)"
echo "node $(node --version), npm $(npm --version)"

mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.codebook-lock" ||
	! cmp -s "$here/package.json" "$work/package.json"; then
	rm -rf "$work/node_modules"
	cp "$here/package.json" "$here/package-lock.json" "$work/"
	# --ignore-scripts: none of these tools needs an install script
	if ! (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
		unavailable "npm ci failed (is the npm registry reachable?)"
	fi
	cp "$here/package-lock.json" "$work/node_modules/.codebook-lock"
fi
bin=$work/node_modules/.bin

# node resolves the imports of a module from its own folder: the copy in WORK
# finds node_modules there
cp "$here/swagger.mjs" "$here/client.ts" "$here/tsconfig.json" "$work/"
node "$work/swagger.mjs" "$doc"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	"$bin/redocly" lint --config "$here/redocly.yaml" --format=stylish "$doc"
"$bin/openapi-typescript" "$doc" --output "$work/api.d.ts"
"$bin/tsc" -p "$work/tsconfig.json"
echo "tsc: client.ts compiles against the generated types ($(wc -l <"$work/api.d.ts") lines)"
