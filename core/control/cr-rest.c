// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control plane's HTTP server (libsoup-3). It checks the bearer token and
 * the body size before reading a body, then hands every request to the
 * router's HTTP handler registry (cr-http.h): the built-in /api/v1 and
 * whatever control plugins added. Only the event stream is served here
 * directly, because it streams.
 */
#define G_LOG_DOMAIN "cr-control"

#include <libsoup/soup.h>
#include <string.h>

#include "cr-control-private.h"
#include "cr-rest-conn.h"
#include "cr-rest-parse.h"

struct _CrRest {
	CrControl *control;
	SoupServer *server;
	CrRestConns *conns;
	GHashTable *pending; /* Pending */
};

/* A request whose handler has not answered yet. */
typedef struct {
	CrRest *rest;
	SoupServerMessage *msg;
	CrHttpResponder *responder;
	gboolean paused;
	gboolean done;
	gulong finished_id;
} Pending;

static void
set_error(SoupServerMessage *msg, guint status, const gchar *code, const gchar *message)
{
	g_autoptr(GString) json = g_string_new("{\"error\": ");
	cr_http_json_escape(json, code);
	g_string_append(json, ", \"message\": ");
	cr_http_json_escape(json, message);
	g_string_append(json, "}\n");
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json->str,
					 json->len);
}

/* Runs once the headers are in, before the body is read. */
static void
early_cb(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	 gpointer user_data)
{
	CrRest *rest = user_data;
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);

	if (!cr_rest_session_check(rest->control, msg, path))
		return; /* cr-rest-session.c */
	switch (soup_message_headers_get_encoding(hdrs)) {
	case SOUP_ENCODING_CONTENT_LENGTH:
		if (soup_message_headers_get_content_length(hdrs) > (goffset)rest->control->max_body)
			set_error(msg, 413, "invalid", "body: too large");
		break;
	case SOUP_ENCODING_NONE:
	case SOUP_ENCODING_EOF:
	case SOUP_ENCODING_CHUNKED: /* counted as it arrives, cut at the limit (cr-rest-conn.c) */
		break;
	default:
		set_error(msg, 411, "invalid", "body: a Content-Length is required");
		break;
	}
}

static void
pending_free(Pending *p)
{
	if (p->finished_id != 0)
		g_signal_handler_disconnect(p->msg, p->finished_id);
	g_object_unref(p->msg);
	g_free(p);
}

static void
on_done(CrHttpResponder *responder, guint status, const gchar *content_type, GBytes *body,
	const gchar *const *headers, gpointer user_data)
{
	Pending *p = user_data;
	SoupMessageHeaders *out = soup_server_message_get_response_headers(p->msg);
	soup_server_message_set_status(p->msg, status, NULL);
	for (guint i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
		soup_message_headers_append(out, headers[i], headers[i + 1]);
	if (content_type != NULL) {
		gsize len = 0;
		const gchar *data = body != NULL ? g_bytes_get_data(body, &len) : "";
		soup_server_message_set_response(p->msg, content_type, SOUP_MEMORY_COPY, data,
						 len);
	}
	p->done = TRUE;
	if (p->paused) {
		soup_server_message_unpause(p->msg);
		g_hash_table_remove(p->rest->pending, p);
	}
}

/* The message ended before the handler answered (the client went away). */
static void
on_finished(SoupServerMessage *msg, gpointer user_data)
{
	Pending *p = user_data;
	if (!p->done)
		cr_http_responder_cancel(p->responder);
	g_hash_table_remove(p->rest->pending, p);
}

static gchar *
remote_of(SoupServerMessage *msg)
{
	GSocketAddress *addr = soup_server_message_get_remote_address(msg);
	if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS(addr))
		return NULL;
	g_autofree gchar *ip = g_inet_address_to_string(
		g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
	return g_strdup_printf("%s:%u", ip,
			       g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr)));
}

static void
add_header(const char *name, const char *value, gpointer user_data)
{
	cr_http_request_add_header(user_data, name, value);
}

static void
server_cb(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	  gpointer user_data)
{
	CrRest *rest = user_data;
	const gchar *method = soup_server_message_get_method(msg);
	SoupMessageBody *req_body = soup_server_message_get_request_body(msg);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GHashTable) q = NULL;
	g_autofree gchar *remote = NULL;
	g_autofree gchar *decoded = NULL;
	g_autoptr(GError) path_error = NULL;
	CrHttpRequest *req;
	Pending *p;

	/* the server runs with raw-paths: an escaped '/' stays one here */
	decoded = cr_rest_decode_path(path, &path_error);
	if (decoded == NULL) {
		set_error(msg, 404, "not-found", path_error->message);
		return;
	}
	path = decoded;

	if (g_strcmp0(path, "/api/v1/events") == 0 && g_strcmp0(method, "GET") == 0) {
		if (rest->control->sse != NULL)
			cr_sse_add_client(rest->control->sse, rest->conns, msg);
		return;
	}
	body = soup_message_body_flatten(req_body);
	if (g_bytes_get_size(body) > rest->control->max_body) {
		set_error(msg, 413, "invalid", "body: too large");
		return;
	}
	q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (query != NULL) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, query);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(q, g_strdup(k), g_strdup(v));
	}
	remote = remote_of(msg);
	req = cr_http_request_new(method, path, q, body, remote);
	soup_message_headers_foreach(soup_server_message_get_request_headers(msg), add_header,
				     req);
	p = g_new0(Pending, 1);
	p->rest = rest;
	p->msg = g_object_ref(msg);
	if (!cr_router_dispatch_http(rest->control->router, req, on_done, p, &p->responder)) {
		g_autofree gchar *text = g_strdup_printf("no such path: %s", path);
		g_autofree gchar *valid = g_utf8_make_valid(text, -1);
		set_error(msg, 404, "not-found", valid);
		pending_free(p);
	} else if (p->done) {
		pending_free(p);
	} else {
		soup_server_message_pause(msg);
		p->paused = TRUE;
		p->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(on_finished), p);
		g_hash_table_add(rest->pending, p);
	}
	cr_http_request_unref(req);
}

CrRest *
cr_rest_new(CrControl *control)
{
	CrRest *rest = g_new0(CrRest, 1);
	rest->control = control;
	rest->pending = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					      (GDestroyNotify)pending_free, NULL);
	return rest;
}

static GInetAddress *
resolve(const gchar *host, GError **error)
{
	GInetAddress *addr = g_inet_address_new_from_string(host);
	GList *list;
	if (addr != NULL)
		return addr;
	list = g_resolver_lookup_by_name(g_resolver_get_default(), host, NULL, error);
	if (list == NULL)
		return NULL;
	addr = g_object_ref(list->data);
	g_resolver_free_addresses(list);
	return addr;
}

gboolean
cr_rest_start(CrRest *rest, GError **error)
{
	CrControl *c = rest->control;
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *uri = NULL;
	CrRestLimits limits = {
		.header_timeout_ms = c->header_timeout_ms,
		.idle_timeout_ms = c->idle_timeout_ms,
		.max_connections = c->max_connections,
		.max_per_address = c->max_per_address,
		.max_body = c->max_body,
	};

	if (c->tls_cert != NULL) {
		cert = g_tls_certificate_new_from_files(c->tls_cert, c->tls_key, error);
		if (cert == NULL)
			return FALSE;
	}
	rest->server = soup_server_new("server-header", "cardrouted/" CR_VERSION " ",
				       "tls-certificate", cert, "raw-paths", TRUE, NULL);
	soup_server_add_early_handler(rest->server, NULL, early_cb, rest, NULL);
	soup_server_add_handler(rest->server, NULL, server_cb, rest, NULL);
	inet = resolve(c->rest_host, &local);
	if (inet == NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "[router] rest: %s: %s",
			    c->rest_host, local->message);
		return FALSE;
	}
	addr = g_inet_socket_address_new(inet, c->rest_port);
	/* connections are accepted, counted and timed out by cr-rest-conn.c */
	rest->conns = cr_rest_conns_new(rest->server, &limits, cert);
	if (!cr_rest_conns_listen(rest->conns, addr, &local)) {
		g_autofree gchar *what =
			g_strdup_printf("REST API on %s:%u", c->rest_host, c->rest_port);
		cr_net_set_listen_error(error, CR_ERROR_IO, local, c->rest_port, what);
		return FALSE;
	}
	uri = cr_rest_conns_get_uri(rest->conns);
	g_message("REST API listening on %s%s", uri,
		  cr_rest_auth_get_n_tokens(c->auth) > 0 ? " (bearer token required)"
							   : " (no token: loopback clients only)");
	return TRUE;
}

void
cr_rest_free(CrRest *rest)
{
	GHashTableIter it;
	gpointer key;
	if (rest == NULL)
		return;
	/* handlers that answer later find their responder cancelled */
	g_hash_table_iter_init(&it, rest->pending);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		Pending *p = key;
		if (!p->done)
			cr_http_responder_cancel(p->responder);
	}
	g_hash_table_remove_all(rest->pending);
	g_clear_pointer(&rest->conns, cr_rest_conns_free);
	if (rest->server != NULL) {
		soup_server_disconnect(rest->server);
		g_object_unref(rest->server);
	}
	g_hash_table_unref(rest->pending);
	g_free(rest);
}

void
cr_rest_metrics(CrRest *rest, GString *out)
{
	if (rest != NULL && rest->conns != NULL)
		cr_rest_conns_metrics(rest->conns, out);
}
