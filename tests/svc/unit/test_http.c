/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http.c - the pure parts of the service: the routing table and
 * matcher, validation of record and check bodies,
 * problem types, and If-None-Match.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "svc/items.h"
#include "svc/route.h"
#include "svc/svc_int.h"

static cb_catalog *cat;

static const cb_codeset *
set(const char *name)
{
	if (cat == NULL)
		cr_assert_eq(cb_catalog_load_dir(&cat, CB_SOURCE_DIR "/catalogs"), CB_OK, "%s", cb_errmsg());
	return cb_catalog_find(cat, name);
}

static int
route(const char *method, const char *path, struct svc_match *m, unsigned *allow)
{
	int i = svc_route_match(path, svc_method_parse(method), m, allow);

	return i >= 0 ? (int)svc_routes[i].handler : i;
}

Test(route, every_pattern)
{
	struct svc_match m;
	unsigned allow;
	size_t len;
	const char *v;

	cr_assert_eq(route("GET", "/v1/code-sets", &m, &allow), H_SETS_LIST);
	cr_assert_eq(route("GET", "/v1/code-sets/outbound", &m, &allow), H_SET_GET);
	cr_assert_eq(route("HEAD", "/v1/code-sets/outbound", &m, &allow), H_SET_GET);
	cr_assert_eq(route("PUT", "/v1/code-sets/outbound", &m, &allow), H_SET_PUT);
	cr_assert_eq(route("GET", "/v1/code-sets/ttls-error/codes/-9990202", &m, &allow), H_SET_CODE);
	v = svc_match_get(&m, "code", &len);
	cr_assert_eq(len, 8);
	cr_assert_eq(memcmp(v, "-9990202", 8), 0);
	cr_assert_eq(route("GET", "/schemas/reason-code.schema.json", &m, &allow), H_SCHEMA);
	v = svc_match_get(&m, "set", &len);
	cr_assert_eq(len, 11);
	cr_assert_eq(memcmp(v, "reason-code", 11), 0);
	cr_assert_eq(route("GET", "/schemas/.schema.json", &m, &allow), -1, "a capture is never empty");
	cr_assert_eq(route("GET", "/v1/code-sets/", &m, &allow), -1);
	cr_assert_eq(route("GET", "/v1/code-sets/a/b/c/d", &m, &allow), -1);
	cr_assert_eq(route("GET", "", &m, &allow), -1);
	cr_assert_eq(route("GET", "relative", &m, &allow), -1);
}

Test(route, method_not_allowed)
{
	struct svc_match m;
	unsigned allow;

	cr_assert_eq(route("DELETE", "/v1/code-sets/outbound", &m, &allow), -2);
	cr_assert_eq(allow, (1u << M_GET) | (1u << M_HEAD) | (1u << M_PUT));
	cr_assert_eq(route("BREW", "/v1/events", &m, &allow), -2);
	cr_assert_eq(allow, (1u << M_GET) | (1u << M_HEAD) | (1u << M_POST));
}

Test(route, table_is_consistent)
{
	size_t i, j;

	for (i = 0; i < svc_nroutes; i++) {
		cr_assert_eq(svc_routes[i].pattern[0], '/');
		cr_assert(!(svc_routes[i].flags & R_BODY) || svc_routes[i].max_body > 0);
		cr_assert(!(svc_routes[i].flags & R_WRITE) || (svc_routes[i].flags & R_BODY));
		for (j = 0; j < i; j++)
			cr_assert(svc_routes[i].method != svc_routes[j].method ||
			    strcmp(svc_routes[i].pattern, svc_routes[j].pattern) != 0, "duplicate route");
	}
}

Test(items, valid_batch)
{
	const char *body = "{\"events\":[{\"event_id\":\"e1\",\"service\":\"SCM\",\"entity\":\"order\","
	    "\"entity_id\":\"1\",\"from_state\":null,\"to_state\":\"held\",\"reason_code\":\"FRAUD.CHARGEBACK\","
	    "\"actor\":\"u\",\"occurred_at\":\"2026-02-06T10:30:00+01:00\"}]}";
	struct svc_items it;

	cr_assert_eq(svc_items_parse(&it, cb_rec_describe(CB_REC_EVENT), set("outbound"), body, strlen(body)), CB_OK);
	cr_assert_eq(it.fault.problem, P_NONE, "%s", it.fault.detail);
	cr_assert_eq(it.n, 1);
	cr_assert(it.batch);
	cr_assert_str_eq(it.recs[0].category, "FRAUD");
	cr_assert_null(it.recs[0].v[4]);
	cr_assert_str_eq(it.recs[0].v[9], "2026-02-06T09:30:00Z");
	svc_items_free(&it);
}

Test(items, every_fault_is_listed)
{
	const char *body = "[{\"incident_id\":\"i1\",\"order_id\":\"o\",\"rule\":\"A3\","
	    "\"reason_code\":\"APP_MISSED_WEBHOOK\",\"occurred_at\":\"2026-02-06T09:30:00Z\"},"
	    "{\"incident_id\":7,\"rule\":\"R1\",\"reason_code\":\"OTHER\",\"occurred_at\":\"x\",\"extra\":1}]";
	struct svc_items it;

	cr_assert_eq(svc_items_parse(&it, cb_rec_describe(CB_REC_INCIDENT), set("qe-reason"), body,
	    strlen(body)), CB_OK);
	cr_assert_eq(it.fault.problem, P_INVALID_INPUT);
	cr_assert_eq(it.ninvalid, 2);
	cr_assert_eq(it.nerrors, 5, "%.*s", (int)it.errors.len, it.errors.p);
	cr_assert(strstr(it.errors.p, "\"pointer\":\"/0/reason_code\",\"field\":\"reason_code\","
	    "\"reason\":\"not-applicable\"") != NULL, "%s", it.errors.p);
	cr_assert(strstr(it.errors.p, "\"pointer\":\"/1/incident_id\"") != NULL);
	cr_assert(strstr(it.errors.p, "\"reason\":\"unknown-field\"") != NULL);
	cr_assert(strstr(it.errors.p, "\"reason\":\"missing\"") != NULL);
	cr_assert(strstr(it.errors.p, "\"reason\":\"invalid-timestamp\"") != NULL);
	svc_items_free(&it);
}

Test(items, request_faults)
{
	struct svc_items it;
	const cb_rec_desc *d = cb_rec_describe(CB_REC_EVENT);
	const cb_codeset *cs = set("outbound");

	cr_assert_eq(svc_items_parse(&it, d, cs, "{\"a\":", 5), CB_OK);
	cr_assert_eq(it.fault.problem, P_MALFORMED_JSON);
	cr_assert_geq(it.fault.offset, 0);
	svc_items_free(&it);
	cr_assert_eq(svc_items_parse(&it, d, cs, "", 0), CB_OK);
	cr_assert_eq(it.fault.problem, P_MALFORMED_JSON);
	svc_items_free(&it);
	cr_assert_eq(svc_items_parse(&it, d, cs, "42", 2), CB_OK);
	cr_assert_eq(it.fault.problem, P_INVALID_REQUEST);
	svc_items_free(&it);
	cr_assert_eq(svc_items_parse(&it, d, cs, "[]", 2), CB_OK);
	cr_assert_eq(it.fault.problem, P_INVALID_REQUEST);
	svc_items_free(&it);
}

Test(items, batch_limit)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	struct svc_items it;
	int i;

	cb_buf_addc(&b, '[');
	for (i = 0; i <= CB_SVC_MAX_BATCH; i++)
		cb_buf_adds(&b, i ? ",{}" : "{}");
	cb_buf_addc(&b, ']');
	cr_assert_eq(svc_items_parse(&it, cb_rec_describe(CB_REC_EVENT), set("outbound"), b.p, b.len), CB_OK);
	cr_assert_eq(it.fault.problem, P_BATCH_TOO_LARGE);
	svc_items_free(&it);
	cb_buf_reset(&b);
}

Test(checks, shapes)
{
	struct svc_checks c;
	const char *one = "{\"code\":\"A\",\"context\":{\"rule\":\"A3\"}}";
	const char *batch = "{\"context\":{\"rule\":\"R1\"},\"items\":[{\"code\":\"A\"},{\"code\":\"B\",\"context\":{}}]}";

	cr_assert_eq(svc_checks_parse(&c, one, strlen(one), CB_SVC_MAX_BATCH), CB_OK);
	cr_assert_eq(c.fault.problem, P_NONE);
	cr_assert_not(c.batch);
	cr_assert_eq(c.items[0].nctx, 1);
	svc_checks_free(&c);
	cr_assert_eq(svc_checks_parse(&c, batch, strlen(batch), CB_SVC_MAX_BATCH), CB_OK);
	cr_assert_eq(c.fault.problem, P_NONE, "%s", c.fault.detail);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.items[0].nctx, 1, "the outer context applies");
	cr_assert_eq(c.items[1].nctx, 0, "an item's own context wins");
	svc_checks_free(&c);
	cr_assert_eq(svc_checks_parse(&c, "{\"code\":1}", 10, CB_SVC_MAX_BATCH), CB_OK);
	cr_assert_eq(c.fault.problem, P_INVALID_REQUEST);
	cr_assert_str_eq(c.fault.pointer, "/code");
	svc_checks_free(&c);
}

Test(problems, names_are_unique_and_documented)
{
	int i, j;

	for (i = 1; i < P_COUNT; i++) {
		const struct svc_problem_info *p = svc_problem_info((enum svc_problem)i);
		cr_assert(p->status >= 400 && p->status < 600);
		cr_assert(strlen(p->doc) > 20);
		cr_assert_eq(svc_problem_find(p->name, strlen(p->name)), (enum svc_problem)i);
		for (j = 1; j < i; j++)
			cr_assert_str_neq(p->name, svc_problem_info((enum svc_problem)j)->name);
	}
}

Test(etag, if_none_match)
{
	const char *e = "\"sha256:ab\"";

	cr_assert(svc_etag_match("\"sha256:ab\"", e));
	cr_assert(svc_etag_match("W/\"sha256:ab\"", e));
	cr_assert(svc_etag_match("\"x\", \"sha256:ab\"", e));
	cr_assert(svc_etag_match("*", e));
	cr_assert_not(svc_etag_match("\"sha256:a\"", e));
	cr_assert_not(svc_etag_match("\"sha256:ab", e));
	cr_assert_not(svc_etag_match(NULL, e));
	cr_assert_not(svc_etag_match("", e));
}
