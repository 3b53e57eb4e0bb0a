// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include "cr-private.h"

struct _CrRoute {
	GObject parent_instance;
	gchar *name;
	guint index;
	CrFrontendSlot *frontend;
	CrBackendSlot *backend;
	CrRoutePolicy policy;
	gboolean configured;
	gint64 created;
	CrStats stats;
	CrLogLimiter *caps_log; /* made at the first capability refusal */
};

G_DEFINE_TYPE(CrRoute, cr_route, G_TYPE_OBJECT)

static void
cr_route_finalize(GObject *obj)
{
	CrRoute *self = CR_ROUTE(obj);
	g_clear_object(&self->frontend);
	g_clear_object(&self->backend);
	cr_stats_clear(&self->stats);
	cr_log_limiter_free(self->caps_log);
	g_free(self->name);
	G_OBJECT_CLASS(cr_route_parent_class)->finalize(obj);
}

static void
cr_route_class_init(CrRouteClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cr_route_finalize;
}

static void
cr_route_init(CrRoute *self)
{
}

CrRoute *
cr_route_new(const gchar *name, guint index, CrFrontendSlot *frontend, CrBackendSlot *backend,
	     const CrRoutePolicy *policy, gboolean configured)
{
	CrRoute *self = g_object_new(CR_TYPE_ROUTE, NULL);
	self->name = g_strdup(name);
	self->index = index;
	self->frontend = g_object_ref(frontend);
	self->backend = g_object_ref(backend);
	self->policy = *policy;
	self->configured = configured;
	self->created = g_get_real_time();
	return self;
}

const gchar *
cr_route_get_name(CrRoute *self)
{
	return self->name;
}

guint
cr_route_get_index(CrRoute *self)
{
	return self->index;
}

CrFrontendSlot *
cr_route_get_frontend(CrRoute *self)
{
	return self->frontend;
}

CrBackendSlot *
cr_route_get_backend(CrRoute *self)
{
	return self->backend;
}

const CrRoutePolicy *
cr_route_get_policy(CrRoute *self)
{
	return &self->policy;
}

gboolean
cr_route_is_configured(CrRoute *self)
{
	return self->configured;
}

const CrStats *
cr_route_get_stats(CrRoute *self)
{
	return &self->stats;
}

CrStats *
cr_route_stats(CrRoute *self)
{
	return &self->stats;
}

gint64
cr_route_get_created_time(CrRoute *self)
{
	return self->created;
}

CrLogLimiter *
cr_route_caps_log(CrRoute *self)
{
	if (self->caps_log == NULL)
		self->caps_log = cr_log_limiter_new("route-caps", 10, 1);
	return self->caps_log;
}
