// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenario "server": the rspro-server plugin with N registered clients and B
 * registered banks, every connection with its IPA keep-alive running, as a
 * remsim server in the field. The clients and banks run in a child process
 * (forked before anything else starts), so the figures are the server's own:
 * RSS per connection, CPU while idle (keep-alives only), and the time to push
 * M slotmaps (RSRES POSTs dispatched in-process) until every mapped client
 * has its configClientBankReq (the banks answer createMappingReq at once).
 * The two processes talk over two pipes, one line per message.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "rspro-link.h"

typedef struct {
	gint n_clients;
	gint n_banks;
	gint n_maps;
	gint keepalive_ms;
} ServerLoad;

/* ---- the child: clients and banks ---- */

typedef struct {
	ServerLoad *load;
	GPtrArray *links;
	guint registered;
	guint configured;
	gint to_parent;
	gboolean quit;
	gboolean failed;
} LoadState;

static void
tell(gint fd, const gchar *line)
{
	gsize len = strlen(line);

	while (len > 0) {
		gssize n = write(fd, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (gsize)n;
	}
}

static void
load_msg(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	LoadState *st = user_data;
	RsproMsg res;

	switch (msg->type) {
	case RSPRO_MSG_CONNECT_CLIENT_RES:
	case RSPRO_MSG_CONNECT_BANK_RES:
		if (msg->u.connect_client_res.result == RSPRO_RESULT_OK)
			st->registered++;
		else
			st->failed = TRUE;
		break;
	case RSPRO_MSG_CREATE_MAPPING_REQ:
		rspro_msg_init(&res, RSPRO_MSG_CREATE_MAPPING_RES);
		res.u.create_mapping_res.result = RSPRO_RESULT_OK;
		rspro_link_send(link, &res, NULL);
		rspro_msg_clear(&res);
		break;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_REQ:
		rspro_msg_init(&res, RSPRO_MSG_CONFIG_CLIENT_BANK_RES);
		res.u.config_client_bank_res.result = RSPRO_RESULT_OK;
		rspro_link_send(link, &res, NULL);
		rspro_msg_clear(&res);
		if (msg->u.config_client_bank_req.bankd.port != 0 &&
		    ++st->configured == (guint)st->load->n_maps) {
			g_autofree gchar *line =
			        g_strdup_printf("pushed %" G_GUINT64_FORMAT "\n", bench_now_ns());

			tell(st->to_parent, line);
		}
		break;
	default:
		break;
	}
}

static gint parent_fd = -1;

/* The parent writes "quit" before it stops the server, so a link that goes
 * down with "quit" (or the parent's EOF) already in the pipe went down with
 * the server: the watch on the pipe may simply not have run yet. */
static gboolean
quitting(LoadState *st)
{
	struct pollfd p = {.fd = parent_fd, .events = POLLIN};

	return st->quit || (parent_fd >= 0 && poll(&p, 1, 0) == 1);
}

static void
load_down(RsproLink *link, const GError *error, gpointer user_data)
{
	LoadState *st = user_data;

	if (!quitting(st)) {
		g_printerr("cardroute-bench server: a load connection went down: %s\n",
		           error->message);
		st->failed = TRUE;
	}
}

/* "quit", or the parent is gone */
static void
parent_says(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	LoadState *st = user_data;
	gchar buf[64];

	(void)read(parent_fd, buf, sizeof(buf));
	st->quit = TRUE;
}

static gboolean
load_connect(LoadState *st, GSocketClient *sc, guint16 port, gboolean bank, guint16 id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
	        g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, &error);
	RsproLink *link;
	RsproMsg req;

	if (conn == NULL) {
		g_printerr("cardroute-bench server: connect: %s\n", error->message);
		return FALSE;
	}
	link = rspro_link_new(G_IO_STREAM(conn), RSPRO_LINK_ROLE_CLIENT, "load");
	rspro_link_set_keepalive(link, (guint)st->load->keepalive_ms, 10000);
	rspro_link_set_callbacks(link, load_msg, load_down, st);
	rspro_link_start(link);
	g_ptr_array_add(st->links, link);
	if (bank) {
		rspro_msg_init(&req, RSPRO_MSG_CONNECT_BANK_REQ);
		rspro_identity_set(&req.u.connect_bank_req.identity, RSPRO_COMPONENT_BANKD, "bench",
		                   "remsim-bankd", "1.1.3");
		req.u.connect_bank_req.bank_id = id;
		req.u.connect_bank_req.num_slots = 1000;
	} else {
		rspro_msg_init(&req, RSPRO_MSG_CONNECT_CLIENT_REQ);
		rspro_identity_set(&req.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT,
		                   "bench", "remsim-client", "1.1.3");
		/* ClientId and SlotNumber are 0..1023 each */
		req.u.connect_client_req.has_client_slot = TRUE;
		req.u.connect_client_req.client_slot.client_id = id % 1024;
		req.u.connect_client_req.client_slot.slot_nr = id / 1024;
	}
	rspro_link_send(link, &req, NULL);
	rspro_msg_clear(&req);
	return TRUE;
}

static gint
run_load(ServerLoad *load, gint from_parent, gint to_parent)
{
	LoadState st = {.load = load, .to_parent = to_parent};
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	CrWatch *watch;
	gchar line[32] = {0};
	guint16 port;
	guint total = (guint)(load->n_clients + load->n_banks);
	gssize n = read(from_parent, line, sizeof(line) - 1);

	if (n <= 0 || (port = (guint16)g_ascii_strtoull(line, NULL, 10)) == 0)
		return 1;
	st.links = g_ptr_array_new_with_free_func((GDestroyNotify)rspro_link_unref);
	g_socket_client_set_enable_proxy(sc, FALSE);
	for (gint i = 0; i < load->n_banks && !st.failed; i++) {
		if (!load_connect(&st, sc, port, TRUE, (guint16)(i + 1)))
			return 1;
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
	for (gint i = 0; i < load->n_clients && !st.failed; i++) {
		if (!load_connect(&st, sc, port, FALSE, (guint16)i))
			return 1;
		if (i % 64 == 0)
			while (g_main_context_iteration(NULL, FALSE))
				;
	}
	while (st.registered < total && !st.failed)
		g_main_context_iteration(NULL, TRUE);
	if (st.failed)
		return 1;
	tell(to_parent, "registered\n");
	parent_fd = from_parent;
	watch = cr_watch_new(NULL, from_parent, G_IO_IN, parent_says, &st, NULL);
	while (!st.quit && !st.failed)
		g_main_context_iteration(NULL, TRUE);
	cr_watch_free(watch);
	g_ptr_array_unref(st.links);
	return st.failed ? 1 : 0;
}

/* ---- the parent: the server ---- */

typedef struct {
	GString *in;
	gboolean registered;
	guint64 pushed_ns;
	gboolean child_gone;
	guint posted_ok;
	guint posted;
} ServerSide;

static gint child_fd = -1;

static void
child_readable(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	ServerSide *side = user_data;
	gchar buf[256];
	gssize n = read(child_fd, buf, sizeof(buf));
	gchar *nl;

	if (n <= 0) {
		side->child_gone = TRUE;
		cr_watch_set_events(watch, 0);
		return;
	}
	g_string_append_len(side->in, buf, n);
	while ((nl = strchr(side->in->str, '\n')) != NULL) {
		*nl = '\0';
		if (strcmp(side->in->str, "registered") == 0)
			side->registered = TRUE;
		else if (g_str_has_prefix(side->in->str, "pushed "))
			side->pushed_ns = g_ascii_strtoull(side->in->str + 7, NULL, 10);
		g_string_erase(side->in, 0, nl - side->in->str + 1);
	}
}

static void
post_done(CrHttpResponder *responder, guint status, const gchar *content_type, GBytes *body,
          const gchar *const *headers, gpointer user_data)
{
	ServerSide *side = user_data;

	side->posted++;
	if (status == 201)
		side->posted_ok++;
}

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
idle_over(CrTimer *timer, gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

static gboolean
server_port(CrRouter *router, guint16 *port)
{
	CrInstance *inst = cr_router_lookup_instance(router, "srv");
	g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);

	if (inst == NULL)
		return FALSE;
	CR_INSTANCE_GET_CLASS(inst)->describe(inst, &dict);
	return g_variant_dict_lookup(&dict, "listen-port", "q", port);
}

static gboolean
wait_for(gboolean *flag, ServerSide *side, gint64 timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

	while (!*flag) {
		if (side->child_gone || g_get_monotonic_time() > deadline)
			return FALSE;
		g_main_context_iteration(NULL, TRUE);
	}
	return TRUE;
}

static gint
run_server(ServerLoad *load, BenchOptions *opts, gint idle_s, gint to_child, gint from_child)
{
	g_autofree gchar *ini = g_strdup_printf(
	        "[router]\n[control:srv]\nplugin = rspro-server\nlisten = 127.0.0.1:0\n"
	        "state-file =\nkeepalive-interval-ms = %d\nidentify-timeout-ms = 60000\n",
	        load->keepalive_ms);
	g_autoptr(CrRouter) router = NULL;
	g_autoptr(GError) error = NULL;
	ServerSide side = {.in = g_string_new(NULL)};
	CrWatch *watch;
	CrTimer idle;
	gboolean idle_done = FALSE, pushed = FALSE;
	guint16 port = 0;
	g_autofree gchar *line = NULL;
	glong rss0, rss1;
	guint64 cpu0, cpu1, cpu_reg0, cpu_reg1, t_push0, t_reg0, t_reg1;
	guint total = (guint)(load->n_clients + load->n_banks);

	router = bench_router_from_ini(ini, opts->plugin_dir, &error);
	if (router == NULL || !cr_router_start(router, &error) || !server_port(router, &port)) {
		g_printerr("cardroute-bench server: %s\n",
		           error != NULL ? error->message : "no port");
		return 1;
	}
	child_fd = from_child;
	watch = cr_watch_new(NULL, from_child, G_IO_IN, child_readable, &side, NULL);
	while (g_main_context_iteration(NULL, FALSE))
		;
	rss0 = rss_kb();
	cpu_reg0 = bench_cpu_us_process();
	t_reg0 = bench_now_ns();
	line = g_strdup_printf("%u\n", port);
	tell(to_child, line);
	if (!wait_for(&side.registered, &side, 600)) {
		g_printerr("cardroute-bench server: the load did not register\n");
		return 1;
	}
	t_reg1 = bench_now_ns();
	cpu_reg1 = bench_cpu_us_process();
	rss1 = rss_kb();

	/* idle: keep-alives only */
	cr_timer_init(&idle, NULL, idle_over, &idle_done);
	cpu0 = bench_cpu_us_process();
	cr_timer_arm(&idle, (guint)idle_s * 1000);
	wait_for(&idle_done, &side, idle_s + 60);
	cpu1 = bench_cpu_us_process();

	/* push the slotmaps */
	t_push0 = bench_now_ns();
	for (gint m = 0; m < load->n_maps; m++) {
		g_autofree gchar *body = g_strdup_printf(
		        "{\"bank\": {\"bankId\": %d, \"slotNr\": %d}, "
		        "\"client\": {\"clientId\": %d, \"slotNr\": %d}}",
		        1 + m % load->n_banks, m / load->n_banks, m % 1024, m / 1024);
		gsize len = strlen(body);
		CrHttpRequest *req = cr_http_request_new(
		        "POST", "/api/backend/v1/slotmaps", NULL,
		        g_bytes_new_take(g_steal_pointer(&body), len), "127.0.0.1:1");

		cr_http_request_add_header(req, "Content-Type", "application/json");
		cr_router_dispatch_http(router, req, post_done, &side, NULL);
		cr_http_request_unref(req);
	}
	while (side.pushed_ns == 0 && !side.child_gone)
		g_main_context_iteration(NULL, TRUE);
	pushed = side.pushed_ns != 0;
	tell(to_child, "quit\n");
	cr_watch_free(watch);
	{
		gdouble per_conn = (gdouble)(rss1 - rss0) * 1024 / total;
		gdouble idle_pct = (gdouble)(cpu1 - cpu0) / (idle_s * 1e6) * 100;
		gdouble push_ms = pushed ? (side.pushed_ns - t_push0) / 1e6 : -1;

		g_print("scenario server: %d clients + %d banks registered with rspro-server "
		        "(keep-alive %d ms both ways), load in a child process\n",
		        load->n_clients, load->n_banks, load->keepalive_ms);
		g_print("registration: %.3f s, server CPU %.1f us per connection\n",
		        (t_reg1 - t_reg0) / 1e9, (gdouble)(cpu_reg1 - cpu_reg0) / total);
		g_print("RSS %ld kB before, %ld kB registered: %.0f bytes per connection\n", rss0,
		        rss1, per_conn);
		g_print("idle %d s: server CPU %.3f s = %.2f%% of one core\n", idle_s,
		        (cpu1 - cpu0) / 1e6, idle_pct);
		g_print("%d slotmaps POSTed (%u answered 201): every client told its bank in %.1f "
		        "ms\n",
		        load->n_maps, side.posted_ok, push_ms);
		if (opts->json)
			g_print("{\"scenario\": \"server\", \"clients\": %d, \"banks\": %d, "
			        "\"transactions\": %d, \"tps\": %.0f, \"p50_us\": 0, \"p99_us\": "
			        "0, "
			        "\"keepalive_ms\": %d, \"rss_per_conn_bytes\": %.0f, "
			        "\"idle_cpu_pct\": %.3f, \"push_ms\": %.1f}\n",
			        load->n_clients, load->n_banks, load->n_maps,
			        push_ms > 0 ? load->n_maps / (push_ms / 1000) : 0,
			        load->keepalive_ms, per_conn, idle_pct, push_ms);
	}
	bench_router_shutdown(router);
	g_string_free(side.in, TRUE);
	return pushed && side.posted_ok == (guint)load->n_maps ? 0 : 1;
}

gint
bench_server(gint argc, gchar **argv)
{
	BenchOptions opts = {.transactions = 1000};
	ServerLoad load = {.n_clients = 10000, .n_banks = 100, .keepalive_ms = 30000};
	gint idle_s = 0;
	GOptionEntry extra[] = {
	        {"clients", 0, 0, G_OPTION_ARG_INT, &load.n_clients, "Registered clients", "N"},
	        {"banks", 0, 0, G_OPTION_ARG_INT, &load.n_banks, "Registered banks", "N"},
	        {"keepalive-ms", 0, 0, G_OPTION_ARG_INT, &load.keepalive_ms,
	         "IPA keep-alive interval, both ways (30000 as upstream)", "MS"},
	        {"idle-seconds", 0, 0, G_OPTION_ARG_INT, &idle_s,
	         "Idle window (default: one keep-alive interval + 1 s)", "S"},
	        {NULL},
	};
	gint to_child[2], from_child[2];
	struct rlimit rl;
	pid_t pid;
	gint status = 0, rc;

	if (!bench_parse_options(&argc, &argv, "server", extra, &opts))
		return 2;
	load.n_maps = (gint)opts.transactions; /* --transactions = slotmaps pushed */
	if (load.n_clients < 1 || load.n_clients > 1024 * 1024 || load.n_banks < 1 ||
	    load.n_banks > 1023 || load.n_maps > load.n_clients || load.keepalive_ms < 100) {
		g_printerr("cardroute-bench server: bad --clients/--banks/--transactions\n");
		return 2;
	}
	if (idle_s <= 0)
		idle_s = load.keepalive_ms / 1000 + 1;
	/* every connection is a socket on both sides */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = MIN(rl.rlim_max, (rlim_t)(load.n_clients + load.n_banks) * 2 + 256);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (pipe(to_child) < 0 || pipe(from_child) < 0) {
		g_printerr("cardroute-bench server: pipe: %s\n", g_strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		g_printerr("cardroute-bench server: fork: %s\n", g_strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(from_child[0]);
		_exit(run_load(&load, to_child[0], from_child[1]));
	}
	close(to_child[0]);
	close(from_child[1]);
	rc = run_server(&load, &opts, idle_s, to_child[1], from_child[0]);
	close(to_child[1]);
	if (rc != 0)
		kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(from_child[0]);
	bench_options_clear(&opts);
	return rc != 0 ? rc : (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
}
