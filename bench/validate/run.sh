#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/validate: codebook validate against cat, Node + ajv 8 and Python's
# jsonschema on one generated file of 1,000,000 events.  See run.py.
#   bench/validate/run.sh [--lines N] [--runs K] [--no-python] [--codebook PATH]
exec /usr/bin/python3 "$(dirname "$0")/run.py" "$@"
