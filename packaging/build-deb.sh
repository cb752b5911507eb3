#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make deb: the Debian binary packages (codebook, libcodebookN,
# libcodebook-dev, codebook-tools) in build-deb/, built by debhelper from a
# copy of the tree, then checked by lintian (errors fail; warnings are
# printed).  The runtime package is named after the library's SOVERSION and
# the version must match debian/changelog: both are read from the
# configured build directory given as $1.
set -eu
build=${1:-build}
out=${OUT:-build-deb}
cd "$(dirname "$0")/.."

die() { echo "make deb: $*" >&2; exit 1; }

# the packaging tools, from Debian, when missing (dpkg-buildpackage checks
# for build-essential too)
missing=""
for p in build-essential dpkg-dev debhelper fakeroot lintian; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "make deb: installing:$missing"
	if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# version and SOVERSION as the build has them
cmake -S . -B "$build" >/dev/null
[ -f "$build/package.env" ] || die "$build/package.env missing (configure with cmake first)"
VERSION=$(sed -n 's/^VERSION=//p' "$build/package.env")
SOVERSION=$(sed -n 's/^SOVERSION=//p' "$build/package.env")
case $SOVERSION in ''|*[!0-9]*) die "no numeric SOVERSION in $build/package.env" ;; esac
changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$changelog" = "$VERSION" ] ||
	die "debian/changelog is at $changelog but the project is $VERSION: add an entry (dch -v $VERSION)"

# a clean copy of the tree (tracked and new files, not the ignored ones)
rm -rf "$out"
src=$out/codebook-$VERSION
mkdir -p "$src"
if git rev-parse --git-dir >/dev/null 2>&1; then
	# (a tracked file deleted in the work tree is skipped)
	git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$src"
else
	tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
sed "s/@SOVERSION@/$SOVERSION/g" debian/control.in >"$src/debian/control"

echo "make deb: codebook $VERSION, libcodebook$SOVERSION"
(cd "$src" && dpkg-checkbuilddeps && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log"; die "dpkg-buildpackage failed (log: $out/build.log)"; }
rm -rf "$src"

# lintian: errors fail the build, warnings and the rest are listed
changes=$(ls "$out"/*.changes)
lintian --fail-on error --display-info "$changes" >"$out/lintian.log" 2>&1 || {
	cat "$out/lintian.log"; die "lintian found errors"; }
if [ -s "$out/lintian.log" ]; then
	echo "make deb: lintian (no errors):"
	sed 's/^/  /' "$out/lintian.log"
else
	echo "make deb: lintian: clean"
fi
ls -1 "$out"/*.deb
