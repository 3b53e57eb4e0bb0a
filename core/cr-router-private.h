// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cr-private.h"

G_BEGIN_DECLS

typedef struct {
	guint id;
	CrEventFunc func; /* NULL once removed */
	gpointer user_data;
	GDestroyNotify destroy;
} CrHook;

struct _CrRouter {
	GObject parent_instance;
	gchar *plugin_dir;
	gchar *config_path;
	GKeyFile *keyfile;
	GHashTable *lines; /* cr_ini_parse(): line numbers for messages */
	GHashTable *failed_names; /* while loading: instances with problems */
	CrConfigSection *router_section;
	GPtrArray *instances; /* in config order */
	GHashTable *frontends; /* name -> CrFrontendSlot */
	GHashTable *backends;
	GHashTable *routes;
	GPtrArray *sorted_frontends;
	GPtrArray *sorted_backends;
	GPtrArray *sorted_routes;
	GArray *hooks;
	guint next_hook_id;
	guint live_hooks;
	guint emitting;
	guint next_route_index;
	gint64 start_time;
	gboolean started;
	/* shutdown */
	gboolean shutting_down;
	guint shutdown_timer;
	GCallback shutdown_done;
	gpointer shutdown_data;
	gboolean stopped;
	gboolean scratch; /* validating a reload: says nothing */
	GPtrArray *default_sections; /* CrDefaultSection, while loading a file */
};

/* adds a route (config or run time) */
CrRoute *cr_router_make_route(CrRouter *self, const gchar *name, CrFrontendSlot *frontend,
			      CrBackendSlot *backend, const CrRoutePolicy *policy,
			      gboolean configured, GError **error);
/* reads a route's policy keys from its section */
gboolean cr_router_parse_route_policy(CrConfigSection *section, CrRoutePolicy *policy,
				      GError **error);

/* cr-router-config.c, shared with the reload */
gboolean cr_router_load_instance(CrRouter *self, const gchar *group, CrPluginKind kind,
				 GError **error);
gboolean cr_router_load_route(CrRouter *self, const gchar *group, GError **error);
/* The same; with @problems every problem of the section goes there (and
 * @error stays unset) */
gboolean cr_router_load_instance_full(CrRouter *self, const gchar *group, CrPluginKind kind,
				      GPtrArray *problems, GError **error);
gboolean cr_router_load_route_full(CrRouter *self, const gchar *group, GPtrArray *problems,
				   GError **error);
/* "kind:name" -> index into frontend, backend, tap, control, route */
gboolean cr_router_split_group(CrRouter *self, const gchar *group, guint *kind_index,
			       GError **error);
/* cr-router-run.c */
gboolean cr_router_start_instance(CrRouter *self, CrInstance *inst, GError **error);
/* starts @instances (CrInstance) kind by kind: taps, backends, frontends, controls */
gboolean cr_router_start_instances(CrRouter *self, GPtrArray *instances, GError **error);
void cr_router_remove_instance(CrRouter *self, CrInstance *inst);

G_END_DECLS
