// SPDX-License-Identifier: GPL-2.0-or-later
/* Parsers of REST request bodies: pure functions over client bytes, no I/O. */
#pragma once

#include <cardroute/cardroute.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The largest request body the server reads. */
#define CR_REST_MAX_BODY (64 * 1024)
/* The deepest nesting of arrays/objects a body may have. */
#define CR_REST_MAX_DEPTH 32

typedef struct {
	gchar *name;	 /* NULL: made up by the router */
	gchar *frontend;
	gchar *backend;
	CrRoutePolicy policy;
} CrRestRouteRequest;

void cr_rest_route_request_clear(CrRestRouteRequest *req);

/*
 * {"frontend": "...", "backend": "...", "name": "...", "policy": {"timeout_ms": N,
 *  "on_backend_loss": "error|remove-card|hold", "error_sw": "6F00",
 *  "forward_reset": true}}. Errors are CR_ERROR_INVALID and name the field
 * ("policy.timeout_ms: ...").
 */
gboolean cr_rest_parse_route_request(const gchar *body, gsize len, CrRestRouteRequest *out,
				     GError **error);
/* Parses a route policy object (also D-Bus and the state file use it);
 * @prefix names the field in errors ("policy."). */
gboolean cr_rest_parse_policy(JsonObject *obj, const gchar *prefix, CrRoutePolicy *policy,
			      GError **error);
/* {"apdu": "00A40004023F00"}: 4 .. CR_APDU_MAX bytes of hex (spaces allowed). */
GBytes *cr_rest_parse_apdu_request(const gchar *body, gsize len, GError **error);
/* Hex (pairs of digits, spaces between bytes allowed) to bytes; NULL when not
 * hex or out of @min_len..@max_len. */
GBytes *cr_rest_hex_decode(const gchar *text, gsize min_len, gsize max_len);

/* A request path as sent (percent-encoded), decoded; NULL (CR_ERROR_INVALID)
 * when an escape stands for '/' or NUL (/api/v1/%2F/status names nothing),
 * an escape is malformed, or a segment is "." or "..". */
gchar *cr_rest_decode_path(const gchar *raw, GError **error);

G_END_DECLS
