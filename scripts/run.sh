#!/bin/sh
# make run: show what codebook does with the bundled catalogs.
set -eu
cb="$1/bin/codebook"
say() { printf '\n$ codebook %s\n' "$*"; "$cb" "$@" || true; }
echo "codebook $("$cb" --version | cut -d' ' -f2): bundled catalogs in $(dirname "$0")/../catalogs"
say list
say check outbound FRAUD.CHARGEBACK
say check outbound fraud.chargeback
say check qe-reason APP_MISSED_WEBHOOK --context rule=A3
say explain ttls-error -9990001 --context endpoint=/v2/localservice/saas/fulfill/redeem_code/
printf '\nTry: %s --help\n' "$cb"
