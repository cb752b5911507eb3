/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage_note.c - what counting usage evidence adds to a check: N checks of
 * one valid code with cb_check(), with and without svc_usage_note() (and
 * the coarse clock read the service makes once per request).  Run it
 * under callgrind for instruction counts (docs/http.md, "Usage counters on
 * the hot path"):
 *
 *   valgrind --tool=callgrind build/bin/bench_usage_note 200000 0
 *   valgrind --tool=callgrind build/bin/bench_usage_note 200000 1
 *
 * and subtract a run with N = 0 for the start-up.  Prints what it counted,
 * so that nothing is optimised away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usage.h"

int
main(int argc, char **argv)
{
	cb_check_result res = CB_CHECK_RESULT_INIT;
	cb_codeset *cs = NULL;
	struct svc_usage u;
	struct timespec ts;
	unsigned long long accepted = 0;
	long i, n = argc > 1 ? atol(argv[1]) : 1000000;
	int note = argc > 2 ? atoi(argv[2]) : 1;

	if (cb_codeset_load_file(&cs, CB_SOURCE_DIR "/catalogs/outbound.json") != CB_OK) {
		fprintf(stderr, "%s\n", cb_errmsg());
		return 1;
	}
	memset(&u, 0, sizeof(u));
	u.nslots = (size_t)cb_codeset_max_id(cs) + 1;
	if ((u.slots = calloc(u.nslots, sizeof(*u.slots))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		cb_check(&res, cs, "FULFILLMENT.SHORT_PICK", 22, NULL, 0);
		if (note) {
			clock_gettime(CLOCK_REALTIME_COARSE, &ts);	/* svc_usage_now() */
			svc_usage_note(&u, res.entry, res.accepted ? SVC_USAGE_CHECKED : SVC_USAGE_REJECTED,
			    (int64_t)ts.tv_sec);
		}
		accepted += res.accepted != 0;
	}
	printf("%ld checks, %llu accepted, %llu counted\n", n, accepted, res.entry ?
	    (unsigned long long)atomic_load(&u.slots[cb_entry_id(res.entry)].checked) : 0ull);
	free(u.slots);
	cb_codeset_free(cs);
	return 0;
}
