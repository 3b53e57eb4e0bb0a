// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Re-reading the INI of a running router (SIGHUP): sections that changed are
 * rebuilt, removed ones go, new ones come, and everything else keeps serving.
 * The new file is validated completely in a scratch router first, so a bad
 * edit changes nothing.
 */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-config-private.h"
#include "cr-router-private.h"

static gint
cmp_lines(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* A group's keys and raw values, sorted, as one string; NULL if absent. */
static gchar *
group_fingerprint(GKeyFile *kf, const gchar *group)
{
	g_auto(GStrv) keys = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	GString *out;
	gsize n = 0;
	if (!g_key_file_has_group(kf, group))
		return NULL;
	keys = g_key_file_get_keys(kf, group, &n, NULL);
	lines = g_ptr_array_new_with_free_func(g_free);
	for (gsize i = 0; i < n; i++) {
		g_autofree gchar *v = g_key_file_get_value(kf, group, keys[i], NULL);
		g_ptr_array_add(lines, g_strdup_printf("%s=%s", keys[i], v != NULL ? v : ""));
	}
	g_ptr_array_sort(lines, cmp_lines);
	out = g_string_new(NULL);
	for (guint i = 0; i < lines->len; i++) {
		g_string_append(out, g_ptr_array_index(lines, i));
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

static gboolean
group_changed(GKeyFile *old_kf, GKeyFile *new_kf, const gchar *group)
{
	g_autofree gchar *a = group_fingerprint(old_kf, group);
	g_autofree gchar *b = group_fingerprint(new_kf, group);
	return g_strcmp0(a, b) != 0;
}

static gboolean
is_route_group(const gchar *group)
{
	return g_str_has_prefix(group, "route:");
}

gboolean
cr_router_reload_config(CrRouter *self, GError **error)
{
	g_autoptr(CrRouter) scratch = cr_router_new();
	g_autoptr(GKeyFile) new_kf = NULL;
	g_autoptr(GPtrArray) fresh = g_ptr_array_new(); /* CrInstance, borrowed */
	g_auto(GStrv) old_groups = NULL;
	g_auto(GStrv) new_groups = NULL;
	GKeyFile *old_kf = self->keyfile;
	guint removed = 0, added = 0;

	g_return_val_if_fail(self->config_path != NULL, FALSE);
	/* 1. the whole new file must be good */
	cr_router_set_plugin_dir(scratch, cr_router_get_plugin_dir(self));
	scratch->scratch = TRUE;
	if (!cr_router_load_config(scratch, self->config_path, error))
		return FALSE;
	new_kf = g_key_file_ref(scratch->keyfile);
	if (group_changed(old_kf, new_kf, "router"))
		g_warning("%s: [router] changed; its keys take effect at the next restart",
			  self->config_path);

	/* 2. routes of the old file that changed or went */
	old_groups = g_key_file_get_groups(old_kf, NULL);
	for (guint i = 0; old_groups[i] != NULL; i++) {
		const gchar *name = strchr(old_groups[i], ':');
		if (!is_route_group(old_groups[i]) || name == NULL ||
		    !group_changed(old_kf, new_kf, old_groups[i]))
			continue;
		if (cr_router_lookup_route(self, name + 1) != NULL) {
			cr_router_remove_route(self, name + 1, NULL);
			removed++;
		}
	}
	/* 3. instances that changed or went */
	for (guint i = 0; old_groups[i] != NULL; i++) {
		const gchar *name = strchr(old_groups[i], ':');
		CrInstance *inst;
		if (name == NULL || is_route_group(old_groups[i]) ||
		    !group_changed(old_kf, new_kf, old_groups[i]))
			continue;
		inst = cr_router_lookup_instance(self, name + 1);
		if (inst != NULL) {
			cr_router_remove_instance(self, inst);
			removed++;
		}
	}

	/* 4. the new file is the router's from now on */
	self->keyfile = g_key_file_ref(new_kf);
	g_clear_pointer(&self->lines, g_hash_table_unref);
	self->lines = g_hash_table_ref(scratch->lines);
	cr_config_section_free(self->router_section);
	self->router_section =
		cr_config_section_new(self->keyfile, self->lines, self->config_path, "router");
	cr_config_section_get_string(self->router_section, "plugin-dir", NULL);

	/* 5. instances that are new or changed, started in the usual order */
	new_groups = g_key_file_get_groups(new_kf, NULL);
	for (guint kind = CR_PLUGIN_KIND_FRONTEND; kind <= CR_PLUGIN_KIND_CONTROL; kind++) {
		for (guint i = 0; new_groups[i] != NULL; i++) {
			CrInstance *inst;
			guint k = 0;
			if (g_strcmp0(new_groups[i], "router") == 0 ||
			    !cr_router_split_group(self, new_groups[i], &k, NULL) || k != kind ||
			    !group_changed(old_kf, new_kf, new_groups[i]))
				continue;
			if (!cr_router_load_instance(self, new_groups[i], (CrPluginKind)kind,
						     error))
				goto failed;
			inst = cr_router_lookup_instance(self, strchr(new_groups[i], ':') + 1);
			if (inst != NULL)
				g_ptr_array_add(fresh, inst);
			added++;
		}
	}
	if (self->started && !cr_router_start_instances(self, fresh, error))
		goto failed;
	/* 6. routes that are new or changed, or whose slots were rebuilt */
	for (guint i = 0; new_groups[i] != NULL; i++) {
		const gchar *name = strchr(new_groups[i], ':');
		if (!is_route_group(new_groups[i]) || name == NULL ||
		    cr_router_lookup_route(self, name + 1) != NULL)
			continue;
		if (!cr_router_load_route(self, new_groups[i], error))
			goto failed;
		added++;
	}
	g_key_file_unref(old_kf);
	g_message("%s: reloaded (%u sections removed or rebuilt, %u added or rebuilt)",
		  self->config_path, removed, added);
	return TRUE;

failed:
	/* validated above, so only a start() can fail here (a port taken, a
	 * device gone): what started keeps running, the rest is reported */
	g_key_file_unref(old_kf);
	return FALSE;
}
