#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make run: start the HTTP service on 127.0.0.1:8080 over the bundled
# catalogs, with its database in ./var, and show how to call it.
# CODEBOOK_LISTEN and CODEBOOK_DB override the address and the database.
#
# make demo (or make run DEMO=1, or scripts/run.sh BUILD --demo): the same,
# plus the TikTok Shop simulator (tools/tiktok-sim) with its demo shops and
# orders, the service's cancellation worker talking to it, a fresh demo
# database (./var/demo.db), and example calls for a cancellation.
set -eu
cb="$1/bin/codebook"
sim="$1/bin/codebook-tiktok-sim"
demo=${DEMO:-}
if [ "${2:-}" = "--demo" ]; then
	demo=1
fi
listen=${CODEBOOK_LISTEN:-127.0.0.1:8080}
url="http://$listen"
if [ -n "$demo" ]; then
	db=${CODEBOOK_DB:-./var/demo.db}
else
	db=${CODEBOOK_DB:-./var/codebook.db}
fi
mkdir -p "$(dirname "$db")"

if [ -z "$demo" ]; then
	# a key for the examples that write, made once and kept beside the database
	keyfile="$(dirname "$db")/demo.key"
	if [ ! -s "$keyfile" ]; then
		(umask 077 && "$cb" keys add "demo-$(date +%Y%m%d%H%M%S)" --db "$db" >"$keyfile" 2>/dev/null)
	fi
	key=$(cat "$keyfile")

	cat <<MSG
codebook $("$cb" --version | cut -d' ' -f2): serving the bundled catalogs on $url
database $db, demo API key in $keyfile; logs are JSON lines below; Ctrl-C stops.
(make demo adds the TikTok Shop simulator and order cancellations.)

The web console: open $url/ in a browser (actions ask for the key above).

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
fi

# ---- demo: the simulator, a fresh database, the worker -------------------
here=$(cd "$(dirname "$0")/.." && pwd)
conf="$here/tools/tiktok-sim/demo.conf"
orders="$here/tools/tiktok-sim/demo-orders.json"
vardir=$(dirname "$db")
rm -f "$db" "$db-wal" "$db-shm" "$vardir/demo-sim.url"
"$sim" --config "$conf" --orders "$orders" >"$vardir/demo-sim.url" 2>"$vardir/demo-sim.log" &
simpid=$!
trap 'kill "$simpid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
simurl=
i=0
while [ -z "$simurl" ] && [ "$i" -lt 100 ]; do
	simurl=$(head -n 1 "$vardir/demo-sim.url" 2>/dev/null || true)
	if [ -z "$simurl" ]; then
		if ! kill -0 "$simpid" 2>/dev/null; then
			echo "run.sh: the simulator did not start:" >&2
			cat "$vardir/demo-sim.log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	fi
done
if [ -z "$simurl" ]; then
	echo "run.sh: the simulator printed no URL within 10 s" >&2
	exit 1
fi
key=$("$cb" keys add "demo-$(date +%Y%m%d%H%M%S)" --db "$db" 2>/dev/null)
# the demo configuration names a closed port; the environment points it at the simulator
CB_TIKTOK_BASE_URL=$simurl
export CB_TIKTOK_BASE_URL
auth="-H 'Authorization: Bearer $key' -H 'Content-Type: application/json'"

cat <<MSG
codebook $("$cb" --version | cut -d' ' -f2) demo: the service on $url, the TikTok Shop simulator on $simurl
(pid $simpid, demo shops from tools/tiktok-sim/demo.conf, 4 orders from demo-orders.json),
a fresh database $db and the cancellation worker every 0.5 s. Ctrl-C stops both.

The web console: open $url/ in a browser; the key for its actions is $key

A cancellation, in another terminal (the key is this demo database's):
  # 1. import the order as the marketplace has it (money in pence)
  curl -X POST $url/v1/orders $auth \\
       -d '{"order_id":"576461413038785752","shop":"uk-legacy","status":"Ready for Shipping","marketplace_status":"AWAITING_SHIPMENT","currency":"GBP","items":[{"sku":"TSHIRT-M","quantity":1,"unit_price":1000},{"sku":"TSHIRT-L","quantity":1,"unit_price":1000}],"shipping_cost":399,"total":2399}'
  # 2. ask for the cancellation: 202, a Pending refund of the whole order
  curl -X POST $url/v1/orders/576461413038785752/cancellations $auth -d '{}'
  # 3. a moment later the worker has cancelled it at the marketplace
  curl $url/v1/orders/576461413038785752
  curl $simurl/__admin/calls                               # the simulator saw one cancel

More:
  # an unpaid order: the default reason becomes the unpaid "Out of stock" key
  curl -X POST $url/v1/orders $auth \\
       -d '{"order_id":"576461413038785753","shop":"uk-current","marketplace_status":"UNPAID","currency":"GBP","items":[{"sku":"MUG-BLUE","quantity":1,"unit_price":1000}],"shipping_cost":249}'
  curl -X POST $url/v1/orders/576461413038785753/cancellations $auth -d '{}'
  # a partial refund: Error "Only full order refund is allowed."
  curl -X POST $url/v1/orders $auth \\
       -d '{"order_id":"576461413038785755","shop":"uk-legacy","status":"Ready for Shipping","currency":"GBP","items":[{"sku":"LAMP-OAK","quantity":1,"unit_price":4000}],"shipping_cost":500}'
  curl -X POST $url/v1/orders/576461413038785755/cancellations $auth \\
       -d '{"refund_rows":[{"sku":"LAMP-OAK","type":"item_cost","amount":4000}]}'
  # the marketplace's reverse reasons, mirrored as a new version when they change
  curl -X POST $url/v1/marketplaces/tiktok/reverse-reasons/sync $auth -d '{"shop":"uk-legacy"}'
  curl '$url/v1/orders?refund_status=Error'
  curl $url/metrics | grep -E 'order_payments|worker_'

MSG
"$cb" serve --listen "$listen" --db "$db" --market-config "$conf" --market-shop uk-legacy \
	--worker-interval 0.5 || true
