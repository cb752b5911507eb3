#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The files of examples/ give the results the documentation shows.
#   check_examples.sh SOURCE_DIR CODEBOOK SIM
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
src=$1
cb=$(abs "$2")
sim=$(abs "$3")
cd "$src/examples" || exit 1
tmp=$(mktemp -d)
simpid=""
trap '[ -n "$simpid" ] && kill "$simpid" 2>/dev/null; rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# run CMD..., expecting exit status $1; output in $tmp/out
expect_rc() {
	want=$1; shift
	"$@" >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { cat "$tmp/out"; fail "$* exited $rc, expected $want"; }
}
has() { grep -qF -- "$1" "$tmp/out" || { cat "$tmp/out"; fail "no \"$1\" in the output"; }; }

expect_rc 1 "$cb" validate qe-reason qe.ndjson --context rule=rule
has 'qe.ndjson:2: not-applicable: APP_MISSED_WEBHOOK does not suit rule=A3 in qe-reason v1'
has 'qe-reason v1: 3 lines, 2 valid, 1 invalid'

expect_rc 1 "$cb" diff outbound breaking.json
has 'breaking: CODE_NO_DELETE: code FRAUD.VELOCITY was removed'
has 'outbound v1 -> v2: 1 breaking, 0 warnings, 0 info: refused'

expect_rc 0 "$cb" diff outbound v2.json
has 'info: CODE_ADDED: code FRAUD.FRIENDLY_FRAUD was added to category FRAUD'
has 'outbound v1 -> v2: 0 breaking, 0 warnings, 1 info: allowed'

for f in breaking.json v2.json; do
	expect_rc 0 "$cb" lint "$f"
done

expect_rc 2 "$cb" tiktok --config shops-typo.conf --shop uk reasons
has 'codebook: shops-typo.conf:7: unknown key "acess_token"'

# the simulator serving reasons2.json, asked through shops.conf
"$sim" --config shops.conf --shop uk-legacy --reasons reasons2.json >"$tmp/sim.out" 2>"$tmp/sim.err" &
simpid=$!
url=""
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	url=$(head -n 1 "$tmp/sim.out" 2>/dev/null)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/sim.err"; fail "the simulator did not start"; }
export CB_TIKTOK_BASE_URL="$url"
for shop in uk-legacy uk-current; do
	expect_rc 0 "$cb" tiktok --config shops.conf --shop "$shop" reasons
done
expect_rc 0 "$cb" tiktok --config shops.conf --shop uk-legacy reasons
has '21 reverse reasons'
has 'seller_cancel_reason_damaged_in_warehouse_uk'
if grep -q 'seller_cancel_reason_wrong_price_uk' "$tmp/out"; then fail "reasons2.json still lists wrong_price"; fi

[ "$failed" -eq 0 ] && echo "examples: ok"
exit "$failed"
