// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bank's TLS side: `listen-tls` for TLS clients beside the plain
 * `listen`, `server-tls` for its server link, `tls-ca`, `tls-cert`,
 * `tls-key` (plugins/rspro/rspro-tls.h); a TLS client is accepted only for
 * the client id its certificate names; the TLS series in /metrics.
 */
#include <string.h>
#include <sys/socket.h>

#include "bank-private.h"

static const gchar *
iname(BankInstance *self)
{
	return cr_instance_get_name(CR_INSTANCE(self));
}

gboolean
bank_tls_read_config(BankInstance *self, CrConfigSection *section, GError **error)
{
	g_autofree gchar *text = cr_config_section_get_string(section, "listen-tls", NULL);
	gboolean listen = text != NULL && g_strstrip(text)[0] != '\0';
	g_autoptr(GInetAddress) ip = NULL;
	g_autoptr(GError) local = NULL;

	if (!cr_config_section_get_bool(section, "server-tls", FALSE, &self->server_tls, error))
		return FALSE;
	self->tls = rspro_tls_new_from_config(section, listen || self->server_tls, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (!listen)
		return TRUE;
	/* port 0: any free port (tests) */
	if (!cr_config_section_get_listen_address(section, "listen-tls", "127.0.0.1", 0, FALSE,
	                                          &self->tls_host, &self->tls_port, error))
		return FALSE;
	ip = g_inet_address_new_from_string(self->tls_host);
	if (ip == NULL) {
		cr_config_section_set_error(section, error, "listen-tls",
		                            "'%s' is not an IP address (0.0.0.0 for all)",
		                            self->tls_host);
		return FALSE;
	}
	self->tls_where = cr_config_section_locate(section, "listen-tls");
	return TRUE;
}

static void
on_tls_incoming(GIOStream *stream, gpointer user_data)
{
	bank_instance_accept_tls(user_data, stream);
}

static void
render(GString *out, gpointer user_data)
{
	BankInstance *self = user_data;
	const gchar *inst = iname(self);

	cr_metrics_header(out, "cardroute_bank_tls_handshake_failures_total", "counter",
	                  "TLS connections refused before RSPRO: certificate, version, garbage, "
	                  "timeout.");
	cr_metrics_sample(out, "cardroute_bank_tls_handshake_failures_total",
	                  self->tls_service != NULL
	                          ? rspro_tls_listener_get_failures(self->tls_service)
	                          : 0,
	                  "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_bank_tls_identity_refusals_total", "counter",
	                  "Peers refused for what their certificate names (clients claiming "
	                  "another id, a server link without rspro:server).");
	cr_metrics_sample(out, "cardroute_bank_tls_identity_refusals_total",
	                  self->tls_identity_refusals +
	                          (self->server != NULL ? rspro_conn_get_tls_refusals(self->server)
	                                                : 0),
	                  "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_bank_tls_certificate_not_after_seconds", "gauge",
	                  "Expiry of our own TLS certificate (unix time).");
	cr_metrics_sample(out, "cardroute_bank_tls_certificate_not_after_seconds",
	                  (guint64)MAX(rspro_tls_get_not_after(self->tls), 0), "instance", inst,
	                  NULL);
}

gboolean
bank_tls_start(BankInstance *self, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (self->tls == NULL)
		return TRUE;
	rspro_tls_check_expiry(self->tls, iname(self));
	self->tls_metrics_id = cr_router_add_metrics_source(
	        cr_instance_get_router(CR_INSTANCE(self)), render, self, NULL);
	if (self->tls_host == NULL)
		return TRUE;
	self->tls_service = rspro_tls_listen(
	        self->tls, self->tls_host, self->tls_port,
	        (gint)CLAMP(self->max_clients, SOMAXCONN, 4096), iname(self), on_tls_incoming,
	        self, &self->tls_bound_port, &local);
	if (self->tls_service == NULL) {
		g_autofree gchar *why = cr_net_describe_bind_error(local, self->tls_port);

		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: %s", self->tls_where, why);
		bank_tls_stop(self);
		return FALSE;
	}
	g_message("%s: bank %u: TLS clients on %s:%u", iname(self), self->bank_id, self->tls_host,
	          self->tls_bound_port);
	return TRUE;
}

void
bank_tls_stop(BankInstance *self)
{
	if (self->tls_metrics_id != 0)
		cr_router_remove_metrics_source(cr_instance_get_router(CR_INSTANCE(self)),
		                                self->tls_metrics_id);
	self->tls_metrics_id = 0;
	g_clear_pointer(&self->tls_service, rspro_tls_listener_free);
}

void
bank_tls_free(BankInstance *self)
{
	bank_tls_stop(self);
	g_clear_pointer(&self->tls, rspro_tls_unref);
	g_clear_pointer(&self->tls_host, g_free);
	g_clear_pointer(&self->tls_where, g_free);
}

gboolean
bank_tls_check_client(BankInstance *self, RsproLink *link, const gchar *peer_addr,
                      guint client_id)
{
	GIOStream *stream = rspro_link_get_stream(link);
	const RsproTlsPeer *peer = rspro_tls_peer(stream);
	g_autofree gchar *named = NULL;

	if (stream == NULL || !G_IS_TLS_CONNECTION(stream))
		return TRUE;
	if (rspro_tls_peer_has_client(peer, client_id))
		return TRUE;
	self->tls_identity_refusals++;
	named = peer != NULL ? rspro_tls_peer_describe(peer) : g_strdup("nothing");
	g_message("%s: refusing %s: certificate \"%s\" names %s, but it claims rspro:client:%u",
	          iname(self), peer_addr, peer != NULL && peer->subject != NULL ? peer->subject : "?",
	          named, client_id);
	return FALSE;
}
