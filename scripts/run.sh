#!/bin/sh
# make run: start the HTTP service on 127.0.0.1:8080 over the bundled
# catalogs, with its database in ./var, and show how to call it.
# CODEBOOK_LISTEN and CODEBOOK_DB override the address and the database.
set -eu
cb="$1/bin/codebook"
listen=${CODEBOOK_LISTEN:-127.0.0.1:8080}
db=${CODEBOOK_DB:-./var/codebook.db}
url="http://$listen"
mkdir -p "$(dirname "$db")"

# a key for the examples that write, made once and kept beside the database
keyfile="$(dirname "$db")/demo.key"
if [ ! -s "$keyfile" ]; then
	(umask 077 && "$cb" keys add "demo-$(date +%Y%m%d%H%M%S)" --db "$db" >"$keyfile" 2>/dev/null)
fi
key=$(cat "$keyfile")

cat <<MSG
codebook $("$cb" --version | cut -d' ' -f2): serving the bundled catalogs on $url
database $db, demo API key in $keyfile; logs are JSON lines below; Ctrl-C stops.

Try, in another terminal:
  curl $url/v1/code-sets
  curl -i $url/v1/code-sets/qe-reason                      # the whole set, with its ETag
  curl -i $url/v1/code-sets/qe-reason -H 'If-None-Match: "<etag from above>"'   # 304
  curl '$url/v1/code-sets/qe-reason/codes?context.rule=A3'
  curl -X POST $url/v1/code-sets/outbound/check -H 'Content-Type: application/json' \\
       -d '{"code":"FRAUD.CHARGEBAK"}'
  curl '$url/v1/errors/ttls-error/-9990001?endpoint=/v2/localservice/saas/fulfill/redeem_code/'
  curl -X POST $url/v1/incidents -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
       -d '{"incident_id":"inc-1","order_id":"576461413","rule":"A3","reason_code":"INVALID_TRACKING_NUMBER","occurred_at":"2026-02-06T09:30:00Z"}'
  curl '$url/v1/reports/incidents?group_by=reason_code'
  curl -X POST $url/v1/events -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
       -d '{"event_id":"evt-1","service":"SCM","entity":"order","entity_id":"42","from_state":"open","to_state":"held","reason_code":"FRAUD.CHARGEBACK","actor":"ops","occurred_at":"2026-02-06T09:30:00Z"}'
  curl $url/schemas/reason-code.schema.json
  curl $url/openapi.json
  curl $url/metrics

MSG
exec "$cb" serve --listen "$listen" --db "$db"
