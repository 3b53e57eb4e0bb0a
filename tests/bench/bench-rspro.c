// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "rspro": a frontend slot routed to backend-remote, which talks
 * RSPRO over loopback TCP to a scripted remsim-server and bankd (in this
 * process, tests/remote/fake-remsim.c); the bankd answers from a virtual card
 * (the backend-vcard engine). Against the in-process figure of the same run:
 * a frontend slot routed to backend-vcard directly (alternating rounds). The
 * scripted peers run on a thread of their own, so the main thread's CPU time
 * during the RSPRO rounds is the client side's cost (cpu_us_per_apdu).
 */
#include "bench.h"
#include "fake-remsim.h"
#include "vcard-card.h"

static gboolean
card_answer(const guint8 *tpdu, gsize len, GByteArray *resp, gpointer user_data)
{
	guint8 out[VCARD_RESPONSE_MAX];
	gsize n = vcard_card_process(user_data, tpdu, len, out);

	g_byte_array_append(resp, out, (guint)n);
	return TRUE;
}

static GBytes *
unhex(const gchar *hex)
{
	GByteArray *b = g_byte_array_new();

	for (const gchar *p = hex; p[0] != '\0' && p[1] != '\0'; p += 2) {
		guint8 v = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));

		g_byte_array_append(b, &v, 1);
	}
	return g_byte_array_free_to_bytes(b);
}

/* The scripted server and bankd, on a thread of their own with their own main
 * context, so the main thread's CPU time is the client side alone. */
typedef struct {
	VcardCard *card;
	GMainContext *context;
	FakeRemsim *fake;
	guint16 server_port;
	gint ready;
	gint stop;
} BenchPeers;

static gpointer
peers_thread(gpointer data)
{
	BenchPeers *peers = data;

	g_main_context_push_thread_default(peers->context);
	peers->fake = fake_remsim_new();
	peers->fake->answer = card_answer;
	peers->fake->answer_data = peers->card;
	peers->server_port = peers->fake->server_port;
	g_atomic_int_set(&peers->ready, 1);
	while (!g_atomic_int_get(&peers->stop))
		g_main_context_iteration(peers->context, TRUE);
	fake_remsim_free(peers->fake);
	while (g_main_context_iteration(peers->context, FALSE))
		;
	g_main_context_pop_thread_default(peers->context);
	return NULL;
}

static void
peers_stop(BenchPeers *peers, GThread *thread)
{
	g_atomic_int_set(&peers->stop, 1);
	g_main_context_wakeup(peers->context);
	g_thread_join(thread);
	g_main_context_unref(peers->context);
}

static void
run(BenchFrontend *fe, GBytes *cmd, gint64 n, BenchSeries *s)
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

static gboolean
wait_present(CrFrontendSlot *a, CrFrontendSlot *b)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	while (cr_frontend_slot_get_atr(a) == NULL || cr_frontend_slot_get_atr(b) == NULL) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_main_context_iteration(NULL, TRUE);
	}
	return TRUE;
}

gint
bench_rspro(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 20000};
	g_autofree gchar *apdu = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardProfile) profile = NULL;
	g_autoptr(VcardCard) card = NULL;
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GBytes) cmd = NULL;
	g_autoptr(GBytes) setup = NULL;
	g_autofree gchar *ini = NULL;
	BenchPeers peers = {0};
	GThread *thread;
	guint64 cpu_remote = 0;
	BenchFrontend *fe_remote, *fe_core;
	BenchSeries remote, core, scratch;
	const gint rounds = 4;
	GOptionEntry extra[] = {
	        {"apdu", 0, 0, G_OPTION_ARG_STRING, &apdu, "Measured command (hex)", "HEX"},
	        {NULL},
	};

	if (!bench_parse_options(&argc, &argv, "rspro", extra, &opts))
		return 2;
	if (apdu == NULL)
		apdu = g_strdup("00B000000A");
	profile = vcard_profile_load_file(BENCH_VCARD_PROFILE, &error);
	if (profile == NULL) {
		g_printerr("cardroute-bench rspro: %s\n", error->message);
		return 1;
	}
	card = vcard_card_new(profile);
	peers.card = card;
	peers.context = g_main_context_new();
	thread = g_thread_new("bench-remsim", peers_thread, &peers);
	while (!g_atomic_int_get(&peers.ready))
		g_usleep(1000);
	ini = g_strdup_printf("[backend:remote]\nplugin = remote\nserver = 127.0.0.1:%u\n"
	                      "client-id = 1\nclient-slot = 0\n"
	                      "[backend:card]\nplugin = vcard\nprofile = %s\n",
	                      peers.server_port, BENCH_VCARD_PROFILE);
	router = bench_router_from_ini(ini, opts.plugin_dir, &error);
	if (router == NULL ||
	    (fe_remote = bench_frontend_add(router, "fe-remote", &error)) == NULL ||
	    (fe_core = bench_frontend_add(router, "fe-core", &error)) == NULL ||
	    !cr_router_start(router, &error) ||
	    cr_router_add_route(router, "remote", "fe-remote", "remote", NULL, &error) == NULL ||
	    cr_router_add_route(router, "core", "fe-core", "card", NULL, &error) == NULL) {
		g_printerr("cardroute-bench rspro: %s\n", error->message);
		peers_stop(&peers, thread);
		return 1;
	}
	if (!wait_present(CR_FRONTEND_SLOT(fe_remote), CR_FRONTEND_SLOT(fe_core))) {
		g_printerr("cardroute-bench rspro: the remote card did not come up\n");
		peers_stop(&peers, thread);
		return 1;
	}
	cmd = unhex(apdu);
	setup = unhex("00A40004022FE2");
	bench_series_init(&remote, (guint)opts.transactions);
	bench_series_init(&core, (guint)opts.transactions);
	bench_series_init(&scratch, 2002);
	/* select EF.ICCID on both cards, then warm up (not counted) */
	run(fe_remote, setup, 1, &scratch);
	run(fe_core, setup, 1, &scratch);
	run(fe_remote, cmd, 1000, &scratch);
	run(fe_core, cmd, 1000, &scratch);
	for (gint r = 0; r < rounds; r++) {
		gint64 n = opts.transactions / rounds + (r < opts.transactions % rounds ? 1 : 0);

		guint64 cpu0;

		run(fe_core, cmd, n, &core);
		cpu0 = bench_cpu_us_thread();
		run(fe_remote, cmd, n, &remote);
		cpu_remote += bench_cpu_us_thread() - cpu0;
	}
	g_print("scenario rspro: command %s, %" G_GINT64_FORMAT
	        " transactions per path, %d alternating rounds; RSPRO over 127.0.0.1 TCP to an "
	        "in-process bankd answering from backend-vcard's engine\n",
	        apdu, opts.transactions, rounds);
	bench_series_print(&core, "in-process core (vcard)");
	bench_series_print(&remote, "backend-remote (RSPRO)");
	{
		gdouble p50 = bench_series_percentile_us(&remote, 0.5);
		gdouble p99 = bench_series_percentile_us(&remote, 0.99);
		gdouble cp50 = bench_series_percentile_us(&core, 0.5);
		gdouble cp99 = bench_series_percentile_us(&core, 0.99);

		gdouble cpu_us = (gdouble)cpu_remote / MAX(remote.ns->len, 1);

		g_print("RSPRO added latency: p50 %.2f us, p99 %.2f us; throughput ratio %.3f\n",
		        p50 - cp50, p99 - cp99,
		        bench_series_tps(&remote) / bench_series_tps(&core));
		g_print("client side CPU per APDU over RSPRO (core + backend-remote, the main "
		        "thread, getrusage): %.2f us\n",
		        cpu_us);
		if (opts.json)
			g_print("{\"scenario\": \"rspro\", \"transactions\": %" G_GINT64_FORMAT
			        ", \"tps\": %.0f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
			        "\"cpu_us_per_apdu\": %.2f, "
			        "\"core_tps\": %.0f, \"core_p50_us\": %.3f, \"core_p99_us\": %.3f, "
			        "\"errors\": %" G_GUINT64_FORMAT "}\n",
			        opts.transactions, bench_series_tps(&remote), p50, p99, cpu_us,
			        bench_series_tps(&core), cp50, cp99, remote.errors + core.errors);
	}
	bench_router_shutdown(router);
	g_clear_object(&router);
	peers_stop(&peers, thread);
	bench_series_clear(&remote);
	bench_series_clear(&core);
	bench_series_clear(&scratch);
	bench_options_clear(&opts);
	return remote.errors + core.errors > 0 ? 1 : 0;
}
