// SPDX-License-Identifier: GPL-2.0-or-later
/* The RSRES request parsers (srv-rsres-parse.c): routes, ids, POST bodies,
 * hostile bodies (deep nesting, huge numbers, invalid UTF-8, size). */
#include <string.h>

#include <cardroute/cr-error.h>

#include "srv-rsres-parse.h"

static SrvRsresResource
route(const gchar *path, const gchar *want_id)
{
	g_autofree gchar *id = NULL;
	SrvRsresResource res = srv_rsres_route(path, &id);
	g_assert_cmpstr(id, ==, want_id);
	return res;
}

static void
test_route(void)
{
	g_assert_cmpint(route("/api/backend/v1/clients", NULL), ==, SRV_RSRES_CLIENTS);
	g_assert_cmpint(route("/api/backend/v1/clients/", NULL), ==, SRV_RSRES_CLIENTS);
	g_assert_cmpint(route("/api/backend/v1/clients/23", "23"), ==, SRV_RSRES_CLIENT);
	g_assert_cmpint(route("/api/backend/v1/banks", NULL), ==, SRV_RSRES_BANKS);
	g_assert_cmpint(route("/api/backend/v1/banks/1//", "1"), ==, SRV_RSRES_BANK);
	g_assert_cmpint(route("/api/backend/v1/slotmaps", NULL), ==, SRV_RSRES_SLOTMAPS);
	g_assert_cmpint(route("/api/backend/v1/slotmaps/65537", "65537"), ==, SRV_RSRES_SLOTMAP);
	g_assert_cmpint(route("/api/backend/v1/global-reset", NULL), ==, SRV_RSRES_GLOBAL_RESET);
	g_assert_cmpint(route("/api/backend/v1/restart-counter", NULL), ==,
			SRV_RSRES_RESTART_COUNTER);
	g_assert_cmpint(route("/api/backend/v1/", NULL), ==, SRV_RSRES_NONE);
	g_assert_cmpint(route("/api/backend/v1/slotmaps/1/2", NULL), ==, SRV_RSRES_NONE);
	g_assert_cmpint(route("/api/backend/v1/global-reset/1", NULL), ==, SRV_RSRES_NONE);
	g_assert_cmpint(route("/api/backend/v1/slotmapsx", NULL), ==, SRV_RSRES_NONE);
	g_assert_cmpint(route("/api/backend/v1/slot", NULL), ==, SRV_RSRES_NONE);
	g_assert_cmpint(route("/api/v1/status", NULL), ==, SRV_RSRES_NONE);
	g_assert_true(srv_rsres_method_allowed(SRV_RSRES_SLOTMAPS, "POST"));
	g_assert_true(srv_rsres_method_allowed(SRV_RSRES_SLOTMAP, "DELETE"));
	g_assert_false(srv_rsres_method_allowed(SRV_RSRES_SLOTMAPS, "PUT"));
	g_assert_false(srv_rsres_method_allowed(SRV_RSRES_BANKS, "POST"));
	g_assert_false(srv_rsres_method_allowed(SRV_RSRES_NONE, "GET"));
	g_assert_cmpstr(srv_rsres_allowed(SRV_RSRES_SLOTMAP), ==, "GET, DELETE");
}

static void
test_id(void)
{
	guint64 id = 0;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *long_text = g_strnfill(1000, 'a');

	g_assert_true(srv_rsres_parse_id("65535", 65535, &id, NULL));
	g_assert_cmpuint(id, ==, 65535);
	g_assert_true(srv_rsres_parse_id("4294967295", G_MAXUINT32, &id, NULL));
	g_assert_false(srv_rsres_parse_id("65536", 65535, &id, NULL));
	g_assert_false(srv_rsres_parse_id("4294967296", G_MAXUINT32, &id, NULL));
	g_assert_false(srv_rsres_parse_id("99999999999999999999", G_MAXUINT32, &id, NULL));
	g_assert_false(srv_rsres_parse_id("", 65535, &id, NULL));
	g_assert_false(srv_rsres_parse_id("-1", 65535, &id, NULL));
	g_assert_false(srv_rsres_parse_id("+1", 65535, &id, NULL));
	g_assert_false(srv_rsres_parse_id(" 1", 65535, &id, NULL));
	g_assert_false(srv_rsres_parse_id("x", 65535, &id, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "'x'"));
	g_clear_error(&error);
	/* long or odd text is not echoed */
	g_assert_false(srv_rsres_parse_id(long_text, 65535, &id, &error));
	g_assert_null(strstr(error->message, "aaaa"));
	g_clear_error(&error);
	g_assert_false(srv_rsres_parse_id("\xff\"", 65535, &id, &error));
	g_assert_true(g_utf8_validate(error->message, -1, NULL));
	g_assert_null(strchr(error->message, '"'));
}

static gboolean
body(const gchar *text, SrvRsresMapRequest *req, const gchar *want_in_message)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = srv_rsres_parse_map_body(text, strlen(text), req, &error);
	if (!ok) {
		g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
		if (want_in_message != NULL && strstr(error->message, want_in_message) == NULL)
			g_error("'%s' not in '%s'", want_in_message, error->message);
	}
	return ok;
}

static void
test_body(void)
{
	SrvRsresMapRequest req;
	g_autoptr(GString) deep = g_string_new(NULL);

	g_assert_true(body("{\"bank\": {\"bankId\": 1, \"slotNr\": 2}, "
			   "\"client\": {\"clientId\": 23, \"slotNr\": 0}}",
			   &req, NULL));
	g_assert_cmpuint(req.bank_id, ==, 1);
	g_assert_cmpuint(req.bank_slot, ==, 2);
	g_assert_cmpuint(req.client_id, ==, 23);
	g_assert_cmpuint(req.client_slot, ==, 0);
	g_assert_true(body("{\"bank\":{\"bankId\":1023,\"slotNr\":1023,\"x\":[]},"
			   "\"client\":{\"clientId\":0,\"slotNr\":0},\"state\":\"NEW\"}",
			   &req, NULL));
	g_assert_false(body("", &req, "needed"));
	g_assert_false(body("[]", &req, "object"));
	g_assert_false(body("{\"bank\":{}}", &req, "\"client\""));
	g_assert_false(body("{\"bank\":{\"bankId\":1024,\"slotNr\":0},"
			    "\"client\":{\"clientId\":0,\"slotNr\":0}}",
			    &req, "bank.bankId"));
	g_assert_false(body("{\"bank\":{\"bankId\":1,\"slotNr\":0},"
			    "\"client\":{\"clientId\":0,\"slotNr\":1.0}}",
			    &req, "client.slotNr"));
	g_assert_false(body("{\"bank\":{\"bankId\":1e999,\"slotNr\":0},"
			    "\"client\":{\"clientId\":0,\"slotNr\":0}}",
			    &req, NULL));
	g_assert_false(body("{\"bank\":{\"bankId\":99999999999999999999999,\"slotNr\":0},"
			    "\"client\":{\"clientId\":0,\"slotNr\":0}}",
			    &req, NULL));
	g_assert_false(body("{\"bank\":{\"bankId\":-1,\"slotNr\":0},"
			    "\"client\":{\"clientId\":0,\"slotNr\":0}}",
			    &req, "bank.bankId"));
	g_assert_false(body("{\"bank\":{\"bankId\":1,\"slotNr\":0},"
			    "\"client\":{\"clientId\":0,\"slotNr\":\"\xff\"}}",
			    &req, "UTF-8"));
	g_assert_false(body("{\"bank\":{\"bankId\":1,\"slotNr\":0},", &req, "malformed"));
	/* deep nesting is refused before the recursive parser sees it */
	for (guint i = 0; i < 30000; i++)
		g_string_append_c(deep, '[');
	g_assert_false(body(deep->str, &req, "deeply"));
	g_string_assign(deep, "{\"s\":\"");
	for (guint i = 0; i < 1000; i++)
		g_string_append(deep, "[\\\"");
	g_string_append(deep, "\",\"bank\":{\"bankId\":1,\"slotNr\":0},"
			      "\"client\":{\"clientId\":0,\"slotNr\":0}}");
	g_assert_true(body(deep->str, &req, NULL)); /* brackets in strings do not count */
	g_string_set_size(deep, 0);
	g_string_append_c(deep, '"');
	for (guint i = 0; i < SRV_RSRES_MAX_BODY; i++)
		g_string_append_c(deep, 'x');
	g_string_append_c(deep, '"');
	g_assert_false(body(deep->str, &req, "large"));
	/* an embedded NUL, raw or escaped in a string */
	g_assert_false(srv_rsres_parse_map_body("{}\0{}", 5, &req, NULL));
	g_assert_false(body("{\"bank\":{\"bankId\":1,\"slotNr\":0},\"x\":\"a\\u0000b\","
			    "\"client\":{\"clientId\":0,\"slotNr\":0}}",
			    &req, "u0000"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/server/rsres-parse/route", test_route);
	g_test_add_func("/server/rsres-parse/id", test_id);
	g_test_add_func("/server/rsres-parse/body", test_body);
	return g_test_run();
}
