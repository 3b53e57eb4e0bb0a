// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The router: registry of instances, slots and routes, route changes and the
 * event stream. The transaction path itself is in cr-engine.c, configuration
 * loading in cr-router-config.c.
 */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-config-private.h"
#include "cr-private.h"
#include "cr-router-private.h"

G_DEFINE_TYPE(CrRouter, cr_router, G_TYPE_OBJECT)

static gint traffic_logging = -1;

gboolean
cr_log_traffic(void)
{
	if (G_UNLIKELY(traffic_logging < 0))
		traffic_logging = !g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, "cardroute");
	return traffic_logging;
}

guint64
cr_router_next_transaction_id(void)
{
	static guint64 next = 0;
	return ++next;
}

static void
cr_router_dispose(GObject *obj)
{
	CrRouter *self = CR_ROUTER(obj);
	/* routes first: they hold both slots */
	if (self->routes != NULL) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, self->routes);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			CrRoute *route = value;
			cr_frontend_slot_priv(cr_route_get_frontend(route))->route = NULL;
			cr_backend_slot_priv(cr_route_get_backend(route))->route = NULL;
		}
		g_hash_table_remove_all(self->routes);
	}
	for (guint i = 0; self->hooks != NULL && i < self->hooks->len; i++) {
		CrHook *h = &g_array_index(self->hooks, CrHook, i);
		if (h->func != NULL && h->destroy != NULL)
			h->destroy(h->user_data);
		h->func = NULL;
	}
	if (self->hooks != NULL)
		g_array_set_size(self->hooks, 0);
	g_clear_pointer(&self->frontends, g_hash_table_unref);
	g_clear_pointer(&self->backends, g_hash_table_unref);
	g_clear_pointer(&self->instances, g_ptr_array_unref);
	G_OBJECT_CLASS(cr_router_parent_class)->dispose(obj);
}

static void
cr_router_finalize(GObject *obj)
{
	CrRouter *self = CR_ROUTER(obj);
	g_clear_pointer(&self->routes, g_hash_table_unref);
	g_clear_pointer(&self->hooks, g_array_unref);
	g_clear_pointer(&self->sorted_frontends, g_ptr_array_unref);
	g_clear_pointer(&self->sorted_backends, g_ptr_array_unref);
	g_clear_pointer(&self->sorted_routes, g_ptr_array_unref);
	g_clear_pointer(&self->router_section, cr_config_section_free);
	g_clear_pointer(&self->keyfile, g_key_file_unref);
	g_clear_pointer(&self->default_sections, g_ptr_array_unref);
	g_clear_pointer(&self->lines, g_hash_table_unref);
	g_free(self->config_path);
	g_free(self->plugin_dir);
	G_OBJECT_CLASS(cr_router_parent_class)->finalize(obj);
}

static void
cr_router_class_init(CrRouterClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cr_router_dispose;
	G_OBJECT_CLASS(klass)->finalize = cr_router_finalize;
}

static void
cr_router_init(CrRouter *self)
{
	self->instances = g_ptr_array_new_with_free_func(g_object_unref);
	self->frontends = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_object_unref);
	self->backends = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_object_unref);
	self->routes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_object_unref);
	self->hooks = g_array_new(FALSE, TRUE, sizeof(CrHook));
	self->start_time = g_get_real_time();
}

CrRouter *
cr_router_new(void)
{
	return g_object_new(CR_TYPE_ROUTER, NULL);
}

void
cr_router_set_plugin_dir(CrRouter *self, const gchar *dir)
{
	g_free(self->plugin_dir);
	self->plugin_dir = g_strdup(dir);
}

const gchar *
cr_router_get_plugin_dir(CrRouter *self)
{
	return self->plugin_dir != NULL ? self->plugin_dir : CR_PLUGIN_DIR;
}

gint64
cr_router_get_start_time(CrRouter *self)
{
	return self->start_time;
}

CrConfigSection *
cr_router_get_router_section(CrRouter *self)
{
	return self->router_section;
}

/* events */

guint
cr_router_add_event_hook(CrRouter *self, CrEventFunc func, gpointer user_data,
			 GDestroyNotify destroy)
{
	CrHook h = {++self->next_hook_id, func, user_data, destroy};
	g_array_append_val(self->hooks, h);
	self->live_hooks++;
	return h.id;
}

void
cr_router_remove_event_hook(CrRouter *self, guint id)
{
	for (guint i = 0; i < self->hooks->len; i++) {
		CrHook *h = &g_array_index(self->hooks, CrHook, i);
		if (h->id != id || h->func == NULL)
			continue;
		if (h->destroy != NULL)
			h->destroy(h->user_data);
		h->func = NULL;
		self->live_hooks--;
		if (self->emitting == 0)
			g_array_remove_index(self->hooks, i);
		return;
	}
}

gboolean
cr_router_has_hooks(CrRouter *self)
{
	return self->live_hooks > 0;
}

void
cr_router_emit(CrRouter *self, CrEvent *event)
{
	if (self->live_hooks == 0)
		return;
	if (event->timestamp_us == 0)
		event->timestamp_us = g_get_monotonic_time();
	self->emitting++;
	for (guint i = 0; i < self->hooks->len; i++) {
		CrHook *h = &g_array_index(self->hooks, CrHook, i);
		if (h->func != NULL)
			h->func(event, h->user_data);
	}
	self->emitting--;
	if (self->emitting == 0) {
		for (guint i = self->hooks->len; i > 0; i--)
			if (g_array_index(self->hooks, CrHook, i - 1).func == NULL)
				g_array_remove_index(self->hooks, i - 1);
	}
}

void
cr_router_report_error(CrRouter *self, CrFrontendSlot *frontend, CrBackendSlot *backend,
		       const GError *error)
{
	CrEvent ev = {0};
	const gchar *who = frontend != NULL  ? cr_frontend_slot_get_name(frontend)
			   : backend != NULL ? cr_backend_slot_get_name(backend)
					     : "cardroute";
	g_warning("%s: %s", who, error->message);
	ev.type = CR_EVENT_ERROR;
	ev.frontend = frontend;
	ev.backend = backend;
	ev.route = frontend != NULL   ? cr_frontend_slot_get_route(frontend)
		   : backend != NULL ? cr_backend_slot_get_route(backend)
				     : NULL;
	ev.error = error;
	cr_router_emit(self, &ev);
}

/* registry */

gboolean
cr_name_is_valid(const gchar *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > 128)
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	return TRUE;
}


static void
emit_slot(CrRouter *self, CrEventType type, CrFrontendSlot *fs, CrBackendSlot *bs)
{
	CrEvent ev = {0};
	ev.type = type;
	ev.frontend = fs;
	ev.backend = bs;
	cr_router_emit(self, &ev);
}

gboolean
cr_router_register_frontend(CrRouter *self, CrFrontendSlot *slot, GError **error)
{
	const gchar *name = cr_frontend_slot_get_name(slot);
	if (!cr_name_is_valid(name)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "frontend slot name '%s' is not valid (letters, digits, - _ .)",
			    name != NULL ? name : "(null)");
		return FALSE;
	}
	if (g_hash_table_contains(self->frontends, name)) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS,
			    "a frontend slot named '%s' already exists", name);
		return FALSE;
	}
	g_hash_table_insert(self->frontends, (gpointer)name, g_object_ref(slot));
	g_clear_pointer(&self->sorted_frontends, g_ptr_array_unref);
	emit_slot(self, CR_EVENT_SLOT_ADDED, slot, NULL);
	return TRUE;
}

gboolean
cr_router_register_backend(CrRouter *self, CrBackendSlot *slot, GError **error)
{
	const gchar *name = cr_backend_slot_get_name(slot);
	if (!cr_name_is_valid(name)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "backend slot name '%s' is not valid (letters, digits, - _ .)",
			    name != NULL ? name : "(null)");
		return FALSE;
	}
	if (g_hash_table_contains(self->backends, name)) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS,
			    "a backend slot named '%s' already exists", name);
		return FALSE;
	}
	g_hash_table_insert(self->backends, (gpointer)name, g_object_ref(slot));
	g_clear_pointer(&self->sorted_backends, g_ptr_array_unref);
	emit_slot(self, CR_EVENT_SLOT_ADDED, NULL, slot);
	return TRUE;
}

void
cr_router_unregister_frontend(CrRouter *self, CrFrontendSlot *slot)
{
	CrRoute *route = cr_frontend_slot_get_route(slot);
	if (route != NULL)
		cr_router_remove_route(self, cr_route_get_name(route), NULL);
	emit_slot(self, CR_EVENT_SLOT_REMOVED, slot, NULL);
	g_hash_table_remove(self->frontends, cr_frontend_slot_get_name(slot));
	g_clear_pointer(&self->sorted_frontends, g_ptr_array_unref);
}

void
cr_router_unregister_backend(CrRouter *self, CrBackendSlot *slot)
{
	CrRoute *route = cr_backend_slot_get_route(slot);
	if (route != NULL)
		cr_router_remove_route(self, cr_route_get_name(route), NULL);
	emit_slot(self, CR_EVENT_SLOT_REMOVED, NULL, slot);
	g_hash_table_remove(self->backends, cr_backend_slot_get_name(slot));
	g_clear_pointer(&self->sorted_backends, g_ptr_array_unref);
}

gboolean
cr_router_add_instance(CrRouter *self, CrInstance *instance, const gchar *name,
		       const gchar *plugin_name, CrPluginKind kind, GError **error)
{
	GPtrArray *slots;
	if (cr_router_lookup_instance(self, name) != NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS, "an instance named '%s' exists",
			    name);
		return FALSE;
	}
	cr_instance_setup(instance, self, name, plugin_name, kind);
	slots = cr_instance_get_frontend_slots(instance);
	for (guint i = 0; i < slots->len; i++) {
		cr_frontend_slot_attach(slots->pdata[i], instance, self);
		if (!cr_router_register_frontend(self, slots->pdata[i], error))
			return FALSE;
	}
	slots = cr_instance_get_backend_slots(instance);
	for (guint i = 0; i < slots->len; i++) {
		cr_backend_slot_attach(slots->pdata[i], instance, self);
		if (!cr_router_register_backend(self, slots->pdata[i], error))
			return FALSE;
	}
	cr_instance_set_registered(instance, TRUE);
	g_ptr_array_add(self->instances, g_object_ref(instance));
	return TRUE;
}

CrFrontendSlot *
cr_router_lookup_frontend(CrRouter *self, const gchar *name)
{
	return name != NULL ? g_hash_table_lookup(self->frontends, name) : NULL;
}

CrBackendSlot *
cr_router_lookup_backend(CrRouter *self, const gchar *name)
{
	return name != NULL ? g_hash_table_lookup(self->backends, name) : NULL;
}

CrRoute *
cr_router_lookup_route(CrRouter *self, const gchar *name)
{
	return name != NULL ? g_hash_table_lookup(self->routes, name) : NULL;
}

CrInstance *
cr_router_lookup_instance(CrRouter *self, const gchar *name)
{
	for (guint i = 0; i < self->instances->len; i++)
		if (g_strcmp0(cr_instance_get_name(self->instances->pdata[i]), name) == 0)
			return self->instances->pdata[i];
	return NULL;
}

static gint
cmp_frontend(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(cr_frontend_slot_get_name(*(CrFrontendSlot **)a),
			 cr_frontend_slot_get_name(*(CrFrontendSlot **)b));
}

static gint
cmp_backend(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(cr_backend_slot_get_name(*(CrBackendSlot **)a),
			 cr_backend_slot_get_name(*(CrBackendSlot **)b));
}

static gint
cmp_route(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(cr_route_get_name(*(CrRoute **)a), cr_route_get_name(*(CrRoute **)b));
}

static GPtrArray *
sorted_values(GHashTable *table, GCompareFunc cmp)
{
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, table);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(out, value);
	g_ptr_array_sort(out, cmp);
	return out;
}

GPtrArray *
cr_router_get_frontends(CrRouter *self)
{
	if (self->sorted_frontends == NULL)
		self->sorted_frontends = sorted_values(self->frontends, cmp_frontend);
	return self->sorted_frontends;
}

GPtrArray *
cr_router_get_backends(CrRouter *self)
{
	if (self->sorted_backends == NULL)
		self->sorted_backends = sorted_values(self->backends, cmp_backend);
	return self->sorted_backends;
}

GPtrArray *
cr_router_get_routes(CrRouter *self)
{
	if (self->sorted_routes == NULL)
		self->sorted_routes = sorted_values(self->routes, cmp_route);
	return self->sorted_routes;
}

GPtrArray *
cr_router_get_instances(CrRouter *self)
{
	return self->instances;
}
