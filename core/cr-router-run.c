// SPDX-License-Identifier: GPL-2.0-or-later
/* Route changes, start and orderly shutdown of a router. */
#define G_LOG_DOMAIN "cardroute"

#include "cr-router-private.h"

CrRoute *
cr_router_make_route(CrRouter *self, const gchar *name, CrFrontendSlot *fs, CrBackendSlot *bs,
		     const CrRoutePolicy *policy, gboolean configured, GError **error)
{
	CrRoutePolicy defaults = CR_ROUTE_POLICY_INIT;
	g_autofree gchar *made_up = NULL;
	CrRoute *route;
	CrEvent ev = {0};
	GBytes *atr;

	if (policy == NULL)
		policy = &defaults;
	if (name == NULL) {
		for (guint n = self->next_route_index + 1;; n++) {
			g_free(made_up);
			made_up = g_strdup_printf("route%u", n);
			if (!g_hash_table_contains(self->routes, made_up))
				break;
		}
		name = made_up;
	}
	if (!cr_name_is_valid(name)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "route name '%s' is not valid (letters, digits, - _ .)", name);
		return NULL;
	}
	if (g_hash_table_contains(self->routes, name)) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS, "a route named '%s' already exists",
			    name);
		return NULL;
	}
	if (cr_frontend_slot_get_route(fs) != NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS,
			    "frontend slot '%s' is already routed by '%s'",
			    cr_frontend_slot_get_name(fs),
			    cr_route_get_name(cr_frontend_slot_get_route(fs)));
		return NULL;
	}
	if (cr_backend_slot_get_route(bs) != NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS,
			    "backend slot '%s' is already routed by '%s'",
			    cr_backend_slot_get_name(bs),
			    cr_route_get_name(cr_backend_slot_get_route(bs)));
		return NULL;
	}
	if (cr_backend_slot_is_busy(bs)) {
		g_set_error(error, CR_ERROR, CR_ERROR_BUSY,
			    "backend slot '%s' is busy with a transaction",
			    cr_backend_slot_get_name(bs));
		return NULL;
	}
	route = cr_route_new(name, ++self->next_route_index, fs, bs, policy, configured);
	g_hash_table_insert(self->routes, (gpointer)cr_route_get_name(route), route);
	g_clear_pointer(&self->sorted_routes, g_ptr_array_unref);
	cr_backend_slot_priv(bs)->route = route;
	cr_frontend_slot_priv(fs)->withdrawn = FALSE;
	if (!self->scratch)
		g_message("%s: route %s -> %s made%s", name, cr_frontend_slot_get_name(fs),
			  cr_backend_slot_get_name(bs), configured ? " (configured)" : "");
	cr_frontend_slot_tell_route(fs, route);
	ev.type = CR_EVENT_ROUTE_ADDED;
	ev.route = route;
	ev.frontend = fs;
	ev.backend = bs;
	cr_router_emit(self, &ev);
	atr = cr_backend_slot_get_atr(bs);
	cr_frontend_slot_tell_card(fs, atr);
	return route;
}

CrRoute *
cr_router_add_route(CrRouter *self, const gchar *name, const gchar *frontend,
		    const gchar *backend, const CrRoutePolicy *policy, GError **error)
{
	CrFrontendSlot *fs = cr_router_lookup_frontend(self, frontend);
	CrBackendSlot *bs = cr_router_lookup_backend(self, backend);
	if (fs == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "no frontend slot named '%s'",
			    frontend != NULL ? frontend : "(null)");
		return NULL;
	}
	if (bs == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "no backend slot named '%s'",
			    backend != NULL ? backend : "(null)");
		return NULL;
	}
	if (self->shutting_down) {
		g_set_error_literal(error, CR_ERROR, CR_ERROR_CANCELLED,
				    "the daemon is shutting down");
		return NULL;
	}
	return cr_router_make_route(self, name, fs, bs, policy, FALSE, error);
}

gboolean
cr_router_remove_route(CrRouter *self, const gchar *name, GError **error)
{
	CrRoute *route = cr_router_lookup_route(self, name);
	CrFrontendSlot *fs;
	CrBackendSlot *bs;
	CrEvent ev = {0};

	if (route == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "no route named '%s'",
			    name != NULL ? name : "(null)");
		return FALSE;
	}
	g_object_ref(route);
	fs = cr_route_get_frontend(route);
	bs = cr_route_get_backend(route);
	/* the transaction in flight gets its outcome while the route still exists */
	cr_engine_abort(fs, g_error_new(CR_ERROR, CR_ERROR_CANCELLED,
					"route %s was removed", cr_route_get_name(route)));
	cr_backend_slot_priv(bs)->route = NULL;
	g_hash_table_remove(self->routes, name);
	g_clear_pointer(&self->sorted_routes, g_ptr_array_unref);
	g_message("%s: route %s -> %s removed", cr_route_get_name(route),
		  cr_frontend_slot_get_name(fs), cr_backend_slot_get_name(bs));
	cr_frontend_slot_tell_route(fs, NULL);
	cr_frontend_slot_priv(fs)->withdrawn = FALSE;
	ev.type = CR_EVENT_ROUTE_REMOVED;
	ev.route = route;
	ev.frontend = fs;
	ev.backend = bs;
	cr_router_emit(self, &ev);
	if (cr_frontend_slot_get_atr(fs) != NULL)
		cr_frontend_slot_tell_card(fs, NULL);
	g_object_unref(route);
	return TRUE;
}

static const CrPluginKind start_order[] = {
	CR_PLUGIN_KIND_TAP,
	CR_PLUGIN_KIND_BACKEND,
	CR_PLUGIN_KIND_FRONTEND,
	CR_PLUGIN_KIND_CONTROL,
};

gboolean
cr_router_start_instance(CrRouter *self, CrInstance *inst, GError **error)
{
	CrInstanceClass *klass = CR_INSTANCE_GET_CLASS(inst);
	if (klass->start == NULL || klass->start(inst, error))
		return TRUE;
	g_prefix_error(error, "%s:%s: ", cr_plugin_kind_to_string(cr_instance_get_kind(inst)),
		       cr_instance_get_name(inst));
	cr_error_convert(error);
	return FALSE;
}

/* Takes an instance out of a running router: its routes go first (their
 * transactions get an outcome), then its slots, then it is stopped. */
void
cr_router_remove_instance(CrRouter *self, CrInstance *inst)
{
	CrInstanceClass *klass = CR_INSTANCE_GET_CLASS(inst);
	GPtrArray *fs = cr_instance_get_frontend_slots(inst);
	GPtrArray *bs = cr_instance_get_backend_slots(inst);
	g_object_ref(inst);
	for (guint i = 0; i < fs->len; i++)
		cr_router_unregister_frontend(self, fs->pdata[i]);
	for (guint i = 0; i < bs->len; i++)
		cr_router_unregister_backend(self, bs->pdata[i]);
	cr_instance_set_registered(inst, FALSE);
	if (self->started && klass->stop != NULL)
		klass->stop(inst);
	g_ptr_array_remove(self->instances, inst);
	g_message("%s:%s: removed", cr_plugin_kind_to_string(cr_instance_get_kind(inst)),
		  cr_instance_get_name(inst));
	g_object_unref(inst);
}

gboolean
cr_router_start_instances(CrRouter *self, GPtrArray *instances, GError **error)
{
	for (guint k = 0; k < G_N_ELEMENTS(start_order); k++) {
		for (guint i = 0; i < instances->len; i++) {
			CrInstance *inst = instances->pdata[i];
			if (cr_instance_get_kind(inst) != start_order[k])
				continue;
			if (!cr_router_start_instance(self, inst, error))
				return FALSE;
		}
	}
	return TRUE;
}

gboolean
cr_router_start(CrRouter *self, GError **error)
{
	g_return_val_if_fail(!self->started, FALSE);
	if (!cr_router_start_instances(self, self->instances, error))
		return FALSE;
	self->started = TRUE;
	return TRUE;
}

static void
stop_instances(CrRouter *self)
{
	if (self->stopped)
		return;
	self->stopped = TRUE;
	if (!self->started)
		return;
	for (gint k = G_N_ELEMENTS(start_order) - 1; k >= 0; k--) {
		for (guint i = self->instances->len; i > 0; i--) {
			CrInstance *inst = self->instances->pdata[i - 1];
			CrInstanceClass *klass = CR_INSTANCE_GET_CLASS(inst);
			if (cr_instance_get_kind(inst) == start_order[k] && klass->stop != NULL)
				klass->stop(inst);
		}
	}
}

static guint
count_busy(CrRouter *self)
{
	GHashTableIter it;
	gpointer value;
	guint n = 0;
	g_hash_table_iter_init(&it, self->frontends);
	while (g_hash_table_iter_next(&it, NULL, &value))
		n += cr_frontend_slot_is_busy(value) ? 1 : 0;
	return n;
}

static GPtrArray *
sorted_busy_frontends(CrRouter *self)
{
	GPtrArray *busy = g_ptr_array_new_with_free_func(g_object_unref);
	GPtrArray *all = cr_router_get_frontends(self);
	for (guint i = 0; i < all->len; i++)
		if (cr_frontend_slot_is_busy(all->pdata[i]))
			g_ptr_array_add(busy, g_object_ref(all->pdata[i]));
	return busy;
}

static void
shutdown_complete(CrRouter *self)
{
	GCallback done = self->shutdown_done;
	if (self->shutdown_timer != 0) {
		g_source_remove(self->shutdown_timer);
		self->shutdown_timer = 0;
	}
	stop_instances(self);
	self->shutdown_done = NULL;
	if (done != NULL)
		((void (*)(gpointer))done)(self->shutdown_data);
}

static gboolean
shutdown_grace_over(gpointer user_data)
{
	CrRouter *self = user_data;
	g_autoptr(GPtrArray) slots = sorted_busy_frontends(self);
	self->shutdown_timer = 0;
	for (guint i = 0; i < slots->len; i++)
		cr_engine_abort(slots->pdata[i],
				g_error_new_literal(CR_ERROR, CR_ERROR_CANCELLED,
						    "the daemon is shutting down"));
	shutdown_complete(self);
	return G_SOURCE_REMOVE;
}

void
cr_router_transaction_finished(CrRouter *self)
{
	if (self->shutting_down && self->shutdown_done != NULL && count_busy(self) == 0)
		shutdown_complete(self);
}

void
cr_router_shutdown(CrRouter *self, guint grace_ms, GCallback done, gpointer user_data)
{
	guint busy;
	if (self->shutting_down)
		return;
	self->shutting_down = TRUE;
	self->shutdown_done = done;
	self->shutdown_data = user_data;
	busy = count_busy(self);
	if (busy == 0) {
		shutdown_complete(self);
		return;
	}
	g_message("shutting down: waiting for %u transaction(s) in flight (at most %u ms)", busy,
		  grace_ms);
	self->shutdown_timer = g_timeout_add(grace_ms, shutdown_grace_over, self);
}

gboolean
cr_router_is_shutting_down(CrRouter *self)
{
	return self->shutting_down;
}
