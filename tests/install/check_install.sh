#!/bin/sh
# `make install` works: install into a temporary prefix, then the installed
# binary finds its bundled catalogs, and a program built against the installed
# header and library through pkg-config links, runs and checks a code.
set -eu
build=$1
cc=$2
extra=${3:-}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cb="$prefix/bin/codebook"
env -u CODEBOOK_CATALOGS "$cb" list | grep -q '^outbound ' || { echo "installed codebook does not find its catalogs"; exit 1; }
test -f "$prefix/share/codebook/schemas/codeset.schema.json" || { echo "schema not installed"; exit 1; }
pc=$(find "$prefix" -name codebook.pc | head -n 1)
test -n "$pc" || { echo "codebook.pc not installed"; exit 1; }
cat >"$prefix/demo.c" <<'EOC'
#include <codebook.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	cb_codeset *cs;
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_ctx rule = cb_ctx_make("rule", "A3");
	char msg[CB_CHECK_MESSAGE_MAX];

	if (!CB_VERSION_CHECK()) {
		fprintf(stderr, "libcodebook %s does not implement %s\n", cb_version(), CB_VERSION_STRING);
		return 2;
	}
	if (argc < 2 || cb_codeset_load_file(&cs, argv[1]) != CB_OK) {
		fprintf(stderr, "%s\n", cb_errmsg());
		return 2;
	}
	cb_check(&r, cs, "APP_MISSED_WEBHOOK", strlen("APP_MISSED_WEBHOOK"), &rule, 1);
	cb_check_message(msg, sizeof(msg), &r);
	printf("%s: %s\n", cb_reason_name(r.reason), msg);
	cb_codeset_free(cs);
	return r.accepted ? 0 : 1;
}
EOC
# the .pc file names the configured prefix; point pkg-config at the temporary one
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$prefix" --cflags --libs codebook)
libdir=$(dirname "$(find "$prefix" -name 'libcodebook.so' | head -n 1)")
# shellcheck disable=SC2086
$cc $extra -std=c17 -Wall -Wextra -Werror "$prefix/demo.c" -I"$prefix/include" -L"$libdir" -lcodebook -o "$prefix/demo" $flags
set +e
LD_LIBRARY_PATH="$libdir" "$prefix/demo" "$prefix/share/codebook/catalogs/qe-reason.json" >"$prefix/out"
rc=$?
set -e
cat "$prefix/out"
[ "$rc" -eq 1 ] && grep -q '^not-applicable: APP_MISSED_WEBHOOK does not suit rule=A3' "$prefix/out"
echo "install: binary, catalogs, schema, header, library and pkg-config file work from $prefix"
