// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in REST API under /api/v1 and /metrics, served through the HTTP
 * handler registry like any control plugin's paths.
 */
#define G_LOG_DOMAIN "cr-control"

#include <string.h>
#include <unistd.h>

#include <cardroute/cr-log-limit.h>

#include "cr-control-private.h"
#include "cr-json.h"
#include "cr-private.h"
#include "cr-rest-parse.h"

static void
reply_node(CrHttpResponder *responder, guint status, JsonNode *node)
{
	g_autofree gchar *json = cr_json_to_string(node, TRUE);
	g_autofree gchar *text = g_strconcat(json, "\n", NULL);
	cr_http_responder_complete_json(responder, status, text);
}

static void
reply_gerror(CrHttpResponder *responder, const GError *error)
{
	cr_http_responder_complete_error(responder, cr_control_http_status(error),
					 cr_control_error_code(error), error->message);
}

static void
reply_not_found(CrHttpResponder *responder, const gchar *what, const gchar *name)
{
	g_autofree gchar *msg = g_strdup_printf("no %s named '%s'", what, name);
	g_autofree gchar *valid = g_utf8_make_valid(msg, -1);
	cr_http_responder_complete_error(responder, 404, "not-found", valid);
}

static void
reply_method(CrHttpResponder *responder, const gchar *allow)
{
	cr_http_responder_add_header(responder, "Allow", allow);
	cr_http_responder_complete_error(responder, 405, "invalid", "method not allowed");
}

static void
get_status(CrControl *c, CrHttpResponder *responder)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) node = NULL;
	gint64 start = cr_router_get_start_time(c->router);
	g_autofree gchar *start_iso = cr_json_time_iso(start);
	GPtrArray *frontends = cr_router_get_frontends(c->router);
	guint64 transactions = 0, errors = 0;
	for (guint i = 0; i < frontends->len; i++) {
		const CrStats *s = cr_frontend_slot_get_stats(frontends->pdata[i]);
		transactions += s->transactions;
		errors += s->errors;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, CR_VERSION);
	json_builder_set_member_name(b, "plugin_abi");
	json_builder_add_int_value(b, CR_PLUGIN_ABI_VERSION);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, getpid());
	json_builder_set_member_name(b, "start_time");
	json_builder_add_string_value(b, start_iso);
	json_builder_set_member_name(b, "uptime_s");
	json_builder_add_int_value(b, start > 0 ? (g_get_real_time() - start) / G_USEC_PER_SEC
						: 0);
	json_builder_set_member_name(b, "shutting_down");
	json_builder_add_boolean_value(b, cr_router_is_shutting_down(c->router));
	json_builder_set_member_name(b, "instances");
	json_builder_add_int_value(b, cr_router_get_instances(c->router)->len);
	json_builder_set_member_name(b, "frontends");
	json_builder_add_int_value(b, frontends->len);
	json_builder_set_member_name(b, "backends");
	json_builder_add_int_value(b, cr_router_get_backends(c->router)->len);
	json_builder_set_member_name(b, "routes");
	json_builder_add_int_value(b, cr_router_get_routes(c->router)->len);
	json_builder_set_member_name(b, "transactions");
	json_builder_add_int_value(b, (gint64)transactions);
	json_builder_set_member_name(b, "errors");
	json_builder_add_int_value(b, (gint64)errors);
	json_builder_set_member_name(b, "apdu_shell");
	json_builder_add_boolean_value(b, c->allow_apdu);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	reply_node(responder, 200, node);
}

static void
get_plugins(CrControl *c, CrHttpResponder *responder)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GHashTable) found = cr_plugin_loader_scan(cr_router_get_plugin_dir(c->router));
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GList) keys = NULL;
	GPtrArray *instances = cr_router_get_instances(c->router);
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, found);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_hash_table_add(names, key);
	for (guint i = 0; i < instances->len; i++)
		g_hash_table_add(names,
				 (gpointer)cr_instance_get_plugin_name(instances->pdata[i]));
	keys = g_list_sort(g_hash_table_get_keys(names), (GCompareFunc)g_strcmp0);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "plugin_dir");
	json_builder_add_string_value(b, cr_router_get_plugin_dir(c->router));
	json_builder_set_member_name(b, "plugins");
	json_builder_begin_array(b);
	for (GList *l = keys; l != NULL; l = l->next) {
		const gchar *path = g_hash_table_lookup(found, l->data);
		const gchar *kind = NULL;
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, l->data);
		json_builder_set_member_name(b, "path");
		if (path != NULL)
			json_builder_add_string_value(b, path);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "instances");
		json_builder_begin_array(b);
		for (guint i = 0; i < instances->len; i++) {
			CrInstance *inst = instances->pdata[i];
			if (g_strcmp0(cr_instance_get_plugin_name(inst), l->data) != 0)
				continue;
			kind = cr_plugin_kind_to_string(cr_instance_get_kind(inst));
			json_builder_add_string_value(b, cr_instance_get_name(inst));
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "kind");
		if (kind != NULL)
			json_builder_add_string_value(b, kind);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "loaded");
		json_builder_add_boolean_value(b, kind != NULL);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	reply_node(responder, 200, node);
}

typedef JsonNode *(*NodeFunc)(gpointer item);

static void
get_list(CrHttpResponder *responder, const gchar *member, GPtrArray *items, NodeFunc func)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) node = NULL;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, member);
	json_builder_begin_array(b);
	for (guint i = 0; i < items->len; i++)
		json_builder_add_value(b, func(items->pdata[i]));
	json_builder_end_array(b);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	reply_node(responder, 200, node);
}

static void
reply_one(CrHttpResponder *responder, guint status, gpointer item, NodeFunc func)
{
	g_autoptr(JsonNode) node = func(item);
	reply_node(responder, status, node);
}

static void
post_route(CrControl *c, CrHttpRequest *request, CrHttpResponder *responder)
{
	GBytes *body = cr_http_request_get_body(request);
	CrRestRouteRequest req;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *location = NULL;
	CrRoute *route;
	gsize len;
	const gchar *data = g_bytes_get_data(body, &len);

	if (!cr_rest_parse_route_request(data, len, &req, &error)) {
		reply_gerror(responder, error);
		return;
	}
	route = cr_router_add_route(c->router, req.name, req.frontend, req.backend, &req.policy,
				    &error);
	cr_rest_route_request_clear(&req);
	if (route == NULL) {
		reply_gerror(responder, error);
		return;
	}
	location = g_strdup_printf("/api/v1/routes/%s", cr_route_get_name(route));
	cr_http_responder_add_header(responder, "Location", location);
	reply_one(responder, 201, route, (NodeFunc)cr_json_route);
}

static void
delete_route(CrControl *c, const gchar *name, CrHttpResponder *responder)
{
	CrRoute *route = cr_router_lookup_route(c->router, name);
	g_autoptr(GError) error = NULL;
	if (route == NULL) {
		reply_not_found(responder, "route", name);
		return;
	}
	if (!cr_router_remove_route(c->router, name, &error)) {
		reply_gerror(responder, error);
		return;
	}
	cr_http_responder_complete(responder, 204, NULL, NULL);
}

/* A client can send APDUs as fast as it likes: their log lines are limited
 * per backend slot (one limiter for the process: calls may outlive a
 * control plane being stopped). */
static CrLogLimiter *
shell_log(void)
{
	static CrLogLimiter *log;
	if (log == NULL)
		log = cr_log_limiter_new("rest-apdu", 10, 5);
	return log;
}

/* The shell has its own limit ([router] apdu-timeout): a card that never
 * answers must not hold the request, and the backend slot, forever. */
typedef struct {
	CrHttpResponder *responder;
	gchar *backend;
	CrTransaction *tx;
	guint timeout;
	guint timeout_ms;
} ApduCall;

static void
free_transaction(gpointer data)
{
	cr_transaction_free(data);
}

static void
apdu_done(CrTransaction *tx, gpointer user_data)
{
	ApduCall *call = user_data;
	const GError *error = cr_transaction_get_error(tx);
	gsize len = 0;
	const guint8 *resp = cr_transaction_get_response(tx, &len);

	if (call->timeout != 0)
		g_source_remove(call->timeout);

	if (error != NULL || resp == NULL || len < 2) {
		g_autofree gchar *msg =
			g_strdup_printf("%s: %s", call->backend,
					error != NULL ? error->message : "no response");
		cr_http_responder_complete_error(call->responder,
						 error != NULL ? cr_control_http_status(error)
							       : 502,
						 cr_control_error_code(error), msg);
	} else {
		g_autoptr(JsonBuilder) b = json_builder_new_immutable();
		g_autoptr(JsonNode) node = NULL;
		g_autofree gchar *hex = cr_hex_encode(resp, len);
		g_autofree gchar *sw = cr_hex_encode(resp + len - 2, 2);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "response");
		json_builder_add_string_value(b, hex);
		json_builder_set_member_name(b, "sw");
		json_builder_add_string_value(b, sw);
		json_builder_set_member_name(b, "latency_us");
		json_builder_add_int_value(b, cr_transaction_get_done_time(tx) -
						      cr_transaction_get_submit_time(tx));
		json_builder_end_object(b);
		node = json_builder_get_root(b);
		reply_node(call->responder, 200, node);
	}
	g_free(call->backend);
	g_free(call);
	/* not from inside the backend's completion */
	g_idle_add_once(free_transaction, tx);
}

static gboolean
apdu_timeout(gpointer user_data)
{
	ApduCall *call = user_data;
	g_autofree gchar *msg = g_strdup_printf("%s did not answer within %u ms", call->backend,
						call->timeout_ms);
	CR_LOG_LIMITED(shell_log(), G_LOG_LEVEL_MESSAGE, call->backend, "%s", msg);
	/* takes the transaction back from the backend (its cancel) */
	cr_transaction_free(call->tx);
	cr_http_responder_complete_error(call->responder, 504, "timeout", msg);
	g_free(call->backend);
	g_free(call);
	return G_SOURCE_REMOVE;
}

static void
post_apdu(CrControl *c, const gchar *name, CrHttpRequest *request, CrHttpResponder *responder)
{
	CrBackendSlot *slot = cr_router_lookup_backend(c->router, name);
	GBytes *body = cr_http_request_get_body(request);
	g_autoptr(GBytes) apdu = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *data;
	gsize len;
	ApduCall *call;
	CrTransaction *tx;

	if (!c->allow_apdu) {
		cr_http_responder_complete_error(responder, 403, "auth",
						 "the APDU shell is off ([router] allow-apdu)");
		return;
	}
	if (slot == NULL) {
		reply_not_found(responder, "backend slot", name);
		return;
	}
	data = g_bytes_get_data(body, &len);
	apdu = cr_rest_parse_apdu_request(data, len, &error);
	if (apdu == NULL) {
		reply_gerror(responder, error);
		return;
	}
	call = g_new0(ApduCall, 1);
	call->responder = responder;
	call->backend = g_strdup(name);
	data = g_bytes_get_data(apdu, &len);
	tx = cr_transaction_new((const guint8 *)data, len, apdu_done, call);
	call->tx = tx;
	call->timeout_ms = c->apdu_timeout_ms;
	CR_LOG_LIMITED(shell_log(), G_LOG_LEVEL_MESSAGE, name, "%s: APDU from the REST shell (%zu bytes)",
		       name, len);
	cr_backend_slot_transmit(slot, tx);
	/* answered already, or waiting: then with a limit */
	if (!cr_transaction_is_done(tx))
		call->timeout = g_timeout_add(call->timeout_ms, apdu_timeout, call);
}

static void
api_v1(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	CrControl *c = user_data;
	const gchar *method = cr_http_request_get_method(request);
	const gchar *path = cr_http_request_get_path(request) + strlen("/api/v1");
	gboolean get = g_strcmp0(method, "GET") == 0 || g_strcmp0(method, "HEAD") == 0;
	g_auto(GStrv) parts = NULL;
	guint n;

	while (*path == '/')
		path++;
	parts = g_strsplit(path, "/", 4);
	n = g_strv_length(parts);
	if (n > 0 && parts[n - 1][0] == '\0')
		n--; /* a trailing '/' */
	if (n == 0) {
		cr_http_responder_complete_error(responder, 404, "not-found",
						 "see /api/v1/status and data/openapi.yaml");
		return;
	}
	if (n == 1 && g_str_equal(parts[0], "status")) {
		get ? get_status(c, responder) : reply_method(responder, "GET");
	} else if (n == 1 && g_str_equal(parts[0], "plugins")) {
		get ? get_plugins(c, responder) : reply_method(responder, "GET");
	} else if (n == 1 && g_str_equal(parts[0], "frontends")) {
		if (get)
			get_list(responder, "frontends", cr_router_get_frontends(c->router),
				 (NodeFunc)cr_json_frontend);
		else
			reply_method(responder, "GET");
	} else if (n == 2 && g_str_equal(parts[0], "frontends")) {
		CrFrontendSlot *slot = cr_router_lookup_frontend(c->router, parts[1]);
		if (!get)
			reply_method(responder, "GET");
		else if (slot == NULL)
			reply_not_found(responder, "frontend slot", parts[1]);
		else
			reply_one(responder, 200, slot, (NodeFunc)cr_json_frontend_detailed);
	} else if (n == 1 && g_str_equal(parts[0], "backends")) {
		if (get)
			get_list(responder, "backends", cr_router_get_backends(c->router),
				 (NodeFunc)cr_json_backend);
		else
			reply_method(responder, "GET");
	} else if (n == 2 && g_str_equal(parts[0], "backends")) {
		CrBackendSlot *slot = cr_router_lookup_backend(c->router, parts[1]);
		if (!get)
			reply_method(responder, "GET");
		else if (slot == NULL)
			reply_not_found(responder, "backend slot", parts[1]);
		else
			reply_one(responder, 200, slot, (NodeFunc)cr_json_backend_detailed);
	} else if (n == 3 && g_str_equal(parts[0], "backends") && g_str_equal(parts[2], "apdu")) {
		if (g_strcmp0(method, "POST") == 0)
			post_apdu(c, parts[1], request, responder);
		else
			reply_method(responder, "POST");
	} else if (n == 1 && g_str_equal(parts[0], "instances")) {
		if (get)
			get_list(responder, "instances", cr_router_get_instances(c->router),
				 (NodeFunc)cr_json_instance);
		else
			reply_method(responder, "GET");
	} else if (n == 2 && g_str_equal(parts[0], "instances")) {
		CrInstance *inst = cr_router_lookup_instance(c->router, parts[1]);
		if (!get)
			reply_method(responder, "GET");
		else if (inst == NULL)
			reply_not_found(responder, "instance", parts[1]);
		else
			reply_one(responder, 200, inst, (NodeFunc)cr_json_instance);
	} else if (n == 1 && g_str_equal(parts[0], "routes")) {
		if (get)
			get_list(responder, "routes", cr_router_get_routes(c->router),
				 (NodeFunc)cr_json_route);
		else if (g_strcmp0(method, "POST") == 0)
			post_route(c, request, responder);
		else
			reply_method(responder, "GET, POST");
	} else if (n == 2 && g_str_equal(parts[0], "routes")) {
		CrRoute *route = cr_router_lookup_route(c->router, parts[1]);
		if (g_strcmp0(method, "DELETE") == 0)
			delete_route(c, parts[1], responder);
		else if (!get)
			reply_method(responder, "GET, DELETE");
		else if (route == NULL)
			reply_not_found(responder, "route", parts[1]);
		else
			reply_one(responder, 200, route, (NodeFunc)cr_json_route);
	} else {
		g_autofree gchar *msg = g_strdup_printf("no such path: %s",
							cr_http_request_get_path(request));
		g_autofree gchar *valid = g_utf8_make_valid(msg, -1);
		cr_http_responder_complete_error(responder, 404, "not-found", valid);
	}
}

static void
metrics(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	CrControl *c = user_data;
	g_autoptr(GBytes) body = NULL;
	gchar *text;
	gsize len;
	if (g_strcmp0(cr_http_request_get_method(request), "GET") != 0 &&
	    g_strcmp0(cr_http_request_get_method(request), "HEAD") != 0) {
		reply_method(responder, "GET");
		return;
	}
	text = cr_control_metrics_render(c);
	len = strlen(text);
	body = g_bytes_new_take(text, len);
	cr_http_responder_complete(responder, 200, "text/plain; version=0.0.4; charset=utf-8",
				   body);
}

void
cr_rest_api_register(CrControl *c)
{
	guint id = cr_router_add_http_handler(c->router, "/api/v1/", api_v1, c, NULL);
	g_array_append_val(c->handler_ids, id);
	id = cr_router_add_http_handler(c->router, "/metrics", metrics, c, NULL);
	g_array_append_val(c->handler_ids, id);
}
