// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cardroutectl: the command-line client of cardrouted's REST API.
 *
 * Exit codes: 0 done; 1 the daemon refused (HTTP 4xx/5xx other than 404);
 * 2 usage error; 3 the daemon cannot be reached; 4 no such slot/route (404).
 * Errors go to stderr as "cardroutectl: CODE: MESSAGE" (CODE as in the
 * REST error body: invalid, not-found, exists, busy, auth, ...).
 */
#include <cardroute/cardroute.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"


static gboolean
accept_any(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
	   gpointer user_data)
{
	return TRUE;
}

/* NULL (and the error printed) for a bad URL */
static SoupMessage *
new_message(Ctl *ctl, const gchar *method, const gchar *path)
{
	g_autofree gchar *uri = g_strconcat(ctl->url, path, NULL);
	SoupMessage *msg = soup_message_new(method, uri);
	if (msg == NULL) {
		g_printerr("cardroutectl: invalid: bad URL %s\n", ctl->url);
		return NULL;
	}
	if (ctl->token != NULL) {
		g_autofree gchar *auth = g_strdup_printf("Bearer %s", ctl->token);
		soup_message_headers_replace(soup_message_get_request_headers(msg),
					     "Authorization", auth);
	}
	if (ctl->insecure)
		g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any), NULL);
	return msg;
}

/* Reports an error answer; returns the exit code. */
static gint
report_error(guint status, GBytes *body)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	gsize len = 0;
	const gchar *data = body != NULL ? g_bytes_get_data(body, &len) : NULL;
	const gchar *code = "failed";
	const gchar *message = NULL;
	if (data != NULL && json_parser_load_from_data(parser, data, (gssize)len, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		JsonObject *obj = json_node_get_object(json_parser_get_root(parser));
		code = json_object_get_string_member_with_default(obj, "error", code);
		message = json_object_get_string_member_with_default(obj, "message", NULL);
	}
	g_printerr("cardroutectl: %s: %s\n", code,
		   message != NULL ? message : soup_status_get_phrase(status));
	return status == 404 ? EXIT_NOT_FOUND : EXIT_REFUSED;
}

/* One request; *out gets the parsed JSON body (NULL for no body or text). */
gint
request(Ctl *ctl, const gchar *method, const gchar *path, const gchar *body, JsonNode **out,
	GBytes **raw)
{
	g_autoptr(SoupMessage) msg = new_message(ctl, method, path);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	guint status;
	gsize len;
	const gchar *data;

	if (msg == NULL)
		return EXIT_USAGE;
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, "application/json", b);
	}
	reply = soup_session_send_and_read(ctl->session, msg, NULL, &error);
	if (reply == NULL) {
		g_printerr("cardroutectl: unreachable: %s: %s\n", ctl->url, error->message);
		return EXIT_UNREACHABLE;
	}
	status = soup_message_get_status(msg);
	if (status >= 400) {
		gint rc = report_error(status, reply);
		gsize n = 0;
		const gchar *d = g_bytes_get_data(reply, &n);
		if (status == 404 && d != NULL && g_strstr_len(d, (gssize)n, "no such path") != NULL)
			ctl_explain_not_found(ctl, path);
		return rc;
	}
	if (raw != NULL)
		*raw = g_bytes_ref(reply);
	if (out == NULL)
		return EXIT_OK;
	data = g_bytes_get_data(reply, &len);
	*out = NULL;
	if (len > 0) {
		if (!json_parser_load_from_data(parser, data, (gssize)len, &error)) {
			g_printerr("cardroutectl: protocol: the daemon's answer: %s\n",
				   error->message);
			return EXIT_REFUSED;
		}
		*out = json_node_copy(json_parser_get_root(parser));
	}
	return EXIT_OK;
}

void
print_json(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	g_print("%s\n", text);
}

static const gchar *
str(JsonObject *obj, const gchar *member)
{
	JsonNode *n = json_object_get_member(obj, member);
	if (n == NULL || JSON_NODE_HOLDS_NULL(n))
		return "-";
	if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
		return json_node_get_string(n);
	return "?";
}

static gint64
num(JsonObject *obj, const gchar *member)
{
	JsonNode *n = json_object_get_member(obj, member);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return 0;
	return json_node_get_int(n);
}

JsonObject *
obj_member(JsonObject *obj, const gchar *member)
{
	JsonNode *n = obj != NULL ? json_object_get_member(obj, member) : NULL;
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonArray *
array_member(JsonNode *root, const gchar *member)
{
	JsonNode *n;
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	n = json_object_get_member(json_node_get_object(root), member);
	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* "T=0,T=1 ext 65544/65538": protocols, length fields, largest C-/R-APDU */
static gchar *
caps_text(JsonObject *slot)
{
	JsonObject *caps = obj_member(slot, "caps");
	JsonNode *protocols = caps != NULL ? json_object_get_member(caps, "protocols") : NULL;
	JsonNode *ext = caps != NULL ? json_object_get_member(caps, "extended") : NULL;
	g_autoptr(GString) text = g_string_new(NULL);

	if (caps == NULL)
		return g_strdup("-");
	for (guint i = 0; protocols != NULL && JSON_NODE_HOLDS_ARRAY(protocols) &&
			  i < json_array_get_length(json_node_get_array(protocols));
	     i++) {
		JsonNode *p = json_array_get_element(json_node_get_array(protocols), i);
		if (JSON_NODE_HOLDS_VALUE(p) && json_node_get_value_type(p) == G_TYPE_STRING)
			g_string_append_printf(text, "%s%s", i > 0 ? "," : "",
					       json_node_get_string(p));
	}
	g_string_append_printf(text, " %s %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
			       ext != NULL && JSON_NODE_HOLDS_VALUE(ext) &&
					       json_node_get_value_type(ext) == G_TYPE_BOOLEAN &&
					       json_node_get_boolean(ext)
				       ? "ext"
				       : "short",
			       num(caps, "max_command"), num(caps, "max_response"));
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static void
print_slots(JsonArray *slots)
{
	g_print("%-20s %-16s %-8s %-16s %10s %8s %10s  %-24s %s\n", "NAME", "INSTANCE", "STATE",
		"ROUTE", "TX", "ERRORS", "P50(us)", "CAPS", "ATR");
	for (guint i = 0; slots != NULL && i < json_array_get_length(slots); i++) {
		JsonObject *s = json_array_get_object_element(slots, i);
		JsonObject *st = obj_member(s, "stats");
		JsonObject *lat = st != NULL ? obj_member(st, "latency_us") : NULL;
		g_autofree gchar *caps = caps_text(s);
		g_print("%-20s %-16s %-8s %-16s %10" G_GINT64_FORMAT " %8" G_GINT64_FORMAT
			" %10" G_GINT64_FORMAT "  %-24s %s\n",
			str(s, "name"), str(s, "instance"), str(s, "state"), str(s, "route"),
			st != NULL ? num(st, "transactions") : 0, st != NULL ? num(st, "errors") : 0,
			lat != NULL ? num(lat, "p50") : 0, caps, str(s, "atr"));
	}
}

static void
print_routes(JsonArray *routes)
{
	g_print("%-16s %-20s %-20s %-10s %10s %8s %10s %10s\n", "NAME", "FRONTEND", "BACKEND",
		"ORIGIN", "TX", "ERRORS", "P50(us)", "P99(us)");
	for (guint i = 0; routes != NULL && i < json_array_get_length(routes); i++) {
		JsonObject *r = json_array_get_object_element(routes, i);
		JsonObject *st = obj_member(r, "stats");
		JsonObject *lat = st != NULL ? obj_member(st, "latency_us") : NULL;
		g_print("%-16s %-20s %-20s %-10s %10" G_GINT64_FORMAT " %8" G_GINT64_FORMAT
			" %10" G_GINT64_FORMAT " %10" G_GINT64_FORMAT "\n",
			str(r, "name"), str(r, "frontend"), str(r, "backend"),
			json_object_get_boolean_member_with_default(r, "configured", FALSE)
				? "config"
				: "runtime",
			st != NULL ? num(st, "transactions") : 0, st != NULL ? num(st, "errors") : 0,
			lat != NULL ? num(lat, "p50") : 0, lat != NULL ? num(lat, "p99") : 0);
	}
}

static gint
cmd_get(Ctl *ctl, const gchar *what)
{
	g_autofree gchar *path = g_strdup_printf("/api/v1/%s", what);
	g_autoptr(JsonNode) root = NULL;
	gint rc = request(ctl, "GET", path, NULL, &root, NULL);
	if (rc != EXIT_OK || root == NULL)
		return rc;
	if (ctl->json) {
		print_json(root);
	} else if (g_str_equal(what, "status")) {
		JsonObject *o = json_node_get_object(root);
		g_autoptr(GList) members = json_object_get_members(o);
		for (GList *l = members; l != NULL; l = l->next) {
			JsonNode *n = json_object_get_member(o, l->data);
			g_autofree gchar *v = NULL;
			if (!JSON_NODE_HOLDS_VALUE(n))
				v = g_strdup("-");
			else if (json_node_get_value_type(n) == G_TYPE_STRING)
				v = g_strdup(json_node_get_string(n));
			else if (json_node_get_value_type(n) == G_TYPE_BOOLEAN)
				v = g_strdup(json_node_get_boolean(n) ? "yes" : "no");
			else
				v = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
			g_print("%-14s %s\n", (const gchar *)l->data, v);
		}
	} else if (g_str_equal(what, "plugins")) {
		JsonArray *a = array_member(root, "plugins");
		g_print("%-16s %-10s %-24s %s\n", "NAME", "KIND", "INSTANCES", "PATH");
		for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
			JsonObject *p = json_array_get_object_element(a, i);
			JsonNode *inst = json_object_get_member(p, "instances");
			g_autoptr(GString) names = g_string_new(NULL);
			for (guint j = 0; inst != NULL && JSON_NODE_HOLDS_ARRAY(inst) &&
					  j < json_array_get_length(json_node_get_array(inst));
			     j++)
				g_string_append_printf(
					names, "%s%s", j > 0 ? "," : "",
					json_array_get_string_element(json_node_get_array(inst), j));
			g_print("%-16s %-10s %-24s %s\n", str(p, "name"), str(p, "kind"),
				names->len > 0 ? names->str : "-", str(p, "path"));
		}
	} else if (g_str_equal(what, "frontends") || g_str_equal(what, "backends")) {
		print_slots(array_member(root, what));
	} else if (g_str_equal(what, "routes")) {
		print_routes(array_member(root, "routes"));
	} else {
		print_json(root);
	}
	return EXIT_OK;
}

static gint
cmd_route_add(Ctl *ctl, const gchar *frontend, const gchar *backend, const gchar *name)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) body = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;
	gint rc;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "frontend");
	json_builder_add_string_value(b, frontend);
	json_builder_set_member_name(b, "backend");
	json_builder_add_string_value(b, backend);
	if (name != NULL) {
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, name);
	}
	json_builder_end_object(b);
	body = json_builder_get_root(b);
	json_generator_set_root(gen, body);
	text = json_generator_to_data(gen, NULL);
	rc = request(ctl, "POST", "/api/v1/routes", text, &root, NULL);
	if (rc != EXIT_OK || root == NULL)
		return rc;
	if (ctl->json)
		print_json(root);
	else
		g_print("%s\n", str(json_node_get_object(root), "name"));
	return EXIT_OK;
}

static gint
cmd_route_del(Ctl *ctl, const gchar *name)
{
	g_autofree gchar *escaped = g_uri_escape_string(name, NULL, FALSE);
	g_autofree gchar *path = g_strdup_printf("/api/v1/routes/%s", escaped);
	return request(ctl, "DELETE", path, NULL, NULL, NULL);
}

static gint
cmd_apdu(Ctl *ctl, const gchar *backend, const gchar *hex)
{
	g_autofree gchar *escaped = g_uri_escape_string(backend, NULL, FALSE);
	g_autofree gchar *path = g_strdup_printf("/api/v1/backends/%s/apdu", escaped);
	g_autoptr(GString) body = g_string_new("{\"apdu\": ");
	g_autoptr(JsonNode) root = NULL;
	gint rc;
	cr_http_json_escape(body, hex);
	g_string_append(body, "}");
	rc = request(ctl, "POST", path, body->str, &root, NULL);
	if (rc != EXIT_OK || root == NULL)
		return rc;
	if (ctl->json)
		print_json(root);
	else
		g_print("%s\n", str(json_node_get_object(root), "response"));
	return EXIT_OK;
}

static gint
cmd_metrics(Ctl *ctl)
{
	g_autoptr(GBytes) raw = NULL;
	gint rc = request(ctl, "GET", "/metrics", NULL, NULL, &raw);
	gsize len;
	const gchar *data;
	if (rc != EXIT_OK)
		return rc;
	data = g_bytes_get_data(raw, &len);
	fwrite(data, 1, len, stdout);
	return EXIT_OK;
}

/* One line per event; transactions show the instruction name. */
static void
print_event(JsonObject *ev)
{
	const gchar *type = str(ev, "type");
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *stamp = g_date_time_format(now, "%H:%M:%S.%f");
	stamp[12] = '\0'; /* milliseconds */
	if (g_str_equal(type, "transaction")) {
		const gchar *cmd = str(ev, "command");
		const gchar *name = NULL;
		guint cla = 0, ins = 0;
		if (strlen(cmd) >= 4 && sscanf(cmd, "%2x%2x", &cla, &ins) == 2)
			name = cr_apdu_ins_name((guint8)cla, (guint8)ins);
		g_print("%s %s %s>%s %-20s %s -> %s", stamp, str(ev, "route"),
			str(ev, "frontend"), str(ev, "backend"),
			name != NULL ? name : "(unknown)", cmd, str(ev, "response"));
		if (json_object_has_member(ev, "error"))
			g_print(" ! %s: %s", str(ev, "error"), str(ev, "message"));
		g_print(" (%" G_GINT64_FORMAT " us)\n", num(ev, "latency_us"));
	} else if (g_str_equal(type, "card") || g_str_equal(type, "slot-state")) {
		gboolean backend = g_str_equal(str(ev, "slot"), "backend") ||
				   !json_object_has_member(ev, "frontend");
		g_print("%s %s %s %s %s %s\n", stamp, type, backend ? "backend" : "frontend",
			backend ? str(ev, "backend") : str(ev, "frontend"), str(ev, "state"),
			str(ev, "atr"));
	} else if (g_str_has_prefix(type, "route-")) {
		g_print("%s %s %s %s>%s\n", stamp, type, str(ev, "route"), str(ev, "frontend"),
			str(ev, "backend"));
	} else if (g_str_equal(type, "error")) {
		g_print("%s error %s: %s\n", stamp, str(ev, "error"), str(ev, "message"));
	} else {
		/* "reset vpcd1 (cold)", "power-off vpcd1" */
		gboolean has_reset = json_object_has_member(ev, "reset");
		g_print("%s %s %s%s%s%s\n", stamp, type,
			json_object_has_member(ev, "frontend") ? str(ev, "frontend")
							       : str(ev, "backend"),
			has_reset ? " (" : "", has_reset ? str(ev, "reset") : "",
			has_reset ? ")" : "");
	}
}

static gint
cmd_trace(Ctl *ctl)
{
	g_autoptr(SoupMessage) msg = new_message(ctl, "GET", "/api/v1/events");
	g_autoptr(GError) error = NULL;
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GDataInputStream) lines = NULL;
	gint seen = 0;

	if (msg == NULL)
		return EXIT_USAGE;
	stream = soup_session_send(ctl->session, msg, NULL, &error);
	if (stream == NULL) {
		g_printerr("cardroutectl: unreachable: %s: %s\n", ctl->url, error->message);
		return EXIT_UNREACHABLE;
	}
	if (soup_message_get_status(msg) >= 400) {
		g_autoptr(GBytes) body = g_input_stream_read_bytes(stream, 65536, NULL, NULL);
		return report_error(soup_message_get_status(msg), body);
	}
	lines = g_data_input_stream_new(stream);
	for (;;) {
		g_autofree gchar *line = g_data_input_stream_read_line_utf8(lines, NULL, NULL,
									    &error);
		g_autoptr(JsonParser) parser = NULL;
		JsonNode *root;
		if (line == NULL) {
			if (error != NULL) {
				g_printerr("cardroutectl: io: %s\n", error->message);
				return EXIT_UNREACHABLE;
			}
			return EXIT_OK; /* the daemon ended the stream */
		}
		if (g_str_equal(line, ": cardroute event stream")) {
			/* the stream is live: scripts may wait for this line */
			if (!ctl->json)
				g_print("# following %s\n", ctl->url);
			fflush(stdout);
			continue;
		}
		if (!g_str_has_prefix(line, "data: "))
			continue;
		parser = json_parser_new();
		if (!json_parser_load_from_data(parser, line + 6, -1, NULL))
			continue;
		root = json_parser_get_root(parser);
		if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
			continue;
		if (ctl->json)
			g_print("%s\n", line + 6);
		else
			print_event(json_node_get_object(root));
		fflush(stdout);
		if (g_strcmp0(str(json_node_get_object(root), "type"), "transaction") == 0 &&
		    ctl->count > 0 && ++seen >= ctl->count)
			return EXIT_OK;
	}
}

static gint
usage(GOptionContext *ctx)
{
	g_autofree gchar *help = g_option_context_get_help(ctx, TRUE, NULL);
	g_printerr("%s", help);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = NULL;
	Ctl ctl = {0};
	gint rc;
	const gchar *cmd;
	const GOptionEntry entries[] = {
		{"url", 'u', 0, G_OPTION_ARG_STRING, &ctl.url,
		 "cardrouted's REST API (default $CARDROUTE_URL or http://127.0.0.1:9997)", "URL"},
		{"token", 't', 0, G_OPTION_ARG_STRING, &ctl.token,
		 "Bearer token (default $CARDROUTE_TOKEN)", "TOKEN"},
		{"json", 'j', 0, G_OPTION_ARG_NONE, &ctl.json, "Print JSON, not tables", NULL},
		{"insecure", 'k', 0, G_OPTION_ARG_NONE, &ctl.insecure,
		 "Accept any TLS certificate", NULL},
		{"name", 'n', 0, G_OPTION_ARG_STRING, &name, "route add: the route's name", "NAME"},
		{"count", 'c', 0, G_OPTION_ARG_INT, &ctl.count,
		 "trace: stop after N transactions", "N"},
		{NULL},
	};

	setlocale(LC_ALL, "");
	/* the upstream arguments after "migrate KIND --" are not ours to parse */
	if (argc >= 2 && g_str_equal(argv[1], "migrate"))
		return ctl_migrate(argc - 1, argv + 1);
	ctx = g_option_context_new("COMMAND [ARGS] - control cardrouted");
	g_option_context_set_summary(
		ctx, "Commands:\n"
		     "  status | plugins | frontends | backends | routes\n"
		     "  instances               each plugin instance: link states, peers, errors\n"
		     "  route add FRONTEND BACKEND [--name NAME]\n"
		     "  route del NAME\n"
		     "  apdu BACKEND HEX        (needs [router] allow-apdu = true)\n"
		     "  trace [--count N]       follow the event stream\n"
		     "  metrics                 Prometheus text\n"
		     "  remsim clients|banks|slotmaps | remsim map BANK SLOT CLIENT SLOT\n"
		     "  remsim unmap BANK SLOT | remsim reset   (rspro-server's RSRES API)\n"
		     "  migrate remsim-bankd|remsim-client|remsim-server -- ARGS...\n"
		     "                          print the INI for an osmo-remsim command line\n"
		     "Exit: 0 ok, 1 refused, 2 usage, 3 unreachable, 4 not found");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("cardroutectl: usage: %s\n", error->message);
		return EXIT_USAGE;
	}
	if (argc < 2)
		return usage(ctx);
	if (ctl.url == NULL)
		ctl.url = g_strdup(g_getenv("CARDROUTE_URL") != NULL ? g_getenv("CARDROUTE_URL")
								   : "http://127.0.0.1:9997");
	while (g_str_has_suffix(ctl.url, "/"))
		ctl.url[strlen(ctl.url) - 1] = '\0';
	if (ctl.token == NULL && g_getenv("CARDROUTE_TOKEN") != NULL)
		ctl.token = g_strdup(g_getenv("CARDROUTE_TOKEN"));
	/* never a proxy for the daemon (and no proxy-resolver module loaded) */
	ctl.session = soup_session_new_with_options("timeout", 0, "idle-timeout", 0,
						    "proxy-resolver", NULL, NULL);
	cmd = argv[1];
	if (argc == 2 && (g_str_equal(cmd, "status") || g_str_equal(cmd, "plugins") ||
			  g_str_equal(cmd, "frontends") || g_str_equal(cmd, "backends") ||
			  g_str_equal(cmd, "routes")))
		rc = cmd_get(&ctl, cmd);
	else if (argc == 5 && g_str_equal(cmd, "route") && g_str_equal(argv[2], "add"))
		rc = cmd_route_add(&ctl, argv[3], argv[4], name);
	else if (argc == 4 && g_str_equal(cmd, "route") && g_str_equal(argv[2], "del"))
		rc = cmd_route_del(&ctl, argv[3]);
	else if (argc == 4 && g_str_equal(cmd, "apdu"))
		rc = cmd_apdu(&ctl, argv[2], argv[3]);
	else if (argc == 2 && g_str_equal(cmd, "trace"))
		rc = cmd_trace(&ctl);
	else if (argc >= 2 && g_str_equal(cmd, "remsim"))
		rc = ctl_remsim(&ctl, argc - 1, argv + 1);
	else if (argc == 2 && g_str_equal(cmd, "instances"))
		rc = ctl_instances(&ctl);
	else if (argc == 2 && g_str_equal(cmd, "metrics"))
		rc = cmd_metrics(&ctl);
	else
		rc = usage(ctx);
	g_object_unref(ctl.session);
	g_free(ctl.url);
	g_free(ctl.token);
	return rc;
}
