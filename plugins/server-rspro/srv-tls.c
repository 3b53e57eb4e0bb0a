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
	g_autofree gchar *text = cr_config_section_get_string(section, "listen-tls", NULL);
	gboolean wanted = text != NULL && g_strstrip(text)[0] != '\0';
	g_autoptr(GInetAddress) ip = NULL;

	srv->tls = rspro_tls_new_from_config(section, wanted, error);
	if (!wanted)
		return error == NULL || *error == NULL;
	if (srv->tls == NULL)
		return FALSE;
	/* port 0: any free port (tests) */
	if (!cr_config_section_get_listen_address(section, "listen-tls", "127.0.0.1", 0, FALSE,
	                                          &srv->tls_host, &srv->tls_port, error))
		return FALSE;
	ip = g_inet_address_new_from_string(srv->tls_host);
	if (ip == NULL) {
		cr_config_section_set_error(section, error, "listen-tls",
		                            "'%s' is not an IP address (0.0.0.0 for all)",
		                            srv->tls_host);
		return FALSE;
	}
	srv->tls_where = cr_config_section_locate(section, "listen-tls");
	return TRUE;
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
	                  srv->tls_service != NULL
	                          ? rspro_tls_listener_get_failures(srv->tls_service)
	                          : 0,
	                  "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_remsim_tls_identity_refusals_total", "counter",
	                  "TLS peers that claimed an identity their certificate does not name.");
	cr_metrics_sample(out, "cardroute_remsim_tls_identity_refusals_total",
	                  srv->tls_identity_refusals, "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_remsim_tls_certificate_not_after_seconds", "gauge",
	                  "Expiry of our own TLS certificate (unix time).");
	cr_metrics_sample(out, "cardroute_remsim_tls_certificate_not_after_seconds",
	                  (guint64)MAX(rspro_tls_get_not_after(srv->tls), 0), "instance", inst,
	                  NULL);
}

gboolean
srv_tls_start(SrvServer *srv, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (srv->tls_host == NULL)
		return TRUE;
	srv->tls_service = rspro_tls_listen(srv->tls, srv->tls_host, srv->tls_port, 0, iname(srv),
	                                    on_tls_incoming, srv, &srv->tls_bound_port, &local);
	if (srv->tls_service == NULL) {
		g_autofree gchar *why = cr_net_describe_bind_error(local, srv->tls_port);

		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: %s", srv->tls_where, why);
		return FALSE;
	}
	rspro_tls_check_expiry(srv->tls, iname(srv));
	srv->tls_metrics_id = cr_router_add_metrics_source(cr_instance_get_router(CR_INSTANCE(srv)),
	                                                   render, srv, NULL);
	g_message("%s: RSPRO over TLS listening on %s:%u", iname(srv), srv->tls_host,
	          srv->tls_bound_port);
	return TRUE;
}

void
srv_tls_stop(SrvServer *srv)
{
	if (srv->tls_metrics_id != 0)
		cr_router_remove_metrics_source(cr_instance_get_router(CR_INSTANCE(srv)),
		                                srv->tls_metrics_id);
	srv->tls_metrics_id = 0;
	g_clear_pointer(&srv->tls_service, rspro_tls_listener_free);
}

void
srv_tls_free(SrvServer *srv)
{
	srv_tls_stop(srv);
	g_clear_pointer(&srv->tls, rspro_tls_unref);
	g_clear_pointer(&srv->tls_host, g_free);
	g_clear_pointer(&srv->tls_where, g_free);
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
