// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS with mutual certificates on RSPRO links between cardroute peers.
 *
 * An RsproTls holds what one plugin instance presents and trusts: its own
 * certificate and key (PEM), the CA bundle peers are verified against (PEM),
 * and the lowest protocol version accepted (TLS 1.3, or 1.2 by a key). The
 * handshake runs with GIO's async calls on the main context, bounded by a
 * timer on the core's reactor; the steady-state I/O of the handshaken
 * GTlsConnection then goes through the reactor like a plain socket
 * (cr-reactor.h).
 *
 * Versions: GIO 2.74 has no API to choose protocol versions; glib-networking's
 * GnuTLS backend reads its priority string once, from G_TLS_GNUTLS_PRIORITY,
 * for the whole process. So the version is enforced after the handshake:
 * g_tls_connection_get_protocol_version() below the configured minimum ends
 * the link before any RSPRO byte is read or written. SSL 3.0, TLS 1.0 and 1.1
 * are not offered by bookworm's GnuTLS defaults either.
 *
 * Identity: a certificate names its RSPRO identity in subjectAltName URIs,
 * "rspro:client:ID", "rspro:bank:ID", "rspro:server". They are read from the
 * peer's verified certificate with GnuTLS's X.509 parser (the same library
 * that did the verification) and kept on the connection (rspro_tls_peer()).
 */
#pragma once

#include <gio/gio.h>

#include <cardroute/cr-config.h>
#include <cardroute/cr-reactor.h>

G_BEGIN_DECLS

/* a handshake that has not finished in this time is abandoned */
#define RSPRO_TLS_HANDSHAKE_TIMEOUT_MS 10000
/* at most this many handshakes at once per listener; more are closed at once */
#define RSPRO_TLS_MAX_PENDING 64

typedef struct _RsproTls RsproTls;

/* Loads @cert_file + @key_file (our certificate) and @ca_file (the peers' CA
 * bundle). @min_version: G_TLS_PROTOCOL_VERSION_TLS_1_3 or _TLS_1_2. */
RsproTls *rspro_tls_new(const gchar *ca_file, const gchar *cert_file, const gchar *key_file,
                        GTlsProtocolVersion min_version, GError **error);
/*
 * Reads `tls-ca`, `tls-cert`, `tls-key` (paths relative to the INI file) and
 * `tls-min-version` (1.3 | 1.2) from @section and loads them. With @wanted
 * FALSE the keys are only marked read and NULL is returned without an error;
 * with @wanted TRUE, missing keys or unreadable files are config errors
 * naming the key.
 */
RsproTls *rspro_tls_new_from_config(CrConfigSection *section, gboolean wanted, GError **error);
RsproTls *rspro_tls_ref(RsproTls *self);
void rspro_tls_unref(RsproTls *self);
/* reads the three files again; on failure the old ones stay. Done on every
 * SIGHUP by itself (new handshakes use the new files, links stay up). */
gboolean rspro_tls_reload(RsproTls *self, GError **error);
/* our certificate's notAfter (unix seconds), 0 if unknown */
gint64 rspro_tls_get_not_after(RsproTls *self);
/* "our certificate expires ..." warning when fewer than 14 days are left */
void rspro_tls_check_expiry(RsproTls *self, const gchar *name);

/* ---- the identity a peer certificate names ---- */

typedef struct {
	gchar *subject;       /* the certificate's subject DN */
	gboolean server;      /* rspro:server */
	GArray *client_ids;   /* guint, every rspro:client:ID */
	GArray *bank_ids;     /* guint, every rspro:bank:ID */
} RsproTlsPeer;

/* the peer of a handshaken TLS stream, or NULL for a plain one (borrowed) */
const RsproTlsPeer *rspro_tls_peer(GIOStream *stream);
gboolean rspro_tls_peer_has_client(const RsproTlsPeer *peer, guint id);
gboolean rspro_tls_peer_has_bank(const RsproTlsPeer *peer, guint id);
/* "rspro:client:8, rspro:bank:1" (for log lines) */
gchar *rspro_tls_peer_describe(const RsproTlsPeer *peer);

/*
 * Parses the subjectAltName URIs of a DER certificate into @peer (zeroed by
 * the caller; clear with rspro_tls_peer_clear()). URIs that are not rspro:
 * ones are ignored; "rspro:client:x" and other malformed ones are too.
 */
gboolean rspro_tls_peer_parse_der(const guint8 *der, gsize len, RsproTlsPeer *peer,
                                  GError **error);
/* one URI; FALSE when it is not an rspro identity (fuzzed) */
gboolean rspro_tls_peer_add_uri(RsproTlsPeer *peer, const gchar *uri, gsize len);
void rspro_tls_peer_clear(RsproTlsPeer *peer);

/* ---- handshakes ---- */

/*
 * Client side: wraps @connection in a GTlsClientConnection presenting our
 * certificate and verifying the server's against the CA, handshakes within
 * @timeout_ms (0 = RSPRO_TLS_HANDSHAKE_TIMEOUT_MS) and checks the version.
 * @callback runs once on the main context; _finish() gives the stream.
 */
void rspro_tls_client_handshake_async(RsproTls *self, GSocketConnection *connection,
                                      guint timeout_ms, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GIOStream *rspro_tls_handshake_finish(GAsyncResult *result, GError **error);

/* a handshaken TLS connection from a listener */
typedef void (*RsproTlsAcceptFunc)(GIOStream *stream, gpointer user_data);

typedef struct _RsproTlsListener RsproTlsListener;

/*
 * A TLS listener: rspro_listen() whose accepted connections handshake as
 * servers (client certificate required, verified against the CA) within
 * RSPRO_TLS_HANDSHAKE_TIMEOUT_MS; at most RSPRO_TLS_MAX_PENDING at once.
 * Only handshaken, version-checked connections reach @func. A failed
 * handshake is logged (rate-limited) and counted.
 */
RsproTlsListener *rspro_tls_listen(RsproTls *tls, const gchar *host, guint16 port, gint backlog,
                                   const gchar *name, RsproTlsAcceptFunc func,
                                   gpointer user_data, guint16 *bound_port, GError **error);
/* handshakes that failed (bad certificate, garbage, timeout, version) */
guint64 rspro_tls_listener_get_failures(const RsproTlsListener *self);
void rspro_tls_listener_set_handshake_timeout(RsproTlsListener *self, guint ms);
/* cancels pending handshakes and closes the socket */
void rspro_tls_listener_free(RsproTlsListener *self);

/* the GSocketConnection under @stream (a TLS one included), borrowed */
GSocketConnection *rspro_stream_get_socket_connection(GIOStream *stream);
/* closes the socket under @stream at once: no TLS close_notify, which could
 * wait on a peer that does not read */
void rspro_stream_close_now(GIOStream *stream);
/* "IP:PORT" of the peer of @stream */
gchar *rspro_stream_peer_string(GIOStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RsproTls, rspro_tls_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RsproTlsListener, rspro_tls_listener_free)

G_END_DECLS
