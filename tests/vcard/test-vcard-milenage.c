// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Milenage against the 3GPP test data: TS 35.208 §4.3 test sets 1-6 (set 2
 * as numbered in TS 35.208 v6 / TS 35.207: K 0396EB31...), each checked for
 * OPc, f1, f1*, f2, f3, f4, f5 and f5*; AES-128 itself against the TS 35.207
 * Rijndael intermediate values; and the 2G conversions c2/c3.
 */
#include <glib.h>
#include <nettle/aes.h>
#include <string.h>

#include "milenage.h"
#include "vcard-profile.h"

typedef struct {
	const gchar *k, *rand, *sqn, *amf, *op, *opc;
	const gchar *f1, *f1_star, *f2, *f5, *f3, *f4, *f5_star;
} TestSet;

static const TestSet test_sets[] = {
        {"465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607",
         "b9b9", "cdc202d5123e20f62b6d676ac72cb318", "cd63cb71954a9f4e48a5994e37a02baf",
         "4a9ffac354dfafb3", "01cfaf9ec4e871e9", "a54211d5e3ba50bf", "aa689c648370",
         "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441", "451e8beca43b"},
        {"0396eb317b6d1c36f19c1c84cd6ffd16", "c00d603103dcee52c4478119494202e8", "fd8eef40df7d",
         "af17", "ff53bade17df5d4e793073ce9d7579fa", "53c15671c60a4b731c55b4a441c0bde2",
         "5df5b31807e258b0", "a8c016e51ef4a343", "d3a628ed988620f0", "c47783995f72",
         "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da", "30f1197061c1"},
        {"fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc",
         "725c", "dbc59adcb6f9a0ef735477b7fadf8374", "1006020f0a478bf6b699f15c062e42b3",
         "9cabc3e99baf7281", "95814ba2b3044324", "8011c48c0c214ed2", "33484dc2136b",
         "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b", "deacdd848cc6"},
        {"9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8",
         "9e09", "223014c5806694c007ca1eeef57f004f", "a64a507ae1a2a98bb88eb4210135dc87",
         "74a58220cba84c49", "ac2cc74a96871837", "f365cd683cd92e96", "f0b9c08ad02e",
         "e203edb3971574f5a94b0d61b816345d", "0c4524adeac041c4dd830d20854fc46b", "6085a86c6f63"},
        {"4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6",
         "9f07", "2d16c5cd1fdf6b22383584e3bef2a8d8", "dcf07cbd51855290b92a07a9891e523e",
         "49e785dd12626ef2", "9e85790336bb3fa2", "5860fc1bce351e7e", "31e11a609118",
         "7657766b373d1c2138f307e3de9242f9", "1c42e960d89b8fa99f2744e0708ccb53", "fe2555e54aa9"},
        {"6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63", "414b98222181",
         "4464", "1ba00a1a7c6700ac8c3ff3e96ad08725", "3803ef5363b947c6aaa225e58fae3934",
         "078adfb488241a57", "80246b8d0186bcf1", "16c8233f05a0ac28", "45b0f69ab06c",
         "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4", "1f53cd2b1113"},
};

static void
hex(const gchar *text, guint8 *out, gsize len)
{
	g_assert_cmpint(vcard_parse_hex(text, out, len), ==, (gssize)len);
}

static void
assert_bytes(const guint8 *got, const gchar *want_hex, gsize len, const gchar *what, guint set)
{
	guint8 want[16];

	hex(want_hex, want, len);
	if (memcmp(got, want, len) != 0) {
		g_autofree gchar *got_hex = g_malloc0(2 * len + 1);
		for (gsize i = 0; i < len; i++)
			g_snprintf(got_hex + 2 * i, 3, "%02x", got[i]);
		g_error("set %u: %s = %s, want %s", set, what, got_hex, want_hex);
	}
}

static void
test_milenage_sets(gconstpointer data)
{
	guint index = GPOINTER_TO_UINT(data);
	const TestSet *t = &test_sets[index];
	guint8 k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
	guint8 mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_star[6];

	hex(t->k, k, 16);
	hex(t->rand, rand, 16);
	hex(t->sqn, sqn, 6);
	hex(t->amf, amf, 2);
	hex(t->op, op, 16);

	vcard_milenage_opc(k, op, opc);
	assert_bytes(opc, t->opc, 16, "OPc", index + 1);

	vcard_milenage_f1(k, opc, rand, sqn, amf, mac_a, mac_s);
	assert_bytes(mac_a, t->f1, 8, "f1", index + 1);
	assert_bytes(mac_s, t->f1_star, 8, "f1*", index + 1);

	vcard_milenage_f2345(k, opc, rand, res, ck, ik, ak, ak_star);
	assert_bytes(res, t->f2, 8, "f2", index + 1);
	assert_bytes(ck, t->f3, 16, "f3", index + 1);
	assert_bytes(ik, t->f4, 16, "f4", index + 1);
	assert_bytes(ak, t->f5, 6, "f5", index + 1);
	assert_bytes(ak_star, t->f5_star, 6, "f5*", index + 1);

	/* the NULL outputs are optional one by one */
	memset(ak, 0, sizeof(ak));
	vcard_milenage_f2345(k, opc, rand, NULL, NULL, NULL, ak, NULL);
	assert_bytes(ak, t->f5, 6, "f5 alone", index + 1);
	memset(mac_s, 0, sizeof(mac_s));
	vcard_milenage_f1(k, opc, rand, sqn, amf, NULL, mac_s);
	assert_bytes(mac_s, t->f1_star, 8, "f1* alone", index + 1);
}

/* TS 35.207: E_K(RAND xor OPc) of test sets 1-6 (nettle's AES is the kernel). */
static void
test_rijndael(void)
{
	static const gchar *const vectors[][3] = {
	        {"465b5ce8b199b49faa5f0a2ee238a6bc", "ee36f7cf037d37d3692f7f0399e7949a",
	         "9e2980c59739da67b136355e3cede6a2"},
	        {"0396eb317b6d1c36f19c1c84cd6ffd16", "93cc3640c5d6a521d81235bd0882bf0a",
	         "009a9e0996561525f611667bbf79e226"},
	        {"fec86ba6eb707ed08905757b1bb44b8f", "8f7a8f0d108b7f2d97a53eacc1d958d9",
	         "5d9bce854decaf0da93d28b7e35f608c"},
	        {"9e5944aea94b81165c82fbf9f32db751", "68c98bbfab628ec1adf2a3d90c34a751",
	         "db2944cce8e683cd03fff19931a12135"},
	        {"4ab1deb05ca6ceb051fc98e77d026a84", "a840b1dd60249aa322016b4b31daf3b8",
	         "02bffada7137c492c00e8452d8c76eaa"},
	        {"6c38a116ac280c454f59332ee35c8c4f", "d66789eff5996b9cffd89e0a77148657",
	         "bdf226fecf9ff9961e5c2621b764efb1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
		struct aes128_ctx aes;
		guint8 k[16], in[16], out[16];

		hex(vectors[i][0], k, 16);
		hex(vectors[i][1], in, 16);
		aes128_set_encrypt_key(&aes, k);
		aes128_encrypt(&aes, 16, out, in);
		assert_bytes(out, vectors[i][2], 16, "E_K", i + 1);
	}
}

/* c2/c3 of TS 33.102 §6.8.1.2 on test set 1, worked out by hand:
 * RES = a54211d5 e3ba50bf -> SRES (xor) = 46f8416a, SRES (truncate) = a54211d5
 * Kc = CK1^CK2^IK1^IK2 = b40ba9a3c58b2a05 ^ bbf0d987b21bf8cb
 *                      ^ f769bcd751044604 ^ 127672711c6d3441 = eae4be82 3af9a08b */
static void
test_gsm_conversion(void)
{
	guint8 k[16], opc[16], rand[16], sres[4], kc[8];

	hex(test_sets[0].k, k, 16);
	hex(test_sets[0].opc, opc, 16);
	hex(test_sets[0].rand, rand, 16);
	vcard_milenage_gsm(k, opc, rand, VCARD_SRES_XOR, sres, kc);
	assert_bytes(sres, "46f8416a", 4, "SRES (c2)", 1);
	assert_bytes(kc, "eae4be823af9a08b", 8, "Kc (c3)", 1);
	vcard_milenage_gsm(k, opc, rand, VCARD_SRES_TRUNCATE, sres, kc);
	assert_bytes(sres, "a54211d5", 4, "SRES (55.205)", 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(test_sets); i++) {
		g_autofree gchar *path = g_strdup_printf("/vcard/milenage/ts35208-set%u", i + 1);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), test_milenage_sets);
	}
	g_test_add_func("/vcard/milenage/rijndael", test_rijndael);
	g_test_add_func("/vcard/milenage/gsm-conversion", test_gsm_conversion);
	return g_test_run();
}
