// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rspro-bank plugin through the core, raw bytes on a plain socket:
 * frames that are not RSPRO for a bank (another IPA stream, another
 * extension, BER that does not decode, a PDU for another role, an empty
 * payload) close that connection only; a session whose frames arrive one
 * byte at a time is served.
 */
#include <string.h>

#include <gio/gio.h>

#include "bank-test.h"

/* loopback only: no proxy resolver (libproxy and ASan do not mix) */
static GSocketClient *
no_proxy_client(void)
{
	GSocketClient *sc = g_socket_client_new();

	g_socket_client_set_enable_proxy(sc, FALSE);
	return sc;
}

/* raw bytes on a plain socket */
static GSocketConnection *
raw_connect(guint16 port)
{
	g_autoptr(GSocketClient) sc = no_proxy_client();
	g_autoptr(GError) error = NULL;
	GSocketConnection *conn = g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, &error);

	g_assert_no_error(error);
	return conn;
}

static void
raw_write(GSocketConnection *conn, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
	                                        data, len, NULL, NULL, &error));
}

/* reads what is there; TRUE when @got ends with @want */
static gboolean
raw_tail_is(GSocketConnection *conn, GByteArray *got, GByteArray *want)
{
	GSocket *sock = g_socket_connection_get_socket(conn);
	guint8 buf[512];
	gssize n;

	while ((n = g_socket_receive_with_blocking(sock, (gchar *)buf, sizeof(buf), FALSE, NULL,
	                                           NULL)) > 0)
		g_byte_array_append(got, buf, (guint)n);
	return got->len >= want->len &&
	       memcmp(got->data + got->len - want->len, want->data, want->len) == 0;
}

/* reads until EOF (the bank closed) within the bounded wait */
static void
raw_wait_eof(GSocketConnection *conn)
{
	GSocket *sock = g_socket_connection_get_socket(conn);
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	for (;;) {
		guint8 buf[256];
		gssize n = g_socket_receive_with_blocking(sock, (gchar *)buf, sizeof(buf), FALSE, NULL,
		                                          NULL);
		if (n == 0)
			return;
		if (n < 0) {
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			g_main_context_iteration(NULL, FALSE);
			g_usleep(1000);
		}
	}
}

static void
test_malformed(void)
{
	g_autofree gchar *cards = bank_test_vcard_ini(2);
	g_autofree gchar *routes = bank_test_routes_ini(2);
	g_autofree gchar *ini = g_strdup_printf(
	        "%s[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 2\n"
	        "mappings = 7:0=0, 8:0=1\n%s",
	        cards, routes);
	g_autoptr(CrRouter) router = bank_test_router(ini);
	guint16 port = bank_test_port(router, "bank");
	TestClient *good = test_client_new(port, 8, 0);
	static const gchar *const bad[] = {
	        "0003AB010203",                   /* another IPA stream */
	        "0003EE080102",                   /* another Osmocom extension */
	        "0005EE0730038001",               /* BER that does not decode */
	        "0010ee07300d800102810100a205a5030a0100", /* createMappingRes to a bank */
	        "0000EE",                         /* empty payload */
	};
	gchar *r;

	g_bytes_unref(test_client_attach(good, 1));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GSocketConnection) conn = raw_connect(port);
		g_autoptr(GByteArray) b = bank_test_hex(bad[i]);
		raw_write(conn, b->data, b->len);
		raw_wait_eof(conn);
		r = test_client_transact(good, "A0A4000002 7F20");
		g_assert_cmpstr(r, ==, "9F16");
		g_free(r);
	}
	/* a session whose frames arrive one byte at a time */
	{
		g_autoptr(GSocketConnection) conn = raw_connect(port);
		/* connectClientReq C7:0 (capture 01), then tpduModemToCard
		 * 00 A4 00 04 02 3F 00 to B1:0 */
		g_autoptr(GByteArray) b = bank_test_hex(
		        "0040ee07303d800102810100a235a23330290a01001602766d800d72656d73696d2d636c6965"
		        "6e748111312e302e302d36372d67343561343532643006020107020100"
		        "0034ee073031800102810100a229ac2730060201070201003006020101020100300c01010001"
		        "0100010100010100040700a40004023f00");
		g_autoptr(GByteArray) got = g_byte_array_new();
		/* tpduCardToModem B1:0 -> C7:0 "61 25" */
		g_autoptr(GByteArray) want = bank_test_hex(
		        "002fee07302c800102810100a224ad2230060201010201003006020107020100300c01010001"
		        "01000101000101000402 6125");

		for (guint i = 0; i < b->len; i++) {
			raw_write(conn, b->data + i, 1);
			g_main_context_iteration(NULL, FALSE);
		}
		/* connectClientRes + setAtrReq + tpduCardToModem: look at the end */
		WAIT_FOR(raw_tail_is(conn, got, want));
	}
	test_client_free(good);
	bank_test_spin(20);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bank/malformed-split", test_malformed);
	return g_test_run();
}
