// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes a pcap of a realistic SIM/UICC session with the tap's pure parts
 * (frame builder + pcap writer, no daemon) and checks what tshark makes of
 * it: every frame GSM SIM (or GSMTAP log), the right instruction and status
 * word, no "Malformed". Skips (77) without tshark ($TSHARK from meson).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "gsmtap-encode.h"
#include "gsmtap-pcap.h"
#include "gsmtap-trace.h"
#include "test-hex.h"

#define T0 (1700000000LL * G_USEC_PER_SEC)

typedef struct {
	GsmtapPcapWriter *writer;
	guint route_index;
	guint32 frame_number;
} Sink;

static void
write_datagram(Sink *sink, guint8 type, guint8 sub_type, gint64 ts, const guint8 *payload,
               gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *dgram = g_malloc(GSMTAP_HDR_LEN + len);

	gsmtap_header_write(dgram, type, sub_type, sink->route_index, sink->frame_number++);
	memcpy(dgram + GSMTAP_HDR_LEN, payload, len);
	g_assert_true(gsmtap_pcap_writer_write(sink->writer, ts,
	                                       GSMTAP_PCAP_SRC_PORT_BASE + sink->route_index, dgram,
	                                       GSMTAP_HDR_LEN + len, &error));
	g_assert_no_error(error);
}

static void
emit_sim(guint8 sub_type, gint64 ts, const guint8 *payload, gsize len, gpointer user_data)
{
	write_datagram(user_data, GSMTAP_TYPE_SIM, sub_type, ts, payload, len);
}

static gint64 now = T0;

static void
xfer(GsmtapTrace *trace, const gchar *cmd_hex, const gchar *rsp_hex)
{
	g_autoptr(GByteArray) cmd = test_hex_parse(cmd_hex);
	g_autoptr(GByteArray) rsp = test_hex_parse(rsp_hex);

	now += 1000;
	gsmtap_trace_exchange(trace, now, cmd->data, cmd->len, rsp->data, rsp->len);
}

static void
atr(GsmtapTrace *trace, const gchar *hex)
{
	g_autoptr(GByteArray) a = test_hex_parse(hex);

	now += 1000;
	gsmtap_trace_atr(trace, now, a->data, a->len);
}

static void
write_session(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsmtapPcapWriter) writer = gsmtap_pcap_writer_open(path, 0, 0, &error);
	Sink sim = {writer, 1, 0};
	Sink uicc = {writer, 2, 0};
	guint redact = GSMTAP_REDACT_PIN | GSMTAP_REDACT_AUTH;
	g_autoptr(GsmtapTrace) t1 = NULL;
	g_autoptr(GsmtapTrace) t2 = NULL;
	g_autoptr(GByteArray) log = g_byte_array_new();

	g_assert_no_error(error);
	t1 = gsmtap_trace_new(redact, FALSE, emit_sim, &sim);
	t2 = gsmtap_trace_new(0, FALSE, emit_sim, &uicc);

	/* Route 1: a GSM SIM behind a byte-level T=0 frontend (C-TPDUs). */
	atr(t1, "3B 9F 96 80 1F C7 80 31 A0 73 BE 21 13 67 43 20 07 18 00 00 01 A5");
	xfer(t1, "A0 A4 00 00 02 3F 00", "9F 17");
	xfer(t1, "A0 C0 00 00 17",
	     "00 00 00 00 3F 00 01 00 00 00 00 00 0F 13 0A 04 00 83 8A 83 8A 00 00 90 00");
	xfer(t1, "A0 A4 00 00 02 2F E2", "9F 0F");
	xfer(t1, "A0 B0 00 00 0A", "98 94 00 00 00 00 00 00 00 F1 90 00");
	xfer(t1, "A0 20 00 01 08 31 32 33 34 FF FF FF FF", "90 00");
	xfer(t1, "A0 88 00 00 10 F0 F1 F2 F3 F4 F5 F6 F7 F8 F9 FA FB FC FD FE FF", "9F 0C");
	xfer(t1, "A0 C0 00 00 0C", "A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC 90 00");

	/* Route 2: a UICC behind vpcd (C-APDUs), some with T=0 61xx. */
	atr(t2, "3B 9F 96 80 1F 87 80 31 E0 73 FE 21 1B 67 4A 4C 75 30 34 05 4B A9");
	xfer(t2, "00 A4 00 04 02 6F 07", "61 20");
	xfer(t2, "00 C0 00 00 20",
	     "62 1E 82 02 41 21 83 02 6F 07 A5 06 C0 01 00 CA 01 80 8A 01 05 8B 03 6F 06 03 80 "
	     "02 00 09 88 01 38 90 00");
	xfer(t2, "00 A4 00 04 02 6F AD 00",
	     "62 1E 82 02 41 21 83 02 6F AD A5 06 C0 01 00 CA 01 80 8A 01 05 8B 03 6F 06 03 80 "
	     "02 00 04 88 01 18 90 00");
	xfer(t2, "00 B0 00 00 09", "08 29 80 00 00 00 00 00 10 90 00");
	xfer(t2, "00 B0 00 00 0A", "6C 09");
	xfer(t2,
	     "00 88 00 81 22 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 10 FF EE DD CC BB "
	     "AA 99 88 77 66 55 44 33 22 11 00 00",
	     "61 35");
	xfer(t2, "00 C0 00 00 35",
	     "DB 08 01 02 03 04 05 06 07 08 10 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 "
	     "10 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 08 33 33 33 33 33 33 33 33 90 00");
	xfer(t2, "00 20 00 01 08 31 32 33 34 FF FF FF FF", "63 C3");
	gsmtap_trace_flush(t2);

	now += 1000;
	gsmtap_log_payload_append(log, now, "cardrouted", 42, GSMTAP_LOG_NOTICE, "r2",
	                          "r2: terminal reset (cold), forwarded");
	write_datagram(&uicc, GSMTAP_TYPE_OSMOCORE_LOG, 0, now, log->data, log->len);
	g_assert_true(gsmtap_pcap_writer_flush(writer, &error));
}

typedef struct {
	const gchar *proto; /* last protocol in frame.protocols */
	const gchar *srcport;
	const gchar *ins; /* NULL: not checked */
	const gchar *sw;
	const gchar *info; /* substring of the Info column */
} Expect;

static const Expect expected[] = {
        {"gsm_sim", "30001", NULL, NULL, NULL}, /* ATR: tshark 4.0 shows it as an APDU */
        {"gsm_sim", "30001", "0xa4", "0x9000", "SELECT File MF"},
        {"gsm_sim", "30001", "0xa4", "0x9f0f", "SELECT"},
        {"gsm_sim", "30001", "0xb0", "0x9000", "READ BINARY"},
        {"gsm_sim", "30001", "0x20", "0x9000", "VERIFY CHV"},
        {"gsm_sim", "30001", "0x88", "0x9000", "RUN GSM ALGORITHM"},
        {"gsm_sim", "30002", NULL, NULL, NULL},
        {"gsm_sim", "30002", "0xa4", "0x9000", "SELECT File EF.IMSI"},
        {"gsm_sim", "30002", "0xa4", "0x9000", "SELECT"},
        {"gsm_sim", "30002", "0xb0", "0x9000", "READ BINARY"},
        {"gsm_sim", "30002", "0xb0", "0x6c09", "READ BINARY"},
        {"gsm_sim", "30002", "0x88", "0x9000", "AUTHENTICATE"},
        {"gsm_sim", "30002", "0x20", "0x63c3", "VERIFY"},
        {"gsmtap_log", "30002", NULL, NULL, "terminal reset (cold), forwarded"},
};

static guint
count_bytes(const gchar *hay, gsize hay_len, const guint8 *needle, gsize len, gsize *last)
{
	guint n = 0;

	for (gsize i = 0; i + len <= hay_len; i++) {
		if (memcmp(hay + i, needle, len) == 0) {
			n++;
			*last = i;
		}
	}
	return n;
}

static gchar *
run_tshark(const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	gint status = 0;

	g_ptr_array_add(argv, (gpointer)g_getenv("TSHARK"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
	                           &out, &err, &status, &error));
	g_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, &error))
		g_error("tshark failed: %s\n%s", error->message, err);
	return out;
}

static void
test_tshark_session(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("gsmtap-tshark-XXXXXX", &error);
	g_autofree gchar *path = NULL;
	g_autofree gchar *fields = NULL;
	g_autofree gchar *verbose = NULL;
	g_auto(GStrv) lines = NULL;
	guint n = 0;

	g_assert_no_error(error);
	path = g_build_filename(dir, "session.pcap", NULL);
	write_session(path);

	{
		const gchar *args[] = {"-r", path,
		                       "-T", "fields",
		                       "-E", "separator=|",
		                       "-e", "frame.protocols",
		                       "-e", "udp.srcport",
		                       "-e", "gsm_sim.apdu.ins",
		                       "-e", "gsm_sim.apdu.sw",
		                       "-e", "_ws.malformed",
		                       "-e", "_ws.col.Info",
		                       NULL};

		fields = run_tshark(args);
	}
	g_test_message("tshark fields:\n%s", fields);
	lines = g_strsplit(fields, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = NULL;
		const Expect *e;

		if (lines[i][0] == '\0')
			continue;
		g_assert_cmpuint(n, <, G_N_ELEMENTS(expected));
		e = &expected[n++];
		f = g_strsplit(lines[i], "|", 6);
		g_assert_cmpuint(g_strv_length(f), ==, 6);
		g_assert_true(g_str_has_suffix(f[0], e->proto));
		g_assert_cmpstr(f[1], ==, e->srcport);
		if (e->ins != NULL)
			g_assert_cmpstr(f[2], ==, e->ins);
		if (e->sw != NULL)
			g_assert_cmpstr(f[3], ==, e->sw);
		g_assert_cmpstr(f[4], ==, "");
		if (e->info != NULL)
			g_assert_nonnull(strstr(f[5], e->info));
		g_assert_null(strstr(f[5], "Malformed"));
	}
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(expected));

	{
		const gchar *args[] = {"-r", path, "-V", NULL};

		verbose = run_tshark(args);
	}
	g_assert_null(strstr(verbose, "Malformed"));
	g_assert_null(strstr(verbose, "Exception"));
	/* instruction names and status word meanings as the dissector shows them */
	g_assert_nonnull(strstr(verbose, "Instruction: SELECT (0xa4)"));
	g_assert_nonnull(strstr(verbose, "Instruction: READ BINARY (0xb0)"));
	g_assert_nonnull(strstr(verbose, "Instruction: VERIFY CHV (0x20)"));
	g_assert_nonnull(strstr(verbose, "Instruction: RUN GSM ALGORITHM / AUTHENTICATE (0x88)"));
	g_assert_nonnull(strstr(verbose, "Normal ending of the command"));
	/* redaction on route 1: neither the PIN nor the RAND nor SRES/Kc are there */
	g_assert_null(strstr(fields, "31323334"));
	{
		g_autofree gchar *data = NULL;
		gsize len = 0;
		static const guint8 pin[] = {0x31, 0x32, 0x33, 0x34, 0xff, 0xff};
		static const guint8 sres_kc[] = {0xa1, 0xa2, 0xa3, 0xa4};
		static const guint8 rand1[] = {0xf0, 0xf1, 0xf2, 0xf3};
		static const guint8 res2[] = {0xdb, 0x08, 0x01, 0x02, 0x03, 0x04};
		gsize at;

		g_assert_true(g_file_get_contents(path, &data, &len, &error));
		/* route 1 redacts pin,auth; route 2 redacts nothing */
		g_assert_cmpuint(count_bytes(data, len, sres_kc, sizeof(sres_kc), &at), ==, 0);
		g_assert_cmpuint(count_bytes(data, len, rand1, sizeof(rand1), &at), ==, 0);
		g_assert_cmpuint(count_bytes(data, len, res2, sizeof(res2), &at), ==, 1);
		/* one VERIFY PIN in clear: route 2's, the last frame but the log */
		g_assert_cmpuint(count_bytes(data, len, pin, sizeof(pin), &at), ==, 1);
	}
	g_unlink(path);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	const gchar *tshark = g_getenv("TSHARK");

	if (tshark == NULL || tshark[0] == '\0') {
		g_printerr("tshark not found: skipped\n");
		return 77;
	}
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/gsmtap/tshark/session", test_tshark_session);
	return g_test_run();
}
