// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finds and loads plugin modules. The search path is a list of directories
 * separated by ':'; in each, "NAME.so" is looked for directly and one level
 * down (the build tree keeps each plugin in its own folder). A module's ABI
 * version is read before anything else of it is used.
 */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-private.h"

static GHashTable *loaded; /* name -> const CrPluginDescriptor* */

static gchar *
find_module(const gchar *search_path, const gchar *name)
{
	g_auto(GStrv) dirs = g_strsplit(search_path, ":", -1);
	g_autofree gchar *file = g_strdup_printf("%s.so", name);
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autofree gchar *direct = NULL;
		g_autoptr(GDir) dir = NULL;
		const gchar *entry;
		if (dirs[i][0] == '\0')
			continue;
		direct = g_build_filename(dirs[i], file, NULL);
		if (g_file_test(direct, G_FILE_TEST_IS_REGULAR))
			return g_steal_pointer(&direct);
		dir = g_dir_open(dirs[i], 0, NULL);
		while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *nested = g_build_filename(dirs[i], entry, file, NULL);
			if (g_file_test(nested, G_FILE_TEST_IS_REGULAR))
				return g_steal_pointer(&nested);
		}
	}
	return NULL;
}

const CrPluginDescriptor *
cr_plugin_loader_load(const gchar *search_path, const gchar *name, gchar **path_out,
		      GError **error)
{
	g_autofree gchar *path = NULL;
	GModule *module;
	CrPluginEntryFunc entry = NULL;
	const CrPluginDescriptor *desc;

	if (loaded == NULL)
		loaded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	desc = g_hash_table_lookup(loaded, name);
	if (desc != NULL) {
		if (path_out != NULL)
			*path_out = NULL;
		return desc;
	}
	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0') {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN, "plugin '%s': not a plugin name",
			    name);
		return NULL;
	}
	path = find_module(search_path, name);
	if (path == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN,
			    "plugin '%s': no %s.so in the plugin directory %s", name, name,
			    search_path);
		return NULL;
	}
	module = g_module_open(path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN, "plugin '%s' (%s): %s", name, path,
			    g_module_error());
		return NULL;
	}
	if (!g_module_symbol(module, CR_PLUGIN_ENTRY_SYMBOL, (gpointer *)&entry) ||
	    entry == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN,
			    "plugin '%s' (%s): no entry symbol %s; not a cardroute plugin", name,
			    path, CR_PLUGIN_ENTRY_SYMBOL);
		g_module_close(module);
		return NULL;
	}
	desc = entry();
	if (desc == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN,
			    "plugin '%s' (%s): entry returned no descriptor", name, path);
		g_module_close(module);
		return NULL;
	}
	/* the ABI version first: nothing else of the descriptor is trusted before */
	if (desc->abi_version != CR_PLUGIN_ABI_VERSION) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN,
			    "plugin '%s' (%s): built for plugin ABI %u, this cardrouted "
			    "speaks ABI %u; rebuild the plugin",
			    name, path, desc->abi_version, CR_PLUGIN_ABI_VERSION);
		g_module_close(module);
		return NULL;
	}
	if (desc->struct_size < sizeof(CrPluginDescriptor) || desc->name == NULL ||
	    desc->create == NULL || (guint)desc->kind > CR_PLUGIN_KIND_CONTROL) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN,
			    "plugin '%s' (%s): malformed descriptor", name, path);
		g_module_close(module);
		return NULL;
	}
	if (g_strcmp0(desc->name, name) != 0) {
		g_set_error(error, CR_ERROR, CR_ERROR_PLUGIN,
			    "plugin '%s' (%s): the module calls itself '%s'", name, path,
			    desc->name);
		g_module_close(module);
		return NULL;
	}
	/* plugins register GTypes: they stay loaded */
	g_module_make_resident(module);
	g_hash_table_insert(loaded, g_strdup(name), (gpointer)desc);
	g_debug("plugin '%s' loaded from %s", name, path);
	if (path_out != NULL)
		*path_out = g_steal_pointer(&path);
	return desc;
}

GHashTable *
cr_plugin_loader_scan(const gchar *search_path)
{
	GHashTable *found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) dirs = g_strsplit(search_path, ":", -1);
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GDir) dir = g_dir_open(dirs[i], 0, NULL);
		const gchar *entry;
		while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *p = g_build_filename(dirs[i], entry, NULL);
			if (g_file_test(p, G_FILE_TEST_IS_DIR)) {
				g_autoptr(GDir) sub = g_dir_open(p, 0, NULL);
				const gchar *e2;
				while (sub != NULL && (e2 = g_dir_read_name(sub)) != NULL)
					if (g_str_has_suffix(e2, ".so"))
						g_ptr_array_add(candidates,
								g_build_filename(p, e2, NULL));
			} else if (g_str_has_suffix(entry, ".so")) {
				g_ptr_array_add(candidates, g_steal_pointer(&p));
			}
		}
		for (guint j = 0; j < candidates->len; j++) {
			const gchar *p = g_ptr_array_index(candidates, j);
			g_autofree gchar *base = g_path_get_basename(p);
			base[strlen(base) - 3] = '\0';
			if (!g_hash_table_contains(found, base))
				g_hash_table_insert(found, g_strdup(base), g_strdup(p));
		}
	}
	return found;
}
