-- SPDX-License-Identifier: Apache-2.0
-- POST /v1/events with batches of BATCH events (default 1000), every event
-- id unique across threads, requests and runs ($RUN).  The key comes from $CB_KEY.
local batch = tonumber(os.getenv("BATCH") or "1000")
local key = os.getenv("CB_KEY")
local run = os.getenv("RUN") or tostring(os.time())   -- ids unique across runs too
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

local codes = { "FRAUD.CHARGEBACK", "INVENTORY.ADJUST", "FULFILLMENT.SHORT_PICK", "RECEIVING.DAMAGED" }

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, batch do
    parts[i] = string.format(
      '{"event_id":"%s-%d-%d-%d","service":"SCM","entity":"order","entity_id":"%d",' ..
      '"from_state":"open","to_state":"held","reason_code":"%s","reason":"bench",' ..
      '"actor":"bench","occurred_at":"2026-02-06T09:30:00Z"}',
      run, tid, counter, i, i, codes[(i % #codes) + 1])
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end

function done(summary, latency, requests)
  io.write(string.format("ingest: %d requests, %d non-2xx, %d socket errors\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
