// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-types.h"

G_BEGIN_DECLS

/*
 * Plugins' own series in GET /metrics (Prometheus text format 0.0.4). A
 * source is called on the main context for every scrape and appends whole
 * families: cr_metrics_header() once per family, then its samples. Names
 * should start "cardroute_" and say the plugin ("cardroute_remsim_...").
 */
typedef void (*CrMetricsFunc)(GString *out, gpointer user_data);

guint cr_router_add_metrics_source(CrRouter *router, CrMetricsFunc func, gpointer user_data,
                                   GDestroyNotify destroy);
void cr_router_remove_metrics_source(CrRouter *router, guint id);
/* Appends what every source writes (the control plane's /metrics). */
void cr_router_render_metrics_sources(CrRouter *router, GString *out);

/* "# HELP NAME HELP\n# TYPE NAME TYPE\n" */
void cr_metrics_header(GString *out, const gchar *name, const gchar *type, const gchar *help);
/* NAME="VALUE", the value escaped as the text format wants */
void cr_metrics_label(GString *out, const gchar *name, const gchar *value);
/* NAME{L1="V1",...} VALUE: label names and values in pairs, NULL-terminated;
 * values are escaped. */
void cr_metrics_sample(GString *out, const gchar *name, guint64 value, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
