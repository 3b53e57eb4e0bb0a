// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend-remote loaded by the core from INI text, routed to an in-process
 * test frontend, against the scripted osmo-remsim (fake-remsim.c) on
 * loopback: normal session, APDU -> TPDU, size limits, resets, refusals,
 * slotmap removed in use, bank and server restarts, keep-alive timeout,
 * malformed input, cancelled transactions, configuration errors.
 * Timers are shortened by INI keys; a 10 s deadline only catches hangs.
 */
#include <string.h>

#include "fake-remsim.h"
#include "rspro-ipa.h"
#include "test-slots.h"

typedef struct {
	CrRouter *router;
	FakeRemsim *fake;
	TestFrontend *fe[2];
	GPtrArray *errors; /* gchar*: CR_EVENT_ERROR messages */
} Rig;

#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		gint64 deadline_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                   \
		while (!(cond)) {                                                                  \
			g_assert_cmpint(g_get_monotonic_time(), <, deadline_);                     \
			g_main_context_iteration(NULL, TRUE);                                      \
		}                                                                                  \
	} while (0)

static gboolean
tick(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

static void
on_event(const CrEvent *ev, gpointer user_data)
{
	Rig *rig = user_data;

	if (ev->type == CR_EVENT_ERROR)
		g_ptr_array_add(rig->errors, g_strdup(ev->error->message));
}

static gboolean
has_error(Rig *rig, const gchar *needle)
{
	for (guint i = 0; i < rig->errors->len; i++)
		if (strstr(g_ptr_array_index(rig->errors, i), needle) != NULL)
			return TRUE;
	return FALSE;
}

/* [backend:remote0] (and remote1 when @two) against rig->fake, routed to
 * test frontends fe0/fe1 with @timeout_ms; @keys are added to each section */
static void
rig_start_full(Rig *rig, const gchar *keys, gboolean two, guint timeout_ms)
{
	g_autoptr(GString) ini = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(TestInstance) inst = test_instance_new();
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;

	memset(rig, 0, sizeof(*rig));
	rig->fake = fake_remsim_new();
	rig->errors = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < (two ? 2u : 1u); i++)
		g_string_append_printf(ini,
		                       "[backend:remote%u]\nplugin = remote\n"
		                       "server = 127.0.0.1:%u\nclient-id = 7\nclient-slot = %u\n"
		                       "reconnect-delay-ms = 20\natr-wait-ms = 300\n%s\n",
		                       i, rig->fake->server_port, i, keys);
	rig->router = cr_router_new();
	cr_router_set_plugin_dir(rig->router, BUILD_PLUGIN_DIR);
	cr_router_add_event_hook(rig->router, on_event, rig, NULL);
	g_assert_true(
	        cr_router_load_config_data(rig->router, ini->str, ini->len, "test.ini", &error));
	g_assert_no_error(error);
	policy.timeout_ms = timeout_ms;
	for (guint i = 0; i < (two ? 2u : 1u); i++) {
		g_autofree gchar *fe = g_strdup_printf("fe%u", i);

		rig->fe[i] = test_frontend_new(fe);
		g_assert_true(cr_instance_add_frontend_slot(CR_INSTANCE(inst),
		                                            CR_FRONTEND_SLOT(rig->fe[i]), &error));
		g_assert_no_error(error);
	}
	g_assert_true(cr_router_add_instance(rig->router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_FRONTEND, &error));
	for (guint i = 0; i < (two ? 2u : 1u); i++) {
		g_autofree gchar *fe = g_strdup_printf("fe%u", i);
		g_autofree gchar *be = g_strdup_printf("remote%u", i);
		g_autofree gchar *r = g_strdup_printf("r%u", i);

		g_assert_nonnull(cr_router_add_route(rig->router, r, fe, be, &policy, &error));
		g_assert_no_error(error);
	}
	g_assert_true(cr_router_start(rig->router, &error));
	g_assert_no_error(error);
}

static void
rig_start(Rig *rig, const gchar *keys)
{
	rig_start_full(rig, keys, FALSE, 30000);
}

static void
rig_stop(Rig *rig)
{
	for (guint i = 0; i < 2; i++)
		g_clear_object(&rig->fe[i]);
	g_object_unref(rig->router);
	fake_remsim_free(rig->fake);
	g_ptr_array_unref(rig->errors);
	/* let cancelled socket operations finish */
	for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

static CrBackendSlot *
backend(Rig *rig, guint i)
{
	g_autofree gchar *name = g_strdup_printf("remote%u", i);

	return cr_router_lookup_backend(rig->router, name);
}

static gboolean
present(Rig *rig, guint i)
{
	return cr_backend_slot_get_state(backend(rig, i)) == CR_SLOT_STATE_PRESENT;
}

static GBytes *
hex(const gchar *text)
{
	g_autoptr(GByteArray) out = g_byte_array_new();

	for (const gchar *p = text; *p != '\0';) {
		guint8 b;

		if (*p == ' ') {
			p++;
			continue;
		}
		g_assert_true(g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]));
		b = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		g_byte_array_append(out, &b, 1);
		p += 2;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static void
assert_bytes(GBytes *got, const gchar *want_hex)
{
	g_autoptr(GBytes) want = hex(want_hex);

	if (!g_bytes_equal(got, want)) {
		g_autofree gchar *g = NULL;
		GString *s = g_string_new(NULL);
		gsize len;
		const guint8 *d = g_bytes_get_data(got, &len);

		for (gsize i = 0; i < len; i++)
			g_string_append_printf(s, "%02X", d[i]);
		g = g_string_free(s, FALSE);
		g_error("got %s, want %s", g, want_hex);
	}
}

/* submits on fe@i, waits for the outcome, checks response (hex, NULL = any)
 * and error code (0 = none) */
static void
transact(Rig *rig, guint i, const gchar *cmd_hex, const gchar *want_hex, gint code)
{
	g_autoptr(GBytes) cmd = hex(cmd_hex);
	TestFrontend *fe = rig->fe[i];
	guint before = fe->done_count;

	cr_frontend_slot_submit(CR_FRONTEND_SLOT(fe), g_bytes_get_data(cmd, NULL),
	                        g_bytes_get_size(cmd));
	WAIT_FOR(fe->done_count > before);
	if (code == 0)
		g_assert_no_error(fe->last_error);
	else
		g_assert_error(fe->last_error, CR_ERROR, code);
	if (want_hex != NULL) {
		g_autoptr(GBytes) got = NULL;

		g_assert_nonnull(fe->last_response);
		got = g_bytes_new(fe->last_response->data, fe->last_response->len);
		assert_bytes(got, want_hex);
	}
}

static GBytes *
last_tpdu(Rig *rig)
{
	g_assert_cmpuint(rig->fake->tpdus->len, >, 0);
	return g_ptr_array_index(rig->fake->tpdus, rig->fake->tpdus->len - 1);
}

static gboolean
rx_has(GPtrArray *rx, const gchar *prefix)
{
	for (guint i = 0; i < rx->len; i++)
		if (g_str_has_prefix(g_ptr_array_index(rx, i), prefix))
			return TRUE;
	return FALSE;
}

static gchar *
describe(CrRouter *router, const gchar *instance, const gchar *key)
{
	CrInstance *inst = cr_router_lookup_instance(router, instance);
	g_autoptr(GVariantDict) dict = g_variant_dict_new(NULL);
	gchar *value = NULL;

	g_assert_nonnull(inst);
	CR_INSTANCE_GET_CLASS(inst)->describe(inst, dict);
	if (!g_variant_dict_lookup(dict, key, "s", &value))
		return NULL;
	return value;
}

static void
test_normal_session(void)
{
	Rig rig;
	g_autofree gchar *big = NULL;
	g_autofree gchar *a510 = g_strnfill(510, 'A');
	g_autofree gchar *b590 = g_strnfill(590, 'B');
	GBytes *atr;

	rig_start(&rig, "");
	WAIT_FOR(present(&rig, 0));
	atr = cr_backend_slot_get_atr(backend(&rig, 0));
	g_assert_true(g_bytes_equal(atr, rig.fake->atr));
	WAIT_FOR(rig.fe[0]->card != NULL);
	g_assert_true(rig.fake->last_had_client_slot);
	g_assert_cmpuint(rig.fake->last_client_slot.client_id, ==, 7);
	WAIT_FOR(rx_has(rig.fake->server_rx, "configClientBankRes") &&
	         rx_has(rig.fake->bank_rx, "setAtrRes"));
	{
		g_autofree gchar *bs = describe(rig.router, "remote0", "bank-state");
		g_autofree gchar *cs = describe(rig.router, "remote0", "client-slot");
		g_autofree gchar *b = describe(rig.router, "remote0", "bank-slot");

		g_assert_cmpstr(bs, ==, "CONNECTED");
		g_assert_cmpstr(cs, ==, "7:0");
		g_assert_cmpstr(b, ==, "1:0");
	}

	/* a T=0 TPDU goes as it is */
	transact(&rig, 0, "A0A40000023F00", "3F009000", 0);
	assert_bytes(last_tpdu(&rig), "A0A40000023F00");
	/* case 4 APDU: Le dropped */
	transact(&rig, 0, "00A40004023F0000", "3F009000", 0);
	assert_bytes(last_tpdu(&rig), "00A40004023F00");
	/* case 2 (5 bytes) and case 1 (4 bytes: P3 = 00 added) */
	transact(&rig, 0, "00B0000010", "9000", 0);
	assert_bytes(last_tpdu(&rig), "00B0000010");
	transact(&rig, 0, "00700000", "9000", 0);
	assert_bytes(last_tpdu(&rig), "0070000000");
	/* 255 data bytes + Le = 261 bytes -> a 260-byte TPDU */
	big = g_strdup_printf("00D60000FF%s00", a510);
	transact(&rig, 0, big, NULL, 0);
	g_assert_cmpuint(g_bytes_get_size(last_tpdu(&rig)), ==, 260);
	g_assert_cmpuint(rig.fake->tpdus->len, ==, 5);

	/* refused, never truncated: extended APDU, 300 bytes (the core refuses
	 * both with 6700: neither end of the route carries them), garbage */
	transact(&rig, 0, "00D6000000000400112233", "6700", CR_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(rig.fe[0]->last_error->message, "extended"));
	g_free(big);
	big = g_strdup_printf("00D6000000%s", b590);
	transact(&rig, 0, big, "6700", CR_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(rig.fe[0]->last_error->message, "C-APDU of 300 bytes"));
	transact(&rig, 0, "00D60000050102", NULL, CR_ERROR_INVALID);
	g_assert_cmpuint(rig.fake->tpdus->len, ==, 5);
	/* still fine afterwards */
	transact(&rig, 0, "00B0000002", "9000", 0);
	g_assert_cmpuint(rig.errors->len, ==, 0);
	rig_stop(&rig);
}

static void
test_resets(void)
{
	Rig rig;
	guint changes;

	rig_start(&rig, "");
	WAIT_FOR(rig.fe[0]->card != NULL);
	changes = rig.fe[0]->card_changes;
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(rig.fe[0]), CR_RESET_COLD);
	WAIT_FOR(rig.fake->status->len == 2);
	g_assert_cmpstr(g_ptr_array_index(rig.fake->status, 0), ==, "1001");
	g_assert_cmpstr(g_ptr_array_index(rig.fake->status, 1), ==, "0111");
	WAIT_FOR(rig.fe[0]->card_changes > changes);
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(rig.fe[0]), CR_RESET_WARM);
	WAIT_FOR(rig.fake->status->len == 4);
	g_assert_cmpstr(g_ptr_array_index(rig.fake->status, 2), ==, "1111");
	g_assert_cmpstr(g_ptr_array_index(rig.fake->status, 3), ==, "0111");
	cr_frontend_slot_power_off(CR_FRONTEND_SLOT(rig.fe[0]));
	WAIT_FOR(rig.fake->status->len == 5);
	g_assert_cmpstr(g_ptr_array_index(rig.fake->status, 4), ==, "1001");
	/* powered off: a cold reset only powers on (no second VCC falling edge) */
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(rig.fe[0]), CR_RESET_COLD);
	WAIT_FOR(rig.fake->status->len == 6);
	g_assert_cmpstr(g_ptr_array_index(rig.fake->status, 5), ==, "0111");
	transact(&rig, 0, "00B0000002", "9000", 0);
	rig_stop(&rig);
}

static void
test_refusals(void)
{
	Rig rig;

	memset(&rig, 0, sizeof(rig));
	rig_start(&rig, "");
	/* the rig connected already: make the next ones refuse */
	WAIT_FOR(present(&rig, 0));
	g_queue_push_tail(&rig.fake->bank_results, GINT_TO_POINTER(RSPRO_RESULT_CARD_NOT_PRESENT));
	g_queue_push_tail(&rig.fake->bank_results, GINT_TO_POINTER(RSPRO_RESULT_CARD_NOT_PRESENT));
	g_queue_push_tail(&rig.fake->server_results, GINT_TO_POINTER(RSPRO_RESULT_IDENTITY_IN_USE));
	fake_bank_restart(rig.fake);
	fake_server_restart(rig.fake);
	WAIT_FOR(!present(&rig, 0));
	WAIT_FOR(rig.fake->bank_connects == 4 && present(&rig, 0));
	WAIT_FOR(rig.fake->server_connects >= 3);
	g_assert_true(has_error(&rig, "refused connectClientReq: cardNotPresent"));
	g_assert_true(has_error(&rig, "refused connectClientReq: identityInUse"));
	g_assert_true(has_error(&rig, "bank 1 slot 0 (127.0.0.1:"));
	g_assert_true(has_error(&rig, "server 127.0.0.1:"));
	transact(&rig, 0, "00B0000002", "9000", 0);
	rig_stop(&rig);
}

static void
test_slotmap_removed(void)
{
	Rig rig;

	rig_start(&rig, "");
	WAIT_FOR(present(&rig, 0));
	rig.fake->hold = TRUE;
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(rig.fe[0]), (const guint8 *)"\x00\xB0\x00\x00\x02",
	                        5);
	WAIT_FOR(rig.fake->held.length == 1);
	fake_server_unmap(rig.fake);
	WAIT_FOR(rig.fe[0]->done_count == 1);
	g_assert_error(rig.fe[0]->last_error, CR_ERROR, CR_ERROR_BACKEND_GONE);
	g_assert_nonnull(strstr(rig.fe[0]->last_error->message, "removed the mapping"));
	g_assert_false(present(&rig, 0));
	WAIT_FOR(rig.fake->bank_links_down == 1);
	/* mapped again: a new bank link and a card */
	rig.fake->hold = FALSE;
	fake_server_map(rig.fake);
	WAIT_FOR(present(&rig, 0));
	g_assert_cmpuint(rig.fake->bank_connects, ==, 2);
	transact(&rig, 0, "00B0000002", "9000", 0);
	rig_stop(&rig);
}

static void
test_bank_restart(void)
{
	Rig rig;

	rig_start(&rig, "");
	WAIT_FOR(present(&rig, 0));
	transact(&rig, 0, "00B0000002", "9000", 0);
	rig.fake->hold = TRUE;
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(rig.fe[0]), (const guint8 *)"\x00\xB0\x00\x00\x02",
	                        5);
	WAIT_FOR(rig.fake->held.length == 1);
	fake_bank_stop(rig.fake);
	/* the in-flight transaction gets its outcome */
	WAIT_FOR(rig.fe[0]->done_count == 2);
	g_assert_error(rig.fe[0]->last_error, CR_ERROR, CR_ERROR_BACKEND_GONE);
	g_assert_nonnull(strstr(rig.fe[0]->last_error->message, "peer closed the connection"));
	WAIT_FOR(!present(&rig, 0));
	WAIT_FOR(has_error(&rig, "Connection refused"));
	rig.fake->hold = FALSE;
	fake_bank_restart(rig.fake);
	WAIT_FOR(present(&rig, 0));
	transact(&rig, 0, "00B0000003", "9000", 0);
	rig_stop(&rig);
}

static void
test_server_restart(void)
{
	Rig rig;

	rig_start(&rig, "");
	WAIT_FOR(present(&rig, 0));
	fake_server_stop(rig.fake);
	WAIT_FOR(has_error(&rig, "server 127.0.0.1:"));
	/* the bank link carries on */
	transact(&rig, 0, "00B0000002", "9000", 0);
	g_assert_true(present(&rig, 0));
	fake_server_restart(rig.fake);
	WAIT_FOR(rig.fake->server_connects == 2 &&
	         rx_has(rig.fake->server_rx, "configClientBankRes"));
	/* the same mapping again: the bank link is kept */
	transact(&rig, 0, "00B0000003", "9000", 0);
	g_assert_cmpuint(rig.fake->bank_connects, ==, 1);
	rig_stop(&rig);
}

/* ---- keep-alive timeout: a bankd that never answers PINGs ---- */

typedef struct {
	GSocketConnection *conn;
	RsproIpaDeframer *deframer;
	guint8 buf[4096];
	guint pings;
	FakeRemsim *fake;
} MuteBank;

static void
mute_write(MuteBank *mb, const RsproMsg *msg)
{
	g_autoptr(GByteArray) frame = g_byte_array_new();

	g_assert_true(rspro_msg_encode_ipa(msg, frame, NULL));
	g_assert_true(
	        g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(mb->conn)),
	                                  frame->data, frame->len, NULL, NULL, NULL));
}

static void mute_read(MuteBank *mb);

static void
mute_read_cb(GObject *source, GAsyncResult *result, gpointer data)
{
	MuteBank *mb = data;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, NULL);
	gsize off = 0;

	if (n <= 0)
		return;
	while (off < (gsize)n) {
		RsproIpaFrame frame;
		const guint8 *body;
		gsize len;
		gssize used = rspro_ipa_deframer_push(mb->deframer, mb->buf + off, (gsize)n - off,
		                                      &frame, NULL);

		g_assert_cmpint(used, >, 0);
		off += (gsize)used;
		if (!frame.complete)
			continue;
		switch (rspro_ipa_frame_kind(&frame, &body, &len)) {
		case RSPRO_IPA_KIND_CCM:
			mb->pings += body[0] == 0x00;
			break;
		case RSPRO_IPA_KIND_RSPRO: {
			RsproMsg msg, res;

			g_assert_true(rspro_msg_decode(body, len, &msg, NULL));
			if (msg.type == RSPRO_MSG_CONNECT_CLIENT_REQ) {
				rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
				rspro_peer_fill_identity(&res.u.connect_client_res.identity,
				                         RSPRO_COMPONENT_BANKD);
				mute_write(mb, &res);
				rspro_msg_clear(&res);
				rspro_msg_init(&res, RSPRO_MSG_SET_ATR_REQ);
				res.u.set_atr_req.atr = g_bytes_ref(mb->fake->atr);
				mute_write(mb, &res);
				rspro_msg_clear(&res);
			}
			rspro_msg_clear(&msg);
			break;
		}
		default:
			break;
		}
	}
	mute_read(mb);
}

static void
mute_read(MuteBank *mb)
{
	g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(mb->conn)), mb->buf,
	                          sizeof(mb->buf), G_PRIORITY_DEFAULT, NULL, mute_read_cb, mb);
}

static void
mute_accept_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	MuteBank *mb = data;

	mb->conn = g_socket_listener_accept_finish(G_SOCKET_LISTENER(source), res, NULL, NULL);
	g_assert_nonnull(mb->conn);
	mute_read(mb);
}

static void
test_keepalive_timeout(void)
{
	Rig rig;
	MuteBank mb = {0};
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = NULL;

	rig_start(&rig, "keepalive-interval-ms = 5000\nkeepalive-timeout-ms = 300\n");
	WAIT_FOR(present(&rig, 0));
	/* swap the fake bank for a mute one on the same port; the client reconnects */
	mb.fake = rig.fake;
	mb.deframer = rspro_ipa_deframer_new(0);
	fake_bank_stop(rig.fake);
	addr = g_inet_socket_address_new(lo, rig.fake->bank_port);
	g_assert_true(g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
	                                            G_SOCKET_PROTOCOL_TCP, NULL, NULL, NULL));
	g_socket_listener_accept_async(listener, NULL, mute_accept_cb, &mb);
	WAIT_FOR(mb.conn != NULL && present(&rig, 0));
	WAIT_FOR(!present(&rig, 0));
	g_assert_cmpuint(mb.pings, >=, 1);
	g_assert_true(has_error(&rig, "no IPA PONG within 300 ms"));
	g_socket_listener_close(listener);
	g_clear_object(&mb.conn);
	rig_stop(&rig);
	rspro_ipa_deframer_free(mb.deframer);
}

/* ---- malformed input; the other slot keeps working ---- */

static void
test_malformed(void)
{
	/* an RSPRO frame whose PDU does not decode; a frame of IPA stream 0x00 */
	static const guint8 bad_pdu[] = {0x00, 0x06, 0xEE, 0x07, 0x30, 0x03, 0x02, 0x01, 0xFF};
	static const guint8 foreign[] = {0x00, 0x02, 0x00, 0x12, 0x34};
	Rig rig;

	rig_start_full(&rig, "", TRUE, 30000);
	WAIT_FOR(present(&rig, 0) && present(&rig, 1));
	/* undecodable: dropped, the link stays (upstream client FSM) */
	fake_bank_send_raw(rig.fake, bad_pdu, sizeof(bad_pdu));
	fake_server_send_raw(rig.fake, bad_pdu, sizeof(bad_pdu));
	transact(&rig, 0, "00B0000002", "9000", 0);
	transact(&rig, 1, "00B0000002", "9000", 0);
	g_assert_cmpuint(rig.fake->bank_links_down, ==, 0);
	/* a foreign stream ends that link; it comes back, the other never went */
	fake_bank_send_raw(rig.fake, foreign, sizeof(foreign));
	WAIT_FOR(rig.fake->bank_links_down == 1);
	WAIT_FOR(has_error(&rig, "is not RSPRO"));
	WAIT_FOR(rig.fake->bank_connects == 3 && present(&rig, 0) && present(&rig, 1));
	transact(&rig, 0, "00B0000003", "9000", 0);
	transact(&rig, 1, "00B0000003", "9000", 0);
	rig_stop(&rig);
}

/* a transaction that times out at the route: its late answer is discarded
 * and the next command gets its own answer */
static void
test_cancelled_transaction(void)
{
	Rig rig;

	rig_start_full(&rig, "", FALSE, 150);
	WAIT_FOR(present(&rig, 0));
	rig.fake->hold = TRUE;
	transact(&rig, 0, "00D6000001AA", "6F00", CR_ERROR_TIMEOUT);
	WAIT_FOR(rig.fake->held.length == 1);
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(rig.fe[0]),
	                        (const guint8 *)"\x00\xD6\x00\x00\x01\xBB", 6);
	/* the second waits for the first's answer before going out */
	for (guint i = 0; i < 10; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_cmpuint(rig.fake->tpdus->len, ==, 1);
	rig.fake->hold = FALSE;
	fake_bank_release(rig.fake);
	WAIT_FOR(rig.fe[0]->done_count == 2);
	g_assert_no_error(rig.fe[0]->last_error);
	g_assert_cmpuint(rig.fe[0]->last_response->data[0], ==, 0xBB);
	rig_stop(&rig);
}

static void
test_atr_ignore_and_wait(void)
{
	Rig rig;
	g_autoptr(GBytes) local = hex("3B021450");

	rig_start(&rig, "atr-ignore = true\natr = 3B 02 14 50\n");
	WAIT_FOR(present(&rig, 0) && rx_has(rig.fake->bank_rx, "setAtrRes"));
	g_assert_true(g_bytes_equal(cr_backend_slot_get_atr(backend(&rig, 0)), local));
	rig_stop(&rig);

	/* no setAtrReq from the bank: the local ATR after atr-wait-ms */
	memset(&rig, 0, sizeof(rig));
	rig_start(&rig, "atr = 3B 02 14 50\n");
	rig.fake->send_atr = FALSE;
	WAIT_FOR(present(&rig, 0));
	rig_stop(&rig);
}

static void
test_config_errors(void)
{
	static const struct {
		const gchar *ini;
		const gchar *want;
	} cases[] = {
	        {"[backend:r]\nplugin = remote\n", "server"},
	        {"[backend:r]\nplugin = remote\nserver = h\nclient-slot = 1\n", "client-slot"},
	        {"[backend:r]\nplugin = remote\nserver = h\nclient-id = 1024\n", "client-id"},
	        {"[backend:r]\nplugin = remote\nserver = h\natr = 3B\n", "atr"},
	        {"[backend:r]\nplugin = remote\nserver = h\nbogus = 1\n", "bogus"},
	        {"[backend:r]\nplugin = remote\nserver = h:99999\n", "server"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(CrRouter) router = cr_router_new();
		g_autoptr(GError) error = NULL;

		cr_router_set_plugin_dir(router, BUILD_PLUGIN_DIR);
		g_assert_false(cr_router_load_config_data(router, cases[i].ini,
		                                          strlen(cases[i].ini), "t.ini", &error));
		g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
		g_assert_nonnull(strstr(error->message, cases[i].want));
	}
}

/* no client-id: connectClientReq without clientSlot; configClientIdReq assigns it */
static void
test_assigned_client_slot(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = NULL;
	g_autoptr(CrRouter) router = cr_router_new();
	FakeRemsim *fake = fake_remsim_new();
	CrBackendSlot *be;
	RsproMsg m;
	g_autoptr(GByteArray) frame = g_byte_array_new();

	fake->map = FALSE;
	ini = g_strdup_printf("[backend:dyn]\nplugin = remote\nserver = 127.0.0.1:%u\n"
	                      "reconnect-delay-ms = 20\n",
	                      fake->server_port);
	cr_router_set_plugin_dir(router, BUILD_PLUGIN_DIR);
	g_assert_true(cr_router_load_config_data(router, ini, strlen(ini), "t.ini", &error));
	{
		/* before start: no client slot, nothing connected */
		g_autofree gchar *cs = describe(router, "dyn", "client-slot");
		g_autofree gchar *st = describe(router, "dyn", "server-state");

		g_assert_null(cs);
		g_assert_cmpstr(st, ==, "INIT");
	}
	g_assert_true(cr_router_start(router, &error));
	WAIT_FOR(fake->server_connects == 1 && rspro_peer_last_link(fake->server) != NULL);
	g_assert_false(fake->last_had_client_slot);
	rspro_msg_init(&m, RSPRO_MSG_CONFIG_CLIENT_ID_REQ);
	m.u.config_client_id_req.client_slot.client_id = 42;
	m.u.config_client_id_req.client_slot.slot_nr = 3;
	g_assert_true(rspro_msg_encode_ipa(&m, frame, NULL));
	fake_server_send_raw(fake, frame->data, frame->len);
	WAIT_FOR(rx_has(fake->server_rx, "configClientIdRes"));
	fake_server_map(fake);
	be = cr_router_lookup_backend(router, "dyn");
	WAIT_FOR(cr_backend_slot_get_state(be) == CR_SLOT_STATE_PRESENT);
	g_assert_cmpuint(fake->last_client_slot.client_id, ==, 42);
	g_assert_cmpuint(fake->last_client_slot.slot_nr, ==, 3);
	g_clear_object(&router);
	fake_remsim_free(fake);
	for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* link failures are logged as warnings on purpose; criticals stay fatal */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_timeout_add(50, tick, NULL);
	g_test_add_func("/remote/normal-session", test_normal_session);
	g_test_add_func("/remote/resets", test_resets);
	g_test_add_func("/remote/refusals", test_refusals);
	g_test_add_func("/remote/slotmap-removed", test_slotmap_removed);
	g_test_add_func("/remote/bank-restart", test_bank_restart);
	g_test_add_func("/remote/server-restart", test_server_restart);
	g_test_add_func("/remote/keepalive-timeout", test_keepalive_timeout);
	g_test_add_func("/remote/malformed", test_malformed);
	g_test_add_func("/remote/cancelled-transaction", test_cancelled_transaction);
	g_test_add_func("/remote/atr-ignore-and-wait", test_atr_ignore_and_wait);
	g_test_add_func("/remote/config-errors", test_config_errors);
	g_test_add_func("/remote/assigned-client-slot", test_assigned_client_slot);
	return g_test_run();
}
