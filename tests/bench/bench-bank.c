// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "bank": N RSPRO client connections against the rspro-bank plugin
 * with N backend-vcard cards, over loopback. The clients run on a thread of
 * their own with their own main context; the bank runs on the main thread as
 * in the daemon. Every client runs a closed loop (one command outstanding, as
 * upstream clients), all at once; aggregate APDUs/s, latency per command as a
 * client sees it, the bank's CPU per APDU (process CPU minus the client
 * thread's, getrusage), its heap allocations per APDU (where counted), and
 * the process's RSS growth per slot (bank, cards and the client side).
 */
/* pthread_setaffinity_np, CPU_SET */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "rspro-link.h"

typedef struct {
	RsproLink *link;
	guint16 id;
	gboolean attached;
	gboolean down;
	gint64 left;
	guint64 t0;
	BenchSeries *series;
	guint *running;
	GBytes *cmd;
} BenchClient;

static glong
rss_kb(void)
{
	g_autofree gchar *status = NULL;
	const gchar *p;

	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return 0;
	p = strstr(status, "VmRSS:");
	return p != NULL ? strtol(p + 6, NULL, 10) : 0;
}

static void
send_cmd(BenchClient *c)
{
	RsproMsg req;

	rspro_msg_init(&req, RSPRO_MSG_TPDU_MODEM_TO_CARD);
	req.u.tpdu_modem_to_card.from_client_slot.client_id = c->id;
	req.u.tpdu_modem_to_card.to_bank_slot.bank_id = 1;
	req.u.tpdu_modem_to_card.to_bank_slot.slot_nr = c->id;
	req.u.tpdu_modem_to_card.data = g_bytes_ref(c->cmd);
	c->t0 = bench_now_ns();
	if (!rspro_link_send(c->link, &req, NULL))
		c->down = TRUE;
	rspro_msg_clear(&req);
}

static void
on_msg(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	BenchClient *c = user_data;

	switch (msg->type) {
	case RSPRO_MSG_CONNECT_CLIENT_RES:
		if (msg->u.connect_client_res.result != RSPRO_RESULT_OK)
			c->down = TRUE;
		break;
	case RSPRO_MSG_SET_ATR_REQ: {
		RsproMsg res;
		rspro_msg_init(&res, RSPRO_MSG_SET_ATR_RES);
		rspro_link_send(link, &res, NULL);
		c->attached = TRUE;
		break;
	}
	case RSPRO_MSG_TPDU_CARD_TO_MODEM: {
		guint64 dt = bench_now_ns() - c->t0;
		gsize len = g_bytes_get_size(msg->u.tpdu_card_to_modem.data);
		const guint8 *d = g_bytes_get_data(msg->u.tpdu_card_to_modem.data, NULL);

		if (c->series == NULL) {
			(*c->running)--; /* the setup command */
			break;
		}
		bench_series_add(c->series, dt);
		if (len < 2 || d[len - 2] != 0x90)
			c->series->errors++;
		if (--c->left > 0)
			send_cmd(c);
		else
			(*c->running)--;
		break;
	}
	default:
		break;
	}
}

static void
on_down(RsproLink *link, const GError *error, gpointer user_data)
{
	BenchClient *c = user_data;

	g_printerr("client %u: %s\n", c->id, error->message);
	c->down = TRUE;
}

static gboolean
bank_port(CrRouter *router, guint16 *port)
{
	CrInstance *inst = cr_router_lookup_instance(router, "bank");
	g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);

	if (inst == NULL)
		return FALSE;
	CR_INSTANCE_GET_CLASS(inst)->describe(inst, &dict);
	return g_variant_dict_lookup(&dict, "listen-port", "q", port);
}

static GBytes *
hex_bytes(const gchar *hex)
{
	GByteArray *b = g_byte_array_new();

	for (const gchar *p = hex; p[0] != '\0' && p[1] != '\0'; p += 2) {
		guint8 v = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		g_byte_array_append(b, &v, 1);
	}
	return g_byte_array_free_to_bytes(b);
}

/* The load generator: every client connection, on a thread of its own with
 * its own main context, so the bank's main loop carries only the bank. */
typedef struct {
	guint16 port;
	gint n_slots;
	gint64 transactions;
	GBytes *cmd;
	GBytes *setup;
	BenchSeries *series;
	GMainContext *bank_context;
	gint client_cpu; /* -1: not pinned */
	gint ready; /* every client has its card and the setup is done */
	gint go;    /* the bank side has taken its baseline */
	gint done;  /* the run is over (or failed) */
	gboolean failed;
	gchar *why;
	guint64 t0, t1;
	guint64 cpu_process0, cpu_process1, cpu_clients0, cpu_clients1;
	guint64 allocs_process0, allocs_process1, allocs_clients0, allocs_clients1;
} BenchLoad;

/* pins the calling thread to one CPU; @cpu < 0 leaves it alone */
static gboolean
pin_thread(gint cpu, const gchar *who)
{
	cpu_set_t set;
	gint rc;

	if (cpu < 0)
		return TRUE;
	if (cpu >= CPU_SETSIZE) {
		g_printerr("cardroute-bench bank: %s CPU %d out of range\n", who, cpu);
		return FALSE;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc != 0) {
		g_printerr("cardroute-bench bank: cannot pin the %s thread to CPU %d: %s\n", who,
		           cpu, g_strerror(rc));
		return FALSE;
	}
	return TRUE;
}

/* every client attached (@attach) or every command answered */
static gboolean
wait_clients(GMainContext *context, BenchClient *clients, guint n, gboolean attach,
             gint64 timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
	guint i = 0;

	while (i < n) {
		if (clients[i].down)
			return FALSE;
		if (attach ? clients[i].attached : *clients[i].running == 0) {
			i++;
			continue;
		}
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_main_context_iteration(context, TRUE);
	}
	return TRUE;
}

static void
load_finish(BenchLoad *load, const gchar *why)
{
	if (why != NULL) {
		load->failed = TRUE;
		load->why = g_strdup(why);
	}
	g_atomic_int_set(&load->done, 1);
	g_main_context_wakeup(load->bank_context);
}

static gboolean
load_connect(BenchLoad *load, GSocketClient *sc, BenchClient *c, gint i, guint *running)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
	        g_socket_client_connect_to_host(sc, "127.0.0.1", load->port, NULL, &error);
	RsproMsg req;

	if (conn == NULL) {
		g_autofree gchar *why = g_strdup_printf("client %d: %s", i, error->message);

		load_finish(load, why);
		return FALSE;
	}
	c->id = (guint16)i;
	c->running = running;
	c->cmd = load->cmd;
	c->link = rspro_link_new(G_IO_STREAM(conn), RSPRO_LINK_ROLE_CLIENT, "bench");
	rspro_link_set_keepalive(c->link, 0, 0);
	rspro_link_set_callbacks(c->link, on_msg, on_down, c);
	rspro_link_start(c->link);
	rspro_msg_init(&req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_identity_set(&req.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT, "bench",
	                   "remsim-client", "1.1.3");
	req.u.connect_client_req.has_client_slot = TRUE;
	req.u.connect_client_req.client_slot.client_id = (guint16)i;
	rspro_link_send(c->link, &req, NULL);
	rspro_msg_clear(&req);
	return TRUE;
}

static void
load_run(BenchLoad *load, GMainContext *context, BenchClient *clients, gint n, guint *running)
{
	g_autoptr(GSocketClient) sc = g_socket_client_new();

	g_socket_client_set_enable_proxy(sc, FALSE);
	for (gint i = 0; i < n; i++) {
		if (!load_connect(load, sc, &clients[i], i, running))
			return;
		while (g_main_context_iteration(context, FALSE))
			;
	}
	if (!wait_clients(context, clients, (guint)n, TRUE, 60)) {
		load_finish(load, "not every client got its card");
		return;
	}
	/* select EF.ICCID on every card (not measured) */
	*running = (guint)n;
	for (gint i = 0; i < n; i++) {
		clients[i].cmd = load->setup;
		send_cmd(&clients[i]);
		clients[i].cmd = load->cmd;
	}
	if (!wait_clients(context, clients, (guint)n, FALSE, 60)) {
		load_finish(load, "the setup command failed");
		return;
	}
	g_atomic_int_set(&load->ready, 1);
	g_main_context_wakeup(load->bank_context);
	while (!g_atomic_int_get(&load->go))
		g_usleep(1000);

	*running = (guint)n;
	load->cpu_clients0 = bench_cpu_us_thread();
	load->allocs_clients0 = bench_allocs_thread();
	load->cpu_process0 = bench_cpu_us_process();
	load->allocs_process0 = bench_allocs_process();
	load->t0 = bench_now_ns();
	for (gint i = 0; i < n; i++) {
		clients[i].series = load->series;
		clients[i].left = MAX(load->transactions / n, 1);
		send_cmd(&clients[i]);
	}
	while (*running > 0) {
		g_main_context_iteration(context, TRUE);
		for (gint i = 0; i < n; i++)
			if (clients[i].down) {
				load_finish(load, "a client lost its connection");
				return;
			}
	}
	load->t1 = bench_now_ns();
	load->cpu_process1 = bench_cpu_us_process();
	load->allocs_process1 = bench_allocs_process();
	load->cpu_clients1 = bench_cpu_us_thread();
	load->allocs_clients1 = bench_allocs_thread();
	load_finish(load, NULL);
}

static gpointer
load_thread(gpointer data)
{
	BenchLoad *load = data;
	GMainContext *context = g_main_context_new();
	BenchClient *clients = g_new0(BenchClient, load->n_slots);
	guint running = 0;

	g_main_context_push_thread_default(context);
	if (pin_thread(load->client_cpu, "client"))
		load_run(load, context, clients, load->n_slots, &running);
	else
		load_finish(load, "the client thread could not be pinned");
	for (gint i = 0; i < load->n_slots; i++)
		g_clear_pointer(&clients[i].link, rspro_link_unref);
	while (g_main_context_iteration(context, FALSE))
		;
	g_free(clients);
	g_main_context_pop_thread_default(context);
	g_main_context_unref(context);
	return NULL;
}

static gchar *
cpu_name(gint cpu)
{
	return cpu < 0 ? g_strdup("any CPU") : g_strdup_printf("CPU %d", cpu);
}

static void
print_results(BenchLoad *load, BenchSeries *series, gint n_slots, const gchar *apdu,
              gint bank_cpu, glong rss0, glong rss1, gboolean json)
{
	guint64 ns = load->t1 - load->t0;
	guint n = MAX(series->ns->len, 1);
	gdouble tps = series->ns->len * 1e9 / (gdouble)ns;
	gdouble p50 = bench_series_percentile_us(series, 0.5);
	gdouble p99 = bench_series_percentile_us(series, 0.99);
	gdouble per_slot = (gdouble)(rss1 - rss0) / n_slots;
	guint64 cpu_clients = load->cpu_clients1 - load->cpu_clients0;
	guint64 cpu_all = load->cpu_process1 - load->cpu_process0;
	gdouble bank_us = (gdouble)(cpu_all > cpu_clients ? cpu_all - cpu_clients : 0) / n;
	g_autofree gchar *allocs_json = NULL;
	g_autofree gchar *bank_where = cpu_name(bank_cpu);
	g_autofree gchar *client_where = cpu_name(load->client_cpu);

	g_print("scenario bank: %d client connections (on a thread of their own) -> rspro-bank "
	        "-> %d vcard cards over loopback, command %s\n",
	        n_slots, n_slots, apdu);
	g_print("threads: bank on %s, clients on %s\n", bank_where, client_where);
	g_print("%u transactions in %.3f s: %.0f APDUs/s aggregate, p50 %.1f us, p99 %.1f us, "
	        "errors %" G_GUINT64_FORMAT "\n",
	        series->ns->len, ns / 1e9, tps, p50, p99, series->errors);
	g_print("CPU per APDU (getrusage): bank %.2f us (process minus the client thread), "
	        "clients %.2f us\n",
	        bank_us, (gdouble)cpu_clients / n);
	if (bench_allocs_available()) {
		guint64 all = load->allocs_process1 - load->allocs_process0;
		guint64 cl = load->allocs_clients1 - load->allocs_clients0;
		gdouble per = (gdouble)(all > cl ? all - cl : 0) / n;

		g_print("heap allocations per APDU: bank %.2f, clients %.2f\n", per,
		        (gdouble)cl / n);
		allocs_json = g_strdup_printf(", \"allocs_per_apdu\": %.2f", per);
	}
	g_print("RSS %ld kB before, %ld kB with every client attached: %.1f kB per slot "
	        "(bank + card + client side)\n",
	        rss0, rss1, per_slot);
	if (json)
		g_print("{\"scenario\": \"bank\", \"slots\": %d, \"transactions\": %u, "
		        "\"tps\": %.0f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
		        "\"cpu_us_per_apdu\": %.2f%s, \"rss_per_slot_kb\": %.1f, "
		        "\"errors\": %" G_GUINT64_FORMAT ", \"bank_cpu\": %d, \"client_cpu\": %d}\n",
		        n_slots, series->ns->len, tps, p50, p99, bank_us,
		        allocs_json != NULL ? allocs_json : "", per_slot, series->errors, bank_cpu,
		        load->client_cpu);
}

gint
bench_bank(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 200000};
	gint n_slots = 64;
	gint bank_cpu = -1;
	gint client_cpu = -1;
	g_autofree gchar *apdu = NULL;
	GOptionEntry extra[] = {
		{"slots", 0, 0, G_OPTION_ARG_INT, &n_slots, "Slots = client connections (1..1023)",
		 "N"},
		{"apdu", 0, 0, G_OPTION_ARG_STRING, &apdu, "Measured command (hex)", "HEX"},
		{"bank-cpu", 0, 0, G_OPTION_ARG_INT, &bank_cpu,
		 "Pin the bank's thread (the main loop) to this CPU", "N"},
		{"client-cpu", 0, 0, G_OPTION_ARG_INT, &client_cpu,
		 "Pin the client thread to this CPU", "M"},
		{NULL},
	};
	g_autoptr(GString) ini = g_string_new("[router]\n");
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cmd = NULL;
	g_autoptr(GBytes) setup = NULL;
	BenchLoad load = {0};
	GThread *thread;
	BenchSeries series;
	guint16 port = 0;
	glong rss0, rss1;
	struct rlimit rl;

	if (!bench_parse_options(&argc, &argv, "bank", extra, &opts))
		return 2;
	if (n_slots < 1 || n_slots > 1023) {
		g_printerr("cardroute-bench bank: --slots must be 1..1023\n");
		return 2;
	}
	/* before the router starts: whatever the bank runs on its thread stays there */
	if (!pin_thread(bank_cpu, "bank"))
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (apdu == NULL)
		apdu = g_strdup("00B000000A");
	cmd = hex_bytes(apdu);
	setup = hex_bytes("00A40004022FE2");
	rss0 = rss_kb();
	g_string_append_printf(ini, "[backend:card]\nplugin = vcard\nprofile = %s\nslots = %d\n",
	                       BENCH_VCARD_PROFILE, MAX(n_slots, 2));
	g_string_append_printf(ini, "[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
	                            "slots = %d\nmappings = ",
	                       n_slots);
	for (gint i = 0; i < n_slots; i++)
		g_string_append_printf(ini, "%s%d:0=%d", i > 0 ? "," : "", i, i);
	g_string_append_c(ini, '\n');
	for (gint i = 0; i < n_slots; i++)
		g_string_append_printf(ini, "[route:r%d]\nfrontend = bank.%d\nbackend = card.%d\n", i,
		                       i, i);
	router = bench_router_from_ini(ini->str, opts.plugin_dir, &error);
	if (router == NULL || !cr_router_start(router, &error) || !bank_port(router, &port)) {
		g_printerr("cardroute-bench bank: %s\n", error != NULL ? error->message : "no port");
		return 1;
	}
	bench_series_init(&series, (guint)opts.transactions);
	load.port = port;
	load.n_slots = n_slots;
	load.transactions = opts.transactions;
	load.cmd = cmd;
	load.setup = setup;
	load.series = &series;
	load.bank_context = g_main_context_default();
	load.client_cpu = client_cpu;
	thread = g_thread_new("bench-clients", load_thread, &load);
	while (!g_atomic_int_get(&load.ready) && !g_atomic_int_get(&load.done))
		g_main_context_iteration(NULL, TRUE);
	rss1 = rss_kb();
	g_atomic_int_set(&load.go, 1);
	while (!g_atomic_int_get(&load.done))
		g_main_context_iteration(NULL, TRUE);
	g_thread_join(thread);
	if (load.failed) {
		g_printerr("cardroute-bench bank: %s\n", load.why);
		g_free(load.why);
		bench_series_clear(&series);
		return 1;
	}
	series.total_ns = load.t1 - load.t0;
	print_results(&load, &series, n_slots, apdu, bank_cpu, rss0, rss1, opts.json);
	bench_router_shutdown(router);
	bench_series_clear(&series);
	bench_options_clear(&opts);
	return 0;
}
