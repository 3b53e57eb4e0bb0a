// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Routes made at run time survive restarts: STATE-DIR/routes.json holds them
 * (written atomically: a temporary file renamed over the old one) and they
 * are made again at start. A route whose slot is not there (a board not yet
 * plugged, a slot that went away) waits in the file until the slot appears.
 * A corrupt file is reported and moved aside, never fatal; a route in the
 * INI file is never stored (it stays as configured).
 */
#define G_LOG_DOMAIN "cr-control"

#include <errno.h>
#include <glib/gstdio.h>

#include "cr-control-private.h"
#include "cr-json.h"
#include "cr-rest-parse.h"

#define STATE_FILE "routes.json"
#define STATE_VERSION 1

typedef struct {
	gchar *name;
	gchar *frontend;
	gchar *backend;
	CrRoutePolicy policy;
} Entry;

struct _CrPersist {
	CrRouter *router;
	gchar *dir;
	gchar *path;
	guint hook;
	guint save_idle;
	gboolean restoring;
	GHashTable *waiting;	   /* name -> Entry: stored, slot not there */
	GHashTable *just_removed;  /* name -> Entry: removed, until the save */
};

static void
entry_free(gpointer data)
{
	Entry *e = data;
	g_free(e->name);
	g_free(e->frontend);
	g_free(e->backend);
	g_free(e);
}

static Entry *
entry_from_route(CrRoute *route)
{
	Entry *e = g_new0(Entry, 1);
	e->name = g_strdup(cr_route_get_name(route));
	e->frontend = g_strdup(cr_frontend_slot_get_name(cr_route_get_frontend(route)));
	e->backend = g_strdup(cr_backend_slot_get_name(cr_route_get_backend(route)));
	e->policy = *cr_route_get_policy(route);
	return e;
}

static gint
entry_compare(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(((const Entry *)a)->name, ((const Entry *)b)->name);
}

static void
add_entry(JsonBuilder *b, const Entry *e)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, e->name);
	json_builder_set_member_name(b, "frontend");
	json_builder_add_string_value(b, e->frontend);
	json_builder_set_member_name(b, "backend");
	json_builder_add_string_value(b, e->backend);
	json_builder_set_member_name(b, "policy");
	cr_json_add_policy(b, &e->policy);
	json_builder_end_object(b);
}

static void
save_now(CrPersist *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = NULL;
	g_autoptr(GList) waiting = NULL;
	GPtrArray *routes = cr_router_get_routes(self->router);
	guint count = 0;

	g_hash_table_remove_all(self->just_removed);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_int_value(b, STATE_VERSION);
	json_builder_set_member_name(b, "routes");
	json_builder_begin_array(b);
	for (guint i = 0; i < routes->len; i++) {
		Entry *e;
		if (cr_route_is_configured(routes->pdata[i]))
			continue;
		e = entry_from_route(routes->pdata[i]);
		add_entry(b, e);
		entry_free(e);
		count++;
	}
	waiting = g_list_sort(g_hash_table_get_values(self->waiting), entry_compare);
	for (GList *l = waiting; l != NULL; l = l->next) {
		Entry *e = l->data;
		if (cr_router_lookup_route(self->router, e->name) == NULL) {
			add_entry(b, e);
			count++;
		}
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json = cr_json_to_string(root, TRUE);
	if (g_mkdir_with_parents(self->dir, 0750) != 0) {
		g_warning("state-dir %s: %s; routes made at run time will not survive a restart",
			  self->dir, g_strerror(errno));
		return;
	}
	if (!g_file_set_contents_full(self->path, json, -1,
				      G_FILE_SET_CONTENTS_CONSISTENT |
					      G_FILE_SET_CONTENTS_DURABLE,
				      0640, &error)) {
		g_warning("%s: %s; routes made at run time will not survive a restart",
			  self->path, error->message);
		return;
	}
	g_debug("%s: %u route(s) stored", self->path, count);
}

static gboolean
save_idle(gpointer user_data)
{
	CrPersist *self = user_data;
	self->save_idle = 0;
	save_now(self);
	return G_SOURCE_REMOVE;
}

static void
schedule_save(CrPersist *self)
{
	if (self->save_idle == 0 && !self->restoring)
		self->save_idle = g_idle_add(save_idle, self);
}

/* Makes a stored route; FALSE when it waits for a slot. */
static gboolean
make_route(CrPersist *self, const Entry *e)
{
	g_autoptr(GError) error = NULL;
	if (cr_router_lookup_route(self->router, e->name) != NULL) {
		g_message("%s: stored route not restored: the name is taken (by the INI file?)",
			  e->name);
		return TRUE;
	}
	if (cr_router_add_route(self->router, e->name, e->frontend, e->backend, &e->policy,
				&error) != NULL) {
		g_message("%s: route restored from %s", e->name, self->path);
		return TRUE;
	}
	if (g_error_matches(error, CR_ERROR, CR_ERROR_NOT_FOUND)) {
		g_message("%s: stored route waits for its slot: %s", e->name, error->message);
		return FALSE;
	}
	g_message("%s: stored route dropped: %s", e->name, error->message);
	return TRUE;
}

static void
retry_waiting(CrPersist *self)
{
	g_autoptr(GList) names = g_hash_table_get_keys(self->waiting);
	for (GList *l = names; l != NULL; l = l->next) {
		Entry *e = g_hash_table_lookup(self->waiting, l->data);
		if (cr_router_lookup_frontend(self->router, e->frontend) == NULL ||
		    cr_router_lookup_backend(self->router, e->backend) == NULL)
			continue;
		g_hash_table_steal(self->waiting, l->data);
		if (!make_route(self, e))
			g_hash_table_insert(self->waiting, e->name, e);
		else
			entry_free(e);
	}
}

static void
on_event(const CrEvent *ev, gpointer user_data)
{
	CrPersist *self = user_data;
	switch (ev->type) {
	case CR_EVENT_ROUTE_ADDED:
		if (!cr_route_is_configured(ev->route)) {
			g_hash_table_remove(self->waiting, cr_route_get_name(ev->route));
			schedule_save(self);
		}
		break;
	case CR_EVENT_ROUTE_REMOVED:
		if (!cr_route_is_configured(ev->route)) {
			Entry *e = entry_from_route(ev->route);
			g_hash_table_replace(self->just_removed, e->name, e);
			schedule_save(self);
		}
		break;
	case CR_EVENT_SLOT_REMOVED: {
		/* a route removed because its slot went away waits for it */
		g_autoptr(GList) names = g_hash_table_get_keys(self->just_removed);
		const gchar *fs = ev->frontend != NULL ? cr_frontend_slot_get_name(ev->frontend)
						       : NULL;
		const gchar *bs = ev->backend != NULL ? cr_backend_slot_get_name(ev->backend)
						      : NULL;
		for (GList *l = names; l != NULL; l = l->next) {
			Entry *e = g_hash_table_lookup(self->just_removed, l->data);
			if (g_strcmp0(e->frontend, fs) != 0 && g_strcmp0(e->backend, bs) != 0)
				continue;
			g_hash_table_steal(self->just_removed, l->data);
			g_hash_table_replace(self->waiting, e->name, e);
		}
		break;
	}
	case CR_EVENT_SLOT_ADDED:
		if (g_hash_table_size(self->waiting) > 0)
			retry_waiting(self);
		break;
	default:
		break;
	}
}

CrPersist *
cr_persist_new(CrRouter *router, const gchar *state_dir)
{
	CrPersist *self = g_new0(CrPersist, 1);
	self->router = router;
	self->dir = g_strdup(state_dir);
	self->path = g_build_filename(state_dir, STATE_FILE, NULL);
	self->waiting = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	self->just_removed = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	return self;
}

static void
move_aside(CrPersist *self, const gchar *why)
{
	cr_state_file_move_aside(self->path, why, "starting without stored routes");
}

/* One stored route, checked like a REST request (the file may be edited). */
static Entry *
parse_entry(JsonNode *node, guint index, GError **error)
{
	const CrRoutePolicy defaults = CR_ROUTE_POLICY_INIT;
	g_autofree gchar *prefix = g_strdup_printf("routes[%u].policy.", index);
	JsonObject *obj;
	JsonNode *policy;
	Entry *e;
	const gchar *names[3] = {"name", "frontend", "backend"};
	const gchar *values[3];

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "routes[%u]: not an object", index);
		return NULL;
	}
	obj = json_node_get_object(node);
	for (guint i = 0; i < 3; i++) {
		JsonNode *m = json_object_get_member(obj, names[i]);
		values[i] = m != NULL && JSON_NODE_HOLDS_VALUE(m) &&
					    json_node_get_value_type(m) == G_TYPE_STRING
				    ? json_node_get_string(m)
				    : NULL;
		if (!cr_name_is_valid(values[i])) {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "routes[%u].%s: invalid",
				    index, names[i]);
			return NULL;
		}
	}
	e = g_new0(Entry, 1);
	e->policy = defaults;
	policy = json_object_get_member(obj, "policy");
	if (policy != NULL && (!JSON_NODE_HOLDS_OBJECT(policy) ||
			       !cr_rest_parse_policy(json_node_get_object(policy), prefix,
						     &e->policy, error))) {
		if (error != NULL && *error == NULL)
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
				    "routes[%u].policy: not an object", index);
		entry_free(e);
		return NULL;
	}
	e->name = g_strdup(values[0]);
	e->frontend = g_strdup(values[1]);
	e->backend = g_strdup(values[2]);
	return e;
}

static GPtrArray *
load(CrPersist *self, const gchar *text, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(entry_free);
	JsonNode *root, *version, *routes;
	JsonArray *array;

	if (!json_parser_load_from_data(parser, text, (gssize)len, error))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, CR_ERROR, CR_ERROR_INVALID, "not a JSON object");
		return NULL;
	}
	version = json_object_get_member(json_node_get_object(root), "version");
	if (version == NULL || !JSON_NODE_HOLDS_VALUE(version) ||
	    json_node_get_value_type(version) != G_TYPE_INT64 ||
	    json_node_get_int(version) != STATE_VERSION) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "version: %d expected",
			    STATE_VERSION);
		return NULL;
	}
	routes = json_object_get_member(json_node_get_object(root), "routes");
	if (routes == NULL || !JSON_NODE_HOLDS_ARRAY(routes)) {
		g_set_error_literal(error, CR_ERROR, CR_ERROR_INVALID, "routes: not an array");
		return NULL;
	}
	array = json_node_get_array(routes);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		Entry *e = parse_entry(json_array_get_element(array, i), i, error);
		if (e == NULL)
			return NULL;
		g_ptr_array_add(entries, e);
	}
	return g_steal_pointer(&entries);
}

void
cr_persist_restore(CrPersist *self)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	gsize len;

	self->hook = cr_router_add_event_hook(self->router, on_event, self, NULL);
	if (!g_file_get_contents(self->path, &text, &len, &error)) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("%s: %s; starting without stored routes", self->path,
				  error->message);
		return;
	}
	entries = load(self, text, len, &error);
	if (entries == NULL) {
		move_aside(self, error->message);
		return;
	}
	self->restoring = TRUE;
	while (entries->len > 0) {
		Entry *e = g_ptr_array_steal_index(entries, 0);
		if (make_route(self, e))
			entry_free(e);
		else
			g_hash_table_replace(self->waiting, e->name, e);
	}
	self->restoring = FALSE;
	g_message("%s: stored routes restored, %u waiting for their slots", self->path,
		  g_hash_table_size(self->waiting));
}

void
cr_persist_free(CrPersist *self)
{
	if (self == NULL)
		return;
	if (self->save_idle != 0) {
		g_source_remove(self->save_idle);
		save_now(self);
	}
	if (self->hook != 0)
		cr_router_remove_event_hook(self->router, self->hook);
	g_hash_table_unref(self->waiting);
	g_hash_table_unref(self->just_removed);
	g_free(self->dir);
	g_free(self->path);
	g_free(self);
}
