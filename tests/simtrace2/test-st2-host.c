// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of frontend-simtrace2's pure parts: the host APDU state machine
 * (the sheet §7, §9 byte by byte), the STATUS -> reset mapping (§7.2) and the
 * incoming transfer dispatch.
 */
#include <string.h>

#include "st2-host-apdu.h"
#include "st2-host-in.h"
#include "st2-host-line.h"

typedef struct {
	GByteArray *out;      /* every OUT transfer, concatenated */
	GPtrArray *transfers; /* GBytes per OUT transfer */
	GByteArray *submitted;
	guint submits;
	guint anomalies;
} Rec;

static void
rec_send(gpointer ctx, const guint8 *buf, gsize len)
{
	Rec *r = ctx;

	g_assert_cmpuint(len, <=, ST2_MSG_MAX);
	g_byte_array_append(r->out, buf, (guint)len);
	g_ptr_array_add(r->transfers, g_bytes_new(buf, len));
}

static void
rec_submit(gpointer ctx, const guint8 *cmd, gsize len)
{
	Rec *r = ctx;

	g_byte_array_set_size(r->submitted, 0);
	g_byte_array_append(r->submitted, cmd, (guint)len);
	r->submits++;
}

static void
rec_log(gpointer ctx, gboolean anomaly, const gchar *line)
{
	Rec *r = ctx;

	r->anomalies += anomaly;
	g_test_message("%s%s", anomaly ? "anomaly: " : "", line);
}

static const St2ApduOps rec_ops = {rec_send, rec_submit, rec_log};

static void
rec_init(Rec *r, St2Apdu *apdu)
{
	r->out = g_byte_array_new();
	r->transfers = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	r->submitted = g_byte_array_new();
	r->submits = 0;
	r->anomalies = 0;
	st2_apdu_init(apdu, &rec_ops, r);
}

static void
rec_clear(Rec *r)
{
	g_byte_array_unref(r->out);
	g_ptr_array_unref(r->transfers);
	g_byte_array_unref(r->submitted);
}

static void
rec_reset_out(Rec *r)
{
	g_byte_array_set_size(r->out, 0);
	g_ptr_array_set_size(r->transfers, 0);
}

static GBytes *
hex(const gchar *text)
{
	GByteArray *b = g_byte_array_new();

	for (const gchar *p = text; *p != '\0';) {
		guint8 v;

		if (*p == ' ') {
			p++;
			continue;
		}
		v = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		g_byte_array_append(b, &v, 1);
		p += 2;
	}
	return g_byte_array_free_to_bytes(b);
}

static void
assert_bytes(const guint8 *data, gsize len, const gchar *expect)
{
	g_autoptr(GBytes) want = hex(expect);
	g_autoptr(GBytes) got = g_bytes_new(data, len);

	if (!g_bytes_equal(want, got)) {
		g_autofree gchar *s = NULL;
		GString *g = g_string_new(NULL);

		for (gsize i = 0; i < len; i++)
			g_string_append_printf(g, "%02x ", data[i]);
		s = g_string_free(g, FALSE);
		g_error("got %s, want %s", s, expect);
	}
}

/* feeds one IN transfer (hex) to the machine through the dispatcher */
static void
in_rx(gpointer ctx, const struct st2_data *data)
{
	st2_apdu_rx_data(ctx, data);
}

static void
in_status(gpointer ctx, const struct st2_status *status, gboolean irq)
{
}

static void
in_config(gpointer ctx, const struct st2_config *config)
{
}

static void
in_pts(gpointer ctx, const struct st2_pts *pts)
{
}

static void
in_info(gpointer ctx, const struct st2_board_info *info)
{
}

static guint ignored_count;

static void
in_ignored(gpointer ctx, guint8 c, guint8 t, const gchar *why)
{
	ignored_count++;
}

static const St2InOps in_ops = {in_rx, in_status, in_config, in_pts, in_info, in_ignored};

static void
feed(St2Apdu *apdu, const gchar *transfer)
{
	g_autoptr(GBytes) b = hex(transfer);
	gsize len;
	const guint8 *p = g_bytes_get_data(b, &len);

	st2_host_in_transfer(&in_ops, apdu, FALSE, p, len);
}

static void
answer(St2Apdu *apdu, const gchar *resp)
{
	g_autoptr(GBytes) b = hex(resp);
	gsize len;
	const guint8 *p = g_bytes_get_data(b, &len);

	st2_apdu_card_answer(apdu, p, len, 0x6f00);
}

/* the sheet §9: SELECT DF GSM, 9F17, then GET RESPONSE */
static void
test_sheet_trace(void)
{
	St2Apdu apdu;
	Rec r;

	rec_init(&r, &apdu);
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 a0 a4 00 00 02");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 0f 00 08 00 00 00 01 00 a4");
	g_assert_cmpuint(r.submits, ==, 0);
	rec_reset_out(&r);
	feed(&apdu, "01 06 00 00 00 00 10 00 02 00 00 00 02 00 7f 20");
	g_assert_cmpuint(r.submits, ==, 1);
	assert_bytes(r.submitted->data, r.submitted->len, "a0 a4 00 00 02 7f 20");
	answer(&apdu, "9f 17");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 9f 17");
	rec_reset_out(&r);
	/* GET RESPONSE: case 2, INS ‖ data ‖ SW in one message */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 a0 c0 00 00 03");
	assert_bytes(r.submitted->data, r.submitted->len, "a0 c0 00 00 03");
	answer(&apdu, "01 02 03 90 00");
	assert_bytes(r.out->data, r.out->len,
	             "01 01 00 00 00 00 14 00 06 00 00 00 06 00 c0 01 02 03 90 00");
	g_assert_cmpint(st2_apdu_get_state(&apdu), ==, ST2_APDU_IDLE);
	rec_clear(&r);
}

static void
test_cases(void)
{
	St2Apdu apdu;
	Rec r;

	rec_init(&r, &apdu);
	/* case 1: 4-byte command, SW only */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 a0 fa 00 00 00");
	assert_bytes(r.submitted->data, r.submitted->len, "a0 fa 00 00");
	answer(&apdu, "90 00");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 90 00");
	rec_reset_out(&r);
	/* case 2 with an error SW and no data: SW only */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 b0 00 00 10");
	answer(&apdu, "69 86");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 69 86");
	rec_reset_out(&r);
	/* 6Cxx passed through */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 b0 00 00 00");
	answer(&apdu, "6c 09");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 6c 09");
	rec_reset_out(&r);
	/* fewer bytes than Le: ~INS per byte, SW last */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 b0 00 00 04");
	answer(&apdu, "aa bb 90 00");
	assert_bytes(r.out->data, r.out->len,
	             "01 01 00 00 00 00 14 00 06 00 00 00 06 00 4f aa 4f bb 90 00");
	g_assert_cmpuint(apdu.counters.short_answers, ==, 1);
	rec_reset_out(&r);
	/* case 3 with P3 = 0: no data phase, the header as the phone sent it */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 20 00 01 00");
	assert_bytes(r.submitted->data, r.submitted->len, "00 20 00 01 00");
	answer(&apdu, "63 c3");
	rec_reset_out(&r);
	/* case 4 answered with data at once: 61xx, then GET RESPONSE served here */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 a4 00 04 02");
	feed(&apdu, "01 06 00 00 00 00 10 00 02 00 00 00 02 00 3f 00");
	rec_reset_out(&r);
	answer(&apdu, "62 03 82 01 78 90 00");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 61 05");
	rec_reset_out(&r);
	r.submits = 0;
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 c0 00 00 02");
	g_assert_cmpuint(r.submits, ==, 0);
	assert_bytes(r.out->data, r.out->len,
	             "01 01 00 00 00 00 13 00 06 00 00 00 05 00 c0 62 03 61 03");
	rec_reset_out(&r);
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 c0 00 00 03");
	assert_bytes(r.out->data, r.out->len,
	             "01 01 00 00 00 00 14 00 06 00 00 00 06 00 c0 82 01 78 90 00");
	g_assert_cmpuint(apdu.counters.local_get_response, ==, 2);
	rec_reset_out(&r);
	/* unknown instruction: 6D00, never fatal */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 a0 77 00 00 00");
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 6d 00");
	g_assert_cmpuint(apdu.counters.unknown_ins, ==, 1);
	rec_reset_out(&r);
	/* no answer from the card: the fail SW */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 84 00 00 08");
	st2_apdu_card_answer(&apdu, NULL, 0, 0x6f00);
	assert_bytes(r.out->data, r.out->len, "01 01 00 00 00 00 10 00 06 00 00 00 02 00 6f 00");
	rec_clear(&r);
}

/* 256 bytes of case 2 (P3 = 00) fit one message; 255 command bytes arrive */
static void
test_big(void)
{
	St2Apdu apdu;
	Rec r;
	guint8 resp[258];
	const guint8 *msg;
	gsize len;

	rec_init(&r, &apdu);
	for (guint i = 0; i < 256; i++)
		resp[i] = (guint8)i;
	resp[256] = 0x90;
	resp[257] = 0x00;
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 b0 00 00 00");
	st2_apdu_card_answer(&apdu, resp, sizeof(resp), 0x6f00);
	g_assert_cmpuint(r.transfers->len, ==, 1);
	msg = g_bytes_get_data(r.transfers->pdata[0], &len);
	g_assert_cmpuint(len, ==, 8 + 6 + 1 + 256 + 2);
	g_assert_cmpuint(msg[14], ==, 0xb0);
	g_assert_cmpuint(msg[14 + 1 + 255], ==, 255);
	rec_reset_out(&r);
	/* 200 of 256 bytes: ~INS per byte over two transfers */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 b0 00 00 00");
	resp[200] = 0x90;
	resp[201] = 0x00;
	st2_apdu_card_answer(&apdu, resp, 202, 0x6f00);
	g_assert_cmpuint(r.transfers->len, ==, 2);
	g_assert_cmpuint(r.out->len, ==, 2 * 14 + 2 * 200 + 2);
	rec_clear(&r);
}

/* the 6Cxx rule: a re-sent GP GET DATA keeps case 2 (§7) */
static void
test_wrong_le(void)
{
	St2Apdu apdu;
	Rec r;

	rec_init(&r, &apdu);
	/* GET DATA (CA): case 2 whatever the table says */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 81 ca 00 5a 00");
	g_assert_cmpint(apdu.apdu_case, ==, CR_APDU_CASE_2);
	g_assert_cmpuint(r.submits, ==, 1);
	answer(&apdu, "6c 23");
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 81 ca 00 5a 23");
	g_assert_cmpint(apdu.apdu_case, ==, CR_APDU_CASE_2);
	answer(&apdu, "6a 88");
	/* a re-sent command after 6Cxx inherits the first try's case */
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 81 e2 00 00 00");
	g_assert_cmpint(apdu.apdu_case, ==, CR_APDU_CASE_3);
	st2_apdu_card_answer(&apdu, (const guint8 *)"\x6c\x05", 2, 0x6f00);
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 81 e2 00 00 05");
	g_assert_cmpint(apdu.apdu_case, ==, CR_APDU_CASE_3);
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 81 e2 01 00 05");
	g_assert_cmpint(apdu.apdu_case, ==, CR_APDU_CASE_4);
	rec_clear(&r);
}

static void
test_reset_drops(void)
{
	St2Apdu apdu;
	Rec r;

	rec_init(&r, &apdu);
	feed(&apdu, "01 06 00 00 00 00 13 00 01 00 00 00 05 00 00 84 00 00 08");
	g_assert_cmpint(st2_apdu_get_state(&apdu), ==, ST2_APDU_WAIT_CARD);
	st2_apdu_reset(&apdu);
	rec_reset_out(&r);
	answer(&apdu, "01 02 03 04 05 06 07 08 90 00");
	g_assert_cmpuint(r.out->len, ==, 0);
	/* command data with no command */
	feed(&apdu, "01 06 00 00 00 00 10 00 02 00 00 00 02 00 3f 00");
	g_assert_cmpuint(apdu.counters.ignored, ==, 1);
	g_assert_cmpuint(r.out->len, ==, 0);
	rec_clear(&r);
}

static void
test_line(void)
{
	St2Line line;
	const guint32 V = ST2_STATUS_F_VCC_PRESENT, C = ST2_STATUS_F_CLK_ACTIVE,
	              R = ST2_STATUS_F_RESET_ACTIVE;

	st2_line_init(&line);
	g_assert_cmpint(st2_line_update(&line, 0), ==, ST2_LINE_NONE);
	/* power-up with RST low, then released: cold */
	g_assert_cmpint(st2_line_update(&line, V | C | R), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, V | C), ==, ST2_LINE_RESET_COLD);
	/* clock stop is no reset */
	g_assert_cmpint(st2_line_update(&line, V), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, V | C), ==, ST2_LINE_NONE);
	/* RST pulse: start, then warm */
	g_assert_cmpint(st2_line_update(&line, V | C | R), ==, ST2_LINE_RESET_START);
	g_assert_cmpint(st2_line_update(&line, V | C), ==, ST2_LINE_RESET_WARM);
	/* power off, then power-up without a reset pulse ("improper"): cold */
	g_assert_cmpint(st2_line_update(&line, 0), ==, ST2_LINE_POWER_OFF);
	g_assert_cmpint(st2_line_update(&line, V), ==, ST2_LINE_RESET_COLD);
	/* the seed log: 11 -> 13 -> 03 from a powered card: warm */
	g_assert_cmpint(st2_line_update(&line, V | R), ==, ST2_LINE_RESET_START);
	g_assert_cmpint(st2_line_update(&line, V | C | R), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, V | C), ==, ST2_LINE_RESET_WARM);
	/* first sight of an active card: nothing (the firmware waits for a reset) */
	st2_line_init(&line);
	g_assert_cmpint(st2_line_update(&line, V | C), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, V | C | R), ==, ST2_LINE_RESET_START);
	g_assert_cmpint(st2_line_update(&line, V | C), ==, ST2_LINE_RESET_WARM);
}

/* what the released firmware reports: 10 at start, 11 -> 13 -> 03 at power-up
 * (CLK a late copy of VCC), never 04/08; and WT from WI and D */
static void
test_line_upstream(void)
{
	St2Line line;

	st2_line_init(&line);
	g_assert_cmpint(st2_line_update(&line, 0x00), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, 0x10), ==, ST2_LINE_NONE);
	g_assert_false(st2_line_is_active(&line));
	g_assert_cmpint(st2_line_update(&line, 0x11), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, 0x13), ==, ST2_LINE_NONE);
	g_assert_cmpint(st2_line_update(&line, 0x03), ==, ST2_LINE_RESET_COLD);
	g_assert_true(st2_line_is_active(&line));
	g_assert_cmpint(st2_line_update(&line, 0x13), ==, ST2_LINE_RESET_START);
	g_assert_false(st2_line_is_active(&line));
	g_assert_cmpint(st2_line_update(&line, 0x03), ==, ST2_LINE_RESET_WARM);
	g_assert_cmpint(st2_line_update(&line, 0x10), ==, ST2_LINE_POWER_OFF);

	g_assert_cmpuint(st2_line_wt_etu(10, 1), ==, 9600);
	g_assert_cmpuint(st2_line_wt_etu(10, 5), ==, 153600); /* after PPS 95: D 16 */
	g_assert_cmpuint(st2_line_wt_etu(10, 3), ==, 38400);
	g_assert_cmpuint(st2_line_wt_etu(32, 0), ==, 32 * 960); /* RFU D: 1 */
	g_assert_cmpuint(st2_line_wt_etu(0, 1), ==, 9600);      /* RFU WI: 10 */
}

static void
test_in_malformed(void)
{
	St2Apdu apdu;
	Rec r;

	rec_init(&r, &apdu);
	ignored_count = 0;
	/* short header, msg_len past the end, unknown class, STATUS too short */
	feed(&apdu, "01 06 00");
	feed(&apdu, "01 06 00 00 00 00 ff 00 01 00");
	feed(&apdu, "7f 01 00 00 00 00 08 00");
	feed(&apdu, "01 04 00 00 00 00 09 00 01");
	/* RX_DATA header with 3 bytes only */
	feed(&apdu, "01 06 00 00 00 00 11 00 01 00 00 00 03 00 a0 a4 00");
	g_assert_cmpuint(ignored_count, ==, 4);
	g_assert_cmpuint(apdu.counters.ignored, ==, 1);
	g_assert_cmpuint(r.out->len, ==, 0);
	g_assert_cmpuint(r.submits, ==, 0);
	rec_clear(&r);
}

gint
main(gint argc, gchar **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/st2-host/apdu/sheet-trace", test_sheet_trace);
	g_test_add_func("/st2-host/apdu/cases", test_cases);
	g_test_add_func("/st2-host/apdu/big", test_big);
	g_test_add_func("/st2-host/apdu/wrong-le", test_wrong_le);
	g_test_add_func("/st2-host/apdu/reset-drops", test_reset_drops);
	g_test_add_func("/st2-host/line", test_line);
	g_test_add_func("/st2-host/line/upstream", test_line_upstream);
	g_test_add_func("/st2-host/in/malformed", test_in_malformed);
	return g_test_run();
}
