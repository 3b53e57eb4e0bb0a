// SPDX-License-Identifier: GPL-2.0-or-later
/* The APDU case table, row by row, and C-APDU / R-APDU parsing. */
#include <string.h>

#include <cardroute/cardroute.h>

typedef struct {
	guint8 cla, ins, p1, p2;
	CrApduCase expected;
} CaseRow;

static void
check_rows(const CaseRow *rows, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		CrApduCase got = cr_apdu_case_lookup(rows[i].cla, rows[i].ins, rows[i].p1,
						     rows[i].p2);
		if (got != rows[i].expected)
			g_error("CLA %02X INS %02X P1 %02X P2 %02X: case %d, expected %d",
				rows[i].cla, rows[i].ins, rows[i].p1, rows[i].p2, got,
				rows[i].expected);
	}
}

static void
test_case_gsm(void)
{
	static const CaseRow rows[] = {
		{0xA0, 0xA4, 0, 0, 4}, {0xA0, 0xF2, 0, 0, 2}, {0xA0, 0xB0, 0, 0, 2},
		{0xA0, 0xD6, 0, 0, 3}, {0xA0, 0xB2, 0, 0, 2}, {0xA0, 0xDC, 0, 0, 3},
		{0xA0, 0xA2, 0, 0, 4}, {0xA0, 0x32, 0, 0, 4}, {0xA0, 0x20, 0, 0, 3},
		{0xA0, 0x24, 0, 0, 3}, {0xA0, 0x26, 0, 0, 3}, {0xA0, 0x28, 0, 0, 3},
		{0xA0, 0x2C, 0, 0, 3}, {0xA0, 0x04, 0, 0, 1}, {0xA0, 0x44, 0, 0, 1},
		{0xA0, 0x88, 0, 0, 4}, {0xA0, 0xFA, 0, 0, 1}, {0xA0, 0xC0, 0, 0, 2},
		{0xA0, 0x10, 0, 0, 3}, {0xA0, 0xC2, 0, 0, 4}, {0xA0, 0x12, 0, 0, 2},
		{0xA0, 0x14, 0, 0, 3},
		/* not in the GSM table, and CLA A0 matches nothing else */
		{0xA0, 0x70, 0, 0, 0}, {0xA0, 0x84, 0, 0, 0},
	};
	check_rows(rows, G_N_ELEMENTS(rows));
}

static void
test_case_cat(void)
{
	static const CaseRow rows[] = {
		{0x80, 0x10, 0, 0, 3}, {0x80, 0xC2, 0, 0, 4}, {0x80, 0x12, 0, 0, 2},
		{0x80, 0x14, 0, 0, 3}, {0x80, 0x76, 0, 0, 4}, {0x80, 0x7A, 0, 0, 4},
		/* CAT only for CLA 80 exactly */
		{0x81, 0x10, 0, 0, 0}, {0x81, 0x76, 0, 0, 0},
	};
	check_rows(rows, G_N_ELEMENTS(rows));
}

static void
test_case_uicc_basic(void)
{
	static const guint8 clas[] = {0x00, 0x01, 0x03, 0x40, 0x4F, 0x60, 0x6F};
	static const CaseRow rows[] = {
		{0, 0xA4, 0, 0, 4}, {0, 0xB0, 0, 0, 2}, {0, 0xD6, 0, 0, 3}, {0, 0xB2, 0, 0, 2},
		{0, 0xDC, 0, 0, 3}, {0, 0xA2, 0, 0, 4}, {0, 0x20, 0, 0, 3}, {0, 0x24, 0, 0, 3},
		{0, 0x26, 0, 0, 3}, {0, 0x28, 0, 0, 3}, {0, 0x2C, 0, 0, 3}, {0, 0x04, 0, 0, 1},
		{0, 0x44, 0, 0, 1}, {0, 0x88, 0, 0, 4}, {0, 0x89, 0, 0, 4}, {0, 0x84, 0, 0, 2},
		{0, 0x70, 0, 0, 2}, {0, 0xC0, 0, 0, 2}, {0, 0xF2, 0, 0, 0}, {0, 0x12, 0, 0, 0},
	};
	for (gsize c = 0; c < G_N_ELEMENTS(clas); c++) {
		CaseRow copy[G_N_ELEMENTS(rows)];
		memcpy(copy, rows, sizeof(rows));
		for (gsize i = 0; i < G_N_ELEMENTS(copy); i++)
			copy[i].cla = clas[c];
		/* the CLA 00 discovery fallbacks */
		if (clas[c] != 0x00)
			check_rows(copy, G_N_ELEMENTS(copy));
		else
			check_rows(copy, G_N_ELEMENTS(copy) - 2);
	}
}

static void
test_case_helpers(void)
{
	static const CaseRow rows[] = {
		/* MANAGE SECURE CHANNEL 73 */
		{0x00, 0x73, 0x00, 0x00, 2},
		{0x00, 0x73, 0x01, 0x80, 3},
		{0x00, 0x73, 0x02, 0x1F, 3}, /* P2>>5 == 0 */
		{0x00, 0x73, 0x03, 0x20, 2}, /* P2>>5 == 1 */
		{0x00, 0x73, 0x01, 0xA0, 2}, /* P2>>5 == 5 */
		{0x00, 0x73, 0x01, 0x40, 0}, /* P2>>5 == 2 */
		{0x00, 0x73, 0x04, 0x00, 3},
		{0x00, 0x73, 0x05, 0x00, 0},
		/* TRANSACT DATA 75 */
		{0x00, 0x75, 0x04, 0x00, 3},
		{0x00, 0x75, 0x00, 0x00, 2},
		/* STORE DATA E2 (GlobalPlatform) */
		{0x80, 0xE2, 0x01, 0x00, 4},
		{0x80, 0xE2, 0x00, 0x00, 3},
		/* STATUS / GET STATUS F2 */
		{0x80, 0xF2, 0x00, 0x00, 2},
		{0x80, 0xF2, 0x40, 0x00, 4},
		{0xC0, 0xF2, 0x20, 0x00, 4},
	};
	check_rows(rows, G_N_ELEMENTS(rows));
}

static void
test_case_uicc_prop_and_gp(void)
{
	static const guint8 clas[] = {0x80, 0x81, 0x8F, 0xC0, 0xC3, 0xE0, 0xEF};
	static const CaseRow rows[] = {
		{0, 0x32, 0, 0, 4}, {0, 0xCB, 0, 0, 4}, {0, 0xDB, 0, 0, 3}, {0, 0xAA, 0, 0, 3},
		{0, 0x78, 0, 0, 4}, {0, 0xE4, 0, 0, 4}, {0, 0xCA, 0, 0, 4}, {0, 0xE6, 0, 0, 4},
		{0, 0xE8, 0, 0, 4}, {0, 0xD8, 0, 0, 4}, {0, 0xF0, 0, 0, 3}, {0, 0xC0, 0, 0, 2},
		{0, 0xB0, 0, 0, 0}, {0, 0xA4, 0, 0, 0},
	};
	for (gsize c = 0; c < G_N_ELEMENTS(clas); c++) {
		CaseRow copy[G_N_ELEMENTS(rows)];
		memcpy(copy, rows, sizeof(rows));
		for (gsize i = 0; i < G_N_ELEMENTS(copy); i++)
			copy[i].cla = clas[c];
		check_rows(copy, G_N_ELEMENTS(copy));
	}
}

static void
test_case_fallbacks(void)
{
	static const CaseRow rows[] = {
		{0x00, 0xCA, 0, 0, 2}, /* GET DATA discovery, CLA 00 only */
		{0x01, 0xCA, 0, 0, 0},
		{0x00, 0xA4, 0, 0, 4},
		{0x00, 0xC0, 0, 0, 2},
		{0x20, 0xA4, 0, 0, 0}, /* CLA 2x matches no entry */
		{0xB0, 0xA4, 0, 0, 0},
		{0xFF, 0xA4, 0, 0, 0}, /* PPS byte, not a class */
	};
	check_rows(rows, G_N_ELEMENTS(rows));
}

static void
test_ins_names(void)
{
	g_assert_cmpstr(cr_apdu_ins_name(0xA0, 0xA4), ==, "SELECT");
	g_assert_cmpstr(cr_apdu_ins_name(0xA0, 0x88), ==, "RUN GSM ALGORITHM");
	g_assert_cmpstr(cr_apdu_ins_name(0x00, 0x88), ==, "AUTHENTICATE");
	g_assert_cmpstr(cr_apdu_ins_name(0xA0, 0x20), ==, "VERIFY CHV");
	g_assert_cmpstr(cr_apdu_ins_name(0x00, 0x20), ==, "VERIFY PIN");
	g_assert_null(cr_apdu_ins_name(0x00, 0x01));
}

static void
parse_ok(const gchar *hex, CrApduCase c, gsize lc, gsize le, gboolean ext)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[70000];
	gsize len = 0;
	CrCommandApdu apdu;
	for (const gchar *p = hex; p[0] && p[1]; p += 2)
		buf[len++] = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
	g_assert_true(cr_command_apdu_parse(buf, len, &apdu, &error));
	g_assert_no_error(error);
	g_assert_cmpint(apdu.apdu_case, ==, c);
	g_assert_cmpuint(apdu.lc, ==, lc);
	g_assert_cmpuint(apdu.le, ==, le);
	g_assert_cmpint(apdu.le_present, ==, le != 0);
	g_assert_cmpint(apdu.extended, ==, ext);
	g_assert_true(apdu.lc == 0 ? apdu.data == NULL : apdu.data == buf + (ext ? 7 : 5));
}

static void
parse_bad(const guint8 *buf, gsize len)
{
	g_autoptr(GError) error = NULL;
	CrCommandApdu apdu;
	g_assert_false(cr_command_apdu_parse(buf, len, &apdu, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
}

static void
test_parse_command(void)
{
	parse_ok("00A40004", CR_APDU_CASE_1, 0, 0, FALSE);
	parse_ok("00B0000010", CR_APDU_CASE_2, 0, 16, FALSE);
	parse_ok("00B0000000", CR_APDU_CASE_2, 0, 256, FALSE);
	parse_ok("00D60000020102", CR_APDU_CASE_3, 2, 0, FALSE);
	parse_ok("00A40004023F0000", CR_APDU_CASE_4, 2, 256, FALSE);
	parse_ok("00A40004023F0012", CR_APDU_CASE_4, 2, 0x12, FALSE);
	parse_ok("00B0000000FFFF", CR_APDU_CASE_2, 0, 65535, TRUE);
	parse_ok("00B00000000000", CR_APDU_CASE_2, 0, 65536, TRUE);
	parse_ok("00D600000000020102", CR_APDU_CASE_3, 2, 0, TRUE);
	parse_ok("00D60000000002010200FF", CR_APDU_CASE_4, 2, 255, TRUE);
	{
		/* an extended case 3 with 300 data bytes */
		g_autoptr(GString) s = g_string_new("00D6000000012C");
		for (gint i = 0; i < 300; i++)
			g_string_append(s, "AB");
		parse_ok(s->str, CR_APDU_CASE_3, 300, 0, TRUE);
	}
	{
		static const guint8 three[] = {0x00, 0xA4, 0x00};
		static const guint8 bad_lc[] = {0x00, 0xD6, 0, 0, 0x05, 1, 2};
		static const guint8 bad_ext[] = {0x00, 0xD6, 0, 0, 0x00, 0x01};
		static const guint8 ext_lc0[] = {0x00, 0xD6, 0, 0, 0x00, 0x00, 0x00, 0x01};
		static const guint8 bad_ext_len[] = {0x00, 0xD6, 0, 0, 0x00, 0x00, 0x02, 1, 2, 3};
		parse_bad(three, sizeof(three));
		parse_bad(NULL, 0);
		parse_bad(bad_lc, sizeof(bad_lc));
		parse_bad(bad_ext, sizeof(bad_ext));
		parse_bad(ext_lc0, sizeof(ext_lc0));
		parse_bad(bad_ext_len, sizeof(bad_ext_len));
	}
}

static void
test_parse_response(void)
{
	static const guint8 r[] = {0x01, 0x02, 0x90, 0x00};
	static const guint8 sw[] = {0x6A, 0x82};
	g_autoptr(GError) error = NULL;
	CrResponseApdu out;
	g_assert_true(cr_response_apdu_parse(r, sizeof(r), &out, NULL));
	g_assert_cmpuint(out.data_len, ==, 2);
	g_assert_true(out.data == r);
	g_assert_cmphex(out.sw1, ==, 0x90);
	g_assert_true(cr_response_apdu_parse(sw, sizeof(sw), &out, NULL));
	g_assert_null(out.data);
	g_assert_cmphex(out.sw2, ==, 0x82);
	g_assert_false(cr_response_apdu_parse(sw, 1, &out, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
}

static void
test_tpdu(void)
{
	static const guint8 case4[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00, 0x00};
	static const guint8 case2[] = {0xA0, 0xB0, 0x00, 0x00, 0x00};
	static const guint8 case1[] = {0x00, 0x44, 0x00, 0x00};
	static const guint8 ext[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00};
	guint8 out[260];
	CrCommandApdu a;
	g_assert_true(cr_command_apdu_parse(case4, sizeof(case4), &a, NULL));
	g_assert_cmpuint(cr_tpdu_from_command_apdu(&a, out), ==, 7);
	g_assert_cmpmem(out, 7, case4, 7);
	g_assert_true(cr_command_apdu_parse(case2, sizeof(case2), &a, NULL));
	g_assert_cmpuint(cr_tpdu_from_command_apdu(&a, out), ==, 5);
	g_assert_cmphex(out[4], ==, 0x00);
	g_assert_true(cr_command_apdu_parse(case1, sizeof(case1), &a, NULL));
	g_assert_cmpuint(cr_tpdu_from_command_apdu(&a, out), ==, 5);
	g_assert_cmphex(out[4], ==, 0x00);
	g_assert_true(cr_command_apdu_parse(ext, sizeof(ext), &a, NULL));
	g_assert_cmpuint(cr_tpdu_from_command_apdu(&a, out), ==, 0);

	g_assert_cmpuint(cr_tpdu_command_data_len(CR_APDU_CASE_3, 0x10), ==, 0x10);
	g_assert_cmpuint(cr_tpdu_command_data_len(CR_APDU_CASE_4, 0x02), ==, 2);
	g_assert_cmpuint(cr_tpdu_command_data_len(CR_APDU_CASE_2, 0x10), ==, 0);
	g_assert_cmpuint(cr_tpdu_command_data_len(CR_APDU_CASE_1, 0x00), ==, 0);
	g_assert_true(cr_sw_is_get_response(0x61));
	g_assert_true(cr_sw_is_get_response(0x9F));
	g_assert_true(cr_sw_is_get_response(0x6C));
	g_assert_false(cr_sw_is_get_response(0x90));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/apdu/case/gsm", test_case_gsm);
	g_test_add_func("/apdu/case/cat", test_case_cat);
	g_test_add_func("/apdu/case/uicc-basic", test_case_uicc_basic);
	g_test_add_func("/apdu/case/uicc-prop-and-gp", test_case_uicc_prop_and_gp);
	g_test_add_func("/apdu/case/helpers", test_case_helpers);
	g_test_add_func("/apdu/case/fallbacks", test_case_fallbacks);
	g_test_add_func("/apdu/ins-names", test_ins_names);
	g_test_add_func("/apdu/parse-command", test_parse_command);
	g_test_add_func("/apdu/parse-response", test_parse_response);
	g_test_add_func("/apdu/tpdu", test_tpdu);
	return g_test_run();
}
