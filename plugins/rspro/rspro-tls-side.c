// SPDX-License-Identifier: GPL-2.0-or-later
/* The TLS side of an RSPRO plugin instance: see rspro-tls-side.h. */
#include "rspro-tls-side.h"

#include "rspro-listen-host.h"

gboolean
rspro_tls_side_read_config(RsproTlsSide *self, CrConfigSection *section, const gchar *listen_key,
                           gboolean credentials_wanted, GError **error)
{
	g_autofree gchar *text = cr_config_section_get_string(section, listen_key, NULL);
	gboolean listen = text != NULL && g_strstrip(text)[0] != '\0';
	g_autoptr(GError) local = NULL;

	self->tls = rspro_tls_new_from_config(section, listen || credentials_wanted, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (!listen)
		return TRUE;
	/* port 0: any free port (tests) */
	if (!cr_config_section_get_listen_address(section, listen_key, "127.0.0.1", 0, FALSE,
	                                          &self->host, &self->port, error))
		return FALSE;
	if (!rspro_listen_host_check(section, listen_key, &self->host, FALSE, error))
		return FALSE;
	self->where = cr_config_section_locate(section, listen_key);
	return TRUE;
}

gboolean
rspro_tls_side_start(RsproTlsSide *self, CrInstance *instance, gint backlog,
                     RsproTlsAcceptFunc func, CrMetricsFunc render, gpointer user_data,
                     GError **error)
{
	const gchar *name = cr_instance_get_name(instance);
	g_autoptr(GError) local = NULL;

	if (self->tls == NULL)
		return TRUE;
	if (self->host != NULL) {
		self->listener = rspro_tls_listen(self->tls, self->host, self->port, backlog, name,
		                                  func, user_data, &self->bound_port, &local);
		if (self->listener == NULL) {
			/* where the port comes from and, if it is taken, who holds it */
			cr_net_set_listen_error(error, CR_ERROR_CONFIG, local, self->port,
			                        self->where);
			return FALSE;
		}
	}
	rspro_tls_check_expiry(self->tls, name);
	self->router = cr_instance_get_router(instance);
	self->metrics_id = cr_router_add_metrics_source(self->router, render, user_data, NULL);
	return TRUE;
}

guint64
rspro_tls_side_get_handshake_failures(const RsproTlsSide *self)
{
	return self->listener != NULL ? rspro_tls_listener_get_failures(self->listener) : 0;
}

void
rspro_tls_side_stop(RsproTlsSide *self)
{
	if (self->metrics_id != 0)
		cr_router_remove_metrics_source(self->router, self->metrics_id);
	self->metrics_id = 0;
	self->router = NULL;
	g_clear_pointer(&self->listener, rspro_tls_listener_free);
}

void
rspro_tls_side_clear(RsproTlsSide *self)
{
	rspro_tls_side_stop(self);
	g_clear_pointer(&self->tls, rspro_tls_unref);
	g_clear_pointer(&self->host, g_free);
	g_clear_pointer(&self->where, g_free);
	self->port = 0;
	self->bound_port = 0;
}
