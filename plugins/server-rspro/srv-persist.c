// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state file: the live slotmaps and the restart counter, as JSON, written
 * atomically (g_file_set_contents_full: a temp file renamed over the old one)
 * a moment after a change. Loaded at start: maps come back in state NEW and go
 * to their bank when it connects. A file that cannot be read as ours is moved
 * aside (FILE.corrupt-TIME) with a warning, never fatal.
 *
 *   {"version":1,"restartCounter":3,"slotmaps":[
 *     {"bank":{"bankId":1,"slotNr":0},"client":{"clientId":7,"slotNr":0}}]}
 */
#include "srv-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define STATE_VERSION 1

static gboolean
get_uint(JsonObject *o, const gchar *member, guint max, guint *out)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;
	gint64 v;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return FALSE;
	v = json_node_get_int(n);
	if (v < 0 || v > max)
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

static JsonObject *
get_object(JsonObject *o, const gchar *member)
{
	JsonNode *n = json_object_get_member(o, member);
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static void
move_aside(SrvServer *srv, const gchar *why)
{
	cr_state_file_move_aside(srv->state_file, why, "starting without stored slotmaps");
}

void
srv_persist_load(SrvServer *srv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *text = NULL;
	gsize len;
	JsonNode *root;
	JsonObject *top;
	JsonNode *maps;
	guint version = 0, restored = 0, dropped = 0;

	if (srv->state_file == NULL)
		return;
	if (!g_file_get_contents(srv->state_file, &text, &len, &error)) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("%s: %s; starting without stored slotmaps", srv->state_file,
				  error->message);
		return;
	}
	if (!json_parser_load_from_data(parser, text, (gssize)len, &error)) {
		move_aside(srv, error->message);
		return;
	}
	root = json_parser_get_root(parser);
	top = root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	maps = top != NULL ? json_object_get_member(top, "slotmaps") : NULL;
	if (top == NULL || !get_uint(top, "version", G_MAXINT, &version) ||
	    version != STATE_VERSION || maps == NULL || !JSON_NODE_HOLDS_ARRAY(maps)) {
		move_aside(srv, "not a slotmap state file of version 1");
		return;
	}
	if (json_object_has_member(top, "restartCounter")) {
		JsonNode *n = json_object_get_member(top, "restartCounter");
		if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 &&
		    json_node_get_int(n) >= 0)
			srv->restart_counter = (guint64)json_node_get_int(n);
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(maps)); i++) {
		JsonNode *e = json_array_get_element(json_node_get_array(maps), i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
		JsonObject *b = o != NULL ? get_object(o, "bank") : NULL;
		JsonObject *c = o != NULL ? get_object(o, "client") : NULL;
		guint bid, bs, cid, cs;
		g_autoptr(GError) local = NULL;

		if (!get_uint(b, "bankId", SRV_MAP_MAX_ID, &bid) ||
		    !get_uint(b, "slotNr", SRV_MAP_MAX_ID, &bs) ||
		    !get_uint(c, "clientId", SRV_MAP_MAX_ID, &cid) ||
		    !get_uint(c, "slotNr", SRV_MAP_MAX_ID, &cs)) {
			g_warning("%s: slotmap #%u is malformed: dropped", srv->state_file, i);
			dropped++;
			continue;
		}
		if (srv_map_store_add(srv->maps, bid, bs, cid, cs, &local) == NULL) {
			g_warning("%s: slotmap #%u: %s: dropped", srv->state_file, i,
				  local->message);
			dropped++;
			continue;
		}
		restored++;
	}
	g_message("%s: %u slotmap(s) restored%s", srv->state_file, restored,
		  dropped > 0 ? " (some dropped, see above)" : "");
}

static gboolean
add_map(const SrvMap *m, gpointer data)
{
	GString *s = data;
	g_string_append_printf(s,
			       "%s\n{\"bank\":{\"bankId\":%u,\"slotNr\":%u},"
			       "\"client\":{\"clientId\":%u,\"slotNr\":%u}}",
			       s->str[s->len - 1] == '[' ? "" : ",", m->bank_id, m->bank_slot,
			       m->client_id, m->client_slot);
	return TRUE;
}

void
srv_persist_save(SrvServer *srv)
{
	g_autoptr(GString) s = g_string_sized_new(64 + 80 * srv_map_store_count(srv->maps));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = NULL;

	g_clear_handle_id(&srv->save_idle, g_source_remove);
	if (srv->state_file == NULL)
		return;
	g_string_append_printf(s, "{\"version\":%d,\"restartCounter\":%" G_GUINT64_FORMAT
				  ",\"slotmaps\":[",
			       STATE_VERSION, srv->restart_counter);
	srv_map_store_foreach(srv->maps, add_map, s);
	g_string_append(s, "\n]}\n");
	dir = g_path_get_dirname(srv->state_file);
	if (g_mkdir_with_parents(dir, 0750) != 0) {
		g_warning("%s: %s; slotmaps are not stored", dir, g_strerror(errno));
		return;
	}
	if (!g_file_set_contents_full(srv->state_file, s->str, (gssize)s->len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0640, &error)) {
		g_warning("%s; slotmaps are not stored", error->message);
		return;
	}
	g_debug("%s: %u slotmap(s) stored", srv->state_file, srv_map_store_count(srv->maps));
}
