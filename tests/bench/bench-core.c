// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "core": a synthetic frontend slot routed in process to a
 * backend-vcard card, against the same card called directly without the core,
 * in the same run (alternating rounds, so both see the same machine).
 */
#include "bench.h"

typedef struct {
	gboolean done;
	gboolean failed;
} DirectState;

static void
direct_done(CrTransaction *tx, gpointer user_data)
{
	DirectState *st = user_data;
	st->done = TRUE;
	st->failed = cr_transaction_get_error(tx) != NULL;
}

static void
run_core(BenchFrontend *fe, GBytes *cmd, gint64 n, BenchSeries *s)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(cmd, &len);
	for (gint64 i = 0; i < n; i++) {
		guint64 t0 = bench_now_ns(), t1;
		fe->done = FALSE;
		cr_frontend_slot_submit(CR_FRONTEND_SLOT(fe), data, len);
		while (!fe->done)
			g_main_context_iteration(NULL, TRUE);
		t1 = bench_now_ns();
		bench_series_add(s, t1 - t0);
		s->total_ns += t1 - t0;
		s->errors += fe->failed;
	}
}

static void
run_direct(CrBackendSlot *backend, GBytes *cmd, gint64 n, BenchSeries *s)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(cmd, &len);
	DirectState st = {0};
	g_autoptr(CrTransaction) tx = cr_transaction_new(data, len, direct_done, &st);
	for (gint64 i = 0; i < n; i++) {
		guint64 t0 = bench_now_ns(), t1;
		st.done = FALSE;
		cr_transaction_reset(tx, data, len);
		cr_backend_slot_transmit(backend, tx);
		while (!st.done)
			g_main_context_iteration(NULL, TRUE);
		t1 = bench_now_ns();
		bench_series_add(s, t1 - t0);
		s->total_ns += t1 - t0;
		s->errors += st.failed;
	}
}

gint
bench_core(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 1000000};
	g_autofree gchar *backend_plugin = NULL;
	g_autofree gchar *profile = NULL;
	g_autofree gchar *apdu = NULL;
	g_autofree gchar *setup = NULL;
	g_auto(GStrv) taps = NULL;
	g_autoptr(GString) ini = g_string_new("[router]\n");
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cmd = NULL;
	g_autoptr(GBytes) setup_cmd = NULL;
	BenchFrontend *fe;
	CrBackendSlot *direct;
	BenchSeries core, dir;
	const gint rounds = 4;
	GOptionEntry extra[] = {
		{"backend", 0, 0, G_OPTION_ARG_STRING, &backend_plugin,
		 "Backend plugin (default vcard)", "PLUGIN"},
		{"profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, "vcard profile", "FILE"},
		{"apdu", 0, 0, G_OPTION_ARG_STRING, &apdu, "Measured command (hex)", "HEX"},
		{"setup", 0, 0, G_OPTION_ARG_STRING, &setup,
		 "Command sent once before measuring (hex, empty for none)", "HEX"},
		{"tap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &taps,
		 "Add a tap: PLUGIN[:key=value,...] (repeatable)", "TAP"},
		{NULL},
	};

	if (!bench_parse_options(&argc, &argv, "core", extra, &opts))
		return 2;
	if (backend_plugin == NULL)
		backend_plugin = g_strdup("vcard");
	if (profile == NULL)
		profile = g_strdup(BENCH_VCARD_PROFILE);
	if (apdu == NULL)
		apdu = g_strdup("00B000000A");
	if (setup == NULL)
		setup = g_strdup("00A40004022FE2");
	g_string_append_printf(ini, "[backend:card]\nplugin = %s\n", backend_plugin);
	if (g_strcmp0(backend_plugin, "vcard") == 0)
		g_string_append_printf(ini, "profile = %s\n", profile);
	g_string_append_printf(ini, "[backend:direct]\nplugin = %s\n", backend_plugin);
	if (g_strcmp0(backend_plugin, "vcard") == 0)
		g_string_append_printf(ini, "profile = %s\n", profile);
	for (guint i = 0; taps != NULL && taps[i] != NULL; i++) {
		g_auto(GStrv) parts = g_strsplit(taps[i], ":", 2);
		g_string_append_printf(ini, "[tap:tap%u]\nplugin = %s\n", i, parts[0]);
		if (parts[1] != NULL) {
			g_auto(GStrv) kvs = g_strsplit(parts[1], ",", -1);
			for (guint k = 0; kvs[k] != NULL; k++)
				g_string_append_printf(ini, "%s\n", kvs[k]);
		}
	}
	router = bench_router_from_ini(ini->str, opts.plugin_dir, &error);
	if (router == NULL) {
		g_printerr("cardroute-bench core: %s\n", error->message);
		return 1;
	}
	fe = bench_frontend_add(router, "bench", &error);
	if (fe == NULL || !cr_router_start(router, &error) ||
	    cr_router_add_route(router, "bench", "bench", "card", NULL, &error) == NULL) {
		g_printerr("cardroute-bench core: %s\n", error->message);
		return 1;
	}
	direct = cr_router_lookup_backend(router, "direct");
	/* cards that report their ATR from the main loop */
	for (gint i = 0; i < 1000 && (cr_backend_slot_get_state(direct) != CR_SLOT_STATE_PRESENT ||
				      cr_frontend_slot_get_atr(CR_FRONTEND_SLOT(fe)) == NULL);
	     i++)
		g_main_context_iteration(NULL, TRUE);
	if (cr_backend_slot_get_state(direct) != CR_SLOT_STATE_PRESENT) {
		g_printerr("cardroute-bench core: the %s card is not present\n", backend_plugin);
		return 1;
	}
	cmd = bench_hex_arg(apdu, "--apdu");
	setup_cmd = bench_hex_arg(setup, "--setup");
	if (cmd == NULL || setup_cmd == NULL)
		return 2;
	bench_series_init(&core, (guint)opts.transactions);
	bench_series_init(&dir, (guint)opts.transactions);
	if (g_bytes_get_size(setup_cmd) > 0) {
		BenchSeries scratch;
		bench_series_init(&scratch, 1);
		run_core(fe, setup_cmd, 1, &scratch);
		run_direct(direct, setup_cmd, 1, &scratch);
		bench_series_clear(&scratch);
	}
	{
		/* warm-up, not counted */
		BenchSeries scratch;
		bench_series_init(&scratch, 2000);
		run_core(fe, cmd, 1000, &scratch);
		run_direct(direct, cmd, 1000, &scratch);
		bench_series_clear(&scratch);
	}
	for (gint r = 0; r < rounds; r++) {
		gint64 n = opts.transactions / rounds + (r < opts.transactions % rounds ? 1 : 0);
		run_direct(direct, cmd, n, &dir);
		run_core(fe, cmd, n, &core);
	}
	g_print("scenario core: %s backend, command %s, %" G_GINT64_FORMAT
		" transactions per path, %d alternating rounds\n",
		backend_plugin, apdu, opts.transactions, rounds);
	bench_series_print(&dir, "direct (no core)");
	bench_series_print(&core, "through the core");
	{
		gdouble p50 = bench_series_percentile_us(&core, 0.5);
		gdouble p99 = bench_series_percentile_us(&core, 0.99);
		gdouble dp50 = bench_series_percentile_us(&dir, 0.5);
		gdouble dp99 = bench_series_percentile_us(&dir, 0.99);
		g_print("core added latency: p50 %.2f us, p99 %.2f us; throughput ratio %.2f\n",
			p50 - dp50, p99 - dp99, bench_series_tps(&core) / bench_series_tps(&dir));
		if (opts.json)
			g_print("{\"scenario\": \"core\", \"transactions\": %" G_GINT64_FORMAT
				", \"tps\": %.0f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
				"\"direct_tps\": %.0f, \"direct_p50_us\": %.3f, \"direct_p99_us\": "
				"%.3f, \"overhead_p50_us\": %.3f, \"overhead_p99_us\": %.3f, "
				"\"errors\": %" G_GUINT64_FORMAT "}\n",
				opts.transactions, bench_series_tps(&core), p50, p99,
				bench_series_tps(&dir), dp50, dp99, p50 - dp50, p99 - dp99,
				core.errors + dir.errors);
	}
	bench_router_shutdown(router);
	bench_series_clear(&core);
	bench_series_clear(&dir);
	bench_options_clear(&opts);
	return core.errors + dir.errors > 0 ? 1 : 0;
}
