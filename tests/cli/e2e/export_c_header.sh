#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The exported C headers compile in strict C99; their tables hold exactly
# the set's distinct codes in id order, each enum constant is its code's
# id, and the table by id gives each code at its id.
set -eu
cb=$1
cc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for set in $("$cb" list | awk 'NR > 1 { print $1 }'); do
	hdr="$tmp/$set.h"
	"$cb" export "$set" --format c-header -o "$hdr"
	prefix=$(echo "$set" | tr 'a-z@-' 'A-Z__')_
	cat >"$tmp/main.c" <<EOC
#include <stdio.h>
#include <string.h>
#include "$set.h"
int main(void)
{
	int i;
	for (i = 0; i < ${prefix}COUNT; i++) {
		const char *by_id = ${prefix}code_strings[${prefix}code_ids[i]];
		if (by_id == NULL || strcmp(by_id, ${prefix}code_names[i]) != 0)
			return 1;
		printf("%d %s\n", ${prefix}code_ids[i], ${prefix}code_names[i]);
	}
	return ${prefix}VERSION > 0 && ${prefix}code_strings[0] == NULL ? 0 : 1;
}
EOC
	"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$tmp" "$tmp/main.c" -o "$tmp/main"
	"$tmp/main" >"$tmp/got"
	# the enum: every constant is the id of its code
	sed -n 's/^\t\([A-Z0-9_]*\) = \([0-9]*\),.*/\2/p' "$hdr" | sort -n >"$tmp/enum"
	cut -d' ' -f1 "$tmp/got" | sort -n >"$tmp/ids"
	if ! cmp -s "$tmp/enum" "$tmp/ids"; then
		echo "FAIL $set: the enum's values are not the codes' ids"
		exit 1
	fi
	"$cb" export "$set" --format csv | /usr/bin/python3 -c '
import csv, sys
seen = {}
for row in list(csv.reader(sys.stdin))[1:]:
    if row[1] and row[1] not in seen:
        seen[row[1]] = int(row[0])
print("\n".join("%d %s" % (i, c) for c, i in sorted(seen.items(), key=lambda x: x[1])))' >"$tmp/want"
	if ! cmp -s "$tmp/got" "$tmp/want"; then
		echo "FAIL $set: the header's tables differ from the set's codes and ids"
		diff "$tmp/want" "$tmp/got" | head
		exit 1
	fi
	echo "$set: $(wc -l <"$tmp/got") codes by id, header compiles in C99"
done
