// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the REST body parsers and the HTTP handler registry. */
#include <string.h>

#include "cr-rest-parse.h"

static gboolean
parse_route(const gchar *json, CrRestRouteRequest *req, GError **error)
{
	return cr_rest_parse_route_request(json, strlen(json), req, error);
}

static void
expect_route_error(const gchar *json, const gchar *field)
{
	CrRestRouteRequest req;
	g_autoptr(GError) error = NULL;
	g_assert_false(parse_route(json, &req, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	if (!g_str_has_prefix(error->message, field))
		g_error("%s: '%s' does not start with '%s'", json, error->message, field);
	g_assert_null(req.frontend);
	g_assert_null(req.backend);
	g_assert_null(req.name);
}

static void
test_route_request(void)
{
	CrRestRouteRequest req;
	g_autoptr(GError) error = NULL;
	g_assert_true(parse_route("{\"frontend\": \"modem1\", \"backend\": \"sim.1\"}", &req, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(req.frontend, ==, "modem1");
	g_assert_cmpstr(req.backend, ==, "sim.1");
	g_assert_null(req.name);
	g_assert_cmpuint(req.policy.timeout_ms, ==, 30000);
	g_assert_cmpuint(req.policy.error_sw, ==, 0x6F00);
	cr_rest_route_request_clear(&req);

	g_assert_true(parse_route("{\"frontend\": \"a\", \"backend\": \"b\", \"name\": \"r-1\", "
				  "\"policy\": {\"timeout_ms\": 0, \"on_backend_loss\": \"hold\", "
				  "\"error_sw\": \"6a82\", \"forward_reset\": false, "
				  "\"offer_card\": \"always\"}}",
				  &req, &error));
	g_assert_cmpstr(req.name, ==, "r-1");
	g_assert_cmpuint(req.policy.timeout_ms, ==, 0);
	g_assert_cmpint(req.policy.on_backend_loss, ==, CR_LOSS_POLICY_HOLD);
	g_assert_cmpuint(req.policy.error_sw, ==, 0x6A82);
	g_assert_false(req.policy.forward_reset);
	g_assert_cmpint(req.policy.offer_card, ==, CR_OFFER_CARD_ALWAYS);
	cr_rest_route_request_clear(&req);

	expect_route_error("", "body");
	expect_route_error("{", "body: malformed JSON");
	expect_route_error("[]", "body");
	expect_route_error("\"x\"", "body");
	expect_route_error("{\"backend\": \"b\"}", "frontend: missing");
	expect_route_error("{\"frontend\": \"a\"}", "backend: missing");
	expect_route_error("{\"frontend\": 1, \"backend\": \"b\"}", "frontend: must be a string");
	expect_route_error("{\"frontend\": \"a/b\", \"backend\": \"b\"}", "frontend");
	expect_route_error("{\"frontend\": \"\", \"backend\": \"b\"}", "frontend");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", \"name\": 3}", "name");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", \"extra\": 3}", "extra");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", \"policy\": []}", "policy");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", "
			   "\"policy\": {\"offer_card\": \"later\"}}",
			   "policy.offer_card");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", \"policy\": {\"timeout_ms\": 1.5}}",
			   "policy.timeout_ms");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", "
			   "\"policy\": {\"timeout_ms\": 99999999}}",
			   "policy.timeout_ms");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", "
			   "\"policy\": {\"forward_reset\": 1}}",
			   "policy.forward_reset");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", "
			   "\"policy\": {\"error_sw\": \"6F0\"}}",
			   "policy.error_sw");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", \"policy\": {\"x\": 1}}",
			   "policy.x");
	expect_route_error("{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
			   "body: nested");
	/* brackets inside strings do not count */
	g_assert_true(parse_route("{\"frontend\": \"a\", \"backend\": \"b\", \"name\": null}", &req,
				  &error));
	cr_rest_route_request_clear(&req);
	/* \u0000 would cut the name short: refused, not truncated */
	expect_route_error("{\"frontend\": \"a\\u0000b\", \"backend\": \"b\"}", "body: \\u0000");
	expect_route_error("{\"frontend\": \"a\", \"backend\": \"b\", \"x\\u0000\": 1}", "body: \\u0000");
	/* an escaped backslash followed by u0000 is plain text (and a bad name here) */
	expect_route_error("{\"frontend\": \"a\\\\u0000\", \"backend\": \"b\"}", "frontend");
	g_assert_true(parse_route("{\"frontend\": \"a\", \"backend\": \"b\", \"name\": \"r\\u0041\"}",
				  &req, &error));
	g_assert_cmpstr(req.name, ==, "rA");
	cr_rest_route_request_clear(&req);
	{
		/* embedded NUL */
		static const gchar nul[] = "{\"frontend\": \"a\0\", \"backend\": \"b\"}";
		g_autoptr(GError) e = NULL;
		g_assert_false(cr_rest_parse_route_request(nul, sizeof(nul) - 1, &req, &e));
		g_assert_error(e, CR_ERROR, CR_ERROR_INVALID);
	}
}

static void
test_apdu_request(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) apdu = NULL;
	static const gchar ok[] = "{\"apdu\": \"00 a4 0004023F00\"}";
	static const guint8 expect[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00};
	const gchar *bad[] = {"{}", "{\"apdu\": 1}", "{\"apdu\": \"00A4\"}", "{\"apdu\": \"00A400\"}",
			      "{\"apdu\": \"00A40G00\"}", "{\"apdu\": \"00A4000\"}",
			      "{\"apdu\": \"00A40000\", \"more\": 1}", "[\"00A40000\"]", NULL};
	apdu = cr_rest_parse_apdu_request(ok, strlen(ok), &error);
	g_assert_no_error(error);
	g_assert_nonnull(apdu);
	g_assert_cmpmem(g_bytes_get_data(apdu, NULL), g_bytes_get_size(apdu), expect,
			sizeof(expect));
	for (guint i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(GBytes) b = cr_rest_parse_apdu_request(bad[i], strlen(bad[i]), &e);
		g_assert_null(b);
		g_assert_error(e, CR_ERROR, CR_ERROR_INVALID);
	}
}

static void
test_decode_path(void)
{
	static const struct {
		const gchar *raw;
		const gchar *decoded; /* NULL: refused */
	} cases[] = {
		{"/api/v1/status", "/api/v1/status"},
		{"/api/v1/routes/r%31", "/api/v1/routes/r1"},
		{"/api/v1/%2F/status", NULL},
		{"/api/v1/%2f/status", NULL},
		{"/api/v1/routes/a%00", NULL},
		{"/api/v1/routes/%zz", NULL},
		{"/api/v1/routes/%4", NULL},
		{"/api/v1/../status", NULL},
		{"/api/v1/%2E%2E/status", NULL},
		{"/api/v1/./status", NULL},
		{"/api/v1/routes/..x", "/api/v1/routes/..x"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = cr_rest_decode_path(cases[i].raw, &error);
		g_assert_cmpstr(out, ==, cases[i].decoded);
		if (out == NULL)
			g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	}
}

static void
test_hex(void)
{
	g_autoptr(GBytes) b = cr_rest_hex_decode("3b 02 14 50", 1, 4);
	g_autofree gchar *hex = NULL;
	g_assert_nonnull(b);
	hex = cr_hex_encode(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
	g_assert_cmpstr(hex, ==, "3B021450");
	g_assert_null(cr_rest_hex_decode("3b021450aa", 1, 4)); /* too long */
	g_assert_null(cr_rest_hex_decode("", 1, 4));
	g_assert_null(cr_rest_hex_decode("3 b", 1, 4));
	g_assert_true(cr_name_is_valid("sim.1_a-b"));
	g_assert_false(cr_name_is_valid("a b"));
	g_assert_false(cr_name_is_valid(""));
	g_assert_false(cr_name_is_valid(NULL));
}

/* the HTTP handler registry */
typedef struct {
	guint status;
	gchar *content_type;
	gchar *body;
	gchar *header;
	guint calls;
} Reply;

static void
on_done(CrHttpResponder *responder, guint status, const gchar *content_type, GBytes *body,
	const gchar *const *headers, gpointer user_data)
{
	Reply *r = user_data;
	r->calls++;
	r->status = status;
	g_free(r->content_type);
	r->content_type = g_strdup(content_type);
	g_free(r->body);
	r->body = body != NULL ? g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body))
			       : NULL;
	g_free(r->header);
	r->header = headers[0] != NULL ? g_strdup_printf("%s=%s", headers[0], headers[1]) : NULL;
}

static void
reply_clear(Reply *r)
{
	g_free(r->content_type);
	g_free(r->body);
	g_free(r->header);
	memset(r, 0, sizeof(*r));
}

static void
handler_named(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	g_autofree gchar *text = g_strdup_printf("%s %s %s q=%s h=%s", (const gchar *)user_data,
						 cr_http_request_get_method(request),
						 cr_http_request_get_path(request),
						 (const gchar *)g_hash_table_lookup(
							 cr_http_request_get_query(request), "q"),
						 cr_http_request_get_header(request, "x-test"));
	g_autoptr(GBytes) body = g_bytes_new(text, strlen(text));
	cr_http_responder_add_header(responder, "X-Handler", user_data);
	cr_http_responder_complete(responder, 200, "text/plain", body);
}

static CrHttpResponder *later;

static void
handler_later(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data)
{
	later = responder;
}

static void
dispatch(CrRouter *router, const gchar *method, const gchar *path, Reply *r,
	 CrHttpResponder **pending, gboolean expect_handled)
{
	g_autoptr(GHashTable) q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	CrHttpRequest *req;
	g_hash_table_insert(q, g_strdup("q"), g_strdup("1"));
	req = cr_http_request_new(method, path, q, NULL, "127.0.0.1:1");
	cr_http_request_add_header(req, "X-Test", "yes");
	g_assert_cmpint(cr_router_dispatch_http(router, req, on_done, r, pending), ==,
			expect_handled);
	cr_http_request_unref(req);
}

static void
test_registry(void)
{
	g_autoptr(CrRouter) router = cr_router_new();
	Reply r = {0};
	CrHttpResponder *pending = NULL;
	guint api, backend, exact, slow;

	api = cr_router_add_http_handler(router, "/api/", handler_named, "api", NULL);
	backend = cr_router_add_http_handler(router, "/api/backend/v1/", handler_named, "backend",
					     NULL);
	exact = cr_router_add_http_handler(router, "/metrics", handler_named, "metrics", NULL);
	slow = cr_router_add_http_handler(router, "/slow", handler_later, NULL, NULL);
	g_assert_cmpuint(api, >, 0);
	g_assert_cmpuint(backend, >, 0);
	g_assert_cmpuint(exact, >, 0);
	g_assert_cmpuint(slow, >, 0);
	g_test_expect_message("cardroute", G_LOG_LEVEL_WARNING, "*already handled*");
	g_assert_cmpuint(cr_router_add_http_handler(router, "/api/", handler_named, "x", NULL), ==,
			 0);
	g_test_assert_expected_messages();

	/* the longest prefix wins; the request is what the server gave */
	dispatch(router, "GET", "/api/backend/v1/slotmaps", &r, &pending, TRUE);
	g_assert_null(pending);
	g_assert_cmpuint(r.calls, ==, 1);
	g_assert_cmpstr(r.body, ==, "backend GET /api/backend/v1/slotmaps q=1 h=yes");
	g_assert_cmpstr(r.header, ==, "X-Handler=backend");
	reply_clear(&r);
	dispatch(router, "POST", "/api/backend/v1", &r, &pending, TRUE);
	g_assert_cmpstr(r.body, ==, "backend POST /api/backend/v1 q=1 h=yes");
	reply_clear(&r);
	dispatch(router, "GET", "/api/v1/status", &r, &pending, TRUE);
	g_assert_cmpstr(r.body, ==, "api GET /api/v1/status q=1 h=yes");
	reply_clear(&r);
	/* an exact path does not match below it */
	dispatch(router, "GET", "/metrics", &r, &pending, TRUE);
	g_assert_cmpstr(r.content_type, ==, "text/plain");
	reply_clear(&r);
	dispatch(router, "GET", "/metrics/x", &r, &pending, FALSE);
	dispatch(router, "GET", "/apix", &r, &pending, FALSE);
	g_assert_cmpuint(r.calls, ==, 0);

	/* asynchronous: the server keeps the responder until it completes */
	dispatch(router, "GET", "/slow", &r, &pending, TRUE);
	g_assert_nonnull(pending);
	g_assert_true(pending == later);
	g_assert_cmpuint(r.calls, ==, 0);
	cr_http_responder_complete_error(later, 409, "exists", "quote \" and\nnewline");
	g_assert_cmpuint(r.calls, ==, 1);
	g_assert_cmpuint(r.status, ==, 409);
	g_assert_cmpstr(r.content_type, ==, "application/json");
	g_assert_cmpstr(r.body, ==,
			"{\"error\": \"exists\", \"message\": \"quote \\\" and\\nnewline\"}\n");
	reply_clear(&r);

	/* the client went away: completing later is harmless */
	dispatch(router, "GET", "/slow", &r, &pending, TRUE);
	cr_http_responder_cancel(pending);
	g_assert_true(cr_http_responder_is_cancelled(later));
	cr_http_responder_complete_json(later, 200, "{}");
	g_assert_cmpuint(r.calls, ==, 0);

	cr_router_remove_http_handler(router, backend);
	dispatch(router, "GET", "/api/backend/v1/x", &r, &pending, TRUE);
	g_assert_cmpstr(r.body, ==, "api GET /api/backend/v1/x q=1 h=yes");
	reply_clear(&r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/control/route-request", test_route_request);
	g_test_add_func("/control/apdu-request", test_apdu_request);
	g_test_add_func("/control/hex", test_hex);
	g_test_add_func("/control/decode-path", test_decode_path);
	g_test_add_func("/control/http-registry", test_registry);
	return g_test_run();
}
