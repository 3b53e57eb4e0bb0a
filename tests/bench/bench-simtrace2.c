// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "simtrace2": the firmware simulator's phone plays a script (many
 * times over) through the whole SIMtrace2 path: simulated phone -> firmware
 * core -> socket -> frontend-simtrace2 -> core -> backend-vcard. Against it,
 * in the same run, the same commands through the core alone (a synthetic
 * frontend slot in process to another vcard card).
 *
 * The simulator path's figure is the phone's TPDU cycle: the time between
 * the completions of two successive transactions (ISO 7816 line time is
 * virtual, so this is the host-side cost: socket, firmware core, protocol,
 * core, card).
 */
#include <signal.h>
#include <string.h>
#include <sys/types.h>

#include <glib/gstdio.h>

#include "bench.h"

typedef struct {
	GPtrArray *commands; /* GBytes, in order */
	GArray *done_us;     /* gint64 per transaction (monotonic) */
	guint64 errors;
	gboolean child_done;
	gint child_status;
} SimRun;

static void
on_event(const CrEvent *ev, gpointer user_data)
{
	SimRun *run = user_data;
	const guint8 *cmd;
	gsize len;
	gint64 t;

	if (ev->type != CR_EVENT_TRANSACTION || ev->frontend == NULL ||
	    g_strcmp0(cr_frontend_slot_get_name(ev->frontend), "phone") != 0)
		return;
	cmd = cr_transaction_get_command(ev->transaction, &len);
	g_ptr_array_add(run->commands, g_bytes_new(cmd, len));
	t = cr_transaction_get_done_time(ev->transaction);
	g_array_append_val(run->done_us, t);
	run->errors += cr_transaction_get_error(ev->transaction) != NULL;
}

static void
child_exited(GPid pid, gint status, gpointer user_data)
{
	SimRun *run = user_data;

	run->child_done = TRUE;
	run->child_status = status;
	g_spawn_close_pid(pid);
}

static void
replay_core(BenchFrontend *fe, GPtrArray *commands, BenchSeries *s)
{
	for (guint i = 0; i < commands->len; i++) {
		gsize len;
		const guint8 *data = g_bytes_get_data(commands->pdata[i], &len);
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

gint
bench_simtrace2(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 20000};
	g_autofree gchar *script = NULL;
	g_autofree gchar *st2_sim = NULL;
	g_autofree gchar *tmp = NULL;
	g_autofree gchar *sock = NULL;
	g_autofree gchar *ini = NULL;
	g_autofree gchar *repeat_arg = NULL;
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GError) error = NULL;
	SimRun run = {0};
	BenchSeries sim, core;
	BenchFrontend *fe;
	GPid pid;
	guint steps = 0;
	gint64 start_us;
	gdouble span_s, sim_tps;
	GOptionEntry extra[] = {
	        {"script", 0, 0, G_OPTION_ARG_STRING, &script, "st2-sim phone script (default gsm)",
	         "NAME"},
	        {"st2-sim", 0, 0, G_OPTION_ARG_FILENAME, &st2_sim, "the st2-sim program", "PATH"},
	        {NULL},
	};

	if (!bench_parse_options(&argc, &argv, "simtrace2", extra, &opts))
		return 2;
	if (script == NULL)
		script = g_strdup("gsm");
	if (st2_sim == NULL) {
		/* BUILD/plugins:... -> BUILD/firmware/sim/st2-sim */
		g_auto(GStrv) dirs = g_strsplit(BENCH_PLUGIN_DIR, ":", 2);
		g_autofree gchar *build = g_path_get_dirname(dirs[0]);

		st2_sim = g_build_filename(build, "firmware", "sim", "st2-sim", NULL);
	}
	if (g_str_equal(script, "gsm"))
		steps = 12;
	else if (g_str_equal(script, "usim"))
		steps = 11;
	else
		steps = 10;
	tmp = g_dir_make_tmp("cardroute-bench-XXXXXX", &error);
	if (tmp == NULL) {
		g_printerr("cardroute-bench simtrace2: %s\n", error->message);
		return 1;
	}
	sock = g_build_filename(tmp, "st2.sock", NULL);
	ini = g_strdup_printf("[router]\n"
	                      "[backend:card]\nplugin = vcard\nprofile = %s\n"
	                      "[backend:card2]\nplugin = vcard\nprofile = %s\n"
	                      "[frontend:phone]\nplugin = simtrace2\ndevice = sim:%s\n"
	                      "[route:r1]\nfrontend = phone\nbackend = card\n",
	                      BENCH_VCARD_PROFILE, BENCH_VCARD_PROFILE, sock);
	router = bench_router_from_ini(ini, opts.plugin_dir, &error);
	fe = router != NULL ? bench_frontend_add(router, "bench", &error) : NULL;
	if (fe == NULL || !cr_router_start(router, &error) ||
	    cr_router_add_route(router, "bench", "bench", "card2", NULL, &error) == NULL) {
		g_printerr("cardroute-bench simtrace2: %s\n", error->message);
		return 1;
	}
	run.commands = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	run.done_us = g_array_new(FALSE, FALSE, sizeof(gint64));
	cr_router_add_event_hook(router, on_event, &run, NULL);
	repeat_arg = g_strdup_printf("%" G_GINT64_FORMAT, MAX(1, opts.transactions / steps));
	{
		const gchar *args[] = {st2_sim,     "--socket", sock,       "--script",
		                       script,      "--repeat", repeat_arg, "--quiet",
		                       "--timeout", "600",      NULL};

		if (!g_spawn_async(NULL, (gchar **)args, NULL,
		                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
		                   NULL, &pid, &error)) {
			g_printerr("cardroute-bench simtrace2: %s\n", error->message);
			return 1;
		}
	}
	g_child_watch_add(pid, child_exited, &run);
	start_us = g_get_monotonic_time();
	while (!run.child_done)
		g_main_context_iteration(NULL, TRUE);
	if (!g_spawn_check_wait_status(run.child_status, &error) || run.done_us->len < 2) {
		g_printerr("cardroute-bench simtrace2: st2-sim failed (%s), %u transactions\n",
		           error != NULL ? error->message : "too few transactions",
		           run.done_us->len);
		return 1;
	}
	bench_series_init(&sim, run.done_us->len);
	for (guint i = 1; i < run.done_us->len; i++) {
		guint64 ns = (guint64)(g_array_index(run.done_us, gint64, i) -
		                       g_array_index(run.done_us, gint64, i - 1)) *
		             1000;

		bench_series_add(&sim, ns);
		sim.total_ns += ns;
	}
	sim.errors = run.errors;
	span_s = (gdouble)(g_array_index(run.done_us, gint64, run.done_us->len - 1) -
	                   g_array_index(run.done_us, gint64, 0)) /
	         1e6;
	sim_tps = (run.done_us->len - 1) / span_s;

	bench_series_init(&core, run.commands->len);
	replay_core(fe, run.commands, &core);

	g_print("scenario simtrace2: st2-sim script %s x%s, %u transactions, %.2f s wall "
	        "(%.2f s from the first to the last answer)\n",
	        script, repeat_arg, run.done_us->len,
	        (gdouble)(g_get_monotonic_time() - start_us) / 1e6, span_s);
	bench_series_print(&sim, "simulator path (TPDU cycle)");
	bench_series_print(&core, "same commands, core only");
	{
		gdouble p50 = bench_series_percentile_us(&sim, 0.5);
		gdouble p99 = bench_series_percentile_us(&sim, 0.99);
		gdouble cp50 = bench_series_percentile_us(&core, 0.5);
		gdouble cp99 = bench_series_percentile_us(&core, 0.99);

		g_print("simulator path: %.0f transactions/s; core alone: %.0f transactions/s\n",
		        sim_tps, bench_series_tps(&core));
		if (opts.json)
			g_print("{\"scenario\": \"simtrace2\", \"transactions\": %u, \"tps\": "
			        "%.0f, "
			        "\"p50_us\": %.3f, \"p99_us\": %.3f, \"core_tps\": %.0f, "
			        "\"core_p50_us\": %.3f, \"core_p99_us\": %.3f, \"errors\": "
			        "%" G_GUINT64_FORMAT "}\n",
			        run.done_us->len, sim_tps, p50, p99, bench_series_tps(&core), cp50,
			        cp99, sim.errors + core.errors);
	}
	bench_router_shutdown(router);
	bench_series_clear(&sim);
	bench_series_clear(&core);
	bench_options_clear(&opts);
	g_ptr_array_unref(run.commands);
	g_array_unref(run.done_us);
	g_rmdir(tmp);
	return 0;
}
