// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cr_atr_check() (cardroute/cr-atr.h): well-formed ATRs pass; each way an
 * ATR can be broken is refused with a message that says which.
 */
#include <string.h>

#include <cardroute/cardroute.h>

/* Parses "3B 9F ..." (test data only: well-formed hex, spaces allowed). */
static gsize
hex(const gchar *text, guint8 *out, gsize max)
{
	gsize n = 0;

	for (const gchar *p = text; *p != '\0';) {
		if (*p == ' ') {
			p++;
			continue;
		}
		g_assert_true(g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]));
		g_assert_cmpuint(n, <, max);
		out[n++] = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		p += 2;
	}
	return n;
}

static void
check_good(const gchar *text)
{
	guint8 atr[64];
	gsize len = hex(text, atr, sizeof(atr));
	g_autoptr(GError) error = NULL;

	if (!cr_atr_check(atr, len, CR_ERROR, CR_ERROR_INVALID, &error))
		g_error("ATR %s refused: %s", text, error->message);
	/* no GError asked for */
	g_assert_true(cr_atr_check(atr, len, CR_ERROR, CR_ERROR_INVALID, NULL));
}

static void
check_bad(const gchar *text, const gchar *message)
{
	guint8 atr[64];
	gsize len = hex(text, atr, sizeof(atr));
	g_autoptr(GError) error = NULL;

	g_assert_false(cr_atr_check(atr, len, CR_ERROR, CR_ERROR_INVALID, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	if (strstr(error->message, message) == NULL)
		g_error("ATR %s: '%s' does not contain '%s'", text, error->message, message);
	g_assert_false(cr_atr_check(atr, len, CR_ERROR, CR_ERROR_INVALID, NULL));
}

static void
test_well_formed(void)
{
	/* the default vcard profile's: TD1 T=0, TD2 T=15, TCK */
	check_good("3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 93");
	/* data/vcard/extended.ini: T=1, TCK */
	check_good("3B 85 81 31 FE 45 80 73 C0 21 C0 5C");
	/* T=0 only: no TCK */
	check_good("3B 02 14 50");
	check_good("3B 00");
	check_good("3F 00");
	check_good("3B 90 11 00");
	/* TD1 names T=0 explicitly, TD2 T=1: TCK */
	check_good("3B 80 80 01 01");
	/* TS, T0 and 32 more bytes: the longest */
	check_good("3B FF 11 22 33 F0 11 22 33 F0 11 22 33 F0 11 22 33 00"
	           " 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
}

static void
test_ts_t0(void)
{
	g_autoptr(GError) error = NULL;

	/* empty, NULL, TS alone: no T0 */
	g_assert_false(cr_atr_check(NULL, 0, CR_ERROR, CR_ERROR_INVALID, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "TS = 3B or 3F and T0"));
	g_clear_error(&error);
	g_assert_false(cr_atr_check((const guint8 *)"", 0, CR_ERROR, CR_ERROR_INVALID, &error));
	g_assert_error(error, CR_ERROR, CR_ERROR_INVALID);
	check_bad("3B", "TS");
	/* TS neither direct nor inverse convention */
	check_bad("3A 00", "TS = 3B or 3F");
	check_bad("00 00", "TS = 3B or 3F");
	check_bad("FF 3B 00", "TS = 3B or 3F");
}

static void
test_too_long(void)
{
	/* complete as T0/TDi announce it (T=0 only, no TCK), but 37 bytes */
	check_bad("3B FF 11 22 33 F0 11 22 33 F0 11 22 33 F0 11 22 33 F0 11 22 33 00"
	          " 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",
	          "the ATR has 37 bytes, more than the 33");
	/* 34 bytes, whatever they say */
	check_bad("3B 0F 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"
	          " 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11",
	          "more than the 33");
}

static void
test_interface_bytes(void)
{
	/* T0 announces TD1, absent */
	check_bad("3B 80", "interface bytes");
	/* T0 announces TA1, absent */
	check_bad("3B 10", "interface bytes");
	/* TA1 TB1 TC1 TD1 announced, three there */
	check_bad("3B F0 11 22 33", "interface bytes");
	/* TD1 announces TD2, absent */
	check_bad("3B 80 81", "interface bytes");
	/* TD1 announces TA2 TB2, one there */
	check_bad("3B 80 30 11", "interface bytes");
}

static void
test_historical_bytes(void)
{
	/* T0 announces 5 historical bytes, 2 there */
	check_bad("3B 05 01 02", "the ATR has 4 bytes, its T0/TDi announce 7");
	/* 15 announced, none there */
	check_bad("3B 0F", "announce 17");
	/* a byte after the historical bytes with T=0 only (no TCK there) */
	check_bad("3B 02 14 50 00", "announce");
	/* historical bytes complete, TCK missing (T=1) */
	check_bad("3B 81 01 AA", "the ATR has 4 bytes, its T0/TDi announce 5");
}

static void
test_tck(void)
{
	/* T=1 indicated: TCK needed and right */
	check_good("3B 80 01 81");
	check_bad("3B 80 01 80", "wrong TCK: it should be 81");
	check_bad("3B 80 01", "announce");
	/* T=15 counts too */
	check_good("3B 80 0F 8F");
	check_bad("3B 80 0F 00", "wrong TCK: it should be 8F");
	/* the extended ATR with its last byte changed */
	check_bad("3B 85 81 31 FE 45 80 73 C0 21 C0 5D", "should be 5C");
}

/* The caller's domain and code, so that code without the core can use it. */
static void
test_domain(void)
{
	static const guint8 bad[] = {0x3B, 0x80, 0x01, 0x80};
	g_autoptr(GError) error = NULL;
	GQuark domain = g_quark_from_static_string("test-atr-error");

	g_assert_false(cr_atr_check(bad, sizeof(bad), domain, 42, &error));
	g_assert_error(error, domain, 42);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/atr/check/well-formed", test_well_formed);
	g_test_add_func("/atr/check/ts-t0", test_ts_t0);
	g_test_add_func("/atr/check/too-long", test_too_long);
	g_test_add_func("/atr/check/interface-bytes", test_interface_bytes);
	g_test_add_func("/atr/check/historical-bytes", test_historical_bytes);
	g_test_add_func("/atr/check/tck", test_tck);
	g_test_add_func("/atr/check/domain", test_domain);
	return g_test_run();
}
