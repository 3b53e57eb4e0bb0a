// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cardroutectl remsim ...: the osmo-remsim-apitool's job against the RSRES API
 * of the rspro-server plugin (/api/backend/v1/), with tables or --json.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define RSRES "/api/backend/v1"

static const gchar *
s_member(JsonObject *o, const gchar *member)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return "-";
	return json_node_get_string(n);
}

static gint64
i_member(JsonObject *o, const gchar *member)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return -1;
	return json_node_get_int(n);
}

static void
print_component(JsonObject *o)
{
	JsonObject *id = obj_member(o, "component_id");
	g_print(" %-12s %-20s %-18s %s\n", s_member(id, "type_"), s_member(id, "name"),
		s_member(id, "software"), s_member(id, "swVersion"));
}

static gint
list(Ctl *ctl, const gchar *what)
{
	g_autofree gchar *path = g_strdup_printf(RSRES "/%s", what);
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a;
	gint rc = request(ctl, "GET", path, NULL, &root, NULL);

	if (rc != EXIT_OK || root == NULL)
		return rc;
	if (ctl->json) {
		print_json(root);
		return EXIT_OK;
	}
	a = array_member(root, what);
	if (g_str_equal(what, "clients"))
		g_print("%-10s %-18s %-12s %-20s %-18s %s\n", "CLIENT", "STATE", "TYPE", "NAME",
			"SOFTWARE", "VERSION");
	else if (g_str_equal(what, "banks"))
		g_print("%-6s %6s %-18s %-12s %-20s %-18s %s\n", "BANK", "SLOTS", "STATE", "TYPE",
			"NAME", "SOFTWARE", "VERSION");
	else
		g_print("%-10s %-10s %-10s %s\n", "ID", "BANK", "CLIENT", "STATE");
	for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (o == NULL)
			continue;
		if (g_str_equal(what, "clients")) {
			g_print("%-10s %-18s", s_member(o, "peer"), s_member(o, "state"));
			print_component(o);
		} else if (g_str_equal(what, "banks")) {
			g_print("%-6" G_GINT64_FORMAT " %6" G_GINT64_FORMAT " %-18s",
				i_member(o, "bankId"), i_member(o, "numberOfSlots"),
				s_member(o, "state"));
			print_component(o);
		} else {
			JsonObject *b = obj_member(o, "bank"), *c = obj_member(o, "client");
			gint64 bid = i_member(b, "bankId"), bs = i_member(b, "slotNr");
			g_autofree gchar *bank = g_strdup_printf("B%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
								 bid, bs);
			g_autofree gchar *client = g_strdup_printf(
				"C%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, i_member(c, "clientId"),
				i_member(c, "slotNr"));
			JsonObject *refusal = obj_member(o, "refusal");
			g_autofree gchar *refused =
				refusal != NULL
					? g_strdup_printf(" (refused by bank %" G_GINT64_FORMAT
							  ": %s at %s)",
							  i_member(refusal, "bankId"),
							  s_member(refusal, "result"),
							  s_member(refusal, "time"))
					: g_strdup("");
			g_print("%-10" G_GINT64_FORMAT " %-10s %-10s %s%s\n", bid * 65536 + bs, bank,
				client, s_member(o, "state"), refused);
		}
	}
	return EXIT_OK;
}

static gboolean
parse_number(const gchar *text, const gchar *what, guint *out)
{
	guint64 v;
	if (!g_ascii_string_to_unsigned(text, 10, 0, 1023, &v, NULL)) {
		g_printerr("cardroutectl: invalid: %s '%s' is not a number 0..1023\n", what, text);
		return FALSE;
	}
	*out = (guint)v;
	return TRUE;
}

/* A map to a slot a connected bank does not have would only be refused by
 * the bank later (illegalSlotId): say so at once. Unknown banks pass (the
 * bank may connect later). */
static gint
check_bank_slot(Ctl *ctl, guint bid, guint bs)
{
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a;
	gint rc = request(ctl, "GET", RSRES "/banks", NULL, &root, NULL);
	if (rc != EXIT_OK)
		return rc;
	a = root != NULL ? array_member(root, "banks") : NULL;
	for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		gint64 slots = i_member(o, "numberOfSlots");
		if (o == NULL || i_member(o, "bankId") != (gint64)bid || slots < 0)
			continue;
		if ((gint64)bs >= slots) {
			g_printerr("cardroutectl: invalid: bank %u has %" G_GINT64_FORMAT
				   " slot%s (0..%" G_GINT64_FORMAT "): there is no slot %u\n",
				   bid, slots, slots == 1 ? "" : "s", slots - 1, bs);
			return EXIT_REFUSED;
		}
	}
	return EXIT_OK;
}

static gint
map(Ctl *ctl, gchar **argv)
{
	guint bid, bs, cid, cs;
	g_autofree gchar *body = NULL;
	g_autoptr(JsonNode) root = NULL;
	gint rc;

	if (!parse_number(argv[0], "bank id", &bid) || !parse_number(argv[1], "bank slot", &bs) ||
	    !parse_number(argv[2], "client id", &cid) || !parse_number(argv[3], "client slot", &cs))
		return EXIT_USAGE;
	rc = check_bank_slot(ctl, bid, bs);
	if (rc != EXIT_OK)
		return rc;
	body = g_strdup_printf("{\"bank\":{\"bankId\":%u,\"slotNr\":%u},"
			       "\"client\":{\"clientId\":%u,\"slotNr\":%u}}",
			       bid, bs, cid, cs);
	rc = request(ctl, "POST", RSRES "/slotmaps", body, &root, NULL);
	if (rc != EXIT_OK)
		return rc;
	if (ctl->json && root != NULL)
		print_json(root);
	else if (!ctl->json)
		g_print("%u\n", bid * 65536 + bs);
	return EXIT_OK;
}

static gint
unmap(Ctl *ctl, gchar **argv)
{
	guint bid, bs;
	g_autofree gchar *path = NULL;

	if (!parse_number(argv[0], "bank id", &bid) || !parse_number(argv[1], "bank slot", &bs))
		return EXIT_USAGE;
	path = g_strdup_printf(RSRES "/slotmaps/%u", bid * 65536 + bs);
	return request(ctl, "DELETE", path, NULL, NULL, NULL);
}

static gint
restart_counter(Ctl *ctl)
{
	g_autoptr(JsonNode) root = NULL;
	gint rc = request(ctl, "GET", RSRES "/restart-counter", NULL, &root, NULL);
	if (rc != EXIT_OK || root == NULL)
		return rc;
	if (ctl->json)
		print_json(root);
	else if (JSON_NODE_HOLDS_OBJECT(root))
		g_print("%" G_GINT64_FORMAT "\n",
			i_member(json_node_get_object(root), "restartCounter"));
	return EXIT_OK;
}

gint
ctl_remsim(Ctl *ctl, gint argc, gchar **argv)
{
	const gchar *cmd = argc >= 2 ? argv[1] : "";

	if (argc == 2 && (g_str_equal(cmd, "clients") || g_str_equal(cmd, "banks") ||
			  g_str_equal(cmd, "slotmaps")))
		return list(ctl, cmd);
	if (argc == 6 && g_str_equal(cmd, "map"))
		return map(ctl, argv + 2);
	if (argc == 4 && g_str_equal(cmd, "unmap"))
		return unmap(ctl, argv + 2);
	if (argc == 2 && g_str_equal(cmd, "reset"))
		return request(ctl, "POST", RSRES "/global-reset", NULL, NULL, NULL);
	if (argc == 2 && g_str_equal(cmd, "restart-counter"))
		return restart_counter(ctl);
	g_printerr("usage: cardroutectl [--json] remsim clients | banks | slotmaps\n"
		   "       cardroutectl remsim map BANK_ID BANK_SLOT CLIENT_ID CLIENT_SLOT\n"
		   "       cardroutectl remsim unmap BANK_ID BANK_SLOT\n"
		   "       cardroutectl remsim reset | restart-counter\n");
	return EXIT_USAGE;
}
