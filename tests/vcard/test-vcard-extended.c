// SPDX-License-Identifier: GPL-2.0-or-later
/* The extended-length card (data/vcard/extended.ini): extended READ BINARY
 * and UPDATE BINARY, command chaining, GET RESPONSE, byte for byte. */
#include "vcard-profile.h"
#include "vcard-test.h"

/* what the profile puts at the start of EF 2F30 ("CARDROUTE 4K") */
static const guint8 head[] = {0x43, 0x41, 0x52, 0x44, 0x52, 0x4F,
                              0x55, 0x54, 0x45, 0x20, 0x34, 0x4B};

typedef struct {
	VcardProfile *profile;
	VcardCard *card;
	guint8 image[4096]; /* what EF 2F30 should hold */
	guint8 rsp[VCARD_EXT_RESPONSE_MAX];
	gsize rsp_len;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	f->profile = vcard_profile_load_file(VCARD_EXTENDED_PROFILE, &error);
	g_assert_no_error(error);
	f->card = vcard_card_new(f->profile);
	memset(f->image, 0xFF, sizeof(f->image));
	memcpy(f->image, head, sizeof(head));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	vcard_card_free(f->card);
	vcard_profile_unref(f->profile);
}

/* header ‖ (extended Lc ‖ data) ‖ extended Le, as built here */
static gsize
send(Fixture *f, const guint8 *header, const guint8 *data, gsize lc, gint le)
{
	g_autofree guint8 *cmd = g_malloc(4 + 3 + lc + 2);
	gsize len = 4;

	memcpy(cmd, header, 4);
	if (lc > 0 || le >= 0)
		cmd[len++] = 0x00;
	if (lc > 0) {
		cmd[len++] = lc >> 8;
		cmd[len++] = lc & 0xFF;
		memcpy(cmd + len, data, lc);
		len += lc;
	}
	if (le >= 0) {
		cmd[len++] = (le >> 8) & 0xFF;
		cmd[len++] = le & 0xFF;
	}
	f->rsp_len = vcard_card_process(f->card, cmd, len, f->rsp);
	g_assert_cmpuint(f->rsp_len, >=, 2);
	g_assert_cmpuint(f->rsp_len, <=, vcard_card_response_max(f->card));
	return f->rsp_len;
}

static void
assert_answer(Fixture *f, const guint8 *data, gsize len, guint16 sw)
{
	g_assert_cmpuint(f->rsp_len, ==, len + 2);
	if (len > 0)
		g_assert_cmpmem(f->rsp, len, data, len);
	g_assert_cmphex(f->rsp[len], ==, sw >> 8);
	g_assert_cmphex(f->rsp[len + 1], ==, sw & 0xFF);
}

static void
select_2f30(Fixture *f)
{
	guint8 rsp[VCARD_EXT_RESPONSE_MAX];
	gsize n = vcard_card_process(f->card, (const guint8[]){0x00, 0xA4, 0x00, 0x0C, 0x02,
	                                                        0x2F, 0x30},
	                             7, rsp);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmphex(rsp[0], ==, 0x90);
}

static VcardProfile *
vcard_test_load_bad(const gchar *ini, GError **error)
{
	return vcard_profile_load_data(ini, strlen(ini), "bad.ini", error);
}

static gboolean
contains(const guint8 *hay, gsize len, const guint8 *needle, gsize n)
{
	for (gsize i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return TRUE;
	return FALSE;
}

static const guint8 read_hdr[] = {0x00, 0xB0, 0x00, 0x00};
static const guint8 update_hdr[] = {0x00, 0xD6, 0x00, 0x00};

static void
test_profile(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardProfile) ext = vcard_profile_load_file(VCARD_EXTENDED_PROFILE, &error);
	g_autoptr(VcardProfile) def = vcard_test_default_profile();
	g_autoptr(VcardProfile) builtin = NULL;
	g_autoptr(VcardProfile) bad = NULL;
	gsize len;
	const guint8 *atr;

	g_assert_no_error(error);
	g_assert_true(ext->extended);
	g_assert_cmpuint(ext->protocol, ==, VCARD_PROTOCOL_T1);
	atr = g_bytes_get_data(ext->atr, &len);
	g_assert_true(vcard_atr_is_valid(atr, len, NULL));
	g_assert_cmpuint(vcard_atr_protocols(atr, len), ==, VCARD_PROTOCOL_T1);
	g_assert_false(def->extended);
	g_assert_cmpuint(def->protocol, ==, VCARD_PROTOCOL_T0);
	atr = g_bytes_get_data(def->atr, &len);
	g_assert_cmpuint(vcard_atr_protocols(atr, len), ==, VCARD_PROTOCOL_T0);

	/* protocol = T=1 without an ATR: the built-in T=1 ATR */
	builtin = vcard_test_profile("[card]\nprotocol = T=1\n[file:3F00]\ntype = mf\n");
	g_assert_nonnull(builtin->atr);
	g_assert_cmpmem(g_bytes_get_data(builtin->atr, NULL), g_bytes_get_size(builtin->atr),
	                g_bytes_get_data(ext->atr, NULL), g_bytes_get_size(ext->atr));

	bad = vcard_test_load_bad("[card]\nprotocol = T=2\n", &error);
	g_assert_null(bad);
	g_assert_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE);
	g_assert_nonnull(strstr(error->message, "protocol: 'T=2' is not T=0 or T=1"));
	g_clear_error(&error);
	/* a T=0 ATR for a T=1 card */
	bad = vcard_test_load_bad("[card]\nprotocol = T=1\natr = 3B 02 14 50\n", &error);
	g_assert_null(bad);
	g_assert_nonnull(strstr(error->message, "atr: it does not offer T=1"));
	g_clear_error(&error);
	bad = vcard_test_load_bad("[card]\nextended-length = maybe\n", &error);
	g_assert_null(bad);
	g_assert_nonnull(strstr(error->message, "extended-length"));
}

static void
test_read_binary(Fixture *f, gconstpointer data)
{
	select_2f30(f);
	/* Le = 1000: the whole file */
	send(f, read_hdr, NULL, 0, 0x1000);
	assert_answer(f, f->image, 4096, 0x9000);
	/* Le = 0000: to the end */
	send(f, read_hdr, NULL, 0, 0x0000);
	assert_answer(f, f->image, 4096, 0x9000);
	send(f, (const guint8[]){0x00, 0xB0, 0x0F, 0xA0}, NULL, 0, 0x0000);
	assert_answer(f, f->image + 4000, 96, 0x9000);
	/* more than there is: what there is, end of file reached */
	send(f, (const guint8[]){0x00, 0xB0, 0x0F, 0xA0}, NULL, 0, 0x0100);
	assert_answer(f, f->image + 4000, 96, 0x6282);
	/* exactly some */
	send(f, (const guint8[]){0x00, 0xB0, 0x00, 0x04}, NULL, 0, 0x0006);
	assert_answer(f, head + 4, 6, 0x9000);
	/* short Le = 00 on the same card: 256 bytes */
	CHECK(f->card, "00 B0 00 00 04", "43 41 52 44 90 00");
	/* beyond the end */
	send(f, (const guint8[]){0x00, 0xB0, 0x10, 0x00}, NULL, 0, 0x0000);
	assert_answer(f, NULL, 0, 0x6B00);
}

static void
test_update_binary(Fixture *f, gconstpointer data)
{
	guint8 block[4096];

	for (guint i = 0; i < sizeof(block); i++)
		block[i] = (guint8)(i * 7 + 3);
	select_2f30(f);
	/* Lc = 3000 at offset 0010 */
	send(f, (const guint8[]){0x00, 0xD6, 0x00, 0x10}, block, 3000, -1);
	assert_answer(f, NULL, 0, 0x9000);
	memcpy(f->image + 0x10, block, 3000);
	send(f, read_hdr, NULL, 0, 0x0000);
	assert_answer(f, f->image, 4096, 0x9000);
	/* Lc = 4096, the whole file, with Le (case 4E: ignored) */
	send(f, update_hdr, block, 4096, 0x0000);
	assert_answer(f, NULL, 0, 0x9000);
	send(f, read_hdr, NULL, 0, 0x1000);
	assert_answer(f, block, 4096, 0x9000);
	/* past the end */
	send(f, (const guint8[]){0x00, 0xD6, 0x00, 0x01}, block, 4096, -1);
	assert_answer(f, NULL, 0, 0x6700);
	send(f, read_hdr, NULL, 0, 0x1000);
	assert_answer(f, block, 4096, 0x9000);
}

static void
test_chaining(Fixture *f, gconstpointer data)
{
	guint8 part[600];

	for (guint i = 0; i < sizeof(part); i++)
		part[i] = (guint8)(i ^ 0x5A);
	select_2f30(f);
	/* three parts, short and extended, one UPDATE BINARY at offset 0100 */
	CHECK(f->card, "10 D6 01 00 02 AA BB", "90 00");
	send(f, (const guint8[]){0x10, 0xD6, 0x01, 0x00}, part, 600, -1);
	assert_answer(f, NULL, 0, 0x9000);
	CHECK(f->card, "00 D6 01 00 03 CC DD EE", "90 00");
	memcpy(f->image + 0x100, (const guint8[]){0xAA, 0xBB}, 2);
	memcpy(f->image + 0x102, part, 600);
	memcpy(f->image + 0x102 + 600, (const guint8[]){0xCC, 0xDD, 0xEE}, 3);
	send(f, read_hdr, NULL, 0, 0x0000);
	assert_answer(f, f->image, 4096, 0x9000);

	/* another command in the middle of a chain breaks it */
	CHECK(f->card, "10 D6 00 00 01 11", "90 00");
	CHECK(f->card, "00 B0 00 00 02", "68 83");
	CHECK(f->card, "00 B0 00 00 02", "43 41 90 00");
	CHECK(f->card, "10 D6 00 00 01 11", "90 00");
	CHECK(f->card, "00 D6 00 01 01 22", "68 83");
	/* a part without data; more than the card's 4096 bytes */
	CHECK(f->card, "10 D6 00 00", "67 00");
	send(f, (const guint8[]){0x10, 0xD6, 0x00, 0x00}, part, 600, -1);
	for (guint i = 0; i < 5; i++) {
		send(f, (const guint8[]){0x10, 0xD6, 0x00, 0x00}, part, 600, -1);
		assert_answer(f, NULL, 0, 0x9000);
	}
	send(f, (const guint8[]){0x10, 0xD6, 0x00, 0x00}, part, 600, -1);
	assert_answer(f, NULL, 0, 0x6700);
	/* nothing was written; the card goes on */
	send(f, read_hdr, NULL, 0, 0x0000);
	assert_answer(f, f->image, 4096, 0x9000);
	/* a reset drops an open chain */
	CHECK(f->card, "10 D6 00 00 01 11", "90 00");
	vcard_card_reset(f->card, FALSE);
	CHECK(f->card, "00 A4 00 0C 02 2F 30", "90 00");
	CHECK(f->card, "00 B0 00 00 02", "43 41 90 00");
}

static void
test_get_response(Fixture *f, gconstpointer data)
{
	g_autoptr(VcardCard) twin = vcard_card_new(f->profile);
	guint8 fcp[256];
	gsize fcp_len;
	guint8 rsp[VCARD_EXT_RESPONSE_MAX];
	gsize n;
	g_autofree gchar *want_61 = NULL;

	/* the FCP through short GET RESPONSE on a twin card */
	n = vcard_card_process(twin, (const guint8[]){0x00, 0xA4, 0x00, 0x04, 0x02, 0x2F, 0x30}, 7,
	                       rsp);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmphex(rsp[0], ==, 0x61);
	fcp_len = rsp[1];
	n = vcard_card_process(twin, (const guint8[]){0x00, 0xC0, 0x00, 0x00, 0x00}, 5, rsp);
	g_assert_cmpuint(n, ==, fcp_len + 2);
	memcpy(fcp, rsp, fcp_len);
	/* file size 1000 in the FCP (tag 80) */
	g_assert_true(contains(fcp, fcp_len, (const guint8[]){0x80, 0x02, 0x10, 0x00}, 4));
	want_61 = g_strdup_printf("61 %02X", (guint)fcp_len);

	/* extended Le = 0000: all of it */
	CHECK(f->card, "00 A4 00 04 02 2F 30", want_61);
	send(f, (const guint8[]){0x00, 0xC0, 0x00, 0x00}, NULL, 0, 0x0000);
	assert_answer(f, fcp, fcp_len, 0x9000);
	/* extended Le = 0005, then the rest with Le larger than what is left */
	CHECK(f->card, "00 A4 00 04 02 2F 30", want_61);
	send(f, (const guint8[]){0x00, 0xC0, 0x00, 0x00}, NULL, 0, 0x0005);
	assert_answer(f, fcp, 5, 0x6100 | (fcp_len - 5));
	send(f, (const guint8[]){0x00, 0xC0, 0x00, 0x00}, NULL, 0, 0x0100);
	assert_answer(f, fcp + 5, fcp_len - 5, 0x9000);
	/* nothing left */
	send(f, (const guint8[]){0x00, 0xC0, 0x00, 0x00}, NULL, 0, 0x0000);
	assert_answer(f, NULL, 0, 0x6985);
}

static void
test_malformed(Fixture *f, gconstpointer data)
{
	select_2f30(f);
	CHECK(f->card, "00 B0 00 00 00 10", "67 00");          /* Le cut short */
	CHECK(f->card, "00 D6 00 00 00 00 05 01 02", "67 00"); /* Lc 5, 2 bytes */
	CHECK(f->card, "00 D6 00 00 00 10 00", "67 00");       /* data INS, no data */
	CHECK(f->card, "00 B0 00 00 00 00 01 AA", "67 00");    /* data to READ BINARY */
	CHECK(f->card, "00 D6 00 00 00 00 00", "67 00");       /* Lc = 0000 */
	CHECK(f->card, "00 B0 00 00 02", "43 41 90 00");
}

static void
test_short_card_unchanged(void)
{
	g_autoptr(VcardProfile) p = vcard_test_default_profile();
	g_autoptr(VcardCard) card = vcard_card_new(p);

	g_assert_cmpuint(vcard_card_response_max(card), ==, VCARD_RESPONSE_MAX);
	CHECK(card, "00 A4 00 0C 02 2F E2", "90 00");
	CHECK(card, "00 B0 00 00 00 00 0A", "67 00");
	CHECK(card, "10 B0 00 00 0A", "6E 00");
	CHECK(card, "00 B0 00 00 0A", "98 10 00 00 00 00 00 00 10 F9 90 00");
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/extended/profile", test_profile);
	ADD("/vcard/extended/read-binary", test_read_binary);
	ADD("/vcard/extended/update-binary", test_update_binary);
	ADD("/vcard/extended/chaining", test_chaining);
	ADD("/vcard/extended/get-response", test_get_response);
	ADD("/vcard/extended/malformed", test_malformed);
	g_test_add_func("/vcard/extended/short-card-unchanged", test_short_card_unchanged);
	return g_test_run();
}
