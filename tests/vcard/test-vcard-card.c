// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The card engine with the default profile: SELECT (GSM 11.11 §9.2.1
 * responses, TS 102 221 §11.1.1.3 FCP templates), GET RESPONSE, STATUS,
 * READ/UPDATE BINARY and RECORD with their bounds, classes and decoding.
 */
#include "vcard-test.h"

/* FCP of the MF: DF descriptor, FID, UICC characteristics (A5), life cycle,
 * ARR reference, PIN status template (PIN1 disabled; PIN2, ADM1 enabled) */
#define FCP_MF                                                                                     \
	"62 23 82 02 78 21 83 02 3F 00 A5 03 80 01 71 8A 01 05 8B 03 2F 06 01 "                    \
	"C6 0C 90 01 60 83 01 01 83 01 81 83 01 0A"
#define FCP_DF_GSM                                                                                 \
	"62 1E 82 02 78 21 83 02 7F 20 8A 01 05 8B 03 2F 06 01 "                                   \
	"C6 0C 90 01 60 83 01 01 83 01 81 83 01 0A"
#define USIM_AID "A0 00 00 00 87 10 02 FF FF FF FF 89 07 09 00 00"
#define FCP_ADF_USIM                                                                               \
	"62 30 82 02 78 21 83 02 7F F0 84 10 " USIM_AID " 8A 01 05 8B 03 2F 06 01 "                \
	"C6 0C 90 01 60 83 01 01 83 01 81 83 01 0A"
/* EF.IMSI in DF.GSM (no SFI: 88 00) and in ADF.USIM (SFI 7: 88 01 38) */
#define FCP_EF_IMSI_GSM "62 16 82 02 41 21 83 02 6F 07 8A 01 05 8B 03 2F 06 01 80 02 00 09 88 00"
#define FCP_EF_IMSI_USIM                                                                           \
	"62 17 82 02 41 21 83 02 6F 07 8A 01 05 8B 03 2F 06 01 80 02 00 09 88 01 38"
#define FCP_EF_ADN                                                                                 \
	"62 19 82 05 42 21 00 1E 0A 83 02 6F 3A 8A 01 05 8B 03 2F 06 01 80 02 01 2C 88 00"
#define IMSI "08 09 10 10 10 32 54 76 98"

/* GSM 11.11 §9.2.1 responses: MF (3 DFs, 4 EFs), DF.GSM (9 EFs); byte 14 =
 * 91 (CHV1 disabled), 5 secret codes, CHV1/UNBLOCK1/CHV2/UNBLOCK2 status */
#define GSM_MF "00 00 00 00 3F 00 01 00 00 00 00 00 09 91 03 04 05 00 83 8A 83 8A"
#define GSM_DF_GSM "00 00 00 00 7F 20 02 00 00 00 00 00 09 91 00 09 05 00 83 8A 83 8A"
/* EF.IMSI: 9 bytes, READ CHV1 / UPDATE ADM, transparent */
#define GSM_EF_IMSI "00 00 00 09 6F 07 04 00 14 F0 44 01 02 00 00"
/* EF.ADN: 300 bytes, linear fixed, records of 30 */
#define GSM_EF_ADN "00 00 01 2C 6F 3A 04 00 11 F0 44 01 02 01 1E"

typedef struct {
	VcardProfile *profile;
	VcardCard *card;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	f->profile = vcard_test_default_profile();
	f->card = vcard_card_new(f->profile);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	vcard_card_free(f->card);
	vcard_profile_unref(f->profile);
}

static void
test_select_uicc(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	/* case 4 as a TPDU (no Le) and as an APDU (Le 00): 61xx either way */
	CHECK(c, "00 A4 00 04 02 3F 00", "61 25");
	CHECK(c, "00 C0 00 00 25", FCP_MF " 90 00");
	CHECK(c, "00 A4 00 04 02 3F 00 00", "61 25");
	CHECK(c, "00 C0 00 00 00", FCP_MF " 90 00");
	/* no data selects the MF */
	CHECK(c, "00 A4 00 04", "61 25");

	CHECK(c, "00 A4 00 04 02 7F 20", "61 20");
	CHECK(c, "00 C0 00 00 20", FCP_DF_GSM " 90 00");
	g_assert_cmpuint(vcard_card_get_current_df(c)->fid, ==, 0x7F20);
	CHECK(c, "00 A4 00 04 02 6F 07", "61 18");
	CHECK(c, "00 C0 00 00 18", FCP_EF_IMSI_GSM " 90 00");
	g_assert_cmpuint(vcard_card_get_current_ef(c)->fid, ==, 0x6F07);
	/* a sibling DF from inside DF.GSM, then the parent */
	CHECK(c, "00 A4 00 0C 02 7F 10", "90 00");
	g_assert_cmpuint(vcard_card_get_current_df(c)->fid, ==, 0x7F10);
	CHECK(c, "00 A4 03 0C", "90 00");
	g_assert_cmpuint(vcard_card_get_current_df(c)->fid, ==, 0x3F00);
	/* 6F07 is not visible from the MF */
	CHECK(c, "00 A4 00 04 02 6F 07", "6A 82");
	CHECK(c, "00 A4 00 04 02 12 34", "6A 82");

	/* paths: from the MF and from the current DF */
	CHECK(c, "00 A4 08 04 04 7F F0 6F 07", "61 19");
	CHECK(c, "00 C0 00 00 19", FCP_EF_IMSI_USIM " 90 00");
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 07", "90 00");
	CHECK(c, "00 A4 09 04 02 6F 07", "61 18");
	CHECK(c, "00 A4 08 04 04 7F 20 6F 99", "6A 82");
	CHECK(c, "00 A4 08 04 03 7F 20 6F", "67 00");

	/* 7FFF names the current application: none yet */
	vcard_card_reset(c, TRUE);
	CHECK(c, "00 A4 00 04 02 7F FF", "6A 82");
	/* by AID, whole and right-truncated */
	CHECK(c, "00 A4 04 04 10 " USIM_AID, "61 32");
	CHECK(c, "00 C0 00 00 32", FCP_ADF_USIM " 90 00");
	CHECK(c, "00 A4 04 04 07 A0 00 00 00 87 10 02", "61 32");
	CHECK(c, "00 A4 04 04 05 A0 00 00 00 99", "6A 82");
	CHECK(c, "00 A4 00 0C 02 3F 00", "90 00");
	CHECK(c, "00 A4 00 04 02 7F FF", "61 32");
	CHECK(c, "00 A4 08 04 04 7F FF 6F 07", "61 19");

	/* parameters */
	CHECK(c, "00 A4 05 04 02 3F 00", "6A 86");
	CHECK(c, "00 A4 00 08 02 3F 00", "6A 86");
	CHECK(c, "00 A4 00 04 03 3F 00 00", "67 00");
}

static void
test_select_gsm(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	CHECK(c, "A0 A4 00 00 02 3F 00", "9F 16");
	CHECK(c, "A0 C0 00 00 16", GSM_MF " 90 00");
	CHECK(c, "A0 A4 00 00 02 7F 20", "9F 16");
	CHECK(c, "A0 C0 00 00 16", GSM_DF_GSM " 90 00");
	CHECK(c, "A0 A4 00 00 02 6F 07", "9F 0F");
	CHECK(c, "A0 C0 00 00 0F", GSM_EF_IMSI " 90 00");
	CHECK(c, "A0 A4 00 00 02 7F 10", "9F 16");
	CHECK(c, "A0 A4 00 00 02 6F 3A", "9F 0F");
	CHECK(c, "A0 C0 00 00 0F", GSM_EF_ADN " 90 00");
	/* a GSM terminal may read only the first bytes: the rest is dropped */
	CHECK(c, "A0 A4 00 00 02 7F 20", "9F 16");
	CHECK(c, "A0 C0 00 00 0D", "00 00 00 00 7F 20 02 00 00 00 00 00 09 90 00");
	CHECK(c, "A0 C0 00 00 09", "6F 00");
	/* too many: incorrect P3, the data stays */
	CHECK(c, "A0 A4 00 00 02 6F 07", "9F 0F");
	CHECK(c, "A0 C0 00 00 10", "67 00");
	CHECK(c, "A0 C0 00 00 0F", GSM_EF_IMSI " 90 00");
	/* errors */
	CHECK(c, "A0 A4 00 00 02 6F 99", "94 04");
	CHECK(c, "A0 A4 01 00 02 3F 00", "6B 00");
	CHECK(c, "A0 A4 00 04 02 3F 00", "6B 00");
	CHECK(c, "A0 A4 00 00 03 3F 00 01", "67 00");
	CHECK(c, "A0 A4 00 00 00", "67 00");
	/* 7FFF is no GSM file; paths are accepted as an extension */
	CHECK(c, "A0 A4 00 00 02 7F FF", "94 04");
	CHECK(c, "A0 A4 08 00 04 7F 20 6F 07", "9F 0F");
}

static void
test_get_response(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	/* nothing pending */
	CHECK(c, "00 C0 00 00 10", "69 85");
	CHECK(c, "A0 C0 00 00 10", "6F 00");
	/* in pieces: 61xx tells what is left */
	CHECK(c, "00 A4 00 04 02 3F 00", "61 25");
	CHECK(c, "00 C0 00 00 10", "62 23 82 02 78 21 83 02 3F 00 A5 03 80 01 71 8A 61 15");
	CHECK(c, "00 C0 00 00 16", "6C 15");
	CHECK(c, "00 C0 00 00 15",
	      "01 05 8B 03 2F 06 01 C6 0C 90 01 60 83 01 01 83 01 81 83 01 0A 90 00");
	CHECK(c, "00 C0 00 00 15", "69 85");
	/* another command drops it */
	CHECK(c, "00 A4 00 04 02 3F 00", "61 25");
	CHECK(c, "80 F2 00 0C 00", "90 00");
	CHECK(c, "00 C0 00 00 25", "69 85");
	/* a reset drops it */
	CHECK(c, "00 A4 00 04 02 3F 00", "61 25");
	vcard_card_reset(c, FALSE);
	CHECK(c, "00 C0 00 00 25", "69 85");
	CHECK(c, "00 A4 00 04 02 3F 00", "61 25");
	CHECK(c, "00 C0 01 00 25", "6B 00");
}

static void
test_status(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	CHECK(c, "80 F2 00 00 00", FCP_MF " 90 00");
	CHECK(c, "80 F2 00 00 25", FCP_MF " 90 00");
	CHECK(c, "80 F2 00 00 10", "6C 25");
	CHECK(c, "80 F2 00 0C 00", "90 00");
	CHECK(c, "80 F2 01 0C", "90 00");
	CHECK(c, "80 F2 00 05 00", "6A 86");
	CHECK(c, "80 F2 03 00 00", "6A 86");
	/* the current application's name */
	CHECK(c, "80 F2 00 01 00", "90 00");
	CHECK(c, "00 A4 04 0C 10 " USIM_AID, "90 00");
	CHECK(c, "80 F2 00 01 00", "84 10 " USIM_AID " 90 00");
	CHECK(c, "80 F2 00 00 00", FCP_ADF_USIM " 90 00");
	/* STATUS is proprietary class, SELECT interindustry */
	CHECK(c, "00 F2 00 00 00", "6E 00");
	CHECK(c, "80 A4 00 04 02 3F 00", "6E 00");

	/* GSM: the current DF; a shorter P3 reads a prefix */
	CHECK(c, "A0 A4 00 00 02 7F 20", "9F 16");
	CHECK(c, "A0 F2 00 00 16", GSM_DF_GSM " 90 00");
	CHECK(c, "A0 F2 00 00 0D", "00 00 00 00 7F 20 02 00 00 00 00 00 09 90 00");
	CHECK(c, "A0 F2 00 00 17", "67 00");
	CHECK(c, "A0 F2 00 01 16", "6B 00");
	/* selecting an EF leaves the DF current */
	CHECK(c, "A0 A4 00 00 02 6F 07", "9F 0F");
	CHECK(c, "A0 F2 00 00 16", GSM_DF_GSM " 90 00");
}

static void
test_read_binary(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	/* no EF yet */
	CHECK(c, "00 B0 00 00 09", "69 86");
	CHECK(c, "A0 B0 00 00 09", "94 00");
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 07", "90 00");
	CHECK(c, "00 B0 00 00 09", IMSI " 90 00");
	CHECK(c, "00 B0 00 00 00", IMSI " 90 00");
	CHECK(c, "00 B0 00 00", IMSI " 90 00");
	CHECK(c, "00 B0 00 00 04", "08 09 10 10 90 00");
	CHECK(c, "00 B0 00 05 00", "32 54 76 98 90 00");
	CHECK(c, "00 B0 00 08 01", "98 90 00");
	/* beyond the end: wrong Le with the right one, or wrong offset */
	CHECK(c, "00 B0 00 00 0A", "6C 09");
	CHECK(c, "00 B0 00 05 05", "6C 04");
	CHECK(c, "00 B0 00 09 01", "6B 00");
	CHECK(c, "00 B0 7F FF 01", "6B 00");
	/* GSM flavour */
	CHECK(c, "A0 B0 00 00 09", IMSI " 90 00");
	CHECK(c, "A0 B0 00 00 0A", "67 00");
	CHECK(c, "A0 B0 00 09 01", "94 02");
	CHECK(c, "A0 B0 80 00 01", "6B 00");
	/* a record file */
	CHECK(c, "00 A4 08 0C 04 7F 10 6F 3A", "90 00");
	CHECK(c, "00 B0 00 00 01", "69 81");
	CHECK(c, "A0 B0 00 00 01", "94 08");
	/* short file identifiers (ADF.USIM: EF.IMSI = 7, EF.AD = 3) */
	CHECK(c, "00 A4 04 0C 10 " USIM_AID, "90 00");
	CHECK(c, "00 B0 87 00 00", IMSI " 90 00");
	g_assert_cmpuint(vcard_card_get_current_ef(c)->fid, ==, 0x6F07);
	CHECK(c, "00 B0 83 02 02", "00 02 90 00");
	CHECK(c, "00 B0 9E 00 00", "6A 82");
	CHECK(c, "00 B0 A7 00 00", "6A 86");
	/* a padded file: EF.SPN is 17 bytes */
	CHECK(c, "00 A4 00 0C 02 6F 46", "90 00");
	CHECK(c, "00 B0 00 00 00", "01 63 61 72 64 72 6F 75 74 65 FF FF FF FF FF FF FF 90 00");
}

static void
test_update_binary(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	/* EF.LOCI: update PIN1, which is disabled */
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 7E", "90 00");
	CHECK(c, "00 D6 00 00 04 12 34 56 78", "90 00");
	CHECK(c, "00 D6 00 09 02 00 00", "90 00");
	CHECK(c, "00 B0 00 00 00", "12 34 56 78 00 F1 10 FF FE 00 00 90 00");
	CHECK(c, "00 D6 00 0A 02 00 00", "67 00");
	CHECK(c, "00 D6 00 0B 01 00", "6B 00");
	CHECK(c, "A0 D6 00 0B 01 00", "94 02");
	CHECK(c, "00 D6 00 00", "67 00");
	/* contents survive a reset, as in a real card */
	vcard_card_reset(c, TRUE);
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 7E", "90 00");
	CHECK(c, "00 B0 00 00 04", "12 34 56 78 90 00");
	/* EF.IMSI: update ADM1 */
	CHECK(c, "00 A4 00 0C 02 6F 07", "90 00");
	CHECK(c, "00 D6 00 00 01 09", "69 82");
	CHECK(c, "A0 D6 00 00 01 09", "98 04");
	CHECK(c, "00 20 00 0A 08 38 38 38 38 38 38 38 38", "90 00");
	CHECK(c, "00 D6 00 00 01 09", "90 00");
	CHECK(c, "00 B0 00 00 02", "09 09 90 00");
	/* EF.ICCID (in the MF): read always, update ADM1 (verified now) */
	CHECK(c, "00 A4 08 0C 02 2F E2", "90 00");
	CHECK(c, "00 B0 00 00 0A", "98 10 00 00 00 00 00 00 10 F9 90 00");
	/* SFI update */
	CHECK(c, "00 A4 04 0C 07 A0 00 00 00 87 10 02", "90 00");
	CHECK(c, "00 D6 8B 00 02 AA BB", "90 00");
	CHECK(c, "00 B0 8B 00 03", "AA BB FF 90 00");
}

static void
test_records(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;
	const gchar *rec1 = "63 61 72 64 72 6F 75 74 65 FF FF FF FF FF FF FF "
	                    "06 81 10 32 54 76 F8 FF FF FF FF FF FF FF";
	const gchar *empty = "FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF "
	                     "FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF";
	g_autofree gchar *rec1_ok = g_strdup_printf("%s 90 00", rec1);
	g_autofree gchar *empty_ok = g_strdup_printf("%s 90 00", empty);
	g_autofree gchar *update = g_strdup_printf("00 DC 02 04 1E %s",
	                                           "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 "
	                                           "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11");

	CHECK(c, "00 B2 01 04 1E", "69 86");
	CHECK(c, "00 A4 08 0C 04 7F 10 6F 3A", "90 00");
	CHECK(c, "00 B2 01 04 1E", rec1_ok);
	CHECK(c, "00 B2 01 04 00", rec1_ok);
	CHECK(c, "00 B2 01 04 10", "6C 1E");
	CHECK(c, "00 B2 01 04 1F", "6C 1E");
	CHECK(c, "A0 B2 01 04 1E", rec1_ok);
	CHECK(c, "A0 B2 01 04 10", "67 00");
	CHECK(c, "00 B2 0A 04 1E", empty_ok);
	CHECK(c, "00 B2 0B 04 1E", "6A 83");
	CHECK(c, "A0 B2 0B 04 1E", "94 02");
	/* absolute mode leaves the pointer unset: current = none */
	CHECK(c, "00 B2 00 04 1E", "6A 83");
	/* next, next, previous, previous (off the start) */
	CHECK(c, "00 B2 00 02 1E", rec1_ok);
	CHECK(c, "00 B2 00 02 1E", empty_ok);
	CHECK(c, "00 B2 00 03 1E", rec1_ok);
	CHECK(c, "00 B2 00 04 1E", rec1_ok);
	CHECK(c, "00 B2 00 03 1E", "6A 83");
	CHECK(c, "00 B2 01 02 1E", "6A 86");
	CHECK(c, "00 B2 01 05 1E", "6A 86");
	CHECK(c, "A0 B2 01 05 1E", "6B 00");
	/* previous from no pointer: the last record */
	CHECK(c, "00 A4 00 0C 02 6F 3A", "90 00");
	CHECK(c, "00 B2 00 03 1E", empty_ok);
	/* update */
	CHECK(c, update, "90 00");
	CHECK(c, "00 B2 02 04 02", "6C 1E");
	CHECK(c, "00 B2 02 04 00",
	      "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 "
	      "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 90 00");
	CHECK(c, "00 DC 02 04 02 11 11", "67 00");
	CHECK(c,
	      "00 DC 0B 04 1E 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 "
	      "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11",
	      "6A 83");
	/* a transparent EF */
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 07", "90 00");
	CHECK(c, "00 B2 01 04 09", "69 81");
	CHECK(c, "A0 B2 01 04 09", "94 08");
	/* the 176-byte EF.SMS records */
	CHECK(c, "00 A4 08 0C 04 7F 10 6F 3C", "90 00");
	{
		guint8 rsp[VCARD_RESPONSE_MAX];
		gsize len = vcard_test_send(c, "00 B2 01 04 B0", rsp);
		g_assert_cmpuint(len, ==, 178);
		g_assert_cmpuint(rsp[0], ==, 0x00);
		g_assert_cmpuint(rsp[1], ==, 0xFF);
		g_assert_cmpuint(rsp[176], ==, 0x90);
	}
}

static void
test_classes_and_decoding(Fixture *f, gconstpointer data)
{
	VcardCard *c = f->card;

	CHECK(c, "00 A4 00", "67 00");
	CHECK(c, "", "67 00");
	CHECK(c, "20 A4 00 04 02 3F 00", "6E 00");
	CHECK(c, "B0 A4 00 04 02 3F 00", "6E 00");
	CHECK(c, "01 A4 00 04 02 3F 00", "68 81");
	CHECK(c, "40 A4 00 04 02 3F 00", "68 81");
	CHECK(c, "04 A4 00 04 02 3F 00", "68 82");
	CHECK(c, "00 12 00 00 00", "6D 00");
	CHECK(c, "A0 77 00 00 00", "6D 00");
	CHECK(c, "00 70 00 00 01", "68 81");
	CHECK(c, "A0 FA 00 00 00", "90 00");
	CHECK(c, "80 10 00 00 03 FF FF FF", "90 00");
	CHECK(c, "A0 10 00 00 03 FF FF FF", "90 00");
	/* lengths that match nothing */
	CHECK(c, "00 A4 00 04 02 3F", "67 00");
	CHECK(c, "00 A4 00 04 02 3F 00 00 00", "67 00");
	CHECK(c, "00 A4 00 04 01", "67 00");
	CHECK(c, "00 B0 00 00 02 00", "67 00");
	CHECK(c, "00 A4 00 04 00 00 02 3F 00", "67 00");
}

/* Every response of every short command is 2..258 bytes (no crash, no empty
 * answer): a sweep over CLA/INS with a few P1/P2/P3 shapes. */
static void
test_sweep(Fixture *f, gconstpointer data)
{
	static const guint8 classes[] = {0x00, 0x80, 0xA0, 0x01, 0xC0, 0xFF};
	guint8 cmd[40], rsp[VCARD_RESPONSE_MAX];

	for (guint ci = 0; ci < G_N_ELEMENTS(classes); ci++) {
		for (guint ins = 0; ins < 256; ins++) {
			for (guint shape = 0; shape < 6; shape++) {
				gsize len = 4;
				cmd[0] = classes[ci];
				cmd[1] = ins;
				cmd[2] = shape & 1 ? 0x80 : 0x00;
				cmd[3] = shape & 2 ? 0x04 : 0x00;
				if (shape >= 2) {
					cmd[4] = shape == 5 ? 0x22 : (guint8)(shape * 3);
					len = 5;
					for (guint i = 0; shape >= 3 && i < cmd[4]; i++)
						cmd[len++] = (guint8)(i * 37);
				}
				gsize n = vcard_card_process(f->card, cmd, len, rsp);
				g_assert_cmpuint(n, >=, 2);
				g_assert_cmpuint(n, <=, VCARD_RESPONSE_MAX);
			}
		}
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
	ADD("/vcard/card/select-uicc", test_select_uicc);
	ADD("/vcard/card/select-gsm", test_select_gsm);
	ADD("/vcard/card/get-response", test_get_response);
	ADD("/vcard/card/status", test_status);
	ADD("/vcard/card/read-binary", test_read_binary);
	ADD("/vcard/card/update-binary", test_update_binary);
	ADD("/vcard/card/records", test_records);
	ADD("/vcard/card/classes-and-decoding", test_classes_and_decoding);
	ADD("/vcard/card/sweep", test_sweep);
	return g_test_run();
}
