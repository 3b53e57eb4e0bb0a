// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reconnecting RSPRO client connection: upstream's client connection FSM
 * (rspro.md D.1) on the GLib main loop.
 *
 * One difference: a failed TCP connect goes to the back-off at once instead of
 * waiting for T2; the delay is still counted from the start of the previous
 * attempt, so the attempt rate is the table's. A Connect*Res from the wrong
 * component type also backs off (upstream stops for good).
 *
 * Owners hold references (ref_count); callbacks and the pending connect hold
 * internal ones (hold_count). The last owner unref stops everything; memory
 * goes when no internal reference is left.
 */
#include "rspro-conn.h"

#include <string.h>

#include <cardroute/cr-reactor.h>

#include "rspro-tls.h"

struct _RsproConn {
	gint ref_count;
	gint hold_count;
	gchar *name;
	RsproComponentType expected_peer;

	RsproConnHelloFunc hello;
	RsproConnStateFunc on_state;
	RsproConnMsgFunc on_msg;
	gpointer user_data;

	guint ping_interval_ms;
	guint pong_timeout_ms;
	guint connect_timeout_ms;
	guint response_timeout_ms;
	GArray *delays; /* guint ms */
	guint reset_after_ms;

	gchar *host;
	guint16 port;
	gchar *address;

	RsproConnState state;
	guint generation; /* bumped on every state change */
	guint backoff_index;
	gint64 last_attempt_us; /* 0 = none yet */
	gint64 next_attempt_us; /* monotonic, while WAIT_RETRY */
	guint attempts;
	CrTimer timer; /* back-off, T2 or T1, on the reactor */
	GCancellable *connect_cancel;
	RsproLink *link;
	RsproMsgType awaited_res;
	RsproMsgType sent_req;
	RsproIdentity peer;
	gboolean have_peer;

	RsproTls *tls;       /* NULL: plain TCP */
	gint tls_bank_id;    /* the bank id the peer certificate must name; -1: rspro:server */
	guint64 tls_refusals; /* peers refused for their certificate */
};

static void enter_wait_retry(RsproConn *self, GError *reason);

static void
fill_upstream_delays(GArray *delays)
{
	static const struct {
		guint ms;
		guint count;
	} table[] = {{0, 3}, {1000, 30}, {2000, 30}, {4000, 30}, {8000, 30}, {16000, 1}};

	g_array_set_size(delays, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
		for (guint j = 0; j < table[i].count; j++)
			g_array_append_val(delays, table[i].ms);
}

RsproConn *
rspro_conn_new(const gchar *name, RsproComponentType expected_peer)
{
	RsproConn *self = g_new0(RsproConn, 1);

	self->ref_count = 1;
	self->name = g_strdup(name != NULL ? name : "rspro");
	self->expected_peer = expected_peer;
	self->ping_interval_ms = RSPRO_LINK_PING_INTERVAL_MS;
	self->pong_timeout_ms = RSPRO_LINK_PONG_TIMEOUT_MS;
	self->connect_timeout_ms = RSPRO_CONN_CONNECT_TIMEOUT_MS;
	self->response_timeout_ms = RSPRO_CONN_RESPONSE_TIMEOUT_MS;
	self->delays = g_array_new(FALSE, FALSE, sizeof(guint));
	fill_upstream_delays(self->delays);
	self->reset_after_ms = RSPRO_CONN_BACKOFF_RESET_MS;
	self->state = RSPRO_CONN_STATE_IDLE;
	cr_timer_init(&self->timer, NULL, NULL, self);
	return self;
}

RsproConn *
rspro_conn_ref(RsproConn *self)
{
	self->ref_count++;
	return self;
}

static void
conn_free(RsproConn *self)
{
	cr_timer_cancel(&self->timer);
	rspro_identity_clear(&self->peer);
	g_array_unref(self->delays);
	g_clear_pointer(&self->tls, rspro_tls_unref);
	g_free(self->host);
	g_free(self->address);
	g_free(self->name);
	g_free(self);
}

static RsproConn *
hold(RsproConn *self)
{
	self->hold_count++;
	return self;
}

static void
release(RsproConn *self)
{
	if (--self->hold_count == 0 && self->ref_count == 0)
		conn_free(self);
}

static void
stop_timer(RsproConn *self)
{
	cr_timer_cancel(&self->timer);
}

static void
start_timer(RsproConn *self, guint ms, CrTimerFunc func)
{
	stop_timer(self);
	cr_timer_init(&self->timer, NULL, func, self);
	cr_timer_arm(&self->timer, ms);
}

/* closes socket and link, stops timers; no callback */
static void
teardown(RsproConn *self)
{
	stop_timer(self);
	if (self->connect_cancel != NULL) {
		g_cancellable_cancel(self->connect_cancel);
		g_clear_object(&self->connect_cancel);
	}
	g_clear_pointer(&self->link, rspro_link_unref);
}

/* changes the state and tells the owner; returns FALSE when the owner changed
 * the state (or dropped us) from inside the callback */
static gboolean
set_state(RsproConn *self, RsproConnState state, const GError *reason)
{
	RsproConnState old = self->state;
	guint generation;
	gboolean still;

	self->state = state;
	generation = ++self->generation;
	g_debug("%s: %s -> %s%s%s", self->name, rspro_conn_state_name(old),
	        rspro_conn_state_name(state), reason != NULL ? ": " : "",
	        reason != NULL ? reason->message : "");
	if (self->on_state == NULL)
		return self->ref_count > 0;
	hold(self);
	self->on_state(self, old, state, reason, self->user_data);
	still = self->ref_count > 0 && self->generation == generation;
	release(self);
	return still;
}

/* ---- link callbacks ---- */

static const gchar *
result_text(RsproResult result, gchar buf[32])
{
	const gchar *name = rspro_result_name(result);

	if (g_strcmp0(name, "unknown") != 0)
		return name;
	g_snprintf(buf, 32, "result %d", (gint)result);
	return buf;
}

static void
handle_connect_res(RsproConn *self, const RsproConnectRes *res)
{
	gchar buf[32];

	if (res->result != RSPRO_RESULT_OK) {
		enter_wait_retry(self,
		                 g_error_new(RSPRO_ERROR, RSPRO_ERROR_REFUSED, "refused %s: %s",
		                             rspro_msg_type_name(self->sent_req),
		                             result_text(res->result, buf)));
		return;
	}
	if (res->identity.type != self->expected_peer) {
		enter_wait_retry(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_REFUSED,
		                                   "%s answered by a %s, not a %s",
		                                   rspro_msg_type_name(self->sent_req),
		                                   rspro_component_type_name(res->identity.type),
		                                   rspro_component_type_name(self->expected_peer)));
		return;
	}
	/* all of it: a cardroute peer announces its capabilities in the
	 * optional fields (rspro-caps.h) */
	rspro_identity_copy(&self->peer, &res->identity);
	self->have_peer = TRUE;
	stop_timer(self);
	self->backoff_index = 0;
	set_state(self, RSPRO_CONN_STATE_CONNECTED, NULL);
}

static void
link_msg_cb(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	RsproConn *self = user_data;

	(void)link;
	if (self->state == RSPRO_CONN_STATE_ESTABLISHED) {
		if (msg->type == self->awaited_res) {
			/* connect_client_res and connect_bank_res share one layout */
			handle_connect_res(self, msg->type == RSPRO_MSG_CONNECT_CLIENT_RES
			                                 ? &msg->u.connect_client_res
			                                 : &msg->u.connect_bank_res);
		} else {
			g_debug("%s: dropping %s received before %s", self->name,
			        rspro_msg_type_name(msg->type),
			        rspro_msg_type_name(self->awaited_res));
		}
		return;
	}
	if (self->state == RSPRO_CONN_STATE_CONNECTED && self->on_msg != NULL) {
		hold(self);
		self->on_msg(self, msg, self->user_data);
		release(self);
	}
}

static void
link_down_cb(RsproLink *link, const GError *error, gpointer user_data)
{
	RsproConn *self = user_data;

	(void)link;
	enter_wait_retry(self, g_error_copy(error));
}

/* ---- connecting ---- */

static void
response_timeout_cb(CrTimer *timer, gpointer data)
{
	RsproConn *self = data;

	enter_wait_retry(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_TIMEOUT, "no %s within %u ms",
	                                   rspro_msg_type_name(self->awaited_res),
	                                   self->response_timeout_ms));
}

static void
established(RsproConn *self, GIOStream *connection)
{
	g_autoptr(GError) error = NULL;
	RsproMsg req = {0};
	gboolean ok;

	self->link = rspro_link_new(connection, RSPRO_LINK_ROLE_CLIENT, self->name);
	rspro_link_set_callbacks(self->link, link_msg_cb, link_down_cb, self);
	rspro_link_set_keepalive(self->link, self->ping_interval_ms, self->pong_timeout_ms);

	if (self->hello == NULL) {
		enter_wait_retry(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_INVALID,
		                                   "no connect request configured"));
		return;
	}
	hold(self);
	ok = self->hello(self, &req, self->user_data, &error);
	release(self);
	if (self->ref_count == 0 || self->state != RSPRO_CONN_STATE_CONNECTING) {
		rspro_msg_clear(&req);
		return;
	}
	if (!ok) {
		rspro_msg_clear(&req);
		enter_wait_retry(self, g_steal_pointer(&error));
		return;
	}
	self->sent_req = req.type;
	self->awaited_res = req.type == RSPRO_MSG_CONNECT_BANK_REQ ? RSPRO_MSG_CONNECT_BANK_RES
	                                                           : RSPRO_MSG_CONNECT_CLIENT_RES;
	start_timer(self, self->response_timeout_ms, response_timeout_cb);
	if (!set_state(self, RSPRO_CONN_STATE_ESTABLISHED, NULL)) {
		rspro_msg_clear(&req);
		return;
	}
	/* keep-alive first (PING at once), then the request, as upstream */
	rspro_link_start(self->link);
	if (self->link != NULL && rspro_link_is_up(self->link) &&
	    !rspro_link_send(self->link, &req, &error)) {
		if (self->link != NULL && rspro_link_is_up(self->link))
			enter_wait_retry(self, g_steal_pointer(&error));
	}
	rspro_msg_clear(&req);
}

static void connect_timeout_cb(CrTimer *timer, gpointer data);

/* the peer certificate names the identity this connection expects */
static gboolean
tls_peer_ok(RsproConn *self, GIOStream *stream, GError **error)
{
	const RsproTlsPeer *peer = rspro_tls_peer(stream);
	g_autofree gchar *named = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *where = NULL;
	gboolean ok;

	ok = self->tls_bank_id < 0 ? peer != NULL && peer->server
	                           : rspro_tls_peer_has_bank(peer, (guint)self->tls_bank_id);
	if (ok)
		return TRUE;
	self->tls_refusals++;
	named = peer != NULL ? rspro_tls_peer_describe(peer) : g_strdup("nothing");
	expected = self->tls_bank_id < 0 ? g_strdup("rspro:server")
	                                 : g_strdup_printf("rspro:bank:%d", self->tls_bank_id);
	where = rspro_stream_peer_string(stream);
	g_message("%s: refusing %s: certificate \"%s\" names %s, expected %s", self->name, where,
	          peer != NULL && peer->subject != NULL ? peer->subject : "?", named, expected);
	g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_REFUSED,
	            "peer certificate names %s, not %s", named, expected);
	return FALSE;
}

static void
tls_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	RsproConn *self = data;
	GError *error = NULL;
	g_autoptr(GIOStream) stream = rspro_tls_handshake_finish(res, &error);

	(void)source;
	if (self->ref_count == 0 ||
	    (stream == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))) {
		g_clear_error(&error);
		release(self);
		return;
	}
	g_clear_object(&self->connect_cancel);
	stop_timer(self);
	if (stream == NULL) {
		GError *reason = g_error_new(error->domain, error->code, "%s: %s", self->address,
		                             error->message);

		g_error_free(error);
		enter_wait_retry(self, reason);
	} else if (!tls_peer_ok(self, stream, &error)) {
		rspro_stream_close_now(stream);
		enter_wait_retry(self, error);
	} else {
		established(self, stream);
	}
	release(self);
}

static void
connect_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	RsproConn *self = data;
	GError *error = NULL;
	g_autoptr(GSocketConnection) connection =
	        g_socket_client_connect_finish(G_SOCKET_CLIENT(source), res, &error);

	if (self->ref_count == 0 || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_clear_error(&error);
		release(self);
		return;
	}
	g_clear_object(&self->connect_cancel);
	stop_timer(self);
	if (connection == NULL) {
		GError *reason = g_error_new(error->domain, error->code, "connect to %s: %s",
		                             self->address, error->message);

		g_error_free(error);
		enter_wait_retry(self, reason);
	} else if (self->tls != NULL) {
		self->connect_cancel = g_cancellable_new();
		start_timer(self, self->connect_timeout_ms, connect_timeout_cb);
		rspro_tls_client_handshake_async(self->tls, connection, self->connect_timeout_ms,
		                                 self->connect_cancel, tls_cb, hold(self));
	} else {
		established(self, G_IO_STREAM(connection));
	}
	release(self);
}

static void
connect_timeout_cb(CrTimer *timer, gpointer data)
{
	RsproConn *self = data;

	enter_wait_retry(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_TIMEOUT,
	                                   "no TCP connection to %s within %u ms", self->address,
	                                   self->connect_timeout_ms));
}

static void
attempt_cb(CrTimer *timer, gpointer data)
{
	RsproConn *self = data;
	g_autoptr(GSocketClient) client = NULL;
	g_autoptr(GSocketConnectable) target = NULL;

	self->last_attempt_us = g_get_monotonic_time();
	self->attempts++;
	if (!set_state(self, RSPRO_CONN_STATE_CONNECTING, NULL))
		return;
	client = g_socket_client_new();
	g_socket_client_set_enable_proxy(client, FALSE);
	target = g_network_address_new(self->host, self->port);
	self->connect_cancel = g_cancellable_new();
	start_timer(self, self->connect_timeout_ms, connect_timeout_cb);
	g_socket_client_connect_async(client, target, self->connect_cancel, connect_cb, hold(self));
}

/* REESTABLISH_DELAY: drop the connection, wait the back-off delay; takes @reason */
static void
enter_wait_retry(RsproConn *self, GError *reason)
{
	gint64 now = g_get_monotonic_time();
	gint64 since_ms = self->last_attempt_us > 0 ? (now - self->last_attempt_us) / 1000 : -1;
	gint64 wait_ms;
	guint delay;

	teardown(self);
	if (since_ms > (gint64)self->reset_after_ms)
		self->backoff_index = 0;
	delay = g_array_index(self->delays, guint, MIN(self->backoff_index, self->delays->len - 1));
	if (self->backoff_index < G_MAXUINT)
		self->backoff_index++;
	wait_ms = since_ms >= 0 ? (gint64)delay - since_ms : (gint64)delay;
	start_timer(self, (guint)MAX(wait_ms, 1), attempt_cb);
	self->next_attempt_us = now + MAX(wait_ms, 1) * 1000;
	set_state(self, RSPRO_CONN_STATE_WAIT_RETRY, reason);
	if (reason != NULL)
		g_error_free(reason);
}

/* ---- public ---- */

void
rspro_conn_unref(RsproConn *self)
{
	if (self == NULL || --self->ref_count > 0)
		return;
	self->on_state = NULL;
	self->on_msg = NULL;
	self->hello = NULL;
	teardown(self);
	if (self->hold_count == 0)
		conn_free(self);
}

void
rspro_conn_set_callbacks(RsproConn *self, RsproConnHelloFunc hello, RsproConnStateFunc on_state,
                         RsproConnMsgFunc on_msg, gpointer user_data)
{
	self->hello = hello;
	self->on_state = on_state;
	self->on_msg = on_msg;
	self->user_data = user_data;
}

void
rspro_conn_set_tls(RsproConn *self, RsproTls *tls, gint expected_bank_id)
{
	if (tls != NULL)
		rspro_tls_ref(tls);
	g_clear_pointer(&self->tls, rspro_tls_unref);
	self->tls = tls;
	self->tls_bank_id = expected_bank_id;
}

gboolean
rspro_conn_is_tls(const RsproConn *self)
{
	return self->tls != NULL;
}

guint64
rspro_conn_get_tls_refusals(const RsproConn *self)
{
	return self->tls_refusals;
}

void
rspro_conn_set_keepalive(RsproConn *self, guint ping_interval_ms, guint pong_timeout_ms)
{
	self->ping_interval_ms = ping_interval_ms;
	self->pong_timeout_ms = pong_timeout_ms;
}

void
rspro_conn_set_timeouts(RsproConn *self, guint connect_timeout_ms, guint response_timeout_ms)
{
	self->connect_timeout_ms =
	        connect_timeout_ms > 0 ? connect_timeout_ms : RSPRO_CONN_CONNECT_TIMEOUT_MS;
	self->response_timeout_ms =
	        response_timeout_ms > 0 ? response_timeout_ms : RSPRO_CONN_RESPONSE_TIMEOUT_MS;
}

void
rspro_conn_set_backoff(RsproConn *self, const guint *delays_ms, guint n_delays,
                       guint reset_after_ms)
{
	if (delays_ms == NULL || n_delays == 0) {
		fill_upstream_delays(self->delays);
	} else {
		g_array_set_size(self->delays, 0);
		g_array_append_vals(self->delays, delays_ms, n_delays);
	}
	self->reset_after_ms = reset_after_ms > 0 ? reset_after_ms : RSPRO_CONN_BACKOFF_RESET_MS;
}

void
rspro_conn_start(RsproConn *self, const gchar *host, guint16 port)
{
	g_free(self->host);
	self->host = g_strdup(host);
	self->port = port;
	g_free(self->address);
	self->address = rspro_host_port_string(host, port);
	self->backoff_index = 0;
	self->last_attempt_us = 0;
	enter_wait_retry(self, NULL);
}

void
rspro_conn_stop(RsproConn *self)
{
	teardown(self);
	if (self->state != RSPRO_CONN_STATE_IDLE)
		set_state(self, RSPRO_CONN_STATE_IDLE, NULL);
}

void
rspro_conn_drop(RsproConn *self, GError *reason)
{
	if (self->state == RSPRO_CONN_STATE_IDLE) {
		if (reason != NULL)
			g_error_free(reason);
		return;
	}
	enter_wait_retry(self, reason);
}

gboolean
rspro_conn_send(RsproConn *self, const RsproMsg *msg, GError **error)
{
	if (self->state != RSPRO_CONN_STATE_CONNECTED || self->link == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED, "%s: not connected (%s)",
		            self->name, rspro_conn_state_name(self->state));
		return FALSE;
	}
	return rspro_link_send(self->link, msg, error);
}

RsproConnState
rspro_conn_get_state(const RsproConn *self)
{
	return self->state;
}

gboolean
rspro_conn_is_connected(const RsproConn *self)
{
	return self->state == RSPRO_CONN_STATE_CONNECTED;
}

const gchar *
rspro_conn_get_name(const RsproConn *self)
{
	return self->name;
}

const gchar *
rspro_conn_get_address(const RsproConn *self)
{
	return self->address;
}

const RsproIdentity *
rspro_conn_get_peer_identity(const RsproConn *self)
{
	return self->have_peer ? &self->peer : NULL;
}

RsproLink *
rspro_conn_get_link(const RsproConn *self)
{
	return self->link;
}

guint
rspro_conn_get_attempts(const RsproConn *self)
{
	return self->attempts;
}

gint64
rspro_conn_get_next_attempt(const RsproConn *self)
{
	return self->state == RSPRO_CONN_STATE_WAIT_RETRY ? self->next_attempt_us : 0;
}

const gchar *
rspro_conn_state_name(RsproConnState state)
{
	switch (state) {
	case RSPRO_CONN_STATE_IDLE:
		return "INIT";
	case RSPRO_CONN_STATE_WAIT_RETRY:
		return "REESTABLISH_DELAY";
	case RSPRO_CONN_STATE_CONNECTING:
		return "REESTABLISH";
	case RSPRO_CONN_STATE_ESTABLISHED:
		return "ESTABLISHED";
	case RSPRO_CONN_STATE_CONNECTED:
		return "CONNECTED";
	}
	return "?";
}
