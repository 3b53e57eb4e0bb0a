// SPDX-License-Identifier: GPL-2.0-or-later
/* The RSPRO identities named by certificate subjectAltName URIs. */
#include <string.h>

#include "rspro-tls.h"

static gboolean
add(RsproTlsPeer *peer, const gchar *uri)
{
	return rspro_tls_peer_add_uri(peer, uri, strlen(uri));
}

static void
test_uris(void)
{
	RsproTlsPeer peer = {0};
	g_autofree gchar *text = NULL;

	g_assert_true(add(&peer, "rspro:client:7"));
	g_assert_true(add(&peer, "rspro:bank:65535"));
	g_assert_true(add(&peer, "rspro:server"));
	g_assert_true(rspro_tls_peer_has_client(&peer, 7));
	g_assert_false(rspro_tls_peer_has_client(&peer, 8));
	g_assert_true(rspro_tls_peer_has_bank(&peer, 65535));
	g_assert_false(rspro_tls_peer_has_bank(&peer, 7));
	g_assert_true(peer.server);
	text = rspro_tls_peer_describe(&peer);
	g_assert_cmpstr(text, ==, "rspro:server, rspro:client:7, rspro:bank:65535");
	rspro_tls_peer_clear(&peer);
}

static void
test_malformed(void)
{
	static const gchar *const bad[] = {
	        "rspro:client:",   "rspro:client:x",  "rspro:client:-1", "rspro:client:65536",
	        "rspro:client:7 ", "rspro:client:+7", "rspro:bank:",     "rspro:bank:123456",
	        "rspro:server:1",  "rspro:serve",     "RSPRO:client:7",  "https://example.net/",
	        "rspro:client:07a", "",
	};
	RsproTlsPeer peer = {0};
	g_autofree gchar *text = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_false(add(&peer, bad[i]));
	/* an embedded NUL ends nothing: the length counts */
	g_assert_false(rspro_tls_peer_add_uri(&peer, "rspro:client:7\0", 15));
	g_assert_false(peer.server);
	g_assert_null(peer.client_ids);
	g_assert_null(peer.bank_ids);
	text = rspro_tls_peer_describe(&peer);
	g_assert_cmpstr(text, ==, "no rspro identity");
	g_assert_null(rspro_tls_peer(NULL));
}

static void
test_not_der(void)
{
	static const guint8 junk[] = {0x30, 0x82, 0xff, 0xff, 0x01};
	RsproTlsPeer peer = {0};
	g_autoptr(GError) error = NULL;

	g_assert_false(rspro_tls_peer_parse_der(junk, sizeof(junk), &peer, &error));
	g_assert_nonnull(error);
	rspro_tls_peer_clear(&peer);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro/tls/uris", test_uris);
	g_test_add_func("/rspro/tls/malformed", test_malformed);
	g_test_add_func("/rspro/tls/not-der", test_not_der);
	return g_test_run();
}
