// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HTTP handler registry of a router: control plugins and the built-in
 * REST API register path prefixes; the daemon's HTTP server (core/control)
 * dispatches to them. No HTTP library here.
 */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cardroute/cr-http.h"
#include "cardroute/cr-router.h"

#define REGISTRY_KEY "cr-http-registry"

typedef struct {
	guint id;
	gchar *prefix;
	CrHttpHandlerFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} Handler;

typedef struct {
	GPtrArray *handlers; /* Handler */
	guint next_id;
} Registry;

struct _CrHttpRequest {
	gint ref;
	gchar *method;
	gchar *path;
	GHashTable *query;
	GBytes *body;
	GHashTable *headers; /* lower-case name -> value */
	gchar *remote;
};

struct _CrHttpResponder {
	gint ref;
	gboolean completed;
	gboolean cancelled;
	CrHttpDoneFunc done;
	gpointer user_data;
	GPtrArray *headers; /* name, value, ... */
};

static void
handler_free(gpointer data)
{
	Handler *h = data;
	if (h->destroy != NULL)
		h->destroy(h->user_data);
	g_free(h->prefix);
	g_free(h);
}

static void
registry_free(gpointer data)
{
	Registry *reg = data;
	g_ptr_array_unref(reg->handlers);
	g_free(reg);
}

static Registry *
registry_get(CrRouter *router)
{
	Registry *reg = g_object_get_data(G_OBJECT(router), REGISTRY_KEY);
	if (reg == NULL) {
		reg = g_new0(Registry, 1);
		reg->handlers = g_ptr_array_new_with_free_func(handler_free);
		g_object_set_data_full(G_OBJECT(router), REGISTRY_KEY, reg, registry_free);
	}
	return reg;
}

guint
cr_router_add_http_handler(CrRouter *router, const gchar *path_prefix, CrHttpHandlerFunc func,
			   gpointer user_data, GDestroyNotify destroy)
{
	Registry *reg;
	Handler *h;
	g_return_val_if_fail(CR_IS_ROUTER(router), 0);
	g_return_val_if_fail(path_prefix != NULL && path_prefix[0] == '/', 0);
	g_return_val_if_fail(func != NULL, 0);
	reg = registry_get(router);
	for (guint i = 0; i < reg->handlers->len; i++) {
		Handler *other = reg->handlers->pdata[i];
		if (g_strcmp0(other->prefix, path_prefix) == 0) {
			g_warning("HTTP path %s is already handled", path_prefix);
			return 0;
		}
	}
	h = g_new0(Handler, 1);
	h->id = ++reg->next_id;
	h->prefix = g_strdup(path_prefix);
	h->func = func;
	h->user_data = user_data;
	h->destroy = destroy;
	g_ptr_array_add(reg->handlers, h);
	return h->id;
}

void
cr_router_remove_http_handler(CrRouter *router, guint id)
{
	Registry *reg;
	g_return_if_fail(CR_IS_ROUTER(router));
	reg = registry_get(router);
	for (guint i = 0; i < reg->handlers->len; i++) {
		Handler *h = reg->handlers->pdata[i];
		if (h->id == id) {
			g_ptr_array_remove_index(reg->handlers, i);
			return;
		}
	}
}

static gboolean
prefix_matches(const gchar *prefix, const gchar *path)
{
	gsize n = strlen(prefix);
	if (n > 0 && prefix[n - 1] == '/') {
		/* "/a/b/" matches "/a/b" and everything below it */
		if (strncmp(prefix, path, n) == 0)
			return TRUE;
		return strlen(path) == n - 1 && strncmp(prefix, path, n - 1) == 0;
	}
	return strcmp(prefix, path) == 0;
}

CrHttpRequest *
cr_http_request_new(const gchar *method, const gchar *path, GHashTable *query, GBytes *body,
		    const gchar *remote)
{
	CrHttpRequest *req = g_new0(CrHttpRequest, 1);
	req->ref = 1;
	req->method = g_strdup(method);
	req->path = g_strdup(path);
	req->query = query != NULL ? g_hash_table_ref(query)
				   : g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							   g_free);
	req->body = body != NULL ? g_bytes_ref(body) : g_bytes_new_static("", 0);
	req->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	req->remote = g_strdup(remote);
	return req;
}

void
cr_http_request_add_header(CrHttpRequest *request, const gchar *name, const gchar *value)
{
	g_hash_table_insert(request->headers, g_ascii_strdown(name, -1), g_strdup(value));
}

CrHttpRequest *
cr_http_request_ref(CrHttpRequest *request)
{
	g_atomic_int_inc(&request->ref);
	return request;
}

void
cr_http_request_unref(CrHttpRequest *request)
{
	if (request == NULL || !g_atomic_int_dec_and_test(&request->ref))
		return;
	g_free(request->method);
	g_free(request->path);
	g_hash_table_unref(request->query);
	g_bytes_unref(request->body);
	g_hash_table_unref(request->headers);
	g_free(request->remote);
	g_free(request);
}

const gchar *
cr_http_request_get_method(CrHttpRequest *request)
{
	return request->method;
}

const gchar *
cr_http_request_get_path(CrHttpRequest *request)
{
	return request->path;
}

GHashTable *
cr_http_request_get_query(CrHttpRequest *request)
{
	return request->query;
}

GBytes *
cr_http_request_get_body(CrHttpRequest *request)
{
	return request->body;
}

const gchar *
cr_http_request_get_header(CrHttpRequest *request, const gchar *name)
{
	g_autofree gchar *lower = g_ascii_strdown(name, -1);
	return g_hash_table_lookup(request->headers, lower);
}

const gchar *
cr_http_request_get_remote(CrHttpRequest *request)
{
	return request->remote;
}

static void
responder_unref(CrHttpResponder *responder)
{
	if (--responder->ref > 0)
		return;
	g_ptr_array_unref(responder->headers);
	g_free(responder);
}

void
cr_http_responder_add_header(CrHttpResponder *responder, const gchar *name, const gchar *value)
{
	g_return_if_fail(!responder->completed);
	g_ptr_array_add(responder->headers, g_strdup(name));
	g_ptr_array_add(responder->headers, g_strdup(value));
}

void
cr_http_responder_complete(CrHttpResponder *responder, guint status, const gchar *content_type,
			   GBytes *body)
{
	g_return_if_fail(responder != NULL && !responder->completed);
	responder->completed = TRUE;
	if (!responder->cancelled && responder->done != NULL) {
		g_ptr_array_add(responder->headers, NULL);
		responder->done(responder, status, content_type, body,
				(const gchar *const *)responder->headers->pdata,
				responder->user_data);
	}
	responder_unref(responder);
}

void
cr_http_responder_complete_json(CrHttpResponder *responder, guint status, const gchar *json)
{
	g_autoptr(GBytes) body = g_bytes_new(json, strlen(json));
	cr_http_responder_complete(responder, status, "application/json", body);
}

void
cr_http_json_escape(GString *out, const gchar *text)
{
	g_string_append_c(out, '"');
	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (gchar)*p);
		}
	}
	g_string_append_c(out, '"');
}

void
cr_http_responder_complete_error(CrHttpResponder *responder, guint status, const gchar *code,
				 const gchar *message)
{
	g_autoptr(GString) json = g_string_new("{\"error\": ");
	/* the message may hold client bytes: keep it valid UTF-8 */
	g_autofree gchar *valid = g_utf8_make_valid(message != NULL ? message : "", -1);
	cr_http_json_escape(json, code);
	g_string_append(json, ", \"message\": ");
	cr_http_json_escape(json, valid);
	g_string_append(json, "}\n");
	cr_http_responder_complete_json(responder, status, json->str);
}

gboolean
cr_http_responder_is_cancelled(CrHttpResponder *responder)
{
	return responder->cancelled;
}

void
cr_http_responder_cancel(CrHttpResponder *responder)
{
	responder->cancelled = TRUE;
}

gboolean
cr_router_dispatch_http(CrRouter *router, CrHttpRequest *request, CrHttpDoneFunc done,
			gpointer user_data, CrHttpResponder **responder_out)
{
	Registry *reg = registry_get(router);
	Handler *best = NULL;
	CrHttpResponder *responder;

	if (responder_out != NULL)
		*responder_out = NULL;
	for (guint i = 0; i < reg->handlers->len; i++) {
		Handler *h = reg->handlers->pdata[i];
		if (prefix_matches(h->prefix, request->path) &&
		    (best == NULL || strlen(h->prefix) > strlen(best->prefix)))
			best = h;
	}
	if (best == NULL)
		return FALSE;
	responder = g_new0(CrHttpResponder, 1);
	responder->ref = 2; /* the completion's and ours */
	responder->done = done;
	responder->user_data = user_data;
	responder->headers = g_ptr_array_new_with_free_func(g_free);
	best->func(request, responder, best->user_data);
	if (!responder->completed && responder_out != NULL)
		*responder_out = responder;
	responder_unref(responder);
	return TRUE;
}

guint
cr_json_nesting_depth(const gchar *body, gsize len)
{
	guint depth = 0, max = 0;
	gboolean in_string = FALSE;
	for (gsize i = 0; i < len; i++) {
		gchar c = body[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
		} else if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

gboolean
cr_json_has_nul_escape(const gchar *body, gsize len)
{
	gboolean in_string = FALSE;
	for (gsize i = 0; i < len; i++) {
		gchar c = body[i];
		if (!in_string) {
			in_string = c == '"';
		} else if (c == '"') {
			in_string = FALSE;
		} else if (c == '\\' && i + 1 < len) {
			if (body[i + 1] == 'u' && i + 5 < len && memcmp(body + i + 2, "0000", 4) == 0)
				return TRUE;
			i++; /* the escaped character; \uXXXX's digits are plain text */
		}
	}
	return FALSE;
}
