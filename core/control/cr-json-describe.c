// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON with what plugins' describe() says: link states, peers, last errors,
 * next retries (GET /api/v1/instances, one slot's GET). */
#define G_LOG_DOMAIN "cr-control"

#include "cr-json.h"

static void
add_details(JsonBuilder *b, CrInstance *inst)
{
	g_autoptr(GVariant) dict = NULL;
	json_builder_set_member_name(b, "details");
	if (inst == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	dict = cr_instance_describe(inst);
	json_builder_add_value(b, json_gvariant_serialize(dict));
}

JsonNode *
cr_json_instance(CrInstance *inst)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	GPtrArray *fs = cr_instance_get_frontend_slots(inst);
	GPtrArray *bs = cr_instance_get_backend_slots(inst);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, cr_instance_get_name(inst));
	json_builder_set_member_name(b, "plugin");
	json_builder_add_string_value(b, cr_instance_get_plugin_name(inst));
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, cr_plugin_kind_to_string(cr_instance_get_kind(inst)));
	json_builder_set_member_name(b, "frontends");
	json_builder_begin_array(b);
	for (guint i = 0; i < fs->len; i++)
		json_builder_add_string_value(b, cr_frontend_slot_get_name(fs->pdata[i]));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "backends");
	json_builder_begin_array(b);
	for (guint i = 0; i < bs->len; i++)
		json_builder_add_string_value(b, cr_backend_slot_get_name(bs->pdata[i]));
	json_builder_end_array(b);
	add_details(b, inst);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* @node (an object) with "details" of @inst added */
static JsonNode *
with_details(JsonNode *node, CrInstance *inst)
{
	JsonObject *obj = json_node_get_object(node);
	g_autoptr(GVariant) dict = inst != NULL ? cr_instance_describe(inst) : NULL;
	if (JSON_NODE_HOLDS_OBJECT(node) && json_object_is_immutable(obj)) {
		/* builders make sealed nodes: copy into a mutable one */
		JsonNode *copy = json_node_new(JSON_NODE_OBJECT);
		JsonObject *o = json_object_new();
		GList *members = json_object_get_members(obj);
		for (GList *l = members; l != NULL; l = l->next)
			json_object_set_member(
			        o, l->data, json_node_copy(json_object_get_member(obj, l->data)));
		g_list_free(members);
		json_node_take_object(copy, o);
		json_node_unref(node);
		node = copy;
		obj = o;
	}
	json_object_set_member(obj, "details",
	                       dict != NULL ? json_gvariant_serialize(dict)
	                                    : json_node_new(JSON_NODE_NULL));
	return node;
}

JsonNode *
cr_json_frontend_detailed(CrFrontendSlot *slot)
{
	return with_details(cr_json_frontend(slot), cr_frontend_slot_get_instance(slot));
}

JsonNode *
cr_json_backend_detailed(CrBackendSlot *slot)
{
	return with_details(cr_json_backend(slot), cr_backend_slot_get_instance(slot));
}
