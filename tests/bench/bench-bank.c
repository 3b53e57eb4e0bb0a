// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "bank": N RSPRO client connections in this process against the
 * rspro-bank plugin with N backend-vcard cards, over loopback. Every client
 * runs a closed loop (one command outstanding, as upstream clients), all at
 * once; aggregate APDUs/s, latency per command as a client sees it, and the
 * process's RSS growth per slot (bank, cards and the client side together).
 */
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

		if (c->series == NULL)
			break; /* the setup command */
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

static gboolean
wait_all(BenchClient *clients, guint n, gboolean attached_only, gint64 timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

	for (guint i = 0; i < n; i++)
		while (!clients[i].down && (attached_only ? !clients[i].attached : TRUE)) {
			if (g_get_monotonic_time() > deadline)
				return FALSE;
			g_main_context_iteration(NULL, TRUE);
			if (!attached_only)
				break;
		}
	for (guint i = 0; i < n; i++)
		if (clients[i].down)
			return FALSE;
	return TRUE;
}

gint
bench_bank(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 200000};
	gint n_slots = 64;
	g_autofree gchar *apdu = NULL;
	GOptionEntry extra[] = {
		{"slots", 0, 0, G_OPTION_ARG_INT, &n_slots, "Slots = client connections (1..1023)",
		 "N"},
		{"apdu", 0, 0, G_OPTION_ARG_STRING, &apdu, "Measured command (hex)", "HEX"},
		{NULL},
	};
	g_autoptr(GString) ini = g_string_new("[router]\n");
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cmd = NULL;
	g_autoptr(GBytes) setup = NULL;
	g_autoptr(GSocketClient) sc = NULL;
	BenchClient *clients;
	BenchSeries series;
	guint16 port = 0;
	guint running;
	glong rss0, rss1;
	guint64 t0, t1;
	struct rlimit rl;

	if (!bench_parse_options(&argc, &argv, "bank", extra, &opts))
		return 2;
	if (n_slots < 1 || n_slots > 1023) {
		g_printerr("cardroute-bench bank: --slots must be 1..1023\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	cmd = hex_bytes(apdu != NULL ? apdu : "00B000000A");
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
	sc = g_socket_client_new();
	g_socket_client_set_enable_proxy(sc, FALSE);
	clients = g_new0(BenchClient, n_slots);
	for (gint i = 0; i < n_slots; i++) {
		g_autoptr(GSocketConnection) conn =
		        g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, &error);
		RsproMsg req;

		if (conn == NULL) {
			g_printerr("cardroute-bench bank: client %d: %s\n", i, error->message);
			return 1;
		}
		clients[i].id = (guint16)i;
		clients[i].running = &running;
		clients[i].cmd = cmd;
		clients[i].link = rspro_link_new(G_IO_STREAM(conn), RSPRO_LINK_ROLE_CLIENT, "bench");
		rspro_link_set_keepalive(clients[i].link, 0, 0);
		rspro_link_set_callbacks(clients[i].link, on_msg, on_down, &clients[i]);
		rspro_link_start(clients[i].link);
		rspro_msg_init(&req, RSPRO_MSG_CONNECT_CLIENT_REQ);
		rspro_identity_set(&req.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT,
		                   "bench", "remsim-client", "1.1.3");
		req.u.connect_client_req.has_client_slot = TRUE;
		req.u.connect_client_req.client_slot.client_id = (guint16)i;
		rspro_link_send(clients[i].link, &req, NULL);
		rspro_msg_clear(&req);
		/* keep the accept queue moving */
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
	if (!wait_all(clients, (guint)n_slots, TRUE, 60)) {
		g_printerr("cardroute-bench bank: not every client got its card\n");
		return 1;
	}
	/* select EF.ICCID on every card (not measured) */
	for (gint i = 0; i < n_slots; i++) {
		clients[i].cmd = setup;
		send_cmd(&clients[i]);
		clients[i].cmd = cmd;
	}
	for (gint i = 0; i < 20 * n_slots; i++)
		g_main_context_iteration(NULL, FALSE);
	while (g_main_context_iteration(NULL, FALSE))
		;
	rss1 = rss_kb();

	bench_series_init(&series, (guint)opts.transactions);
	running = (guint)n_slots;
	t0 = bench_now_ns();
	for (gint i = 0; i < n_slots; i++) {
		clients[i].series = &series;
		clients[i].left = MAX(opts.transactions / n_slots, 1);
		send_cmd(&clients[i]);
	}
	while (running > 0) {
		gboolean any_down = FALSE;
		g_main_context_iteration(NULL, TRUE);
		for (gint i = 0; i < n_slots && !any_down; i++)
			any_down = clients[i].down;
		if (any_down) {
			g_printerr("cardroute-bench bank: a client lost its connection\n");
			return 1;
		}
	}
	t1 = bench_now_ns();
	series.total_ns = t1 - t0;
	{
		gdouble tps = series.ns->len * 1e9 / (gdouble)(t1 - t0);
		gdouble p50 = bench_series_percentile_us(&series, 0.5);
		gdouble p99 = bench_series_percentile_us(&series, 0.99);
		gdouble per_slot = (gdouble)(rss1 - rss0) / n_slots;

		g_print("scenario bank: %d client connections -> rspro-bank -> %d vcard cards over "
		        "loopback, command %s\n",
		        n_slots, n_slots, apdu != NULL ? apdu : "00B000000A");
		g_print("%u transactions in %.3f s: %.0f APDUs/s aggregate, p50 %.1f us, p99 %.1f us, "
		        "errors %" G_GUINT64_FORMAT "\n",
		        series.ns->len, (t1 - t0) / 1e9, tps, p50, p99, series.errors);
		g_print("RSS %ld kB before, %ld kB with every client attached: %.1f kB per slot "
		        "(bank + card + client side)\n",
		        rss0, rss1, per_slot);
		if (opts.json)
			g_print("{\"scenario\": \"bank\", \"slots\": %d, \"transactions\": %u, "
			        "\"tps\": %.0f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
			        "\"rss_per_slot_kb\": %.1f, \"errors\": %" G_GUINT64_FORMAT "}\n",
			        n_slots, series.ns->len, tps, p50, p99, per_slot, series.errors);
	}
	for (gint i = 0; i < n_slots; i++)
		rspro_link_unref(clients[i].link);
	g_free(clients);
	bench_router_shutdown(router);
	bench_series_clear(&series);
	bench_options_clear(&opts);
	return 0;
}
