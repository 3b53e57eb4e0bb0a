// SPDX-License-Identifier: GPL-2.0-or-later
/* Building a router from its INI file. */
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cr-config-private.h"
#include "cr-ini.h"
#include "cr-router-private.h"
#include "cr-suggest.h"

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

/* Every plugin the search path holds, for "unknown plugin" messages. */
static gchar *
installed_plugins(CrRouter *self, const gchar *wanted, gchar **hint)
{
	g_autoptr(GHashTable) found = cr_plugin_loader_scan(cr_router_get_plugin_dir(self));
	guint n = 0;
	g_autofree const gchar **names =
		(const gchar **)g_hash_table_get_keys_as_array(found, &n);
	*hint = cr_suggest_hint(wanted, names, n);
	return n > 0 ? cr_suggest_join_sorted(names, n) : g_strdup("none");
}

/* Records a failed section: what it collected (bad values), then @local
 * (the error that stopped it, may be NULL), then unknown keys; once each. */
static void
collect_section(CrConfigSection *section, GPtrArray *problems, GPtrArray *section_problems,
		GError *local, gboolean created)
{
	g_autoptr(GPtrArray) unused = g_ptr_array_new_with_free_func(g_free);
	if (local != NULL)
		g_ptr_array_add(section_problems, g_strdup(local->message));
	cr_config_section_report_unused(section, unused, !created);
	for (guint i = 0; i < unused->len; i++)
		g_ptr_array_add(section_problems, g_strdup(unused->pdata[i]));
	for (guint i = 0; i < section_problems->len; i++) {
		const gchar *p = section_problems->pdata[i];
		gboolean seen = FALSE;
		for (guint j = 0; j < i && !seen; j++)
			seen = g_strcmp0(section_problems->pdata[j], p) == 0;
		if (!seen)
			g_ptr_array_add(problems, g_strdup(p));
	}
}

static gboolean
fail_collected(CrConfigSection *section, GPtrArray *problems, GPtrArray *section_problems,
	       GError **local, gboolean created, GError **error)
{
	if (problems != NULL) {
		collect_section(section, problems, section_problems, *local, created);
		return FALSE;
	}
	g_propagate_error(error, g_steal_pointer(local));
	return FALSE;
}

gboolean
cr_router_load_instance_full(CrRouter *self, const gchar *group, CrPluginKind kind,
			     GPtrArray *problems, GError **error)
{
	g_autoptr(CrConfigSection) section =
		cr_config_section_new(self->keyfile, self->lines, self->config_path, group);
	g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *plugin = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GError) reason = NULL;
	g_autoptr(CrInstance) instance = NULL;
	const CrPluginDescriptor *desc;

	if (problems != NULL)
		cr_config_section_collect(section, mine);
	plugin = cr_config_section_get_required(section, "plugin", &local);
	if (plugin == NULL)
		return fail_collected(section, problems, mine, &local, FALSE, error);
	desc = cr_plugin_loader_load(cr_router_get_plugin_dir(self), plugin, NULL, &reason);
	if (desc == NULL) {
		/* not found: which ones are there, and the likely one */
		if (g_error_matches(reason, CR_ERROR, CR_ERROR_PLUGIN) &&
		    strstr(reason->message, ".so in the plugin directory") != NULL) {
			g_autofree gchar *hint = NULL;
			g_autofree gchar *list = installed_plugins(self, plugin, &hint);
			cr_config_section_set_error(section, &local, "plugin",
						    "%s%s; installed: %s", reason->message, hint,
						    list);
		} else
			cr_config_section_set_error(section, &local, "plugin", "%s",
						    reason->message);
		return fail_collected(section, problems, mine, &local, FALSE, error);
	}
	if (desc->kind != kind) {
		cr_config_section_set_error(section, &local, "plugin",
					    "'%s' is a %s plugin, not a %s plugin", plugin,
					    cr_plugin_kind_to_string(desc->kind),
					    cr_plugin_kind_to_string(kind));
		return fail_collected(section, problems, mine, &local, FALSE, error);
	}
	instance = desc->create(self, section, &reason);
	if (instance == NULL) {
		/* without a reason, what it collected says why */
		if (reason == NULL && mine->len == 0)
			cr_config_section_set_error(section, &local, NULL,
						    "plugin '%s' failed without a reason", plugin);
		else if (reason != NULL && reason->domain == CR_ERROR &&
			 reason->code == CR_ERROR_CONFIG)
			local = g_steal_pointer(&reason);
		else if (reason != NULL)
			cr_config_section_set_error(section, &local, NULL, "%s", reason->message);
		return fail_collected(section, problems, mine, &local, FALSE, error);
	}
	if (mine->len > 0)
		return fail_collected(section, problems, mine, &local, TRUE, error);
	if (problems != NULL) {
		if (cr_config_section_report_unused(section, problems, FALSE) > 0)
			return FALSE;
	} else if (!cr_config_section_check_unused(section, error)) {
		return FALSE;
	}
	if (!cr_router_add_instance(self, instance, cr_config_section_get_name(section), plugin,
				    kind, &reason)) {
		cr_config_section_set_error(section, &local, NULL, "%s", reason->message);
		return fail_collected(section, problems, mine, &local, TRUE, error);
	}
	return TRUE;
}

gboolean
cr_router_load_instance(CrRouter *self, const gchar *group, CrPluginKind kind, GError **error)
{
	return cr_router_load_instance_full(self, group, kind, NULL, error);
}

/* "no frontend slot named 'x' (did you mean 'y'?; slots: a, b)" */
static void
unknown_slot(CrRouter *self, CrConfigSection *section, const gchar *key, const gchar *name,
	     gboolean frontend, GError **error)
{
	GPtrArray *slots = frontend ? cr_router_get_frontends(self) : cr_router_get_backends(self);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	g_autofree gchar *hint = NULL;
	g_autofree gchar *list = NULL;
	for (guint i = 0; i < slots->len; i++)
		g_ptr_array_add(names,
				(gpointer)(frontend ? cr_frontend_slot_get_name(slots->pdata[i])
						    : cr_backend_slot_get_name(slots->pdata[i])));
	hint = cr_suggest_hint(name, (const gchar *const *)names->pdata, names->len);
	list = names->len > 0 ? cr_suggest_join_sorted((const gchar *const *)names->pdata,
							names->len)
			      : g_strdup("none");
	cr_config_section_set_error(section, error, key, "no %s slot named '%s'%s; %s slots: %s",
				    frontend ? "frontend" : "backend", name, hint,
				    frontend ? "frontend" : "backend", list);
}

/* A slot of a section that failed above: not a problem of its own. */
static gboolean
slot_of_failed_section(CrRouter *self, const gchar *slot)
{
	g_autofree gchar *instance = g_strdup(slot);
	gchar *dot;
	if (self->failed_names == NULL)
		return FALSE;
	if (g_hash_table_contains(self->failed_names, instance))
		return TRUE;
	dot = strrchr(instance, '.');
	if (dot != NULL)
		*dot = '\0';
	return g_hash_table_contains(self->failed_names, instance);
}

gboolean
cr_router_load_route_full(CrRouter *self, const gchar *group, GPtrArray *problems,
			  GError **error)
{
	g_autoptr(CrConfigSection) section =
		cr_config_section_new(self->keyfile, self->lines, self->config_path, group);
	g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *frontend = NULL;
	g_autofree gchar *backend = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GError) reason = NULL;
	CrRoutePolicy policy;
	CrFrontendSlot *fs;
	CrBackendSlot *bs;

	if (problems != NULL)
		cr_config_section_collect(section, mine);
	frontend = cr_config_section_get_required(section, "frontend", &local);
	if (frontend == NULL) {
		/* read the rest too: every problem of the section in one run */
		g_free(cr_config_section_get_required(section, "backend", NULL));
		cr_router_parse_route_policy(section, &policy, NULL);
		return fail_collected(section, problems, mine, &local, TRUE, error);
	}
	backend = cr_config_section_get_required(section, "backend", &local);
	if (backend == NULL) {
		cr_router_parse_route_policy(section, &policy, NULL);
		return fail_collected(section, problems, mine, &local, TRUE, error);
	}
	if (!cr_router_parse_route_policy(section, &policy, &local))
		return fail_collected(section, problems, mine, &local, TRUE, error);
	if (problems != NULL)
		cr_config_section_report_unused(section, mine, FALSE);
	else if (!cr_config_section_check_unused(section, error))
		return FALSE;
	fs = cr_router_lookup_frontend(self, frontend);
	bs = cr_router_lookup_backend(self, backend);
	if (problems != NULL && ((fs == NULL && slot_of_failed_section(self, frontend)) ||
				 (bs == NULL && slot_of_failed_section(self, backend))))
		return fail_collected(section, problems, mine, &local, TRUE, error);
	if (fs == NULL) {
		unknown_slot(self, section, "frontend", frontend, TRUE, &local);
		if (problems == NULL)
			return fail_collected(section, problems, mine, &local, TRUE, error);
		g_ptr_array_add(mine, g_strdup(local->message));
		g_clear_error(&local);
	}
	if (bs == NULL) {
		unknown_slot(self, section, "backend", backend, FALSE, &local);
		return fail_collected(section, problems, mine, &local, TRUE, error);
	}
	if (mine->len > 0)
		return fail_collected(section, problems, mine, &local, TRUE, error);
	if (cr_router_make_route(self, cr_config_section_get_name(section), fs, bs, &policy, TRUE,
				 &reason) == NULL) {
		cr_config_section_set_error(section, &local,
					    cr_frontend_slot_get_route(fs) != NULL ? "frontend"
										   : "backend",
					    "%s", reason->message);
		return fail_collected(section, problems, mine, &local, TRUE, error);
	}
	return TRUE;
}

gboolean
cr_router_load_route(CrRouter *self, const gchar *group, GError **error)
{
	return cr_router_load_route_full(self, group, NULL, error);
}

/* "FILE:LINE" of a section header, or "FILE" */
static gchar *
where(CrRouter *self, const gchar *group)
{
	guint line = cr_ini_lookup_line(self->lines, group, NULL);
	return line > 0 ? g_strdup_printf("%s:%u", self->config_path, line)
			: g_strdup(self->config_path);
}

gboolean
cr_router_split_group(CrRouter *self, const gchar *group, guint *kind_index, GError **error)
{
	const gchar *colon = strchr(group, ':');
	g_autofree gchar *kind = NULL;
	g_autofree gchar *at = where(self, group);
	g_autofree gchar *hint = NULL;
	if (colon == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
			    "%s: [%s]: unknown section (expected [router] or [KIND:NAME] with "
			    "KIND frontend, backend, tap, control or route)",
			    at, group);
		return FALSE;
	}
	kind = g_strndup(group, colon - group);
	for (guint i = 0; section_kinds[i] != NULL; i++) {
		if (g_strcmp0(kind, section_kinds[i]) == 0) {
			if (!cr_name_is_valid(colon + 1)) {
				g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
					    "%s: [%s]: the name '%s' is not valid (letters, "
					    "digits, - _ .)",
					    at, group, colon + 1);
				return FALSE;
			}
			*kind_index = i;
			return TRUE;
		}
	}
	hint = cr_suggest_hint(kind, section_kinds, G_N_ELEMENTS(section_kinds) - 1);
	g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
		    "%s: [%s]: unknown section kind '%s'%s (frontend, backend, tap, control, "
		    "route)",
		    at, group, kind, hint);
	return FALSE;
}

static gboolean load_keyfile(CrRouter *self, const gchar *path, GError **error);

typedef struct {
	CrPluginKind kind;
	gchar *group;
	GStrv keys;
} CrDefaultSection;

static void
default_section_free(gpointer p)
{
	CrDefaultSection *d = p;
	g_free(d->group);
	g_strfreev(d->keys);
	g_free(d);
}

void
cr_router_add_default_section(CrRouter *self, CrPluginKind kind, const gchar *name,
			      const gchar *const *keys)
{
	CrDefaultSection *d;
	g_return_if_fail(CR_IS_ROUTER(self) && name != NULL && keys != NULL);
	if (self->default_sections == NULL)
		self->default_sections = g_ptr_array_new_with_free_func(default_section_free);
	d = g_new0(CrDefaultSection, 1);
	d->kind = kind;
	d->group = g_strdup_printf("%s:%s", cr_plugin_kind_to_string(kind), name);
	d->keys = g_strdupv((gchar **)keys);
	g_ptr_array_add(self->default_sections, d);
}

/* The default sections plugins asked for, where the file has none of
 * their kind. */
static void
load_default_sections(CrRouter *self, gchar **groups, GPtrArray *problems)
{
	g_autoptr(GPtrArray) requests = g_steal_pointer(&self->default_sections);
	if (requests == NULL)
		return;
	for (guint i = 0; i < requests->len; i++) {
		CrDefaultSection *d = requests->pdata[i];
		g_autofree gchar *prefix = g_strdup_printf("%s:", cr_plugin_kind_to_string(d->kind));
		gboolean present = FALSE;
		for (guint j = 0; groups[j] != NULL && !present; j++)
			present = g_str_has_prefix(groups[j], prefix);
		if (present || g_key_file_has_group(self->keyfile, d->group))
			continue;
		for (guint k = 0; d->keys[k] != NULL && d->keys[k + 1] != NULL; k += 2)
			g_key_file_set_string(self->keyfile, d->group, d->keys[k], d->keys[k + 1]);
		if (!self->scratch)
			g_message("%s: no %s section: [%s] made for the plugin that asked for it",
				  self->config_path, cr_plugin_kind_to_string(d->kind), d->group);
		cr_router_load_instance_full(self, d->group, d->kind, problems, NULL);
	}
}

/* The file, read whole: a regular file of at most this size. */
#define MAX_CONFIG_SIZE (4 * 1024 * 1024)

static gboolean
parse_text(CrRouter *self, const gchar *data, gsize len, const gchar *name, GError **error)
{
	self->config_path = g_strdup(name);
	self->keyfile = g_key_file_new();
	self->lines = cr_ini_lines_new();
	if (!cr_ini_parse(data, len, name, self->keyfile, self->lines, error))
		return FALSE;
	return load_keyfile(self, name, error);
}

gboolean
cr_router_load_config(CrRouter *self, const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	GStatBuf st;
	gsize len = 0;

	g_return_val_if_fail(self->keyfile == NULL, FALSE);
	if (g_stat(path, &st) != 0) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG_SIZE) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
			    "%s: not a regular file of at most %d MiB", path,
			    MAX_CONFIG_SIZE / (1024 * 1024));
		return FALSE;
	}
	if (!g_file_get_contents(path, &data, &len, &local)) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: %s", path, local->message);
		return FALSE;
	}
	return parse_text(self, data, len, path, error);
}

gboolean
cr_router_load_config_data(CrRouter *self, const gchar *data, gsize len, const gchar *name,
			   GError **error)
{
	g_return_val_if_fail(self->keyfile == NULL, FALSE);
	return parse_text(self, data, len, name, error);
}

/* Instances first, in file order; routes once every slot exists. Every
 * section is tried, so one run names every problem. */
static void
load_sections(CrRouter *self, const gchar *path, GPtrArray *problems)
{
	g_auto(GStrv) groups = g_key_file_get_groups(self->keyfile, NULL);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) bad = g_hash_table_new(g_str_hash, g_str_equal);

	self->failed_names = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; groups[i] != NULL; i++) {
			g_autoptr(GError) local = NULL;
			const gchar *name;
			const gchar *other;
			guint kind = 0;
			guint before = problems->len;
			if (g_strcmp0(groups[i], "router") == 0 ||
			    g_hash_table_contains(bad, groups[i]))
				continue;
			if (!cr_router_split_group(self, groups[i], &kind, &local)) {
				g_ptr_array_add(problems, g_strdup(local->message));
				g_hash_table_add(bad, groups[i]);
				continue;
			}
			name = strchr(groups[i], ':') + 1;
			if (pass == 0 && kind <= CR_PLUGIN_KIND_CONTROL) {
				other = g_hash_table_lookup(names, name);
				if (other != NULL) {
					g_autofree gchar *at = where(self, groups[i]);
					g_autofree gchar *at_other = where(self, other);
					g_ptr_array_add(problems,
							g_strdup_printf("%s: [%s]: the name '%s' is "
									"used by another section "
									"([%s] at %s)",
									at, groups[i], name, other,
									at_other));
					continue;
				}
				g_hash_table_insert(names, (gpointer)name, groups[i]);
				cr_router_load_instance_full(self, groups[i], (CrPluginKind)kind,
							     problems, NULL);
			} else if (pass == 1 && kind > CR_PLUGIN_KIND_CONTROL) {
				cr_router_load_route_full(self, groups[i], problems, NULL);
			}
			if (problems->len > before && pass == 0)
				g_hash_table_add(self->failed_names, (gpointer)name);
		}
		if (pass == 0)
			load_default_sections(self, groups, problems);
	}
	g_clear_pointer(&self->failed_names, g_hash_table_unref);
	(void)path;
}

static gboolean
load_keyfile(CrRouter *self, const gchar *path, GError **error)
{
	g_autofree gchar *plugin_dir = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *all = NULL;

	self->router_section = cr_config_section_new(self->keyfile, self->lines, path, "router");
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
	load_sections(self, path, problems);
	if (problems->len == 0)
		return TRUE;
	g_ptr_array_add(problems, NULL);
	all = g_strjoinv("\n", (gchar **)problems->pdata);
	g_set_error_literal(error, CR_ERROR, CR_ERROR_CONFIG, all);
	return FALSE;
}

gboolean
cr_router_check_router_section(CrRouter *self, GError **error)
{
	return cr_config_section_check_unused(self->router_section, error);
}
