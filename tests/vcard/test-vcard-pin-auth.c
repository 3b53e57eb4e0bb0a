// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PIN commands with their retry counters (VERIFY, CHANGE, DISABLE, ENABLE,
 * UNBLOCK, UICC and GSM flavours), and authentication: AUTHENTICATE in the
 * 3G and GSM contexts, RUN GSM ALGORITHM, MAC failure, SQN synchronisation
 * failure (AUTS), all with TS 35.208 test set 1.
 */
#include "milenage.h"
#include "vcard-test.h"

static const gchar pin_profile[] =
        "[pin:1]\nvalue = 1234\nretries = 3\npuk = 12345678\npuk-retries = 2\n"
        "[pin:2]\nvalue = 5678\nenabled = false\n"
        "[pin:adm1]\nvalue = 88888888\n"
        "[auth]\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\nop = cdc202d5123e20f62b6d676ac72cb318\n"
        "[file:7F20]\ntype = df\n"
        "[file:7F20/6F07]\ntype = transparent\ndata = 08 09 10 10 10 32 54 76 98\n"
        "read = pin1\nupdate = adm1\n"
        "[file:7F20/6F3C]\ntype = transparent\nsize = 4\nread = pin2\nupdate = pin2\n";

#define PIN_1234 "31 32 33 34 FF FF FF FF"
#define PIN_4321 "34 33 32 31 FF FF FF FF"
#define PIN_9999 "39 39 39 39 FF FF FF FF"
#define PUK "31 32 33 34 35 36 37 38"

/* TS 35.208 test set 1 */
#define RAND "23 55 3C BE 96 37 A8 9D 21 8A E6 4D AE 47 BF 35"
/* AUTN = SQN ⊕ AK ‖ AMF ‖ MAC-A = (FF9BB4D0B607 ⊕ AA689C648370) ‖ B9B9 ‖ 4A9FFAC354DFAFB3 */
#define AUTN "55 F3 28 B4 35 77 B9 B9 4A 9F FA C3 54 DF AF B3"
#define RES "A5 42 11 D5 E3 BA 50 BF"
#define CK "B4 0B A9 A3 C5 8B 2A 05 BB F0 D9 87 B2 1B F8 CB"
#define IK "F7 69 BC D7 51 04 46 04 12 76 72 71 1C 6D 34 41"
/* c3(CK, IK) and c2(RES) */
#define KC "EA E4 BE 82 3A F9 A0 8B"
#define SRES "46 F8 41 6A"

static VcardCard *
new_card(const gchar *ini)
{
	g_autoptr(VcardProfile) profile =
	        ini != NULL ? vcard_test_profile(ini) : vcard_test_default_profile();
	return vcard_card_new(profile);
}

static void
test_verify_uicc(void)
{
	g_autoptr(VcardCard) c = new_card(pin_profile);

	CHECK(c, "00 A4 08 0C 04 7F 20 6F 07", "90 00");
	CHECK(c, "00 B0 00 00 09", "69 82");
	CHECK(c, "00 20 00 01", "63 C3");
	CHECK(c, "00 20 00 01 00", "63 C3");
	CHECK(c, "00 20 00 01 08 " PIN_9999, "63 C2");
	CHECK(c, "00 20 00 01 08 " PIN_1234, "90 00");
	g_assert_true(vcard_card_is_pin_verified(c, VCARD_PIN1));
	CHECK(c, "00 20 00 01", "90 00");
	CHECK(c, "00 B0 00 00 09", "08 09 10 10 10 32 54 76 98 90 00");
	/* a reset forgets it; the counter stays as it was after success */
	vcard_card_reset(c, FALSE);
	g_assert_false(vcard_card_is_pin_verified(c, VCARD_PIN1));
	CHECK(c, "00 20 00 01", "63 C3");
	/* down to blocked */
	CHECK(c, "00 20 00 01 08 " PIN_9999, "63 C2");
	CHECK(c, "00 20 00 01 08 " PIN_9999, "63 C1");
	CHECK(c, "00 20 00 01 08 " PIN_9999, "63 C0");
	g_assert_cmpuint(vcard_card_get_pin_retries(c, VCARD_PIN1), ==, 0);
	CHECK(c, "00 20 00 01 08 " PIN_1234, "69 83");
	CHECK(c, "00 20 00 01", "69 83");
	vcard_card_reset(c, TRUE);
	CHECK(c, "00 20 00 01", "69 83");
	/* UNBLOCK: query, a wrong PUK, the right one with a new PIN */
	CHECK(c, "00 2C 00 01", "63 C2");
	CHECK(c, "00 2C 00 01 10 31 31 31 31 31 31 31 31 " PIN_4321, "63 C1");
	CHECK(c, "00 2C 00 01 10 " PUK " " PIN_4321, "90 00");
	CHECK(c, "00 2C 00 01", "63 C2");
	CHECK(c, "00 20 00 01", "90 00");
	vcard_card_reset(c, TRUE);
	CHECK(c, "00 20 00 01 08 " PIN_1234, "63 C2");
	CHECK(c, "00 20 00 01 08 " PIN_4321, "90 00");
	/* parameters */
	CHECK(c, "00 20 00 05 08 " PIN_1234, "6A 88");
	CHECK(c, "00 20 01 01 08 " PIN_1234, "6A 86");
	CHECK(c, "00 20 00 01 04 31 32 33 34", "67 00");
	/* PIN2 (81) is disabled: its files are open */
	CHECK(c, "00 20 00 81", "90 00");
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 3C", "90 00");
	CHECK(c, "00 D6 00 00 01 AA", "90 00");
}

static void
test_puk_blocked(void)
{
	g_autoptr(VcardCard) c = new_card(pin_profile);

	CHECK(c, "00 2C 00 01 10 31 31 31 31 31 31 31 31 " PIN_4321, "63 C1");
	CHECK(c, "00 2C 00 01 10 31 31 31 31 31 31 31 31 " PIN_4321, "63 C0");
	CHECK(c, "00 2C 00 01 10 " PUK " " PIN_4321, "69 83");
	CHECK(c, "00 2C 00 01", "69 83");
	/* no PUK for ADM1 */
	CHECK(c, "00 2C 00 0A 10 " PUK " " PIN_4321, "6A 88");
}

static void
test_change_disable_enable(void)
{
	g_autoptr(VcardCard) c = new_card(pin_profile);

	CHECK(c, "00 24 00 01 10 " PIN_1234 " " PIN_4321, "90 00");
	CHECK(c, "00 24 00 01 10 " PIN_1234 " " PIN_4321, "63 C2");
	CHECK(c, "00 24 00 01 08 " PIN_1234, "67 00");
	CHECK(c, "00 20 00 01 08 " PIN_4321, "90 00");
	/* DISABLE: a wrong PIN counts; then the files need no PIN */
	CHECK(c, "00 26 00 01 08 " PIN_1234, "63 C2");
	CHECK(c, "00 26 00 01 08 " PIN_4321, "90 00");
	CHECK(c, "00 26 00 01 08 " PIN_4321, "69 85");
	CHECK(c, "00 24 00 01 10 " PIN_4321 " " PIN_1234, "69 85");
	vcard_card_reset(c, TRUE);
	CHECK(c, "00 20 00 01", "90 00");
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 07", "90 00");
	CHECK(c, "00 B0 00 00 01", "08 90 00");
	/* ENABLE */
	CHECK(c, "00 28 00 01 08 " PIN_4321, "90 00");
	CHECK(c, "00 28 00 01 08 " PIN_4321, "69 85");
	vcard_card_reset(c, TRUE);
	CHECK(c, "00 A4 08 0C 04 7F 20 6F 07", "90 00");
	CHECK(c, "00 B0 00 00 01", "69 82");
	/* ADM1 cannot be disabled */
	CHECK(c, "00 26 00 0A 08 38 38 38 38 38 38 38 38", "69 85");
}

static void
test_chv_gsm(void)
{
	g_autoptr(VcardCard) c = new_card(pin_profile);

	CHECK(c, "A0 A4 00 00 02 7F 20", "9F 16");
	CHECK(c, "A0 C0 00 00 16",
	      "00 00 00 00 7F 20 02 00 00 00 00 00 09 11 00 02 04 00 83 82 83 00 90 00");
	CHECK(c, "A0 A4 00 00 02 6F 07", "9F 0F");
	CHECK(c, "A0 B0 00 00 09", "98 04");
	CHECK(c, "A0 20 00 01 08 " PIN_9999, "98 04");
	CHECK(c, "A0 20 00 01 08 " PIN_9999, "98 04");
	/* the counter shows in the DF response: CHV1 status 81 */
	CHECK(c, "A0 F2 00 00 16",
	      "00 00 00 00 7F 20 02 00 00 00 00 00 09 11 00 02 04 00 81 82 83 00 90 00");
	CHECK(c, "A0 20 00 01 08 " PIN_9999, "98 40");
	CHECK(c, "A0 20 00 01 08 " PIN_1234, "98 40");
	/* UNBLOCK CHV names CHV1 as 00 */
	CHECK(c, "A0 2C 00 00 10 31 31 31 31 31 31 31 31 " PIN_4321, "98 04");
	CHECK(c, "A0 2C 00 00 10 " PUK " " PIN_4321, "90 00");
	CHECK(c, "A0 B0 00 00 09", "08 09 10 10 10 32 54 76 98 90 00");
	CHECK(c, "A0 20 00 03 08 " PIN_1234, "98 02");
	CHECK(c, "A0 20 01 01 08 " PIN_1234, "6B 00");
	CHECK(c, "A0 20 00 01 00", "67 00");
	/* VERIFY on the disabled CHV2 contradicts its status */
	CHECK(c, "A0 20 00 02 08 35 36 37 38 FF FF FF FF", "98 08");
	CHECK(c, "A0 26 00 01 08 " PIN_4321, "90 00");
	CHECK(c, "A0 26 00 01 08 " PIN_4321, "98 08");
}

static void
test_authenticate_3g(void)
{
	g_autoptr(VcardCard) c = new_card(NULL);
	guint8 rsp[VCARD_RESPONSE_MAX];
	guint8 k[16], opc[16], rand[16], sqn_ms[6], mac_s[8], ak_star[6];
	static const guint8 amf0[2] = {0, 0};
	gsize len;

	CHECK(c, "00 A4 04 0C 10 A0 00 00 00 87 10 02 FF FF FF FF 89 07 09 00 00", "90 00");
	CHECK(c, "00 88 00 81 22 10 " RAND " 10 " AUTN, "61 35");
	CHECK(c, "00 C0 00 00 35", "DB 08 " RES " 10 " CK " 10 " IK " 08 " KC " 90 00");

	/* the same SQN again is not fresh: DC 0E AUTS, AUTS = SQN_MS ⊕ AK* ‖ MAC-S */
	CHECK(c, "00 88 00 81 22 10 " RAND " 10 " AUTN " 00", "61 10");
	len = vcard_test_send(c, "00 C0 00 00 10", rsp);
	g_assert_cmpuint(len, ==, 18);
	g_assert_cmpuint(rsp[0], ==, 0xDC);
	g_assert_cmpuint(rsp[1], ==, 0x0E);
	g_assert_cmpuint(rsp[16], ==, 0x90);
	/* the network side: SQN_MS = AUTS[0..5] ⊕ f5*(RAND) = FF9BB4D0B607
	 * (f5* of test set 1 = 451E8BECA43B), MAC-S = f1*(SQN_MS, RAND, AMF 0000) */
	vcard_parse_hex("451E8BECA43B", ak_star, 6);
	for (guint i = 0; i < 6; i++)
		sqn_ms[i] = rsp[2 + i] ^ ak_star[i];
	g_assert_cmpmem(sqn_ms, 6, "\xFF\x9B\xB4\xD0\xB6\x07", 6);
	vcard_parse_hex("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
	vcard_parse_hex("cd63cb71954a9f4e48a5994e37a02baf", opc, 16);
	vcard_parse_hex(RAND, rand, 16);
	vcard_milenage_f1(k, opc, rand, sqn_ms, amf0, NULL, mac_s);
	g_assert_cmpmem(rsp + 8, 8, mac_s, 8);

	/* a wrong MAC */
	CHECK(c, "00 88 00 81 22 10 " RAND " 10 55 F3 28 B4 35 77 B9 B9 4A 9F FA C3 54 DF AF B2",
	      "98 62");
	/* parameters and lengths */
	CHECK(c, "00 88 00 82 22 10 " RAND " 10 " AUTN, "6A 86");
	CHECK(c, "00 88 01 81 22 10 " RAND " 10 " AUTN, "6A 86");
	CHECK(c, "00 88 00 81 21 10 " RAND " 0F 55 F3 28 B4 35 77 B9 B9 4A 9F FA C3 54 DF AF",
	      "67 00");
	CHECK(c, "00 88 00 81 00", "67 00");
}

static void
test_authenticate_gsm(void)
{
	g_autoptr(VcardCard) c = new_card(NULL);

	/* AUTHENTICATE, GSM context: 04 SRES 08 Kc */
	CHECK(c, "00 88 00 80 11 10 " RAND, "61 0E");
	CHECK(c, "00 C0 00 00 0E", "04 " SRES " 08 " KC " 90 00");
	CHECK(c, "00 88 00 80 10 " RAND, "67 00");
	/* RUN GSM ALGORITHM: SRES ‖ Kc */
	CHECK(c, "A0 88 00 00 10 " RAND, "9F 0C");
	CHECK(c, "A0 C0 00 00 0C", SRES " " KC " 90 00");
	CHECK(c, "A0 88 00 00 10 " RAND " 0C", "9F 0C");
	CHECK(c, "A0 88 00 01 10 " RAND, "6B 00");
	CHECK(c, "A0 88 00 00 0F 23 55 3C BE 96 37 A8 9D 21 8A E6 4D AE 47 BF", "67 00");
}

static void
test_authenticate_options(void)
{
	static const gchar ini[] = "[auth]\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
	                           "opc = cd63cb71954a9f4e48a5994e37a02baf\nsqn = FFFFFFFFFFFF\n"
	                           "sqn-check = false\nkc-in-3g = false\ngsm-sres = truncate\n";
	g_autoptr(VcardCard) c = new_card(ini);
	g_autoptr(VcardCard) locked = new_card(pin_profile);
	g_autoptr(VcardCard) no_auth = new_card("[file:2FE2]\ntype = transparent\ndata = 00\n");

	/* no SQN check: an old SQN passes, twice; no Kc */
	CHECK(c, "00 88 00 81 22 10 " RAND " 10 " AUTN, "61 2C");
	CHECK(c, "00 88 00 81 22 10 " RAND " 10 " AUTN, "61 2C");
	CHECK(c, "00 C0 00 00 2C", "DB 08 " RES " 10 " CK " 10 " IK " 90 00");
	/* TS 55.205 SRES: the first 32 bits of RES */
	CHECK(c, "A0 88 00 00 10 " RAND, "9F 0C");
	CHECK(c, "A0 C0 00 00 0C", "A5 42 11 D5 " KC " 90 00");
	/* PIN1 enabled and not verified */
	CHECK(locked, "00 88 00 81 22 10 " RAND " 10 " AUTN, "69 82");
	CHECK(locked, "A0 88 00 00 10 " RAND, "98 04");
	CHECK(locked, "00 20 00 01 08 " PIN_1234, "90 00");
	CHECK(locked, "00 88 00 81 22 10 " RAND " 10 " AUTN, "61 35");
	/* a card without keys */
	CHECK(no_auth, "00 88 00 81 22 10 " RAND " 10 " AUTN, "6D 00");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/pin/verify-uicc", test_verify_uicc);
	g_test_add_func("/vcard/pin/puk-blocked", test_puk_blocked);
	g_test_add_func("/vcard/pin/change-disable-enable", test_change_disable_enable);
	g_test_add_func("/vcard/pin/chv-gsm", test_chv_gsm);
	g_test_add_func("/vcard/auth/authenticate-3g", test_authenticate_3g);
	g_test_add_func("/vcard/auth/authenticate-gsm", test_authenticate_gsm);
	g_test_add_func("/vcard/auth/options", test_authenticate_options);
	return g_test_run();
}
