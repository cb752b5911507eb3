/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_publish.c - what several instances on one database rely on:
 * a publish is a compare-and-swap (the gate sees the latest version as
 * stored by any process, inside the write; a version key taken meanwhile
 * is judged again; nothing is written unless the gate says so); the
 * set-count limit is checked before writing, with room kept for reserved
 * names; the serial of published versions moves with every publish from
 * any connection; a lease can be extended by its holder only; the health
 * record follows the writes.  On each backend (backend.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "store/store.h"
#include "rfc3339.h"

static cb_store *st, *other;	/* two handles on one database: two instances */

static void
setup(void)
{
	const char *db = tb_fresh("p.db");

	cr_assert_eq(cb_store_open(&st, db, 1), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_open(&other, db, 1), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	cb_store_close(other);
	st = other = NULL;
	tb_drop();
}

TestSuite(publish, .init = setup, .fini = teardown);

/* A gate that records what it saw and answers what it is told. */
struct seen {
	int calls, latest_version, answer;
	char latest_body[64];
};

static int
gate(void *arg, const cb_store_setver *latest)
{
	struct seen *g = arg;

	g->calls++;
	g->latest_version = latest ? latest->version : 0;
	snprintf(g->latest_body, sizeof(g->latest_body), "%s", latest ? latest->body : "");
	return g->answer;
}

static int
publish(cb_store *s, const char *name, int version, const char *body, struct seen *g,
    cb_store_setpub_status *status)
{
	cb_store_setpub p;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.version = version;
	p.body = body;
	p.len = strlen(body);
	p.source = "api";
	p.by = "test";
	p.gate = g ? gate : NULL;
	p.gate_arg = g;
	return cb_store_set_publish(s, &p, status);
}

static int
count(const char *name)
{
	cb_store_setver v;
	int rc = cb_store_set_latest(st, name, &v), n = rc == CB_OK ? v.version : 0;

	cb_store_setver_clear(&v);
	return n;
}

Test(publish, the_gate_judges_the_latest_stored_by_anyone)
{
	struct seen g = { 0, 0, CB_GATE_PUBLISH, "" };
	cb_store_setpub_status s;

	cr_assert_eq(publish(st, "s", 1, "{\"v\":1}", &g, &s), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(s, CB_SETPUB_CREATED);
	cr_assert_eq(g.latest_version, 0);
	/* another instance publishes v2; this one's gate sees it at once */
	cr_assert_eq(publish(other, "s", 2, "{\"v\":2}", NULL, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_CREATED);
	g.answer = CB_GATE_REFUSE;
	cr_assert_eq(publish(st, "s", 3, "{\"v\":3}", &g, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_REFUSED);
	cr_assert_eq(g.latest_version, 2);
	cr_assert_str_eq(g.latest_body, "{\"v\":2}");
	cr_assert_eq(count("s"), 2, "a refusal stores nothing");
	g.answer = CB_GATE_UNCHANGED;
	cr_assert_eq(publish(st, "s", 2, "{\"v\":2}", &g, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_UNCHANGED);
	/* without a gate: the same body is unchanged, another is stored */
	cr_assert_eq(publish(other, "s", 2, "{\"v\":2}", NULL, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_UNCHANGED);
	g.answer = -100;	/* a gate that fails fails the publish */
	cr_assert_eq(publish(st, "s", 3, "{\"v\":3}", &g, &s), -100);
	cr_assert_eq(count("s"), 2);
}

Test(publish, a_taken_version_is_judged_again_then_refused)
{
	struct seen g = { 0, 0, CB_GATE_PUBLISH, "" };
	cb_store_setpub_status s;

	cr_assert_eq(publish(st, "s", 1, "{\"v\":1}", NULL, &s), CB_OK);
	/* a gate that lets version 1 through again: the key is taken, so the
	 * publish is tried again (as after a race), then given up */
	cr_assert_eq(publish(st, "s", 1, "{\"v\":\"other\"}", &g, &s), CB_ECONFLICT);
	cr_assert_eq(g.calls, 4);
	cr_assert(strstr(cb_errmsg(), "try again") != NULL, "%s", cb_errmsg());
	cr_assert_eq(count("s"), 1);
}

Test(publish, the_set_count_limit_keeps_room_for_reserved_names)
{
	static const char *const reserved[] = { "bundled-a", "bundled-b" };
	cb_store_setpub p;
	cb_store_setpub_status s;
	char name[32];
	int i;

	memset(&p, 0, sizeof(p));
	p.body = "{}";
	p.len = 2;
	p.version = 1;
	p.source = "api";
	p.max_sets = 4;
	p.reserved = reserved;
	p.nreserved = 2;
	p.name = "bundled-a";
	cr_assert_eq(cb_store_set_publish(st, &p, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_CREATED);
	/* 4 sets: bundled-a, bundled-b (not stored: its room is kept), x0, x1 */
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		p.name = name;
		cr_assert_eq(cb_store_set_publish(st, &p, &s), CB_OK, "%s", cb_errmsg());
		cr_assert_eq(s, i < 2 ? CB_SETPUB_CREATED : CB_SETPUB_FULL, "%s", name);
	}
	cr_assert_eq(count("x2"), 0, "nothing of a refused set is stored");
	/* a reserved name always has room; a stored set always takes versions */
	p.name = "bundled-b";
	cr_assert_eq(cb_store_set_publish(st, &p, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_CREATED);
	p.name = "x0";
	p.version = 2;
	p.body = "{\"v\":2}";
	p.len = strlen(p.body);
	cr_assert_eq(cb_store_set_publish(st, &p, &s), CB_OK);
	cr_assert_eq(s, CB_SETPUB_CREATED);
}

Test(publish, the_serial_moves_with_every_publish_from_anywhere)
{
	cb_store_setpub_status s;
	int64_t serial = -1, before;
	uint64_t t0;

	cr_assert_eq(cb_store_set_watch(st, &serial, 0), CB_OK, "%s", cb_errmsg());
	before = serial;
	/* nothing published: the wait ends at its timeout, serial unchanged */
	t0 = cb_time_mono_ns();
	cr_assert_eq(cb_store_set_watch(st, &serial, 150), CB_OK);
	cr_assert_eq(serial, before);
	cr_assert_geq(cb_time_mono_ns() - t0, 140000000u);
	/* a write that is not a publish does not move it */
	{
		char secret[CB_KEY_SECRET_LEN + 1];
		cr_assert_eq(cb_store_key_add(other, "k", secret), CB_OK);
	}
	cr_assert_eq(cb_store_set_watch(st, &serial, 100), CB_OK);
	cr_assert_eq(serial, before);
	/* a publish by another handle does, and the wait returns early */
	cr_assert_eq(publish(other, "s", 1, "{\"v\":1}", NULL, &s), CB_OK);
	t0 = cb_time_mono_ns();
	cr_assert_eq(cb_store_set_watch(st, &serial, 5000), CB_OK);
	cr_assert_neq(serial, before);
	cr_assert_lt(cb_time_mono_ns() - t0, 1000000000u, "seen well within the timeout");
}

Test(publish, health_follows_the_writes)
{
	cb_store_health h;
	char secret[CB_KEY_SECRET_LEN + 1];
	int64_t ok;

	cb_store_health_get(st, &h);
	cr_assert_eq(h.last_ok_ms, 0);
	cr_assert_eq(cb_store_key_add(st, "k", secret), CB_OK);
	cb_store_health_get(st, &h);
	cr_assert_gt(h.last_ok_ms, 0);
	ok = h.last_ok_ms;
	usleep(5000);
	/* a refusal is neither a failure nor a proof that writes work */
	cr_assert_eq(cb_store_key_add(st, "k", secret), CB_ECONFLICT);
	cb_store_health_get(st, &h);
	cr_assert_eq(h.last_ok_ms, ok);
	cr_assert_eq(h.fails_since_ok, 0);
	cr_assert_eq(h.last_fail_ms, 0);
}

Test(publish, only_the_holder_extends_a_lease)
{
	cb_store_health h;

	/* no such payment: lease lost, which is no database failure */
	cr_assert_eq(cb_store_pay_extend(st, 42, "A", 99999), CB_ENOTFOUND);
	cr_assert(strstr(cb_errmsg(), "lease lost") != NULL, "%s", cb_errmsg());
	cb_store_health_get(st, &h);
	cr_assert_eq(h.fails_since_ok, 0);
}
