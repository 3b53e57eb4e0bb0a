// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include "cr-private.h"

typedef struct {
	gchar *name;
	gchar *plugin_name;
	CrPluginKind kind;
	CrRouter *router; /* weak */
	GPtrArray *frontends;
	GPtrArray *backends;
	gboolean registered; /* slots are known to the router */
} CrInstancePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(CrInstance, cr_instance, G_TYPE_OBJECT)

#define PRIV(o) ((CrInstancePrivate *)cr_instance_get_instance_private(o))

static void
cr_instance_finalize(GObject *obj)
{
	CrInstancePrivate *p = PRIV(CR_INSTANCE(obj));
	g_ptr_array_unref(p->frontends);
	g_ptr_array_unref(p->backends);
	g_free(p->name);
	g_free(p->plugin_name);
	G_OBJECT_CLASS(cr_instance_parent_class)->finalize(obj);
}

static void
cr_instance_class_init(CrInstanceClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cr_instance_finalize;
}

static void
cr_instance_init(CrInstance *self)
{
	CrInstancePrivate *p = PRIV(self);
	p->frontends = g_ptr_array_new_with_free_func(g_object_unref);
	p->backends = g_ptr_array_new_with_free_func(g_object_unref);
}

void
cr_instance_setup(CrInstance *self, CrRouter *router, const gchar *name, const gchar *plugin_name,
		  CrPluginKind kind)
{
	CrInstancePrivate *p = PRIV(self);
	p->router = router;
	g_free(p->name);
	p->name = g_strdup(name);
	g_free(p->plugin_name);
	p->plugin_name = g_strdup(plugin_name);
	p->kind = kind;
}

void
cr_instance_set_registered(CrInstance *self, gboolean registered)
{
	PRIV(self)->registered = registered;
}

const gchar *
cr_instance_get_name(CrInstance *self)
{
	return PRIV(self)->name;
}

const gchar *
cr_instance_get_plugin_name(CrInstance *self)
{
	return PRIV(self)->plugin_name;
}

CrPluginKind
cr_instance_get_kind(CrInstance *self)
{
	return PRIV(self)->kind;
}

CrRouter *
cr_instance_get_router(CrInstance *self)
{
	return PRIV(self)->router;
}

gboolean
cr_instance_add_frontend_slot(CrInstance *self, CrFrontendSlot *slot, GError **error)
{
	CrInstancePrivate *p = PRIV(self);
	cr_frontend_slot_attach(slot, self, p->router);
	if (p->registered && !cr_router_register_frontend(p->router, slot, error))
		return FALSE;
	g_ptr_array_add(p->frontends, g_object_ref(slot));
	return TRUE;
}

gboolean
cr_instance_add_backend_slot(CrInstance *self, CrBackendSlot *slot, GError **error)
{
	CrInstancePrivate *p = PRIV(self);
	cr_backend_slot_attach(slot, self, p->router);
	if (p->registered && !cr_router_register_backend(p->router, slot, error))
		return FALSE;
	g_ptr_array_add(p->backends, g_object_ref(slot));
	return TRUE;
}

void
cr_instance_remove_frontend_slot(CrInstance *self, CrFrontendSlot *slot)
{
	CrInstancePrivate *p = PRIV(self);
	if (p->registered)
		cr_router_unregister_frontend(p->router, slot);
	g_ptr_array_remove(p->frontends, slot);
}

void
cr_instance_remove_backend_slot(CrInstance *self, CrBackendSlot *slot)
{
	CrInstancePrivate *p = PRIV(self);
	if (p->registered)
		cr_router_unregister_backend(p->router, slot);
	g_ptr_array_remove(p->backends, slot);
}

GPtrArray *
cr_instance_get_frontend_slots(CrInstance *self)
{
	return PRIV(self)->frontends;
}

GPtrArray *
cr_instance_get_backend_slots(CrInstance *self)
{
	return PRIV(self)->backends;
}

GVariant *
cr_instance_describe(CrInstance *self)
{
	CrInstanceClass *klass = CR_INSTANCE_GET_CLASS(self);
	g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);
	if (klass->describe != NULL)
		klass->describe(self, &dict);
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}
