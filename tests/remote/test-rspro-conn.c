// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RsproConn (the reconnecting client connection of the RSPRO library) against
 * a scripted peer on loopback: connect, refusal, wrong peer type, peer close,
 * missing response, keep-alive timeout, connect failure, back-off, stop.
 * Timers are shortened; no sleep decides a result (a guard catches hangs).
 */
#include <string.h>

#include "rspro-conn.h"
#include "rspro-peer.h"

#define GUARD_MS 10000

static gboolean
guard_cb(gpointer data)
{
	(void)data;
	g_error("test guard: event did not happen within %d ms", GUARD_MS);
	return G_SOURCE_REMOVE;
}

#define SPIN_UNTIL(cond)                                                                           \
	do {                                                                                       \
		guint guard_ = g_timeout_add(GUARD_MS, guard_cb, NULL);                            \
		while (!(cond))                                                                    \
			g_main_context_iteration(NULL, TRUE);                                      \
		g_source_remove(guard_);                                                           \
	} while (0)

typedef struct {
	/* peer script */
	GQueue results; /* RsproResult per connect request, as pointers; empty = ok */
	RsproComponentType answer_type;
	gboolean silent; /* never answer */
	guint requests;
	gboolean got_ping_test_msg;
	/* client side */
	GPtrArray *reasons; /* gchar*, one per WAIT_RETRY entry ("" without reason) */
	GError *last_reason;
	guint connected;
	guint idle;
	guint msgs;
	RsproConnState state;
} Ctx;

static void
ctx_init(Ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	g_queue_init(&ctx->results);
	ctx->answer_type = RSPRO_COMPONENT_SERVER;
	ctx->reasons = g_ptr_array_new_with_free_func(g_free);
}

static void
ctx_clear(Ctx *ctx)
{
	g_queue_clear(&ctx->results);
	g_ptr_array_unref(ctx->reasons);
	g_clear_error(&ctx->last_reason);
}

static void
peer_msg(RsproPeer *peer, RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	Ctx *ctx = user_data;
	RsproMsg res;

	(void)peer;
	if (msg->type != RSPRO_MSG_CONNECT_CLIENT_REQ) {
		ctx->got_ping_test_msg = TRUE;
		return;
	}
	ctx->requests++;
	g_assert_true(msg->u.connect_client_req.has_client_slot);
	g_assert_cmpuint(msg->u.connect_client_req.client_slot.client_id, ==, 23);
	if (ctx->silent)
		return;
	rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
	rspro_peer_fill_identity(&res.u.connect_client_res.identity, ctx->answer_type);
	res.u.connect_client_res.result =
	        g_queue_is_empty(&ctx->results)
	                ? RSPRO_RESULT_OK
	                : (RsproResult)GPOINTER_TO_INT(g_queue_pop_head(&ctx->results));
	rspro_peer_send(link, &res);
	rspro_msg_clear(&res);
	/* something right after the response, as the server's configClientBankReq */
	rspro_msg_init(&res, RSPRO_MSG_CONFIG_CLIENT_ID_REQ);
	res.u.config_client_id_req.client_slot.client_id = 23;
	rspro_peer_send(link, &res);
	rspro_msg_clear(&res);
}

static gboolean
conn_hello(RsproConn *conn, RsproMsg *req, gpointer user_data, GError **error)
{
	(void)conn;
	(void)user_data;
	(void)error;
	rspro_msg_init(req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_peer_fill_identity(&req->u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT);
	req->u.connect_client_req.has_client_slot = TRUE;
	req->u.connect_client_req.client_slot.client_id = 23;
	return TRUE;
}

static void
conn_state(RsproConn *conn, RsproConnState old_state, RsproConnState new_state,
           const GError *reason, gpointer user_data)
{
	Ctx *ctx = user_data;

	(void)conn;
	(void)old_state;
	ctx->state = new_state;
	if (new_state == RSPRO_CONN_STATE_WAIT_RETRY)
		g_ptr_array_add(ctx->reasons, g_strdup(reason != NULL ? reason->message : ""));
	if (reason != NULL) {
		g_clear_error(&ctx->last_reason);
		ctx->last_reason = g_error_copy(reason);
	}
	if (new_state == RSPRO_CONN_STATE_CONNECTED)
		ctx->connected++;
	if (new_state == RSPRO_CONN_STATE_IDLE)
		ctx->idle++;
}

static void
conn_msg(RsproConn *conn, const RsproMsg *msg, gpointer user_data)
{
	Ctx *ctx = user_data;

	(void)conn;
	g_assert_cmpint(msg->type, ==, RSPRO_MSG_CONFIG_CLIENT_ID_REQ);
	ctx->msgs++;
}

static RsproConn *
make_conn(Ctx *ctx)
{
	static const guint fast[] = {0, 0, 20};
	RsproConn *conn = rspro_conn_new("server", RSPRO_COMPONENT_SERVER);

	rspro_conn_set_callbacks(conn, conn_hello, conn_state, conn_msg, ctx);
	rspro_conn_set_backoff(conn, fast, G_N_ELEMENTS(fast), 0);
	return conn;
}

static RsproPeer *
make_peer(Ctx *ctx, guint16 port)
{
	g_autoptr(GError) error = NULL;
	RsproPeer *peer = rspro_peer_new(RSPRO_LINK_ROLE_SERVER, "srv", port, &error);

	g_assert_no_error(error);
	rspro_peer_set_callbacks(peer, peer_msg, NULL, ctx);
	return peer;
}

static void
test_connect(void)
{
	Ctx ctx;
	g_autoptr(RsproPeer) peer = NULL;
	g_autoptr(RsproConn) conn = NULL;
	g_autoptr(GError) error = NULL;
	RsproMsg m;

	ctx_init(&ctx);
	peer = make_peer(&ctx, 0);
	conn = make_conn(&ctx);
	g_assert_cmpint(rspro_conn_get_state(conn), ==, RSPRO_CONN_STATE_IDLE);
	rspro_msg_init(&m, RSPRO_MSG_RESET_STATE_REQ);
	g_assert_false(rspro_conn_send(conn, &m, &error));
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED);
	g_clear_error(&error);

	rspro_conn_start(conn, "127.0.0.1", rspro_peer_get_port(peer));
	SPIN_UNTIL(ctx.msgs == 1);
	g_assert_true(rspro_conn_is_connected(conn));
	g_assert_cmpuint(ctx.connected, ==, 1);
	g_assert_cmpuint(ctx.requests, ==, 1);
	g_assert_cmpstr(rspro_conn_get_peer_identity(conn)->software, ==, "remsim-server");
	g_assert_nonnull(rspro_conn_get_link(conn));
	g_assert_cmpuint(rspro_conn_get_attempts(conn), ==, 1);

	g_assert_true(rspro_conn_send(conn, &m, &error));
	g_assert_no_error(error);
	SPIN_UNTIL(ctx.got_ping_test_msg);

	rspro_conn_stop(conn);
	g_assert_cmpint(rspro_conn_get_state(conn), ==, RSPRO_CONN_STATE_IDLE);
	g_assert_cmpuint(ctx.idle, ==, 1);
	SPIN_UNTIL(rspro_peer_count_links(peer) == 0);
	g_assert_null(rspro_conn_get_link(conn));
	ctx_clear(&ctx);
}

static void
test_refused(void)
{
	Ctx ctx;
	g_autoptr(RsproPeer) peer = NULL;
	g_autoptr(RsproConn) conn = NULL;

	ctx_init(&ctx);
	g_queue_push_tail(&ctx.results, GINT_TO_POINTER(RSPRO_RESULT_IDENTITY_IN_USE));
	g_queue_push_tail(&ctx.results, GINT_TO_POINTER(77));
	peer = make_peer(&ctx, 0);
	conn = make_conn(&ctx);
	rspro_conn_start(conn, "127.0.0.1", rspro_peer_get_port(peer));
	SPIN_UNTIL(ctx.connected == 1);
	/* start, identityInUse, unknown result */
	g_assert_cmpuint(ctx.reasons->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 0), ==, "");
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 1), ==,
	                "refused connectClientReq: identityInUse");
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 2), ==,
	                "refused connectClientReq: result 77");
	g_assert_error(ctx.last_reason, RSPRO_ERROR, RSPRO_ERROR_REFUSED);
	g_assert_cmpuint(ctx.requests, ==, 3);
	ctx_clear(&ctx);
}

static void
test_wrong_peer(void)
{
	Ctx ctx;
	g_autoptr(RsproPeer) peer = NULL;
	g_autoptr(RsproConn) conn = NULL;

	ctx_init(&ctx);
	ctx.answer_type = RSPRO_COMPONENT_BANKD;
	peer = make_peer(&ctx, 0);
	conn = make_conn(&ctx);
	rspro_conn_start(conn, "127.0.0.1", rspro_peer_get_port(peer));
	SPIN_UNTIL(ctx.reasons->len == 2);
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 1), ==,
	                "connectClientReq answered by a remsimBankd, not a remsimServer");
	g_assert_cmpuint(ctx.connected, ==, 0);
	ctx_clear(&ctx);
}

static void
test_peer_close_and_restart(void)
{
	Ctx ctx;
	g_autoptr(RsproPeer) peer = NULL;
	g_autoptr(RsproConn) conn = NULL;
	guint16 port;

	ctx_init(&ctx);
	peer = make_peer(&ctx, 0);
	port = rspro_peer_get_port(peer);
	conn = make_conn(&ctx);
	rspro_conn_start(conn, "127.0.0.1", port);
	SPIN_UNTIL(ctx.connected == 1);
	rspro_peer_close_links(peer);
	SPIN_UNTIL(ctx.connected == 2);
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 1), ==, "peer closed the connection");
	g_assert_error(ctx.last_reason, RSPRO_ERROR, RSPRO_ERROR_CLOSED);

	/* "restart": the listener goes away; connects fail until it is back */
	g_clear_pointer(&peer, rspro_peer_free);
	SPIN_UNTIL(ctx.reasons->len >= 4);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(ctx.reasons, 3), "connect to 127.0.0.1:"));
	g_assert_cmpint(ctx.last_reason->domain, ==, G_IO_ERROR);
	peer = make_peer(&ctx, port);
	SPIN_UNTIL(ctx.connected == 3);
	ctx_clear(&ctx);
}

static void
test_no_response(void)
{
	Ctx ctx;
	g_autoptr(RsproPeer) peer = NULL;
	g_autoptr(RsproConn) conn = NULL;

	ctx_init(&ctx);
	ctx.silent = TRUE;
	peer = make_peer(&ctx, 0);
	conn = make_conn(&ctx);
	rspro_conn_set_timeouts(conn, 0, 100);
	rspro_conn_start(conn, "127.0.0.1", rspro_peer_get_port(peer));
	SPIN_UNTIL(ctx.reasons->len == 2);
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 1), ==, "no connectClientRes within 100 ms");
	g_assert_error(ctx.last_reason, RSPRO_ERROR, RSPRO_ERROR_TIMEOUT);
	ctx_clear(&ctx);
}

/* a listener that accepts and never reads nor answers: no PONG */
static void
test_keepalive_timeout(void)
{
	Ctx ctx;
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(RsproConn) conn = NULL;
	g_autoptr(GError) error = NULL;

	ctx_init(&ctx);
	g_assert_true(g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
	                                            G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
	conn = make_conn(&ctx);
	rspro_conn_set_keepalive(conn, 1000, 150);
	rspro_conn_start(conn, "127.0.0.1",
	                 g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	SPIN_UNTIL(ctx.reasons->len == 2);
	g_assert_cmpstr(g_ptr_array_index(ctx.reasons, 1), ==, "no IPA PONG within 150 ms");
	g_assert_error(ctx.last_reason, RSPRO_ERROR, RSPRO_ERROR_TIMEOUT);
	g_socket_listener_close(listener);
	ctx_clear(&ctx);
}

/* back-off: with delays {0, 0, 20} attempts 1-3 follow at once, then ~20 ms
 * apart; unref inside a state callback is safe */
static gint64 attempt_times[8];
static guint n_attempt_times;

static void
backoff_state(RsproConn *conn, RsproConnState old_state, RsproConnState new_state,
              const GError *reason, gpointer user_data)
{
	RsproConn **pconn = user_data;

	(void)old_state;
	(void)reason;
	if (new_state != RSPRO_CONN_STATE_CONNECTING)
		return;
	attempt_times[n_attempt_times++] = g_get_monotonic_time();
	if (n_attempt_times == 6) {
		g_assert_true(*pconn == conn);
		g_clear_pointer(pconn, rspro_conn_unref);
	}
}

static void
test_backoff(void)
{
	static const guint delays[] = {0, 0, 20};
	g_autoptr(GSocket) sock = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	RsproConn *conn;
	guint16 port;

	/* a port that refuses: bound, never listening */
	sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
	                    NULL);
	g_assert_true(g_socket_bind(sock, addr, TRUE, NULL));
	bound = g_socket_get_local_address(sock, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));

	n_attempt_times = 0;
	conn = rspro_conn_new("x", RSPRO_COMPONENT_SERVER);
	rspro_conn_set_callbacks(conn, conn_hello, backoff_state, NULL, &conn);
	rspro_conn_set_backoff(conn, delays, G_N_ELEMENTS(delays), 0);
	rspro_conn_start(conn, "127.0.0.1", port);
	SPIN_UNTIL(conn == NULL);
	/* the main loop's cached time may make a timer fire a little early: only
	 * check that the delay applies at all (a lower bound, never an upper one) */
	for (guint i = 3; i < 6; i++)
		g_assert_cmpint(attempt_times[i] - attempt_times[i - 1], >=, 10000);
}

static void
test_stop_while_connecting(void)
{
	Ctx ctx;
	g_autoptr(RsproPeer) peer = NULL;
	RsproConn *conn;

	ctx_init(&ctx);
	peer = make_peer(&ctx, 0);
	conn = make_conn(&ctx);
	rspro_conn_start(conn, "127.0.0.1", rspro_peer_get_port(peer));
	SPIN_UNTIL(ctx.state == RSPRO_CONN_STATE_CONNECTING);
	rspro_conn_stop(conn);
	g_assert_cmpint(ctx.state, ==, RSPRO_CONN_STATE_IDLE);
	rspro_conn_drop(conn, g_error_new(RSPRO_ERROR, RSPRO_ERROR_CLOSED, "x")); /* no-op */
	g_assert_cmpint(rspro_conn_get_state(conn), ==, RSPRO_CONN_STATE_IDLE);
	/* unref with a cancelled connect pending: freed when it completes */
	rspro_conn_start(conn, "127.0.0.1", rspro_peer_get_port(peer));
	SPIN_UNTIL(ctx.state == RSPRO_CONN_STATE_CONNECTING);
	rspro_conn_unref(conn);
	for (guint i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	ctx_clear(&ctx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro-conn/connect", test_connect);
	g_test_add_func("/rspro-conn/refused", test_refused);
	g_test_add_func("/rspro-conn/wrong-peer", test_wrong_peer);
	g_test_add_func("/rspro-conn/peer-close-and-restart", test_peer_close_and_restart);
	g_test_add_func("/rspro-conn/no-response", test_no_response);
	g_test_add_func("/rspro-conn/keepalive-timeout", test_keepalive_timeout);
	g_test_add_func("/rspro-conn/backoff", test_backoff);
	g_test_add_func("/rspro-conn/stop-while-connecting", test_stop_while_connecting);
	return g_test_run();
}
