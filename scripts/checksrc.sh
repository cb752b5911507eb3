#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fail when C sources use banned functions: unbounded string copies and
# formatting, and number parsing without error reporting.  Use snprintf,
# cb_buf, memcpy with checked lengths and strtol/strtoul with errno checks.
set -u
cd "$(dirname "$0")/.."
pattern='\b(sprintf|vsprintf|strcpy|strcat|stpcpy|gets|atoi|atol|atoll|atof|strtok|strncat)[[:space:]]*\('
if grep -rnE "$pattern" --include='*.c' --include='*.h' --include='*.cpp' src tools fuzz 2>/dev/null; then
	echo "checksrc: banned functions above"
	exit 1
fi
echo "checksrc: no banned functions in src, tools, fuzz"
