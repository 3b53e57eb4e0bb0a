// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RSRES REST API of osmo-remsim-server (rsres.md) under /api/backend/v1/ on
 * the daemon's HTTP server: the same paths, methods and JSON shapes, with
 * upstream's faults fixed compatibly: an unknown id answers 404 with a JSON
 * error (upstream: 200, empty), POST answers 201 with the new slotmap,
 * /clients/ID looks for the client id (upstream compares the bank id),
 * GET /slotmaps/ID exists (the apitool asks for it), restart-counter counts.
 */
#include "srv-private.h"
#include "srv-rsres-parse.h"

#include <string.h>

static void
member_str(GString *out, const gchar *key, const gchar *value, gboolean optional)
{
	if (optional && (value == NULL || value[0] == '\0'))
		return;
	g_string_append_printf(out, ",\"%s\":", key);
	cr_http_json_escape(out, value != NULL ? value : "");
}

static void
json_identity(GString *out, const RsproIdentity *id)
{
	g_string_append(out, "\"component_id\":{\"type_\":");
	cr_http_json_escape(out, rspro_component_type_name(id->type));
	member_str(out, "name", id->name, FALSE);
	member_str(out, "software", id->software, FALSE);
	member_str(out, "swVersion", id->sw_version, FALSE);
	member_str(out, "hwManufacturer", id->hw_manufacturer, TRUE);
	member_str(out, "hwModel", id->hw_model, TRUE);
	member_str(out, "hwSerialNr", id->hw_serial_nr, TRUE);
	member_str(out, "hwVersion", id->hw_version, TRUE);
	member_str(out, "fwVersion", id->fw_version, TRUE);
	g_string_append_c(out, '}');
}

void
srv_json_client(GString *out, SrvConn *conn)
{
	g_string_append_printf(out, "{\"peer\":\"%s\",\"state\":\"%s\",", conn->name,
			       srv_conn_state_name(conn->state));
	json_identity(out, &conn->identity);
	g_string_append_c(out, '}');
}

void
srv_json_bank(GString *out, SrvConn *conn)
{
	g_string_append_printf(out, "{\"peer\":\"%s\",\"state\":\"%s\",", conn->name,
			       srv_conn_state_name(conn->state));
	json_identity(out, &conn->identity);
	g_string_append_printf(out, ",\"bankId\":%u,\"numberOfSlots\":%u}", conn->bank_id,
			       conn->num_slots);
}

void
srv_json_map(GString *out, const SrvMap *m)
{
	g_string_append_printf(out,
			       "{\"bank\":{\"bankId\":%u,\"slotNr\":%u},"
			       "\"client\":{\"clientId\":%u,\"slotNr\":%u},\"state\":\"%s\"",
			       m->bank_id, m->bank_slot, m->client_id, m->client_slot,
			       srv_map_state_name(m->state));
	/* an extra member (upstream's shape otherwise): the bank's refusal */
	srv_json_refusal(out, m);
	g_string_append_c(out, '}');
}

static void
complete_string(CrHttpResponder *responder, guint status, GString *s)
{
	gsize len = s->len;
	g_autoptr(GBytes) body = g_bytes_new_take(g_string_free(s, FALSE), len);
	cr_http_responder_complete(responder, status, "application/json", body);
}

static gint
compare_key(gconstpointer a, gconstpointer b)
{
	guint x = GPOINTER_TO_UINT(*(gconstpointer *)a), y = GPOINTER_TO_UINT(*(gconstpointer *)b);
	return x < y ? -1 : x > y ? 1 : 0;
}

/* identified connections of @table, sorted by key */
static GPtrArray *
sorted_conns(GHashTable *table)
{
	g_autoptr(GList) keys = g_hash_table_get_keys(table);
	GPtrArray *keys_arr = g_ptr_array_new();
	GPtrArray *conns = g_ptr_array_new();
	for (GList *l = keys; l != NULL; l = l->next)
		g_ptr_array_add(keys_arr, l->data);
	g_ptr_array_sort(keys_arr, compare_key);
	for (guint i = 0; i < keys_arr->len; i++)
		g_ptr_array_add(conns, g_hash_table_lookup(table, keys_arr->pdata[i]));
	g_ptr_array_free(keys_arr, TRUE);
	return conns;
}

static void
list_conns(SrvServer *srv, CrHttpResponder *responder, gboolean banks)
{
	GString *s = g_string_new(banks ? "{\"banks\":[" : "{\"clients\":[");
	g_autoptr(GPtrArray) conns = sorted_conns(banks ? srv->banks : srv->clients);
	for (guint i = 0; i < conns->len; i++) {
		if (i > 0)
			g_string_append_c(s, ',');
		if (banks)
			srv_json_bank(s, conns->pdata[i]);
		else
			srv_json_client(s, conns->pdata[i]);
	}
	g_string_append(s, "]}");
	complete_string(responder, 200, s);
}

static gboolean
append_map(const SrvMap *m, gpointer data)
{
	GString *s = data;
	if (s->str[s->len - 1] != '[')
		g_string_append_c(s, ',');
	srv_json_map(s, m);
	return TRUE;
}

static void
list_maps(SrvServer *srv, CrHttpResponder *responder)
{
	GString *s = g_string_sized_new(32 + 96 * (gsize)srv_map_store_count(srv->maps));
	g_string_append(s, "{\"slotmaps\":[");
	srv_map_store_foreach(srv->maps, append_map, s);
	g_string_append(s, "]}");
	complete_string(responder, 200, s);
}

/* an id from the path, or a 400 answer */
static gboolean
parse_id(const gchar *text, guint64 max, guint64 *out, CrHttpResponder *responder)
{
	g_autoptr(GError) error = NULL;
	if (srv_rsres_parse_id(text, max, out, &error))
		return TRUE;
	cr_http_responder_complete_error(responder, 400, "invalid", error->message);
	return FALSE;
}

static void
get_bank(SrvServer *srv, const gchar *id_text, CrHttpResponder *responder)
{
	guint64 id;
	SrvConn *bank;
	GString *s;

	if (!parse_id(id_text, 65535, &id, responder))
		return;
	bank = g_hash_table_lookup(srv->banks, GUINT_TO_POINTER((guint)id));
	if (bank == NULL) {
		g_autofree gchar *msg =
			g_strdup_printf("no bank %" G_GUINT64_FORMAT " is connected", id);
		cr_http_responder_complete_error(responder, 404, "not-found", msg);
		return;
	}
	s = g_string_new(NULL);
	srv_json_bank(s, bank);
	complete_string(responder, 200, s);
}

/* the client with this id (of its slots, the lowest) */
static void
get_client(SrvServer *srv, const gchar *id_text, CrHttpResponder *responder)
{
	guint64 id;
	SrvConn *best = NULL;
	GHashTableIter it;
	gpointer value;
	GString *s;

	if (!parse_id(id_text, 65535, &id, responder))
		return;
	g_hash_table_iter_init(&it, srv->clients);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		SrvConn *c = value;
		if (c->client_id == id && (best == NULL || c->client_slot < best->client_slot))
			best = c;
	}
	if (best == NULL) {
		g_autofree gchar *msg =
			g_strdup_printf("no client %" G_GUINT64_FORMAT " is connected", id);
		cr_http_responder_complete_error(responder, 404, "not-found", msg);
		return;
	}
	s = g_string_new(NULL);
	srv_json_client(s, best);
	complete_string(responder, 200, s);
}

static void
post_map(SrvServer *srv, CrHttpRequest *request, CrHttpResponder *responder)
{
	GBytes *body = cr_http_request_get_body(request);
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const gchar *data = body != NULL ? g_bytes_get_data(body, &len) : NULL;
	SrvRsresMapRequest req;
	const SrvMap *m;
	GString *s;

	if (!srv_rsres_parse_map_body(data, len, &req, &error)) {
		cr_http_responder_complete_error(responder, 400, "invalid", error->message);
		return;
	}
	m = srv_map_store_add(srv->maps, req.bank_id, req.bank_slot, req.client_id,
			      req.client_slot, &error);
	if (m == NULL) {
		/* upstream answers 400 to a taken slot too; kept for its clients */
		cr_http_responder_complete_error(
			responder, 400,
			g_error_matches(error, CR_ERROR, CR_ERROR_EXISTS) ? "exists" : "invalid",
			error->message);
		return;
	}
	g_message("%s: slotmap B%u:%u <-> C%u:%u created (REST, %s)",
		  cr_instance_get_name(CR_INSTANCE(srv)), req.bank_id, req.bank_slot,
		  req.client_id, req.client_slot, srv_map_state_name(m->state));
	s = g_string_new(NULL);
	srv_json_map(s, m);
	complete_string(responder, 201, s);
}

static void
map_by_id(SrvServer *srv, const gchar *method, const gchar *id_text, CrHttpResponder *responder)
{
	guint64 id;
	const SrvMap *m;

	if (!parse_id(id_text, G_MAXUINT32, &id, responder))
		return;
	m = srv_map_store_lookup(srv->maps, (guint32)id);
	if (m == NULL) {
		g_autofree gchar *msg = g_strdup_printf(
			"no slotmap %" G_GUINT64_FORMAT " (bank %u slot %u)", id, (guint)(id >> 16),
			(guint)(id & 0xffff));
		cr_http_responder_complete_error(responder, 404, "not-found", msg);
		return;
	}
	if (g_str_equal(method, "GET")) {
		GString *s = g_string_new(NULL);
		srv_json_map(s, m);
		complete_string(responder, 200, s);
		return;
	}
	g_message("%s: slotmap B%u:%u <-> C%u:%u deleted (REST, was %s)",
		  cr_instance_get_name(CR_INSTANCE(srv)), m->bank_id, m->bank_slot, m->client_id,
		  m->client_slot, srv_map_state_name(m->state));
	srv_map_store_delete(srv->maps, (guint32)id);
	cr_http_responder_complete(responder, 200, NULL, NULL);
}

void
srv_rsres_handle(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	SrvServer *srv = user_data;
	const gchar *method = cr_http_request_get_method(request);
	g_autofree gchar *id_text = NULL;
	SrvRsresResource res = srv_rsres_route(cr_http_request_get_path(request), &id_text);

	if (res == SRV_RSRES_NONE) {
		cr_http_responder_complete_error(responder, 404, "not-found",
						 "no such resource in the RSRES API");
		return;
	}
	if (!srv_rsres_method_allowed(res, method)) {
		cr_http_responder_add_header(responder, "Allow", srv_rsres_allowed(res));
		cr_http_responder_complete_error(responder, 405, "invalid",
						 "method not allowed here");
		return;
	}
	switch (res) {
	case SRV_RSRES_CLIENTS:
	case SRV_RSRES_BANKS:
		list_conns(srv, responder, res == SRV_RSRES_BANKS);
		break;
	case SRV_RSRES_BANK:
		get_bank(srv, id_text, responder);
		break;
	case SRV_RSRES_CLIENT:
		get_client(srv, id_text, responder);
		break;
	case SRV_RSRES_SLOTMAPS:
		if (g_str_equal(method, "GET"))
			list_maps(srv, responder);
		else
			post_map(srv, request, responder);
		break;
	case SRV_RSRES_SLOTMAP:
		map_by_id(srv, method, id_text, responder);
		break;
	case SRV_RSRES_GLOBAL_RESET: {
		guint count = srv_map_store_reset(srv->maps);
		g_message("%s: global reset (REST): %u slotmap(s) deleted",
			  cr_instance_get_name(CR_INSTANCE(srv)), count);
		cr_http_responder_complete(responder, 200, NULL, NULL);
		break;
	}
	case SRV_RSRES_RESTART_COUNTER: {
		g_autofree gchar *json = g_strdup_printf(
			"{\"restartCounter\":%" G_GUINT64_FORMAT "}", srv->restart_counter);
		cr_http_responder_complete_json(responder, 200, json);
		break;
	}
	case SRV_RSRES_NONE:
	default:
		g_assert_not_reached();
	}
}
