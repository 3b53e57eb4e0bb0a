// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RSRES request parsers: path -> resource, path id, POST /slotmaps body.
 * Plain functions over the request bytes, no I/O. Bodies are checked before
 * json-glib sees them: size, UTF-8, and the nesting depth (json-glib's parser
 * recurses, so [[[[...]]]] must not reach it).
 */
#include "srv-rsres-parse.h"

#include <cardroute/cr-error.h>
#include <cardroute/cr-http.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "srv-slotmap.h"

static const struct {
	const gchar *name;
	SrvRsresResource list; /* /NAME */
	SrvRsresResource item; /* /NAME/ID */
} resources[] = {
	{ "clients", SRV_RSRES_CLIENTS, SRV_RSRES_CLIENT },
	{ "banks", SRV_RSRES_BANKS, SRV_RSRES_BANK },
	{ "slotmaps", SRV_RSRES_SLOTMAPS, SRV_RSRES_SLOTMAP },
	{ "global-reset", SRV_RSRES_GLOBAL_RESET, SRV_RSRES_NONE },
	{ "restart-counter", SRV_RSRES_RESTART_COUNTER, SRV_RSRES_NONE },
};

SrvRsresResource
srv_rsres_route(const gchar *path, gchar **id_text)
{
	const gchar *rest, *slash;
	gsize len, name_len;

	*id_text = NULL;
	if (path == NULL || !g_str_has_prefix(path, SRV_RSRES_PREFIX))
		return SRV_RSRES_NONE;
	rest = path + strlen(SRV_RSRES_PREFIX);
	len = strlen(rest);
	while (len > 0 && rest[len - 1] == '/')
		len--;
	slash = memchr(rest, '/', len);
	name_len = slash != NULL ? (gsize)(slash - rest) : len;
	for (gsize i = 0; i < G_N_ELEMENTS(resources); i++) {
		if (strlen(resources[i].name) != name_len ||
		    strncmp(rest, resources[i].name, name_len) != 0)
			continue;
		if (slash == NULL)
			return resources[i].list;
		/* exactly one more segment */
		if (resources[i].item == SRV_RSRES_NONE ||
		    memchr(slash + 1, '/', len - name_len - 1) != NULL)
			return SRV_RSRES_NONE;
		*id_text = g_strndup(slash + 1, len - name_len - 1);
		return resources[i].item;
	}
	return SRV_RSRES_NONE;
}

const gchar *
srv_rsres_allowed(SrvRsresResource resource)
{
	switch (resource) {
	case SRV_RSRES_CLIENTS:
	case SRV_RSRES_CLIENT:
	case SRV_RSRES_BANKS:
	case SRV_RSRES_BANK:
	case SRV_RSRES_RESTART_COUNTER:
		return "GET";
	case SRV_RSRES_SLOTMAPS:
		return "GET, POST";
	case SRV_RSRES_SLOTMAP:
		return "GET, DELETE";
	case SRV_RSRES_GLOBAL_RESET:
		return "POST";
	case SRV_RSRES_NONE:
	default:
		return NULL;
	}
}

gboolean
srv_rsres_method_allowed(SrvRsresResource resource, const gchar *method)
{
	const gchar *allowed = srv_rsres_allowed(resource);
	g_auto(GStrv) list = NULL;
	if (allowed == NULL || method == NULL)
		return FALSE;
	list = g_strsplit(allowed, ", ", -1);
	return g_strv_contains((const gchar *const *)list, method);
}

gboolean
srv_rsres_parse_id(const gchar *text, guint64 max, guint64 *out, GError **error)
{
	gsize len = strlen(text);
	if (len > 0 && len <= 10 && strspn(text, "0123456789") == len &&
	    g_ascii_string_to_unsigned(text, 10, 0, max, out, NULL))
		return TRUE;
	/* the text is echoed only when short and printable */
	if (len <= 24 && strspn(text, "0123456789abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~+%:") == len)
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "'%s' is not an id (a decimal number up to %" G_GUINT64_FORMAT ")",
			    text, max);
	else
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "the id is not a decimal number up to %" G_GUINT64_FORMAT, max);
	return FALSE;
}

static gboolean
invalid(GError **error, const gchar *message)
{
	g_set_error_literal(error, CR_ERROR, CR_ERROR_INVALID, message);
	return FALSE;
}

static JsonObject *
member_object(JsonObject *o, const gchar *member)
{
	JsonNode *n = json_object_get_member(o, member);
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gboolean
member_uint(JsonObject *o, const gchar *where, const gchar *member, guint *out, GError **error)
{
	JsonNode *n = json_object_get_member(o, member);
	gint64 v;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "%s.%s: an integer is needed", where,
			    member);
		return FALSE;
	}
	v = json_node_get_int(n);
	if (v < 0 || v > SRV_MAP_MAX_ID) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "%s.%s: %" G_GINT64_FORMAT " is not in 0..%d", where, member, v,
			    SRV_MAP_MAX_ID);
		return FALSE;
	}
	*out = (guint)v;
	return TRUE;
}

gboolean
srv_rsres_parse_map_body(const gchar *data, gsize len, SrvRsresMapRequest *out, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	JsonNode *root;
	JsonObject *o, *b, *c;
	SrvRsresMapRequest req;

	if (data == NULL || len == 0)
		return invalid(error, "a JSON body is needed");
	if (len > SRV_RSRES_MAX_BODY)
		return invalid(error, "the body is too large");
	if (!g_utf8_validate(data, (gssize)len, NULL))
		return invalid(error, "the body is not UTF-8");
	if (cr_json_nesting_depth(data, len) > SRV_RSRES_MAX_DEPTH)
		return invalid(error, "the body is nested too deeply");
	if (cr_json_has_nul_escape(data, len))
		return invalid(error, "\\u0000 in a string");
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, data, (gssize)len, &local)) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID, "malformed JSON: %s",
			    local->message);
		return FALSE;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return invalid(error, "the body must be a JSON object");
	o = json_node_get_object(root);
	b = member_object(o, "bank");
	c = member_object(o, "client");
	if (b == NULL || c == NULL)
		return invalid(error, "\"bank\" and \"client\" objects are needed");
	if (!member_uint(b, "bank", "bankId", &req.bank_id, error) ||
	    !member_uint(b, "bank", "slotNr", &req.bank_slot, error) ||
	    !member_uint(c, "client", "clientId", &req.client_id, error) ||
	    !member_uint(c, "client", "slotNr", &req.client_slot, error))
		return FALSE;
	*out = req;
	return TRUE;
}
