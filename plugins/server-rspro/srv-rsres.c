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

#include <json-glib/json-glib.h>
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
			       "\"client\":{\"clientId\":%u,\"slotNr\":%u},\"state\":\"%s\"}",
			       m->bank_id, m->bank_slot, m->client_id, m->client_slot,
			       srv_map_state_name(m->state));
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

/* an id from the path: decimal digits only, at most @max */
static gboolean
parse_id(const gchar *text, guint64 max, guint64 *out, CrHttpResponder *responder)
{
	if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text) || strlen(text) > 10 ||
	    !g_ascii_string_to_unsigned(text, 10, 0, max, out, NULL)) {
		g_autofree gchar *msg =
			g_strdup_printf("'%s' is not an id (a decimal number up to %" G_GUINT64_FORMAT ")",
					text, max);
		cr_http_responder_complete_error(responder, 400, "invalid", msg);
		return FALSE;
	}
	return TRUE;
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
		g_autofree gchar *msg = g_strdup_printf("no bank %s is connected", id_text);
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
		g_autofree gchar *msg = g_strdup_printf("no client %s is connected", id_text);
		cr_http_responder_complete_error(responder, 404, "not-found", msg);
		return;
	}
	s = g_string_new(NULL);
	srv_json_client(s, best);
	complete_string(responder, 200, s);
}

static gboolean
body_uint(JsonObject *o, const gchar *where, const gchar *member, guint *out, GString *why)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;
	gint64 v;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
		g_string_printf(why, "%s.%s: an integer is needed", where, member);
		return FALSE;
	}
	v = json_node_get_int(n);
	if (v < 0 || v > SRV_MAP_MAX_ID) {
		g_string_printf(why, "%s.%s: %" G_GINT64_FORMAT " is not in 0..%d", where, member, v,
				SRV_MAP_MAX_ID);
		return FALSE;
	}
	*out = (guint)v;
	return TRUE;
}

static JsonObject *
body_object(JsonObject *o, const gchar *member)
{
	JsonNode *n = json_object_get_member(o, member);
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static void
post_map(SrvServer *srv, CrHttpRequest *request, CrHttpResponder *responder)
{
	GBytes *body = cr_http_request_get_body(request);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GString) why = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	gsize len;
	const gchar *data = g_bytes_get_data(body, &len);
	JsonNode *root;
	JsonObject *o, *b, *c;
	guint bid, bs, cid, cs;
	const SrvMap *m;
	GString *s;

	if (len == 0 || !json_parser_load_from_data(parser, data, (gssize)len, &error)) {
		cr_http_responder_complete_error(responder, 400, "invalid",
						 error != NULL ? error->message
							       : "a JSON body is needed");
		return;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		cr_http_responder_complete_error(responder, 400, "invalid",
						 "the body must be a JSON object");
		return;
	}
	o = json_node_get_object(root);
	b = body_object(o, "bank");
	c = body_object(o, "client");
	if (b == NULL || c == NULL) {
		cr_http_responder_complete_error(responder, 400, "invalid",
						 "\"bank\" and \"client\" objects are needed");
		return;
	}
	if (!body_uint(b, "bank", "bankId", &bid, why) || !body_uint(b, "bank", "slotNr", &bs, why) ||
	    !body_uint(c, "client", "clientId", &cid, why) ||
	    !body_uint(c, "client", "slotNr", &cs, why)) {
		cr_http_responder_complete_error(responder, 400, "invalid", why->str);
		return;
	}
	m = srv_map_store_add(srv->maps, bid, bs, cid, cs, &error);
	if (m == NULL) {
		/* upstream answers 400 to a taken slot too; kept for its clients */
		cr_http_responder_complete_error(
			responder, 400,
			g_error_matches(error, CR_ERROR, CR_ERROR_EXISTS) ? "exists" : "invalid",
			error->message);
		return;
	}
	g_message("%s: slotmap B%u:%u <-> C%u:%u created (REST, %s)",
		  cr_instance_get_name(CR_INSTANCE(srv)), bid, bs, cid, cs,
		  srv_map_state_name(m->state));
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
			"no slotmap %s (bank %u slot %u)", id_text, (guint)(id >> 16),
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

static void
wrong_method(CrHttpResponder *responder, const gchar *allow)
{
	cr_http_responder_add_header(responder, "Allow", allow);
	cr_http_responder_complete_error(responder, 405, "invalid", "method not allowed here");
}

void
srv_rsres_handle(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	SrvServer *srv = user_data;
	const gchar *method = cr_http_request_get_method(request);
	const gchar *path = cr_http_request_get_path(request) + strlen(SRV_REST_PREFIX);
	g_autofree gchar *trimmed = g_strdup(path);
	g_auto(GStrv) parts = NULL;
	guint n;
	gboolean get = g_str_equal(method, "GET");

	while (g_str_has_suffix(trimmed, "/"))
		trimmed[strlen(trimmed) - 1] = '\0';
	parts = g_strsplit(trimmed, "/", 3);
	n = g_strv_length(parts);
	if (n == 1 && (g_str_equal(parts[0], "banks") || g_str_equal(parts[0], "clients"))) {
		if (!get) {
			wrong_method(responder, "GET");
			return;
		}
		list_conns(srv, responder, g_str_equal(parts[0], "banks"));
	} else if (n == 2 && g_str_equal(parts[0], "banks")) {
		if (!get) {
			wrong_method(responder, "GET");
			return;
		}
		get_bank(srv, parts[1], responder);
	} else if (n == 2 && g_str_equal(parts[0], "clients")) {
		if (!get) {
			wrong_method(responder, "GET");
			return;
		}
		get_client(srv, parts[1], responder);
	} else if (n == 1 && g_str_equal(parts[0], "slotmaps")) {
		if (get)
			list_maps(srv, responder);
		else if (g_str_equal(method, "POST"))
			post_map(srv, request, responder);
		else
			wrong_method(responder, "GET, POST");
	} else if (n == 2 && g_str_equal(parts[0], "slotmaps")) {
		if (!get && !g_str_equal(method, "DELETE")) {
			wrong_method(responder, "GET, DELETE");
			return;
		}
		map_by_id(srv, method, parts[1], responder);
	} else if (n == 1 && g_str_equal(parts[0], "global-reset")) {
		guint count;
		if (!g_str_equal(method, "POST")) {
			wrong_method(responder, "POST");
			return;
		}
		count = srv_map_store_reset(srv->maps);
		g_message("%s: global reset (REST): %u slotmap(s) deleted",
			  cr_instance_get_name(CR_INSTANCE(srv)), count);
		cr_http_responder_complete(responder, 200, NULL, NULL);
	} else if (n == 1 && g_str_equal(parts[0], "restart-counter")) {
		g_autofree gchar *json = NULL;
		if (!get) {
			wrong_method(responder, "GET");
			return;
		}
		json = g_strdup_printf("{\"restartCounter\":%" G_GUINT64_FORMAT "}",
				       srv->restart_counter);
		cr_http_responder_complete_json(responder, 200, json);
	} else {
		cr_http_responder_complete_error(responder, 404, "not-found",
						 "no such resource in the RSRES API");
	}
}
