// SPDX-License-Identifier: GPL-2.0-or-later
/* The slotmap store and its state machine (plugins/server-rspro/srv-slotmap.c). */
#include <cardroute/cardroute.h>

#include "srv-slotmap.h"

typedef struct {
	GString *log; /* "create B1:0 C7:0;" ... */
	guint changes;
} Rec;

static void
rec_create(const SrvMap *m, gpointer data)
{
	Rec *r = data;
	g_string_append_printf(r->log, "create B%u:%u C%u:%u;", m->bank_id, m->bank_slot,
			       m->client_id, m->client_slot);
}

static void
rec_remove(const SrvMap *m, gpointer data)
{
	Rec *r = data;
	g_string_append_printf(r->log, "remove B%u:%u C%u:%u;", m->bank_id, m->bank_slot,
			       m->client_id, m->client_slot);
}

static void
rec_client(guint16 cid, guint16 cs, gpointer data)
{
	Rec *r = data;
	g_string_append_printf(r->log, "client C%u:%u;", cid, cs);
}

static void
rec_changed(gpointer data)
{
	((Rec *)data)->changes++;
}

static const SrvMapOps ops = {rec_create, rec_remove, rec_client, rec_changed};

static void
check_log(Rec *r, const gchar *expected)
{
	g_assert_cmpstr(r->log->str, ==, expected);
	g_string_truncate(r->log, 0);
}

static SrvMapState
state_of(SrvMapStore *s, guint bank, guint slot)
{
	const SrvMap *m = srv_map_store_lookup(s, srv_map_id(bank, slot));
	g_assert_nonnull(m);
	return m->state;
}

static void
test_add_unique(void)
{
	Rec r = {g_string_new(NULL), 0};
	SrvMapStore *s = srv_map_store_new(&ops, &r);
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(srv_map_store_add(s, 1, 0, 7, 0, &error));
	g_assert_cmpuint(state_of(s, 1, 0), ==, SRV_MAP_NEW);
	check_log(&r, ""); /* bank not connected: nothing sent */
	g_assert_null(srv_map_store_add(s, 1, 0, 8, 0, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_null(srv_map_store_add(s, 1, 1, 7, 0, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_null(srv_map_store_add(s, 1024, 0, 7, 1, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_nonnull(srv_map_store_add(s, 1023, 1023, 1023, 1023, &error));
	g_assert_cmpuint(srv_map_store_count(s), ==, 2);
	g_assert_cmpuint(r.changes, ==, 2);
	g_assert_cmpuint(srv_map_id(1, 1), ==, 65537);
	g_assert_true(srv_map_store_lookup_client(s, 7, 0) == srv_map_store_lookup(s, 65536));
	srv_map_store_free(s);
	g_string_free(r.log, TRUE);
}

static void
test_lifecycle(void)
{
	Rec r = {g_string_new(NULL), 0};
	SrvMapStore *s = srv_map_store_new(&ops, &r);
	SrvMap out;

	srv_map_store_add(s, 1, 0, 7, 0, NULL);
	srv_map_store_bank_up(s, 1);
	check_log(&r, "create B1:0 C7:0;");
	g_assert_cmpuint(state_of(s, 1, 0), ==, SRV_MAP_UNACKNOWLEDGED);
	/* a new map while the bank is up goes at once */
	srv_map_store_add(s, 1, 1, 7, 1, NULL);
	check_log(&r, "create B1:1 C7:1;");
	/* answers are matched oldest first */
	g_assert_true(srv_map_store_create_res(s, 1, TRUE, &out));
	g_assert_cmpuint(out.bank_slot, ==, 0);
	check_log(&r, "client C7:0;");
	g_assert_cmpuint(state_of(s, 1, 0), ==, SRV_MAP_ACTIVE);
	/* a refused map goes back to NEW */
	g_assert_true(srv_map_store_create_res(s, 1, FALSE, &out));
	g_assert_cmpuint(out.bank_slot, ==, 1);
	g_assert_cmpuint(state_of(s, 1, 1), ==, SRV_MAP_NEW);
	check_log(&r, "client C7:1;");
	g_assert_false(srv_map_store_create_res(s, 1, TRUE, NULL));
	/* delete an ACTIVE map: removeMappingReq, gone from REST at once */
	g_assert_true(srv_map_store_delete(s, srv_map_id(1, 0)));
	check_log(&r, "remove B1:0 C7:0;");
	g_assert_null(srv_map_store_lookup(s, srv_map_id(1, 0)));
	g_assert_true(srv_map_store_client_dying(s, 7, 0));
	/* the slots are free for a new map at once */
	g_assert_nonnull(srv_map_store_add(s, 2, 0, 7, 0, NULL));
	g_assert_true(srv_map_store_remove_res(s, 1, &out));
	g_assert_cmpuint(out.client_id, ==, 7);
	check_log(&r, "client C7:0;");
	g_assert_false(srv_map_store_client_dying(s, 7, 0));
	g_assert_false(srv_map_store_remove_res(s, 1, NULL));
	/* delete a NEW map: no bank traffic */
	g_assert_true(srv_map_store_delete(s, srv_map_id(1, 1)));
	check_log(&r, "client C7:1;");
	g_assert_false(srv_map_store_delete(s, srv_map_id(1, 1)));
	srv_map_store_free(s);
	g_string_free(r.log, TRUE);
}

static void
test_delete_unacknowledged(void)
{
	Rec r = {g_string_new(NULL), 0};
	SrvMapStore *s = srv_map_store_new(&ops, &r);

	srv_map_store_bank_up(s, 3);
	srv_map_store_add(s, 3, 2, 9, 0, NULL);
	check_log(&r, "create B3:2 C9:0;");
	/* upstream leaves an orphan; we remove it once the bank confirmed it */
	g_assert_true(srv_map_store_delete(s, srv_map_id(3, 2)));
	check_log(&r, "");
	g_assert_cmpuint(srv_map_store_count(s), ==, 0);
	g_assert_true(srv_map_store_client_dying(s, 9, 0));
	g_assert_true(srv_map_store_create_res(s, 3, TRUE, NULL));
	check_log(&r, "remove B3:2 C9:0;");
	g_assert_true(srv_map_store_remove_res(s, 3, NULL));
	check_log(&r, "client C9:0;");
	/* refused while being deleted: just forgotten */
	srv_map_store_add(s, 3, 2, 9, 0, NULL);
	srv_map_store_delete(s, srv_map_id(3, 2));
	check_log(&r, "create B3:2 C9:0;");
	g_assert_true(srv_map_store_create_res(s, 3, FALSE, NULL));
	check_log(&r, "client C9:0;");
	g_assert_false(srv_map_store_client_dying(s, 9, 0));
	srv_map_store_free(s);
	g_string_free(r.log, TRUE);
}

static void
test_bank_down_up(void)
{
	Rec r = {g_string_new(NULL), 0};
	SrvMapStore *s = srv_map_store_new(&ops, &r);

	srv_map_store_add(s, 1, 0, 7, 0, NULL);
	srv_map_store_add(s, 1, 1, 7, 1, NULL);
	srv_map_store_add(s, 2, 0, 8, 0, NULL);
	srv_map_store_bank_up(s, 1);
	check_log(&r, "create B1:0 C7:0;create B1:1 C7:1;");
	srv_map_store_create_res(s, 1, TRUE, NULL);
	srv_map_store_delete(s, srv_map_id(1, 0)); /* ACTIVE -> DELETING */
	check_log(&r, "client C7:0;remove B1:0 C7:0;");
	srv_map_store_bank_down(s, 1);
	/* the dying map is forgotten, the live one is NEW again */
	check_log(&r, "client C7:0;");
	g_assert_cmpuint(state_of(s, 1, 1), ==, SRV_MAP_NEW);
	g_assert_false(srv_map_store_bank_is_up(s, 1));
	g_assert_false(srv_map_store_create_res(s, 1, TRUE, NULL));
	/* reconnect: every live map of that bank only */
	srv_map_store_bank_up(s, 1);
	check_log(&r, "create B1:1 C7:1;");
	g_assert_cmpuint(state_of(s, 2, 0), ==, SRV_MAP_NEW);
	/* global reset */
	g_assert_cmpuint(srv_map_store_reset(s), ==, 2);
	g_assert_cmpuint(srv_map_store_count(s), ==, 0);
	check_log(&r, "client C8:0;");
	srv_map_store_free(s);
	g_string_free(r.log, TRUE);
}

static gboolean
count_one(const SrvMap *m, gpointer data)
{
	guint32 *last = data;
	g_assert_cmpuint(srv_map_id(m->bank_id, m->bank_slot), >, last[0]);
	last[0] = srv_map_id(m->bank_id, m->bank_slot);
	last[1]++;
	return TRUE;
}

static void
test_many(void)
{
	Rec r = {g_string_new(NULL), 0};
	SrvMapStore *s = srv_map_store_new(&ops, &r);
	guint32 acc[2] = {0, 0};
	gint64 t0;

	for (guint i = 0; i < 10000; i++)
		g_assert_nonnull(srv_map_store_add(s, 1000 - i / 1000, i % 1000, i / 1000, i % 1000,
						   NULL));
	srv_map_store_bank_up(s, 995);
	g_assert_cmpuint(r.log->len, >, 0);
	t0 = g_get_monotonic_time();
	srv_map_store_foreach(s, count_one, acc);
	g_test_message("10000 maps walked in %" G_GINT64_FORMAT " us",
		       g_get_monotonic_time() - t0);
	g_assert_cmpuint(acc[1], ==, 10000);
	srv_map_store_free(s);
	g_string_free(r.log, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/server/slotmap/add-unique", test_add_unique);
	g_test_add_func("/server/slotmap/lifecycle", test_lifecycle);
	g_test_add_func("/server/slotmap/delete-unacknowledged", test_delete_unacknowledged);
	g_test_add_func("/server/slotmap/bank-down-up", test_bank_down_up);
	g_test_add_func("/server/slotmap/many", test_many);
	return g_test_run();
}
