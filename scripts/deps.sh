#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages listed in scripts/debian-packages.txt that are
# missing.  Idempotent and quiet when everything is there.
set -eu
here=$(dirname "$0")
missing=""
# what the installed packages provide counts as installed: nodejs of another
# origin than Debian (NodeSource's) provides npm and conflicts with Debian's
provided=$(dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null | sed -n 's/^ii *//p' |
	tr ',' '\n' | sed 's/ *(.*//; s/^ *//; s/:any$//')
for p in $(grep -v '^#' "$here/debian-packages.txt" | tr -s ' \n' ' '); do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" &&
		! printf '%s\n' "$provided" | grep -qx "$p"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
