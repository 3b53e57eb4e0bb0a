// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS on RSPRO links: certificates, handshakes bounded by a reactor timer,
 * the TLS listener. See rspro-tls.h.
 */
#include "rspro-tls.h"

#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include <cardroute/cr-log-limit.h>

#include "rspro-error.h"
#include "rspro-link.h"

#define PEER_KEY "rspro-tls-peer"
#define EXPIRY_WARN_DAYS 14

struct _RsproTls {
	gint ref_count;
	gchar *ca_file;
	gchar *cert_file;
	gchar *key_file;
	GTlsProtocolVersion min_version;
	GTlsCertificate *certificate;
	GTlsDatabase *database;
	guint sighup_id;
	guint daily_id; /* the expiry check, once a day */
};

static gboolean
load(RsproTls *self, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autoptr(GTlsDatabase) db = NULL;

	cert = g_tls_certificate_new_from_files(self->cert_file, self->key_file, &local);
	if (cert == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s / %s: %s", self->cert_file,
		            self->key_file, local->message);
		return FALSE;
	}
	db = g_tls_file_database_new(self->ca_file, &local);
	if (db == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s: %s", self->ca_file,
		            local->message);
		return FALSE;
	}
	g_set_object(&self->certificate, cert);
	g_set_object(&self->database, db);
	return TRUE;
}

/* SIGHUP (besides the core's configuration reload, which keeps unchanged
 * sections and so this object): the files again, for new handshakes only;
 * established links keep their session. */
static gboolean
on_sighup(gpointer data)
{
	RsproTls *self = data;
	g_autoptr(GError) error = NULL;

	if (rspro_tls_reload(self, &error)) {
		g_autoptr(GDateTime) until =
		        g_tls_certificate_get_not_valid_after(self->certificate);
		g_autofree gchar *text = until != NULL ? g_date_time_format_iso8601(until) : NULL;

		g_message("SIGHUP: re-read %s (valid until %s), %s and %s", self->cert_file,
		          text != NULL ? text : "?", self->key_file, self->ca_file);
		rspro_tls_check_expiry(self, "SIGHUP");
	} else {
		g_warning("SIGHUP: TLS files not re-read, the loaded ones stay: %s",
		          error->message);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
on_daily(gpointer data)
{
	RsproTls *self = data;

	rspro_tls_check_expiry(self, "TLS");
	return G_SOURCE_CONTINUE;
}

RsproTls *
rspro_tls_new(const gchar *ca_file, const gchar *cert_file, const gchar *key_file,
              GTlsProtocolVersion min_version, GError **error)
{
	RsproTls *self = g_new0(RsproTls, 1);

	self->ref_count = 1;
	self->ca_file = g_strdup(ca_file);
	self->cert_file = g_strdup(cert_file);
	self->key_file = g_strdup(key_file);
	self->min_version = min_version;
	if (g_tls_backend_get_default() == NULL ||
	    !g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
		            "no TLS backend in GIO (is glib-networking installed?)");
		rspro_tls_unref(self);
		return NULL;
	}
	if (!load(self, error)) {
		rspro_tls_unref(self);
		return NULL;
	}
	self->sighup_id = g_unix_signal_add(SIGHUP, on_sighup, self);
	self->daily_id = g_timeout_add_seconds(24 * 3600, on_daily, self);
	return self;
}

static gchar *
resolve_path(CrConfigSection *section, const gchar *path)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *abs_dir = NULL;

	if (g_path_is_absolute(path))
		return g_strdup(path);
	dir = g_path_get_dirname(cr_config_section_get_file(section));
	/* GTlsFileDatabase wants an absolute path */
	abs_dir = g_canonicalize_filename(dir, NULL);
	return g_canonicalize_filename(path, abs_dir);
}

RsproTls *
rspro_tls_new_from_config(CrConfigSection *section, gboolean wanted, GError **error)
{
	static const gchar *const versions[] = {"1.3", "1.2", NULL};
	static const gchar *const keys[] = {"tls-ca", "tls-cert", "tls-key"};
	gchar *values[3] = {NULL, NULL, NULL};
	gchar *paths[3] = {NULL, NULL, NULL};
	g_autoptr(GError) local = NULL;
	RsproTls *tls;
	guint version = 0;

	values[0] = cr_config_section_get_string(section, "tls-ca", NULL);
	values[1] = cr_config_section_get_string(section, "tls-cert", NULL);
	values[2] = cr_config_section_get_string(section, "tls-key", NULL);
	if (!cr_config_section_get_choice(section, "tls-min-version", versions, 0, &version, error))
		goto fail;
	if (!wanted)
		goto fail;
	for (guint i = 0; i < 3; i++) {
		if (values[i] == NULL || values[i][0] == '\0') {
			cr_config_section_set_error(section, error, keys[i],
			                            "needed with TLS on (a PEM file)");
			goto fail;
		}
		paths[i] = resolve_path(section, values[i]);
		if (!g_file_test(paths[i], G_FILE_TEST_IS_REGULAR)) {
			cr_config_section_set_error(section, error, keys[i], "%s: no such file",
			                            paths[i]);
			goto fail;
		}
	}
	tls = rspro_tls_new(paths[0], paths[1], paths[2],
	                    version == 0 ? G_TLS_PROTOCOL_VERSION_TLS_1_3
	                                 : G_TLS_PROTOCOL_VERSION_TLS_1_2,
	                    &local);
	if (tls == NULL) {
		cr_config_section_set_error(section, error,
		                            strstr(local->message, paths[0]) == local->message
		                                    ? "tls-ca"
		                                    : "tls-cert",
		                            "%s", local->message);
		goto fail;
	}
	for (guint i = 0; i < 3; i++)
		g_free(values[i]), g_free(paths[i]);
	return tls;
fail:
	for (guint i = 0; i < 3; i++)
		g_free(values[i]), g_free(paths[i]);
	return NULL;
}

RsproTls *
rspro_tls_ref(RsproTls *self)
{
	self->ref_count++;
	return self;
}

void
rspro_tls_unref(RsproTls *self)
{
	if (self == NULL || --self->ref_count > 0)
		return;
	g_clear_handle_id(&self->sighup_id, g_source_remove);
	g_clear_handle_id(&self->daily_id, g_source_remove);
	g_clear_object(&self->certificate);
	g_clear_object(&self->database);
	g_free(self->ca_file);
	g_free(self->cert_file);
	g_free(self->key_file);
	g_free(self);
}

gboolean
rspro_tls_reload(RsproTls *self, GError **error)
{
	return load(self, error);
}

gint64
rspro_tls_get_not_after(RsproTls *self)
{
	g_autoptr(GDateTime) when = g_tls_certificate_get_not_valid_after(self->certificate);

	return when != NULL ? g_date_time_to_unix(when) : 0;
}

void
rspro_tls_check_expiry(RsproTls *self, const gchar *name)
{
	gint64 not_after = rspro_tls_get_not_after(self);
	gint64 left = not_after - g_get_real_time() / G_USEC_PER_SEC;

	if (not_after == 0)
		return;
	if (left <= 0)
		g_warning("%s: our certificate %s has expired", name, self->cert_file);
	else if (left < EXPIRY_WARN_DAYS * 24 * 3600)
		g_warning("%s: our certificate %s expires in %" G_GINT64_FORMAT " hours", name,
		          self->cert_file, left / 3600);
}

/* ---- peers ---- */

static void
peer_free(gpointer data)
{
	rspro_tls_peer_clear(data);
	g_free(data);
}

const RsproTlsPeer *
rspro_tls_peer(GIOStream *stream)
{
	if (stream == NULL || !G_IS_TLS_CONNECTION(stream))
		return NULL;
	return g_object_get_data(G_OBJECT(stream), PEER_KEY);
}

GSocketConnection *
rspro_stream_get_socket_connection(GIOStream *stream)
{
	while (stream != NULL && !G_IS_SOCKET_CONNECTION(stream)) {
		GIOStream *base = NULL;

		if (g_object_class_find_property(G_OBJECT_GET_CLASS(stream), "base-io-stream") ==
		    NULL)
			return NULL;
		g_object_get(stream, "base-io-stream", &base, NULL);
		/* the filter holds its base: a borrowed pointer is enough */
		if (base != NULL)
			g_object_unref(base);
		stream = base;
	}
	return stream != NULL ? G_SOCKET_CONNECTION(stream) : NULL;
}

void
rspro_stream_close_now(GIOStream *stream)
{
	GSocketConnection *conn = rspro_stream_get_socket_connection(stream);

	if (conn != NULL)
		g_socket_close(g_socket_connection_get_socket(conn), NULL);
}

gchar *
rspro_stream_peer_string(GIOStream *stream)
{
	GSocketConnection *conn = rspro_stream_get_socket_connection(stream);
	g_autoptr(GSocketAddress) addr =
	        conn != NULL ? g_socket_connection_get_remote_address(conn, NULL) : NULL;

	if (addr != NULL && G_IS_INET_SOCKET_ADDRESS(addr)) {
		GInetSocketAddress *ia = G_INET_SOCKET_ADDRESS(addr);
		g_autofree gchar *ip = g_inet_address_to_string(g_inet_socket_address_get_address(ia));

		return rspro_host_port_string(ip, g_inet_socket_address_get_port(ia));
	}
	return g_strdup("?");
}

/* ---- handshakes ---- */

/* glib-networking flags a peer certificate checked against no host-name
 * identity (always so on the server side, and on ours, which passes none) as
 * G_TLS_CERTIFICATE_BAD_IDENTITY, and on the server side it asks even with
 * no flag at all: RSPRO peers are named by rspro: URIs instead, checked after
 * the handshake. Anything else (unknown CA, expired,
 * not yet valid, revoked, insecure algorithm, generic error) still fails. */
static gboolean
accept_certificate_cb(GTlsConnection *conn, GTlsCertificate *peer_cert,
                      GTlsCertificateFlags errors, gpointer user_data)
{
	(void)user_data;
	errors &= ~G_TLS_CERTIFICATE_BAD_IDENTITY;
	g_object_set_data(G_OBJECT(conn), "rspro-tls-flags", GUINT_TO_POINTER((guint)errors));
	if (errors != 0 && peer_cert != NULL)
		g_object_set_data_full(G_OBJECT(conn), "rspro-tls-subject",
		                       g_tls_certificate_get_subject_name(peer_cert), g_free);
	return errors == 0;
}

typedef struct {
	GTlsConnection *tls;
	GTlsProtocolVersion min_version;
	CrTimer timer;
	guint timeout_ms;
	gboolean timed_out;
	GCancellable *cancel;
	GCancellable *outer;
	gulong outer_id;
} Handshake;

static void
handshake_free(gpointer data)
{
	Handshake *hs = data;

	cr_timer_cancel(&hs->timer);
	if (hs->outer != NULL) {
		g_cancellable_disconnect(hs->outer, hs->outer_id);
		g_object_unref(hs->outer);
	}
	g_clear_object(&hs->cancel);
	g_clear_object(&hs->tls);
	g_free(hs);
}

static void
handshake_timeout_cb(CrTimer *timer, gpointer data)
{
	Handshake *hs = data;

	(void)timer;
	hs->timed_out = TRUE;
	g_cancellable_cancel(hs->cancel);
}

static void
outer_cancelled_cb(GCancellable *outer, gpointer data)
{
	(void)outer;
	g_cancellable_cancel(data);
}

static gboolean
check_peer(Handshake *hs, GError **error)
{
	GTlsProtocolVersion version = g_tls_connection_get_protocol_version(hs->tls);
	GTlsCertificate *cert = g_tls_connection_get_peer_certificate(hs->tls);
	g_autoptr(GByteArray) der = NULL;
	RsproTlsPeer *peer;

	if (version == G_TLS_PROTOCOL_VERSION_UNKNOWN || version < hs->min_version ||
	    version > G_TLS_PROTOCOL_VERSION_TLS_1_3) {
		static const gchar *const names[] = {
		        [G_TLS_PROTOCOL_VERSION_SSL_3_0] = "SSL 3.0",
		        [G_TLS_PROTOCOL_VERSION_TLS_1_0] = "TLS 1.0",
		        [G_TLS_PROTOCOL_VERSION_TLS_1_1] = "TLS 1.1",
		        [G_TLS_PROTOCOL_VERSION_TLS_1_2] = "TLS 1.2",
		};
		const gchar *name = (guint)version < G_N_ELEMENTS(names) && names[version] != NULL
		                            ? names[version]
		                            : "an unknown one";

		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_REFUSED,
		            "TLS protocol version %s below the minimum (TLS 1.%d)", name,
		            hs->min_version == G_TLS_PROTOCOL_VERSION_TLS_1_3 ? 3 : 2);
		return FALSE;
	}
	if (cert == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_REFUSED, "the peer sent no certificate");
		return FALSE;
	}
	g_object_get(cert, "certificate", &der, NULL);
	peer = g_new0(RsproTlsPeer, 1);
	if (der == NULL || !rspro_tls_peer_parse_der(der->data, der->len, peer, error)) {
		peer_free(peer);
		if (der == NULL)
			g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_REFUSED, "no peer certificate");
		return FALSE;
	}
	if (peer->subject == NULL)
		peer->subject = g_strdup("?");
	g_object_set_data_full(G_OBJECT(hs->tls), PEER_KEY, peer, peer_free);
	return TRUE;
}

/* why a peer certificate was refused, "" when it was not */
static gchar *
describe_flags(GTlsConnection *tls)
{
	static const struct {
		GTlsCertificateFlags flag;
		const gchar *text;
	} names[] = {
		{G_TLS_CERTIFICATE_UNKNOWN_CA, "not signed by our CA"},
		{G_TLS_CERTIFICATE_NOT_ACTIVATED, "not valid yet"},
		{G_TLS_CERTIFICATE_EXPIRED, "expired"},
		{G_TLS_CERTIFICATE_REVOKED, "revoked"},
		{G_TLS_CERTIFICATE_INSECURE, "insecure algorithm"},
		{G_TLS_CERTIFICATE_GENERIC_ERROR, "invalid"},
	};
	guint flags = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(tls), "rspro-tls-flags"));
	const gchar *subject = g_object_get_data(G_OBJECT(tls), "rspro-tls-subject");
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (flags & names[i].flag) {
			if (out->len == 0)
				g_string_append_printf(out, " (certificate \"%s\" ",
				                       subject != NULL ? subject : "?");
			else
				g_string_append(out, ", ");
			g_string_append(out, names[i].text);
		}
	if (out->len > 0)
		g_string_append_c(out, ')');
	return g_string_free(out, FALSE);
}

static void
handshake_done_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GTask) task = data;
	Handshake *hs = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;

	(void)source;
	cr_timer_cancel(&hs->timer);
	if (!g_tls_connection_handshake_finish(hs->tls, res, &error)) {
		if (hs->timed_out)
			g_task_return_new_error(task, RSPRO_ERROR, RSPRO_ERROR_TIMEOUT,
			                        "TLS handshake not done within %u ms",
			                        hs->timeout_ms);
		else {
			g_autofree gchar *why = describe_flags(hs->tls);

			g_task_return_new_error(task, error->domain, error->code,
			                        "TLS handshake: %s%s", error->message, why);
		}
		return;
	}
	if (!check_peer(hs, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_pointer(task, g_object_ref(hs->tls), g_object_unref);
}

static void
handshake_start(GTlsConnection *tls, GTlsProtocolVersion min_version, guint timeout_ms,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	Handshake *hs = g_new0(Handshake, 1);
	/* with the caller's cancellable: once it is cancelled the result is
	 * G_IO_ERROR_CANCELLED, even for a handshake that finished meanwhile */
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);

	hs->tls = g_object_ref(tls);
	hs->min_version = min_version;
	hs->timeout_ms = timeout_ms > 0 ? timeout_ms : RSPRO_TLS_HANDSHAKE_TIMEOUT_MS;
	hs->cancel = g_cancellable_new();
	g_task_set_task_data(task, hs, handshake_free);
	if (cancellable != NULL) {
		hs->outer = g_object_ref(cancellable);
		hs->outer_id = g_cancellable_connect(cancellable, G_CALLBACK(outer_cancelled_cb),
		                                     hs->cancel, NULL);
	}
	cr_timer_init(&hs->timer, NULL, handshake_timeout_cb, hs);
	cr_timer_arm(&hs->timer, hs->timeout_ms);
	g_tls_connection_set_require_close_notify(tls, FALSE);
	g_signal_connect(tls, "accept-certificate", G_CALLBACK(accept_certificate_cb), NULL);
	g_tls_connection_handshake_async(tls, G_PRIORITY_DEFAULT, hs->cancel, handshake_done_cb,
	                                 task);
}

static void
fail_task(GAsyncReadyCallback callback, gpointer user_data, GError *error)
{
	GTask *task = g_task_new(NULL, NULL, callback, user_data);

	g_task_return_error(task, error);
	g_object_unref(task);
}

void
rspro_tls_client_handshake_async(RsproTls *self, GSocketConnection *connection, guint timeout_ms,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
	GError *error = NULL;
	g_autoptr(GIOStream) tls = g_tls_client_connection_new(G_IO_STREAM(connection), NULL,
	                                                       &error);

	if (tls == NULL) {
		fail_task(callback, user_data, error);
		return;
	}
	/* no server identity: peers are named by their rspro: URIs, checked by
	 * the caller; the chain, validity dates and key usage are verified */
	g_tls_connection_set_certificate(G_TLS_CONNECTION(tls), self->certificate);
	g_tls_connection_set_database(G_TLS_CONNECTION(tls), self->database);
	handshake_start(G_TLS_CONNECTION(tls), self->min_version, timeout_ms, cancellable, callback,
	                user_data);
}

GIOStream *
rspro_tls_handshake_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- listener ---- */

struct _RsproTlsListener {
	gint ref_count;
	gboolean closed;
	CrListener *listener;
	RsproTls *tls;
	gchar *name;
	RsproTlsAcceptFunc func;
	gpointer user_data;
	GHashTable *pending; /* GCancellable* */
	guint64 failures;
	guint timeout_ms;
	CrLogLimiter *log_limit;
};

typedef struct {
	RsproTlsListener *listener;
	GCancellable *cancel;
	gchar *peer;
} Accept;

static void
listener_unref(RsproTlsListener *self)
{
	if (--self->ref_count > 0)
		return;
	g_hash_table_unref(self->pending);
	rspro_tls_unref(self->tls);
	cr_log_limiter_free(self->log_limit);
	g_free(self->name);
	g_free(self);
}

static void
accept_done_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	Accept *acc = data;
	RsproTlsListener *self = acc->listener;
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOStream) stream = rspro_tls_handshake_finish(res, &error);

	(void)source;
	g_hash_table_remove(self->pending, acc->cancel);
	if (!self->closed) {
		if (stream != NULL) {
			self->func(stream, self->user_data);
		} else {
			g_autofree gchar *host = g_strdup(acc->peer);
			gchar *colon = strrchr(host, ':');
			g_autofree gchar *key = NULL;

			/* per peer host and reason: a flood of one kind is summed up,
			 * a different refusal from the same host still gets its line
			 * (the limiter's table is bounded, whatever the reasons) */
			if (colon != NULL)
				*colon = '\0';
			key = g_strdup_printf("%s %s", host, error->message);
			self->failures++;
			CR_LOG_LIMITED(self->log_limit, G_LOG_LEVEL_MESSAGE, key,
			               "%s: TLS connection from %s refused: %s", self->name,
			               acc->peer, error->message);
		}
	}
	g_object_unref(acc->cancel);
	g_free(acc->peer);
	g_free(acc);
	listener_unref(self);
}

static void
on_incoming(CrListener *listener, GSocketConnection *connection, gpointer user_data)
{
	RsproTlsListener *self = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOStream) tls = NULL;
	Accept *acc;

	(void)listener;
	if (g_hash_table_size(self->pending) >= RSPRO_TLS_MAX_PENDING) {
		self->failures++;
		CR_LOG_LIMITED(self->log_limit, G_LOG_LEVEL_MESSAGE, "pending",
		               "%s: %u TLS handshakes in progress, closing a new connection",
		               self->name, RSPRO_TLS_MAX_PENDING);
		g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
		return;
	}
	tls = g_tls_server_connection_new(G_IO_STREAM(connection), self->tls->certificate, &error);
	if (tls == NULL) {
		g_warning("%s: %s", self->name, error->message);
		g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
		return;
	}
	g_object_set(tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED, NULL);
	g_tls_connection_set_database(G_TLS_CONNECTION(tls), self->tls->database);
	acc = g_new0(Accept, 1);
	acc->listener = self;
	self->ref_count++;
	acc->cancel = g_cancellable_new();
	acc->peer = rspro_stream_peer_string(G_IO_STREAM(connection));
	g_hash_table_add(self->pending, g_object_ref(acc->cancel));
	handshake_start(G_TLS_CONNECTION(tls), self->tls->min_version, self->timeout_ms,
	                acc->cancel, accept_done_cb, acc);
}

RsproTlsListener *
rspro_tls_listen(RsproTls *tls, const gchar *host, guint16 port, gint backlog, const gchar *name,
                 RsproTlsAcceptFunc func, gpointer user_data, guint16 *bound_port,
                 GError **error)
{
	RsproTlsListener *self = g_new0(RsproTlsListener, 1);

	self->ref_count = 1;
	self->tls = rspro_tls_ref(tls);
	self->name = g_strdup(name);
	self->func = func;
	self->user_data = user_data;
	self->pending = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
	self->timeout_ms = RSPRO_TLS_HANDSHAKE_TIMEOUT_MS;
	self->log_limit = cr_log_limiter_new("rspro-tls", 10, 5);
	self->listener = rspro_listen(host, port, backlog, name, on_incoming, self, bound_port,
	                              error);
	if (self->listener == NULL) {
		self->closed = TRUE;
		listener_unref(self);
		return NULL;
	}
	return self;
}

guint64
rspro_tls_listener_get_failures(const RsproTlsListener *self)
{
	return self->failures;
}

void
rspro_tls_listener_set_handshake_timeout(RsproTlsListener *self, guint ms)
{
	self->timeout_ms = ms > 0 ? ms : RSPRO_TLS_HANDSHAKE_TIMEOUT_MS;
}

void
rspro_tls_listener_free(RsproTlsListener *self)
{
	g_autoptr(GList) pending = NULL;

	if (self == NULL)
		return;
	self->closed = TRUE;
	g_clear_pointer(&self->listener, cr_listener_free);
	pending = g_hash_table_get_keys(self->pending);
	for (GList *l = pending; l != NULL; l = l->next)
		g_cancellable_cancel(l->data);
	listener_unref(self);
}
