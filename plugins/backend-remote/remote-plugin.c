// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend "remote": a card in an osmo-remsim bank, reached as a remsim client
 * (server link + bank link, RSPRO). One instance = one client slot = one
 * backend slot named after the section. Keys: README.md.
 */
#define G_LOG_DOMAIN "remote"

#include <string.h>

#include <cardroute/cardroute.h>

#include "remote-slot.h"
#include "rspro-keepalive.h"

#define REMOTE_DEFAULT_SERVER_PORT 9998

#define REMOTE_TYPE_INSTANCE (remote_instance_get_type())
G_DECLARE_FINAL_TYPE(RemoteInstance, remote_instance, REMOTE, INSTANCE, CrInstance)

struct _RemoteInstance {
	CrInstance parent_instance;
	RemoteSlot *slot; /* owned by the instance's slot list */
	guint metrics_id;  /* TLS series, with tls = on */
};

G_DEFINE_TYPE(RemoteInstance, remote_instance, CR_TYPE_INSTANCE)

static void render_metrics(GString *out, gpointer user_data);

static gboolean
remote_instance_start(CrInstance *instance, GError **error)
{
	(void)error;
	if (remote_slot_get_tls(REMOTE_INSTANCE(instance)->slot) != NULL)
		rspro_tls_check_expiry(remote_slot_get_tls(REMOTE_INSTANCE(instance)->slot),
		                       cr_instance_get_name(instance));
	if (remote_slot_get_tls(REMOTE_INSTANCE(instance)->slot) != NULL &&
	    REMOTE_INSTANCE(instance)->metrics_id == 0)
		REMOTE_INSTANCE(instance)->metrics_id = cr_router_add_metrics_source(
		        cr_instance_get_router(instance), render_metrics, instance, NULL);
	remote_slot_start(REMOTE_INSTANCE(instance)->slot);
	return TRUE;
}

static void
render_metrics(GString *out, gpointer user_data)
{
	CrInstance *instance = user_data;

	remote_tls_metrics(out, REMOTE_INSTANCE(instance)->slot, cr_instance_get_name(instance));
}

static void
remote_instance_stop(CrInstance *instance)
{
	RemoteInstance *self = REMOTE_INSTANCE(instance);

	if (self->metrics_id != 0)
		cr_router_remove_metrics_source(cr_instance_get_router(instance), self->metrics_id);
	self->metrics_id = 0;
	remote_slot_stop(self->slot);
}

static void
remote_instance_describe(CrInstance *instance, GVariantDict *dict)
{
	remote_slot_describe(REMOTE_INSTANCE(instance)->slot, dict);
}

static void
remote_instance_class_init(RemoteInstanceClass *klass)
{
	CrInstanceClass *ic = CR_INSTANCE_CLASS(klass);

	ic->start = remote_instance_start;
	ic->stop = remote_instance_stop;
	ic->describe = remote_instance_describe;
}

static void
remote_instance_init(RemoteInstance *self)
{
	(void)self;
}

static gboolean
get_ms(CrConfigSection *section, const gchar *key, gint64 def, gint64 min, guint *out,
       GError **error)
{
	gint64 v;

	if (!cr_config_section_get_int(section, key, def, min, 3600000, &v, error))
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

static gboolean
read_config(CrConfigSection *section, RemoteConfig *cfg, GError **error)
{
	static const guint8 default_atr[] = {0x3B, 0x00};
	g_autoptr(GError) local = NULL;
	gboolean tls = FALSE;
	gint64 v;

	if (!cr_config_section_has_key(section, "server")) {
		cr_config_section_set_error(section, error, "server",
		                            "required: HOST[:PORT] of the remsim-server");
		return FALSE;
	}
	if (!cr_config_section_get_host_port(section, "server", NULL, REMOTE_DEFAULT_SERVER_PORT,
	                                     &cfg->server_host, &cfg->server_port, error))
		return FALSE;
	cfg->has_client_id = cr_config_section_has_key(section, "client-id");
	if (!cr_config_section_get_int(section, "client-id", 0, 0, 1023, &v, error))
		return FALSE;
	cfg->client_id = (guint16)v;
	if (!cfg->has_client_id && cr_config_section_has_key(section, "client-slot")) {
		cr_config_section_set_error(section, error, "client-slot",
		                            "needs client-id (without both, the server assigns "
		                            "the client slot)");
		return FALSE;
	}
	if (!cr_config_section_get_int(section, "client-slot", 0, 0, 1023, &v, error))
		return FALSE;
	cfg->client_slot = (guint16)v;
	if (!cr_config_section_get_bool(section, "atr-ignore", FALSE, &cfg->atr_ignore, error))
		return FALSE;
	if (!cr_config_section_get_hex(section, "atr", 2, 55, &cfg->atr, error))
		return FALSE;
	if (cfg->atr == NULL)
		cfg->atr = g_bytes_new_static(default_atr, sizeof(default_atr));
	if (!rspro_keepalive_read_config(section, &cfg->ping_interval_ms, &cfg->pong_timeout_ms,
	                                 error) ||
	    !get_ms(section, "connect-timeout-ms", 10000, 1, &cfg->connect_timeout_ms, error) ||
	    !get_ms(section, "response-timeout-ms", 10000, 1, &cfg->response_timeout_ms, error) ||
	    !get_ms(section, "atr-wait-ms", 1000, 1, &cfg->atr_wait_ms, error))
		return FALSE;
	if (!cr_config_section_get_int(section, "reconnect-delay-ms", -1, -1, 3600000, &v, error))
		return FALSE;
	cfg->reconnect_delay_ms = (gint)v;
	cfg->identity_name = cr_config_section_get_string(section, "name", NULL);
	if (cfg->identity_name == NULL) /* a long host name is cut, not an error */
		cfg->identity_name = rspro_component_name(g_get_host_name());
	if (cfg->identity_name[0] == '\0' || strlen(cfg->identity_name) > RSPRO_NAME_MAX_LEN) {
		cr_config_section_set_error(section, error, "name", "1..32 characters");
		return FALSE;
	}
	cfg->software = g_strdup("cardroute");
	cfg->event_script = cr_config_section_get_string(section, "event-script", NULL);
	if (cfg->event_script != NULL && cfg->event_script[0] == '\0')
		g_clear_pointer(&cfg->event_script, g_free);
	if (!get_ms(section, "event-script-timeout-ms", 10000, 0, &cfg->event_script_timeout_ms,
	            error))
		return FALSE;
	if (!cr_config_section_get_bool(section, "tls", FALSE, &tls, error))
		return FALSE;
	cfg->tls = rspro_tls_new_from_config(section, tls, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}

static CrInstance *
remote_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(RemoteInstance) inst = g_object_new(REMOTE_TYPE_INSTANCE, NULL);
	g_autoptr(RemoteSlot) slot = NULL;
	RemoteConfig cfg = {0};

	(void)router;
	if (!read_config(section, &cfg, error)) {
		remote_config_clear(&cfg);
		return NULL;
	}
	slot = remote_slot_new(cr_config_section_get_name(section), &cfg);
	if (!cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(slot), error))
		return NULL;
	inst->slot = slot;
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("remote", CR_PLUGIN_KIND_BACKEND, "osmo-remsim client (a card in a SIM bank)",
                 remote_create)
