// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RsproLink over loopback TCP: message exchange, CCM answers per role, the
 * keep-alive, reassembly of byte-wise input, and every way a link goes down.
 * The far end is either another RsproLink or a "raw" socket driven by the test.
 * No sleeps: the test spins the main loop until the awaited event happened (a
 * 10 s guard only catches hangs).
 */
#include <string.h>

#include "rspro-ipa.h"
#include "rspro-link.h"
#include "rspro-test-util.h"

#define GUARD_MS 10000

typedef struct {
	GSocketConnection *a; /* accepted (server) side */
	GSocketConnection *b; /* connecting (client) side */
} Pair;

typedef struct {
	GPtrArray *msgs; /* RsproMsgType as pointers */
	GError *down_error;
	gboolean down;
	gboolean close_on_msg;
	RsproLink *reply_link;
} Events;

static void
on_accept(GObject *source, GAsyncResult *res, gpointer data)
{
	GSocketConnection **out = data;

	*out = g_socket_listener_accept_finish(G_SOCKET_LISTENER(source), res, NULL, NULL);
	g_assert_nonnull(*out);
}

static void
on_connect(GObject *source, GAsyncResult *res, gpointer data)
{
	GSocketConnection **out = data;

	*out = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), res, NULL);
	g_assert_nonnull(*out);
}

static gboolean
guard_cb(gpointer data)
{
	g_error("test guard: event did not happen within %d ms", GUARD_MS);
	return G_SOURCE_REMOVE;
}

/* iterates the main loop until *flag (a gboolean or pointer) becomes non-zero */
#define SPIN_UNTIL(cond)                                                                           \
	do {                                                                                       \
		guint guard_ = g_timeout_add(GUARD_MS, guard_cb, NULL);                            \
		while (!(cond))                                                                    \
			g_main_context_iteration(NULL, TRUE);                                      \
		g_source_remove(guard_);                                                           \
	} while (0)

static void
pair_open(Pair *p)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;

	memset(p, 0, sizeof(*p));
	g_socket_client_set_enable_proxy(client, FALSE);
	g_assert_true(g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
	                                            G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
	g_assert_no_error(error);
	g_socket_listener_accept_async(listener, NULL, on_accept, &p->a);
	g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(bound), NULL, on_connect, &p->b);
	SPIN_UNTIL(p->a != NULL && p->b != NULL);
	g_socket_listener_close(listener);
}

static void
pair_close(Pair *p)
{
	g_clear_object(&p->a);
	g_clear_object(&p->b);
}

/* ---- the raw end ---- */

static void
raw_write_hex(GSocketConnection *c, const gchar *hex)
{
	g_autoptr(GByteArray) b = test_hex(hex);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(c)),
	                                        b->data, b->len, NULL, NULL, &error));
	g_assert_no_error(error);
}

typedef struct {
	gssize n;
	gboolean done;
} ReadResult;

static void
raw_read_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	ReadResult *r = data;

	r->n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, NULL);
	r->done = TRUE;
}

/* reads one frame from the raw end (spinning the loop so the link can work) */
static GByteArray *
raw_read_frame(GSocketConnection *c)
{
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(0);
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(c));
	GByteArray *out = g_byte_array_new();

	for (;;) {
		guint8 byte;
		ReadResult r = {0, FALSE};
		RsproIpaFrame f;

		/* byte by byte so nothing after the frame is consumed */
		g_input_stream_read_async(in, &byte, 1, G_PRIORITY_DEFAULT, NULL, raw_read_cb, &r);
		SPIN_UNTIL(r.done);
		if (r.n <= 0) {
			g_byte_array_unref(out);
			return NULL; /* EOF */
		}
		g_byte_array_append(out, &byte, 1);
		g_assert_cmpint(rspro_ipa_deframer_push(d, &byte, 1, &f, NULL), ==, 1);
		if (f.complete)
			return out;
	}
}

static void
raw_expect_frame(GSocketConnection *c, const gchar *hex)
{
	g_autoptr(GByteArray) got = raw_read_frame(c);
	g_autoptr(GByteArray) want = test_hex(hex);

	g_assert_nonnull(got);
	test_assert_bytes(got->data, got->len, want->data, want->len, hex);
}

/* ---- link callbacks ---- */

static void
events_init(Events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->msgs = g_ptr_array_new();
}

static void
events_clear(Events *ev)
{
	g_ptr_array_unref(ev->msgs);
	g_clear_error(&ev->down_error);
}

static void
on_msg(RsproLink *link, const RsproMsg *msg, gpointer data)
{
	Events *ev = data;

	g_ptr_array_add(ev->msgs, GINT_TO_POINTER(msg->type));
	if (ev->close_on_msg)
		rspro_link_close(link);
	if (ev->reply_link != NULL && msg->type == RSPRO_MSG_CONNECT_CLIENT_REQ) {
		RsproMsg res;
		g_autoptr(GError) error = NULL;

		g_assert_cmpuint(msg->u.connect_client_req.client_slot.client_id, ==, 23);
		rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
		rspro_identity_set(&res.u.connect_client_res.identity, RSPRO_COMPONENT_SERVER,
		                   "srv", "remsim-server", "1.1.3");
		g_assert_true(rspro_link_send(ev->reply_link, &res, &error));
		g_assert_no_error(error);
		rspro_msg_clear(&res);
	}
}

static void
on_down(RsproLink *link, const GError *error, gpointer data)
{
	Events *ev = data;

	g_assert_false(ev->down); /* once */
	g_assert_false(rspro_link_is_up(link));
	ev->down = TRUE;
	ev->down_error = g_error_copy(error);
}

static RsproLink *
link_on(GSocketConnection *c, RsproLinkRole role, Events *ev)
{
	RsproLink *link = rspro_link_new(G_IO_STREAM(c), role, "test");

	rspro_link_set_callbacks(link, on_msg, on_down, ev);
	return link;
}

/* ---- tests ---- */

static void
test_exchange(void)
{
	Pair p;
	Events evs, evc;
	g_autoptr(RsproLink) server = NULL;
	g_autoptr(RsproLink) client = NULL;
	g_autoptr(GError) error = NULL;
	RsproMsg req;

	pair_open(&p);
	events_init(&evs);
	events_init(&evc);
	server = link_on(p.a, RSPRO_LINK_ROLE_SERVER, &evs);
	client = link_on(p.b, RSPRO_LINK_ROLE_CLIENT, &evc);
	evs.reply_link = server;
	rspro_link_start(server);
	rspro_link_start(client);

	rspro_msg_init(&req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_identity_set(&req.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT, "host1",
	                   "remsim-client", "1.1.3");
	req.u.connect_client_req.has_client_slot = TRUE;
	req.u.connect_client_req.client_slot.client_id = 23;
	g_assert_true(rspro_link_send(client, &req, &error));
	g_assert_no_error(error);
	rspro_msg_clear(&req);

	SPIN_UNTIL(evc.msgs->len == 1);
	g_assert_cmpint(GPOINTER_TO_INT(evs.msgs->pdata[0]), ==, RSPRO_MSG_CONNECT_CLIENT_REQ);
	g_assert_cmpint(GPOINTER_TO_INT(evc.msgs->pdata[0]), ==, RSPRO_MSG_CONNECT_CLIENT_RES);
	g_assert_true(rspro_link_is_up(server));
	g_assert_true(rspro_link_is_up(client));

	/* the client closes: the server sees it */
	rspro_link_close(client);
	g_assert_false(rspro_link_send(client, &req, &error));
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED);
	SPIN_UNTIL(evs.down);
	g_assert_error(evs.down_error, RSPRO_ERROR, RSPRO_ERROR_CLOSED);
	g_assert_false(evc.down); /* closing locally does not call back */

	events_clear(&evs);
	events_clear(&evc);
	pair_close(&p);
}

static void
test_ccm_server(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_SERVER, &ev);
	rspro_link_start(link);
	raw_expect_frame(p.b, "00 01 FE 00"); /* PING at once */
	raw_write_hex(p.b, "00 01 FE 00");
	raw_expect_frame(p.b, "00 01 FE 01"); /* PONG */
	raw_write_hex(p.b, "00 01 FE 06");
	raw_expect_frame(p.b, "00 01 FE 06");                /* ID_ACK answered */
	raw_write_hex(p.b, "00 01 FE 01 00 03 FE 05 00 00"); /* PONG, ID_RESP: ignored */
	/* an unknown CCM message ends a server link */
	raw_write_hex(p.b, "00 01 FE 42");
	SPIN_UNTIL(ev.down);
	g_assert_error(ev.down_error, RSPRO_ERROR, RSPRO_ERROR_UNSUPPORTED);
	g_assert_null(raw_read_frame(p.b)); /* closed */
	events_clear(&ev);
	pair_close(&p);
}

static void
test_ccm_client(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.b, RSPRO_LINK_ROLE_CLIENT, &ev);
	rspro_link_start(link);
	raw_expect_frame(p.a, "00 01 FE 00");
	raw_write_hex(p.a, "00 01 FE 01");
	/* ID_GET for the unit id: ID_RESP + ID_ACK */
	raw_write_hex(p.a, "00 03 FE 04 01 08");
	raw_expect_frame(p.a, "00 0A FE 05 00 07 08 30 2F 30 2F 30 00");
	raw_expect_frame(p.a, "00 01 FE 06");
	/* ID_ACK and unknown CCM are ignored; a PING is still answered after them */
	raw_write_hex(p.a, "00 01 FE 06 00 01 FE 42 00 01 FE 00");
	raw_expect_frame(p.a, "00 01 FE 01");
	g_assert_false(ev.down);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_bank_no_ping(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_BANK, &ev);
	rspro_link_start(link);
	/* the first frame the bank side sends is the answer, not a PING */
	raw_write_hex(p.b, "00 01 FE 00");
	raw_expect_frame(p.b, "00 01 FE 01");
	raw_write_hex(p.b, "00 01 FE 06");
	raw_expect_frame(p.b, "00 01 FE 06");
	events_clear(&ev);
	pair_close(&p);
}

static void
test_keepalive_timeout(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.b, RSPRO_LINK_ROLE_CLIENT, &ev);
	rspro_link_set_keepalive(link, 30000, 20);
	rspro_link_start(link);
	raw_expect_frame(p.a, "00 01 FE 00");
	/* other traffic does not count as liveness; no PONG -> down */
	raw_write_hex(p.a, "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00");
	SPIN_UNTIL(ev.down);
	g_assert_error(ev.down_error, RSPRO_ERROR, RSPRO_ERROR_TIMEOUT);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_keepalive_cycle(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_SERVER, &ev);
	rspro_link_set_keepalive(link, 5, 5000);
	rspro_link_start(link);
	for (guint i = 0; i < 3; i++) {
		raw_expect_frame(p.b, "00 01 FE 00");
		raw_write_hex(p.b, "00 01 FE 01");
	}
	g_assert_false(ev.down);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_bytewise_input(void)
{
	static const gchar *const bytes[] = {
	        "00",    "10",    "EE", "07", "30 0D 80", "01 02 81 01 00 A2", "05 A5 03 0A 01",
	        "00 00", "01 FE", "00"};
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_BANK, &ev);
	rspro_link_start(link);
	for (gsize i = 0; i < G_N_ELEMENTS(bytes); i++) {
		raw_write_hex(p.b, bytes[i]);
		/* let the link read what is there so far */
		for (guint k = 0; k < 3; k++)
			g_main_context_iteration(NULL, FALSE);
	}
	raw_expect_frame(p.b, "00 01 FE 01");
	SPIN_UNTIL(ev.msgs->len == 1);
	g_assert_cmpint(GPOINTER_TO_INT(ev.msgs->pdata[0]), ==, RSPRO_MSG_CREATE_MAPPING_RES);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_bad_stream(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_BANK, &ev);
	rspro_link_start(link);
	raw_write_hex(p.b, "00 02 EE 05 00"); /* Osmocom extension 5 (GSUP) */
	SPIN_UNTIL(ev.down);
	g_assert_error(ev.down_error, RSPRO_ERROR, RSPRO_ERROR_UNSUPPORTED);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_decode_error(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	/* server: dropped, link kept */
	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_SERVER, &ev);
	rspro_link_set_keepalive(link, 0, 0);
	rspro_link_start(link);
	g_test_expect_message("rspro", G_LOG_LEVEL_WARNING, "*undecodable*");
	raw_write_hex(p.b, "00 03 EE 07 30 00 "
	                   "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00");
	SPIN_UNTIL(ev.msgs->len == 1);
	g_test_assert_expected_messages();
	g_assert_false(ev.down);
	g_clear_pointer(&link, rspro_link_unref);
	events_clear(&ev);
	pair_close(&p);

	/* bank: the link ends */
	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_BANK, &ev);
	rspro_link_start(link);
	raw_write_hex(p.b, "00 03 EE 07 30 00");
	SPIN_UNTIL(ev.down);
	g_assert_error(ev.down_error, RSPRO_ERROR, RSPRO_ERROR_MALFORMED);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_close_in_callback(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	ev.close_on_msg = TRUE;
	link = link_on(p.a, RSPRO_LINK_ROLE_BANK, &ev);
	rspro_link_start(link);
	/* two PDUs in one segment: the second is not delivered after the close */
	raw_write_hex(p.b, "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00 "
	                   "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00");
	SPIN_UNTIL(ev.msgs->len == 1);
	g_assert_null(raw_read_frame(p.b)); /* the peer sees the close */
	g_assert_cmpuint(ev.msgs->len, ==, 1);
	g_assert_false(ev.down);
	events_clear(&ev);
	pair_close(&p);
}

static void
test_oversize_frame(void)
{
	Pair p;
	Events ev;
	g_autoptr(RsproLink) link = NULL;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_SERVER, &ev);
	rspro_link_set_keepalive(link, 0, 0);
	rspro_link_start(link);
	/* 65535 announced, 3 sent, then EOF mid-frame */
	raw_write_hex(p.b, "FF FF EE 07 30 00");
	g_io_stream_close(G_IO_STREAM(p.b), NULL, NULL);
	SPIN_UNTIL(ev.down);
	g_assert_error(ev.down_error, RSPRO_ERROR, RSPRO_ERROR_CLOSED);
	g_assert_nonnull(strstr(ev.down_error->message, "mid-frame"));
	events_clear(&ev);
	pair_close(&p);
}

/* dropping the link while a read is pending closes it quietly */
static void
test_unref_while_pending(void)
{
	Pair p;
	Events ev;
	RsproLink *link;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_SERVER, &ev);
	rspro_link_start(link);
	rspro_link_unref(link);
	{
		/* the PING may or may not have left before the close; then EOF */
		g_autoptr(GByteArray) f = raw_read_frame(p.b);

		if (f != NULL) {
			g_autoptr(GByteArray) ping = test_hex("00 01 FE 00");

			test_assert_bytes(f->data, f->len, ping->data, ping->len, "PING");
			g_assert_null(raw_read_frame(p.b));
		}
	}
	g_assert_false(ev.down);
	events_clear(&ev);
	pair_close(&p);
}

/* a peer that stops reading: frames keep being accepted (queued) up to the
 * bound, then the send fails and the link ends with TOO_BIG, once */
static void
test_peer_stops_reading(void)
{
	Pair p;
	Events ev;
	RsproLink *link;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *frame = g_malloc0(RSPRO_IPA_HEADER_LEN + 60000);
	guint sent = 0;

	pair_open(&p);
	events_init(&ev);
	link = link_on(p.a, RSPRO_LINK_ROLE_BANK, &ev);
	rspro_link_start(link);
	/* a CCM-stream frame of 60000 bytes: the peer (p.b) never reads */
	frame[0] = (guint8)(60000 >> 8);
	frame[1] = (guint8)(60000 & 0xff);
	frame[2] = RSPRO_IPA_PROTO_OSMO;
	while (rspro_link_send_frame(link, frame, RSPRO_IPA_HEADER_LEN + 60000, &error)) {
		sent++;
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_assert_cmpuint(sent, <, 1000);
	}
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG);
	/* the socket buffers took some, then RSPRO_LINK_MAX_QUEUED more */
	g_assert_cmpuint((gsize)sent * 60000, >, RSPRO_LINK_MAX_QUEUED - 60000);
	g_assert_true(ev.down);
	g_assert_error(ev.down_error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG);
	g_assert_false(rspro_link_is_up(link));
	rspro_link_unref(link);
	events_clear(&ev);
	pair_close(&p);
}

static void
count_incoming(CrListener *listener, GSocketConnection *connection, gpointer user_data)
{
	(*(guint *)user_data)++;
}

static void
test_listen(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CrListener) a = NULL;
	g_autoptr(CrListener) b = NULL;
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autofree gchar *prefix = NULL;
	guint16 port = 0, again = 0;
	guint incoming = 0;

	a = rspro_listen("127.0.0.1", 0, 0, "test", count_incoming, &incoming, &port, &error);
	g_assert_no_error(error);
	g_assert_nonnull(a);
	g_assert_cmpuint(port, !=, 0);
	/* the port is taken: the error names the address */
	b = rspro_listen("127.0.0.1", port, 16, "test", count_incoming, &incoming, &again, &error);
	g_assert_null(b);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
	prefix = g_strdup_printf("cannot listen on 127.0.0.1:%u: ", port);
	g_assert_true(g_str_has_prefix(error->message, prefix));
	g_assert_cmpuint(again, ==, 0);
	g_clear_error(&error);
	g_assert_null(rspro_listen("localhost", 0, 0, "test", count_incoming, &incoming, &again,
	                           &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* it accepts by itself */
	g_socket_client_set_enable_proxy(client, FALSE);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, &error);
	g_assert_no_error(error);
	while (incoming == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(incoming, ==, 1);
}

static void
test_host_port_string(void)
{
	g_autofree gchar *v4 = rspro_host_port_string("10.0.0.2", 9999);
	g_autofree gchar *v6 = rspro_host_port_string("fd00::1", 9998);

	g_assert_cmpstr(v4, ==, "10.0.0.2:9999");
	g_assert_cmpstr(v6, ==, "[fd00::1]:9998");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro/link/exchange", test_exchange);
	g_test_add_func("/rspro/link/ccm-server", test_ccm_server);
	g_test_add_func("/rspro/link/ccm-client", test_ccm_client);
	g_test_add_func("/rspro/link/bank-no-ping", test_bank_no_ping);
	g_test_add_func("/rspro/link/keepalive-timeout", test_keepalive_timeout);
	g_test_add_func("/rspro/link/keepalive-cycle", test_keepalive_cycle);
	g_test_add_func("/rspro/link/bytewise-input", test_bytewise_input);
	g_test_add_func("/rspro/link/bad-stream", test_bad_stream);
	g_test_add_func("/rspro/link/decode-error", test_decode_error);
	g_test_add_func("/rspro/link/close-in-callback", test_close_in_callback);
	g_test_add_func("/rspro/link/oversize-frame", test_oversize_frame);
	g_test_add_func("/rspro/link/unref-while-pending", test_unref_while_pending);
	g_test_add_func("/rspro/link/peer-stops-reading", test_peer_stops_reading);
	g_test_add_func("/rspro/link/listen", test_listen);
	g_test_add_func("/rspro/link/host-port-string", test_host_port_string);
	return g_test_run();
}
