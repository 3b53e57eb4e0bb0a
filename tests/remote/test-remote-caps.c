// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend-remote and extended APDUs: against an upstream bankd (the scripted
 * one, whose identity announces nothing) an extended command from a
 * terminal that carries them ends with 6700 and one log line naming the
 * backend slot, and never reaches the bank; against a cardroute bank that
 * announces its capabilities, extended commands cross RSPRO whole and the
 * whole answer comes back, while short commands to a T=0 card keep
 * upstream's TPDU form. The client announces itself in every
 * connectClientReq towards the bank.
 */
#include <string.h>

#include "fake-remsim.h"
#include "rspro-caps.h"
#include "test-slots.h"

typedef struct {
	CrRouter *router;
	FakeRemsim *fake;
	TestFrontend *fe;
} Rig;

#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		gint64 deadline_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                   \
		while (!(cond)) {                                                                  \
			g_assert_cmpint(g_get_monotonic_time(), <, deadline_);                     \
			g_main_context_iteration(NULL, TRUE);                                      \
		}                                                                                  \
	} while (0)

static const CrSlotCaps terminal_caps = {CR_PROTOCOL_T0 | CR_PROTOCOL_T1, TRUE,
                                         CR_SLOT_CAPS_EXT_MAX_COMMAND,
                                         CR_SLOT_CAPS_EXT_MAX_RESPONSE};

static guint refusal_lines;
static gchar *last_refusal;

static GLogWriterOutput
count_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, "MESSAGE") && fields[i].length < 0 &&
		    strstr(fields[i].value, "refused with 6700") != NULL) {
			refusal_lines++;
			g_free(last_refusal);
			last_refusal = g_strdup(fields[i].value);
		}
	}
	return g_log_writer_default(level, fields, n_fields, user_data);
}

/* READ BINARY with an extended Le: that many bytes (i & FF) and 90 00; an
 * UPDATE BINARY: 90 00; anything else: 6D 00 */
static gboolean
card_answer(const guint8 *cmd, gsize len, GByteArray *resp, gpointer user_data)
{
	static const guint8 ok[] = {0x90, 0x00}, no_ins[] = {0x6D, 0x00};

	(void)user_data;
	if (len == 7 && cmd[1] == 0xB0 && cmd[4] == 0) {
		guint ne = (guint)cmd[5] << 8 | cmd[6];

		for (guint i = 0; i < ne; i++) {
			guint8 b = (guint8)i;
			g_byte_array_append(resp, &b, 1);
		}
		g_byte_array_append(resp, ok, 2);
	} else if (len >= 5 && cmd[1] == 0xD6) {
		g_byte_array_append(resp, ok, 2);
	} else {
		g_byte_array_append(resp, no_ins, 2);
	}
	return TRUE;
}

static void
rig_start(Rig *rig, const gchar *bank_caps)
{
	g_autofree gchar *ini = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(TestInstance) inst = test_instance_new();

	memset(rig, 0, sizeof(*rig));
	rig->fake = fake_remsim_new();
	rig->fake->bank_caps = bank_caps;
	rig->fake->answer = card_answer;
	ini = g_strdup_printf("[backend:remote0]\nplugin = remote\n"
	                      "server = 127.0.0.1:%u\nclient-id = 7\nclient-slot = 0\n"
	                      "reconnect-delay-ms = 20\natr-wait-ms = 300\n",
	                      rig->fake->server_port);
	rig->router = cr_router_new();
	cr_router_set_plugin_dir(rig->router, BUILD_PLUGIN_DIR);
	g_assert_true(
	        cr_router_load_config_data(rig->router, ini, strlen(ini), "test.ini", &error));
	g_assert_no_error(error);
	rig->fe = test_frontend_new("fe0");
	cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(rig->fe), &terminal_caps);
	g_assert_true(cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(rig->fe),
	                                            &error));
	g_assert_true(cr_router_add_instance(rig->router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_FRONTEND, &error));
	g_assert_nonnull(cr_router_add_route(rig->router, "r0", "fe0", "remote0", NULL, &error));
	g_assert_no_error(error);
	g_assert_true(cr_router_start(rig->router, &error));
	g_assert_no_error(error);
	WAIT_FOR(cr_backend_slot_get_state(cr_router_lookup_backend(rig->router, "remote0")) ==
	         CR_SLOT_STATE_PRESENT);
	refusal_lines = 0;
}

static void
rig_stop(Rig *rig)
{
	g_clear_object(&rig->fe);
	g_object_unref(rig->router);
	fake_remsim_free(rig->fake);
	for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

static void
submit(Rig *rig, const guint8 *cmd, gsize len)
{
	guint before = rig->fe->done_count;

	cr_frontend_slot_submit(CR_FRONTEND_SLOT(rig->fe), cmd, len);
	WAIT_FOR(rig->fe->done_count > before);
}

static const guint8 read_4096[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00};

/* UPDATE BINARY with Lc = 3000 (extended, case 3) */
static GBytes *
update_3000(void)
{
	guint8 *cmd = g_malloc(7 + 3000);

	memcpy(cmd, (const guint8[]){0x00, 0xD6, 0x00, 0x00, 0x00, 0x0B, 0xB8}, 7);
	for (guint i = 0; i < 3000; i++)
		cmd[7 + i] = (guint8)(i * 7 + 3);
	return g_bytes_new_take(cmd, 7 + 3000);
}

static void
test_upstream_bank(void)
{
	Rig rig;
	const CrSlotCaps *caps;
	g_autoptr(GBytes) update = update_3000();
	static const guint8 read_short[] = {0x00, 0xB0, 0x00, 0x00, 0x10};

	rig_start(&rig, NULL);
	/* we announced ourselves; the bank did not */
	g_assert_true(g_str_has_prefix(rig.fake->client_hw_version, "cr-caps:"));
	caps = cr_backend_slot_get_caps(cr_router_lookup_backend(rig.router, "remote0"));
	g_assert_false(caps->extended);
	g_assert_cmpuint(caps->protocols, ==, CR_PROTOCOL_T0);

	for (guint i = 0; i < 3; i++) {
		submit(&rig, read_4096, sizeof(read_4096));
		g_assert_cmpuint(rig.fe->last_response->len, ==, 2);
		g_assert_cmphex(rig.fe->last_response->data[0], ==, 0x67);
		g_assert_cmphex(rig.fe->last_response->data[1], ==, 0x00);
		g_assert_error(rig.fe->last_error, CR_ERROR, CR_ERROR_NOT_SUPPORTED);
		submit(&rig, g_bytes_get_data(update, NULL), g_bytes_get_size(update));
		g_assert_error(rig.fe->last_error, CR_ERROR, CR_ERROR_NOT_SUPPORTED);
	}
	g_assert_cmpuint(rig.fake->tpdus->len, ==, 0); /* nothing reached the bank */
	/* the route's log line names the end that limits it, once */
	g_assert_cmpuint(refusal_lines, ==, 1);
	g_assert_nonnull(strstr(last_refusal, "backend slot remote0 cannot carry extended length"));

	/* short commands go as before */
	submit(&rig, read_short, sizeof(read_short));
	g_assert_no_error(rig.fe->last_error);
	g_assert_cmpuint(rig.fake->tpdus->len, ==, 1);
	rig_stop(&rig);
}

static void
test_cardroute_bank(void)
{
	Rig rig;
	const CrSlotCaps *caps;
	GBytes *sent;
	g_autoptr(GBytes) update = update_3000();
	/* a short case 4 command: to this T=0 card it goes as a TPDU (Le dropped) */
	static const guint8 update_case4[] = {0x00, 0xD6, 0x00, 0x00, 0x01, 0xAA, 0x00};

	rig_start(&rig, "cr-caps:t0,t1,ext,c65400,r65400");
	caps = cr_backend_slot_get_caps(cr_router_lookup_backend(rig.router, "remote0"));
	g_assert_true(caps->extended);
	g_assert_cmpuint(caps->protocols, ==, CR_PROTOCOL_T0 | CR_PROTOCOL_T1);
	g_assert_cmpuint(caps->max_command, ==, RSPRO_CAPS_APDU_MAX);

	submit(&rig, read_4096, sizeof(read_4096));
	g_assert_no_error(rig.fe->last_error);
	g_assert_cmpuint(rig.fe->last_response->len, ==, 4096 + 2);
	for (guint i = 0; i < 4096; i++)
		g_assert_cmphex(rig.fe->last_response->data[i], ==, (guint8)i);
	g_assert_cmphex(rig.fe->last_response->data[4096], ==, 0x90);
	sent = g_ptr_array_index(rig.fake->tpdus, rig.fake->tpdus->len - 1);
	g_assert_cmpmem(g_bytes_get_data(sent, NULL), g_bytes_get_size(sent), read_4096,
	                sizeof(read_4096));

	submit(&rig, g_bytes_get_data(update, NULL), g_bytes_get_size(update));
	g_assert_no_error(rig.fe->last_error);
	sent = g_ptr_array_index(rig.fake->tpdus, rig.fake->tpdus->len - 1);
	g_assert_true(g_bytes_equal(sent, update));

	submit(&rig, update_case4, sizeof(update_case4));
	sent = g_ptr_array_index(rig.fake->tpdus, rig.fake->tpdus->len - 1);
	g_assert_cmpuint(g_bytes_get_size(sent), ==, 6);
	g_assert_cmpuint(refusal_lines, ==, 0);
	rig_stop(&rig);
}

int
main(int argc, char **argv)
{
	g_log_set_writer_func(count_writer, NULL, NULL);
	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/remote-caps/upstream-bank", test_upstream_bank);
	g_test_add_func("/remote-caps/cardroute-bank", test_cardroute_bank);
	return g_test_run();
}
