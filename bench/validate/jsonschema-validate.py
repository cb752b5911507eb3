#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The Python peer of bench/validate: Debian's python3-jsonschema over the
JSON Schema that `codebook export SET --format jsonschema` gives.  Each line:
strict UTF-8, json.loads without NaN/Infinity, then one Draft 2020-12
validator (an object that requires FIELD, whose value is the exported code
schema).  Prints the number of every invalid line, then "lines N" on stderr.

  jsonschema-validate.py SCHEMA.json FIELD EVENTS.ndjson
"""
import json
import sys

import jsonschema


def no_constants(name):
    raise ValueError(name)


def main():
    schema_path, field, events = sys.argv[1:4]
    with open(schema_path, encoding="utf-8") as f:
        code_schema = json.load(f)
    event_schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": [field],
        "properties": {field: {"$ref": code_schema["$id"]}},
    }
    resolver = jsonschema.RefResolver.from_schema(event_schema, store={code_schema["$id"]: code_schema})
    validator = jsonschema.Draft202012Validator(event_schema, resolver=resolver)
    out, lines = [], 0
    with open(events, "rb") as f:
        for n, raw in enumerate(f, 1):
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip(b" \t\r"):
                continue
            lines += 1
            try:
                ok = validator.is_valid(json.loads(raw.decode("utf-8"), parse_constant=no_constants))
            except ValueError:
                ok = False
            if not ok:
                out.append(n)
    sys.stdout.write("".join("%d\n" % n for n in out))
    sys.stderr.write("lines %d\n" % lines)


if __name__ == "__main__":
    main()
