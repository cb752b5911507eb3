// SPDX-License-Identifier: Apache-2.0
'use strict'
// POST /v1/code-sets/outbound/check, the way a Node team would write it:
// Fastify 5, the body validated by its ajv schema, the allowlist in a Set,
// the response serialised from its schema (fast-json-stringify).  Same
// verdicts as codebook for the outbound set (format, category, code).
const fs = require('node:fs')
const Fastify = require('fastify')

const set = JSON.parse(fs.readFileSync(process.env.CATALOG, 'utf8'))
const codes = new Set(set.entries.map((e) => e.code))
const categories = new Set(set.categories.map((c) => c.name))
const allowed = new RegExp('^[' + set.format.charset + ']+$')

const verdict = {
  type: 'object',
  properties: {
    set: { type: 'string' }, version: { type: 'integer' }, code: { type: 'string' },
    valid: { type: 'boolean' }, reason: { type: 'string' }, message: { type: 'string' }
  }
}

function check (code) {
  const dot = code.indexOf('.')
  let reason = 'valid'
  if (!allowed.test(code) || dot <= 0 || dot === code.length - 1) reason = 'invalid-format'
  else if (!categories.has(code.slice(0, dot))) reason = 'unknown-category'
  else if (!codes.has(code)) reason = 'unknown-code'
  return {
    set: set.name, version: set.version, code, valid: reason === 'valid', reason,
    message: reason === 'valid' ? `${code} is valid in ${set.name} v${set.version}`
      : `"${code}" is rejected by ${set.name} v${set.version}: ${reason}`
  }
}

const app = Fastify({ logger: false })
app.post('/v1/code-sets/outbound/check', {
  schema: {
    body: {
      type: 'object',
      required: ['code'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', maxLength: 256 },
        context: { type: 'object', additionalProperties: { type: 'string' } }
      }
    },
    response: { 200: verdict }
  }
}, async (req) => check(req.body.code))

app.listen({ host: '127.0.0.1', port: Number(process.env.PORT || 0) }).then((address) => {
  console.log(address)
}, (err) => {
  console.error(err)
  process.exit(1)
})
