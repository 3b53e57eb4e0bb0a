// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: REST tokens and scopes, the token file, the wrong-token limit. */
#include <string.h>

#include "cr-rest-auth.h"

#define ADMIN "admin-token-0123456789"
#define READ "read-token-0123456789"
#define SEC G_USEC_PER_SEC

/* the "refused (429)" warnings of the code under test, counted */
static guint warnings;

static void
count_warning(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	warnings++;
}

static CrRestAuth *
two_tokens(guint limit, guint window_s)
{
	CrRestAuth *auth = cr_rest_auth_new_empty(limit, window_s);
	g_autoptr(GError) error = NULL;
	g_assert_true(cr_rest_auth_add_tokens(auth,
					      "# comment\n\nadmin " ADMIN "\n  read \t" READ "  \n",
					      "tokens", &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cr_rest_auth_get_n_tokens(auth), ==, 2);
	return auth;
}

static void
test_token_file(void)
{
	static const struct {
		const gchar *text;
		const gchar *message;
	} bad[] = {
		{"admin\n", "tokens: line 1: want 'SCOPE TOKEN'"},
		{"admin " ADMIN " more\n", "tokens: line 1: want 'SCOPE TOKEN'"},
		{"\n\nroot " ADMIN "\n", "tokens: line 3: unknown scope"},
		{"read short\n", "tokens: line 1: a token needs at least 16 characters"},
		{"read " ADMIN "\"x\n", "tokens: line 1: a token is letters"},
		{"read ==" ADMIN "\n", "tokens: line 1: a token is letters"},
		{"read " ADMIN "=x\n", "tokens: line 1: a token is letters"},
		{"read " ADMIN "\nadmin " ADMIN "\n", "tokens: line 2: the same token is given twice"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(CrRestAuth) auth = cr_rest_auth_new_empty(10, 60);
		g_autoptr(GError) error = NULL;
		g_assert_false(cr_rest_auth_add_tokens(auth, bad[i].text, "tokens", &error));
		g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
		if (!g_str_has_prefix(error->message, bad[i].message))
			g_error("'%s': '%s' is not '%s'", bad[i].text, error->message,
				bad[i].message);
	}
	{
		g_autoptr(CrRestAuth) auth = cr_rest_auth_new_empty(10, 60);
		g_autoptr(GError) error = NULL;
		g_assert_true(cr_rest_auth_add_tokens(auth, "admin abcdefghijklmnop+/==\n", "t",
						      &error));
		g_assert_cmpint(cr_rest_auth_lookup(auth, "abcdefghijklmnop+/=="), ==,
				CR_SCOPE_ADMIN);
	}
}

static void
test_lookup(void)
{
	g_autoptr(CrRestAuth) auth = two_tokens(10, 60);
	g_assert_cmpint(cr_rest_auth_lookup(auth, ADMIN), ==, CR_SCOPE_ADMIN);
	g_assert_cmpint(cr_rest_auth_lookup(auth, READ), ==, CR_SCOPE_READ);
	g_assert_cmpint(cr_rest_auth_lookup(auth, ""), ==, CR_SCOPE_NONE);
	g_assert_cmpint(cr_rest_auth_lookup(auth, ADMIN "x"), ==, CR_SCOPE_NONE);
	g_assert_cmpint(cr_rest_auth_lookup(auth, "admin-token-012345678"), ==, CR_SCOPE_NONE);
	g_assert_cmpint(cr_rest_auth_lookup(auth, "Admin-token-0123456789"), ==, CR_SCOPE_NONE);
}

static void
check(CrRestAuth *auth, GInetAddress *peer, const gchar *method, const gchar *path,
      const gchar *authorization, gint64 now, guint status, CrScope scope)
{
	CrAuthVerdict v;
	cr_rest_auth_check(auth, peer, method, path, authorization, now, &v);
	if (v.status != status)
		g_error("%s %s (%s): %u, not %u (%s)", method, path, authorization, v.status,
			status, v.message);
	if (status == 0)
		g_assert_cmpint(v.scope, ==, scope);
}

static void
test_scopes(void)
{
	g_autoptr(CrRestAuth) auth = two_tokens(10, 60);
	g_autoptr(GInetAddress) lo = g_inet_address_new_from_string("127.0.0.1");
	check(auth, lo, "GET", "/api/v1/status", NULL, 0, 401, 0);
	check(auth, lo, "GET", "/api/v1/status", "Basic eDp5", 0, 401, 0);
	check(auth, lo, "GET", "/api/v1/status", "Bearer " ADMIN, 0, 0, CR_SCOPE_ADMIN);
	check(auth, lo, "GET", "/api/v1/status", "bearer " READ, 0, 0, CR_SCOPE_READ);
	check(auth, lo, "HEAD", "/metrics", "Bearer " READ, 0, 0, CR_SCOPE_READ);
	check(auth, lo, "POST", "/api/v1/routes", "Bearer " READ, 0, 403, 0);
	check(auth, lo, "DELETE", "/api/backend/v1/slotmaps/1", "Bearer " READ, 0, 403, 0);
	check(auth, lo, "POST", "/api/v1/routes", "Bearer " ADMIN, 0, 0, CR_SCOPE_ADMIN);
	check(auth, lo, "GET", "/api/v1/status", "Bearer wrong", 0, 403, 0);
	/* the console's files: no token needed, only GET/HEAD */
	check(auth, lo, "GET", "/", NULL, 0, 0, CR_SCOPE_NONE);
	check(auth, lo, "GET", "/ui/app.js", NULL, 0, 0, CR_SCOPE_NONE);
	check(auth, lo, "POST", "/ui/app.js", NULL, 0, 401, 0);
	check(auth, lo, "GET", "/uix", NULL, 0, 401, 0);
}

static void
test_loopback_only(void)
{
	g_autoptr(CrRestAuth) auth = cr_rest_auth_new_empty(10, 60);
	static const struct {
		const gchar *addr;
		gboolean loopback;
	} peers[] = {
		{"127.0.0.1", TRUE},   {"127.1.2.3", TRUE},	    {"::1", TRUE},
		{"::ffff:127.0.0.1", TRUE}, {"10.0.0.1", FALSE},    {"::ffff:10.0.0.1", FALSE},
		{"fe80::1", FALSE},	 {"::", FALSE},
	};
	for (guint i = 0; i < G_N_ELEMENTS(peers); i++) {
		g_autoptr(GInetAddress) a = g_inet_address_new_from_string(peers[i].addr);
		g_assert_cmpint(cr_rest_auth_is_loopback(a), ==, peers[i].loopback);
		check(auth, a, "POST", "/api/v1/routes", NULL, 0, peers[i].loopback ? 0 : 403,
		      CR_SCOPE_ADMIN);
		check(auth, a, "GET", "/", NULL, 0, peers[i].loopback ? 0 : 403, CR_SCOPE_ADMIN);
	}
	check(auth, NULL, "GET", "/api/v1/status", NULL, 0, 403, 0);
}

static void
test_rate_limit(void)
{
	g_autoptr(CrRestAuth) auth = two_tokens(3, 10);
	g_autoptr(GInetAddress) a = g_inet_address_new_from_string("192.0.2.7");
	g_autoptr(GInetAddress) b = g_inet_address_new_from_string("192.0.2.8");
	g_autoptr(GString) metrics = g_string_new(NULL);
	CrAuthVerdict v;

	warnings = 0;
	check(auth, a, "GET", "/api/v1/status", "Bearer x1", 1 * SEC, 403, 0);
	check(auth, a, "GET", "/api/v1/status", NULL, 2 * SEC, 401, 0); /* not a guess */
	check(auth, a, "GET", "/api/v1/status", "Bearer x2", 2 * SEC, 403, 0);
	check(auth, a, "GET", "/api/v1/status", "Bearer x3", 3 * SEC, 403, 0);
	/* at the limit: refused whatever the token, until 1 s + 10 s */
	g_assert_cmpuint(warnings, ==, 1); /* once, when the limit is reached */
	cr_rest_auth_check(auth, a, "GET", "/api/v1/status", "Bearer " ADMIN, 4 * SEC, &v);
	g_assert_cmpuint(v.status, ==, 429);
	g_assert_cmpuint(v.retry_after_s, ==, 7);
	cr_rest_auth_check(auth, a, "GET", "/api/v1/status", "Bearer " ADMIN, 11 * SEC - 1, &v);
	g_assert_cmpuint(v.status, ==, 429);
	g_assert_cmpuint(v.retry_after_s, ==, 1);
	/* another address is not concerned; the console's files stay reachable */
	check(auth, b, "GET", "/api/v1/status", "Bearer " ADMIN, 5 * SEC, 0, CR_SCOPE_ADMIN);
	check(auth, a, "GET", "/", NULL, 5 * SEC, 0, CR_SCOPE_NONE);
	/* the window ends: served again, and counting starts afresh */
	check(auth, a, "GET", "/api/v1/status", "Bearer " ADMIN, 11 * SEC, 0, CR_SCOPE_ADMIN);
	check(auth, a, "GET", "/api/v1/status", "Bearer x4", 12 * SEC, 403, 0);
	check(auth, a, "GET", "/api/v1/status", "Bearer " READ, 12 * SEC, 0, CR_SCOPE_READ);
	cr_rest_auth_metrics(auth, metrics);
	g_assert_nonnull(strstr(metrics->str, "cardroute_rest_auth_refused_total{reason=\"wrong\"} 4\n"));
	g_assert_nonnull(strstr(metrics->str, "cardroute_rest_auth_refused_total{reason=\"rate-limited\"} 2\n"));
	g_assert_nonnull(strstr(metrics->str, "cardroute_rest_auth_refused_total{reason=\"missing\"} 1\n"));
}

/* Many addresses guessing: the table stays bounded, and the addresses it
 * cannot hold share one limit. */
static void
test_many_addresses(void)
{
	g_autoptr(CrRestAuth) auth = two_tokens(2, 60);
	CrAuthVerdict v;
	guint limited = 0;
	for (guint i = 0; i < 5000; i++) {
		g_autofree gchar *text = g_strdup_printf("10.%u.%u.1", i / 256, i % 256);
		g_autoptr(GInetAddress) peer = g_inet_address_new_from_string(text);
		cr_rest_auth_check(auth, peer, "GET", "/api/v1/status", "Bearer guess", SEC, &v);
		cr_rest_auth_check(auth, peer, "GET", "/api/v1/status", "Bearer guess", SEC, &v);
		cr_rest_auth_check(auth, peer, "GET", "/api/v1/status", "Bearer guess", SEC, &v);
		limited += v.status == 429;
	}
	/* every address ends up limited: its own entry or the shared one */
	g_assert_cmpuint(limited, ==, 5000);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_log_set_handler("cr-control", G_LOG_LEVEL_WARNING, count_warning, NULL);
	g_test_add_func("/rest-auth/token-file", test_token_file);
	g_test_add_func("/rest-auth/lookup", test_lookup);
	g_test_add_func("/rest-auth/scopes", test_scopes);
	g_test_add_func("/rest-auth/loopback-only", test_loopback_only);
	g_test_add_func("/rest-auth/rate-limit", test_rate_limit);
	g_test_add_func("/rest-auth/many-addresses", test_many_addresses);
	return g_test_run();
}
