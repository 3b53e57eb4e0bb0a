// SPDX-License-Identifier: GPL-2.0-or-later
/* The remsim server in /metrics (clients and banks connected, slotmaps by
 * state, link transitions, refusals) and the bank's refusals of slotmaps,
 * kept on each map for RSRES and /api/v1. */
#include "srv-private.h"

#include "rspro-msg.h"

static const SrvMapState states[] = {SRV_MAP_NEW, SRV_MAP_UNACKNOWLEDGED, SRV_MAP_ACTIVE,
                                     SRV_MAP_DELETE_REQ, SRV_MAP_DELETING};

static gboolean
count_state(const SrvMap *map, gpointer user_data)
{
	guint64 *counts = user_data;
	for (guint i = 0; i < G_N_ELEMENTS(states); i++)
		if (map->state == states[i])
			counts[i]++;
	return TRUE;
}

static void
render(GString *out, gpointer user_data)
{
	SrvServer *srv = user_data;
	const gchar *inst = cr_instance_get_name(CR_INSTANCE(srv));
	guint64 counts[G_N_ELEMENTS(states)] = {0};
	GHashTableIter it;
	gpointer key, value;

	cr_metrics_header(out, "cardroute_remsim_clients_connected", "gauge",
	                  "RSPRO clients identified and connected to the server.");
	cr_metrics_sample(out, "cardroute_remsim_clients_connected",
	                  g_hash_table_size(srv->clients), "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_remsim_banks_connected", "gauge",
	                  "RSPRO banks identified and connected to the server.");
	cr_metrics_sample(out, "cardroute_remsim_banks_connected", g_hash_table_size(srv->banks),
	                  "instance", inst, NULL);
	srv_map_store_foreach(srv->maps, count_state, counts);
	cr_metrics_header(out, "cardroute_remsim_slotmaps", "gauge", "Slotmaps by state.");
	for (guint i = 0; i < G_N_ELEMENTS(states); i++)
		cr_metrics_sample(out, "cardroute_remsim_slotmaps", counts[i], "instance", inst,
		                  "state", srv_map_state_name(states[i]), NULL);
	cr_metrics_header(out, "cardroute_remsim_slotmaps_refused", "gauge",
	                  "Slotmaps whose bank refused them (they stay NEW until it connects "
	                  "again).");
	cr_metrics_sample(out, "cardroute_remsim_slotmaps_refused",
	                  srv_map_store_count_refused(srv->maps), "instance", inst, NULL);
	cr_metrics_header(out, "cardroute_remsim_link_transitions_total", "counter",
	                  "Client and bank links that came up or went down.");
	cr_metrics_sample(out, "cardroute_remsim_link_transitions_total", srv->client_ups,
	                  "instance", inst, "peer", "client", "to", "up", NULL);
	cr_metrics_sample(out, "cardroute_remsim_link_transitions_total", srv->client_downs,
	                  "instance", inst, "peer", "client", "to", "down", NULL);
	cr_metrics_sample(out, "cardroute_remsim_link_transitions_total", srv->bank_ups, "instance",
	                  inst, "peer", "bank", "to", "up", NULL);
	cr_metrics_sample(out, "cardroute_remsim_link_transitions_total", srv->bank_downs,
	                  "instance", inst, "peer", "bank", "to", "down", NULL);
	cr_metrics_header(out, "cardroute_remsim_connections_closed_total", "counter",
	                  "RSPRO connections closed for max-connections: the oldest unidentified "
	                  "one (evicted) or the new one (refused).");
	cr_metrics_sample(out, "cardroute_remsim_connections_closed_total", srv->conns_evicted,
	                  "instance", inst, "reason", "evicted", NULL);
	cr_metrics_sample(out, "cardroute_remsim_connections_closed_total", srv->conns_refused,
	                  "instance", inst, "reason", "refused", NULL);
	cr_metrics_header(out, "cardroute_remsim_refusals_total", "counter",
	                  "createMappingReq refused by banks, by result code.");
	if (srv->refusals != NULL) {
		g_hash_table_iter_init(&it, srv->refusals);
		while (g_hash_table_iter_next(&it, &key, &value))
			cr_metrics_sample(out, "cardroute_remsim_refusals_total", *(guint64 *)value,
			                  "instance", inst, "result", (const gchar *)key, NULL);
	}
}

void
srv_metrics_start(SrvServer *srv)
{
	if (srv->metrics_id == 0)
		srv->metrics_id = cr_router_add_metrics_source(
		        cr_instance_get_router(CR_INSTANCE(srv)), render, srv, NULL);
}

void
srv_metrics_stop(SrvServer *srv)
{
	if (srv->metrics_id != 0)
		cr_router_remove_metrics_source(cr_instance_get_router(CR_INSTANCE(srv)),
		                                srv->metrics_id);
	srv->metrics_id = 0;
}

void
srv_metrics_note_link(SrvServer *srv, gboolean bank, gboolean up)
{
	if (bank)
		(*(up ? &srv->bank_ups : &srv->bank_downs))++;
	else
		(*(up ? &srv->client_ups : &srv->client_downs))++;
}

void
srv_metrics_note_refusal(SrvServer *srv, const SrvMap *map, guint16 bank, guint result)
{
	const gchar *name = rspro_result_name((RsproResult)result);
	guint64 *count;
	srv_map_store_note_refusal(srv->maps, srv_map_id(map->bank_id, map->bank_slot), result,
	                           bank, g_get_real_time());
	if (srv->refusals == NULL)
		srv->refusals = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	count = g_hash_table_lookup(srv->refusals, name);
	if (count == NULL) {
		count = g_new0(guint64, 1);
		g_hash_table_insert(srv->refusals, (gpointer)name, count);
	}
	(*count)++;
}

static gchar *
iso_time(gint64 wall_us)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(wall_us / G_USEC_PER_SEC);
	return t != NULL ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}

void
srv_json_refusal(GString *out, const SrvMap *map)
{
	g_autofree gchar *when = NULL;
	if (map->refusal == 0)
		return;
	when = iso_time(map->refused_at);
	g_string_append_printf(out,
	                       ",\"refusal\":{\"result\":\"%s\",\"time\":\"%s\",\"bankId\":%u}",
	                       rspro_result_name((RsproResult)map->refusal), when, map->refused_by);
}

static gboolean
add_refused(const SrvMap *map, gpointer user_data)
{
	GVariantBuilder *b = user_data;
	g_autofree gchar *when = NULL;
	g_autofree gchar *text = NULL;
	if (map->refusal == 0)
		return TRUE;
	when = iso_time(map->refused_at);
	text = g_strdup_printf("B%u:%u <-> C%u:%u refused by bank %u: %s at %s", map->bank_id,
	                       map->bank_slot, map->client_id, map->client_slot, map->refused_by,
	                       rspro_result_name((RsproResult)map->refusal), when);
	g_variant_builder_add(b, "s", text);
	return TRUE;
}

void
srv_metrics_describe(SrvServer *srv, GVariantDict *dict)
{
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	srv_map_store_foreach(srv->maps, add_refused, &b);
	g_variant_dict_insert(dict, "slotmaps-refused", "u",
	                      srv_map_store_count_refused(srv->maps));
	g_variant_dict_insert_value(dict, "refusals", g_variant_builder_end(&b));
}
