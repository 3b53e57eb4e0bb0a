// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON views of slots, routes, statistics and events. */
#include "cr-json.h"
#include "cr-rest-parse.h"

gchar *
cr_json_time_iso(gint64 wall_us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(wall_us / G_USEC_PER_SEC);
	return dt != NULL ? g_date_time_format_iso8601(dt) : g_strdup("");
}

static void
add_hex(JsonBuilder *b, const gchar *member, GBytes *bytes)
{
	json_builder_set_member_name(b, member);
	if (bytes == NULL) {
		json_builder_add_null_value(b);
	} else {
		gsize len;
		const guint8 *data = g_bytes_get_data(bytes, &len);
		g_autofree gchar *hex = cr_hex_encode(data, len);
		json_builder_add_string_value(b, hex);
	}
}

static void
add_string(JsonBuilder *b, const gchar *member, const gchar *value)
{
	json_builder_set_member_name(b, member);
	if (value == NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_string_value(b, value);
}

static void
add_int(JsonBuilder *b, const gchar *member, gint64 value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_int_value(b, value);
}

void
cr_json_add_stats(JsonBuilder *b, const CrStats *stats)
{
	json_builder_begin_object(b);
	add_int(b, "transactions", (gint64)stats->transactions);
	add_int(b, "errors", (gint64)stats->errors);
	add_int(b, "timeouts", (gint64)stats->timeouts);
	add_string(b, "last_error", stats->last_error);
	json_builder_set_member_name(b, "last_activity_ms_ago");
	if (stats->last_activity_us == 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(
			b, (g_get_monotonic_time() - stats->last_activity_us) / 1000);
	json_builder_set_member_name(b, "latency_us");
	json_builder_begin_object(b);
	add_int(b, "p50", cr_stats_percentile(stats, 0.50));
	add_int(b, "p90", cr_stats_percentile(stats, 0.90));
	add_int(b, "p99", cr_stats_percentile(stats, 0.99));
	add_int(b, "mean", stats->transactions > 0
				   ? (gint64)(stats->latency_sum_us / stats->transactions)
				   : 0);
	json_builder_end_object(b);
	json_builder_end_object(b);
}

void
cr_json_add_policy(JsonBuilder *b, const CrRoutePolicy *policy)
{
	g_autofree gchar *sw = g_strdup_printf("%04X", policy->error_sw);
	json_builder_begin_object(b);
	add_int(b, "timeout_ms", policy->timeout_ms);
	add_string(b, "on_backend_loss", cr_loss_policy_to_string(policy->on_backend_loss));
	add_string(b, "error_sw", sw);
	json_builder_set_member_name(b, "forward_reset");
	json_builder_add_boolean_value(b, policy->forward_reset);
	add_string(b, "offer_card", cr_offer_card_to_string(policy->offer_card));
	json_builder_end_object(b);
}

/* "caps": what the slot carries (cr-slot-caps.h) */
static void
add_caps(JsonBuilder *b, const CrSlotCaps *caps)
{
	json_builder_set_member_name(b, "caps");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "protocols");
	json_builder_begin_array(b);
	if (caps->protocols & CR_PROTOCOL_T0)
		json_builder_add_string_value(b, "T=0");
	if (caps->protocols & CR_PROTOCOL_T1)
		json_builder_add_string_value(b, "T=1");
	json_builder_end_array(b);
	json_builder_set_member_name(b, "extended");
	json_builder_add_boolean_value(b, caps->extended);
	add_int(b, "max_command", caps->max_command);
	add_int(b, "max_response", caps->max_response);
	json_builder_end_object(b);
}

static void
add_instance(JsonBuilder *b, CrInstance *inst)
{
	add_string(b, "instance", inst != NULL ? cr_instance_get_name(inst) : NULL);
	add_string(b, "plugin", inst != NULL ? cr_instance_get_plugin_name(inst) : NULL);
}

JsonNode *
cr_json_frontend(CrFrontendSlot *slot)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	CrRoute *route = cr_frontend_slot_get_route(slot);
	json_builder_begin_object(b);
	add_string(b, "name", cr_frontend_slot_get_name(slot));
	add_instance(b, cr_frontend_slot_get_instance(slot));
	add_string(b, "state", cr_slot_state_to_string(cr_frontend_slot_get_state(slot)));
	add_hex(b, "atr", cr_frontend_slot_get_atr(slot));
	add_string(b, "route", route != NULL ? cr_route_get_name(route) : NULL);
	add_string(b, "backend",
		   route != NULL ? cr_backend_slot_get_name(cr_route_get_backend(route)) : NULL);
	json_builder_set_member_name(b, "busy");
	json_builder_add_boolean_value(b, cr_frontend_slot_is_busy(slot));
	add_caps(b, cr_frontend_slot_get_caps(slot));
	json_builder_set_member_name(b, "stats");
	cr_json_add_stats(b, cr_frontend_slot_get_stats(slot));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *
cr_json_backend(CrBackendSlot *slot)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	CrRoute *route = cr_backend_slot_get_route(slot);
	json_builder_begin_object(b);
	add_string(b, "name", cr_backend_slot_get_name(slot));
	add_instance(b, cr_backend_slot_get_instance(slot));
	add_string(b, "location", cr_backend_slot_get_location(slot));
	add_string(b, "state", cr_slot_state_to_string(cr_backend_slot_get_state(slot)));
	add_hex(b, "atr", cr_backend_slot_get_atr(slot));
	add_string(b, "route", route != NULL ? cr_route_get_name(route) : NULL);
	add_string(b, "frontend",
		   route != NULL ? cr_frontend_slot_get_name(cr_route_get_frontend(route))
				 : NULL);
	json_builder_set_member_name(b, "busy");
	json_builder_add_boolean_value(b, cr_backend_slot_is_busy(slot));
	add_caps(b, cr_backend_slot_get_caps(slot));
	json_builder_set_member_name(b, "stats");
	cr_json_add_stats(b, cr_backend_slot_get_stats(slot));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *
cr_json_route(CrRoute *route)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	CrFrontendSlot *fs = cr_route_get_frontend(route);
	CrBackendSlot *bs = cr_route_get_backend(route);
	g_autofree gchar *created = cr_json_time_iso(cr_route_get_created_time(route));
	json_builder_begin_object(b);
	add_string(b, "name", cr_route_get_name(route));
	add_int(b, "index", cr_route_get_index(route));
	add_string(b, "frontend", cr_frontend_slot_get_name(fs));
	add_string(b, "backend", cr_backend_slot_get_name(bs));
	json_builder_set_member_name(b, "configured");
	json_builder_add_boolean_value(b, cr_route_is_configured(route));
	add_string(b, "created", created);
	add_string(b, "frontend_state", cr_slot_state_to_string(cr_frontend_slot_get_state(fs)));
	add_string(b, "backend_state", cr_slot_state_to_string(cr_backend_slot_get_state(bs)));
	add_hex(b, "atr", cr_backend_slot_get_atr(bs));
	json_builder_set_member_name(b, "policy");
	cr_json_add_policy(b, cr_route_get_policy(route));
	json_builder_set_member_name(b, "stats");
	cr_json_add_stats(b, cr_route_get_stats(route));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static void
add_error(JsonBuilder *b, const GError *error)
{
	if (error == NULL)
		return;
	add_string(b, "error", error->domain == CR_ERROR
				       ? cr_error_code_to_string((CrErrorCode)error->code)
				       : "failed");
	add_string(b, "message", error->message);
}

static void
add_transaction(JsonBuilder *b, CrTransaction *tx)
{
	gsize len = 0;
	const guint8 *cmd = cr_transaction_get_command(tx, &len);
	g_autofree gchar *cmd_hex = cr_hex_encode(cmd, len);
	const guint8 *resp;
	add_int(b, "id", (gint64)cr_transaction_get_id(tx));
	add_string(b, "command", cmd_hex);
	if (len >= 2) {
		add_string(b, "instruction", cr_apdu_ins_name(cmd[0], cmd[1]));
	}
	resp = cr_transaction_get_response(tx, &len);
	if (resp != NULL) {
		g_autofree gchar *resp_hex = cr_hex_encode(resp, len);
		add_string(b, "response", resp_hex);
	} else {
		add_string(b, "response", NULL);
	}
	add_int(b, "latency_us",
		cr_transaction_get_done_time(tx) - cr_transaction_get_submit_time(tx));
	add_error(b, cr_transaction_get_error(tx));
}

gboolean
cr_json_card_event_is_frontend(const CrEvent *ev)
{
	return ev->terminal_view;
}

JsonNode *
cr_json_event(const CrEvent *ev)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	json_builder_begin_object(b);
	add_string(b, "type", cr_event_type_to_string(ev->type));
	add_int(b, "time_us", ev->timestamp_us);
	add_int(b, "wall_us", g_get_real_time());
	if (ev->route != NULL)
		add_string(b, "route", cr_route_get_name(ev->route));
	if (ev->frontend != NULL)
		add_string(b, "frontend", cr_frontend_slot_get_name(ev->frontend));
	if (ev->backend != NULL)
		add_string(b, "backend", cr_backend_slot_get_name(ev->backend));
	switch (ev->type) {
	case CR_EVENT_CARD:
		add_string(b, "slot", cr_json_card_event_is_frontend(ev) ? "frontend" : "backend");
		add_string(b, "state", cr_slot_state_to_string(ev->state));
		add_hex(b, "atr", ev->atr);
		add_error(b, ev->error);
		break;
	case CR_EVENT_SLOT_STATE:
		add_string(b, "state", cr_slot_state_to_string(ev->state));
		add_hex(b, "atr", ev->atr);
		add_error(b, ev->error);
		break;
	case CR_EVENT_RESET:
		add_string(b, "reset", cr_reset_kind_to_string(ev->reset_kind));
		json_builder_set_member_name(b, "forwarded");
		json_builder_add_boolean_value(b, ev->forwarded);
		break;
	case CR_EVENT_POWER_OFF:
		json_builder_set_member_name(b, "forwarded");
		json_builder_add_boolean_value(b, ev->forwarded);
		break;
	case CR_EVENT_TRANSACTION:
		if (ev->transaction != NULL)
			add_transaction(b, ev->transaction);
		break;
	case CR_EVENT_ERROR:
		add_error(b, ev->error);
		break;
	case CR_EVENT_ROUTE_ADDED:
	case CR_EVENT_ROUTE_REMOVED:
	case CR_EVENT_SLOT_ADDED:
	case CR_EVENT_SLOT_REMOVED:
		break;
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

gchar *
cr_json_to_string(JsonNode *node, gboolean pretty)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, pretty);
	json_generator_set_root(gen, node);
	return json_generator_to_data(gen, NULL);
}
