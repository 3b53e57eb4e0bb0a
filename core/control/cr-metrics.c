// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /metrics: the Prometheus text format (version 0.0.4). Per route:
 * transaction, error and timeout counters and a latency histogram whose
 * buckets are every fourth bucket of CrStats (powers of two of µs, in
 * seconds); per slot: state and counters; per plugin: instances.
 */
#define G_LOG_DOMAIN "cr-control"

#include "cr-control-private.h"

/* every fourth CrStats bucket: upper bounds 4 µs, 8 µs, ... about 67 s */
#define HIST_STEP 4
#define HIST_LAST 99

static void
label(GString *out, const gchar *name, const gchar *value)
{
	cr_metrics_label(out, name, value);
}

static void
header(GString *out, const gchar *name, const gchar *type, const gchar *help)
{
	cr_metrics_header(out, name, type, help);
}

static void
route_labels(GString *out, CrRoute *r)
{
	label(out, "route", cr_route_get_name(r));
	g_string_append_c(out, ',');
	label(out, "frontend", cr_frontend_slot_get_name(cr_route_get_frontend(r)));
	g_string_append_c(out, ',');
	label(out, "backend", cr_backend_slot_get_name(cr_route_get_backend(r)));
}

static void
route_counter(GString *out, GPtrArray *routes, const gchar *name, const gchar *help,
	      gsize offset)
{
	header(out, name, "counter", help);
	for (guint i = 0; i < routes->len; i++) {
		const CrStats *s = cr_route_get_stats(routes->pdata[i]);
		g_string_append_printf(out, "%s{", name);
		route_labels(out, routes->pdata[i]);
		g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n",
				       *(const guint64 *)((const guint8 *)s + offset));
	}
}

static void
route_histograms(GString *out, GPtrArray *routes)
{
	const gchar *name = "cardroute_route_latency_seconds";
	header(out, name, "histogram", "Time from command to response, per route.");
	for (guint i = 0; i < routes->len; i++) {
		CrRoute *r = routes->pdata[i];
		const CrStats *s = cr_route_get_stats(r);
		guint64 cumulative = 0, count = 0;
		for (guint b = 0; b < CR_STATS_BUCKETS; b++)
			count += s->buckets[b];
		for (guint b = 0; b < CR_STATS_BUCKETS; b++) {
			gchar le[G_ASCII_DTOSTR_BUF_SIZE];
			cumulative += s->buckets[b];
			if (b % HIST_STEP != HIST_STEP - 1 || b > HIST_LAST)
				continue;
			g_ascii_formatd(le, sizeof(le), "%g",
					(gdouble)cr_stats_bucket_upper_us(b) / 1e6);
			g_string_append_printf(out, "%s_bucket{", name);
			route_labels(out, r);
			g_string_append_printf(out, ",le=\"%s\"} %" G_GUINT64_FORMAT "\n", le,
					       cumulative);
		}
		g_string_append_printf(out, "%s_bucket{", name);
		route_labels(out, r);
		g_string_append_printf(out, ",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", count);
		g_string_append_printf(out, "%s_sum{", name);
		route_labels(out, r);
		{
			gchar sum[G_ASCII_DTOSTR_BUF_SIZE];
			g_ascii_formatd(sum, sizeof(sum), "%.6f",
					(gdouble)s->latency_sum_us / 1e6);
			g_string_append_printf(out, "} %s\n", sum);
		}
		g_string_append_printf(out, "%s_count{", name);
		route_labels(out, r);
		g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n", count);
	}
}

static void
slot_metrics(GString *out, const gchar *kind, GPtrArray *slots, gboolean frontend)
{
	static const CrSlotState states[] = {CR_SLOT_STATE_DOWN, CR_SLOT_STATE_EMPTY,
					     CR_SLOT_STATE_PRESENT};
	g_autofree gchar *state_name = g_strdup_printf("cardroute_%s_slot_state", kind);
	g_autofree gchar *tx_name = g_strdup_printf("cardroute_%s_slot_transactions_total", kind);
	g_autofree gchar *err_name = g_strdup_printf("cardroute_%s_slot_errors_total", kind);

	header(out, state_name, "gauge", "1 for the state the slot is in, else 0.");
	for (guint i = 0; i < slots->len; i++) {
		gpointer slot = slots->pdata[i];
		const gchar *name = frontend ? cr_frontend_slot_get_name(slot)
					     : cr_backend_slot_get_name(slot);
		CrSlotState st = frontend ? cr_frontend_slot_get_state(slot)
					  : cr_backend_slot_get_state(slot);
		for (guint j = 0; j < G_N_ELEMENTS(states); j++) {
			g_string_append_printf(out, "%s{", state_name);
			label(out, "slot", name);
			g_string_append_c(out, ',');
			label(out, "state", cr_slot_state_to_string(states[j]));
			g_string_append_printf(out, "} %d\n", st == states[j]);
		}
	}
	header(out, tx_name, "counter", "Transactions through the slot.");
	for (guint i = 0; i < slots->len; i++) {
		gpointer slot = slots->pdata[i];
		const CrStats *s = frontend ? cr_frontend_slot_get_stats(slot)
					    : cr_backend_slot_get_stats(slot);
		g_string_append_printf(out, "%s{", tx_name);
		label(out, "slot", frontend ? cr_frontend_slot_get_name(slot)
					    : cr_backend_slot_get_name(slot));
		g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n", s->transactions);
	}
	header(out, err_name, "counter", "Transactions through the slot that failed.");
	for (guint i = 0; i < slots->len; i++) {
		gpointer slot = slots->pdata[i];
		const CrStats *s = frontend ? cr_frontend_slot_get_stats(slot)
					    : cr_backend_slot_get_stats(slot);
		g_string_append_printf(out, "%s{", err_name);
		label(out, "slot", frontend ? cr_frontend_slot_get_name(slot)
					    : cr_backend_slot_get_name(slot));
		g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n", s->errors);
	}
}

static void
suppressed_line(const gchar *name, guint64 total, gpointer data)
{
	GString *out = data;
	g_string_append(out, "cardroute_log_suppressed_total{");
	label(out, "source", name);
	g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n", total);
}

gchar *
cr_metrics_render(CrRouter *router)
{
	GString *out = g_string_new(NULL);
	GPtrArray *routes = cr_router_get_routes(router);
	GPtrArray *instances = cr_router_get_instances(router);
	gint64 start = cr_router_get_start_time(router);

	header(out, "cardroute_info", "gauge", "The running cardrouted.");
	g_string_append(out, "cardroute_info{");
	label(out, "version", CR_VERSION);
	g_string_append(out, "} 1\n");
	header(out, "cardroute_start_time_seconds", "gauge", "When cardrouted started (Unix time).");
	g_string_append_printf(out, "cardroute_start_time_seconds %" G_GINT64_FORMAT "\n",
			       start / G_USEC_PER_SEC);
	header(out, "cardroute_routes", "gauge", "Routes, configured and made at run time.");
	g_string_append_printf(out, "cardroute_routes %u\n", routes->len);
	route_counter(out, routes, "cardroute_route_transactions_total",
		      "Transactions through the route.", G_STRUCT_OFFSET(CrStats, transactions));
	route_counter(out, routes, "cardroute_route_errors_total",
		      "Transactions through the route that failed.",
		      G_STRUCT_OFFSET(CrStats, errors));
	route_counter(out, routes, "cardroute_route_timeouts_total",
		      "Transactions through the route that timed out.",
		      G_STRUCT_OFFSET(CrStats, timeouts));
	route_histograms(out, routes);
	slot_metrics(out, "frontend", cr_router_get_frontends(router), TRUE);
	slot_metrics(out, "backend", cr_router_get_backends(router), FALSE);
	header(out, "cardroute_plugin_instances", "gauge", "Instances per plugin and kind.");
	for (guint i = 0; i < instances->len; i++) {
		CrInstance *inst = instances->pdata[i];
		g_string_append(out, "cardroute_plugin_instances{");
		label(out, "plugin", cr_instance_get_plugin_name(inst));
		g_string_append_c(out, ',');
		label(out, "kind", cr_plugin_kind_to_string(cr_instance_get_kind(inst)));
		g_string_append_c(out, ',');
		label(out, "instance", cr_instance_get_name(inst));
		g_string_append(out, "} 1\n");
	}
	header(out, "cardroute_log_suppressed_total", "counter",
	       "Log records held back by rate limiting (repeated events from outside peers).");
	cr_log_limit_foreach_total(suppressed_line, out);
	/* plugins' own series (cr-metrics.h) */
	cr_router_render_metrics_sources(router, out);
	return g_string_free(out, FALSE);
}
