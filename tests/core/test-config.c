// SPDX-License-Identifier: GPL-2.0-or-later
/* Config errors: each names file, section and key; plugin loading guards. */
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <cardroute/cardroute.h>

static gchar *tmpdir;

static gchar *
write_ini(const gchar *text)
{
	static guint n;
	gchar *path = g_strdup_printf("%s/t%u.ini", tmpdir, n++);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* Loads @text; expects failure with every string of @needles in the message. */
static void
expect_error(const gchar *text, const gchar *const *needles)
{
	g_autofree gchar *path = write_ini(text);
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	gboolean ok;
	cr_router_set_plugin_dir(router, TEST_PLUGIN_DIR);
	ok = cr_router_load_config(router, path, &error);
	if (ok)
		ok = cr_router_check_router_section(router, &error);
	g_assert_false(ok);
	g_assert_nonnull(error);
	g_assert_true(error->domain == CR_ERROR);
	g_test_message("error: %s", error->message);
	for (guint i = 0; needles[i] != NULL; i++) {
		if (strstr(error->message, needles[i]) == NULL)
			g_error("'%s' not in error '%s'", needles[i], error->message);
	}
	/* every config error names the file */
	g_assert_nonnull(strstr(error->message, path));
}

#define EXPECT(text, ...)                                                                          \
	do {                                                                                       \
		const gchar *const n_[] = {__VA_ARGS__, NULL};                                    \
		expect_error(text, n_);                                                            \
	} while (0)

static const gchar *good = "[router]\n"
			   "[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
			   "[frontend:term]\nplugin = script\ncommands = 00A40004023F00\n"
			   "[route:r1]\nfrontend = term\nbackend = card\ntimeout = 1500\n"
			   "on-backend-loss = hold\nerror-sw = 6A82\nreset = ignore\n"
			   "offer-card = always\n";

static void
test_good(void)
{
	g_autofree gchar *path = write_ini(good);
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	CrRoute *route;
	const CrRoutePolicy *p;
	cr_router_set_plugin_dir(router, TEST_PLUGIN_DIR);
	g_assert_true(cr_router_load_config(router, path, &error));
	g_assert_no_error(error);
	g_assert_true(cr_router_check_router_section(router, &error));
	route = cr_router_lookup_route(router, "r1");
	g_assert_nonnull(route);
	p = cr_route_get_policy(route);
	g_assert_cmpuint(p->timeout_ms, ==, 1500);
	g_assert_cmpint(p->on_backend_loss, ==, CR_LOSS_POLICY_HOLD);
	g_assert_cmphex(p->error_sw, ==, 0x6A82);
	g_assert_false(p->forward_reset);
	g_assert_cmpint(p->offer_card, ==, CR_OFFER_CARD_ALWAYS);
	g_assert_true(cr_route_is_configured(route));
	g_assert_nonnull(cr_router_lookup_frontend(router, "term"));
	g_assert_nonnull(cr_router_lookup_backend(router, "card"));
	g_assert_cmpuint(cr_router_get_instances(router)->len, ==, 2);
	g_assert_true(cr_router_start(router, &error));
	g_assert_no_error(error);
	/* the echo card reported its ATR on start and the terminal was told */
	g_assert_nonnull(cr_frontend_slot_get_atr(cr_router_lookup_frontend(router, "term")));
}

static void
test_file_errors(void)
{
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	g_assert_false(cr_router_load_config(router, "/nonexistent/cardroute.ini", &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "/nonexistent/cardroute.ini"));
	EXPECT("[router\nfoo", ".ini:1: '[router': a section header needs a closing ']'",
	       ".ini:2: 'foo' is not KEY = VALUE");
	EXPECT("plugin = echo\n", ".ini:1: plugin: a key before any [SECTION]");
	EXPECT("[backend:x]\nplugin = \"echo\n", ".ini:2: [backend:x] plugin", "not closed");
	EXPECT("[backend:x]\nplug in = echo\n", ".ini:2: 'plug in' is not a key name");
	EXPECT("[backend:x]\nplugin = echo\n\xff = 1\n", ".ini:3: not UTF-8");
}

/* cardroute.ini(5): ';' and '#' comments on their own line and after a
 * value (after a blank); quoted values keep both */
static void
test_comments(void)
{
	g_autofree gchar *log = g_strdup_printf("%s/a ; b # \"c\".log", tmpdir);
	g_autofree gchar *text = g_strdup_printf(
		"; a comment\n"
		"  # an indented one\n"
		"[router] ; after a header\n"
		"[backend:card]   # here too\n"
		"plugin = echo ; a virtual card\n"
		"atr = 3B 02 14 50\t# tab before\n"
		"[frontend:term]\n"
		"plugin = script\n"
		"commands = 00A40004023F00;00B0000002\n"
		"log = \"%s/a ; b # \\\"c\\\".log\" ; the log, quoted\n"
		"[route:r1]\r\nfrontend = term\r\nbackend = card\r\n",
		tmpdir);
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	GBytes *atr;
	cr_router_set_plugin_dir(router, TEST_PLUGIN_DIR);
	g_assert_true(cr_router_load_config_data(router, text, strlen(text), "c.ini", &error));
	g_assert_no_error(error);
	g_assert_true(cr_router_check_router_section(router, &error));
	g_assert_nonnull(cr_router_lookup_route(router, "r1"));
	/* the quoted value kept its ';', '#' and escaped quotes */
	g_assert_true(g_file_test(log, G_FILE_TEST_EXISTS));
	g_assert_true(cr_router_start(router, &error));
	g_assert_no_error(error);
	/* the trailing comment is not part of the ATR */
	atr = cr_frontend_slot_get_atr(cr_router_lookup_frontend(router, "term"));
	g_assert_nonnull(atr);
	g_assert_cmpuint(g_bytes_get_size(atr), ==, 4);
}

/* issue 22: a section given twice is an error naming both lines */
static void
test_duplicates(void)
{
	EXPECT("[backend:v]\nplugin = echo\n\n[backend:v]\nplugin = echo\n",
	       ".ini:4: [backend:v] appears again (first at line 1)");
	EXPECT("[backend:v]\nplugin = echo\nplugin = echo\n",
	       ".ini:3: [backend:v] plugin: given again (first at line 2)");
	EXPECT("[backend:x]\nplugin = echo\n[frontend:x]\nplugin = script\ncommands = 00\n",
	       ".ini:3: [frontend:x]: the name 'x' is used by another section ([backend:x] at",
	       ".ini:1)");
}

/* one run names every problem, each with its line, typos with a guess */
static void
test_all_problems(void)
{
	const gchar *text = "[router]\n"
			    "[backend:card]\n"
			    "plugin = echo\n"
			    "latncy-ms = 5\n"
			    "atr = 3G\n"
			    "[backend:other]\n"
			    "plugin = ehco\n"
			    "[frontend:term]\n"
			    "plugin = script\n"
			    "commands = 00A4000000\n"
			    "[route:r1]\n"
			    "frontend = trem\n"
			    "backend = good\n"
			    "timeout = soon\n"
			    "[route:r2]\n"
			    "frontend = term\n"
			    "backend = other\n"
			    "[backend:good]\n"
			    "plugin = echo\n";
	EXPECT(text, ".ini:5: [backend:card] atr:", "hex digit",
	       ".ini:4: [backend:card] latncy-ms: unknown key (did you mean 'latency-ms'?)",
	       ".ini:7: [backend:other] plugin: plugin 'ehco'", "(did you mean 'echo'?)",
	       "installed: ", "script",
	       ".ini:14: [route:r1] timeout: 'soon' is not an integer",
	       ".ini:12: [route:r1] frontend: no frontend slot named 'trem' (did you mean "
	       "'term'?); frontend slots: term");
	/* a typo of a required key: both the missing key and the typo */
	EXPECT("[frontend:t]\nplugin = script\ncommads = 00A4000000\n",
	       ".ini:1: [frontend:t] commands: missing (required)",
	       ".ini:3: [frontend:t] commads: unknown key (did you mean 'commands'?)");
	/* a misspelt section kind */
	EXPECT("[backnd:x]\nplugin = echo\n", ".ini:1: [backnd:x]: unknown section kind 'backnd' "
	       "(did you mean 'backend'?)");
	/* r2 names a slot of a section that failed: not a problem of its own */
	{
		g_autofree gchar *path = write_ini(text);
		g_autoptr(CrRouter) router = cr_router_new();
		g_autoptr(GError) error = NULL;
		cr_router_set_plugin_dir(router, TEST_PLUGIN_DIR);
		g_assert_false(cr_router_load_config(router, path, &error));
		g_assert_null(strstr(error->message, "route:r2"));
		g_assert_null(strstr(error->message, "[route:r1] backend"));
	}
}

static void
test_section_errors(void)
{
	EXPECT("[weird]\n", "[weird]", "unknown section");
	EXPECT("[gadget:x]\nplugin = echo\n", "[gadget:x]", "unknown section kind 'gadget'");
	EXPECT("[backend:bad name]\nplugin = echo\n", "[backend:bad name]", "not valid");
	EXPECT("[backend:x]\natr = 3B00\n", "[backend:x] plugin", "missing");
	EXPECT("[backend:x]\nplugin = echo\n[frontend:x]\nplugin = script\ncommands = 00\n",
	       "[frontend:x]", "used by another section");
	EXPECT("[router]\ncolour = blue\n", "[router] colour", "unknown key");
}

static void
test_plugin_errors(void)
{
	EXPECT("[backend:x]\nplugin = nope\n", "[backend:x] plugin", "nope.so");
	EXPECT("[frontend:x]\nplugin = echo\n", "[frontend:x] plugin",
	       "'echo' is a backend plugin, not a frontend plugin");
	EXPECT("[backend:x]\nplugin = badabi\n", "[backend:x] plugin", "badabi.so", "ABI 999",
	       "speaks ABI 1");
	EXPECT("[backend:x]\nplugin = noentry\n", "[backend:x] plugin", "noentry.so",
	       "not a cardroute plugin");
	EXPECT("[backend:x]\nplugin = ../echo\n", "[backend:x] plugin", "not a plugin name");
}

static void
test_key_errors(void)
{
	EXPECT("[backend:x]\nplugin = echo\ncolour = red\n", "[backend:x] colour", "unknown key");
	EXPECT("[backend:x]\nplugin = echo\nlatency-ms = soon\n", "[backend:x] latency-ms",
	       "not an integer");
	EXPECT("[backend:x]\nplugin = echo\nlatency-ms = -5\n", "[backend:x] latency-ms",
	       "out of range");
	EXPECT("[backend:x]\nplugin = echo\natr = 3G\n", "[backend:x] atr", "hex");
	EXPECT("[backend:x]\nplugin = echo\natr = 3B\n", "[backend:x] atr", "1 bytes");
	EXPECT("[frontend:t]\nplugin = script\n", "[frontend:t] commands", "missing");
}

static void
test_route_errors(void)
{
	const gchar *slots = "[backend:card]\nplugin = echo\n"
			     "[frontend:term]\nplugin = script\ncommands = 00A4000000\n";
	g_autofree gchar *t1 = g_strconcat(slots, "[route:r]\nbackend = card\n", NULL);
	g_autofree gchar *t2 = g_strconcat(slots, "[route:r]\nfrontend = t\nbackend = card\n", NULL);
	g_autofree gchar *t3 = g_strconcat(slots, "[route:r]\nfrontend = term\nbackend = c\n", NULL);
	g_autofree gchar *t4 = g_strconcat(
		slots, "[route:r]\nfrontend = term\nbackend = card\non-backend-loss = panic\n",
		NULL);
	g_autofree gchar *t5 = g_strconcat(
		slots, "[route:r]\nfrontend = term\nbackend = card\nerror-sw = 6F\n", NULL);
	g_autofree gchar *t6 = g_strconcat(
		slots, "[route:r]\nfrontend = term\nbackend = card\ntimeout = 99999999\n", NULL);
	g_autofree gchar *t7 = g_strconcat(
		slots, "[route:r]\nfrontend = term\nbackend = card\nspeed = fast\n", NULL);
	g_autofree gchar *t8 = g_strconcat(slots,
					   "[route:r]\nfrontend = term\nbackend = card\n"
					   "[route:s]\nfrontend = term\nbackend = card\n",
					   NULL);
	g_autofree gchar *t9 = g_strconcat(
		slots, "[route:r]\nfrontend = term\nbackend = card\nreset = sometimes\n", NULL);
	g_autofree gchar *t10 = g_strconcat(
		slots, "[route:r]\nfrontend = term\nbackend = card\noffer-card = later\n", NULL);
	EXPECT(t1, "[route:r] frontend", "missing");
	EXPECT(t2, "[route:r] frontend", "no frontend slot named 't'", "frontend slots: term");
	EXPECT(t3, "[route:r] backend", "no backend slot named 'c'");
	EXPECT(t4, "[route:r] on-backend-loss", "'panic' is not one of: error, remove-card, hold");
	EXPECT(t5, "[route:r] error-sw", "1 bytes, expected 2");
	EXPECT(t6, "[route:r] timeout", "out of range");
	EXPECT(t7, "[route:r] speed", "unknown key");
	EXPECT(t8, "[route:s] frontend", "already routed by 'r'");
	EXPECT(t9, "[route:r] reset", "not one of: forward, ignore");
	EXPECT(t10, "[route:r] offer-card", "not one of: present, always");
}

static void
test_host_port(void)
{
	g_autofree gchar *host = NULL;
	guint16 port = 0;
	g_autoptr(GError) error = NULL;
	g_assert_true(cr_parse_host_port("127.0.0.1:4729", NULL, 0, &host, &port, NULL));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 4729);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_parse_host_port("[::1]:9997", NULL, 0, &host, &port, NULL));
	g_assert_cmpstr(host, ==, "::1");
	g_assert_cmpuint(port, ==, 9997);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_parse_host_port("::1", NULL, 4729, &host, &port, NULL));
	g_assert_cmpstr(host, ==, "::1");
	g_assert_cmpuint(port, ==, 4729);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_parse_host_port("localhost", NULL, 4729, &host, &port, NULL));
	g_assert_cmpuint(port, ==, 4729);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_parse_host_port(":9999", "127.0.0.1", 0, &host, &port, NULL));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_clear_pointer(&host, g_free);
	g_assert_false(cr_parse_host_port("host:70000", NULL, 0, &host, &port, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(cr_parse_host_port("[::1", NULL, 1, &host, &port, &error));
	g_clear_error(&error);
	g_assert_false(cr_parse_host_port("", NULL, 1, &host, &port, &error));
}

/* Listeners take port 0 (any free port) and, where allowed, an empty value (off); an
 * address to connect to still refuses port 0. */
static void
test_listen_address(void)
{
	g_autofree gchar *path = write_ini("[router]\n"
					   "any = 127.0.0.1:0\n"
					   "any6 = [::1]:0\n"
					   "bare = :0\n"
					   "fixed = 0.0.0.0:4001\n"
					   "hostonly = ::1\n"
					   "off =\n"
					   "big = 127.0.0.1:65536\n");
	g_autoptr(CrRouter) router = cr_router_new();
	CrConfigSection *section;
	g_autofree gchar *host = NULL;
	guint16 port = 1;
	g_autoptr(GError) error = NULL;

	g_assert_true(cr_router_load_config(router, path, NULL));
	section = cr_router_get_router_section(router);
	g_assert_true(cr_config_section_get_listen_address(section, "any", "127.0.0.1", 9, TRUE,
							   &host, &port, NULL));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 0);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_config_section_get_listen_address(section, "any6", "127.0.0.1", 9, TRUE,
							   &host, &port, NULL));
	g_assert_cmpstr(host, ==, "::1");
	g_assert_cmpuint(port, ==, 0);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_config_section_get_listen_address(section, "bare", "127.0.0.1", 9, TRUE,
							   &host, &port, NULL));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 0);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_config_section_get_listen_address(section, "fixed", "127.0.0.1", 9, TRUE,
							   &host, &port, NULL));
	g_assert_cmpstr(host, ==, "0.0.0.0");
	g_assert_cmpuint(port, ==, 4001);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_config_section_get_listen_address(section, "hostonly", "127.0.0.1", 9,
							   TRUE, &host, &port, NULL));
	g_assert_cmpstr(host, ==, "::1");
	g_assert_cmpuint(port, ==, 9);
	g_clear_pointer(&host, g_free);
	g_assert_true(cr_config_section_get_listen_address(section, "absent", "127.0.0.1", 9,
							   TRUE, &host, &port, NULL));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 9);
	g_clear_pointer(&host, g_free);
	/* empty: off where the caller allows it, an error where it does not */
	g_assert_true(cr_config_section_get_listen_address(section, "off", "127.0.0.1", 9, TRUE,
							   &host, &port, NULL));
	g_assert_null(host);
	g_assert_false(cr_config_section_get_listen_address(section, "off", "127.0.0.1", 9, FALSE,
							    &host, &port, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "[router] off: empty address"));
	g_clear_error(&error);
	g_clear_pointer(&host, g_free);
	/* no port and no default port */
	g_assert_false(cr_config_section_get_listen_address(section, "hostonly", "127.0.0.1", 0,
							    FALSE, &host, &port, &error));
	g_assert_nonnull(strstr(error->message, "'::1': no port"));
	g_clear_error(&error);
	g_clear_pointer(&host, g_free);
	g_assert_false(cr_config_section_get_listen_address(section, "big", "127.0.0.1", 9, TRUE,
							    &host, &port, &error));
	g_assert_nonnull(strstr(error->message, "port must be 1..65535"));
	g_clear_error(&error);
	g_clear_pointer(&host, g_free);
	/* the same value as a peer's address: port 0 is refused */
	g_assert_false(cr_config_section_get_host_port(section, "any", "127.0.0.1", 9, &host,
						       &port, &error));
	g_assert_nonnull(strstr(error->message, "port must be 1..65535"));
	g_clear_error(&error);
	g_clear_pointer(&host, g_free);
	g_assert_false(cr_parse_host_port("127.0.0.1:0", NULL, 1, &host, &port, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
}

static void
test_error_convert(void)
{
	g_autoptr(GError) e = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "slow");
	cr_error_convert(&e);
	g_assert_error(e, CR_ERROR, CR_ERROR_TIMEOUT);
	g_assert_cmpstr(e->message, ==, "slow");
	g_assert_cmpstr(cr_error_code_to_string(CR_ERROR_NO_ROUTE), ==, "no-route");
}

int
main(int argc, char **argv)
{
	gint rc;
	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("cr-config-XXXXXX", NULL);
	g_test_add_func("/config/good", test_good);
	g_test_add_func("/config/file-errors", test_file_errors);
	g_test_add_func("/config/comments", test_comments);
	g_test_add_func("/config/duplicates", test_duplicates);
	g_test_add_func("/config/all-problems", test_all_problems);
	g_test_add_func("/config/section-errors", test_section_errors);
	g_test_add_func("/config/plugin-errors", test_plugin_errors);
	g_test_add_func("/config/key-errors", test_key_errors);
	g_test_add_func("/config/route-errors", test_route_errors);
	g_test_add_func("/config/host-port", test_host_port);
	g_test_add_func("/config/listen-address", test_listen_address);
	g_test_add_func("/config/error-convert", test_error_convert);
	rc = g_test_run();
	{
		g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
		const gchar *e;
		while (d != NULL && (e = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *p = g_build_filename(tmpdir, e, NULL);
			g_unlink(p);
		}
		g_rmdir(tmpdir);
	}
	return rc;
}
