// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RSPRO link over a GIOStream on the core's reactor (cr-reactor.h): one
 * persistent registration per connection, reads fed to the IPA deframer as
 * they come, each frame written at once in one write call (what the socket
 * does not take waits in the stream's bounded queue), CCM answers per role
 * and the IPA keep-alive (PING now, PONG within the timeout, next PING one
 * interval after the PONG; rspro.md A.4) on one reactor timer. No GSource,
 * GTask or allocation per frame in the steady state: frames are encoded into
 * one scratch buffer per link.
 *
 * Owners hold references (ref_count); callbacks in progress hold an internal
 * one (op_count). When the owners' count drops to zero the link shuts down at
 * once (no more callbacks); the memory goes when no callback is running.
 * Main-loop only, not thread-safe.
 */
#include "rspro-link.h"

#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cardroute/cr-reactor.h>

#include "rspro-ipa.h"

struct _RsproLink {
	gint ref_count;
	gint op_count;
	gchar *name;
	RsproLinkRole role;
	GIOStream *stream;
	CrStream *conn;
	GError *conn_error; /* the stream could not be set up: reported at start */
	RsproIpaDeframer *deframer;
	GByteArray *scratch; /* one outgoing frame being encoded */

	RsproLinkMsgFunc on_msg;
	RsproLinkDownFunc on_down;
	gpointer user_data;

	guint ping_interval_ms;
	guint pong_timeout_ms;
	gboolean close_on_decode_error;
	guint64 undecodable; /* PDUs dropped (close_on_decode_error FALSE) */

	gboolean started;
	gboolean down;

	CrTimer ka_timer;    /* next PING, or PONG timeout */
	gboolean ka_waiting; /* a PING is out, waiting for the PONG */
};

static void conn_read_cb(CrStream *conn, const guint8 *data, gsize len, gpointer user_data);
static void conn_closed_cb(CrStream *conn, const GError *error, gpointer user_data);
static void ka_timer_cb(CrTimer *timer, gpointer user_data);

static const CrStreamFuncs conn_funcs = {
	.read = conn_read_cb,
	.closed = conn_closed_cb,
};

static void link_fail(RsproLink *self, GError *error);
static void ka_send_ping(RsproLink *self);

RsproLink *
rspro_link_new(GIOStream *stream, RsproLinkRole role, const gchar *name)
{
	RsproLink *self = g_new0(RsproLink, 1);

	self->ref_count = 1;
	self->name = g_strdup(name != NULL ? name : "rspro");
	self->role = role;
	self->stream = g_object_ref(stream);
	self->deframer = rspro_ipa_deframer_new(0);
	self->scratch = g_byte_array_new();
	self->close_on_decode_error = role == RSPRO_LINK_ROLE_BANK;
	if (role != RSPRO_LINK_ROLE_BANK) {
		self->ping_interval_ms = RSPRO_LINK_PING_INTERVAL_MS;
		self->pong_timeout_ms = RSPRO_LINK_PONG_TIMEOUT_MS;
	}
	cr_timer_init(&self->ka_timer, NULL, ka_timer_cb, self);
	self->conn = cr_stream_new(NULL, stream, &conn_funcs, self, &self->conn_error);
	if (self->conn != NULL)
		cr_stream_set_max_queued(self->conn, RSPRO_LINK_MAX_QUEUED);

	/* small frames must leave at once (rspro.md A.1/A.5) */
	if (G_IS_SOCKET_CONNECTION(stream)) {
		GSocket *socket = g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream));

		if (g_socket_get_family(socket) != G_SOCKET_FAMILY_UNIX)
			g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
	}
	return self;
}

RsproLink *
rspro_link_ref(RsproLink *self)
{
	self->ref_count++;
	return self;
}

static void
link_free(RsproLink *self)
{
	cr_timer_cancel(&self->ka_timer);
	g_clear_pointer(&self->conn, cr_stream_unref);
	g_clear_error(&self->conn_error);
	g_object_unref(self->stream);
	rspro_ipa_deframer_free(self->deframer);
	g_byte_array_unref(self->scratch);
	g_free(self->name);
	g_free(self);
}

/* internal references: callbacks in progress */
static RsproLink *
op_hold(RsproLink *self)
{
	self->op_count++;
	return self;
}

static void
op_release(RsproLink *self)
{
	if (--self->op_count == 0 && self->ref_count == 0)
		link_free(self);
}

static void
ka_stop(RsproLink *self)
{
	cr_timer_cancel(&self->ka_timer);
	self->ka_waiting = FALSE;
}

/* stops everything; no callback */
static void
link_shutdown(RsproLink *self)
{
	if (self->down)
		return;
	self->down = TRUE;
	ka_stop(self);
	/* closes the socket itself: the peer sees the close now; queued output
	 * is dropped */
	if (self->conn != NULL)
		cr_stream_close(self->conn);
}

void
rspro_link_unref(RsproLink *self)
{
	if (self == NULL || --self->ref_count > 0)
		return;
	self->on_msg = NULL;
	self->on_down = NULL;
	link_shutdown(self);
	if (self->op_count == 0)
		link_free(self);
}

void
rspro_link_set_callbacks(RsproLink *self, RsproLinkMsgFunc on_msg, RsproLinkDownFunc on_down,
                         gpointer user_data)
{
	self->on_msg = on_msg;
	self->on_down = on_down;
	self->user_data = user_data;
}

void
rspro_link_set_keepalive(RsproLink *self, guint ping_interval_ms, guint pong_timeout_ms)
{
	self->ping_interval_ms = ping_interval_ms;
	self->pong_timeout_ms = pong_timeout_ms > 0 ? pong_timeout_ms : RSPRO_LINK_PONG_TIMEOUT_MS;
}

void
rspro_link_set_close_on_decode_error(RsproLink *self, gboolean close)
{
	self->close_on_decode_error = close;
}

gboolean
rspro_link_is_up(const RsproLink *self)
{
	return !self->down;
}

const gchar *
rspro_link_get_name(const RsproLink *self)
{
	return self->name;
}

GIOStream *
rspro_link_get_stream(const RsproLink *self)
{
	return self->stream;
}

void
rspro_link_close(RsproLink *self)
{
	link_shutdown(self);
}

/* ends the link and reports why (once); takes @error */
static void
link_fail(RsproLink *self, GError *error)
{
	if (self->down) {
		g_error_free(error);
		return;
	}
	g_debug("%s: link down: %s", self->name, error->message);
	op_hold(self);
	link_shutdown(self);
	if (self->on_down != NULL)
		self->on_down(self, error, self->user_data);
	g_error_free(error);
	op_release(self);
}

/* ---- writing ---- */

/* one frame, one write call; the rest (if any) waits in the stream's queue */
static gboolean
queue_frame(RsproLink *self, const guint8 *frame, gsize len, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (self->down || self->conn == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED, "%s: link is down", self->name);
		return FALSE;
	}
	if (cr_stream_write(self->conn, frame, len, &local))
		return TRUE;
	if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NO_SPACE)) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG,
		            "%s: peer does not read, send queue full", self->name);
		link_fail(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_TOO_BIG,
		                            "peer does not read, send queue full"));
		return FALSE;
	}
	g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED, "%s: %s", self->name, local->message);
	return FALSE;
}

gboolean
rspro_link_send_frame(RsproLink *self, const guint8 *frame, gsize len, GError **error)
{
	return queue_frame(self, frame, len, error);
}

gboolean
rspro_link_send(RsproLink *self, const RsproMsg *msg, GError **error)
{
	if (self->down) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED, "%s: link is down", self->name);
		return FALSE;
	}
	/* the last frame was a big one: give its room back */
	if (self->scratch->len > 4096) {
		g_byte_array_unref(self->scratch);
		self->scratch = g_byte_array_new();
	}
	g_byte_array_set_size(self->scratch, 0);
	if (!rspro_msg_encode_ipa(msg, self->scratch, error))
		return FALSE;
	if (g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE) {
		g_autofree gchar *s = rspro_msg_describe(msg);

		g_debug("%s: tx %s", self->name, s);
	}
	return queue_frame(self, self->scratch->data, self->scratch->len, error);
}

static void
send_ccm(RsproLink *self, RsproCcmType type)
{
	g_autoptr(GByteArray) encoded = g_byte_array_new();

	rspro_ipa_append_ccm(encoded, type);
	queue_frame(self, encoded->data, encoded->len, NULL);
}

/* ---- keep-alive ---- */

static void
ka_timer_cb(CrTimer *timer, gpointer user_data)
{
	RsproLink *self = user_data;

	if (!self->ka_waiting) {
		ka_send_ping(self);
		return;
	}
	self->ka_waiting = FALSE;
	link_fail(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_TIMEOUT, "no IPA PONG within %u ms",
	                            self->pong_timeout_ms));
}

static void
ka_send_ping(RsproLink *self)
{
	if (self->down || self->ping_interval_ms == 0)
		return;
	send_ccm(self, RSPRO_CCM_PING);
	if (self->down)
		return;
	self->ka_waiting = TRUE;
	cr_timer_arm(&self->ka_timer, self->pong_timeout_ms);
}

static void
ka_pong(RsproLink *self)
{
	/* a PONG while idle is ignored (A.4) */
	if (!self->ka_waiting)
		return;
	self->ka_waiting = FALSE;
	cr_timer_arm(&self->ka_timer, self->ping_interval_ms);
}

/* ---- reading ---- */

static void
handle_ccm(RsproLink *self, const guint8 *body, gsize len)
{
	guint8 type = body[0];

	g_debug("%s: rx CCM %s", self->name, rspro_ccm_type_name(type));
	switch (type) {
	case RSPRO_CCM_PING:
		send_ccm(self, RSPRO_CCM_PONG);
		return;
	case RSPRO_CCM_PONG:
		ka_pong(self);
		return;
	case RSPRO_CCM_ID_ACK:
		if (self->role != RSPRO_LINK_ROLE_CLIENT)
			send_ccm(self, RSPRO_CCM_ID_ACK);
		return;
	case RSPRO_CCM_ID_GET:
		if (self->role == RSPRO_LINK_ROLE_CLIENT) {
			g_autoptr(GByteArray) frame = g_byte_array_new();

			if (!rspro_ipa_append_id_resp(frame, body + 1, len - 1)) {
				g_debug("%s: ID_GET for an unknown tag: not answered", self->name);
				return;
			}
			queue_frame(self, frame->data, frame->len, NULL);
			send_ccm(self, RSPRO_CCM_ID_ACK);
			return;
		}
		break;
	case RSPRO_CCM_ID_RESP:
		return;
	default:
		break;
	}
	if (self->role == RSPRO_LINK_ROLE_SERVER)
		link_fail(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_UNSUPPORTED,
		                            "unexpected IPA CCM message 0x%02x", type));
}

static void
handle_rspro(RsproLink *self, const guint8 *pdu, gsize len)
{
	g_autoptr(GError) error = NULL;
	RsproMsg msg;

	if (!rspro_msg_decode(pdu, len, &msg, &error)) {
		if (self->close_on_decode_error) {
			link_fail(self, g_error_new(RSPRO_ERROR, error->code,
			                            "undecodable RSPRO PDU: %s", error->message));
		} else if (++self->undecodable == 1 || self->undecodable % 10000 == 0) {
			/* a peer may send nothing else: the first one and then one
			 * line per 10,000, not one per PDU */
			g_warning("%s: dropping undecodable RSPRO PDU (%" G_GSIZE_FORMAT
			          " bytes): %s (%" G_GUINT64_FORMAT " on this link)",
			          self->name, len, error->message, self->undecodable);
		}
		return;
	}
	if (g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE) {
		g_autofree gchar *s = rspro_msg_describe(&msg);

		g_debug("%s: rx %s", self->name, s);
	}
	if (self->on_msg != NULL)
		self->on_msg(self, &msg, self->user_data);
	rspro_msg_clear(&msg);
}

static void
handle_frame(RsproLink *self, const RsproIpaFrame *frame)
{
	const guint8 *body;
	gsize len;

	switch (rspro_ipa_frame_kind(frame, &body, &len)) {
	case RSPRO_IPA_KIND_CCM:
		handle_ccm(self, body, len);
		break;
	case RSPRO_IPA_KIND_RSPRO:
		handle_rspro(self, body, len);
		break;
	default:
		link_fail(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_UNSUPPORTED,
		                            "IPA frame of stream 0x%02x (%" G_GSIZE_FORMAT
		                            " bytes) is not RSPRO",
		                            frame->proto, frame->len));
		break;
	}
}

static void
process_input(RsproLink *self, const guint8 *data, gsize len)
{
	gsize off = 0;

	while (off < len && !self->down) {
		RsproIpaFrame frame;
		GError *error = NULL;
		gssize n = rspro_ipa_deframer_push(self->deframer, data + off, len - off, &frame,
		                                   &error);

		if (n < 0) {
			link_fail(self, error);
			return;
		}
		off += (gsize)n;
		if (frame.complete)
			handle_frame(self, &frame);
	}
}

static void
conn_read_cb(CrStream *conn, const guint8 *data, gsize len, gpointer user_data)
{
	RsproLink *self = user_data;

	op_hold(self);
	process_input(self, data, len);
	op_release(self);
}

static void
conn_closed_cb(CrStream *conn, const GError *error, gpointer user_data)
{
	RsproLink *self = user_data;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
		link_fail(self, g_error_new(RSPRO_ERROR, RSPRO_ERROR_CLOSED,
		                            rspro_ipa_deframer_is_partial(self->deframer)
		                                    ? "peer closed the connection mid-frame"
		                                    : "peer closed the connection"));
	else
		link_fail(self, g_error_copy(error));
}

void
rspro_link_start(RsproLink *self)
{
	if (self->started || self->down)
		return;
	self->started = TRUE;
	if (self->conn == NULL) {
		link_fail(self, g_error_copy(self->conn_error));
		return;
	}
	cr_stream_start(self->conn);
	ka_send_ping(self);
}

CrListener *
rspro_listen(const gchar *host, guint16 port, gint backlog, const gchar *name,
             CrListenerFunc func, gpointer user_data, guint16 *bound_port, GError **error)
{
	g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(host);
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSocketAddress) effective = NULL;
	CrListener *listener;

	if (ip == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "cannot listen on %s:%u: not an IP address", host, port);
		return NULL;
	}
	addr = g_inet_socket_address_new(ip, port);
	listener = cr_listener_new(NULL, addr, backlog, name, func, user_data, error);
	if (listener == NULL) {
		g_prefix_error(error, "cannot listen on %s:%u: ", host, port);
		return NULL;
	}
	effective = cr_listener_get_address(listener);
	*bound_port = effective != NULL
	                      ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective))
	                      : port;
	return listener;
}

gchar *
rspro_host_port_string(const gchar *host, guint port)
{
	return strchr(host, ':') != NULL ? g_strdup_printf("[%s]:%u", host, port)
	                                 : g_strdup_printf("%s:%u", host, port);
}
