// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The REST API's listening socket and the life of every connection on it:
 * accepted here (not by libsoup), counted per source address and in total,
 * handed to the SoupServer, and closed here when a timeout expires, when the
 * peer has gone while libsoup waits for the next request, or when a request
 * is refused from its headers (the answer is written here and the body is
 * never read).
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
	guint header_timeout_ms; /* first byte of a request -> its headers complete */
	guint idle_timeout_ms;   /* no request in progress, or a body that stalls */
	guint max_connections;   /* open connections in total */
	guint max_per_address;   /* open connections of one source address */
	gsize max_body;          /* request body bytes, chunked ones counted as they come */
} CrRestLimits;

typedef struct _CrRestConns CrRestConns;
typedef struct _CrRestConn CrRestConn;

/* @cert: NULL for plain HTTP */
CrRestConns *cr_rest_conns_new(SoupServer *server, const CrRestLimits *limits,
			       GTlsCertificate *cert);
/* Binds and listens (backlog SOMAXCONN) and starts accepting. */
gboolean cr_rest_conns_listen(CrRestConns *self, GSocketAddress *address, GError **error);
/* "http://127.0.0.1:PORT/" of the bound socket */
gchar *cr_rest_conns_get_uri(CrRestConns *self);
/* Prometheus lines: open connections, refused ones, closed ones by reason. */
void cr_rest_conns_metrics(CrRestConns *self, GString *out);
/*
 * Takes the connection of @msg (a request being handled) out of libsoup for
 * an answer written by the caller on the socket itself (the event stream):
 * libsoup forgets it and writes nothing more. It stays counted against the
 * connection limits until cr_rest_conn_release(). @closed is called (with
 * @closed_data) if the connection is closed here first (shutdown). NULL when
 * the connection is not one of ours or is gone.
 */
CrRestConn *cr_rest_conns_take(CrRestConns *self, gpointer soup_server_message,
			       GDestroyNotify closed, gpointer closed_data);
/* the taken connection's stream (borrowed) when it is TLS; NULL for a plain
 * one, which is written and read on its descriptor */
GIOStream *cr_rest_conn_get_stream(CrRestConn *conn);
/* its socket's file descriptor (for a reactor watch) */
gint cr_rest_conn_get_fd(CrRestConn *conn);
/* its source address, as text */
const gchar *cr_rest_conn_get_ip(CrRestConn *conn);
/* Closes and frees a taken connection; @reset: with a TCP reset (what the
 * kernel still holds for the peer goes at once). */
void cr_rest_conn_release(CrRestConn *conn, gboolean reset);
/* Closes the listener and every connection. NULL is fine. */
void cr_rest_conns_free(CrRestConns *self);

G_END_DECLS
