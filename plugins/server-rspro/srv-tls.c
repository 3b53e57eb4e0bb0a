// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server's TLS side: `listen-tls` with `tls-ca`, `tls-cert`, `tls-key`
 * (plugins/rspro/rspro-tls.h), identities bound to certificates (a TLS peer
 * may only claim the client or bank id its certificate names), the bank's
 * announced TLS address, and the TLS series in /metrics.
 */
#include <string.h>

#include "srv-private.h"

static const gchar *
iname(SrvServer *srv)
{
	return cr_instance_get_name(CR_INSTANCE(srv));
}

gboolean
srv_tls_read_config(SrvServer *srv, CrConfigSection *section, GError **error)
{
	return rspro_tls_side_read_config(&srv->tls_side, section, "listen-tls", FALSE, error);
}

static void
on_tls_incoming(GIOStream *stream, gpointer user_data)
{
	/* the same connection budget as the plain listener */
	if (!srv_admit_accept(user_data)) {
		g_io_stream_close(stream, NULL, NULL);
		return;
	}
	srv_conn_accept(user_data, stream);
}

static void
render(GString *out, gpointer user_data)
{
	SrvServer *srv = user_data;
	const gchar *inst = iname(srv);

	cr_metrics_header(out, "cardroute_remsim_tls_handshake_failures_total", "counter",
	                  "TLS connections refused before RSPRO: certificate, version, garbage, "
	                  "timeout.");
	cr_metrics_sample(out, "cardroute_remsim_tls_handshake_failures_total",
	                  rspro_tls_side_get_handshake_failures(&srv->tls_side), "instance", inst,
	                  NULL);
	cr_metrics_header(out, "cardroute_remsim_tls_identity_refusals_total", "counter",
	                  "TLS peers that claimed an identity their certificate does not name.");
	cr_metrics_sample(out, "cardroute_remsim_tls_identity_refusals_total",
	                  srv->tls_identity_refusals, "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_remsim_tls_certificate_not_after_seconds", "gauge",
	                  "Expiry of our own TLS certificate (unix time).");
	cr_metrics_sample(out, "cardroute_remsim_tls_certificate_not_after_seconds",
	                  (guint64)MAX(rspro_tls_get_not_after(srv->tls_side.tls), 0), "instance",
	                  inst, NULL);
}

gboolean
srv_tls_start(SrvServer *srv, GError **error)
{
	/* no listen-tls, no credentials: nothing to start */
	if (!rspro_tls_side_start(&srv->tls_side, CR_INSTANCE(srv), 0, on_tls_incoming, render, srv,
	                          error))
		return FALSE;
	if (srv->tls_side.listener != NULL)
		g_message("%s: RSPRO over TLS listening on %s:%u", iname(srv), srv->tls_side.host,
		          srv->tls_side.bound_port);
	return TRUE;
}

void
srv_tls_stop(SrvServer *srv)
{
	rspro_tls_side_stop(&srv->tls_side);
}

void
srv_tls_free(SrvServer *srv)
{
	rspro_tls_side_clear(&srv->tls_side);
}

gboolean
srv_tls_check_identity(SrvConn *conn, gboolean bank, guint id)
{
	const RsproTlsPeer *peer = rspro_tls_peer(rspro_link_get_stream(conn->link));
	g_autofree gchar *named = NULL;

	if (!conn->tls)
		return TRUE;
	if (bank ? rspro_tls_peer_has_bank(peer, id) : rspro_tls_peer_has_client(peer, id))
		return TRUE;
	conn->srv->tls_identity_refusals++;
	named = peer != NULL ? rspro_tls_peer_describe(peer) : g_strdup("nothing");
	g_message("%s: refusing %s:%u: certificate \"%s\" names %s, but it claims rspro:%s:%u",
	          iname(conn->srv), conn->remote_ip, conn->remote_port,
	          peer != NULL && peer->subject != NULL ? peer->subject : "?", named,
	          bank ? "bank" : "client", id);
	srv_conn_close(conn, "identity not named by its certificate");
	return FALSE;
}

void
srv_tls_read_announcement(SrvConn *conn, const RsproIdentity *id)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(id->hw_manufacturer, "cardroute") != 0 || id->hw_serial_nr == NULL ||
	    id->hw_serial_nr[0] == '\0')
		return;
	if (!srv_ip_port_parse(id->hw_serial_nr, &conn->announced_tls_addr,
	                       &conn->announced_tls_any, &error)) {
		g_message("%s: bank %s announces an unusable TLS address: %s", iname(conn->srv),
		          conn->name, error->message);
		return;
	}
	conn->announced_tls = TRUE;
}
