#!/bin/sh
# The exported C headers compile in strict C99 and their string tables hold
# exactly the set's distinct codes, in order.
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
#include "$set.h"
int main(void)
{
	int i;
	for (i = 0; i < ${prefix}COUNT; i++)
		puts(${prefix}code_strings[i]);
	return ${prefix}VERSION > 0 ? 0 : 1;
}
EOC
	"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$tmp" "$tmp/main.c" -o "$tmp/main"
	"$tmp/main" >"$tmp/got"
	"$cb" export "$set" --format csv | /usr/bin/python3 -c '
import csv, sys
seen = []
for row in list(csv.reader(sys.stdin))[1:]:
    if row[0] and row[0] not in seen:
        seen.append(row[0])
print("\n".join(seen))' >"$tmp/want"
	if ! cmp -s "$tmp/got" "$tmp/want"; then
		echo "FAIL $set: string table differs from the set's codes"
		diff "$tmp/want" "$tmp/got" | head
		exit 1
	fi
	echo "$set: $(wc -l <"$tmp/got") codes, header compiles in C99"
done
