#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The governance gate in CI, on a temporary git repository: diff --against
# REV in every format, deleted and new sets, other JSON files left alone,
# and the two definitions the repository ships run as their tools would:
# the pre-commit hook's entry with the staged files (.pre-commit-hooks.yaml)
# and the GitHub workflow's gate step (packaging/ci/codebook-gate.yml).
# usage: gate.sh CODEBOOK SOURCE_DIR
set -u
cb=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
expect() { # expect STATUS GREP-PATTERN COMMAND...
	want=$1 pat=$2
	shift 2
	out=$("$@" 2>&1)
	got=$?
	[ "$got" -eq "$want" ] || fail "$* exited $got, expected $want: $out"
	[ -z "$pat" ] || printf '%s\n' "$out" | grep -q -- "$pat" || fail "$* lacks '$pat': $out"
}

cd "$work" || exit 1
git init -q -b main . && git config user.email ci@example.invalid && git config user.name ci
mkdir catalogs
cp "$src/catalogs/outbound.json" "$src/catalogs/qe-reason.json" catalogs/
printf '{"not": "a code set"}\n' > package.json
git add -A && git commit -qm "published sets"

expect 0 "no code-set file changed since HEAD" "$cb" diff --against HEAD
cp "$src/examples/v2.json" catalogs/outbound.json
expect 0 "CODE_ADDED" "$cb" diff --against HEAD
cp "$src/examples/breaking.json" catalogs/outbound.json
printf '{"not": "a code set", "changed": 1}\n' > package.json
expect 1 "CODE_NO_DELETE" "$cb" diff --against HEAD
expect 1 "::error file=catalogs/outbound.json,title=CODE_NO_DELETE::code FRAUD.VELOCITY was removed" \
	"$cb" diff --against HEAD --format github
expect 1 '"breaking": true' "$cb" diff --against HEAD catalogs/outbound.json --format json
expect 0 "" "$cb" diff --against HEAD package.json
git rm -q catalogs/qe-reason.json
expect 1 "SET_NO_DELETE: catalogs/qe-reason.json was deleted" "$cb" diff --against HEAD
expect 2 "no such revision" "$cb" diff --against no-such-rev

# the pre-commit hook, as pre-commit runs it: its entry and the staged files
git checkout -q -- catalogs/qe-reason.json && git add -A
entry=$(sed -n 's/^ *entry: //p' "$src/.pre-commit-hooks.yaml")
[ -n "$entry" ] || fail "no entry in .pre-commit-hooks.yaml"
# shellcheck disable=SC2086
expect 1 "CODE_NO_DELETE" env PATH="$(dirname "$cb"):$PATH" $entry catalogs/outbound.json package.json
git checkout -q HEAD -- catalogs/outbound.json package.json
# shellcheck disable=SC2086
expect 0 "" env PATH="$(dirname "$cb"):$PATH" $entry catalogs/outbound.json

# the workflow's gate step, on a pull request from a branch to main
git checkout -q -b feature
cp "$src/examples/breaking.json" catalogs/outbound.json && git commit -qam "drop a code"
git update-ref refs/remotes/origin/main main
step=$(sed -n 's/^ *run: \(codebook diff .*\)$/\1/p' "$src/packaging/ci/codebook-gate.yml" |
	sed 's/\${{ github.base_ref }}/main/')
[ -n "$step" ] || fail "no codebook step in packaging/ci/codebook-gate.yml"
expect 1 "::error file=catalogs/outbound.json,title=CODE_NO_DELETE" \
	env PATH="$(dirname "$cb"):$PATH" sh -c "$step"

[ "$failed" -eq 0 ] && echo "gate: diff --against, the pre-commit hook and the workflow step work"
exit "$failed"
