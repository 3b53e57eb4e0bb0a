// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bank's main context does not grow with its connections: 500 RSPRO
 * clients attached to one rspro-bank (500 slots of backend-vcard), and the
 * context polls no more fds than with one client (beyond a handful, every
 * socket is one epoll entry of the reactor); APDUs on all 500 attach no GSource at all (no
 * source per read, write or transaction). The clients run in the same
 * context, so their side is held to the same rule.
 */
#include <string.h>
#include <sys/resource.h>

#include "bank-test.h"

#define N_CLIENTS 500

/* how many fds one iteration of the default context polls */
static gint
poll_fds(void)
{
	GMainContext *context = g_main_context_default();
	GPollFD fds[256];
	gint priority, timeout, n;

	g_assert_true(g_main_context_acquire(context));
	g_main_context_prepare(context, &priority);
	n = g_main_context_query(context, priority, &timeout, fds, G_N_ELEMENTS(fds));
	g_main_context_check(context, priority, fds, MIN(n, (gint)G_N_ELEMENTS(fds)));
	g_main_context_dispatch(context);
	g_main_context_release(context);
	return n;
}

/* the id the next source attached to the default context gets: ids are handed
 * out in sequence, so the difference of two probes counts the sources attached
 * in between (plus the first probe itself) */
static guint
source_probe(void)
{
	GSource *probe = g_idle_source_new();
	guint id = g_source_attach(probe, NULL);

	g_source_destroy(probe);
	g_source_unref(probe);
	return id;
}

static gchar *
bank_ini(void)
{
	GString *ini = g_string_new("[router]\n");

	g_string_append_printf(ini, "[backend:card]\nplugin = vcard\nprofile = %s\nslots = %d\n",
	                       BANK_TEST_VCARD_PROFILE, N_CLIENTS);
	g_string_append_printf(ini,
	                       "[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\n"
	                       "slots = %d\nmappings = ",
	                       N_CLIENTS);
	for (gint i = 0; i < N_CLIENTS; i++)
		g_string_append_printf(ini, "%s%d:0=%d", i > 0 ? "," : "", i, i);
	g_string_append_c(ini, '\n');
	for (gint i = 0; i < N_CLIENTS; i++)
		g_string_append_printf(ini, "[route:r%d]\nfrontend = bank.%d\nbackend = card.%d\n",
		                       i, i, i);
	return g_string_free(ini, FALSE);
}

static void
test_sources_constant(void)
{
	g_autofree gchar *ini = bank_ini();
	g_autoptr(CrRouter) router = bank_test_router(ini);
	guint16 port = bank_test_port(router, "bank");
	TestClient *clients[N_CLIENTS];
	gint fds_one, fds_all;
	guint before, after;

	clients[0] = test_client_new(port, 0, 0);
	g_bytes_unref(test_client_attach(clients[0], 0));
	g_free(test_client_transact(clients[0], "00A40004022FE2"));
	fds_one = poll_fds();

	for (guint i = 1; i < N_CLIENTS; i++) {
		clients[i] = test_client_new(port, (guint16)i, 0);
		g_bytes_unref(test_client_attach(clients[i], (guint16)i));
	}
	fds_all = poll_fds();
	g_test_message("fds polled by the main context: %d with 1 client, %d with %d", fds_one,
	               fds_all, N_CLIENTS);
	g_assert_cmpint(fds_all, <=, fds_one);

	/* one command on every client at once, twice */
	before = source_probe();
	for (guint round = 0; round < 2; round++) {
		for (guint i = 0; i < N_CLIENTS; i++)
			test_client_send_tpdu(clients[i], "00A40004022FE2");
		for (guint i = 0; i < N_CLIENTS; i++)
			test_msg_free(test_client_expect(clients[i], RSPRO_MSG_TPDU_CARD_TO_MODEM));
	}
	after = source_probe();
	g_test_message("sources attached during %d APDUs: %u", 2 * N_CLIENTS, after - before - 1);
	g_assert_cmpuint(after - before, ==, 1);
	g_assert_cmpint(poll_fds(), ==, fds_all);

	for (guint i = 0; i < N_CLIENTS; i++)
		test_client_free(clients[i]);
}

int
main(int argc, char **argv)
{
	struct rlimit rl;

	/* 500 clients and 500 bank connections in one process */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = MIN(rl.rlim_max, 4096);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bank/sources/constant-with-500-clients", test_sources_constant);
	return g_test_run();
}
