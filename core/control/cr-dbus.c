// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cardrouted on D-Bus (data/org.cardroute.Router1.xml, generated skeletons):
 * an object manager with one object per frontend slot, backend slot and
 * route, kept up to date from the router's events. No bus is never fatal: a
 * log line says why D-Bus is off.
 */
#define G_LOG_DOMAIN "cr-control"

#include <gio/gio.h>

#include "cr-control-private.h"
#include "cr-dbus-generated.h"
#include "cr-json.h"
#include "cr-rest-parse.h"

#define CR_DBUS_NAME "org.cardroute.Router1"
#define CR_DBUS_PATH "/org/cardroute/Router1"

struct _CrDbus {
	CrControl *control;
	CrRouter *router;
	GBusType bus_type;
	guint owner_id;
	guint hook;
	GDBusConnection *connection;
	GDBusObjectManagerServer *manager;
	CrDbusRouter1 *router_iface;
	GHashTable *objects; /* "frontend/NAME" -> CrDbusObjectSkeleton */
};

static gchar *
object_path(const gchar *kind, const gchar *name)
{
	g_autofree gchar *escaped = g_dbus_escape_object_path(name);
	return g_strdup_printf(CR_DBUS_PATH "/%s/%s", kind, escaped);
}

static gchar *
hex_of(GBytes *bytes)
{
	gsize len;
	const guint8 *data;
	if (bytes == NULL)
		return g_strdup("");
	data = g_bytes_get_data(bytes, &len);
	return cr_hex_encode(data, len);
}

typedef const gchar *(*NameFunc)(gpointer item);

/* The names of @items as a NULL-terminated array (borrowed strings). */
static GPtrArray *
names_of(GPtrArray *items, NameFunc get_name)
{
	GPtrArray *names = g_ptr_array_new();
	for (guint i = 0; i < items->len; i++)
		g_ptr_array_add(names, (gpointer)get_name(items->pdata[i]));
	g_ptr_array_add(names, NULL);
	return names;
}

static void
update_router(CrDbus *self)
{
	g_autoptr(GPtrArray) fs = names_of(cr_router_get_frontends(self->router),
					   (NameFunc)cr_frontend_slot_get_name);
	g_autoptr(GPtrArray) bs = names_of(cr_router_get_backends(self->router),
					   (NameFunc)cr_backend_slot_get_name);
	g_autoptr(GPtrArray) rs = names_of(cr_router_get_routes(self->router),
					   (NameFunc)cr_route_get_name);
	cr_dbus_router1_set_frontends(self->router_iface, (const gchar *const *)fs->pdata);
	cr_dbus_router1_set_backends(self->router_iface, (const gchar *const *)bs->pdata);
	cr_dbus_router1_set_routes(self->router_iface, (const gchar *const *)rs->pdata);
}

static CrDbusObjectSkeleton *
lookup(CrDbus *self, const gchar *kind, const gchar *name)
{
	/* on every transaction event: no allocation (names are at most 128) */
	gchar key[160];
	if ((gsize)g_snprintf(key, sizeof(key), "%s/%s", kind, name) >= sizeof(key))
		return NULL;
	return g_hash_table_lookup(self->objects, key);
}

/* Protocols, ExtendedLength, MaxCommand, MaxResponse: the same properties
 * on FrontendSlot1 and BackendSlot1, set by name as set_details() does */
static void
set_caps(GObject *iface, const CrSlotCaps *caps)
{
	const gchar *protocols[3];
	guint n = 0;
	if (caps->protocols & CR_PROTOCOL_T0)
		protocols[n++] = "T=0";
	if (caps->protocols & CR_PROTOCOL_T1)
		protocols[n++] = "T=1";
	protocols[n] = NULL;
	g_object_set(iface, "protocols", protocols, "extended-length", caps->extended,
		     "max-command", (guint)caps->max_command, "max-response",
		     (guint)caps->max_response, NULL);
}

/* the Details property: the instance's describe() */
static void
set_details(GObject *iface, CrInstance *inst)
{
	g_autoptr(GVariant) details = NULL;
	if (inst == NULL)
		return;
	details = cr_instance_describe(inst);
	g_object_set(iface, "details", details, NULL);
}

/* @counters_only: after a transaction, which changes nothing else (state, card
 * and route changes come with their own events) */
static void
update_frontend(CrDbus *self, CrFrontendSlot *slot, gboolean counters_only)
{
	CrDbusObjectSkeleton *obj = lookup(self, "frontend", cr_frontend_slot_get_name(slot));
	CrDbusFrontendSlot1 *iface;
	const CrStats *s = cr_frontend_slot_get_stats(slot);
	if (obj == NULL)
		return;
	iface = cr_dbus_object_get_frontend_slot1(CR_DBUS_OBJECT(obj));
	if (!counters_only) {
		CrRoute *route = cr_frontend_slot_get_route(slot);
		const gchar *route_name = route != NULL ? cr_route_get_name(route) : "";
		g_autofree gchar *atr = hex_of(cr_frontend_slot_get_atr(slot));
		cr_dbus_frontend_slot1_set_state(
			iface, cr_slot_state_to_string(cr_frontend_slot_get_state(slot)));
		cr_dbus_frontend_slot1_set_atr(iface, atr);
		cr_dbus_frontend_slot1_set_route(iface, route_name);
		set_caps(G_OBJECT(iface), cr_frontend_slot_get_caps(slot));
		set_details(G_OBJECT(iface), cr_frontend_slot_get_instance(slot));
	}
	cr_dbus_frontend_slot1_set_transactions(iface, s->transactions);
	cr_dbus_frontend_slot1_set_errors(iface, s->errors);
	cr_dbus_frontend_slot1_set_last_error(iface, s->last_error != NULL ? s->last_error : "");
	g_object_unref(iface);
}

static void
update_backend(CrDbus *self, CrBackendSlot *slot, gboolean counters_only)
{
	CrDbusObjectSkeleton *obj = lookup(self, "backend", cr_backend_slot_get_name(slot));
	CrDbusBackendSlot1 *iface;
	const CrStats *s = cr_backend_slot_get_stats(slot);
	if (obj == NULL)
		return;
	iface = cr_dbus_object_get_backend_slot1(CR_DBUS_OBJECT(obj));
	if (!counters_only) {
		CrRoute *route = cr_backend_slot_get_route(slot);
		const gchar *route_name = route != NULL ? cr_route_get_name(route) : "";
		g_autofree gchar *atr = hex_of(cr_backend_slot_get_atr(slot));
		cr_dbus_backend_slot1_set_state(
			iface, cr_slot_state_to_string(cr_backend_slot_get_state(slot)));
		cr_dbus_backend_slot1_set_atr(iface, atr);
		cr_dbus_backend_slot1_set_route(iface, route_name);
		cr_dbus_backend_slot1_set_location(iface, cr_backend_slot_get_location(slot) != NULL
								  ? cr_backend_slot_get_location(slot)
								  : "");
		set_caps(G_OBJECT(iface), cr_backend_slot_get_caps(slot));
		set_details(G_OBJECT(iface), cr_backend_slot_get_instance(slot));
	}
	cr_dbus_backend_slot1_set_transactions(iface, s->transactions);
	cr_dbus_backend_slot1_set_errors(iface, s->errors);
	cr_dbus_backend_slot1_set_last_error(iface, s->last_error != NULL ? s->last_error : "");
	g_object_unref(iface);
}

static void
update_route(CrDbus *self, CrRoute *route)
{
	CrDbusObjectSkeleton *obj = lookup(self, "route", cr_route_get_name(route));
	CrDbusRoute1 *iface;
	const CrStats *s = cr_route_get_stats(route);
	if (obj == NULL)
		return;
	iface = cr_dbus_object_get_route1(CR_DBUS_OBJECT(obj));
	cr_dbus_route1_set_transactions(iface, s->transactions);
	cr_dbus_route1_set_errors(iface, s->errors);
	cr_dbus_route1_set_timeouts(iface, s->timeouts);
	cr_dbus_route1_set_latency_p50_us(iface, cr_stats_percentile(s, 0.5));
	cr_dbus_route1_set_latency_p99_us(iface, cr_stats_percentile(s, 0.99));
	g_object_unref(iface);
}

static void
export(CrDbus *self, const gchar *kind, const gchar *name, CrDbusObjectSkeleton *obj)
{
	g_hash_table_replace(self->objects, g_strconcat(kind, "/", name, NULL), obj);
	g_dbus_object_manager_server_export(self->manager, G_DBUS_OBJECT_SKELETON(obj));
}

static void
unexport(CrDbus *self, const gchar *kind, const gchar *name)
{
	g_autofree gchar *key = g_strconcat(kind, "/", name, NULL);
	CrDbusObjectSkeleton *obj = g_hash_table_lookup(self->objects, key);
	if (obj == NULL)
		return;
	g_dbus_object_manager_server_unexport(
		self->manager, g_dbus_object_get_object_path(G_DBUS_OBJECT(obj)));
	g_hash_table_remove(self->objects, key);
}

static void
add_frontend(CrDbus *self, CrFrontendSlot *slot)
{
	const gchar *name = cr_frontend_slot_get_name(slot);
	g_autofree gchar *path = object_path("frontend", name);
	CrDbusObjectSkeleton *obj = cr_dbus_object_skeleton_new(path);
	g_autoptr(CrDbusFrontendSlot1) iface = cr_dbus_frontend_slot1_skeleton_new();
	CrInstance *inst = cr_frontend_slot_get_instance(slot);
	cr_dbus_frontend_slot1_set_name(iface, name);
	cr_dbus_frontend_slot1_set_instance(iface, inst != NULL ? cr_instance_get_name(inst) : "");
	cr_dbus_object_skeleton_set_frontend_slot1(obj, iface);
	export(self, "frontend", name, obj);
	update_frontend(self, slot, FALSE);
}

static void
add_backend(CrDbus *self, CrBackendSlot *slot)
{
	const gchar *name = cr_backend_slot_get_name(slot);
	g_autofree gchar *path = object_path("backend", name);
	CrDbusObjectSkeleton *obj = cr_dbus_object_skeleton_new(path);
	g_autoptr(CrDbusBackendSlot1) iface = cr_dbus_backend_slot1_skeleton_new();
	CrInstance *inst = cr_backend_slot_get_instance(slot);
	cr_dbus_backend_slot1_set_name(iface, name);
	cr_dbus_backend_slot1_set_instance(iface, inst != NULL ? cr_instance_get_name(inst) : "");
	cr_dbus_object_skeleton_set_backend_slot1(obj, iface);
	export(self, "backend", name, obj);
	update_backend(self, slot, FALSE);
}

/* Methods that change routes: on the session bus every process of the user
 * can call them, so they need [router] dbus-write = true there; on the system
 * bus the bus policy decides who calls (dbus-write defaults to true). */
static gboolean
refuse_write(CrDbus *self, GDBusMethodInvocation *invocation)
{
	if (self->control->dbus_write)
		return FALSE;
	g_dbus_method_invocation_return_error(invocation, CR_ERROR, CR_ERROR_AUTH,
					      "read-only on this bus ([router] dbus-write = false)");
	return TRUE;
}

static gboolean
handle_route_remove(CrDbusRoute1 *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
	CrDbus *self = user_data;
	g_autofree gchar *name = g_strdup(cr_dbus_route1_get_name(iface));
	g_autoptr(GError) error = NULL;
	if (refuse_write(self, invocation))
		return TRUE;
	if (!cr_router_remove_route(self->router, name, &error))
		g_dbus_method_invocation_return_gerror(invocation, error);
	else
		cr_dbus_route1_complete_remove(iface, invocation);
	return TRUE;
}

static void
add_route(CrDbus *self, CrRoute *route)
{
	const gchar *name = cr_route_get_name(route);
	const CrRoutePolicy *p = cr_route_get_policy(route);
	g_autofree gchar *path = object_path("route", name);
	CrDbusObjectSkeleton *obj = cr_dbus_object_skeleton_new(path);
	g_autoptr(CrDbusRoute1) iface = cr_dbus_route1_skeleton_new();
	cr_dbus_route1_set_name(iface, name);
	cr_dbus_route1_set_frontend(iface, cr_frontend_slot_get_name(cr_route_get_frontend(route)));
	cr_dbus_route1_set_backend(iface, cr_backend_slot_get_name(cr_route_get_backend(route)));
	cr_dbus_route1_set_configured(iface, cr_route_is_configured(route));
	cr_dbus_route1_set_timeout_ms(iface, p->timeout_ms);
	cr_dbus_route1_set_on_backend_loss(iface, cr_loss_policy_to_string(p->on_backend_loss));
	cr_dbus_route1_set_error_sw(iface, p->error_sw);
	cr_dbus_route1_set_forward_reset(iface, p->forward_reset);
	cr_dbus_route1_set_offer_card(iface, cr_offer_card_to_string(p->offer_card));
	g_signal_connect(iface, "handle-remove", G_CALLBACK(handle_route_remove), self);
	cr_dbus_object_skeleton_set_route1(obj, iface);
	export(self, "route", name, obj);
	update_route(self, route);
}

/* a{sv} policy; errors name the key */
static gboolean
parse_policy(GVariant *dict, CrRoutePolicy *policy, GError **error)
{
	GVariantIter it;
	const gchar *key;
	GVariant *value;
	g_variant_iter_init(&it, dict);
	while (g_variant_iter_loop(&it, "{&sv}", &key, &value)) {
		if (g_str_equal(key, "timeout_ms") &&
		    g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32)) {
			policy->timeout_ms = g_variant_get_uint32(value);
		} else if (g_str_equal(key, "on_backend_loss") &&
			   g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
			if (!cr_loss_policy_from_string(g_variant_get_string(value, NULL),
							&policy->on_backend_loss)) {
				g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
					    "policy.on_backend_loss: must be one of error, "
					    "remove-card, hold");
				g_variant_unref(value);
				return FALSE;
			}
		} else if (g_str_equal(key, "error_sw") &&
			   g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16)) {
			policy->error_sw = g_variant_get_uint16(value);
		} else if (g_str_equal(key, "forward_reset") &&
			   g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
			policy->forward_reset = g_variant_get_boolean(value);
		} else if (g_str_equal(key, "offer_card") &&
			   g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
			if (!cr_offer_card_from_string(g_variant_get_string(value, NULL),
						       &policy->offer_card)) {
				g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
					    "policy.offer_card: must be one of present, always");
				g_variant_unref(value);
				return FALSE;
			}
		} else {
			g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
				    "policy.%s: unknown key or wrong type (%s)", key,
				    g_variant_get_type_string(value));
			g_variant_unref(value);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
handle_add_route(CrDbusRouter1 *iface, GDBusMethodInvocation *invocation,
		 const gchar *frontend, const gchar *backend, const gchar *name, GVariant *policy,
		 gpointer user_data)
{
	CrDbus *self = user_data;
	CrRoutePolicy p = CR_ROUTE_POLICY_INIT;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	CrRoute *route;
	if (refuse_write(self, invocation))
		return TRUE;
	if (name[0] != '\0' && !cr_name_is_valid(name)) {
		g_dbus_method_invocation_return_error(invocation, CR_ERROR, CR_ERROR_INVALID,
						      "name: invalid route name '%s'", name);
		return TRUE;
	}
	if (!parse_policy(policy, &p, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return TRUE;
	}
	route = cr_router_add_route(self->router, name[0] != '\0' ? name : NULL, frontend, backend,
				    &p, &error);
	if (route == NULL) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return TRUE;
	}
	path = object_path("route", cr_route_get_name(route));
	cr_dbus_router1_complete_add_route(iface, invocation, cr_route_get_name(route), path);
	return TRUE;
}

static gboolean
handle_remove_route(CrDbusRouter1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
		    gpointer user_data)
{
	CrDbus *self = user_data;
	g_autoptr(GError) error = NULL;
	if (refuse_write(self, invocation))
		return TRUE;
	if (!cr_router_remove_route(self->router, name, &error))
		g_dbus_method_invocation_return_gerror(invocation, error);
	else
		cr_dbus_router1_complete_remove_route(iface, invocation);
	return TRUE;
}

static void
card_signal(CrDbus *self, const CrEvent *ev)
{
	g_autofree gchar *atr = hex_of(ev->atr);
	gboolean frontend_view = cr_json_card_event_is_frontend(ev);
	if (ev->frontend != NULL)
		update_frontend(self, ev->frontend, FALSE);
	if (ev->backend != NULL)
		update_backend(self, ev->backend, FALSE);
	if (ev->type != CR_EVENT_CARD)
		return;
	cr_dbus_router1_emit_card_changed(
		self->router_iface, frontend_view ? "frontend" : "backend",
		frontend_view ? cr_frontend_slot_get_name(ev->frontend)
			      : cr_backend_slot_get_name(ev->backend),
		cr_slot_state_to_string(ev->state), atr);
}

static void
on_event(const CrEvent *ev, gpointer user_data)
{
	CrDbus *self = user_data;
	if (self->manager == NULL)
		return;
	switch (ev->type) {
	case CR_EVENT_CARD:
	case CR_EVENT_SLOT_STATE:
		card_signal(self, ev);
		break;
	case CR_EVENT_TRANSACTION:
		if (ev->frontend != NULL)
			update_frontend(self, ev->frontend, TRUE);
		if (ev->backend != NULL)
			update_backend(self, ev->backend, TRUE);
		if (ev->route != NULL)
			update_route(self, ev->route);
		break;
	case CR_EVENT_ROUTE_ADDED:
		add_route(self, ev->route);
		update_frontend(self, ev->frontend, FALSE);
		update_backend(self, ev->backend, FALSE);
		update_router(self);
		cr_dbus_router1_emit_route_added(self->router_iface, cr_route_get_name(ev->route),
						 cr_frontend_slot_get_name(ev->frontend),
						 cr_backend_slot_get_name(ev->backend));
		break;
	case CR_EVENT_ROUTE_REMOVED:
		unexport(self, "route", cr_route_get_name(ev->route));
		update_frontend(self, ev->frontend, FALSE);
		update_backend(self, ev->backend, FALSE);
		update_router(self);
		cr_dbus_router1_emit_route_removed(self->router_iface,
						   cr_route_get_name(ev->route));
		break;
	case CR_EVENT_SLOT_ADDED:
		if (ev->frontend != NULL)
			add_frontend(self, ev->frontend);
		if (ev->backend != NULL)
			add_backend(self, ev->backend);
		update_router(self);
		break;
	case CR_EVENT_SLOT_REMOVED:
		if (ev->frontend != NULL)
			unexport(self, "frontend", cr_frontend_slot_get_name(ev->frontend));
		if (ev->backend != NULL)
			unexport(self, "backend", cr_backend_slot_get_name(ev->backend));
		update_router(self);
		break;
	case CR_EVENT_ERROR:
		/* a plugin's error (a link failing): its slot's Details change */
		if (ev->frontend != NULL)
			update_frontend(self, ev->frontend, FALSE);
		if (ev->backend != NULL)
			update_backend(self, ev->backend, FALSE);
		cr_dbus_router1_emit_error(
			self->router_iface,
			ev->error != NULL && ev->error->domain == CR_ERROR
				? cr_error_code_to_string((CrErrorCode)ev->error->code)
				: "failed",
			ev->error != NULL ? ev->error->message : "");
		break;
	default:
		break;
	}
}

static void
on_bus_acquired(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	CrDbus *self = user_data;
	g_autoptr(CrDbusObjectSkeleton) obj = cr_dbus_object_skeleton_new(CR_DBUS_PATH "/router");
	GPtrArray *items;

	self->connection = g_object_ref(connection);
	self->manager = g_dbus_object_manager_server_new(CR_DBUS_PATH);
	self->router_iface = cr_dbus_router1_skeleton_new();
	cr_dbus_router1_set_version(self->router_iface, CR_VERSION);
	cr_dbus_router1_set_start_time(self->router_iface,
				       cr_router_get_start_time(self->router));
	g_signal_connect(self->router_iface, "handle-add-route", G_CALLBACK(handle_add_route),
			 self);
	g_signal_connect(self->router_iface, "handle-remove-route",
			 G_CALLBACK(handle_remove_route), self);
	cr_dbus_object_skeleton_set_router1(obj, self->router_iface);
	g_dbus_object_manager_server_export(self->manager, G_DBUS_OBJECT_SKELETON(obj));
	items = cr_router_get_frontends(self->router);
	for (guint i = 0; i < items->len; i++)
		add_frontend(self, items->pdata[i]);
	items = cr_router_get_backends(self->router);
	for (guint i = 0; i < items->len; i++)
		add_backend(self, items->pdata[i]);
	items = cr_router_get_routes(self->router);
	for (guint i = 0; i < items->len; i++)
		add_route(self, items->pdata[i]);
	update_router(self);
	g_dbus_object_manager_server_set_connection(self->manager, connection);
}

static void
on_name_acquired(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	CrDbus *self = user_data;
	g_message("D-Bus: %s on the %s bus", name,
		  self->bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session");
}

static void
on_name_lost(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	CrDbus *self = user_data;
	const gchar *bus = self->bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session";
	if (connection == NULL)
		g_message("D-Bus: cannot connect to the %s bus; D-Bus is off", bus);
	else
		g_message("D-Bus: the name %s is taken or refused on the %s bus; D-Bus is off",
			  name, bus);
}

/* A session bus is there without autolaunching one. */
static gboolean
session_bus_reachable(void)
{
	const gchar *runtime = g_getenv("XDG_RUNTIME_DIR");
	g_autofree gchar *socket = NULL;
	if (g_getenv("DBUS_SESSION_BUS_ADDRESS") != NULL)
		return TRUE;
	if (runtime == NULL)
		return FALSE;
	socket = g_build_filename(runtime, "bus", NULL);
	return g_file_test(socket, G_FILE_TEST_EXISTS);
}

CrDbus *
cr_dbus_new(CrControl *control)
{
	CrDbus *self = g_new0(CrDbus, 1);
	self->control = control;
	self->router = control->router;
	self->bus_type = control->dbus_mode == CR_DBUS_SYSTEM ? G_BUS_TYPE_SYSTEM
							      : G_BUS_TYPE_SESSION;
	self->objects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	if (self->bus_type == G_BUS_TYPE_SESSION && !session_bus_reachable()) {
		g_message("D-Bus: no session bus (DBUS_SESSION_BUS_ADDRESS unset); D-Bus is off");
		return self;
	}
	self->hook = cr_router_add_event_hook(self->router, on_event, self, NULL);
	self->owner_id = g_bus_own_name(self->bus_type, CR_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
					on_bus_acquired, on_name_acquired, on_name_lost, self,
					NULL);
	return self;
}

void
cr_dbus_free(CrDbus *self)
{
	if (self == NULL)
		return;
	if (self->hook != 0)
		cr_router_remove_event_hook(self->router, self->hook);
	if (self->owner_id != 0)
		g_bus_unown_name(self->owner_id);
	if (self->manager != NULL) {
		g_dbus_object_manager_server_set_connection(self->manager, NULL);
		g_object_unref(self->manager);
	}
	g_clear_object(&self->router_iface);
	g_hash_table_unref(self->objects);
	g_clear_object(&self->connection);
	g_free(self);
}
