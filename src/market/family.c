/* SPDX-License-Identifier: Apache-2.0 */
/*
 * family.c - the request-budget family of an endpoint (issue 12): the
 * marketplace limits requests per shop and API, and the client's callers
 * (src/orders/budget.c) and the simulator's limits (tools/tiktok-sim)
 * group the endpoints the same way, by the first segment of their path.
 */
#include "market.h"

#include <string.h>

void
cb_mkt_path_family(const char *path, char *out, size_t size)
{
	const char *p = path != NULL ? path : "";
	size_t n;

	if (size == 0)
		return;
	while (*p == '/')
		p++;
	if (strncmp(p, "api/", 4) == 0)	/* legacy: /api/reverse/... is the reverse family */
		p += 4;
	n = strcspn(p, "/?");
	if (n == 0) {
		p = "other";
		n = 5;
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}
