// SPDX-License-Identifier: GPL-2.0-or-later
/* cardrouted --check-config: what a valid file would run, as a plan. */
#define G_LOG_DOMAIN "cardroute"

#include "cr-check.h"

/* "key=value, key=value" of an instance's describe() */
static gchar *
describe_line(CrInstance *inst)
{
	g_autoptr(GVariant) dict = cr_instance_describe(inst);
	g_autoptr(GString) out = g_string_new(NULL);
	GVariantIter it;
	const gchar *key;
	GVariant *value;
	g_variant_iter_init(&it, dict);
	while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
		g_autofree gchar *text = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)
		                                 ? g_strdup(g_variant_get_string(value, NULL))
		                                 : g_variant_print(value, FALSE);
		g_string_append_printf(out, "%s%s=%s", out->len > 0 ? ", " : "", key, text);
		g_variant_unref(value);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
print_instances(CrRouter *router, CrPluginKind kind, const gchar *title)
{
	GPtrArray *instances = cr_router_get_instances(router);
	gboolean header = FALSE;
	for (guint i = 0; i < instances->len; i++) {
		CrInstance *inst = instances->pdata[i];
		GPtrArray *fs = cr_instance_get_frontend_slots(inst);
		GPtrArray *bs = cr_instance_get_backend_slots(inst);
		g_autofree gchar *desc = NULL;
		if (cr_instance_get_kind(inst) != kind)
			continue;
		if (!header)
			g_print("%s:\n", title);
		header = TRUE;
		g_print("  %s:%s (plugin %s)", cr_plugin_kind_to_string(kind),
		        cr_instance_get_name(inst), cr_instance_get_plugin_name(inst));
		for (guint j = 0; j < fs->len && j < 8; j++)
			g_print("%s frontend slot %s", j == 0 ? ":" : ",",
			        cr_frontend_slot_get_name(fs->pdata[j]));
		if (fs->len > 8)
			g_print(" ... (%u frontend slots)", fs->len);
		for (guint j = 0; j < bs->len && j < 8; j++)
			g_print("%s backend slot %s", j == 0 ? ":" : ",",
			        cr_backend_slot_get_name(bs->pdata[j]));
		if (bs->len > 8)
			g_print(" ... (%u backend slots)", bs->len);
		g_print("\n");
		desc = describe_line(inst);
		if (desc[0] != '\0')
			g_print("      %s\n", desc);
	}
}

void
cr_check_print_plan(CrRouter *router, const gchar *path)
{
	CrConfigSection *rs = cr_router_get_router_section(router);
	GPtrArray *routes = cr_router_get_routes(router);
	g_autofree gchar *rest = cr_config_section_get_string(rs, "rest", "127.0.0.1:9997");
	g_autofree gchar *dbus = cr_config_section_get_string(rs, "dbus", "session");
	g_print("config %s is valid; cardrouted would:\n", path);
	g_print("load plugins from %s\n", cr_router_get_plugin_dir(router));
	/* the order cr_router_start() uses */
	print_instances(router, CR_PLUGIN_KIND_TAP, "start taps");
	print_instances(router, CR_PLUGIN_KIND_BACKEND, "start backends");
	print_instances(router, CR_PLUGIN_KIND_FRONTEND, "start frontends");
	print_instances(router, CR_PLUGIN_KIND_CONTROL, "start control plugins");
	if (routes->len > 0)
		g_print("route:\n");
	for (guint i = 0; i < routes->len; i++) {
		CrRoute *r = routes->pdata[i];
		const CrRoutePolicy *p = cr_route_get_policy(r);
		g_print("  route:%s %s -> %s (timeout %u ms, on-backend-loss %s, error-sw %04X, "
		        "reset %s, offer-card %s)\n",
		        cr_route_get_name(r), cr_frontend_slot_get_name(cr_route_get_frontend(r)),
		        cr_backend_slot_get_name(cr_route_get_backend(r)), p->timeout_ms,
		        cr_loss_policy_to_string(p->on_backend_loss), p->error_sw,
		        p->forward_reset ? "forward" : "ignore",
		        cr_offer_card_to_string(p->offer_card));
	}
	g_print("serve REST on %s; D-Bus: %s\n", rest[0] != '\0' ? rest : "(off)", dbus);
}
