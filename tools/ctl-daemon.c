// SPDX-License-Identifier: GPL-2.0-or-later
/* cardroutectl: after "no such path", which daemon answered and what it runs,
 * so a command sent to the wrong daemon (a bank instead of the remsim
 * server) says so. */
#include <string.h>

#include "ctl.h"

/* GET @path as JSON, quietly; NULL on any failure */
static JsonNode *
get_quiet(Ctl *ctl, const gchar *path)
{
	g_autofree gchar *uri = g_strconcat(ctl->url, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	const gchar *data;
	gsize len;
	if (msg == NULL)
		return NULL;
	if (ctl->token != NULL) {
		g_autofree gchar *auth = g_strdup_printf("Bearer %s", ctl->token);
		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
		                             auth);
	}
	reply = soup_session_send_and_read(ctl->session, msg, NULL, NULL);
	if (reply == NULL || soup_message_get_status(msg) != 200)
		return NULL;
	data = g_bytes_get_data(reply, &len);
	if (!json_parser_load_from_data(parser, data, (gssize)len, NULL))
		return NULL;
	return json_node_copy(json_parser_get_root(parser));
}

void
ctl_explain_not_found(Ctl *ctl, const gchar *path)
{
	g_autoptr(JsonNode) status = get_quiet(ctl, "/api/v1/status");
	g_autoptr(JsonNode) plugins = get_quiet(ctl, "/api/v1/plugins");
	g_autoptr(GString) running = g_string_new(NULL);
	JsonArray *list = NULL;
	gboolean server = FALSE;
	if (status == NULL || !JSON_NODE_HOLDS_OBJECT(status)) {
		g_printerr("cardroutectl: %s does not look like cardrouted (no /api/v1/status)\n",
		           ctl->url);
		return;
	}
	if (plugins != NULL && JSON_NODE_HOLDS_OBJECT(plugins))
		list = array_member(plugins, "plugins");
	for (guint i = 0; list != NULL && i < json_array_get_length(list); i++) {
		JsonObject *p = json_array_get_object_element(list, i);
		JsonArray *inst = p != NULL && json_object_has_member(p, "instances")
		                          ? json_object_get_array_member(p, "instances")
		                          : NULL;
		const gchar *name =
		        p != NULL ? json_object_get_string_member_with_default(p, "name", NULL)
		                  : NULL;
		if (name == NULL || inst == NULL || json_array_get_length(inst) == 0)
			continue;
		server |= g_strcmp0(name, "rspro-server") == 0;
		g_string_append_printf(running, "%s%s", running->len > 0 ? ", " : "", name);
	}
	g_printerr("cardroutectl: %s is cardrouted %s (pid %" G_GINT64_FORMAT ") running %s\n",
	           ctl->url,
	           json_object_get_string_member_with_default(json_node_get_object(status),
	                                                      "version", "?"),
	           json_object_get_int_member_with_default(json_node_get_object(status), "pid", 0),
	           running->len > 0 ? running->str : "no plugin instances");
	if (g_str_has_prefix(path, "/api/backend/") && !server)
		g_printerr("cardroutectl: %s is the remsim server's RSRES API, and there is no "
		           "rspro-server here: --url of the server's daemon (its default REST "
		           "port is 9997; a bank's 9996, a client's 9995)\n",
		           path);
}

static gchar *
value_text(JsonNode *n)
{
	if (n == NULL || JSON_NODE_HOLDS_NULL(n))
		return g_strdup("-");
	if (JSON_NODE_HOLDS_VALUE(n)) {
		GType t = json_node_get_value_type(n);
		if (t == G_TYPE_STRING)
			return g_strdup(json_node_get_string(n));
		if (t == G_TYPE_BOOLEAN)
			return g_strdup(json_node_get_boolean(n) ? "yes" : "no");
		if (t == G_TYPE_DOUBLE)
			return g_strdup_printf("%.1f", json_node_get_double(n));
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	}
	return json_to_string(n, FALSE);
}

gint
ctl_instances(Ctl *ctl)
{
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a;
	gint rc = request(ctl, "GET", "/api/v1/instances", NULL, &root, NULL);
	if (rc != EXIT_OK || root == NULL)
		return rc;
	if (ctl->json) {
		print_json(root);
		return EXIT_OK;
	}
	a = array_member(root, "instances");
	g_print("%-16s %-14s %-9s %s\n", "INSTANCE", "PLUGIN", "KIND", "DETAILS");
	for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		JsonObject *d = obj_member(o, "details");
		g_autoptr(GList) keys = d != NULL ? json_object_get_members(d) : NULL;
		if (o == NULL)
			continue;
		g_print("%-16s %-14s %-9s",
		        json_object_get_string_member_with_default(o, "name", "-"),
		        json_object_get_string_member_with_default(o, "plugin", "-"),
		        json_object_get_string_member_with_default(o, "kind", "-"));
		keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
		/* one detail per line: link states, peers, last errors, next retries */
		for (GList *l = keys; l != NULL; l = l->next) {
			g_autofree gchar *v = value_text(json_object_get_member(d, l->data));
			g_print("%s%s = %s\n",
			        l == keys ? " " : "                                           ",
			        (const gchar *)l->data, v);
		}
		if (keys == NULL)
			g_print(" -\n");
	}
	return EXIT_OK;
}
