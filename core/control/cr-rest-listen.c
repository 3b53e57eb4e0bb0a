// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The REST API's listening socket (see cr-rest-conn.h): a non-blocking socket
 * with a SOMAXCONN backlog, accepted here in batches. A connection over
 * rest-max-connections, or over rest-max-connections-per-address for its
 * source address, is answered 503 and closed at once (counted in /metrics).
 * On EMFILE/ENFILE (and ENOBUFS/ENOMEM) accepting stops for
 * ACCEPT_BACKOFF_MS and one line is logged per interval, so a full fd table
 * never makes the loop spin.
 */
#define G_LOG_DOMAIN "cr-control"
#define _GNU_SOURCE /* accept4 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cr-rest-conn-private.h"

static void
refuse(CrRestConns *self, GSocket *socket, const gchar *ip, const gchar *why)
{
	static const gchar body[] = "{\"error\": \"busy\", \"message\": \"too many connections\"}\n";
	gint fd = g_socket_get_fd(socket);
	g_autofree gchar *key = g_strdup_printf("refuse %s", ip);
	g_autofree gchar *answer = g_strdup_printf(
		"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
		"Retry-After: 1\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
		sizeof(body) - 1, body);
	/* a fresh socket's send buffer is empty: this goes out whole */
	if (self->cert == NULL && send(fd, answer, strlen(answer), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		shutdown(fd, SHUT_WR);
	g_socket_close(socket, NULL);
	CR_LOG_LIMITED(self->log, G_LOG_LEVEL_WARNING, key,
		       "REST API: connection from %s refused (503): %s", ip, why);
}

static void
handle_new(CrRestConns *self, gint fd)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket = g_socket_new_from_fd(fd, &error);
	g_autoptr(GSocketAddress) remote = NULL;
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GIOStream) stream = NULL;
	g_autofree gchar *ip = NULL;
	g_autofree gchar *key = NULL;
	guint n;

	if (socket == NULL) {
		close(fd);
		return;
	}
	/* never a blocking call on it from the main loop (GSocket's default
	 * emulates blocking I/O by waiting) */
	g_socket_set_blocking(socket, FALSE);
	remote = g_socket_get_remote_address(socket, NULL);
	local = g_socket_get_local_address(socket, NULL);
	key = cr_rest_peer_key(remote, &ip);
	if (key == NULL || local == NULL) {
		g_socket_close(socket, NULL);
		return;
	}
	n = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_ip, ip));
	if (g_hash_table_size(self->conns) >= self->limits.max_connections) {
		self->refused_total++;
		refuse(self, socket, ip, "rest-max-connections reached");
		return;
	}
	if (n >= self->limits.max_per_address) {
		self->refused_per_address++;
		refuse(self, socket, ip, "rest-max-connections-per-address reached");
		return;
	}
	self->accepted++;
	/* a client that does not read (an event stream) fills this, then its
	 * bounded queue in cr-events-sse.c: not megabytes of kernel memory */
	setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_SNDBUF, &(gint){SNDBUF}, sizeof(gint));
	stream = G_IO_STREAM(g_socket_connection_factory_create_connection(socket));
	if (self->cert != NULL) {
		GIOStream *tls = g_tls_server_connection_new(stream, self->cert, &error);
		if (tls == NULL) {
			CR_LOG_LIMITED(self->log, G_LOG_LEVEL_WARNING, "tls",
				       "REST API: TLS for %s: %s", ip, error->message);
			g_socket_close(socket, NULL);
			return;
		}
		g_object_unref(stream);
		stream = tls;
	}
	cr_rest_conn_adopt(self, socket, stream, local, remote, key, ip);
}

static gboolean accept_cb(GSocket *socket, GIOCondition condition, gpointer user_data);

static void
accept_watch(CrRestConns *self)
{
	self->accept_source = g_socket_create_source(self->listener, G_IO_IN, NULL);
	g_source_set_callback(self->accept_source, G_SOURCE_FUNC(accept_cb), self, NULL);
	g_source_set_static_name(self->accept_source, "cr-rest-accept");
	g_source_attach(self->accept_source, NULL);
}

static gboolean
backoff_done(gpointer user_data)
{
	CrRestConns *self = user_data;
	g_clear_pointer(&self->backoff, g_source_unref);
	accept_watch(self);
	return G_SOURCE_REMOVE;
}

static gboolean
accept_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	CrRestConns *self = user_data;
	for (guint i = 0; i < ACCEPT_BATCH; i++) {
		gint fd = accept4(g_socket_get_fd(socket), NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			handle_new(self, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		/* no descriptor for it (EMFILE, ENFILE), no memory, or worse: stop
		 * accepting for a moment rather than spin on a readable socket */
		self->accept_errors++;
		CR_LOG_LIMITED(self->log, G_LOG_LEVEL_WARNING, "accept",
			       "REST API: cannot accept connections: %s; pausing %u ms",
			       g_strerror(errno), ACCEPT_BACKOFF_MS);
		g_clear_pointer(&self->accept_source, g_source_unref);
		self->backoff = g_timeout_source_new(ACCEPT_BACKOFF_MS);
		g_source_set_callback(self->backoff, backoff_done, self, NULL);
		g_source_set_static_name(self->backoff, "cr-rest-accept-backoff");
		g_source_attach(self->backoff, NULL);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

gboolean
cr_rest_conns_listen(CrRestConns *self, GSocketAddress *address, GError **error)
{
	g_autoptr(GSocket) socket = g_socket_new(g_socket_address_get_family(address),
						 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
	if (socket == NULL)
		return FALSE;
	g_socket_set_blocking(socket, FALSE);
	g_socket_set_listen_backlog(socket, SOMAXCONN);
	if (!g_socket_bind(socket, address, TRUE, error) || !g_socket_listen(socket, error))
		return FALSE;
	self->listener = g_steal_pointer(&socket);
	accept_watch(self);
	return TRUE;
}

gchar *
cr_rest_conns_get_uri(CrRestConns *self)
{
	g_autoptr(GSocketAddress) addr = g_socket_get_local_address(self->listener, NULL);
	g_autofree gchar *ip = NULL;
	GInetAddress *inet;
	if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS(addr))
		return g_strdup("?");
	inet = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr));
	ip = g_inet_address_to_string(inet);
	return g_strdup_printf(
		"%s://%s%s%s:%u/", self->cert != NULL ? "https" : "http",
		g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6 ? "[" : "", ip,
		g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6 ? "]" : "",
		g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr)));
}

void
cr_rest_listen_stop(CrRestConns *self)
{
	if (self->accept_source != NULL) {
		g_source_destroy(self->accept_source);
		g_clear_pointer(&self->accept_source, g_source_unref);
	}
	if (self->backoff != NULL) {
		g_source_destroy(self->backoff);
		g_clear_pointer(&self->backoff, g_source_unref);
	}
	if (self->listener != NULL) {
		g_socket_close(self->listener, NULL);
		g_clear_object(&self->listener);
	}
}
