// SPDX-License-Identifier: Apache-2.0
// The Node peer of bench/validate: what a team would write with ajv 8 over
// the JSON Schema that `codebook export SET --format jsonschema` gives.
// Each line: strict UTF-8 decoding, JSON.parse, then one compiled schema
// (an object that requires FIELD, whose value is the exported code schema).
// Prints the number of every invalid line, then "lines N" on stderr.
//
//   node ajv-validate.mjs SCHEMA.json FIELD EVENTS.ndjson
import fs from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

const [schemaPath, field, eventsPath] = process.argv.slice(2);
const codeSchema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const ajv = new Ajv2020({ allErrors: false });
ajv.addSchema(codeSchema);
const validate = ajv.compile({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: [field],
  properties: { [field]: { $ref: codeSchema.$id } },
});

const decoder = new TextDecoder("utf-8", { fatal: true });
const fd = fs.openSync(eventsPath, "r");
const chunk = Buffer.allocUnsafe(16 << 20);
let carry = Buffer.alloc(0);
let lineNo = 0, lines = 0;
const out = [];
let first = true;

function judge(buf) {
  lineNo++;
  let end = buf.length;
  if (end > 0 && buf[end - 1] === 13) end--;
  let start = 0;
  if (first) {
    first = false;
    if (end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  }
  let blank = true;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) { blank = false; break; }
  }
  if (blank) return;
  lines++;
  let ok;
  try {
    ok = validate(JSON.parse(decoder.decode(buf.subarray(start, end))));
  } catch (e) {
    ok = false;
  }
  if (!ok) out.push(lineNo);
}

for (;;) {
  const n = fs.readSync(fd, chunk, 0, chunk.length, null);
  if (n === 0) break;
  let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
  let pos = 0, nl;
  while ((nl = data.indexOf(10, pos)) !== -1) {
    judge(data.subarray(pos, nl));
    pos = nl + 1;
  }
  carry = Buffer.from(data.subarray(pos));
}
if (carry.length) judge(carry);
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
process.stderr.write(`lines ${lines}\n`);
