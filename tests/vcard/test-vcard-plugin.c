// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vcard plugin module loaded by the core from an INI file, routed to an
 * in-process test frontend: ATR, commands through the core, the knobs
 * (latency-ms, fail-after, fail-mode, remove-after, reinsert-after-ms,
 * present, insert-after-ms, slots), resets, and configuration errors.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-slots.h"
#include "vcard-test.h"

static gchar *tmpdir;

typedef struct {
	CrRouter *router;
	TestFrontend *fe;
} Rig;

static const guint8 default_atr[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31,
                                     0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20,
                                     0x4E, 0x83, 0x00, 0x90, 0x00, 0x93};

static gchar *
write_file(const gchar *name, const gchar *text)
{
	gchar *path = g_build_filename(tmpdir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* Loads [backend:card] with @keys (and the default profile), routes it to a
 * test frontend "fe" and starts everything. */
static void
rig_start(Rig *rig, const gchar *keys)
{
	g_autofree gchar *ini = g_strdup_printf("[backend:card]\nplugin = vcard\nprofile = %s\n%s",
	                                        VCARD_DEFAULT_PROFILE, keys);
	g_autofree gchar *path = write_file("rig.ini", ini);
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(GError) error = NULL;
	CrRoutePolicy policy = CR_ROUTE_POLICY_INIT;
	CrBackendSlot *backend;

	rig->router = cr_router_new();
	cr_router_set_plugin_dir(rig->router, BUILD_PLUGIN_DIR);
	g_assert_true(cr_router_load_config(rig->router, path, &error));
	g_assert_no_error(error);
	rig->fe = test_frontend_new("fe");
	g_assert_true(cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(rig->fe),
	                                            &error));
	g_assert_true(cr_router_add_instance(rig->router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_FRONTEND, &error));
	g_assert_no_error(error);
	backend = cr_router_lookup_backend(rig->router, "card");
	if (backend == NULL)
		backend = cr_router_lookup_backend(rig->router, "card.0");
	g_assert_nonnull(backend);
	g_assert_nonnull(cr_router_add_route(rig->router, "r", "fe",
	                                     cr_backend_slot_get_name(backend), &policy, &error));
	g_assert_no_error(error);
	g_assert_true(cr_router_start(rig->router, &error));
	g_assert_no_error(error);
}

static void
rig_stop(Rig *rig)
{
	g_object_unref(rig->fe);
	g_object_unref(rig->router);
}

static CrBackendSlot *
rig_backend(Rig *rig)
{
	return cr_route_get_backend(cr_router_lookup_route(rig->router, "r"));
}

/* Runs the main loop until @cond holds (at most 5 s: a hang fails). */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		gint64 deadline_ = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;                    \
		while (!(cond)) {                                                                  \
			g_assert_cmpint(g_get_monotonic_time(), <, deadline_);                     \
			g_main_context_iteration(NULL, TRUE);                                      \
		}                                                                                  \
	} while (0)

static gboolean
wake_up(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

/* Submits @cmd_hex and waits for its outcome; checks the response (unless
 * NULL) and the error: none when @code is 0, else one with @code (the route's
 * error policy answers a status word and records the error). */
static void
rig_transact(Rig *rig, const gchar *cmd_hex, const gchar *want_hex, gint code)
{
	guint8 cmd[300];
	gssize len = vcard_parse_hex(cmd_hex, cmd, sizeof(cmd));
	guint before = rig->fe->done_count;

	cr_frontend_slot_submit(CR_FRONTEND_SLOT(rig->fe), cmd, len);
	WAIT_FOR(rig->fe->done_count > before);
	if (code == 0)
		g_assert_no_error(rig->fe->last_error);
	else
		g_assert_error(rig->fe->last_error, CR_ERROR, code);
	if (want_hex != NULL) {
		guint8 want[300];
		gssize want_len = vcard_parse_hex(want_hex, want, sizeof(want));
		g_assert_nonnull(rig->fe->last_response);
		if ((gsize)want_len != rig->fe->last_response->len ||
		    memcmp(want, rig->fe->last_response->data, want_len) != 0) {
			g_autofree gchar *got = vcard_test_hex(rig->fe->last_response->data,
			                                       rig->fe->last_response->len);
			g_error("%s -> %s, want %s", cmd_hex, got, want_hex);
		}
	}
}

static void
test_basic(void)
{
	Rig rig;

	rig_start(&rig, "");
	g_assert_nonnull(rig.fe->card);
	g_assert_cmpmem(g_bytes_get_data(rig.fe->card, NULL), g_bytes_get_size(rig.fe->card),
	                default_atr, sizeof(default_atr));
	rig_transact(&rig, "00 A4 00 04 02 3F 00", "61 25", 0);
	rig_transact(&rig, "00 C0 00 00 03", "62 23 82 61 22", 0);
	rig_transact(&rig, "A0 A4 00 00 02 7F 20", "9F 16", 0);
	rig_transact(&rig, "A0 A4 00 00 02 6F 07", "9F 0F", 0);
	rig_transact(&rig, "A0 B0 00 00 09", "08 09 10 10 10 32 54 76 98 90 00", 0);
	rig_transact(&rig, "A0 88 00 00 10 23 55 3C BE 96 37 A8 9D 21 8A E6 4D AE 47 BF 35",
	             "9F 0C", 0);
	rig_transact(&rig, "A0 C0 00 00 0C", "46 F8 41 6A EA E4 BE 82 3A F9 A0 8B 90 00", 0);

	/* a reset from the terminal reaches the card: the MF is current again */
	rig_transact(&rig, "A0 A4 00 00 02 7F 20", "9F 16", 0);
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(rig.fe), CR_RESET_WARM);
	WAIT_FOR(rig.fe->card != NULL);
	rig_transact(&rig, "A0 F2 00 00 06", "00 00 00 00 3F 00 90 00", 0);
	/* power off keeps the card; the next reset brings it back */
	cr_frontend_slot_power_off(CR_FRONTEND_SLOT(rig.fe));
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(rig.fe), CR_RESET_COLD);
	WAIT_FOR(rig.fe->card != NULL);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_stop(&rig);
}

static void
test_latency(void)
{
	Rig rig;
	gint64 t0;
	guint before;

	rig_start(&rig, "latency-ms = 30\n");
	t0 = g_get_monotonic_time();
	rig_transact(&rig, "00 A4 00 04 02 3F 00", "61 25", 0);
	/* not a timing assertion on the machine's speed: the answer cannot
	 * come before the timer */
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 25000);

	/* removing the route cancels the transaction the card holds */
	before = rig.fe->done_count;
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(rig.fe),
	                        (const guint8 *)"\x00\xA4\x00\x0C\x02\x3F\x00", 7);
	g_assert_cmpuint(rig.fe->done_count, ==, before);
	g_assert_true(cr_router_remove_route(rig.router, "r", NULL));
	WAIT_FOR(rig.fe->done_count > before);
	g_assert_error(rig.fe->last_error, CR_ERROR, CR_ERROR_CANCELLED);
	/* the card's timer is gone: nothing completes later */
	{
		guint id = g_timeout_add(60, wake_up, NULL);
		t0 = g_get_monotonic_time();
		while (g_get_monotonic_time() - t0 < 80000)
			g_main_context_iteration(NULL, TRUE);
		g_source_remove(id);
	}
	g_assert_cmpuint(rig.fe->done_count, ==, before + 1);
	rig_stop(&rig);
}

static void
test_fail_after_mute(void)
{
	Rig rig;

	rig_start(&rig, "fail-after = 2\n");
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	/* the route's error policy answers 6F00 and records why */
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "6F 00", CR_ERROR_CARD);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", NULL, CR_ERROR_CARD);
	g_assert_nonnull(strstr(rig.fe->last_error->message, "mute"));
	g_assert_cmpint(cr_backend_slot_get_state(rig_backend(&rig)), ==, CR_SLOT_STATE_PRESENT);
	/* a reset brings it back, for two more */
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(rig.fe), CR_RESET_COLD);
	WAIT_FOR(rig.fe->card != NULL);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", NULL, CR_ERROR_CARD);
	rig_stop(&rig);
}

static void
test_fail_after_remove(void)
{
	Rig rig;

	rig_start(&rig, "fail-after = 1\nfail-mode = remove\nreinsert-after-ms = 20\n");
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "6F 00", CR_ERROR_NO_CARD);
	g_assert_cmpint(cr_backend_slot_get_state(rig_backend(&rig)), ==, CR_SLOT_STATE_EMPTY);
	/* (the route's `error` policy leaves the terminal's card in place) */
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "6F 00", CR_ERROR_NO_CARD);
	/* back after reinsert-after-ms, counting from zero */
	WAIT_FOR(cr_backend_slot_get_state(rig_backend(&rig)) == CR_SLOT_STATE_PRESENT);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_stop(&rig);
}

static void
test_remove_after(void)
{
	Rig rig;

	rig_start(&rig, "remove-after = 2\nreinsert-after-ms = 20\n");
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_transact(&rig, "00 A4 00 0C 02 7F 20", "90 00", 0);
	/* removed right after the second answer, from the main loop */
	WAIT_FOR(cr_backend_slot_get_state(rig_backend(&rig)) == CR_SLOT_STATE_EMPTY);
	WAIT_FOR(cr_backend_slot_get_state(rig_backend(&rig)) == CR_SLOT_STATE_PRESENT);
	/* reinserted cards start from the MF */
	rig_transact(&rig, "A0 F2 00 00 06", "00 00 00 00 3F 00 90 00", 0);
	rig_stop(&rig);
}

static void
test_insert_later(void)
{
	Rig rig;

	rig_start(&rig, "present = false\ninsert-after-ms = 20\n");
	g_assert_null(rig.fe->card);
	g_assert_cmpint(cr_backend_slot_get_state(rig_backend(&rig)), ==, CR_SLOT_STATE_EMPTY);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "6F 00", CR_ERROR_NO_CARD);
	WAIT_FOR(rig.fe->card != NULL);
	g_assert_cmpint(cr_backend_slot_get_state(rig_backend(&rig)), ==, CR_SLOT_STATE_PRESENT);
	rig_transact(&rig, "00 A4 00 0C 02 3F 00", "90 00", 0);
	rig_stop(&rig);
}

static gboolean direct_done_flag;

static void
direct_done(CrTransaction *tx, gpointer user_data)
{
	direct_done_flag = TRUE;
}

static void
test_slots_and_atr(void)
{
	Rig rig;
	CrBackendSlot *other;
	g_autoptr(CrTransaction) tx = NULL;
	static const guint8 status[] = {0x80, 0xF2, 0x00, 0x0C, 0x00};
	static const guint8 atr[] = {0x3B, 0x02, 0x14, 0x50};
	const guint8 *rsp;
	gsize len;

	rig_start(&rig, "slots = 3\natr = 3B 02 14 50\n");
	g_assert_nonnull(cr_router_lookup_backend(rig.router, "card.1"));
	g_assert_nonnull(cr_router_lookup_backend(rig.router, "card.2"));
	g_assert_null(cr_router_lookup_backend(rig.router, "card.3"));
	g_assert_cmpmem(g_bytes_get_data(rig.fe->card, NULL), g_bytes_get_size(rig.fe->card), atr,
	                sizeof(atr));
	/* an unrouted slot answers standalone transactions */
	other = cr_router_lookup_backend(rig.router, "card.2");
	g_assert_cmpint(cr_backend_slot_get_state(other), ==, CR_SLOT_STATE_PRESENT);
	tx = cr_transaction_new(status, sizeof(status), direct_done, NULL);
	cr_backend_slot_transmit(other, tx);
	WAIT_FOR(direct_done_flag);
	rsp = cr_transaction_get_response(tx, &len);
	g_assert_nonnull(rsp);
	g_assert_cmpmem(rsp, len, "\x90\x00", 2);
	rig_stop(&rig);
}

static void
expect_config_error(const gchar *ini, const gchar *needle1, const gchar *needle2)
{
	g_autofree gchar *path = write_file("bad.ini", ini);
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;

	cr_router_set_plugin_dir(router, BUILD_PLUGIN_DIR);
	g_assert_false(cr_router_load_config(router, path, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	g_test_message("%s", error->message);
	if (strstr(error->message, needle1) == NULL || strstr(error->message, needle2) == NULL)
		g_error("'%s' lacks '%s' or '%s'", error->message, needle1, needle2);
}

static void
test_config(void)
{
	g_autofree gchar *dir = g_build_filename(tmpdir, "profiles", NULL);
	g_autofree gchar *profile = NULL;
	g_autofree gchar *good = NULL;
	g_autofree gchar *bad = NULL;
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;

	/* a relative profile path is relative to the INI file */
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	profile = write_file("profiles/p.ini", "[file:2FE2]\ntype = transparent\ndata = 00\n");
	good = write_file("good.ini", "[backend:card]\nplugin = vcard\nprofile = profiles/p.ini\n");
	cr_router_set_plugin_dir(router, BUILD_PLUGIN_DIR);
	g_assert_true(cr_router_load_config(router, good, &error));
	g_assert_no_error(error);

	/* without a profile: the shipped test SIM */
	{
		g_autoptr(CrRouter) plain = cr_router_new();
		g_autofree gchar *ini = write_file("plain.ini", "[backend:card]\nplugin = vcard\n");
		g_autoptr(GVariant) desc = NULL;
		const gchar *used = NULL;
		cr_router_set_plugin_dir(plain, BUILD_PLUGIN_DIR);
		g_assert_true(cr_router_load_config(plain, ini, &error));
		g_assert_no_error(error);
		g_assert_nonnull(cr_router_lookup_backend(plain, "card"));
		desc = cr_instance_describe(cr_router_lookup_instance(plain, "card"));
		g_assert_true(g_variant_lookup(desc, "profile", "&s", &used));
		g_assert_true(g_str_has_suffix(used, "vcard/default.ini"));
	}
	expect_config_error("[backend:card]\nplugin = vcard\nprofile = nope.ini\n",
	                    "[backend:card] profile", "nope.ini");
	bad = write_file("profiles/bad.ini", "[file:2FE2]\ntype = transparent\n");
	expect_config_error("[backend:card]\nplugin = vcard\nprofile = profiles/bad.ini\n",
	                    "[backend:card] profile", "[file:2FE2] size");
	g_free(bad);
	bad = g_strdup_printf("[backend:card]\nplugin = vcard\nprofile = %s\natr = 3B 80 01 80\n",
	                      profile);
	expect_config_error(bad, "[backend:card] atr", "wrong TCK");
	g_free(bad);
	bad = g_strdup_printf("[backend:card]\nplugin = vcard\nprofile = %s\nfail-mode = explode\n",
	                      profile);
	expect_config_error(bad, "[backend:card] fail-mode", "explode");
	g_free(bad);
	bad = g_strdup_printf("[backend:card]\nplugin = vcard\nprofile = %s\nlatency = 3\n",
	                      profile);
	expect_config_error(bad, "[backend:card] latency", "unknown key");
	g_free(bad);
	bad = g_strdup_printf("[backend:card]\nplugin = vcard\nprofile = %s\nslots = 0\n", profile);
	expect_config_error(bad, "[backend:card] slots", "");
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("vcard-plugin-XXXXXX", NULL);
	g_assert_nonnull(tmpdir);
	g_test_add_func("/vcard/plugin/basic", test_basic);
	g_test_add_func("/vcard/plugin/latency", test_latency);
	g_test_add_func("/vcard/plugin/fail-after-mute", test_fail_after_mute);
	g_test_add_func("/vcard/plugin/fail-after-remove", test_fail_after_remove);
	g_test_add_func("/vcard/plugin/remove-after", test_remove_after);
	g_test_add_func("/vcard/plugin/insert-later", test_insert_later);
	g_test_add_func("/vcard/plugin/slots-and-atr", test_slots_and_atr);
	g_test_add_func("/vcard/plugin/config", test_config);
	ret = g_test_run();
	{
		const gchar *argv_rm[] = {"rm", "-rf", tmpdir, NULL};
		g_spawn_sync(NULL, (gchar **)argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
		             NULL, NULL, NULL);
	}
	g_free(tmpdir);
	return ret;
}
