#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages of `make deb` on a machine of their own: apt installs
# them, then the man page, a check, the HTTP service started from the
# packaged binary (no systemd needed), and programs built against
# libcodebook-dev with nothing but pkg-config.  For a throwaway Debian, as
# root, after `make deb`:
#   ../shared/tools/fresh-check.sh . "make deb" "tests/install/check_deb.sh"
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

mapfile -t debs < <(ls build-deb/*.deb 2>/dev/null | grep -v -- -dbgsym)
[ ${#debs[@]} -ge 4 ] || { echo "check_deb: run make deb first (build-deb/ has ${#debs[@]} packages)"; exit 1; }
echo "== apt-get install ${debs[*]##*/}"
apt-get install -y -qq "${debs[@]/#/./}" man-db curl >/dev/null 2>&1
dpkg -l 'codebook*' 'libcodebook*' | awk '/^ii/ { printf "%s %s; ", $2, $3 } END { print "" }'

echo "== man codebook | head"
man codebook 2>/dev/null | head -n 5
man -w codebook-serve libcodebook.3 >/dev/null

echo "== codebook check outbound FRAUD.CHARGEBACK"
command -v codebook
codebook check outbound FRAUD.CHARGEBACK

echo "== codebook serve from the package's binary"
log=$(mktemp)
/usr/bin/codebook serve --listen 127.0.0.1:0 --db /tmp/x.db 2>"$log" &
pid=$!
url=""
for _ in $(seq 100); do
	url=$(sed -n 's/.*"msg":"listening","url":"\([^"]*\)".*/\1/p' "$log" | head -n 1)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$log"; kill "$pid"; exit 1; }
echo "listening on $url (pid $pid)"
curl -fsS "$url/healthz"
echo
kill -TERM "$pid"
wait "$pid"
echo "stopped: exit $?"
tail -n 1 "$log"

echo "== the units and their environment file"
grep -h '^ExecStart=' /lib/systemd/system/codebook.service /lib/systemd/system/codebook-worker.service
test -f /etc/default/codebook

echo "== a program built with pkg-config against libcodebook-dev"
cat >/tmp/prog.c <<'EOC'
#include <codebook.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	cb_codeset *cs;
	cb_check_result r = CB_CHECK_RESULT_INIT;
	const char *code = "FRAUD.CHARGEBACK";
	char msg[CB_CHECK_MESSAGE_MAX];

	if (cb_codeset_load_file(&cs, "/usr/share/codebook/catalogs/outbound.json") != CB_OK) {
		fprintf(stderr, "%s\n", cb_errmsg());
		return 2;
	}
	cb_check(&r, cs, code, strlen(code), NULL, 0);
	cb_check_message(msg, sizeof(msg), &r);
	printf("libcodebook %s: %s: %s\n", cb_version(), cb_reason_name(r.reason), msg);
	cb_codeset_free(cs);
	return r.accepted ? 0 : 1;
}
EOC
echo "pkg-config --cflags --libs codebook: $(pkg-config --cflags --libs codebook)"
cc -std=c17 -Wall -Wextra -Werror /tmp/prog.c -o /tmp/prog $(pkg-config --cflags --libs codebook)
/tmp/prog
readelf -d /tmp/prog | grep 'NEEDED.*libcodebook'
echo "pkg-config --static --libs codebook: $(pkg-config --static --libs codebook)"
cc -std=c17 -Wall -Wextra -Werror /tmp/prog.c -o /tmp/prog-static \
	$(pkg-config --static --cflags --libs codebook | sed 's/-lcodebook /-l:libcodebook.a /')
/tmp/prog-static
! readelf -d /tmp/prog-static | grep -q 'NEEDED.*libcodebook'
echo "check_deb: packages installed and working"
