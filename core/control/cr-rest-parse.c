// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REST request bodies. Every byte comes from a client: types are checked,
 * errors name the field, nothing here does I/O.
 */
#include <string.h>

#include "cr-rest-parse.h"

static gboolean
invalid(GError **error, const gchar *field, const gchar *what)
{
	g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "%s: %s", field, what);
	return FALSE;
}

GBytes *
cr_rest_hex_decode(const gchar *text, gsize min_len, gsize max_len)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	const gchar *p = text;
	while (*p != '\0') {
		gint hi, lo;
		if (*p == ' ') {
			p++;
			continue;
		}
		hi = g_ascii_xdigit_value(p[0]);
		lo = p[1] != '\0' ? g_ascii_xdigit_value(p[1]) : -1;
		if (hi < 0 || lo < 0 || out->len >= max_len)
			return NULL;
		g_byte_array_append(out, (const guint8[]){(guint8)(hi << 4 | lo)}, 1);
		p += 2;
	}
	if (out->len < min_len)
		return NULL;
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* The body as a JSON object (or an error naming what is wrong). */
static JsonNode *
parse_object(const gchar *body, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) local = NULL;
	JsonNode *root;
	if (len == 0)
		return invalid(error, "body", "empty; a JSON object is expected"), NULL;
	if (len > CR_REST_MAX_BODY)
		return invalid(error, "body", "too large"), NULL;
	if (!g_utf8_validate(body, (gssize)len, NULL))
		return invalid(error, "body", "not UTF-8"), NULL;
	if (cr_json_nesting_depth(body, len) > CR_REST_MAX_DEPTH)
		return invalid(error, "body", "nested too deeply"), NULL;
	if (cr_json_has_nul_escape(body, len))
		return invalid(error, "body", "\\u0000 in a string"), NULL;
	if (!json_parser_load_from_data(parser, body, (gssize)len, &local)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "body: malformed JSON: %s",
			    local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return invalid(error, "body", "a JSON object is expected"), NULL;
	return json_node_ref(root);
}

/* A string member: NULL when absent; error when present but not a string. */
static gboolean
get_string(JsonObject *obj, const gchar *member, const gchar *field, const gchar **out,
	   GError **error)
{
	JsonNode *node = json_object_get_member(obj, member);
	*out = NULL;
	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return invalid(error, field, "must be a string");
	*out = json_node_get_string(node);
	return TRUE;
}

static gboolean
get_name(JsonObject *obj, const gchar *member, gboolean required, gchar **out, GError **error)
{
	const gchar *s;
	if (!get_string(obj, member, member, &s, error))
		return FALSE;
	if (s == NULL) {
		if (required)
			return invalid(error, member, "missing");
		return TRUE;
	}
	if (!cr_name_is_valid(s))
		return invalid(error, member,
			       "must be 1 to 128 characters of letters, digits, '-', '_', '.'");
	*out = g_strdup(s);
	return TRUE;
}

static gboolean
check_members(JsonObject *obj, const gchar *prefix, const gchar *const *known, GError **error)
{
	g_autoptr(GList) members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next) {
		if (!g_strv_contains(known, l->data)) {
			g_autofree gchar *field = g_strconcat(prefix, (const gchar *)l->data, NULL);
			g_autofree gchar *valid = g_utf8_make_valid(field, -1);
			return invalid(error, valid, "unknown field");
		}
	}
	return TRUE;
}

gboolean
cr_rest_parse_policy(JsonObject *obj, const gchar *prefix, CrRoutePolicy *policy, GError **error)
{
	static const gchar *const known[] = {"timeout_ms", "on_backend_loss", "error_sw",
					     "forward_reset", "offer_card", NULL};
	g_autofree gchar *f_timeout = g_strconcat(prefix, "timeout_ms", NULL);
	g_autofree gchar *f_loss = g_strconcat(prefix, "on_backend_loss", NULL);
	g_autofree gchar *f_sw = g_strconcat(prefix, "error_sw", NULL);
	g_autofree gchar *f_reset = g_strconcat(prefix, "forward_reset", NULL);
	g_autofree gchar *f_offer = g_strconcat(prefix, "offer_card", NULL);
	JsonNode *node;
	const gchar *s;

	if (!check_members(obj, prefix, known, error))
		return FALSE;
	node = json_object_get_member(obj, "timeout_ms");
	if (node != NULL) {
		gint64 v;
		if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
			return invalid(error, f_timeout, "must be an integer");
		v = json_node_get_int(node);
		if (v < 0 || v > 3600000)
			return invalid(error, f_timeout, "must be between 0 and 3600000");
		policy->timeout_ms = (guint)v;
	}
	if (!get_string(obj, "on_backend_loss", f_loss, &s, error))
		return FALSE;
	if (s != NULL && !cr_loss_policy_from_string(s, &policy->on_backend_loss))
		return invalid(error, f_loss, "must be one of error, remove-card, hold");
	if (!get_string(obj, "error_sw", f_sw, &s, error))
		return FALSE;
	if (s != NULL) {
		g_autoptr(GBytes) sw = cr_rest_hex_decode(s, 2, 2);
		const guint8 *b;
		if (sw == NULL)
			return invalid(error, f_sw, "must be two bytes of hex (\"6F00\")");
		b = g_bytes_get_data(sw, NULL);
		policy->error_sw = (guint16)(b[0] << 8 | b[1]);
	}
	node = json_object_get_member(obj, "forward_reset");
	if (node != NULL) {
		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_BOOLEAN)
			return invalid(error, f_reset, "must be true or false");
		policy->forward_reset = json_node_get_boolean(node);
	}
	if (!get_string(obj, "offer_card", f_offer, &s, error))
		return FALSE;
	if (s != NULL && !cr_offer_card_from_string(s, &policy->offer_card))
		return invalid(error, f_offer, "must be one of present, always");
	return TRUE;
}

void
cr_rest_route_request_clear(CrRestRouteRequest *req)
{
	g_clear_pointer(&req->name, g_free);
	g_clear_pointer(&req->frontend, g_free);
	g_clear_pointer(&req->backend, g_free);
}

gboolean
cr_rest_parse_route_request(const gchar *body, gsize len, CrRestRouteRequest *out,
			    GError **error)
{
	static const gchar *const known[] = {"name", "frontend", "backend", "policy", NULL};
	const CrRoutePolicy defaults = CR_ROUTE_POLICY_INIT;
	g_autoptr(JsonNode) root = parse_object(body, len, error);
	JsonObject *obj;
	JsonNode *policy;

	memset(out, 0, sizeof(*out));
	out->policy = defaults;
	if (root == NULL)
		return FALSE;
	obj = json_node_get_object(root);
	if (!check_members(obj, "", known, error) ||
	    !get_name(obj, "frontend", TRUE, &out->frontend, error) ||
	    !get_name(obj, "backend", TRUE, &out->backend, error) ||
	    !get_name(obj, "name", FALSE, &out->name, error)) {
		cr_rest_route_request_clear(out);
		return FALSE;
	}
	policy = json_object_get_member(obj, "policy");
	if (policy != NULL && !JSON_NODE_HOLDS_NULL(policy)) {
		if (!JSON_NODE_HOLDS_OBJECT(policy)) {
			cr_rest_route_request_clear(out);
			return invalid(error, "policy", "must be an object");
		}
		if (!cr_rest_parse_policy(json_node_get_object(policy), "policy.", &out->policy,
					  error)) {
			cr_rest_route_request_clear(out);
			return FALSE;
		}
	}
	return TRUE;
}

GBytes *
cr_rest_parse_apdu_request(const gchar *body, gsize len, GError **error)
{
	static const gchar *const known[] = {"apdu", NULL};
	g_autoptr(JsonNode) root = parse_object(body, len, error);
	JsonObject *obj;
	const gchar *hex;
	GBytes *apdu;

	if (root == NULL)
		return NULL;
	obj = json_node_get_object(root);
	if (!check_members(obj, "", known, error) || !get_string(obj, "apdu", "apdu", &hex, error))
		return NULL;
	if (hex == NULL)
		return invalid(error, "apdu", "missing"), NULL;
	apdu = cr_rest_hex_decode(hex, 4, CR_APDU_MAX);
	if (apdu == NULL)
		return invalid(error, "apdu", "must be 4 or more bytes of hex"), NULL;
	return apdu;
}

gchar *
cr_rest_decode_path(const gchar *raw, GError **error)
{
	/* '/' listed as illegal: an escaped slash fails (and so does %00, always) */
	g_autofree gchar *decoded = g_uri_unescape_string(raw, "/");
	g_auto(GStrv) segments = NULL;
	if (decoded == NULL)
		return invalid(error, "path", "an escaped '/' or NUL, or a malformed escape"), NULL;
	segments = g_strsplit(decoded, "/", -1);
	for (guint i = 0; segments[i] != NULL; i++) {
		if (strcmp(segments[i], ".") == 0 || strcmp(segments[i], "..") == 0)
			return invalid(error, "path", "'.' and '..' segments are not allowed"), NULL;
	}
	return g_steal_pointer(&decoded);
}
