// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The token check on the HTTP server's side (before a body is read) and
 * GET /api/v1/session: what the caller's token may do, so a client (the
 * console) shows only the controls it may use.
 */
#define G_LOG_DOMAIN "cr-control"

#include <libsoup/soup.h>

#include "cr-control-private.h"
#include "cr-rest-auth.h"

gboolean
cr_rest_session_check(CrControl *control, gpointer soup_server_message, const gchar *path)
{
	SoupServerMessage *msg = soup_server_message;
	SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);
	GSocketAddress *remote = soup_server_message_get_remote_address(msg);
	GInetAddress *peer = NULL;
	CrAuthVerdict verdict;
	g_autoptr(GString) json = NULL;

	if (remote != NULL && G_IS_INET_SOCKET_ADDRESS(remote))
		peer = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote));
	cr_rest_auth_check(control->auth, peer, soup_server_message_get_method(msg), path,
			   soup_message_headers_get_one(
				   soup_server_message_get_request_headers(msg), "Authorization"),
			   g_get_monotonic_time(), &verdict);
	if (verdict.status == 0)
		return TRUE;
	json = g_string_new("{\"error\": ");
	cr_http_json_escape(json, verdict.code);
	g_string_append(json, ", \"message\": ");
	cr_http_json_escape(json, verdict.message);
	g_string_append(json, "}\n");
	soup_server_message_set_status(msg, verdict.status,
				       verdict.status == 429 ? "Too Many Requests" : NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json->str,
					 json->len);
	if (verdict.status == 401)
		soup_message_headers_replace(out, "WWW-Authenticate", "Bearer realm=\"cardroute\"");
	if (verdict.status == 429) {
		g_autofree gchar *secs = g_strdup_printf("%u", verdict.retry_after_s);
		soup_message_headers_replace(out, "Retry-After", secs);
	}
	return FALSE;
}

static void
get_session(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	CrControl *c = user_data;
	const gchar *auth = cr_http_request_get_header(request, "Authorization");
	gboolean tokens = cr_rest_auth_get_n_tokens(c->auth) > 0;
	CrScope scope = CR_SCOPE_ADMIN; /* no tokens: loopback clients may do everything */
	g_autoptr(GString) json = g_string_new("{\"scope\": ");

	if (g_strcmp0(cr_http_request_get_method(request), "GET") != 0 &&
	    g_strcmp0(cr_http_request_get_method(request), "HEAD") != 0) {
		cr_http_responder_add_header(responder, "Allow", "GET");
		cr_http_responder_complete_error(responder, 405, "invalid", "method not allowed");
		return;
	}
	/* the server's check let this request in: a token it carries is one of ours */
	if (tokens)
		scope = auth != NULL && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0
				? cr_rest_auth_lookup(c->auth, auth + 7)
				: CR_SCOPE_NONE;
	cr_http_json_escape(json, cr_scope_to_string(scope));
	g_string_append_printf(json, ", \"token_required\": %s, \"apdu_shell\": %s}\n",
			       tokens ? "true" : "false", c->allow_apdu ? "true" : "false");
	cr_http_responder_complete_json(responder, 200, json->str);
}

void
cr_rest_session_register(CrControl *c)
{
	guint id = cr_router_add_http_handler(c->router, "/api/v1/session", get_session, c, NULL);
	g_array_append_val(c->handler_ids, id);
}
