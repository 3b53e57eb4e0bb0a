// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib-object.h>

#include "cr-config.h"
#include "cr-event.h"
#include "cr-plugin.h"
#include "cr-route.h"
#include "cr-types.h"

G_BEGIN_DECLS

/*
 * The router: plugin instances, slots, routes and the event stream of one
 * daemon. Everything runs on the main context of the thread that made it.
 */
#define CR_TYPE_ROUTER (cr_router_get_type())
G_DECLARE_FINAL_TYPE(CrRouter, cr_router, CR, ROUTER, GObject)

CrRouter *cr_router_new(void);

/* Names of instances, slots and routes: 1..128 of letters, digits, - _ . */
gboolean cr_name_is_valid(const gchar *name);

/* Where plugins are looked for (before load_config). */
void cr_router_set_plugin_dir(CrRouter *self, const gchar *dir);
const gchar *cr_router_get_plugin_dir(CrRouter *self);

/* Parses the INI, loads plugins, creates every instance and slot, and makes
 * the configured routes (not started: no I/O). Every error names file,
 * section, key. */
gboolean cr_router_load_config(CrRouter *self, const gchar *path, GError **error);
/* The same from INI text; @name stands for the file name in messages. */
gboolean cr_router_load_config_data(CrRouter *self, const gchar *data, gsize len,
				    const gchar *name, GError **error);
/* Re-reads the file given to cr_router_load_config() in a running router:
 * sections that changed are rebuilt, removed ones go (their routes and
 * transactions get their outcome), new ones come; the rest keeps serving.
 * The file is validated in full first: on a config error nothing changes.
 * Routes made at run time stay while both their slots exist. */
gboolean cr_router_reload_config(CrRouter *self, GError **error);
/* The [router] section, for control-plane keys (rest, dbus, state-dir). */
CrConfigSection *cr_router_get_router_section(CrRouter *self);
/* Fails naming the first [router] key nobody read; call it after every
 * built-in part (control plane) has read its keys. */
gboolean cr_router_check_router_section(CrRouter *self, GError **error);
/* Starts every instance: backends, frontends, taps, control. */
gboolean cr_router_start(CrRouter *self, GError **error);
/* Stops accepting new transactions, lets those in flight finish (each up to
 * its route's timeout, at most @grace_ms), fails what is left with
 * CR_ERROR_CANCELLED, stops every instance, then calls @done. */
void cr_router_shutdown(CrRouter *self, guint grace_ms, GCallback done, gpointer user_data);
gboolean cr_router_is_shutting_down(CrRouter *self);

/* Adds an instance made in process (not from a plugin module: the benchmark,
 * built-in control plane parts) and registers its slots. */
gboolean cr_router_add_instance(CrRouter *self, CrInstance *instance, const gchar *name,
				const gchar *plugin_name, CrPluginKind kind, GError **error);

/*
 * For a plugin's create(): the section [KIND:NAME] with these keys
 * (@keys: key, value, ..., NULL) is added to the configuration when it has
 * no section of @kind at all, and its instance made once every configured
 * instance exists, before the routes (rspro-bank with slots-csv opens the
 * PC/SC readers itself, as osmo-remsim-bankd does). The same request from a
 * reload gives the same section, so a reload leaves its instance alone.
 */
void cr_router_add_default_section(CrRouter *self, CrPluginKind kind, const gchar *name,
				   const gchar *const *keys);

/* Look-ups by name; borrowed references. */
CrFrontendSlot *cr_router_lookup_frontend(CrRouter *self, const gchar *name);
CrBackendSlot *cr_router_lookup_backend(CrRouter *self, const gchar *name);
CrRoute *cr_router_lookup_route(CrRouter *self, const gchar *name);
CrInstance *cr_router_lookup_instance(CrRouter *self, const gchar *name);
/* Borrowed arrays, sorted by name; valid until the next change. */
GPtrArray *cr_router_get_frontends(CrRouter *self);
GPtrArray *cr_router_get_backends(CrRouter *self);
GPtrArray *cr_router_get_routes(CrRouter *self);
GPtrArray *cr_router_get_instances(CrRouter *self);

/*
 * Makes a route at run time (the control plane). @name may be NULL (one is
 * made up), @policy NULL for the defaults. Fails with CR_ERROR_NOT_FOUND for
 * an unknown slot and CR_ERROR_EXISTS when a slot is already routed or the
 * name is taken. Both slots are told (card_changed, route_changed).
 */
CrRoute *cr_router_add_route(CrRouter *self, const gchar *name, const gchar *frontend,
			     const gchar *backend, const CrRoutePolicy *policy, GError **error);
/* Removes a route; a transaction in flight ends with CR_ERROR_CANCELLED and
 * the frontend is told the card is gone. */
gboolean cr_router_remove_route(CrRouter *self, const gchar *name, GError **error);

guint cr_router_add_event_hook(CrRouter *self, CrEventFunc func, gpointer user_data,
			       GDestroyNotify destroy);
void cr_router_remove_event_hook(CrRouter *self, guint id);
/* For plugins: an error outside a transaction (logged and sent to hooks). */
void cr_router_report_error(CrRouter *self, CrFrontendSlot *frontend, CrBackendSlot *backend,
			    const GError *error);

gint64 cr_router_get_start_time(CrRouter *self); /* wall clock µs */

G_END_DECLS
