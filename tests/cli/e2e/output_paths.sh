#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Output files are replaced atomically (write beside, then rename), except
# devices and pipes, which are written in place: renaming over /dev/null as
# root once turned the device into a regular file for the whole machine.
# usage: output_paths.sh CODEBOOK
set -eu
cb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$cb" export outbound --format csv -o /dev/null || fail "export -o /dev/null"
[ -c /dev/null ] || fail "export -o /dev/null replaced the device"
"$cb" validate outbound "$CB_SOURCE_DIR/tests/fixtures/validate/mixed.ndjson" --report /dev/null \
	>/dev/null || [ $? -eq 1 ] || fail "validate --report /dev/null"
[ -c /dev/null ] || fail "validate --report /dev/null replaced the device"

mkfifo "$work/fifo"
cat "$work/fifo" >"$work/from-fifo" &
"$cb" export outbound --format csv -o "$work/fifo" || fail "export to a fifo"
wait
[ -p "$work/fifo" ] || fail "the fifo was replaced"
grep -q FRAUD.CHARGEBACK "$work/from-fifo" || fail "nothing came through the fifo"

"$cb" export outbound --format csv -o "$work/out.csv" || fail "export to a file"
grep -q FRAUD.CHARGEBACK "$work/out.csv" || fail "the file lacks the codes"
ls "$work" | grep -q tmp && fail "a temporary file was left behind"
echo "output paths: devices and pipes written in place, files replaced atomically"
