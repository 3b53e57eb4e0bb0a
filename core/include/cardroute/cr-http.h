// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-types.h"

G_BEGIN_DECLS

/*
 * HTTP handlers on the daemon's control-plane server, for control plugins
 * (the RSPRO server role adds the RSRES API under /api/backend/v1/) and the
 * built-in REST API. No HTTP library types cross this API: a handler gets a
 * plain request and completes a plain response, now or later.
 *
 * The server authenticates (bearer token), limits body sizes and parses the
 * query before a handler runs; the handler whose prefix is the longest match
 * of the path gets the request. Everything runs on the main context.
 */
typedef struct _CrHttpRequest CrHttpRequest;
typedef struct _CrHttpResponder CrHttpResponder;

/* Handles one request: must call cr_http_responder_complete() (or one of the
 * helpers) exactly once, before returning or later. @responder stays valid
 * until then, even if the client went away (see
 * cr_http_responder_is_cancelled()). */
typedef void (*CrHttpHandlerFunc)(CrHttpRequest *request, CrHttpResponder *responder,
				  gpointer user_data);

/* @path_prefix starts with '/' ("/api/backend/v1/"); a prefix ending in '/'
 * matches everything below it, one without matches that path exactly. Returns
 * an id for cr_router_remove_http_handler() (0: the prefix is taken). */
guint cr_router_add_http_handler(CrRouter *router, const gchar *path_prefix,
				 CrHttpHandlerFunc func, gpointer user_data,
				 GDestroyNotify destroy);
void cr_router_remove_http_handler(CrRouter *router, guint id);

/* The request: method ("GET"), path ("/api/v1/routes", as sent: percent-encoded), query
 * (name -> value, never NULL), body (never NULL, maybe empty) and headers
 * (case-insensitive names; NULL when absent). Valid during the handler only
 * unless referenced. */
const gchar *cr_http_request_get_method(CrHttpRequest *request);
const gchar *cr_http_request_get_path(CrHttpRequest *request);
GHashTable *cr_http_request_get_query(CrHttpRequest *request);
GBytes *cr_http_request_get_body(CrHttpRequest *request);
const gchar *cr_http_request_get_header(CrHttpRequest *request, const gchar *name);
/* "ADDRESS:PORT" of the client, or NULL. */
const gchar *cr_http_request_get_remote(CrHttpRequest *request);
CrHttpRequest *cr_http_request_ref(CrHttpRequest *request);
void cr_http_request_unref(CrHttpRequest *request);

/* An extra response header (before completing). */
void cr_http_responder_add_header(CrHttpResponder *responder, const gchar *name,
				  const gchar *value);
/* The response: status (200, 404, ...), content type (NULL: no body) and
 * body (may be NULL). Exactly once. */
void cr_http_responder_complete(CrHttpResponder *responder, guint status,
				const gchar *content_type, GBytes *body);
/* Helpers: a JSON body given as text, and the control plane's error shape
 * {"error": CODE, "message": TEXT}. */
void cr_http_responder_complete_json(CrHttpResponder *responder, guint status,
				     const gchar *json);
void cr_http_responder_complete_error(CrHttpResponder *responder, guint status,
				      const gchar *code, const gchar *message);
/* TRUE once the client went away: completing is still required, and harmless. */
gboolean cr_http_responder_is_cancelled(CrHttpResponder *responder);

/*
 * Server side (the daemon's HTTP server, tests): build a request, find its
 * handler and run it. @done gets the response once; the responder frees
 * itself after that.
 */
typedef void (*CrHttpDoneFunc)(CrHttpResponder *responder, guint status,
			       const gchar *content_type, GBytes *body,
			       const gchar *const *headers, /* name, value, ..., NULL */
			       gpointer user_data);
CrHttpRequest *cr_http_request_new(const gchar *method, const gchar *path, GHashTable *query,
				   GBytes *body, const gchar *remote);
void cr_http_request_add_header(CrHttpRequest *request, const gchar *name, const gchar *value);
/* Runs the handler for @request; FALSE (nothing called) when no prefix
 * matches. */
gboolean cr_router_dispatch_http(CrRouter *router, CrHttpRequest *request, CrHttpDoneFunc done,
				 gpointer user_data, CrHttpResponder **responder_out);
/* The server lost the client: @done is not called any more. */
void cr_http_responder_cancel(CrHttpResponder *responder);
/* Escapes @text as a JSON string (with the quotes) into @out. */
void cr_http_json_escape(GString *out, const gchar *text);

/* The deepest nesting of JSON arrays and objects in @body (strings skipped),
 * so that a handler can refuse a body like [[[[...]]]] before a recursive
 * parser sees it. Counts brackets only; says nothing about validity. */
guint cr_json_nesting_depth(const gchar *body, gsize len);
/* Whether a JSON string in @body holds the escape \u0000: a C string of it
 * would end there, so a handler refuses it rather than truncate a name. */
gboolean cr_json_has_nul_escape(const gchar *body, gsize len);

G_END_DECLS
