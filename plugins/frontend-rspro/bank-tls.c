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
	if (!cr_config_section_get_bool(section, "server-tls", FALSE, &self->server_tls, error))
		return FALSE;
	return rspro_tls_side_read_config(&self->tls_side, section, "listen-tls", self->server_tls,
	                                  error);
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
	                  rspro_tls_side_get_handshake_failures(&self->tls_side), "instance", inst,
	                  NULL);
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
	                  (guint64)MAX(rspro_tls_get_not_after(self->tls_side.tls), 0), "instance",
	                  inst, NULL);
}

gboolean
bank_tls_start(BankInstance *self, GError **error)
{
	if (!rspro_tls_side_start(&self->tls_side, CR_INSTANCE(self),
	                          (gint)CLAMP(self->max_clients, SOMAXCONN, 4096), on_tls_incoming,
	                          render, self, error))
		return FALSE;
	if (self->tls_side.listener != NULL)
		g_message("%s: bank %u: TLS clients on %s:%u", iname(self), self->bank_id,
		          self->tls_side.host, self->tls_side.bound_port);
	return TRUE;
}

void
bank_tls_stop(BankInstance *self)
{
	rspro_tls_side_stop(&self->tls_side);
}

void
bank_tls_free(BankInstance *self)
{
	rspro_tls_side_clear(&self->tls_side);
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
