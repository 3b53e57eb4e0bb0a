// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The life of every REST connection (see cr-rest-conn.h; the accept loop and
 * the limits are in cr-rest-listen.c).
 *
 *  - One request per connection: libsoup keeps a connection alive only for
 *    its own listeners, and the answers say "Connection: close". Bookworm's
 *    libsoup 3.2 left a kept-alive socket in CLOSE-WAIT for ever once the
 *    client closed it; here libsoup closes after the answer, and anything it
 *    still holds is closed by this file.
 *  - Phases: a connection waits for a request (IDLE), is reading its headers
 *    (HEADERS), its body (BODY), or is being answered (HANDLING). IDLE ends
 *    after rest-header-timeout on a fresh connection (rest-idle-timeout
 *    after a request); HEADERS ends rest-header-timeout after the first
 *    byte; BODY after rest-idle-timeout without a byte.
 *  - Peer gone: while IDLE, a watch of our own (above libsoup's priority)
 *    peeks at the socket: end of stream closes the connection here.
 *  - Early answers: when an early handler set a status (401, 403, 413...) the
 *    connection is taken from libsoup before any body byte is read; the
 *    answer is written here, the write side shut, and what the client still
 *    sends is read and dropped for at most LINGER_MS / LINGER_MAX_BYTES (so
 *    the client reads the answer instead of a reset), then the socket is
 *    closed. A chunked body is counted as it arrives and cut the same way at
 *    the limit. An absolute-form request target is answered 400 the same way.
 *  - Long-lived answers (the event stream): cr_rest_conns_take() takes the
 *    connection from libsoup once the request is read (STREAM); it stays
 *    counted against the limits until its taker releases it. A plain one is
 *    kept as a bare descriptor (the GIO and libsoup objects go at once).
 */
#define G_LOG_DOMAIN "cr-control"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cr-rest-conn-private.h"

static const gchar *const closed_names[CLOSED_N] = {
	"header-timeout", "idle-timeout", "peer-closed", "early-answer", "body-too-large",
};

static void conn_free(Conn *conn);

/* the socket's descriptor, whether a GSocket still wraps it or not */
static gint
conn_fd(Conn *conn)
{
	return conn->socket != NULL ? g_socket_get_fd(conn->socket) : conn->fd;
}

gchar *
cr_rest_peer_key(GSocketAddress *addr, gchar **ip_out)
{
	g_autofree gchar *ip = NULL;
	if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS(addr))
		return NULL;
	ip = g_inet_address_to_string(
		g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
	gchar *key = g_strdup_printf("%s %u", ip,
				     g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr)));
	if (ip_out != NULL)
		*ip_out = g_steal_pointer(&ip);
	return key;
}

static void
conn_stop_timer(Conn *conn)
{
	if (conn->timer != NULL) {
		g_source_destroy(conn->timer);
		g_clear_pointer(&conn->timer, g_source_unref);
	}
}

static void
conn_stop_watch(Conn *conn)
{
	if (conn->watch != NULL) {
		g_source_destroy(conn->watch);
		g_clear_pointer(&conn->watch, g_source_unref);
	}
}

static void
conn_drop_msg(Conn *conn)
{
	if (conn->msg == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(conn->msg_ids); i++)
		g_clear_signal_handler(&conn->msg_ids[i], conn->msg);
	g_clear_object(&conn->msg);
}

static void stream_gone(gpointer data, GObject *where_the_object_was);

/* Closes the socket now, whoever holds the stream: libsoup finds it closed. */
static void
conn_close(Conn *conn, ClosedReason reason)
{
	conn->owner->closed[reason]++;
	if (!conn->taken && conn->stream != NULL)
		g_object_weak_unref(G_OBJECT(conn->stream), stream_gone, conn);
	conn->stream = conn->taken ? conn->stream : NULL;
	/* wakes whatever libsoup still polls on it with an end of stream */
	shutdown(conn_fd(conn), SHUT_RDWR);
	if (conn->socket != NULL)
		g_socket_close(conn->socket, NULL);
	conn_free(conn);
}

static void
conn_free(Conn *conn)
{
	CrRestConns *self = conn->owner;
	guint n;
	conn_stop_timer(conn);
	conn_stop_watch(conn);
	conn_drop_msg(conn);
	if (conn->taken) {
		if (conn->phase == PHASE_LINGER)
			self->lingering--;
		if (conn->stream != NULL)
			g_io_stream_close(conn->stream, NULL, NULL);
		g_clear_object(&conn->stream);
	} else if (conn->stream != NULL) {
		g_object_weak_unref(G_OBJECT(conn->stream), stream_gone, conn);
	}
	if (conn->unhanded != NULL) {
		g_io_stream_close(conn->unhanded, NULL, NULL);
		g_clear_object(&conn->unhanded);
	}
	g_clear_object(&conn->local);
	g_clear_object(&conn->remote);
	if (conn->socket != NULL) {
		g_socket_close(conn->socket, NULL);
		g_object_unref(conn->socket);
	}
	if (conn->fd >= 0)
		close(conn->fd);
	if (g_hash_table_lookup(self->by_peer, conn->peer) == conn)
		g_hash_table_remove(self->by_peer, conn->peer);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_ip, conn->ip));
	if (n <= 1)
		g_hash_table_remove(self->per_ip, conn->ip);
	else
		g_hash_table_insert(self->per_ip, g_strdup(conn->ip), GUINT_TO_POINTER(n - 1));
	g_hash_table_remove(self->conns, conn);
	g_clear_pointer(&conn->out, g_bytes_unref);
	g_free(conn->peer);
	g_free(conn->ip);
	g_free(conn);
}

/* libsoup let go of the connection (it closed it). */
static void
stream_gone(gpointer data, GObject *where_the_object_was)
{
	Conn *conn = data;
	conn->stream = NULL;
	conn_free(conn);
}

static gboolean
timer_cb(gpointer user_data)
{
	Conn *conn = user_data;
	ClosedReason reason;
	g_clear_pointer(&conn->timer, g_source_unref);
	switch (conn->phase) {
	case PHASE_IDLE:
		reason = conn->served ? CLOSED_IDLE_TIMEOUT : CLOSED_HEADER_TIMEOUT;
		break;
	case PHASE_HEADERS:
		reason = CLOSED_HEADER_TIMEOUT;
		break;
	case PHASE_LINGER:
		reason = CLOSED_EARLY_ANSWER;
		conn->owner->closed[reason]--; /* counted when it was answered */
		break;
	default:
		reason = CLOSED_IDLE_TIMEOUT;
		break;
	}
	g_debug("REST connection %s closed: %s", conn->peer, closed_names[reason]);
	conn_close(conn, reason);
	return G_SOURCE_REMOVE;
}

static void
conn_arm(Conn *conn, guint ms)
{
	conn_stop_timer(conn);
	if (ms == 0)
		return;
	conn->timer = g_timeout_source_new(ms);
	g_source_set_callback(conn->timer, timer_cb, conn, NULL);
	g_source_set_static_name(conn->timer, "cr-rest-conn-timer");
	g_source_attach(conn->timer, NULL);
}

/* Whether the request that begins on @fd has an absolute-form target
 * ("GET http://host/path HTTP/1.1"): libsoup would serve it, a proxy's form
 * has no business here. Seen when the request line's start came in one
 * segment (what clients send); msg_got_headers() also compares the URI with
 * the Host header for the rest. */
static gboolean
request_is_absolute_form(gint fd)
{
	gchar head[64];
	gssize n = recv(fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
	const gchar *space = n > 0 ? memchr(head, ' ', (gsize)n) : NULL;
	gsize at;
	if (space == NULL)
		return FALSE;
	at = (gsize)(space - head) + 1;
	return at < (gsize)n && head[at] != '/' && head[at] != '*' && head[at] != ' ';
}

/* libsoup gets a connection once its first byte is there (it never sees
 * one that sends nothing, and this file has seen how the request begins) */
static void
conn_hand_over(Conn *conn)
{
	CrRestConns *self = conn->owner;
	g_autoptr(GIOStream) stream = g_steal_pointer(&conn->unhanded);
	g_autoptr(GSocketAddress) local = g_steal_pointer(&conn->local);
	g_autoptr(GSocketAddress) remote = g_steal_pointer(&conn->remote);
	conn->stream = stream;
	g_object_weak_ref(G_OBJECT(stream), stream_gone, conn);
	/* libsoup keeps its own reference; ours goes with this scope */
	soup_server_accept_iostream(self->server, stream, local, remote, NULL);
}

/* IDLE: has the peer sent something, or gone? FALSE when the connection is
 * no longer idle (or no longer there). */
static gboolean
conn_peek(Conn *conn)
{
	gint fd = g_socket_get_fd(conn->socket);
	gchar byte;
	gssize n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return TRUE;
	conn_stop_watch(conn);
	if (n <= 0) {
		g_debug("REST connection %s closed by the peer", conn->peer);
		conn_close(conn, CLOSED_PEER);
		return FALSE;
	}
	/* plain HTTP only: a TLS record says nothing about the request line */
	conn->absolute_form = conn->owner->cert == NULL && request_is_absolute_form(fd);
	/* a request begins: its headers have header-timeout from now */
	conn->phase = PHASE_HEADERS;
	conn_arm(conn, conn->owner->limits.header_timeout_ms);
	/* last: libsoup reads at once, and may be done with it before returning */
	if (conn->unhanded != NULL)
		conn_hand_over(conn);
	return FALSE;
}

static gboolean
watch_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	return conn_peek(user_data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
conn_idle(Conn *conn)
{
	conn->phase = PHASE_IDLE;
	conn->body_bytes = 0;
	conn_arm(conn, conn->served ? conn->owner->limits.idle_timeout_ms
				    : conn->owner->limits.header_timeout_ms);
	if (conn->watch == NULL) {
		conn->watch = g_socket_create_source(conn->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
						     NULL);
		/* before libsoup's own source reads what arrived */
		g_source_set_priority(conn->watch, G_PRIORITY_HIGH);
		g_source_set_callback(conn->watch, G_SOURCE_FUNC(watch_cb), conn, NULL);
		g_source_set_static_name(conn->watch, "cr-rest-conn-watch");
		g_source_attach(conn->watch, NULL);
	}
}

/* ---- answering from the headers, then closing (LINGER) ---- */

static void linger_step(Conn *conn);

static gboolean
linger_ready(GObject *stream, gpointer user_data)
{
	Conn *conn = user_data;
	g_clear_pointer(&conn->watch, g_source_unref);
	linger_step(conn);
	return G_SOURCE_REMOVE;
}

static void
linger_wait(Conn *conn, gboolean for_write)
{
	GSource *source;
	if (for_write)
		source = g_pollable_output_stream_create_source(
			G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(conn->stream)),
			NULL);
	else
		source = g_pollable_input_stream_create_source(
			G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(conn->stream)), NULL);
	g_source_set_callback(source, G_SOURCE_FUNC(linger_ready), conn, NULL);
	g_source_set_static_name(source, "cr-rest-conn-linger");
	g_source_attach(source, NULL);
	conn->watch = source;
}

static void
linger_step(Conn *conn)
{
	GPollableOutputStream *out =
		G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(conn->stream));
	GPollableInputStream *in =
		G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(conn->stream));
	guint8 sink[4096];

	while (conn->out != NULL) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(conn->out, &len);
		g_autoptr(GError) error = NULL;
		gssize n = g_pollable_output_stream_write_nonblocking(
			out, data + conn->out_off, len - conn->out_off, NULL, &error);
		if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			linger_wait(conn, TRUE);
			return;
		}
		if (n < 0) {
			conn_free(conn);
			return;
		}
		conn->out_off += (gsize)n;
		if (conn->out_off == len)
			g_clear_pointer(&conn->out, g_bytes_unref);
	}
	if (!conn->shut) {
		conn->shut = TRUE;
		if (!G_IS_TLS_CONNECTION(conn->stream))
			shutdown(g_socket_get_fd(conn->socket), SHUT_WR);
	}
	/* drop what the client still sends until it closes or LINGER_MS pass */
	for (guint i = 0; i < 64; i++) {
		g_autoptr(GError) error = NULL;
		gssize n = g_pollable_input_stream_read_nonblocking(in, sink, sizeof(sink), NULL,
								    &error);
		if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			linger_wait(conn, FALSE);
			return;
		}
		if (n <= 0 || (conn->dropped += (gsize)n) > LINGER_MAX_BYTES) {
			conn_free(conn);
			return;
		}
	}
	linger_wait(conn, FALSE);
}

static GBytes *
render_answer(SoupServerMessage *msg)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers(msg);
	SoupMessageBody *body = soup_server_message_get_response_body(msg);
	g_autoptr(GBytes) content = soup_message_body_flatten(body);
	GString *out = g_string_new(NULL);
	SoupMessageHeadersIter it;
	const char *name, *value;
	guint status = soup_server_message_get_status(msg);
	const char *reason = soup_server_message_get_reason_phrase(msg);

	g_string_append_printf(out, "HTTP/1.1 %u %s\r\n", status,
			       reason != NULL ? reason : soup_status_get_phrase(status));
	soup_message_headers_iter_init(&it, hdrs);
	while (soup_message_headers_iter_next(&it, &name, &value)) {
		if (g_ascii_strcasecmp(name, "Content-Length") == 0 ||
		    g_ascii_strcasecmp(name, "Connection") == 0 ||
		    g_ascii_strcasecmp(name, "Transfer-Encoding") == 0)
			continue;
		g_string_append_printf(out, "%s: %s\r\n", name, value);
	}
	g_string_append_printf(out, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
			       g_bytes_get_size(content));
	g_string_append_len(out, g_bytes_get_data(content, NULL), g_bytes_get_size(content));
	return g_string_free_to_bytes(out);
}

/* Takes the connection back from libsoup and answers @msg's status now. */
/* Takes the connection of @msg out of libsoup (no "finished", nothing more
 * written by it): our watches and timer on it stop; the stream, or NULL. */
static GIOStream *
conn_steal_stream(Conn *conn, SoupServerMessage *msg)
{
	GIOStream *stream;

	g_object_ref(msg);
	conn_drop_msg(conn);
	conn_stop_timer(conn);
	conn_stop_watch(conn);
	if (conn->stream != NULL)
		g_object_weak_unref(G_OBJECT(conn->stream), stream_gone, conn);
	conn->stream = NULL;
	stream = soup_server_message_steal_connection(msg);
	g_object_unref(msg);
	return stream;
}

static void
conn_answer_now(Conn *conn, SoupServerMessage *msg, ClosedReason reason)
{
	CrRestConns *self = conn->owner;
	g_autoptr(GBytes) answer = render_answer(msg);
	GIOStream *stream = conn_steal_stream(conn, msg);

	if (stream == NULL || self->lingering >= LINGER_MAX) {
		g_clear_object(&stream);
		conn_close(conn, reason);
		return;
	}
	self->closed[reason]++;
	self->lingering++;
	conn->taken = TRUE;
	conn->stream = stream;
	conn->phase = PHASE_LINGER;
	conn->out = g_bytes_ref(answer);
	conn->out_off = 0;
	conn_arm(conn, LINGER_MS);
	linger_step(conn);
}

/* ---- long-lived answers written by the daemon itself ---- */

CrRestConn *
cr_rest_conns_take(CrRestConns *self, gpointer soup_server_message, GDestroyNotify closed,
		   gpointer closed_data)
{
	SoupServerMessage *msg = soup_server_message;
	g_autofree gchar *key = cr_rest_peer_key(soup_server_message_get_remote_address(msg), NULL);
	Conn *conn = key != NULL ? g_hash_table_lookup(self->by_peer, key) : NULL;
	GIOStream *stream;

	if (conn == NULL || conn->taken)
		return NULL;
	stream = conn_steal_stream(conn, msg);
	if (stream == NULL) {
		conn_close(conn, CLOSED_PEER);
		return NULL;
	}
	conn->taken = TRUE;
	conn->stream = stream;
	conn->phase = PHASE_STREAM;
	/* (what libsoup gives back wraps the stream it got: plain or TLS is
	 * the listener's, not the wrapper's type) */
	if (self->cert == NULL) {
		/* a plain socket needs no GIO object for what comes: the
		 * connection goes on on a duplicate of its descriptor, and the
		 * objects (libsoup's stream wrappers, the GSocket) go now, so a
		 * long-lived stream holds a few small blocks, nothing pooled */
		gint fd = fcntl(g_socket_get_fd(conn->socket), F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			conn_close(conn, CLOSED_PEER);
			return NULL;
		}
		g_socket_close(conn->socket, NULL);
		g_clear_object(&conn->socket);
		g_clear_object(&conn->stream);
		conn->fd = fd;
	}
	conn->stream_closed = closed;
	conn->stream_closed_data = closed_data;
	return conn;
}

GIOStream *
cr_rest_conn_get_stream(CrRestConn *conn)
{
	return conn->stream;
}

gint
cr_rest_conn_get_fd(CrRestConn *conn)
{
	return conn_fd(conn);
}

const gchar *
cr_rest_conn_get_ip(CrRestConn *conn)
{
	return conn->ip;
}

void
cr_rest_conn_release(CrRestConn *conn, gboolean reset)
{
	struct linger now = {.l_onoff = 1, .l_linger = 0};
	g_return_if_fail(conn->phase == PHASE_STREAM);
	if (reset)
		setsockopt(conn_fd(conn), SOL_SOCKET, SO_LINGER, &now, sizeof(now));
	conn_free(conn);
}

/* ---- following libsoup's messages ---- */

static gboolean
is_absolute_form(Conn *conn, SoupServerMessage *msg)
{
	const gchar *host = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
							 "Host");
	GUri *uri = soup_server_message_get_uri(msg);
	g_autofree gchar *bare = NULL;
	gchar *colon;
	if (conn->absolute_form)
		return TRUE;
	if (host == NULL || uri == NULL || g_uri_get_host(uri) == NULL)
		return FALSE;
	/* an origin-form request's URI is made from its Host header */
	bare = g_strdup(host[0] == '[' ? host + 1 : host);
	colon = strrchr(bare, host[0] == '[' ? ']' : ':');
	if (colon != NULL)
		*colon = '\0';
	return g_ascii_strcasecmp(bare, g_uri_get_host(uri)) != 0;
}

static void
msg_got_headers(SoupServerMessage *msg, gpointer user_data)
{
	Conn *conn = user_data;
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	SoupEncoding encoding = soup_message_headers_get_encoding(hdrs);

	conn_stop_watch(conn);
	if (soup_server_message_get_status(msg) == 0 && is_absolute_form(conn, msg)) {
		static const gchar json[] = "{\"error\": \"invalid\", \"message\": "
					    "\"absolute-form request targets are not served\"}\n";
		soup_server_message_set_status(msg, 400, NULL);
		soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_STATIC, json,
						 sizeof(json) - 1);
	}
	/* an early handler answered (no token, too large...): the body is never read */
	if (soup_server_message_get_status(msg) != 0) {
		conn_answer_now(conn, msg, CLOSED_EARLY_ANSWER);
		return;
	}
	if ((encoding == SOUP_ENCODING_CONTENT_LENGTH &&
	     soup_message_headers_get_content_length(hdrs) > 0) ||
	    encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF) {
		conn->phase = PHASE_BODY;
		conn_arm(conn, conn->owner->limits.idle_timeout_ms);
	} else {
		conn->phase = PHASE_HANDLING;
		conn_stop_timer(conn);
	}
}

static void
msg_got_chunk(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
	Conn *conn = user_data;
	conn->body_bytes += g_bytes_get_size(chunk);
	if (conn->body_bytes > conn->owner->limits.max_body) {
		g_autoptr(GString) json = g_string_new(
			"{\"error\": \"invalid\", \"message\": \"body: too large\"}\n");
		soup_server_message_set_status(msg, 413, NULL);
		soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY,
						 json->str, json->len);
		conn_answer_now(conn, msg, CLOSED_BODY_TOO_LARGE);
		return;
	}
	conn_arm(conn, conn->owner->limits.idle_timeout_ms);
}

static void
msg_got_body(SoupServerMessage *msg, gpointer user_data)
{
	Conn *conn = user_data;
	conn->phase = PHASE_HANDLING;
	conn_stop_timer(conn);
}

static void
msg_finished(SoupServerMessage *msg, gpointer user_data)
{
	Conn *conn = user_data;
	conn_drop_msg(conn);
	conn->served = TRUE;
	/* kept alive: wait for the next request (libsoup closing it frees it) */
	conn_idle(conn);
}

static void
request_started(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	CrRestConns *self = user_data;
	g_autofree gchar *key = cr_rest_peer_key(soup_server_message_get_remote_address(msg), NULL);
	Conn *conn = key != NULL ? g_hash_table_lookup(self->by_peer, key) : NULL;
	if (conn == NULL || conn->taken)
		return;
	conn_drop_msg(conn);
	conn->msg = g_object_ref(msg);
	/* libsoup keeps a connection alive only for the connections of its own
	 * listeners: say so, rather than leave clients to find the close */
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
				     "close");
	/* after libsoup's own "got-headers" handler, which runs the early handlers */
	conn->msg_ids[0] = g_signal_connect(msg, "got-headers", G_CALLBACK(msg_got_headers), conn);
	conn->msg_ids[1] = g_signal_connect(msg, "got-chunk", G_CALLBACK(msg_got_chunk), conn);
	conn->msg_ids[2] = g_signal_connect(msg, "got-body", G_CALLBACK(msg_got_body), conn);
	conn->msg_ids[3] = g_signal_connect(msg, "finished", G_CALLBACK(msg_finished), conn);
}


/* Takes over an accepted connection under the limits and hands it to libsoup. */
void
cr_rest_conn_adopt(CrRestConns *self, GSocket *socket, GIOStream *stream, GSocketAddress *local,
		   GSocketAddress *remote, const gchar *key, const gchar *ip)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_ip, ip));
	Conn *conn = g_new0(Conn, 1);
	conn->owner = self;
	conn->socket = g_object_ref(socket);
	conn->fd = -1;
	conn->peer = g_strdup(key);
	conn->ip = g_strdup(ip);
	conn->unhanded = g_object_ref(stream);
	conn->local = g_object_ref(local);
	conn->remote = g_object_ref(remote);
	g_hash_table_add(self->conns, conn);
	g_hash_table_replace(self->by_peer, g_strdup(conn->peer), conn);
	g_hash_table_insert(self->per_ip, g_strdup(ip), GUINT_TO_POINTER(n + 1));
	conn_idle(conn);
	/* the request may have come with the handshake */
	conn_peek(conn);
}

CrRestConns *
cr_rest_conns_new(SoupServer *server, const CrRestLimits *limits, GTlsCertificate *cert)
{
	CrRestConns *self = g_new0(CrRestConns, 1);
	self->server = g_object_ref(server);
	self->limits = *limits;
	self->cert = cert != NULL ? g_object_ref(cert) : NULL;
	self->conns = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->by_peer = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->log = cr_log_limiter_new("rest", 10, 1);
	self->started_id = g_signal_connect(server, "request-started", G_CALLBACK(request_started),
					    self);
	return self;
}

void
cr_rest_conns_metrics(CrRestConns *self, GString *out)
{
	g_string_append(out, "# HELP cardroute_rest_connections REST connections open now.\n"
			     "# TYPE cardroute_rest_connections gauge\n");
	g_string_append_printf(out, "cardroute_rest_connections %u\n",
			       g_hash_table_size(self->conns));
	g_string_append(out, "# HELP cardroute_rest_connections_accepted_total REST connections "
			     "accepted.\n# TYPE cardroute_rest_connections_accepted_total counter\n");
	g_string_append_printf(out, "cardroute_rest_connections_accepted_total %" G_GUINT64_FORMAT
			       "\n", self->accepted);
	g_string_append(out, "# HELP cardroute_rest_connections_refused_total REST connections "
			     "answered 503 by a connection limit.\n"
			     "# TYPE cardroute_rest_connections_refused_total counter\n");
	g_string_append_printf(out,
			       "cardroute_rest_connections_refused_total{limit=\"total\"} "
			       "%" G_GUINT64_FORMAT "\n"
			       "cardroute_rest_connections_refused_total{limit=\"per-address\"} "
			       "%" G_GUINT64_FORMAT "\n",
			       self->refused_total, self->refused_per_address);
	g_string_append(out, "# HELP cardroute_rest_connections_closed_total REST connections "
			     "closed by the daemon, by reason.\n"
			     "# TYPE cardroute_rest_connections_closed_total counter\n");
	for (guint i = 0; i < CLOSED_N; i++)
		g_string_append_printf(out,
				       "cardroute_rest_connections_closed_total{reason=\"%s\"} "
				       "%" G_GUINT64_FORMAT "\n",
				       closed_names[i], self->closed[i]);
	g_string_append(out, "# HELP cardroute_rest_accept_errors_total Failed accept() calls "
			     "(no file descriptor left...).\n"
			     "# TYPE cardroute_rest_accept_errors_total counter\n");
	g_string_append_printf(out, "cardroute_rest_accept_errors_total %" G_GUINT64_FORMAT "\n",
			       self->accept_errors);
}

void
cr_rest_conns_free(CrRestConns *self)
{
	if (self == NULL)
		return;
	g_clear_signal_handler(&self->started_id, self->server);
	cr_rest_listen_stop(self);
	while (g_hash_table_size(self->conns) > 0) {
		GList *keys = g_hash_table_get_keys(self->conns);
		Conn *conn = keys->data;
		g_list_free(keys);
		if (conn->phase == PHASE_STREAM && conn->stream_closed != NULL) {
			/* the taker forgets it first */
			conn->stream_closed(conn->stream_closed_data);
			if (!g_hash_table_contains(self->conns, conn))
				continue;
		}
		self->closed[CLOSED_IDLE_TIMEOUT]--;
		conn_close(conn, CLOSED_IDLE_TIMEOUT);
	}
	g_hash_table_unref(self->conns);
	g_hash_table_unref(self->by_peer);
	g_hash_table_unref(self->per_ip);
	cr_log_limiter_free(self->log);
	g_clear_object(&self->cert);
	g_object_unref(self->server);
	g_free(self);
}
