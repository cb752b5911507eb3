-- SPDX-License-Identifier: Apache-2.0
-- POST one check per request (the same body for codebook and Fastify)
wrk.method = "POST"
wrk.body = '{"code":"FRAUD.CHARGEBACK"}'
wrk.headers["Content-Type"] = "application/json"
