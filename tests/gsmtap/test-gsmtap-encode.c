// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the GSMTAP encoding and of the per-route frame builder. */
#include <string.h>

#include "gsmtap-encode.h"
#include "gsmtap-trace.h"
#include "test-hex.h"

static void
assert_bytes_hex(const guint8 *data, gsize len, const gchar *hex)
{
	g_autofree gchar *got = test_hex_string(data, len);
	g_autofree gchar *want = test_hex_normalize(hex);

	g_assert_cmpstr(got, ==, want);
}

static gchar *
apdu_payload_hex(const gchar *cmd_hex, const gchar *rsp_hex, guint redact)
{
	g_autoptr(GByteArray) cmd = test_hex_parse(cmd_hex);
	g_autoptr(GByteArray) rsp = test_hex_parse(rsp_hex);
	g_autoptr(GByteArray) out = g_byte_array_new();

	g_assert_true(
	        gsmtap_apdu_payload_build(out, cmd->data, cmd->len, rsp->data, rsp->len, redact));
	return test_hex_string(out->data, out->len);
}

#define assert_payload(cmd, rsp, redact, want)                                                     \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *got_ = apdu_payload_hex(cmd, rsp, redact);                       \
		g_autofree gchar *want_ = test_hex_normalize(want);                                \
		g_assert_cmpstr(got_, ==, want_);                                                  \
	}                                                                                          \
	G_STMT_END

static void
test_header(void)
{
	guint8 hdr[GSMTAP_HDR_LEN];

	gsmtap_header_write(hdr, GSMTAP_TYPE_SIM, GSMTAP_SIM_APDU, 0, 0);
	assert_bytes_hex(hdr, sizeof(hdr), "02 04 04 00 0000 00 00 00000000 00 00 00 00");
	gsmtap_header_write(hdr, GSMTAP_TYPE_SIM, GSMTAP_SIM_ATR, 3, 0x01020304);
	assert_bytes_hex(hdr, sizeof(hdr), "02 04 04 00 0003 00 00 01020304 01 00 03 00");
	/* 14 bits of ARFCN, 8 of sub-slot. */
	gsmtap_header_write(hdr, GSMTAP_TYPE_SIM, GSMTAP_SIM_TPDU_SW, 0x4321, 7);
	assert_bytes_hex(hdr, sizeof(hdr), "02 04 04 00 0321 00 00 00000007 07 00 21 00");
	gsmtap_header_write(hdr, GSMTAP_TYPE_OSMOCORE_LOG, 0, 1, 0);
	g_assert_cmpuint(hdr[2], ==, 0x10);
}

static void
test_command_parse(void)
{
	static const guint8 case1[] = {0x00, 0x70, 0x00, 0x00};
	static const guint8 case4[] = {0x00, 0xa4, 0x00, 0x04, 0x02, 0x6f, 0x07, 0x00};
	static const guint8 ext3[] = {0x00, 0xd6, 0x00, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb};
	static const guint8 ext4[] = {0x00, 0xd6, 0x00, 0x00, 0x00, 0x00,
	                              0x02, 0xaa, 0xbb, 0x00, 0x00};
	static const guint8 bad[] = {0x00, 0xd6, 0x00, 0x00, 0x05, 0x01};
	GsmtapCommand c;

	gsmtap_command_parse(case1, 3, &c);
	g_assert_false(c.valid);
	gsmtap_command_parse(case1, sizeof(case1), &c);
	g_assert_true(c.valid);
	assert_bytes_hex(c.header, 5, "00 70 00 00 00");
	g_assert_cmpuint(c.data_len, ==, 0);

	gsmtap_command_parse(case4, sizeof(case4), &c);
	g_assert_true(c.valid);
	g_assert_true(c.le_stripped);
	g_assert_cmpuint(c.data_len, ==, 2);
	g_assert_true(c.data == case4 + 5);

	gsmtap_command_parse(case4, sizeof(case4) - 1, &c);
	g_assert_true(c.valid);
	g_assert_false(c.le_stripped);
	g_assert_cmpuint(c.data_len, ==, 2);

	gsmtap_command_parse(ext3, sizeof(ext3), &c);
	g_assert_true(c.valid && c.extended && !c.le_stripped);
	assert_bytes_hex(c.header, 5, "00 d6 00 00 02");
	g_assert_cmpuint(c.data_len, ==, 2);
	gsmtap_command_parse(ext4, sizeof(ext4), &c);
	g_assert_true(c.valid && c.extended && c.le_stripped);
	g_assert_cmpuint(c.data_len, ==, 2);

	gsmtap_command_parse(bad, sizeof(bad), &c);
	g_assert_false(c.valid);
}

/* Commands as a byte-level T=0 frontend (simtrace2) submits them. */
static void
test_payload_tpdu(void)
{
	/* case 1: INVALIDATE */
	assert_payload("A0 04 00 00 00", "90 00", 0, "A0 04 00 00 00 90 00");
	/* case 2: READ BINARY 4 bytes */
	assert_payload("A0 B0 00 00 04", "01 02 03 04 90 00", 0,
	               "A0 B0 00 00 04 01 02 03 04 90 00");
	/* case 2 with an error: no data, P3 follows the frame (00) */
	assert_payload("A0 B0 00 00 0A", "6B 00", 0, "A0 B0 00 00 00 6B 00");
	/* case 2 with fewer bytes than asked */
	assert_payload("00 B0 00 00 00", "AA BB 62 82", 0, "00 B0 00 00 02 AA BB 62 82");
	/* case 3: UPDATE BINARY */
	assert_payload("A0 D6 00 00 02 11 22", "90 00", 0, "A0 D6 00 00 02 11 22 90 00");
	/* case 4 TPDU: SELECT, answered 9F17 */
	assert_payload("A0 A4 00 00 02 3F 00", "9F 17", 0, "A0 A4 00 00 02 3F 00 9F 17");
	/* T=0 case 3 with P3 = 00: 256 data bytes */
	{
		g_autoptr(GByteArray) cmd = test_hex_parse("00 D6 00 00 00");
		g_autoptr(GByteArray) out = g_byte_array_new();
		guint8 sw[2] = {0x90, 0x00};

		for (guint i = 0; i < 256; i++) {
			guint8 b = (guint8)(i + 1);

			g_byte_array_append(cmd, &b, 1);
		}
		g_assert_true(gsmtap_apdu_payload_build(out, cmd->data, cmd->len, sw, 2, 0));
		g_assert_cmpuint(out->len, ==, 5 + 256 + 2);
		g_assert_cmpmem(out->data, 261, cmd->data, 261);
	}
}

/* ISO 7816-4 C-APDUs as vpcd hands them over. */
static void
test_payload_apdu(void)
{
	/* case 1: 4 bytes, P3 = 00 added */
	assert_payload("00 70 00 00", "90 00", 0, "00 70 00 00 00 90 00");
	/* case 2 */
	assert_payload("00 B0 00 00 03", "01 02 03 90 00", 0, "00 B0 00 00 03 01 02 03 90 00");
	/* case 3 */
	assert_payload("00 20 00 01 04 31 32 33 34", "90 00", 0,
	               "00 20 00 01 04 31 32 33 34 90 00");
	/* case 4: Le dropped, response data follow the command data */
	assert_payload("00 A4 00 04 02 6F 07 00", "62 03 82 01 21 90 00", 0,
	               "00 A4 00 04 02 6F 07 62 03 82 01 21 90 00");
	/* case 4 answered 61xx by a T=0 card */
	assert_payload("00 A4 00 04 02 6F 07 00", "61 20", 0, "00 A4 00 04 02 6F 07 61 20");
	/* extended case 4: Lc/Le fields dropped, P3 = Lc's low byte */
	assert_payload("00 88 00 81 00 00 02 AA BB 00 00", "CC 90 00", 0,
	               "00 88 00 81 02 AA BB CC 90 00");
	/* not a command shape: raw */
	assert_payload("00 A4 00 04 05 01", "6A 87", 0, "00 A4 00 04 05 01 6A 87");
	/* no SW: refused */
	{
		g_autoptr(GByteArray) out = g_byte_array_new();
		static const guint8 cmd[] = {0x00, 0xb0, 0x00, 0x00, 0x01};
		static const guint8 one[] = {0x90};

		g_assert_false(gsmtap_apdu_payload_build(out, cmd, 5, one, 1, 0));
		g_assert_false(gsmtap_apdu_payload_build(out, cmd, 5, NULL, 0, 0));
		g_assert_cmpuint(out->len, ==, 0);
	}
}

static void
test_redaction(void)
{
	guint all = GSMTAP_REDACT_PIN | GSMTAP_REDACT_AUTH;

	/* VERIFY CHV: PIN zeroed, SW kept */
	assert_payload("A0 20 00 01 08 31 32 33 34 FF FF FF FF", "90 00", GSMTAP_REDACT_PIN,
	               "A0 20 00 01 08 00 00 00 00 00 00 00 00 90 00");
	/* not redacted without the flag */
	assert_payload("A0 20 00 01 02 31 32", "90 00", GSMTAP_REDACT_AUTH,
	               "A0 20 00 01 02 31 32 90 00");
	/* CHANGE, UNBLOCK (UICC), DISABLE, ENABLE */
	assert_payload("00 24 00 01 02 31 32", "90 00", all, "00 24 00 01 02 00 00 90 00");
	assert_payload("00 2C 00 01 02 31 32", "63 C9", all, "00 2C 00 01 02 00 00 63 C9");
	assert_payload("A0 26 00 01 01 31", "90 00", all, "A0 26 00 01 01 00 90 00");
	assert_payload("A0 28 00 01 01 31", "90 00", all, "A0 28 00 01 01 00 90 00");
	/* RUN GSM ALGORITHM: RAND and SRES/Kc zeroed */
	assert_payload("A0 88 00 00 02 AA BB", "11 22 33 90 00", GSMTAP_REDACT_AUTH,
	               "A0 88 00 00 02 00 00 00 00 00 90 00");
	/* pin alone leaves AUTHENTICATE alone */
	assert_payload("00 88 00 81 02 AA BB 00", "11 22 90 00", GSMTAP_REDACT_PIN,
	               "00 88 00 81 02 AA BB 11 22 90 00");
	/* other commands untouched */
	assert_payload("A0 B0 00 00 02", "11 22 90 00", all, "A0 B0 00 00 02 11 22 90 00");
}

static void
test_redact_names(void)
{
	const gchar *both[] = {"pin", "auth", NULL};
	const gchar *bogus[] = {"pin", "imsi", NULL};
	const gchar *none[] = {"none", NULL};
	const gchar *bad = NULL;
	guint flags = 99;

	g_assert_true(gsmtap_redact_from_strv(both, &flags, &bad));
	g_assert_cmpuint(flags, ==, GSMTAP_REDACT_PIN | GSMTAP_REDACT_AUTH);
	g_assert_true(gsmtap_redact_from_strv(none, &flags, &bad));
	g_assert_cmpuint(flags, ==, 0);
	g_assert_true(gsmtap_redact_from_strv(NULL, &flags, &bad));
	g_assert_cmpuint(flags, ==, 0);
	g_assert_false(gsmtap_redact_from_strv(bogus, &flags, &bad));
	g_assert_cmpstr(bad, ==, "imsi");
}

static void
test_log_payload(void)
{
	g_autoptr(GByteArray) out = g_byte_array_new();

	gsmtap_log_payload_append(out, 1000 * G_USEC_PER_SEC + 5, "cardrouted", 1234,
	                          GSMTAP_LOG_NOTICE, "a-very-long-subsystem-name", "reset");
	g_assert_cmpuint(out->len, ==, GSMTAP_LOG_HDR_LEN + 6);
	assert_bytes_hex(out->data, 8, "000003E8 00000005");
	g_assert_cmpstr((const gchar *)out->data + 8, ==, "cardrouted");
	assert_bytes_hex(out->data + 24, 5, "000004D2 05");
	/* truncated to 15 characters + NUL */
	g_assert_cmpstr((const gchar *)out->data + 32, ==, "a-very-long-sub");
	g_assert_cmpstr((const gchar *)out->data + 48, ==, "tap-gsmtap");
	g_assert_cmpstr((const gchar *)out->data + GSMTAP_LOG_HDR_LEN, ==, "reset");
}

/* Frames collected from a GsmtapTrace: "SUBTYPE:TIME:HEX" strings. */
static void
collect(guint8 sub_type, gint64 ts, const guint8 *payload, gsize len, gpointer user_data)
{
	GPtrArray *frames = user_data;
	g_autofree gchar *hex = test_hex_string(payload, len);

	g_ptr_array_add(frames, g_strdup_printf("%u:%" G_GINT64_FORMAT ":%s", sub_type, ts, hex));
}

static void
collect_raw(guint8 sub_type, gint64 ts, const guint8 *payload, gsize len, gpointer user_data)
{
	GPtrArray *frames = user_data;
	GByteArray *copy = g_byte_array_sized_new((guint)len);

	g_assert_cmpuint(sub_type, ==, GSMTAP_SIM_APDU);
	g_byte_array_append(copy, payload, (guint)len);
	g_ptr_array_add(frames, copy);
}

static void
feed(GsmtapTrace *trace, gint64 ts, const gchar *cmd_hex, const gchar *rsp_hex)
{
	g_autoptr(GByteArray) cmd = test_hex_parse(cmd_hex);
	g_autoptr(GByteArray) rsp = test_hex_parse(rsp_hex);

	gsmtap_trace_exchange(trace, ts, cmd->data, cmd->len, rsp->data, rsp->len);
}

static void
assert_frame(GPtrArray *frames, guint i, guint sub_type, gint64 ts, const gchar *hex)
{
	g_autofree gchar *norm = test_hex_normalize(hex);
	g_autofree gchar *want = g_strdup_printf("%u:%" G_GINT64_FORMAT ":%s", sub_type, ts, norm);

	g_assert_cmpuint(frames->len, >, i);
	g_assert_cmpstr(g_ptr_array_index(frames, i), ==, want);
}

/* Extended APDUs: one frame each, length fields dropped, whole up to what a
 * datagram holds, the status word kept beyond. */
static void
test_trace_extended(void)
{
	g_autoptr(GPtrArray) frames =
	        g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	g_autoptr(GsmtapTrace) trace = gsmtap_trace_new(0, FALSE, collect_raw, frames);
	g_autoptr(GByteArray) cmd = g_byte_array_new();
	g_autofree guint8 *rsp = g_malloc(65536 + 2);
	GByteArray *f;

	for (guint i = 0; i < 65536; i++)
		rsp[i] = (guint8)i;
	/* READ BINARY, Le = 1000: P3 is the data length's low byte */
	g_byte_array_append(cmd, (const guint8[]){0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00}, 7);
	rsp[4096] = 0x90;
	rsp[4097] = 0x00;
	gsmtap_trace_exchange(trace, 1, cmd->data, cmd->len, rsp, 4098);
	g_assert_cmpuint(frames->len, ==, 1);
	f = frames->pdata[0];
	g_assert_cmpuint(f->len, ==, 5 + 4096 + 2);
	g_assert_cmpmem(f->data, 5, ((const guint8[]){0x00, 0xB0, 0x00, 0x00, 0x00}), 5);
	g_assert_cmpmem(f->data + 5, 4098, rsp, 4098);
	/* UPDATE BINARY, Lc = 012C: P3 = 2C, all 300 bytes */
	g_byte_array_set_size(cmd, 0);
	g_byte_array_append(cmd, (const guint8[]){0x00, 0xD6, 0x00, 0x00, 0x00, 0x01, 0x2C}, 7);
	g_byte_array_append(cmd, rsp, 300);
	gsmtap_trace_exchange(trace, 2, cmd->data, cmd->len, (const guint8[]){0x90, 0x00}, 2);
	f = frames->pdata[1];
	g_assert_cmpuint(f->len, ==, 5 + 300 + 2);
	g_assert_cmpmem(f->data, 5, ((const guint8[]){0x00, 0xD6, 0x00, 0x00, 0x2C}), 5);
	g_assert_cmpmem(f->data + 5, 300, rsp, 300);
	g_assert_cmphex(f->data[305], ==, 0x90);
	/* READ BINARY, Le = 0000, 65536 bytes: cut to a datagram, 6282 kept */
	g_byte_array_set_size(cmd, 0);
	g_byte_array_append(cmd, (const guint8[]){0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}, 7);
	g_free(rsp);
	rsp = g_malloc(65536 + 2);
	memset(rsp, 0x5A, 65536);
	rsp[65536] = 0x62;
	rsp[65537] = 0x82;
	gsmtap_trace_exchange(trace, 3, cmd->data, cmd->len, rsp, 65538);
	f = frames->pdata[2];
	g_assert_cmpuint(f->len, ==, GSMTAP_MAX_PAYLOAD);
	g_assert_cmphex(f->data[f->len - 3], ==, 0x5A);
	g_assert_cmphex(f->data[f->len - 2], ==, 0x62);
	g_assert_cmphex(f->data[f->len - 1], ==, 0x82);
}

static void
test_trace_merge(void)
{
	g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GsmtapTrace) trace = gsmtap_trace_new(0, FALSE, collect, frames);
	gint64 since = 0;

	/* GSM SELECT (case-4 TPDU) + 9F02 + GET RESPONSE: one frame */
	feed(trace, 10, "A0 A4 00 00 02 3F 00", "9F 02");
	g_assert_cmpuint(frames->len, ==, 0);
	g_assert_true(gsmtap_trace_is_holding(trace, &since));
	g_assert_cmpint(since, ==, 10);
	feed(trace, 20, "A0 C0 00 00 02", "AA BB 90 00");
	g_assert_false(gsmtap_trace_is_holding(trace, NULL));
	assert_frame(frames, 0, GSMTAP_SIM_APDU, 20, "A0 A4 00 00 02 3F 00 AA BB 90 00");

	/* UICC AUTHENTICATE (ISO case 4 from vpcd) + 61xx, 6Cxx retry, chained */
	feed(trace, 30, "00 88 00 81 02 11 22 00", "61 04");
	feed(trace, 40, "00 C0 00 00 08", "6C 04");
	feed(trace, 50, "00 C0 00 00 04", "01 02 61 02");
	g_assert_true(gsmtap_trace_is_holding(trace, NULL));
	feed(trace, 60, "00 C0 00 00 02", "03 04 90 00");
	g_assert_cmpuint(frames->len, ==, 2);
	assert_frame(frames, 1, GSMTAP_SIM_APDU, 60, "00 88 00 81 02 11 22 01 02 03 04 90 00");

	/* A held frame is emitted as it is when something else follows */
	feed(trace, 70, "A0 A4 00 00 02 7F 20", "9F 16");
	feed(trace, 80, "A0 B0 00 00 01", "55 90 00");
	g_assert_cmpuint(frames->len, ==, 4);
	assert_frame(frames, 2, GSMTAP_SIM_APDU, 70, "A0 A4 00 00 02 7F 20 9F 16");
	assert_frame(frames, 3, GSMTAP_SIM_APDU, 80, "A0 B0 00 00 01 55 90 00");

	/* ... or on flush / ATR */
	feed(trace, 90, "A0 A4 00 00 02 6F 07", "9F 0F");
	gsmtap_trace_flush(trace);
	assert_frame(frames, 4, GSMTAP_SIM_APDU, 90, "A0 A4 00 00 02 6F 07 9F 0F");
	feed(trace, 100, "A0 A4 00 00 02 6F 07", "9F 0F");
	{
		static const guint8 atr[] = {0x3b, 0x00};

		gsmtap_trace_atr(trace, 110, atr, sizeof(atr));
	}
	assert_frame(frames, 5, GSMTAP_SIM_APDU, 100, "A0 A4 00 00 02 6F 07 9F 0F");
	assert_frame(frames, 6, GSMTAP_SIM_ATR, 110, "3B 00");

	/* GET RESPONSE answered with a bare error: both frames as they are */
	feed(trace, 120, "00 A4 00 04 02 6F 07", "61 10");
	feed(trace, 130, "00 C0 00 00 10", "6F 00");
	assert_frame(frames, 7, GSMTAP_SIM_APDU, 120, "00 A4 00 04 02 6F 07 61 10");
	assert_frame(frames, 8, GSMTAP_SIM_APDU, 130, "00 C0 00 00 00 6F 00");

	/* A command without data answered 61xx is not held */
	feed(trace, 140, "00 B2 01 04 00", "61 05");
	assert_frame(frames, 9, GSMTAP_SIM_APDU, 140, "00 B2 01 04 00 61 05");
	g_assert_cmpuint(frames->len, ==, 10);
}

static void
test_trace_redact(void)
{
	g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GsmtapTrace) trace =
	        gsmtap_trace_new(GSMTAP_REDACT_AUTH | GSMTAP_REDACT_PIN, FALSE, collect, frames);

	/* merged: RAND and SRES/Kc zeroed */
	feed(trace, 1, "A0 88 00 00 02 AA BB", "9F 03");
	feed(trace, 2, "A0 C0 00 00 03", "11 22 33 90 00");
	assert_frame(frames, 0, GSMTAP_SIM_APDU, 2, "A0 88 00 00 02 00 00 00 00 00 90 00");

	/* flushed before its GET RESPONSE came: the GET RESPONSE data stay secret */
	feed(trace, 3, "A0 88 00 00 02 AA BB", "9F 03");
	gsmtap_trace_flush(trace);
	feed(trace, 4, "A0 C0 00 00 03", "11 22 33 90 00");
	assert_frame(frames, 1, GSMTAP_SIM_APDU, 3, "A0 88 00 00 02 00 00 9F 03");
	assert_frame(frames, 2, GSMTAP_SIM_APDU, 4, "A0 C0 00 00 03 00 00 00 90 00");
	/* ... but not a later, unrelated GET RESPONSE */
	feed(trace, 5, "A0 A4 00 00 02 3F 00", "90 00");
	feed(trace, 6, "A0 C0 00 00 01", "44 90 00");
	assert_frame(frames, 4, GSMTAP_SIM_APDU, 6, "A0 C0 00 00 01 44 90 00");

	/* PIN */
	feed(trace, 7, "00 20 00 01 08 31 32 33 34 FF FF FF FF", "63 C2");
	assert_frame(frames, 5, GSMTAP_SIM_APDU, 7, "00 20 00 01 08 00 00 00 00 00 00 00 00 63 C2");
}

static void
test_trace_tpdu(void)
{
	g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GsmtapTrace) trace = gsmtap_trace_new(GSMTAP_REDACT_AUTH, TRUE, collect, frames);

	feed(trace, 1, "A0 88 00 00 02 AA BB", "9F 03");
	g_assert_cmpuint(frames->len, ==, 3);
	assert_frame(frames, 0, GSMTAP_SIM_TPDU_HDR, 1, "A0 88 00 00 02");
	assert_frame(frames, 1, GSMTAP_SIM_TPDU_CMD, 1, "00 00");
	assert_frame(frames, 2, GSMTAP_SIM_TPDU_SW, 1, "9F 03");
	feed(trace, 2, "A0 C0 00 00 03", "11 22 33 90 00");
	assert_frame(frames, 3, GSMTAP_SIM_TPDU_HDR, 2, "A0 C0 00 00 03");
	assert_frame(frames, 4, GSMTAP_SIM_TPDU_RSP, 2, "00 00 00");
	assert_frame(frames, 5, GSMTAP_SIM_TPDU_SW, 2, "90 00");
	assert_frame(frames, 6, GSMTAP_SIM_APDU, 2, "A0 88 00 00 02 00 00 00 00 00 90 00");
	g_assert_cmpuint(frames->len, ==, 7);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/gsmtap/encode/header", test_header);
	g_test_add_func("/gsmtap/encode/command-parse", test_command_parse);
	g_test_add_func("/gsmtap/encode/payload-tpdu", test_payload_tpdu);
	g_test_add_func("/gsmtap/encode/payload-apdu", test_payload_apdu);
	g_test_add_func("/gsmtap/encode/redaction", test_redaction);
	g_test_add_func("/gsmtap/encode/redact-names", test_redact_names);
	g_test_add_func("/gsmtap/encode/log-payload", test_log_payload);
	g_test_add_func("/gsmtap/trace/merge", test_trace_merge);
	g_test_add_func("/gsmtap/trace/extended", test_trace_extended);
	g_test_add_func("/gsmtap/trace/redact", test_trace_redact);
	g_test_add_func("/gsmtap/trace/tpdu", test_trace_tpdu);
	return g_test_run();
}
