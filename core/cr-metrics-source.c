// SPDX-License-Identifier: GPL-2.0-or-later
/* Plugins' series in /metrics: a registry of sources per router. */
#define G_LOG_DOMAIN "cardroute"

#include <glib-object.h>

#include "cardroute/cr-metrics.h"
#include "cardroute/cr-router.h"

#define SOURCES_KEY "cr-metrics-sources"

typedef struct {
	guint id;
	CrMetricsFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} Source;

static void
source_free(gpointer data)
{
	Source *s = data;
	if (s->destroy != NULL)
		s->destroy(s->user_data);
	g_free(s);
}

static GPtrArray *
sources(CrRouter *router, gboolean create)
{
	GPtrArray *list = g_object_get_data(G_OBJECT(router), SOURCES_KEY);
	if (list == NULL && create) {
		list = g_ptr_array_new_with_free_func(source_free);
		g_object_set_data_full(G_OBJECT(router), SOURCES_KEY, list,
		                       (GDestroyNotify)g_ptr_array_unref);
	}
	return list;
}

guint
cr_router_add_metrics_source(CrRouter *router, CrMetricsFunc func, gpointer user_data,
                             GDestroyNotify destroy)
{
	static guint next_id;
	Source *s = g_new0(Source, 1);
	s->id = ++next_id;
	s->func = func;
	s->user_data = user_data;
	s->destroy = destroy;
	g_ptr_array_add(sources(router, TRUE), s);
	return s->id;
}

void
cr_router_remove_metrics_source(CrRouter *router, guint id)
{
	GPtrArray *list = sources(router, FALSE);
	for (guint i = 0; list != NULL && i < list->len; i++) {
		if (((Source *)list->pdata[i])->id == id) {
			g_ptr_array_remove_index(list, i);
			return;
		}
	}
}

void
cr_router_render_metrics_sources(CrRouter *router, GString *out)
{
	GPtrArray *list = sources(router, FALSE);
	for (guint i = 0; list != NULL && i < list->len; i++) {
		Source *s = list->pdata[i];
		s->func(out, s->user_data);
	}
}

void
cr_metrics_header(GString *out, const gchar *name, const gchar *type, const gchar *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
escaped(GString *out, const gchar *value)
{
	for (const gchar *p = value; p != NULL && *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '"')
			g_string_append(out, "\\\"");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

void
cr_metrics_label(GString *out, const gchar *name, const gchar *value)
{
	g_string_append_printf(out, "%s=\"", name);
	escaped(out, value);
	g_string_append_c(out, '"');
}

void
cr_metrics_sample(GString *out, const gchar *name, guint64 value, ...)
{
	va_list args;
	const gchar *label;
	gboolean first = TRUE;
	g_string_append(out, name);
	va_start(args, value);
	while ((label = va_arg(args, const gchar *)) != NULL) {
		const gchar *v = va_arg(args, const gchar *);
		g_string_append_printf(out, "%s%s=\"", first ? "{" : ",", label);
		escaped(out, v);
		g_string_append_c(out, '"');
		first = FALSE;
	}
	va_end(args);
	g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", first ? "" : "}", value);
}
