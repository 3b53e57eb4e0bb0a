// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "pcsc": a PC/SC client (a thread of this program, libpcsclite)
 * reads the virtual card through pcscd two ways in the same run, alternating
 * rounds:
 *   single: "PREFIX 00" = backend-vcard -> frontend-vpcd slot 0;
 *   loop:   "PREFIX 01" = backend-pcsc on "PREFIX 00" -> frontend-vpcd slot 1,
 *           so every command crosses pcscd twice.
 * The router runs in this process on the main thread. It needs a pcscd with
 * the vpcd driver: the system one (Debian: readers "Virtual PCD 00 00/01",
 * ports 35963/35964) or a private one (tests/pcsc/test-bench.py starts one).
 */
#include <string.h>
#include <winscard.h>

#include "bench.h"

typedef struct {
	gchar *readers[2]; /* single, loop */
	GBytes *cmd;
	GBytes *setup;
	gint64 transactions;
	gint rounds;
	BenchSeries series[2];
	gchar *error;
	gint done; /* atomic */
} PcscRun;

static gboolean
wait_card(SCARDCONTEXT ctx, const gchar *reader, gint64 limit_us)
{
	SCARD_READERSTATE st = {0};
	gint64 end = g_get_monotonic_time() + limit_us;
	st.szReader = reader;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	while (g_get_monotonic_time() < end) {
		LONG rv = SCardGetStatusChange(ctx, 500, &st, 1);
		if (rv == SCARD_S_SUCCESS && (st.dwEventState & SCARD_STATE_PRESENT) &&
		    !(st.dwEventState & SCARD_STATE_MUTE))
			return TRUE;
		if (rv == SCARD_S_SUCCESS)
			st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
		else if (rv != SCARD_E_TIMEOUT)
			g_usleep(100000);
	}
	return FALSE;
}

static gboolean
transmit(SCARDHANDLE card, DWORD proto, GBytes *cmd, guint8 *resp, DWORD *rlen)
{
	gsize len;
	const guint8 *c = g_bytes_get_data(cmd, &len);
	const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	LONG rv;
	*rlen = 512;
	rv = SCardTransmit(card, pci, c, (DWORD)len, NULL, resp, rlen);
	if (rv == SCARD_W_RESET_CARD) {
		/* backend-pcsc (shared) reset the card for the loop's terminal */
		DWORD active;
		if (SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
		                   SCARD_LEAVE_CARD, &active) != SCARD_S_SUCCESS)
			return FALSE;
		*rlen = 512;
		rv = SCardTransmit(card, pci, c, (DWORD)len, NULL, resp, rlen);
	}
	return rv == SCARD_S_SUCCESS && *rlen >= 2;
}

static void
measure(SCARDHANDLE card, DWORD proto, GBytes *cmd, gint64 n, BenchSeries *s)
{
	guint8 resp[512];
	for (gint64 i = 0; i < n; i++) {
		DWORD rlen;
		guint64 t0 = bench_now_ns(), t1;
		gboolean ok = transmit(card, proto, cmd, resp, &rlen);
		t1 = bench_now_ns();
		bench_series_add(s, t1 - t0);
		s->total_ns += t1 - t0;
		s->errors += !ok || resp[rlen - 2] != 0x90;
	}
}

static void
client_run(PcscRun *run, SCARDCONTEXT ctx)
{
	SCARDHANDLE card[2] = {0, 0};
	DWORD proto[2] = {0, 0};
	gboolean connected[2] = {FALSE, FALSE};
	LONG rv;

	for (gint i = 0; i < 2 && run->error == NULL; i++) {
		guint8 resp[512];
		DWORD rlen;
		BenchSeries scratch;
		if (!wait_card(ctx, run->readers[i], 20 * G_USEC_PER_SEC)) {
			run->error =
			        g_strdup_printf("no card in '%s' within 20 s", run->readers[i]);
			break;
		}
		rv = SCardConnect(ctx, run->readers[i], SCARD_SHARE_SHARED,
		                  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card[i], &proto[i]);
		if (rv != SCARD_S_SUCCESS) {
			run->error = g_strdup_printf("connect '%s': %s", run->readers[i],
			                             pcsc_stringify_error(rv));
			break;
		}
		connected[i] = TRUE;
		if (g_bytes_get_size(run->setup) > 0 &&
		    !transmit(card[i], proto[i], run->setup, resp, &rlen)) {
			run->error =
			        g_strdup_printf("setup command failed on '%s'", run->readers[i]);
			break;
		}
		/* warm-up, not counted */
		bench_series_init(&scratch, 200);
		measure(card[i], proto[i], run->cmd, 200, &scratch);
		bench_series_clear(&scratch);
	}
	for (gint r = 0; r < run->rounds && run->error == NULL; r++) {
		gint64 n = run->transactions / run->rounds +
		           (r < run->transactions % run->rounds ? 1 : 0);
		for (gint i = 0; i < 2; i++)
			measure(card[i], proto[i], run->cmd, n, &run->series[i]);
	}
	for (gint i = 0; i < 2; i++)
		if (connected[i])
			SCardDisconnect(card[i], SCARD_LEAVE_CARD);
}

static gpointer
client_thread(gpointer user_data)
{
	PcscRun *run = user_data;
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		run->error = g_strdup_printf("no pcscd: %s", pcsc_stringify_error(rv));
	} else {
		client_run(run, ctx);
		SCardReleaseContext(ctx);
	}
	g_atomic_int_set(&run->done, 1);
	g_main_context_wakeup(NULL);
	return NULL;
}

static void
shutdown_done(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

gint
bench_pcsc(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 20000};
	/* GOption does not free a default it replaces: defaults come after parsing */
	g_autofree gchar *profile = NULL;
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *apdu = NULL;
	g_autofree gchar *setup = NULL;
	g_autofree gchar *ini = NULL;
	gint port = 35963;
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GError) error = NULL;
	PcscRun run = {0};
	GThread *thread;
	gboolean stopped = FALSE;
	guint64 errors;
	GOptionEntry extra[] = {
	        {"port", 0, 0, G_OPTION_ARG_INT, &port, "vpcd base port (default 35963)", "N"},
	        {"reader-prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
	         "Reader names without the slot (default 'Virtual PCD 00 ')", "TEXT"},
	        {"profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, "vcard profile", "FILE"},
	        {"apdu", 0, 0, G_OPTION_ARG_STRING, &apdu, "Measured command (hex)", "HEX"},
	        {"setup", 0, 0, G_OPTION_ARG_STRING, &setup,
	         "Command sent once per reader before measuring (hex, empty for none)", "HEX"},
	        {NULL},
	};

	if (!bench_parse_options(&argc, &argv, "pcsc", extra, &opts))
		return 2;
	if (profile == NULL)
		profile = g_strdup(BENCH_VCARD_PROFILE);
	if (prefix == NULL)
		prefix = g_strdup("Virtual PCD 00 ");
	if (apdu == NULL)
		apdu = g_strdup("00B000000A");
	if (setup == NULL)
		setup = g_strdup("00A40004022FE2");
	ini = g_strdup_printf("[router]\n"
	                      "[backend:vcard0]\nplugin = vcard\nprofile = %s\n"
	                      "[frontend:vpcd0]\nplugin = vpcd\nport = %d\nslot = 0\n"
	                      "[backend:pcsc0]\nplugin = pcsc\nreader = ^%s00$\nshare = shared\n"
	                      "[frontend:vpcd1]\nplugin = vpcd\nport = %d\nslot = 1\n"
	                      "[route:single]\nfrontend = vpcd0\nbackend = vcard0\n"
	                      "[route:loop]\nfrontend = vpcd1\nbackend = pcsc0\n",
	                      profile, port, prefix, port);
	router = bench_router_from_ini(ini, opts.plugin_dir, &error);
	bench_options_clear(&opts);
	if (router == NULL || !cr_router_start(router, &error)) {
		g_printerr("cardroute-bench pcsc: %s\n", error->message);
		return 1;
	}
	run.readers[0] = g_strdup_printf("%s00", prefix);
	run.readers[1] = g_strdup_printf("%s01", prefix);
	run.cmd = bench_hex_arg(apdu, "--apdu");
	run.setup = bench_hex_arg(setup, "--setup");
	if (run.cmd == NULL || run.setup == NULL)
		return 2;
	run.transactions = MAX(opts.transactions, 1);
	run.rounds = 4;
	bench_series_init(&run.series[0], (guint)run.transactions);
	bench_series_init(&run.series[1], (guint)run.transactions);

	thread = g_thread_new("bench-pcsc-client", client_thread, &run);
	while (!g_atomic_int_get(&run.done))
		g_main_context_iteration(NULL, TRUE);
	g_thread_join(thread);
	cr_router_shutdown(router, 1000, G_CALLBACK(shutdown_done), &stopped);
	while (!stopped)
		g_main_context_iteration(NULL, TRUE);

	errors = run.series[0].errors + run.series[1].errors;
	if (run.error != NULL) {
		g_printerr("cardroute-bench pcsc: %s\n", run.error);
	} else {
		BenchSeries *single = &run.series[0], *loop = &run.series[1];
		gdouble p50 = bench_series_percentile_us(loop, 0.5);
		gdouble p99 = bench_series_percentile_us(loop, 0.99);
		gdouble sp50 = bench_series_percentile_us(single, 0.5);
		gdouble sp99 = bench_series_percentile_us(single, 0.99);
		gdouble ratio = bench_series_tps(loop) / bench_series_tps(single);
		g_print("scenario pcsc: command %s, %" G_GINT64_FORMAT
		        " transactions per path, %d alternating rounds\n",
		        apdu, run.transactions, run.rounds);
		bench_series_print(single, "single: vcard -> vpcd slot 0 -> pcscd -> client");
		bench_series_print(loop, "loop: ... -> backend-pcsc -> vpcd slot 1 -> client");
		g_print("loop/single throughput ratio %.2f\n", ratio);
		if (opts.json)
			g_print("{\"scenario\": \"pcsc\", \"transactions\": %" G_GINT64_FORMAT
			        ", \"tps\": %.0f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
			        "\"single_tps\": %.0f, \"single_p50_us\": %.3f, "
			        "\"single_p99_us\": %.3f, \"ratio\": %.3f, \"errors\": "
			        "%" G_GUINT64_FORMAT "}\n",
			        run.transactions, bench_series_tps(loop), p50, p99,
			        bench_series_tps(single), sp50, sp99, ratio, errors);
	}
	bench_series_clear(&run.series[0]);
	bench_series_clear(&run.series[1]);
	g_free(run.readers[0]);
	g_free(run.readers[1]);
	g_bytes_unref(run.cmd);
	g_bytes_unref(run.setup);
	g_free(run.error);
	return run.error != NULL || errors > 0 ? 1 : 0;
}
