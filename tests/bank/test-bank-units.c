// SPDX-License-Identifier: GPL-2.0-or-later
/* The bank's pure parts: bankd_pcsc_slots.csv, the mapping table's rules
 * (rspro.md C.2) and the `mappings` key. */
#include <string.h>

#include "bank-csv.h"
#include "bank-maps.h"

static BankCsv *
parse(const gchar *text, GError **error)
{
	return bank_csv_parse(text, strlen(text), error);
}

static void
test_csv_upstream_example(void)
{
	/* the records of upstream's doc/examples, quoting as there */
	g_autoptr(GError) error = NULL;
	g_autoptr(BankCsv) csv = parse(
	        "\"1\",\"0\",\"ACS ACR33 ICC Reader 00 00\"\n"
	        "\"1\",\"3\",\"sysmocom sysmoOCTSIM \\[CCID\\] \\(ab19\\) [0-9]{2} 03\"\r\n"
	        "\n"
	        "  2 , 5 ,  Virtual PCD 00 0[01]  \n"
	        "\"1\",\"0\",\"second record for 1:0\"\n"
	        "1,7,\"with \"\"quotes\"\", and a comma\"",
	        &error);
	const BankCsvRecord *r;

	g_assert_no_error(error);
	g_assert_cmpuint(bank_csv_count(csv), ==, 5);
	r = bank_csv_lookup(csv, 1, 0);
	g_assert_cmpstr(r->pattern, ==, "ACS ACR33 ICC Reader 00 00");
	g_assert_cmpuint(r->line, ==, 1);
	/* unanchored, as regexec */
	g_assert_true(bank_csv_record_matches(r, "ACS ACR33 ICC Reader 00 001"));
	g_assert_false(bank_csv_record_matches(r, "ACS ACR33 ICC Reader 00 01"));
	r = bank_csv_lookup(csv, 1, 3);
	g_assert_true(bank_csv_record_matches(r, "sysmocom sysmoOCTSIM [CCID] (ab19) 02 03"));
	g_assert_false(bank_csv_record_matches(r, "sysmocom sysmoOCTSIM [CCID] (ab19) 02 04"));
	r = bank_csv_lookup(csv, 2, 5);
	g_assert_cmpstr(r->pattern, ==, "Virtual PCD 00 0[01]");
	g_assert_cmpuint(r->line, ==, 4);
	g_assert_true(bank_csv_record_matches(r, "Virtual PCD 00 01"));
	r = bank_csv_lookup(csv, 1, 7);
	g_assert_cmpstr(r->pattern, ==, "with \"quotes\", and a comma");
	g_assert_null(bank_csv_lookup(csv, 3, 0));
}

static void
test_csv_errors(void)
{
	static const gchar *const bad[] = {
	        "\"1\",\"0\"\n",                 /* two fields */
	        "1,0,a,b\n",                     /* four */
	        "x,0,abc\n",                     /* not a number */
	        "1,1024,abc\n",                  /* out of range */
	        "1,0,\"(unclosed\"\n",           /* bad regex */
	        "1,0,\"abc\n",                   /* unclosed quote */
	        "1,0,\"abc\"x\n",                /* text after the quote */
	        "1,0,\n",                        /* empty regex */
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(BankCsv) csv = parse(bad[i], &error);
		g_assert_null(csv);
		g_assert_nonnull(error);
		g_assert_true(g_str_has_prefix(error->message, "line 1:"));
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(BankCsv) csv = parse("1,0,a\n1,1,b\n1,2\n", &error);
		g_assert_null(csv);
		g_assert_true(g_str_has_prefix(error->message, "line 3:"));
	}
}

static RsproMappingReq
req(guint cid, guint cslot, guint bid, guint bslot)
{
	RsproMappingReq r = {{(guint16)cid, (guint16)cslot}, {(guint16)bid, (guint16)bslot}};
	return r;
}

static void
test_maps_rules(void)
{
	BankMaps *m = bank_maps_new(1, 4);
	guint removed[2], n;
	gboolean added;
	RsproMappingReq r;
	RsproClientSlot c;

	r = req(7, 0, 2, 0);
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==,
	                RSPRO_RESULT_ILLEGAL_BANK_ID);
	r = req(7, 0, 1, 4);
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==,
	                RSPRO_RESULT_ILLEGAL_SLOT_ID);
	r = req(7, 0, 1, 0);
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==, RSPRO_RESULT_OK);
	g_assert_true(added);
	g_assert_cmpuint(n, ==, 0);
	/* idempotent */
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==, RSPRO_RESULT_OK);
	g_assert_false(added);
	/* another client on B1:0 replaces it */
	r = req(8, 0, 1, 0);
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(removed[0], ==, 0);
	g_assert_cmpint(bank_maps_find_client(m, (RsproClientSlot){7, 0}), ==, -1);
	/* the same client moved to B1:2: B1:0 goes */
	r = req(8, 0, 1, 2);
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(removed[0], ==, 0);
	g_assert_false(bank_maps_get(m, 0, NULL));
	g_assert_true(bank_maps_get(m, 2, &c));
	g_assert_cmpuint(c.client_id, ==, 8);
	/* both at once: B1:2 held by 8:0, 9:0 held B1:1; create 9:0 -> B1:2 */
	r = req(9, 0, 1, 1);
	bank_maps_create(m, &r, removed, &n, &added);
	r = req(9, 0, 1, 2);
	g_assert_cmpint(bank_maps_create(m, &r, removed, &n, &added), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(bank_maps_count(m), ==, 1);

	r = req(9, 0, 2, 2);
	g_assert_cmpint(bank_maps_remove_req(m, &r), ==, RSPRO_RESULT_ILLEGAL_BANK_ID);
	r = req(9, 0, 1, 9);
	g_assert_cmpint(bank_maps_remove_req(m, &r), ==, RSPRO_RESULT_ILLEGAL_SLOT_ID);
	r = req(9, 1, 1, 2);
	g_assert_cmpint(bank_maps_remove_req(m, &r), ==, RSPRO_RESULT_UNKNOWN_SLOTMAP);
	r = req(9, 0, 1, 3);
	g_assert_cmpint(bank_maps_remove_req(m, &r), ==, RSPRO_RESULT_UNKNOWN_SLOTMAP);
	/* stale marks */
	bank_maps_mark_all_stale(m);
	g_assert_true(bank_maps_is_stale(m, 2));
	r = req(9, 0, 1, 2);
	bank_maps_create(m, &r, removed, &n, &added);
	g_assert_false(bank_maps_is_stale(m, 2));
	g_assert_cmpuint(bank_maps_count_stale(m), ==, 0);
	g_assert_cmpint(bank_maps_remove_req(m, &r), ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(bank_maps_count(m), ==, 0);
	bank_maps_free(m);
}

static void
test_maps_parse(void)
{
	BankMaps *m = bank_maps_new(1, 8);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *desc = NULL;
	static const gchar *const bad[] = {"7:0=8", "7=0", "7:0:1=0", "x:0=0", "1024:0=0",
	                                   "7:0=1, 7:0=2", "7:0=1, 8:0=1", "7:0=-1"};

	g_assert_true(bank_maps_parse(m, " 7:0=0, 8:3 = 7 ,,", &error));
	g_assert_no_error(error);
	desc = bank_maps_describe(m, 8);
	g_assert_cmpstr(desc, ==, "B1:0<-C7:0, B1:7<-C8:3");
	bank_maps_free(m);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		m = bank_maps_new(1, 8);
		g_assert_false(bank_maps_parse(m, bad[i], &e));
		g_assert_nonnull(e);
		bank_maps_free(m);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bank/csv/upstream-example", test_csv_upstream_example);
	g_test_add_func("/bank/csv/errors", test_csv_errors);
	g_test_add_func("/bank/maps/rules", test_maps_rules);
	g_test_add_func("/bank/maps/parse", test_maps_parse);
	return g_test_run();
}
