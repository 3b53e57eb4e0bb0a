// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rspro-bank plugin through the core, with scripted RSPRO clients and a
 * scripted server over loopback: a session (connect, setAtrReq, TPDUs,
 * resets), mappings from the server (answers in order, errors, removal in
 * use), takeover by a reconnecting client, 200 slots at once, empty card
 * answers, a slow card next to fast ones, the mapping resync after the server
 * link comes back, slots-csv. Malformed and split frames: test-bank-wire.c.
 */
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bank-test.h"
#include "test-slots.h"

#define VCARD_ATR "3B9F96801FC78031E073FE211B633A204E8300900093"

static void
test_session(void)
{
	g_autofree gchar *cards = bank_test_vcard_ini(2);
	g_autofree gchar *routes = bank_test_routes_ini(2);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 2\n"
	        "mappings = 7:0=0, 8:3=1\n%s",
	        cards, routes);
	g_autoptr(CrRouter) router = bank_test_router(ini);
	guint16 port = bank_test_port(router, "bank");
	TestClient *c = test_client_new(port, 7, 0);
	TestClient *d = test_client_new(port, 8, 3);
	g_autoptr(GBytes) atr = NULL;
	g_autofree gchar *atr_hex = NULL;
	RsproMsg status;
	gchar *r;

	atr = test_client_attach(c, 0);
	atr_hex = bank_test_to_hex(g_bytes_get_data(atr, NULL), g_bytes_get_size(atr));
	g_assert_cmpstr(atr_hex, ==, VCARD_ATR);
	g_bytes_unref(test_client_attach(d, 1));

	r = test_client_transact(c, "00A4000402 3F00");
	g_assert_cmpstr(r, ==, "6125");
	g_free(r);
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	r = test_client_transact(d, "A0F2000006");
	g_assert_cmpstr(r, ==, "000000003F009000");
	g_free(r);

	/* the shell client's RESET: RST on, VCC off -> cold reset: MF current again,
	 * and no new setAtrReq for the same card */
	rspro_msg_init(&status, RSPRO_MSG_CLIENT_SLOT_STATUS_IND);
	status.u.client_slot_status_ind.from_client_slot = c->slot;
	status.u.client_slot_status_ind.to_bank_slot = c->bank;
	status.u.client_slot_status_ind.status.reset_active = TRUE;
	status.u.client_slot_status_ind.status.has_vcc_present = TRUE;
	status.u.client_slot_status_ind.status.vcc_present = FALSE;
	test_client_send(c, &status);
	r = test_client_transact(c, "A0F2000006");
	g_assert_cmpstr(r, ==, "000000003F009000");
	g_free(r);
	g_assert_true(g_queue_is_empty(&c->msgs));

	/* a second connectClientReq: illegalClientId and the connection closes */
	test_client_hello(c);
	{
		RsproMsg *res = test_client_expect(c, RSPRO_MSG_CONNECT_CLIENT_RES);
		g_assert_cmpint(res->u.connect_client_res.result, ==, RSPRO_RESULT_ILLEGAL_CLIENT_ID);
		test_msg_free(res);
	}
	test_client_wait_down(c);
	/* the other client is unaffected */
	r = test_client_transact(d, "A0F2000006");
	g_assert_cmpstr(r, ==, "000000003F009000");
	g_free(r);
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "mappings"), ==, 2);
	test_client_free(c);
	test_client_free(d);
	bank_test_spin(20);
}

/* the bank slot's route has no card (the backend's card is absent): a client
 * is answered cardNotPresent and kept; the card comes (another route with a
 * card): setAtrReq, and commands work */
static void
test_card_absent(void)
{
	g_autofree gchar *cards = bank_test_vcard_ini(2);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[backend:empty]\nplugin = vcard\nprofile = %s\npresent = false\n"
	        "[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 1\n"
	        "mappings = 7:0=0\n[route:r0]\nfrontend = bank.0\nbackend = empty\n",
	        cards, BANK_TEST_VCARD_PROFILE);
	g_autoptr(CrRouter) router = bank_test_router(ini);
	g_autoptr(GError) error = NULL;
	TestClient *c = test_client_new(bank_test_port(router, "bank"), 7, 0);
	RsproMsg *m;
	RsproMsg ok;
	gchar *r;

	g_assert_null(cr_frontend_slot_get_atr(cr_router_lookup_frontend(router, "bank.0")));
	test_client_hello(c);
	m = test_client_expect(c, RSPRO_MSG_CONNECT_CLIENT_RES);
	g_assert_cmpint(m->u.connect_client_res.result, ==, RSPRO_RESULT_CARD_NOT_PRESENT);
	test_msg_free(m);

	g_assert_true(cr_router_remove_route(router, "r0", &error));
	g_assert_nonnull(cr_router_add_route(router, "r1", "bank.0", "card.0", NULL, &error));
	g_assert_no_error(error);
	m = test_client_expect(c, RSPRO_MSG_SET_ATR_REQ);
	r = bank_test_to_hex(g_bytes_get_data(m->u.set_atr_req.atr, NULL),
	                     g_bytes_get_size(m->u.set_atr_req.atr));
	g_assert_cmpstr(r, ==, VCARD_ATR);
	g_free(r);
	test_msg_free(m);
	rspro_msg_init(&ok, RSPRO_MSG_SET_ATR_RES);
	test_client_send(c, &ok);
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	test_client_free(c);
	bank_test_spin(20);
}

static void
test_server_mappings(void)
{
	TestServer *srv = test_server_new();
	g_autofree gchar *cards = bank_test_vcard_ini(4);
	g_autofree gchar *routes = bank_test_routes_ini(4);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 4\n"
	        "bank-id = 5\nserver = 127.0.0.1:%u\n%s",
	        cards, test_server_port(srv), routes);
	g_autoptr(CrRouter) router = bank_test_router(ini);
	guint16 port = bank_test_port(router, "bank");
	TestClient *c;
	RsproMsg *m;
	gchar *r;

	WAIT_FOR(srv->hellos == 1);
	g_assert_cmpuint(srv->bank_id, ==, 5);
	/* a client before its mapping: cardNotPresent, connection kept */
	c = test_client_new(port, 23, 0);
	c->bank.bank_id = 5;
	c->bank.slot_nr = 2;
	test_client_hello(c);
	m = test_client_expect(c, RSPRO_MSG_CONNECT_CLIENT_RES);
	g_assert_cmpint(m->u.connect_client_res.result, ==, RSPRO_RESULT_CARD_NOT_PRESENT);
	test_msg_free(m);

	/* answered one by one, in order */
	test_server_send_mapping(srv, TRUE, 23, 0, 4, 2);  /* another bank */
	test_server_send_mapping(srv, TRUE, 23, 0, 5, 4);  /* no such slot */
	test_server_send_mapping(srv, TRUE, 23, 0, 5, 2);  /* ok */
	test_server_send_mapping(srv, TRUE, 23, 0, 5, 2);  /* again: ok */
	test_server_send_mapping(srv, FALSE, 24, 0, 5, 2); /* other client: unknownSlotmap */
	test_server_send_mapping(srv, FALSE, 23, 0, 5, 1); /* no map: unknownSlotmap */
	g_assert_cmpint(test_server_result(srv, 1), ==, RSPRO_RESULT_ILLEGAL_BANK_ID);
	g_assert_cmpint(test_server_result(srv, 2), ==, RSPRO_RESULT_ILLEGAL_SLOT_ID);
	g_assert_cmpint(test_server_result(srv, 3), ==, RSPRO_RESULT_OK);
	g_assert_cmpint(test_server_result(srv, 4), ==, RSPRO_RESULT_OK);
	g_assert_cmpint(test_server_result(srv, 5), ==, RSPRO_RESULT_UNKNOWN_SLOTMAP);
	g_assert_cmpint(test_server_result(srv, 6), ==, RSPRO_RESULT_UNKNOWN_SLOTMAP);

	/* the waiting client got its card once the mapping came */
	m = test_client_expect(c, RSPRO_MSG_SET_ATR_REQ);
	test_msg_free(m);
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);

	/* removed while in use: the client's connection closes */
	test_server_send_mapping(srv, FALSE, 23, 0, 5, 2);
	g_assert_cmpint(test_server_result(srv, 7), ==, RSPRO_RESULT_OK);
	test_client_wait_down(c);
	test_client_free(c);
	WAIT_FOR(cr_frontend_slot_get_state(cr_router_lookup_frontend(router, "bank.2")) ==
	         CR_SLOT_STATE_EMPTY);

	/* a mapping moved to another bank slot drops the old one */
	test_server_send_mapping(srv, TRUE, 30, 0, 5, 0);
	test_server_send_mapping(srv, TRUE, 30, 0, 5, 1);
	g_assert_cmpint(test_server_result(srv, 9), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "mappings"), ==, 1);
	c = test_client_new(port, 30, 0);
	c->bank.bank_id = 5;
	g_bytes_unref(test_client_attach(c, 1));
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	/* resetStateReq drops every mapping and closes mapped clients */
	{
		RsproMsg req;
		rspro_msg_init(&req, RSPRO_MSG_RESET_STATE_REQ);
		rspro_peer_send(rspro_peer_last_link(srv->peer), &req);
	}
	g_assert_cmpint(test_server_result(srv, 10), ==, RSPRO_RESULT_OK);
	test_client_wait_down(c);
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "mappings"), ==, 0);
	test_client_free(c);
	g_clear_object(&router);
	test_server_free(srv);
}

/* hold-not-present-ms: an unmapped client gets no cardNotPresent (on which
 * upstream's client reconnects at once) while the mapping may still come;
 * it gets ok + setAtrReq when it does, cardNotPresent when the hold ends. */
static void
test_hold_not_present(void)
{
	TestServer *srv = test_server_new();
	g_autofree gchar *cards = bank_test_vcard_ini(2);
	g_autofree gchar *routes = bank_test_routes_ini(2);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 2\n"
	        "bank-id = 5\nserver = 127.0.0.1:%u\nhold-not-present-ms = 9000\n%s",
	        cards, test_server_port(srv), routes);
	g_autoptr(CrRouter) router = bank_test_router(ini);
	guint16 port = bank_test_port(router, "bank");
	TestClient *c;
	RsproMsg *m;
	gchar *r;

	WAIT_FOR(srv->hellos == 1);
	c = test_client_new(port, 23, 0);
	c->bank.bank_id = 5;
	c->bank.slot_nr = 1;
	test_client_hello(c);
	/* the client waits (no answer yet); the mapping comes meanwhile */
	WAIT_FOR(bank_test_describe_uint(router, "bank", "answers-held") == 1);
	test_server_send_mapping(srv, TRUE, 23, 0, 5, 1);
	g_assert_cmpint(test_server_result(srv, 1), ==, RSPRO_RESULT_OK);
	m = test_client_expect(c, RSPRO_MSG_CONNECT_CLIENT_RES);
	g_assert_cmpint(m->u.connect_client_res.result, ==, RSPRO_RESULT_OK);
	test_msg_free(m);
	m = test_client_expect(c, RSPRO_MSG_SET_ATR_REQ);
	test_msg_free(m);
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	test_client_free(c);
	g_clear_object(&router);
	test_server_free(srv);

	/* no mapping within the hold: cardNotPresent after it */
	srv = test_server_new();
	g_free(ini);
	ini = g_strdup_printf("%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
	                      "slots = 2\nbank-id = 5\nserver = 127.0.0.1:%u\n"
	                      "hold-not-present-ms = 50\n%s",
	                      cards, test_server_port(srv), routes);
	router = bank_test_router(ini);
	port = bank_test_port(router, "bank");
	WAIT_FOR(srv->hellos == 1);
	c = test_client_new(port, 24, 0);
	test_client_hello(c);
	m = test_client_expect(c, RSPRO_MSG_CONNECT_CLIENT_RES);
	g_assert_cmpint(m->u.connect_client_res.result, ==, RSPRO_RESULT_CARD_NOT_PRESENT);
	test_msg_free(m);
	test_client_free(c);
	g_clear_object(&router);
	test_server_free(srv);
}

static void
test_takeover(void)
{
	g_autofree gchar *cards = bank_test_vcard_ini(1);
	g_autofree gchar *routes = bank_test_routes_ini(1);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 1\n"
	        "mappings = 7:0=0\n%s",
	        cards, routes);
	g_autoptr(CrRouter) router = bank_test_router(ini);
	guint16 port = bank_test_port(router, "bank");
	TestClient *a = test_client_new(port, 7, 0);
	TestClient *b;
	gchar *r;

	g_bytes_unref(test_client_attach(a, 0));
	r = test_client_transact(a, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	/* the client comes back on a new connection while the old one is still
	 * open: the new one takes the card at once */
	b = test_client_new(port, 7, 0);
	g_bytes_unref(test_client_attach(b, 0));
	test_client_wait_down(a);
	/* a fresh card (cold reset): the MF is current */
	r = test_client_transact(b, "A0F2000006");
	g_assert_cmpstr(r, ==, "000000003F009000");
	g_free(r);
	test_client_free(a);
	/* and again after a clean disconnect */
	test_client_free(b);
	WAIT_FOR(cr_frontend_slot_get_state(cr_router_lookup_frontend(router, "bank.0")) ==
	         CR_SLOT_STATE_EMPTY);
	b = test_client_new(port, 7, 0);
	g_bytes_unref(test_client_attach(b, 0));
	r = test_client_transact(b, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	test_client_free(b);
	bank_test_spin(20);
}

static void
test_many_slots(void)
{
	const guint n = 200;
	g_autofree gchar *cards = bank_test_vcard_ini(n);
	g_autofree gchar *routes = bank_test_routes_ini(n);
	g_autoptr(GString) maps = g_string_new(NULL);
	g_autofree gchar *ini = NULL;
	g_autoptr(CrRouter) router = NULL;
	TestClient *clients[200];
	guint16 port;

	for (guint i = 0; i < n; i++)
		g_string_append_printf(maps, "%s%u:0=%u", i > 0 ? "," : "", i, i);
	ini = g_strdup_printf("%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
	                      "slots = %u\nmappings = %s\n%s",
	                      cards, n, maps->str, routes);
	router = bank_test_router(ini);
	port = bank_test_port(router, "bank");
	/* all connect and identify before any answer is read */
	for (guint i = 0; i < n; i++) {
		clients[i] = test_client_new(port, (guint16)i, 0);
		clients[i]->bank.slot_nr = (guint16)i;
		test_client_hello(clients[i]);
	}
	for (guint i = 0; i < n; i++) {
		test_msg_free(test_client_expect(clients[i], RSPRO_MSG_CONNECT_CLIENT_RES));
		test_msg_free(test_client_expect(clients[i], RSPRO_MSG_SET_ATR_REQ));
	}
	/* every client sends at once; every one gets its own card's answer */
	for (guint round = 0; round < 3; round++) {
		for (guint i = 0; i < n; i++)
			test_client_send_tpdu(clients[i], round == 0 ? "A0A4000002 7F20" : "A0F2000006");
		for (guint i = 0; i < n; i++) {
			RsproMsg *m = test_client_expect(clients[i], RSPRO_MSG_TPDU_CARD_TO_MODEM);
			g_autofree gchar *h = bank_test_to_hex(
			        g_bytes_get_data(m->u.tpdu_card_to_modem.data, NULL),
			        g_bytes_get_size(m->u.tpdu_card_to_modem.data));
			g_assert_cmpuint(m->u.tpdu_card_to_modem.from_bank_slot.slot_nr, ==, i);
			g_assert_cmpuint(m->u.tpdu_card_to_modem.to_client_slot.client_id, ==, i);
			g_assert_cmpstr(h, ==, round == 0 ? "9F16" : "000000007F209000");
			test_msg_free(m);
		}
	}
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "clients"), ==, n);
	for (guint i = 0; i < n; i++)
		test_client_free(clients[i]);
	WAIT_FOR(bank_test_describe_uint(router, "bank", "clients") == 0);
}

/* A card that answers nothing at all (an empty response). */
#define EMPTY_TYPE_CARD (empty_card_get_type())
G_DECLARE_FINAL_TYPE(EmptyCard, empty_card, EMPTY, CARD, CrBackendSlot)
struct _EmptyCard {
	CrBackendSlot parent_instance;
};
G_DEFINE_TYPE(EmptyCard, empty_card, CR_TYPE_BACKEND_SLOT)

static void
empty_card_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	cr_transaction_complete(tx, NULL, 0);
}

static void
empty_card_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
}

static void
empty_card_class_init(EmptyCardClass *klass)
{
	CR_BACKEND_SLOT_CLASS(klass)->transmit = empty_card_transmit;
	CR_BACKEND_SLOT_CLASS(klass)->cancel = empty_card_cancel;
}

static void
empty_card_init(EmptyCard *self)
{
}

static void
test_empty_answer(void)
{
	g_autoptr(CrRouter) router = bank_test_router(
	        "[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 1\n"
	        "mappings = 7:0=0\n");
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(EmptyCard) card = g_object_new(EMPTY_TYPE_CARD, "name", "empty", NULL);
	static const guint8 atr[] = {0x3B, 0x00};
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;
	g_autoptr(GError) error = NULL;
	TestClient *c;
	gchar *r;

	g_assert_true(cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(card), &error));
	g_assert_true(cr_router_add_instance(router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_BACKEND, &error));
	cr_backend_slot_set_card(CR_BACKEND_SLOT(card), atr, sizeof(atr));
	policy.error_sw = 0x6581;
	g_assert_nonnull(cr_router_add_route(router, "r", "bank.0", "empty", &policy, &error));
	g_assert_no_error(error);

	c = test_client_new(bank_test_port(router, "bank"), 7, 0);
	g_bytes_unref(test_client_attach(c, 0));
	/* the route's error status, never an empty tpduCardToModem */
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "6581");
	g_free(r);
	/* no route at all: no answer from the core; the bank answers 6F00 */
	g_assert_true(cr_router_remove_route(router, "r", &error));
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "6F00");
	g_free(r);
	/* a command too short for the core */
	r = test_client_transact(c, "A0A4");
	g_assert_cmpstr(r, ==, "6F00");
	g_free(r);
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "error-answers"), ==, 3);
	test_client_free(c);
	bank_test_spin(20);
}

static void
test_slow_card(void)
{
	g_autoptr(CrRouter) router = bank_test_router(
	        "[backend:slow]\nplugin = echo\nlatency-ms = 600000\n"
	        "[backend:fast]\nplugin = echo\n"
	        "[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 2\n"
	        "mappings = 1:0=0, 2:0=1\n"
	        "[route:s]\nfrontend = bank.0\nbackend = slow\ntimeout = 0\n"
	        "[route:f]\nfrontend = bank.1\nbackend = fast\n");
	guint16 port = bank_test_port(router, "bank");
	TestClient *slow = test_client_new(port, 1, 0);
	TestClient *fast = test_client_new(port, 2, 0);

	g_bytes_unref(test_client_attach(slow, 0));
	g_bytes_unref(test_client_attach(fast, 1));
	/* the slow card holds its command (and two queued behind it) ... */
	test_client_send_tpdu(slow, "00B0000002");
	test_client_send_tpdu(slow, "00B0000002");
	test_client_send_tpdu(slow, "00D6000001AA");
	/* ... while the other slot goes on */
	for (guint i = 0; i < 50; i++) {
		gchar *r = test_client_transact(fast, "00D6000002BEEF");
		g_assert_cmpstr(r, ==, "BEEF9000");
		g_free(r);
	}
	g_assert_true(g_queue_is_empty(&slow->msgs));
	/* the client leaving cancels what its card holds */
	test_client_free(slow);
	WAIT_FOR(!cr_frontend_slot_is_busy(cr_router_lookup_frontend(router, "bank.0")));
	test_client_free(fast);
	bank_test_spin(20);
}

static void
test_resync(void)
{
	TestServer *srv = test_server_new();
	g_autofree gchar *cards = bank_test_vcard_ini(3);
	g_autofree gchar *routes = bank_test_routes_ini(3);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 3\n"
	        "server = 127.0.0.1:%u\nresync-ms = 100\n%s",
	        cards, test_server_port(srv), routes);
	g_autoptr(CrRouter) router = NULL;
	TestClient *c;
	gchar *r;

	test_server_push_on_hello(srv, 10, 0, 0);
	test_server_push_on_hello(srv, 11, 0, 1);
	test_server_push_on_hello(srv, 12, 0, 2);
	router = bank_test_router(ini);
	g_assert_cmpint(test_server_result(srv, 3), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "mappings"), ==, 3);
	c = test_client_new(bank_test_port(router, "bank"), 10, 0);
	g_bytes_unref(test_client_attach(c, 0));

	/* the server restarts and knows only B1:1 now */
	g_ptr_array_set_size(srv->push_on_hello, 0);
	test_server_push_on_hello(srv, 11, 0, 1);
	rspro_peer_close_links(srv->peer);
	g_assert_cmpint(test_server_result(srv, 4), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(srv->hellos, ==, 2);
	/* after the resync: B1:2 (unused) dropped, B1:0 kept while its client is on */
	WAIT_FOR(bank_test_describe_uint(router, "bank", "mappings") == 2);
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	test_client_free(c);
	WAIT_FOR(bank_test_describe_uint(router, "bank", "mappings") == 1);
	g_clear_object(&router);
	test_server_free(srv);
}

static void
test_csv(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("bank-csv-XXXXXX", &error);
	g_autofree gchar *csv = g_build_filename(dir, "bankd_pcsc_slots.csv", NULL);
	g_autofree gchar *cards = bank_test_vcard_ini(3);
	g_autofree gchar *ini = NULL;
	g_autoptr(CrRouter) router = NULL;
	CrFrontendSlot *fs;
	TestClient *c;
	gchar *r;

	g_assert_true(g_file_set_contents(csv,
	                                  "\"1\",\"0\",\"^card\\.2$\"\n"
	                                  "\"1\",\"1\",\"Reader 00 0[0-9]\"\n"
	                                  "\"2\",\"0\",\"card\"\n",
	                                  -1, NULL));
	ini = g_strdup_printf("%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
	                      "slots = 2\nmappings = 7:0=0, 8:0=1\nslots-csv = %s\n",
	                      cards, csv);
	router = bank_test_router(ini);
	fs = cr_router_lookup_frontend(router, "bank.0");
	g_assert_null(cr_frontend_slot_get_route(fs));
	c = test_client_new(bank_test_port(router, "bank"), 7, 0);
	g_bytes_unref(test_client_attach(c, 0));
	g_assert_nonnull(cr_frontend_slot_get_route(fs));
	g_assert_cmpstr(cr_backend_slot_get_name(cr_route_get_backend(cr_frontend_slot_get_route(fs))),
	                ==, "card.2");
	r = test_client_transact(c, "A0A4000002 7F20");
	g_assert_cmpstr(r, ==, "9F16");
	g_free(r);
	test_client_free(c);
	WAIT_FOR(cr_frontend_slot_get_route(fs) == NULL);
	/* no backend matches bank slot 1's regex: cardNotPresent */
	c = test_client_new(bank_test_port(router, "bank"), 8, 0);
	test_client_hello(c);
	{
		RsproMsg *m = test_client_expect(c, RSPRO_MSG_CONNECT_CLIENT_RES);
		g_assert_cmpint(m->u.connect_client_res.result, ==, RSPRO_RESULT_CARD_NOT_PRESENT);
		test_msg_free(m);
	}
	test_client_free(c);
	g_clear_object(&router);
	g_unlink(csv);
	g_rmdir(dir);
}

static void
test_config_errors(void)
{
	static const gchar *const bad[] = {
	        "slots = 0\n",
	        "slots = 1024\n",
	        "bank-id = 1024\n",
	        "listen = example.org:9999\n",
	        "mappings = 7:0=8\n",
	        "mappings = 7:0=0, 8:0=0\n",
	        "mappings = 7=0\n",
	        "server = 127.0.0.1:9998\nmappings = 7:0=0\n",
	        "slots-csv = /nonexistent/bankd_pcsc_slots.csv\n",
	        "typo = 1\n",
	        "takeover = sometimes\n",
	        "max-unidentified = 0\n",
	        "max-unmapped = 0\n",
	        "identify-timeout-ms = 10\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *ini =
		        g_strdup_printf("[frontend:bank]\nplugin = rspro-bank\n%s", bad[i]);
		g_autoptr(CrRouter) router = cr_router_new();
		g_autoptr(GError) error = NULL;

		cr_router_set_plugin_dir(router, BANK_TEST_PLUGIN_DIR);
		g_assert_false(cr_router_load_config_data(router, ini, strlen(ini), "t.ini", &error));
		g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
		g_test_message("%s -> %s", bad[i], error->message);
	}
}

/* `listen` takes an IP address, or localhost as 127.0.0.1; another name is a
 * config error at its line (rspro_listen_host_check()) */
static void
test_listen_host(void)
{
	static const gchar bad[] = "[frontend:bank]\nplugin = rspro-bank\nlisten = example.org:0\n";
	static const gchar good[] = "[frontend:bank]\nplugin = rspro-bank\nlisten = localhost:0\n";
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(CrRouter) other = cr_router_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) desc = NULL;
	const gchar *host = NULL;

	cr_router_set_plugin_dir(router, BANK_TEST_PLUGIN_DIR);
	g_assert_false(cr_router_load_config_data(router, bad, strlen(bad), "t.ini", &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	g_assert_cmpstr(error->message, ==,
	                "t.ini:3: [frontend:bank] listen: 'example.org' is not an IP address "
	                "(0.0.0.0 for all)");
	g_clear_error(&error);
	cr_router_set_plugin_dir(other, BANK_TEST_PLUGIN_DIR);
	g_assert_true(cr_router_load_config_data(other, good, strlen(good), "t.ini", &error));
	g_assert_no_error(error);
	desc = cr_instance_describe(cr_router_lookup_instance(other, "bank"));
	g_assert_true(g_variant_lookup(desc, "listen", "&s", &host));
	g_assert_cmpstr(host, ==, "127.0.0.1");
}

/* cardroute's own client role (backend-remote) against this bank, both in
 * this router, mapped by the scripted server: a terminal's APDUs reach a
 * vcard card through RSPRO. */
static void
test_remote_client(void)
{
	TestServer *srv = test_server_new();
	g_autofree gchar *cards = bank_test_vcard_ini(2);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 2\n"
	        "server = 127.0.0.1:%u\n"
	        "[route:b0]\nfrontend = bank.0\nbackend = card.0\n"
	        "[backend:sim]\nplugin = remote\nserver = 127.0.0.1:%u\nclient-id = 7\n"
	        "client-slot = 0\n",
	        cards, test_server_port(srv), test_server_port(srv));
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(TestFrontend) fe = test_frontend_new("fe");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *atr_hex = NULL;
	static const gchar *const cmds[][2] = {
	        {"A0A4000002 7F20", "9F16"},
	        {"A0F2000006", "000000007F209000"},
	        {"00A4000402 3F00", "6125"},
	};
	guint done;

	test_server_push_on_hello(srv, 7, 0, 0);
	router = bank_test_router(ini);
	srv->bank_port = bank_test_port(router, "bank");
	g_assert_true(cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(fe),
	                                            &error));
	g_assert_true(cr_router_add_instance(router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_FRONTEND, &error));
	g_assert_nonnull(cr_router_add_route(router, "t", "fe", "sim", NULL, &error));
	g_assert_no_error(error);
	WAIT_FOR(fe->card != NULL);
	atr_hex = bank_test_to_hex(g_bytes_get_data(fe->card, NULL), g_bytes_get_size(fe->card));
	g_assert_cmpstr(atr_hex, ==, VCARD_ATR);
	for (guint round = 0; round < 2; round++) {
		for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
			g_autoptr(GByteArray) cmd = bank_test_hex(cmds[i][0]);
			g_autofree gchar *got = NULL;

			done = fe->done_count;
			cr_frontend_slot_submit(CR_FRONTEND_SLOT(fe), cmd->data, cmd->len);
			WAIT_FOR(fe->done_count > done);
			g_assert_no_error(fe->last_error);
			got = bank_test_to_hex(fe->last_response->data, fe->last_response->len);
			g_assert_cmpstr(got, ==, cmds[i][1]);
		}
		/* the terminal's cold reset goes through RSPRO to the bank's card */
		cr_frontend_slot_reset(CR_FRONTEND_SLOT(fe), CR_RESET_COLD);
		bank_test_spin(50);
	}
	g_assert_cmpuint(bank_test_describe_uint(router, "bank", "tpdus"), ==,
	                 2 * G_N_ELEMENTS(cmds));
	g_clear_object(&router);
	test_server_free(srv);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bank/session", test_session);
	g_test_add_func("/bank/server-mappings", test_server_mappings);
	g_test_add_func("/bank/hold-not-present", test_hold_not_present);
	g_test_add_func("/bank/card-absent", test_card_absent);
	g_test_add_func("/bank/takeover", test_takeover);
	g_test_add_func("/bank/200-slots", test_many_slots);
	g_test_add_func("/bank/empty-answer", test_empty_answer);
	g_test_add_func("/bank/slow-card", test_slow_card);
	g_test_add_func("/bank/resync", test_resync);
	g_test_add_func("/bank/slots-csv", test_csv);
	g_test_add_func("/bank/config-errors", test_config_errors);
	g_test_add_func("/bank/listen-host", test_listen_host);
	g_test_add_func("/bank/remote-client", test_remote_client);
	return g_test_run();
}
