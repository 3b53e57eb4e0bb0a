// SPDX-License-Identifier: GPL-2.0-or-later
/* A link that keeps failing: the first failure is new (the caller logs it with
 * the next retry), repeats are quiet until the summary is due, and then one
 * "still failing ..., N attempts, next in S s" line; describe() shows the
 * last error and the next retry; "back after" once it connects. */
#include <gio/gio.h>

#include "rspro-retry-log.h"

typedef struct {
	RsproRetryLog log;
	guint failures;
	guint new_failures;
	guint summaries;
	GMainLoop *loop;
} Fixture;

static void
count_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user_data)
{
	Fixture *f = user_data;
	if (g_str_has_prefix(message, "test: still failing for ") &&
	    g_strrstr(message, " attempts, next in ") != NULL)
		f->summaries++;
}

static void
on_state(RsproConn *conn, RsproConnState old_state, RsproConnState new_state, const GError *reason,
         gpointer user_data)
{
	Fixture *f = user_data;
	if (new_state != RSPRO_CONN_STATE_WAIT_RETRY || reason == NULL)
		return;
	f->failures++;
	if (f->failures == 4)
		f->log.last_line = 0; /* as if the interval had passed */
	if (rspro_retry_log_failure(&f->log, conn, "test", reason->message)) {
		g_autofree gchar *next = rspro_retry_next_in(conn);
		f->new_failures++;
		g_assert_true(g_str_has_prefix(next, ", next in "));
	}
	if (f->failures == 6)
		g_main_loop_quit(f->loop);
}

static gboolean
hello(RsproConn *conn, RsproMsg *req, gpointer user_data, GError **error)
{
	rspro_msg_init(req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	return TRUE;
}

static guint16
closed_port(void)
{
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
	                                    G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_assert_true(g_socket_bind(s, addr, TRUE, NULL));
	bound = g_socket_get_local_address(s, NULL);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	/* closed on return: nothing listens there */
}

static void
test_summary(void)
{
	Fixture f = {0};
	const guint delays[] = {5};
	g_autoptr(RsproConn) conn = rspro_conn_new("server", RSPRO_COMPONENT_SERVER);
	g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);
	const gchar *last = NULL;
	gdouble next = -1;
	guint id;

	f.loop = g_main_loop_new(NULL, FALSE);
	id = g_log_set_handler("rspro", G_LOG_LEVEL_MESSAGE, count_log, &f);
	rspro_conn_set_callbacks(conn, hello, on_state, NULL, &f);
	rspro_conn_set_backoff(conn, delays, G_N_ELEMENTS(delays), 0);
	rspro_conn_start(conn, "127.0.0.1", closed_port());
	g_main_loop_run(f.loop);
	g_log_remove_handler("rspro", id);

	g_assert_cmpuint(f.failures, ==, 6);
	g_assert_cmpuint(f.new_failures, ==, 1); /* the same error: new once */
	g_assert_cmpuint(f.summaries, ==, 1);    /* once the interval passed */
	rspro_retry_log_describe(&f.log, conn, "server", &dict);
	g_assert_true(g_variant_dict_lookup(&dict, "server-last-error", "&s", &last));
	g_assert_nonnull(last);
	g_assert_true(g_variant_dict_lookup(&dict, "server-next-retry-s", "d", &next));
	g_assert_cmpfloat(next, >=, 0);
	rspro_conn_stop(conn);
	rspro_retry_log_clear(&f.log);
	g_main_loop_unref(f.loop);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro/retry-log/summary", test_summary);
	return g_test_run();
}
