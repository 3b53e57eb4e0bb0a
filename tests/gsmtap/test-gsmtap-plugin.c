// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gsmtap plugin module inside a real router (in process): it is loaded
 * from the build tree through an INI file, a test frontend submits a SIM
 * session to a scripted backend, and the test checks what arrives on a UDP
 * socket on loopback and, with tshark, what was written to the pcap file.
 */
#include <cardroute/cardroute.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gsmtap-encode.h"
#include "test-hex.h"
#include "test-slots.h"

static const guint8 card_atr[] = {0x3b, 0x9f, 0x96, 0x80, 0x1f, 0xc7, 0x80, 0x31, 0xa0, 0x73, 0xbe,
                                  0x21, 0x13, 0x67, 0x43, 0x20, 0x07, 0x18, 0x00, 0x00, 0x01, 0xa5};

/* A backend answering from a script: each transmit() takes the next response. */
#define SCRIPT_TYPE_BACKEND (script_backend_get_type())
G_DECLARE_FINAL_TYPE(ScriptBackend, script_backend, SCRIPT, BACKEND, CrBackendSlot)

struct _ScriptBackend {
	CrBackendSlot parent_instance;
	GQueue responses; /* GByteArray */
	guint resets;
};

G_DEFINE_TYPE(ScriptBackend, script_backend, CR_TYPE_BACKEND_SLOT)

static void
script_backend_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	ScriptBackend *self = SCRIPT_BACKEND(slot);
	g_autoptr(GByteArray) rsp = g_queue_pop_head(&self->responses);

	g_assert_nonnull(rsp);
	cr_transaction_complete(tx, rsp->data, rsp->len);
}

static void
script_backend_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
}

static void
script_backend_reset(CrBackendSlot *slot, CrResetKind kind)
{
	SCRIPT_BACKEND(slot)->resets++;
	cr_backend_slot_set_card(slot, card_atr, sizeof(card_atr));
}

static void
script_backend_power_off(CrBackendSlot *slot)
{
}

static void
script_backend_finalize(GObject *object)
{
	ScriptBackend *self = SCRIPT_BACKEND(object);

	g_queue_clear_full(&self->responses, (GDestroyNotify)g_byte_array_unref);
	G_OBJECT_CLASS(script_backend_parent_class)->finalize(object);
}

static void
script_backend_class_init(ScriptBackendClass *klass)
{
	CrBackendSlotClass *bc = CR_BACKEND_SLOT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = script_backend_finalize;
	bc->transmit = script_backend_transmit;
	bc->cancel = script_backend_cancel;
	bc->reset = script_backend_reset;
	bc->power_off = script_backend_power_off;
}

static void
script_backend_init(ScriptBackend *self)
{
	g_queue_init(&self->responses);
}

typedef struct {
	gchar *dir;
	gchar *pcap;
	GSocket *rx;
	guint16 port;
	CrRouter *router;
	TestFrontend *fe;
	ScriptBackend *be;
} Fixture;

static gchar *
write_ini(Fixture *f, const gchar *tap_keys)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = g_strdup_printf("[router]\nplugin-dir = %s\n\n"
	                                         "[tap:trace]\nplugin = gsmtap\n%s",
	                                         GSMTAP_BUILD_PLUGIN_DIR, tap_keys);
	gchar *path = g_build_filename(f->dir, "test.ini", NULL);

	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_no_error(error);
	return path;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	f->dir = g_dir_make_tmp("gsmtap-plugin-XXXXXX", &error);
	g_assert_no_error(error);
	f->pcap = g_build_filename(f->dir, "trace.pcap", NULL);
	f->rx = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
	                     &error);
	g_assert_no_error(error);
	g_assert_true(g_socket_bind(f->rx, any, TRUE, &error));
	g_assert_no_error(error);
	bound = g_socket_get_local_address(f->rx, &error);
	g_assert_no_error(error);
	f->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	/* everything is sent before we read: never wait long */
	g_socket_set_timeout(f->rx, 5);
	f->router = cr_router_new();
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	const gchar *name;

	g_clear_object(&f->fe);
	g_clear_object(&f->be);
	g_clear_object(&f->router);
	g_clear_object(&f->rx);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(f->dir, name, NULL);

		g_unlink(p);
	}
	g_rmdir(f->dir);
	g_free(f->dir);
	g_free(f->pcap);
}

static void
add_slots(Fixture *f)
{
	g_autoptr(TestInstance) inst = test_instance_new();
	g_autoptr(GError) error = NULL;

	f->fe = test_frontend_new("fe");
	f->be = g_object_new(SCRIPT_TYPE_BACKEND, "name", "be", NULL);
	g_assert_true(
	        cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(f->fe), &error));
	g_assert_true(
	        cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(f->be), &error));
	g_assert_true(cr_router_add_instance(f->router, CR_INSTANCE(inst), "test", "test",
	                                     CR_PLUGIN_KIND_BACKEND, &error));
	g_assert_no_error(error);
}

static void
exchange(Fixture *f, const gchar *cmd_hex, const gchar *rsp_hex)
{
	g_autoptr(GByteArray) cmd = test_hex_parse(cmd_hex);
	guint before = f->fe->done_count;

	g_queue_push_tail(&f->be->responses, test_hex_parse(rsp_hex));
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(f->fe), cmd->data, cmd->len);
	while (f->fe->done_count == before)
		g_main_context_iteration(NULL, TRUE);
}

/* The next datagram: its header checked, its payload returned as hex. */
static gchar *
receive(Fixture *f, guint8 want_type, guint8 want_sub_type, guint32 want_frame_number)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[4096];
	gssize n = g_socket_receive(f->rx, (gchar *)buf, sizeof(buf), NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpint(n, >=, GSMTAP_HDR_LEN);
	g_assert_cmpuint(buf[0], ==, 2);
	g_assert_cmpuint(buf[1], ==, 4);
	g_assert_cmpuint(buf[2], ==, want_type);
	/* route index 1 in ARFCN and sub-slot, per-route frame counter */
	g_assert_cmpuint(buf[4] << 8 | buf[5], ==, 1);
	g_assert_cmpuint(buf[14], ==, 1);
	g_assert_cmpuint((guint32)buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11], ==,
	                 want_frame_number);
	g_assert_cmpuint(buf[12], ==, want_sub_type);
	if (want_type == GSMTAP_TYPE_OSMOCORE_LOG)
		return g_strdup((const gchar *)buf + GSMTAP_HDR_LEN + GSMTAP_LOG_HDR_LEN);
	return test_hex_string(buf + GSMTAP_HDR_LEN, (gsize)n - GSMTAP_HDR_LEN);
}

#define assert_received(f, type, sub, fn, want)                                                    \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *got_ = receive(f, type, sub, fn);                                \
		g_autofree gchar *want_ = (type) == GSMTAP_TYPE_OSMOCORE_LOG                       \
		                                  ? g_strdup(want)                                 \
		                                  : test_hex_normalize(want);                      \
		g_assert_cmpstr(got_, ==, want_);                                                  \
	}                                                                                          \
	G_STMT_END

static void
on_shutdown(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

static gchar *
run_tshark(const gchar *pcap)
{
	const gchar *argv[] = {
	        g_getenv("TSHARK"), "-r", pcap,           "-T", "fields",           "-E",
	        "separator=|",      "-e", "udp.srcport",  "-e", "gsm_sim.apdu.ins", "-e",
	        "gsm_sim.apdu.sw",  "-e", "_ws.col.Info", NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	gint status = 0;

	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
	                           &err, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return out;
}

static void
test_session(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *keys = g_strdup_printf("destination = 127.0.0.1:%u\nfile = %s\n"
	                                         "redact = pin,auth\n",
	                                         f->port, f->pcap);
	g_autofree gchar *ini = write_ini(f, keys);
	gboolean down = FALSE;
	const gchar *tshark = g_getenv("TSHARK");

	g_assert_true(cr_router_load_config(f->router, ini, &error));
	g_assert_no_error(error);
	add_slots(f);
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), card_atr, sizeof(card_atr));
	g_assert_true(cr_router_start(f->router, &error));
	g_assert_no_error(error);
	g_assert_nonnull(cr_router_add_route(f->router, "r1", "fe", "be", NULL, &error));
	g_assert_no_error(error);

	exchange(f, "A0 A4 00 00 02 3F 00", "9F 17");
	exchange(f, "A0 C0 00 00 17",
	         "00 00 00 00 3F 00 01 00 00 00 00 00 0F 13 0A 04 00 83 8A 83 8A 00 00 90 00");
	exchange(f, "A0 B0 00 00 02", "98 94 90 00");
	exchange(f, "A0 20 00 01 08 31 32 33 34 FF FF FF FF", "90 00");
	exchange(f, "A0 88 00 00 10 F0 F1 F2 F3 F4 F5 F6 F7 F8 F9 FA FB FC FD FE FF", "9F 0C");
	exchange(f, "A0 C0 00 00 0C", "A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC 90 00");
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(f->fe), CR_RESET_COLD);
	g_assert_cmpuint(f->be->resets, ==, 1);

	assert_received(f, GSMTAP_TYPE_OSMOCORE_LOG, 0, 0, "r1: route fe -> be made (index 1)");
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_ATR, 1,
	                "3B9F96801FC78031A073BE21136743200718000001A5");
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 2,
	                "A0A40000023F00 00000000 3F00 0100 0000 0000 0F13 0A04 0083 8A83 8A00 "
	                "00 9000");
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 3, "A0B0000002 9894 9000");
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 4, "A020000108 0000000000000000 9000");
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 5,
	                "A088000010 00000000000000000000000000000000 000000000000000000000000 "
	                "9000");
	assert_received(f, GSMTAP_TYPE_OSMOCORE_LOG, 0, 6, "r1: terminal reset (cold), forwarded");
	/* the backend's card after the reset: one ATR frame for both views */
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_ATR, 7,
	                "3B9F96801FC78031A073BE21136743200718000001A5");
	{
		guint8 buf[64];

		g_socket_set_blocking(f->rx, FALSE);
		g_assert_cmpint(g_socket_receive(f->rx, (gchar *)buf, sizeof(buf), NULL, NULL), <,
		                0);
	}

	cr_router_shutdown(f->router, 1000, G_CALLBACK(on_shutdown), &down);
	while (!down)
		g_main_context_iteration(NULL, TRUE);
	/* stop() closed the file: everything is on disk */
	if (tshark != NULL && tshark[0] != '\0') {
		g_autofree gchar *out = run_tshark(f->pcap);
		g_auto(GStrv) lines = g_strsplit(g_strstrip(out), "\n", -1);

		g_test_message("tshark:\n%s", out);
		g_assert_cmpuint(g_strv_length(lines), ==, 8);
		g_assert_null(strstr(out, "Malformed"));
		g_assert_nonnull(strstr(lines[2], "30001|0xa4|0x9000|"));
		g_assert_nonnull(strstr(lines[2], "SELECT File MF"));
		g_assert_nonnull(strstr(lines[5], "30001|0x88|0x9000|"));
		g_assert_nonnull(strstr(lines[5], "RUN GSM ALGORITHM"));
	} else {
		g_test_message("no tshark: pcap not decoded");
	}
}

static void
assert_config_error(Fixture *f, const gchar *keys, const gchar *want)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = write_ini(f, keys);
	g_autoptr(CrRouter) router = cr_router_new();

	g_assert_false(cr_router_load_config(router, ini, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_CONFIG);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, want));
}

static void
test_config_errors(Fixture *f, gconstpointer data)
{
	assert_config_error(f, "", "destination: set destination, file or both");
	assert_config_error(f, "destination = 127.0.0.1\nevents = atr,bogus\n",
	                    "events: unknown event 'bogus'");
	assert_config_error(f, "destination = 127.0.0.1\nredact = pin,imsi\n",
	                    "redact: unknown item 'imsi'");
	assert_config_error(f, "destination = 127.0.0.1\nmax-size = 1000\n",
	                    "max-size: only meaningful with file");
	assert_config_error(f, "destination = 127.0.0.1\ntpdu = maybe\n", "tpdu");
	assert_config_error(f, "destination = [::1\n", "destination");
	assert_config_error(f, "destination = 127.0.0.1\ncolour = blue\n", "colour: unknown key");
}

/* events and routes filters. */
static void
test_filters(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *keys = g_strdup_printf("destination = 127.0.0.1:%u\nevents = apdu\n"
	                                         "routes = r1, r9\n",
	                                         f->port);
	g_autofree gchar *ini = write_ini(f, keys);
	gboolean down = FALSE;

	g_assert_true(cr_router_load_config(f->router, ini, &error));
	add_slots(f);
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), card_atr, sizeof(card_atr));
	g_assert_true(cr_router_start(f->router, &error));
	g_assert_no_error(error);
	g_assert_nonnull(cr_router_add_route(f->router, "r1", "fe", "be", NULL, &error));
	exchange(f, "A0 B0 00 00 02", "98 94 90 00");
	cr_frontend_slot_reset(CR_FRONTEND_SLOT(f->fe), CR_RESET_WARM);
	exchange(f, "A0 B0 00 00 01", "98 90 00");
	/* only the APDU frames: no route log, no ATR, no reset */
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 0, "A0B0000002 9894 9000");
	assert_received(f, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 1, "A0B0000001 98 9000");
	cr_router_shutdown(f->router, 1000, G_CALLBACK(on_shutdown), &down);
	while (!down)
		g_main_context_iteration(NULL, TRUE);
}

/* An IPv6 destination: [::1]:PORT. */
static void
test_ipv6(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo6 = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
	g_autoptr(GSocketAddress) any6 = g_inet_socket_address_new(lo6, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocket) rx6 = g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM,
	                                      G_SOCKET_PROTOCOL_UDP, NULL);
	g_autofree gchar *keys = NULL;
	g_autofree gchar *ini = NULL;
	guint8 buf[256];
	gssize n;
	gboolean down = FALSE;

	if (rx6 == NULL || !g_socket_bind(rx6, any6, TRUE, NULL)) {
		g_test_skip("no IPv6 loopback");
		return;
	}
	bound = g_socket_get_local_address(rx6, &error);
	g_assert_no_error(error);
	g_socket_set_timeout(rx6, 5);
	keys = g_strdup_printf("destination = [::1]:%u\nevents = apdu\n",
	                       g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	ini = write_ini(f, keys);
	g_assert_true(cr_router_load_config(f->router, ini, &error));
	g_assert_no_error(error);
	add_slots(f);
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), card_atr, sizeof(card_atr));
	g_assert_true(cr_router_start(f->router, &error));
	g_assert_no_error(error);
	g_assert_nonnull(cr_router_add_route(f->router, "r1", "fe", "be", NULL, &error));
	exchange(f, "A0 B0 00 00 02", "98 94 90 00");
	n = g_socket_receive(rx6, (gchar *)buf, sizeof(buf), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, ==, GSMTAP_HDR_LEN + 9);
	g_assert_cmpuint(buf[2], ==, GSMTAP_TYPE_SIM);
	g_assert_cmpuint(buf[12], ==, GSMTAP_SIM_APDU);
	cr_router_shutdown(f->router, 1000, G_CALLBACK(on_shutdown), &down);
	while (!down)
		g_main_context_iteration(NULL, TRUE);
}

/* A failing disk never fails a transaction: frames are dropped and counted,
 * and one warning says so. */
static void
test_failing_disk(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = NULL;
	gboolean down = FALSE;

	if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
		g_test_skip("no /dev/full");
		return;
	}
	ini = write_ini(f, "file = /dev/full\n");
	g_assert_true(cr_router_load_config(f->router, ini, &error));
	g_assert_no_error(error);
	add_slots(f);
	cr_backend_slot_set_card(CR_BACKEND_SLOT(f->be), card_atr, sizeof(card_atr));
	g_assert_true(cr_router_start(f->router, &error));
	g_assert_no_error(error);
	g_assert_nonnull(cr_router_add_route(f->router, "r1", "fe", "be", NULL, &error));
	for (guint i = 0; i < 20; i++)
		exchange(f, "A0 B0 00 00 02", "98 94 90 00");
	g_assert_cmpuint(f->fe->done_count, ==, 20);
	g_assert_null(f->fe->last_error);
	g_test_expect_message("tap-gsmtap", G_LOG_LEVEL_WARNING,
	                      "trace: * frames not written to /dev/full: *");
	cr_router_shutdown(f->router, 1000, G_CALLBACK(on_shutdown), &down);
	while (!down)
		g_main_context_iteration(NULL, TRUE);
	g_test_assert_expected_messages();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/gsmtap/plugin/session", Fixture, NULL, fixture_setup, test_session,
	           fixture_teardown);
	g_test_add("/gsmtap/plugin/config-errors", Fixture, NULL, fixture_setup, test_config_errors,
	           fixture_teardown);
	g_test_add("/gsmtap/plugin/filters", Fixture, NULL, fixture_setup, test_filters,
	           fixture_teardown);
	g_test_add("/gsmtap/plugin/failing-disk", Fixture, NULL, fixture_setup, test_failing_disk,
	           fixture_teardown);
	g_test_add("/gsmtap/plugin/ipv6", Fixture, NULL, fixture_setup, test_ipv6,
	           fixture_teardown);
	return g_test_run();
}
