#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make install` is right: it installs into the PREFIX it is given although
# the build directory was configured with another one; the installed binary
# finds its bundled catalogs; programs build against the installation with
# nothing but pkg-config's output, shared and static; DESTDIR stages the
# same tree with the final paths inside.
#   check_install.sh SOURCE_DIR BUILD_DIR CC [EXTRA_CFLAGS]
set -eu
src=$1
build=$2
cc=$3
extra=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install: $*" >&2; exit 1; }

prefix=$tmp/prefix
configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$configured" != "$prefix" ] || fail "the build was configured with the test's prefix"
# the top-level Makefile's rule, as a user runs it (the build is up to date)
make -s -C "$src" install BUILD="$build" PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install failed"; }
[ -x "$prefix/bin/codebook" ] || fail "make install PREFIX=$prefix did not install there (configured: $configured)"

# the binary and its data
env -u CODEBOOK_CATALOGS "$prefix/bin/codebook" list | grep -q '^outbound ' ||
	fail "installed codebook does not find its catalogs"
[ -f "$prefix/share/codebook/schemas/codeset.schema.json" ] || fail "schema not installed"
[ -f "$prefix/share/bash-completion/completions/codebook" ] || fail "bash completion not installed"
[ -n "$(find "$prefix/share/zsh" -name _codebook)" ] || fail "zsh completion not installed"
if [ -d "$build/man" ]; then
	[ -f "$prefix/share/man/man1/codebook.1" ] && [ -f "$prefix/share/man/man3/libcodebook.3" ] ||
		fail "man pages built but not installed"
fi
unit=$prefix/lib/systemd/system/codebook.service
[ -f "$unit" ] || fail "systemd unit not installed"
grep -q "^ExecStart=$prefix/bin/codebook serve " "$unit" || fail "the unit does not start $prefix/bin/codebook"
grep -q "^EnvironmentFile=-$prefix/etc/default/codebook\$" "$unit" || fail "the unit reads another environment file"
[ -f "$prefix/etc/default/codebook" ] || fail "environment file not installed"
# every variable the environment file sets, commented out or not, is a setting
# codebook serve or worker reads (they show it in --print-config)
sed -n 's/^#\{0,1\}\(CODEBOOK_[A-Z_]*\)=.*/\1/p' "$prefix/etc/default/codebook" >"$tmp/vars"
[ -s "$tmp/vars" ] || fail "no CODEBOOK_ variable in the environment file"
while read -r var; do
	case $var in CODEBOOK_SERVE_ARGS|CODEBOOK_WORKER_ARGS|CODEBOOK_CONFIG) continue ;; esac
	val=$(sed -n "s/^#\{0,1\}$var=//p" "$prefix/etc/default/codebook" | head -n 1)
	found=0
	for cmd in serve worker; do
		env -i "$var=$val" "$prefix/bin/codebook" $cmd --print-config 2>&1 |
			grep -q "# environment $var\$" && found=1
	done
	[ "$found" -eq 1 ] || fail "the environment file sets $var, which neither serve nor worker reads"
done <"$tmp/vars"
# the units as systemd reads them: no unknown key, a binary that exists, and
# the hardening systemd-analyze rates (0 best, 10 worst; 1.4 when written)
if command -v systemd-analyze >/dev/null; then
	for u in codebook.service codebook-worker.service; do
		out=$(cd "$prefix/lib/systemd/system" && systemd-analyze verify --man=no "./$u" 2>&1) &&
			[ -z "$out" ] || fail "systemd-analyze verify $u: $out"
		systemd-analyze security --help | grep -q -- --offline || continue   # systemd < 250
		systemd-analyze security --offline=true --threshold=20 "$prefix/lib/systemd/system/$u" \
			>"$tmp/security" 2>&1 || { tail -n 3 "$tmp/security"; fail "$u: exposure above 2.0"; }
	done
fi

# pkg-config alone gives the flags: no -I or -L of the test's own
pc=$prefix/lib/pkgconfig/codebook.pc
[ -f "$pc" ] || fail "codebook.pc not in $prefix/lib/pkgconfig"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs codebook)
echo "pkg-config --cflags --libs codebook: $flags"
case " $flags " in
*" -I$prefix/include "*" -L$prefix/lib "*) ;;
*) fail "pkg-config flags do not name $prefix/include and $prefix/lib: $flags" ;;
esac
cat >"$tmp/demo.c" <<'EOC'
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
set_file=$prefix/share/codebook/catalogs/qe-reason.json
run_demo() {
	set +e
	"$@" "$set_file" >"$tmp/out"
	rc=$?
	set -e
	cat "$tmp/out"
	[ "$rc" -eq 1 ] && grep -q '^not-applicable: APP_MISSED_WEBHOOK does not suit rule=A3' "$tmp/out" ||
		fail "the demo program did not check the code (exit $rc)"
}

# shared: linked against libcodebook.so.N, which the loader finds through
# LD_LIBRARY_PATH (a prefix outside the loader's directories)
# shellcheck disable=SC2086
$cc $extra -std=c17 -Wall -Wextra -Werror "$tmp/demo.c" -o "$tmp/demo-shared" $flags
soname=$(cd "$prefix/lib" && ls libcodebook.so.[0-9]* | sort | head -n 1)
readelf -d "$tmp/demo-shared" | grep -q "NEEDED.*\[$soname\]" || fail "demo-shared does not need $soname"
run_demo env LD_LIBRARY_PATH="$prefix/lib" "$tmp/demo-shared"

# static: libcodebook.a with Requires.private and Libs.private is enough.
# The shared library is moved aside so that -lcodebook can only mean the archive.
mkdir "$tmp/aside"
mv "$prefix"/lib/libcodebook.so* "$tmp/aside/"
sflags=$(pkg-config --static --cflags --libs codebook)
echo "pkg-config --static --cflags --libs codebook: $sflags"
# shellcheck disable=SC2086
$cc $extra -std=c17 -Wall -Wextra -Werror "$tmp/demo.c" -o "$tmp/demo-static" $sflags ||
	fail "static link with pkg-config --static failed"
mv "$tmp"/aside/* "$prefix/lib/"
if readelf -d "$tmp/demo-static" | grep -q 'NEEDED.*libcodebook'; then
	fail "demo-static needs libcodebook.so"
fi
run_demo "$tmp/demo-static"

# the example of libcodebook(3), as printed there, builds and runs
if [ -f "$src/packaging/man/libcodebook.3.scd" ]; then
	sed -n '/^# EXAMPLES/,/^# FILES/p' "$src/packaging/man/libcodebook.3.scd" |
		sed -n '/^```$/,/^```$/p' | sed '/^```$/d; s/\\\\n/\\n/g' |
		sed "s|/usr/share/codebook/|$prefix/share/codebook/|" >"$tmp/man3.c"
	grep -q 'int main' "$tmp/man3.c" || fail "no example in libcodebook.3.scd"
	# shellcheck disable=SC2086
	$cc $extra -std=c17 -Wall -Wextra -Werror "$tmp/man3.c" -o "$tmp/man3" $flags ||
		fail "the example of libcodebook(3) does not build"
	run_demo env LD_LIBRARY_PATH="$prefix/lib" "$tmp/man3"
fi

# DESTDIR: a staged tree whose files name the final prefix; nothing outside it
stage=$tmp/stage
DESTDIR=$stage cmake --install "$build" --prefix /opt/codebook-test >/dev/null
[ -x "$stage/opt/codebook-test/bin/codebook" ] || fail "DESTDIR: binary not staged"
[ ! -e /opt/codebook-test ] || fail "DESTDIR: files written outside the staging directory"
grep -q '^prefix=/opt/codebook-test$' "$stage/opt/codebook-test/lib/pkgconfig/codebook.pc" ||
	fail "DESTDIR: codebook.pc does not name the final prefix"
[ -f "$stage/etc/opt/codebook-test/default/codebook" ] || fail "DESTDIR: environment file not in /etc/opt/codebook-test"
grep -q '^ExecStart=/opt/codebook-test/bin/codebook ' "$stage/opt/codebook-test/lib/systemd/system/codebook.service" ||
	fail "DESTDIR: the unit does not name the final binary"
echo "install: make install PREFIX, binary and catalogs, completions, units, pkg-config shared and static, DESTDIR: ok"
