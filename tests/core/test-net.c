// SPDX-License-Identifier: GPL-2.0-or-later
/* cr_net_set_listen_error(): the error a plugin gives for a listener that
 * could not be set up names the setting, the bind's reason and, for a port
 * in use, who holds it (here: this test's own listening socket). */
#include <gio/gio.h>
#include <unistd.h>

#include <cardroute/cardroute.h>

/* a listening TCP socket on 127.0.0.1, any free port */
static GSocket *
listen_loopback(guint16 *port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) ip = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(ip, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	GSocket *sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
	                             G_SOCKET_PROTOCOL_TCP, &error);

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(sock, any, FALSE, &error));
	g_assert_true(g_socket_listen(sock, &error));
	bound = g_socket_get_local_address(sock, &error);
	g_assert_no_error(error);
	*port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	return sock;
}

static void
test_port_in_use(void)
{
	guint16 port = 0;
	g_autoptr(GSocket) holder = listen_loopback(&port);
	g_autoptr(GError) bind_error = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) ip = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(ip, port);
	g_autoptr(GSocket) second = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
	                                         G_SOCKET_PROTOCOL_TCP, NULL);
	g_autofree gchar *want = NULL;

	g_assert_nonnull(holder); /* listening on port until the end */
	g_assert_false(g_socket_bind(second, addr, FALSE, &bind_error));
	g_assert_error(bind_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
	cr_net_set_listen_error(&error, CR_ERROR_CONFIG, bind_error, port,
	                        "t.ini:3: [frontend:bank] listen");
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	want = g_strdup_printf("t.ini:3: [frontend:bank] listen: %s, held by pid %d (test-net)",
	                       bind_error->message, (gint)getpid());
	g_assert_cmpstr(error->message, ==, want);
}

static void
test_other_errors(void)
{
	g_autoptr(GError) refused = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
	                                                "cannot listen on 0.0.0.0:1: denied");
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) none = NULL;

	/* not "in use": the bind's message only, the caller's code */
	cr_net_set_listen_error(&error, CR_ERROR_IO, refused, 1, "REST API on 0.0.0.0:1");
	g_assert_error(error, CR_ERROR, CR_ERROR_IO);
	g_assert_cmpstr(error->message, ==,
	                "REST API on 0.0.0.0:1: cannot listen on 0.0.0.0:1: denied");
	/* no error from below at all */
	cr_net_set_listen_error(&none, CR_ERROR_CONFIG, NULL, 0,
	                        "t.ini: [control:remsim] listen-tls");
	g_assert_error(none, CR_ERROR, CR_ERROR_CONFIG);
	g_assert_cmpstr(none->message, ==, "t.ini: [control:remsim] listen-tls: failed");
	/* an unset GError ** is allowed, as for g_set_error() */
	cr_net_set_listen_error(NULL, CR_ERROR_CONFIG, refused, 1, "ignored");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/listen-error/port-in-use", test_port_in_use);
	g_test_add_func("/net/listen-error/other", test_other_errors);
	return g_test_run();
}
