// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The operator's console: the files of data/ui/, compiled in as a GResource,
 * served at / and /ui/. Registered on "/", the shortest prefix, so every
 * other handler wins and paths nobody serves get the API's 404 here. Every
 * file goes out with a Content-Security-Policy that allows scripts and
 * styles from this origin only (no inline script, no eval), and no framing.
 */
#define G_LOG_DOMAIN "cr-control"

#include <string.h>

#include "cr-console-resources.h"
#include "cr-control-private.h"

#define RESOURCE_ROOT "/org/cardroute/console/"

static const gchar csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
			   "img-src 'self'; connect-src 'self'; font-src 'self'; "
			   "manifest-src 'self'; base-uri 'none'; form-action 'none'; "
			   "frame-ancestors 'none'";

static const gchar *
content_type_of(const gchar *name)
{
	static const struct {
		const gchar *suffix;
		const gchar *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
		if (g_str_has_suffix(name, types[i].suffix))
			return types[i].type;
	}
	return "application/octet-stream";
}

/* The file a path names: NULL for paths outside the console. */
static const gchar *
file_of(const gchar *path)
{
	if (g_str_equal(path, "/") || g_str_equal(path, "/ui") || g_str_equal(path, "/ui/"))
		return "index.html";
	if (!g_str_has_prefix(path, "/ui/"))
		return NULL;
	path += strlen("/ui/");
	/* one flat folder of plain names: no "..", no hidden files */
	for (const gchar *p = path; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return NULL;
	}
	return path[0] != '\0' && path[0] != '.' ? path : NULL;
}

static void
serve(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	const gchar *method = cr_http_request_get_method(request);
	const gchar *path = cr_http_request_get_path(request);
	const gchar *name = file_of(path);
	g_autofree gchar *resource = NULL;
	g_autoptr(GBytes) data = NULL;

	if (name != NULL) {
		resource = g_strconcat(RESOURCE_ROOT, name, NULL);
		data = g_resource_lookup_data(cr_console_get_resource(), resource,
					      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	}
	if (data == NULL) {
		g_autofree gchar *text = g_strdup_printf("no such path: %s", path);
		g_autofree gchar *valid = g_utf8_make_valid(text, -1);
		cr_http_responder_complete_error(responder, 404, "not-found", valid);
		return;
	}
	if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0) {
		cr_http_responder_add_header(responder, "Allow", "GET");
		cr_http_responder_complete_error(responder, 405, "invalid", "method not allowed");
		return;
	}
	cr_http_responder_add_header(responder, "Content-Security-Policy", csp);
	cr_http_responder_add_header(responder, "X-Content-Type-Options", "nosniff");
	cr_http_responder_add_header(responder, "Referrer-Policy", "no-referrer");
	cr_http_responder_add_header(responder, "X-Frame-Options", "DENY");
	/* a new daemon may bring new files: the browser asks again every time */
	cr_http_responder_add_header(responder, "Cache-Control", "no-cache");
	cr_http_responder_complete(responder, 200, content_type_of(name), data);
}

void
cr_rest_static_register(CrControl *c)
{
	guint id = cr_router_add_http_handler(c->router, "/", serve, c, NULL);
	g_array_append_val(c->handler_ids, id);
}
