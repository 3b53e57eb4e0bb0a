// SPDX-License-Identifier: GPL-2.0-or-later
/* Building a router from its INI file. */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-config-private.h"
#include "cr-router-private.h"

static const gchar *const section_kinds[] = {"frontend", "backend", "tap", "control", "route",
					     NULL};

gboolean
cr_router_parse_route_policy(CrConfigSection *section, CrRoutePolicy *policy, GError **error)
{
	static const gchar *const losses[] = {"error", "remove-card", "hold", NULL};
	static const gchar *const resets[] = {"forward", "ignore", NULL};
	static const gchar *const offers[] = {"present", "always", NULL};
	CrRoutePolicy defaults = CR_ROUTE_POLICY_INIT;
	g_autoptr(GBytes) sw = NULL;
	gint64 timeout;
	guint loss, reset, offer;

	if (!cr_config_section_get_int(section, "timeout", defaults.timeout_ms, 0, 3600000,
				       &timeout, error))
		return FALSE;
	if (!cr_config_section_get_choice(section, "on-backend-loss", losses,
					  defaults.on_backend_loss, &loss, error))
		return FALSE;
	if (!cr_config_section_get_hex(section, "error-sw", 2, 2, &sw, error))
		return FALSE;
	if (!cr_config_section_get_choice(section, "reset", resets, 0, &reset, error))
		return FALSE;
	if (!cr_config_section_get_choice(section, "offer-card", offers, defaults.offer_card,
					  &offer, error))
		return FALSE;
	policy->timeout_ms = (guint)timeout;
	policy->on_backend_loss = (CrLossPolicy)loss;
	policy->error_sw = defaults.error_sw;
	if (sw != NULL) {
		const guint8 *b = g_bytes_get_data(sw, NULL);
		policy->error_sw = (guint16)(b[0] << 8 | b[1]);
	}
	policy->forward_reset = reset == 0;
	policy->offer_card = (CrOfferCard)offer;
	return TRUE;
}

gboolean
cr_router_load_instance(CrRouter *self, const gchar *group, CrPluginKind kind, GError **error)
{
	g_autoptr(CrConfigSection) section =
		cr_config_section_new(self->keyfile, self->config_path, group);
	g_autofree gchar *plugin = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(CrInstance) instance = NULL;
	const CrPluginDescriptor *desc;

	plugin = cr_config_section_get_required(section, "plugin", error);
	if (plugin == NULL)
		return FALSE;
	desc = cr_plugin_loader_load(cr_router_get_plugin_dir(self), plugin, NULL, &local);
	if (desc == NULL) {
		cr_config_section_set_error(section, error, "plugin", "%s", local->message);
		return FALSE;
	}
	if (desc->kind != kind) {
		cr_config_section_set_error(section, error, "plugin",
					    "'%s' is a %s plugin, not a %s plugin", plugin,
					    cr_plugin_kind_to_string(desc->kind),
					    cr_plugin_kind_to_string(kind));
		return FALSE;
	}
	instance = desc->create(self, section, &local);
	if (instance == NULL) {
		if (local == NULL)
			cr_config_section_set_error(section, error, NULL,
						    "plugin '%s' failed without a reason", plugin);
		else if (local->domain == CR_ERROR && local->code == CR_ERROR_CONFIG)
			g_propagate_error(error, g_steal_pointer(&local));
		else
			cr_config_section_set_error(section, error, NULL, "%s", local->message);
		return FALSE;
	}
	if (!cr_config_section_check_unused(section, error))
		return FALSE;
	if (!cr_router_add_instance(self, instance, cr_config_section_get_name(section), plugin,
				    kind, &local)) {
		cr_config_section_set_error(section, error, NULL, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

gboolean
cr_router_load_route(CrRouter *self, const gchar *group, GError **error)
{
	g_autoptr(CrConfigSection) section =
		cr_config_section_new(self->keyfile, self->config_path, group);
	g_autofree gchar *frontend = NULL;
	g_autofree gchar *backend = NULL;
	g_autoptr(GError) local = NULL;
	CrRoutePolicy policy;
	CrFrontendSlot *fs;
	CrBackendSlot *bs;

	frontend = cr_config_section_get_required(section, "frontend", error);
	if (frontend == NULL)
		return FALSE;
	backend = cr_config_section_get_required(section, "backend", error);
	if (backend == NULL)
		return FALSE;
	if (!cr_router_parse_route_policy(section, &policy, error))
		return FALSE;
	if (!cr_config_section_check_unused(section, error))
		return FALSE;
	fs = cr_router_lookup_frontend(self, frontend);
	if (fs == NULL) {
		cr_config_section_set_error(section, error, "frontend",
					    "no frontend slot named '%s'", frontend);
		return FALSE;
	}
	bs = cr_router_lookup_backend(self, backend);
	if (bs == NULL) {
		cr_config_section_set_error(section, error, "backend",
					    "no backend slot named '%s'", backend);
		return FALSE;
	}
	if (cr_router_make_route(self, cr_config_section_get_name(section), fs, bs, &policy, TRUE,
				 &local) == NULL) {
		cr_config_section_set_error(section, error,
					    cr_frontend_slot_get_route(fs) != NULL ? "frontend"
										   : "backend",
					    "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

gboolean
cr_router_split_group(CrRouter *self, const gchar *group, guint *kind_index, GError **error)
{
	const gchar *colon = strchr(group, ':');
	g_autofree gchar *kind = NULL;
	if (colon == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
			    "%s: [%s]: unknown section (expected [router] or [KIND:NAME] with "
			    "KIND frontend, backend, tap, control or route)",
			    self->config_path, group);
		return FALSE;
	}
	kind = g_strndup(group, colon - group);
	for (guint i = 0; section_kinds[i] != NULL; i++) {
		if (g_strcmp0(kind, section_kinds[i]) == 0) {
			if (!cr_name_is_valid(colon + 1)) {
				g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
					    "%s: [%s]: the name '%s' is not valid (letters, "
					    "digits, - _ .)",
					    self->config_path, group, colon + 1);
				return FALSE;
			}
			*kind_index = i;
			return TRUE;
		}
	}
	g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
		    "%s: [%s]: unknown section kind '%s' (frontend, backend, tap, control, "
		    "route)",
		    self->config_path, group, kind);
	return FALSE;
}

static gboolean load_keyfile(CrRouter *self, const gchar *path, GError **error);

gboolean
cr_router_load_config(CrRouter *self, const gchar *path, GError **error)
{
	g_autoptr(GError) local = NULL;

	g_return_val_if_fail(self->keyfile == NULL, FALSE);
	self->config_path = g_strdup(path);
	self->keyfile = g_key_file_new();
	if (!g_key_file_load_from_file(self->keyfile, path, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: %s", path, local->message);
		return FALSE;
	}
	return load_keyfile(self, path, error);
}

gboolean
cr_router_load_config_data(CrRouter *self, const gchar *data, gsize len, const gchar *name,
			   GError **error)
{
	g_autoptr(GError) local = NULL;
	g_return_val_if_fail(self->keyfile == NULL, FALSE);
	self->config_path = g_strdup(name);
	self->keyfile = g_key_file_new();
	if (!g_key_file_load_from_data(self->keyfile, data, len, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: %s", name, local->message);
		return FALSE;
	}
	return load_keyfile(self, name, error);
}

static gboolean
load_keyfile(CrRouter *self, const gchar *path, GError **error)
{
	g_auto(GStrv) groups = NULL;
	g_autofree gchar *plugin_dir = NULL;
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

	self->router_section = cr_config_section_new(self->keyfile, path, "router");
	plugin_dir = cr_config_section_get_string(self->router_section, "plugin-dir", NULL);
	if (self->plugin_dir == NULL && plugin_dir != NULL && plugin_dir[0] != '\0') {
		if (!g_path_is_absolute(plugin_dir)) {
			g_autofree gchar *base = g_path_get_dirname(path);
			g_autofree gchar *abs = g_build_filename(base, plugin_dir, NULL);
			cr_router_set_plugin_dir(self, abs);
		} else {
			cr_router_set_plugin_dir(self, plugin_dir);
		}
	}

	groups = g_key_file_get_groups(self->keyfile, NULL);
	/* instances first, in file order; routes once every slot exists */
	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; groups[i] != NULL; i++) {
			guint kind = 0;
			if (g_strcmp0(groups[i], "router") == 0)
				continue;
			if (!cr_router_split_group(self, groups[i], &kind, error))
				return FALSE;
			if (pass == 0 && kind <= CR_PLUGIN_KIND_CONTROL) {
				const gchar *name = strchr(groups[i], ':') + 1;
				if (g_hash_table_contains(names, name)) {
					g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
						    "%s: [%s]: the name '%s' is used by another "
						    "section",
						    path, groups[i], name);
					return FALSE;
				}
				g_hash_table_add(names, (gpointer)name);
				if (!cr_router_load_instance(self, groups[i], (CrPluginKind)kind, error))
					return FALSE;
			} else if (pass == 1 && kind > CR_PLUGIN_KIND_CONTROL) {
				if (!cr_router_load_route(self, groups[i], error))
					return FALSE;
			}
		}
	}
	return TRUE;
}

gboolean
cr_router_check_router_section(CrRouter *self, GError **error)
{
	return cr_config_section_check_unused(self->router_section, error);
}
