// SPDX-License-Identifier: GPL-2.0-or-later
/* The control plane: its [router] keys, start and stop. */
#define G_LOG_DOMAIN "cr-control"

#include <gio/gio.h>
#include <string.h>

#include "cr-control-private.h"
#include "cr-rest-parse.h"

#include <sys/resource.h>

guint
cr_control_http_status(const GError *error)
{
	if (error == NULL || error->domain != CR_ERROR)
		return 500;
	switch ((CrErrorCode)error->code) {
	case CR_ERROR_INVALID:
	case CR_ERROR_CONFIG:
		return 400;
	case CR_ERROR_AUTH:
		return 403;
	case CR_ERROR_NOT_FOUND:
		return 404;
	case CR_ERROR_EXISTS:
	case CR_ERROR_BUSY:
	case CR_ERROR_NO_CARD:
	case CR_ERROR_NO_ROUTE:
		return 409;
	case CR_ERROR_NOT_SUPPORTED:
		return 501;
	case CR_ERROR_CANCELLED:
	case CR_ERROR_BACKEND_GONE:
		return 503;
	case CR_ERROR_TIMEOUT:
		return 504;
	case CR_ERROR_CARD:
	case CR_ERROR_PROTOCOL:
	case CR_ERROR_IO:
		return 502;
	default:
		return 500;
	}
}

const gchar *
cr_control_error_code(const GError *error)
{
	if (error == NULL || error->domain != CR_ERROR)
		return "failed";
	return cr_error_code_to_string((CrErrorCode)error->code);
}

/* The REST port when [router] rest is not given: by the daemon's role, so a
 * remsim server, a bank and a client run on one host side by side. */
static guint16
default_rest_port(CrRouter *router)
{
	GPtrArray *instances = cr_router_get_instances(router);
	gboolean bank = FALSE, client = FALSE;
	for (guint i = 0; i < instances->len; i++) {
		const gchar *plugin = cr_instance_get_plugin_name(instances->pdata[i]);
		if (g_strcmp0(plugin, "rspro-server") == 0)
			return CR_REST_PORT_SERVER;
		bank |= g_strcmp0(plugin, "rspro-bank") == 0;
		client |= g_strcmp0(plugin, "remote") == 0;
	}
	return bank ? CR_REST_PORT_BANK : client ? CR_REST_PORT_CLIENT : CR_REST_PORT_SERVER;
}

static gboolean
read_rest_address(CrControl *self, CrConfigSection *section, GError **error)
{
	guint16 def_port = default_rest_port(self->router);
	self->rest_where = cr_config_section_locate(section, "rest");
	/* empty: disabled; port 0: any free port (tests), the log line says which */
	return cr_config_section_get_listen_address(section, "rest", "127.0.0.1", def_port, TRUE,
						    &self->rest_host, &self->rest_port, error);
}

static gboolean
read_tls(CrControl *self, CrConfigSection *section, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GTlsCertificate) cert = NULL;
	self->tls_cert = cr_config_section_get_string(section, "rest-tls-cert", NULL);
	self->tls_key = cr_config_section_get_string(section, "rest-tls-key", NULL);
	if (self->tls_cert != NULL && self->tls_cert[0] == '\0')
		g_clear_pointer(&self->tls_cert, g_free);
	if (self->tls_key != NULL && self->tls_key[0] == '\0')
		g_clear_pointer(&self->tls_key, g_free);
	if (self->tls_cert == NULL && self->tls_key == NULL)
		return TRUE;
	if (self->tls_cert == NULL || self->tls_key == NULL) {
		cr_config_section_set_error(section, error,
					    self->tls_cert == NULL ? "rest-tls-cert"
								   : "rest-tls-key",
					    "rest-tls-cert and rest-tls-key go together");
		return FALSE;
	}
	cert = g_tls_certificate_new_from_files(self->tls_cert, self->tls_key, &local);
	if (cert == NULL) {
		cr_config_section_set_error(section, error, "rest-tls-cert", "%s",
					    local->message);
		return FALSE;
	}
	return TRUE;
}

static guint dbus_default = CR_DBUS_SESSION;

gboolean
cr_control_set_dbus_default(const gchar *mode)
{
	static const gchar *const modes[] = {"none", "session", "system", NULL};
	for (guint i = 0; modes[i] != NULL; i++) {
		if (g_strcmp0(mode, modes[i]) == 0) {
			dbus_default = i;
			return TRUE;
		}
	}
	return FALSE;
}

/* The REST connection limits and timeouts (cr-rest-conn.c). The default
 * connection budget leaves three quarters of the descriptors to the rest of
 * the daemon. */
static gboolean
read_rest_limits(CrControl *self, CrConfigSection *section, GError **error)
{
	struct rlimit rl;
	gint64 header_ms, idle_ms, max_conns, per_address;
	gint64 default_max = 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (gint64)(rl.rlim_cur / 4) < default_max)
		default_max = MAX(8, (gint64)(rl.rlim_cur / 4));
	if (!cr_config_section_get_int(section, "rest-header-timeout", 10000, 100, 3600000,
				       &header_ms, error) ||
	    !cr_config_section_get_int(section, "rest-idle-timeout", 60000, 100, 86400000, &idle_ms,
				       error) ||
	    !cr_config_section_get_int(section, "rest-max-connections", default_max, 1, 1000000,
				       &max_conns, error) ||
	    !cr_config_section_get_int(section, "rest-max-connections-per-address",
				       MIN(32, max_conns), 1, 1000000, &per_address, error))
		return FALSE;
	self->header_timeout_ms = (guint)header_ms;
	self->idle_timeout_ms = (guint)idle_ms;
	self->max_connections = (guint)max_conns;
	self->max_per_address = (guint)per_address;
	return TRUE;
}

CrControl *
cr_control_new(CrRouter *router, CrConfigSection *section, const gchar *default_state_dir,
	       GError **error)
{
	static const gchar *const dbus_modes[] = {"none", "session", "system", NULL};
	g_autoptr(CrControl) self = g_new0(CrControl, 1);
	guint dbus_mode;
	gint64 apdu_timeout = 30000;

	self->router = router;
	self->max_body = CR_REST_MAX_BODY;
	self->handler_ids = g_array_new(FALSE, FALSE, sizeof(guint));
	if (!read_rest_address(self, section, error) || !read_tls(self, section, error) ||
	    !read_rest_limits(self, section, error) ||
	    !cr_config_section_get_bool(section, "allow-apdu", FALSE, &self->allow_apdu, error) ||
	    !cr_config_section_get_int(section, "apdu-timeout", 30000, 1, 3600000, &apdu_timeout,
				       error) ||
	    !cr_config_section_get_choice(section, "dbus", dbus_modes, dbus_default,
					  &dbus_mode, error))
		return NULL;
	self->auth = cr_rest_auth_new(section, error);
	if (self->auth == NULL)
		return NULL;
	self->dbus_mode = (CrDbusMode)dbus_mode;
	/* the session bus lets every process of the user call: read-only unless
	 * asked; the system bus has its policy file */
	if (!cr_config_section_get_bool(section, "dbus-write", self->dbus_mode == CR_DBUS_SYSTEM,
					&self->dbus_write, error))
		return NULL;
	self->apdu_timeout_ms = (guint)apdu_timeout;
	self->state_dir = cr_config_section_get_string(section, "state-dir", default_state_dir);
	if (self->state_dir != NULL && self->state_dir[0] == '\0')
		g_clear_pointer(&self->state_dir, g_free);
	return g_steal_pointer(&self);
}

gboolean
cr_control_start(CrControl *self, GError **error)
{
	g_return_val_if_fail(!self->started, FALSE);
	self->started = TRUE;
	cr_rest_api_register(self);
	cr_rest_session_register(self);
	cr_rest_static_register(self);
	if (self->rest_host != NULL) {
		self->sse = cr_sse_new(self->router);
		g_autoptr(GError) local = NULL;
		self->rest = cr_rest_new(self);
		if (!cr_rest_start(self->rest, &local)) {
			/* a daemon without its control plane cannot be managed (a
			 * remsim server could make no slotmap): refuse to run */
			g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
				    "%s: %s (choose a free port there, or rest = (empty) for no "
				    "REST API)",
				    self->rest_where, local->message);
			g_clear_pointer(&self->rest, cr_rest_free);
			g_clear_pointer(&self->sse, cr_sse_free);
			self->started = FALSE;
			return FALSE;
		}
	} else {
		g_message("REST API disabled ([router] rest is empty)");
	}
	if (self->state_dir == NULL)
		g_message("state-dir is not set: routes made at run time are not stored");
	if (self->state_dir != NULL) {
		self->persist = cr_persist_new(self->router, self->state_dir);
		cr_persist_restore(self->persist);
	}
	if (self->dbus_mode != CR_DBUS_NONE)
		self->dbus = cr_dbus_new(self);
	return TRUE;
}

void
cr_control_stop(CrControl *self)
{
	if (self == NULL || !self->started)
		return;
	self->started = FALSE;
	g_clear_pointer(&self->persist, cr_persist_free);
	g_clear_pointer(&self->dbus, cr_dbus_free);
	g_clear_pointer(&self->sse, cr_sse_free);
	g_clear_pointer(&self->rest, cr_rest_free);
	for (guint i = 0; i < self->handler_ids->len; i++)
		cr_router_remove_http_handler(self->router,
					      g_array_index(self->handler_ids, guint, i));
	g_array_set_size(self->handler_ids, 0);
}

void
cr_control_free(CrControl *self)
{
	if (self == NULL)
		return;
	cr_control_stop(self);
	g_array_unref(self->handler_ids);
	g_free(self->rest_host);
	cr_rest_auth_free(self->auth);
	g_free(self->rest_where);
	g_free(self->tls_cert);
	g_free(self->tls_key);
	g_free(self->state_dir);
	g_free(self);
}

gchar *
cr_control_metrics_render(CrControl *self)
{
	g_autofree gchar *router = cr_metrics_render(self->router);
	GString *out = g_string_new(router);
	cr_rest_metrics(self->rest, out);
	cr_rest_auth_metrics(self->auth, out); /* cr-rest-auth.c */
	cr_sse_metrics(self->sse, out);
	return g_string_free(out, FALSE);
}
