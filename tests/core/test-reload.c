// SPDX-License-Identifier: GPL-2.0-or-later
/* Reloading the INI of a running router. */
#include <string.h>

#include <glib/gstdio.h>

#include <cardroute/cardroute.h>

static gchar *path;

static void
write_ini(const gchar *text)
{
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static const gchar *v1 = "[backend:a]\nplugin = echo\n"
			 "[backend:b]\nplugin = echo\n"
			 "[frontend:t1]\nplugin = script\ncommands = 00A4000000\n"
			 "[frontend:t2]\nplugin = script\ncommands = 00A4000000\n"
			 "[route:r1]\nfrontend = t1\nbackend = a\n"
			 "[route:r2]\nfrontend = t2\nbackend = b\n";

/* b changed (latency), c added, r2 removed, r3 added on c */
static const gchar *v2 = "[backend:a]\nplugin = echo\n"
			 "[backend:b]\nplugin = echo\nlatency-ms = 5\n"
			 "[backend:c]\nplugin = echo\n"
			 "[frontend:t1]\nplugin = script\ncommands = 00A4000000\n"
			 "[frontend:t2]\nplugin = script\ncommands = 00A4000000\n"
			 "[route:r1]\nfrontend = t1\nbackend = a\n"
			 "[route:r3]\nfrontend = t2\nbackend = c\n";

static void
test_reload(void)
{
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	CrBackendSlot *a, *b;
	CrRoute *r1;

	write_ini(v1);
	cr_router_set_plugin_dir(router, TEST_PLUGIN_DIR);
	g_assert_true(cr_router_load_config(router, path, &error));
	g_assert_true(cr_router_start(router, &error));
	g_assert_no_error(error);
	a = cr_router_lookup_backend(router, "a");
	b = g_object_ref(cr_router_lookup_backend(router, "b"));
	r1 = cr_router_lookup_route(router, "r1");
	/* t2 is routed by r2 already */
	g_assert_null(cr_router_add_route(router, "runtime", "t2", "b", NULL, NULL));

	/* a bad file changes nothing */
	write_ini("[backend:a]\nplugin = echo\nlatency-ms = soon\n");
	g_assert_false(cr_router_reload_config(router, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "latency-ms"));
	g_clear_error(&error);
	g_assert_true(cr_router_lookup_backend(router, "b") == b);
	g_assert_nonnull(cr_router_lookup_route(router, "r2"));

	write_ini(v2);
	g_assert_true(cr_router_reload_config(router, &error));
	g_assert_no_error(error);
	/* unchanged parts are the same objects, still serving */
	g_assert_true(cr_router_lookup_backend(router, "a") == a);
	g_assert_true(cr_router_lookup_route(router, "r1") == r1);
	g_assert_nonnull(cr_frontend_slot_get_atr(cr_router_lookup_frontend(router, "t1")));
	/* b was rebuilt, c is new and started (its card is present) */
	g_assert_nonnull(cr_router_lookup_backend(router, "b"));
	g_assert_true(cr_router_lookup_backend(router, "b") != b);
	g_assert_cmpint(cr_backend_slot_get_state(cr_router_lookup_backend(router, "c")), ==,
			CR_SLOT_STATE_PRESENT);
	/* r2 went, r3 came */
	g_assert_null(cr_router_lookup_route(router, "r2"));
	g_assert_nonnull(cr_router_lookup_route(router, "r3"));
	g_assert_true(cr_route_get_backend(cr_router_lookup_route(router, "r3")) ==
		      cr_router_lookup_backend(router, "c"));
	g_assert_cmpuint(cr_router_get_routes(router)->len, ==, 2);
	g_assert_cmpuint(cr_router_get_backends(router)->len, ==, 3);
	g_object_unref(b);
}

int
main(int argc, char **argv)
{
	g_autofree gchar *dir = NULL;
	gint rc;
	g_test_init(&argc, &argv, NULL);
	dir = g_dir_make_tmp("cr-reload-XXXXXX", NULL);
	path = g_build_filename(dir, "cardroute.ini", NULL);
	g_test_add_func("/reload/diff", test_reload);
	rc = g_test_run();
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	return rc;
}
