// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Milenage per 3GPP TS 35.206 §4.1 with the default constants of §4.1:
 * r1 = 64, r2 = 0, r3 = 32, r4 = 64, r5 = 96 bits; c1..c5 = 0, 1, 2, 4, 8
 * (in the last octet). The kernel E_K is AES-128 from nettle.
 */
#include "milenage.h"

#include <nettle/aes.h>
#include <string.h>

static void
xor16(guint8 *out, const guint8 *a, const guint8 *b)
{
	for (guint i = 0; i < 16; i++)
		out[i] = a[i] ^ b[i];
}

/* out = x rotated left (towards the most significant end) by @bytes octets */
static void
rotate16(guint8 *out, const guint8 *x, guint bytes)
{
	for (guint i = 0; i < 16; i++)
		out[i] = x[(i + bytes) % 16];
}

static void
encrypt_block(const struct aes128_ctx *aes, const guint8 in[16], guint8 out[16])
{
	aes128_encrypt(aes, 16, out, in);
}

void
vcard_milenage_opc(const guint8 k[16], const guint8 op[16], guint8 opc[16])
{
	struct aes128_ctx aes;
	guint8 enc[16];

	aes128_set_encrypt_key(&aes, k);
	encrypt_block(&aes, op, enc);
	xor16(opc, enc, op);
}

/* TEMP = E_K(RAND xor OPc) */
static void
milenage_temp(const struct aes128_ctx *aes, const guint8 opc[16], const guint8 rand[16],
              guint8 temp[16])
{
	guint8 in[16];

	xor16(in, rand, opc);
	encrypt_block(aes, in, temp);
}

void
vcard_milenage_f1(const guint8 k[16], const guint8 opc[16], const guint8 rand[16],
                  const guint8 sqn[6], const guint8 amf[2], guint8 mac_a[8], guint8 mac_s[8])
{
	struct aes128_ctx aes;
	guint8 temp[16], in1[16], tmp[16], rot[16], out[16];

	aes128_set_encrypt_key(&aes, k);
	milenage_temp(&aes, opc, rand, temp);

	/* IN1 = SQN || AMF || SQN || AMF */
	memcpy(in1, sqn, 6);
	memcpy(in1 + 6, amf, 2);
	memcpy(in1 + 8, in1, 8);

	/* OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc */
	xor16(tmp, in1, opc);
	rotate16(rot, tmp, 8);
	xor16(tmp, rot, temp);
	encrypt_block(&aes, tmp, out);
	xor16(out, out, opc);

	if (mac_a != NULL)
		memcpy(mac_a, out, 8);
	if (mac_s != NULL)
		memcpy(mac_s, out + 8, 8);
}

/* OUTn = E_K(rot(TEMP xor OPc, r) xor c) xor OPc */
static void
milenage_out(const struct aes128_ctx *aes, const guint8 opc[16], const guint8 temp[16],
             guint rot_bytes, guint8 c, guint8 out[16])
{
	guint8 tmp[16], rot[16];

	xor16(tmp, temp, opc);
	rotate16(rot, tmp, rot_bytes);
	rot[15] ^= c;
	encrypt_block(aes, rot, out);
	xor16(out, out, opc);
}

void
vcard_milenage_f2345(const guint8 k[16], const guint8 opc[16], const guint8 rand[16], guint8 res[8],
                     guint8 ck[16], guint8 ik[16], guint8 ak[6], guint8 ak_star[6])
{
	struct aes128_ctx aes;
	guint8 temp[16], out[16];

	aes128_set_encrypt_key(&aes, k);
	milenage_temp(&aes, opc, rand, temp);

	if (res != NULL || ak != NULL) {
		milenage_out(&aes, opc, temp, 0, 1, out);
		if (ak != NULL)
			memcpy(ak, out, 6);
		if (res != NULL)
			memcpy(res, out + 8, 8);
	}
	if (ck != NULL)
		milenage_out(&aes, opc, temp, 4, 2, ck);
	if (ik != NULL)
		milenage_out(&aes, opc, temp, 8, 4, ik);
	if (ak_star != NULL) {
		milenage_out(&aes, opc, temp, 12, 8, out);
		memcpy(ak_star, out, 6);
	}
}

void
vcard_milenage_c3(const guint8 ck[16], const guint8 ik[16], guint8 kc[8])
{
	for (guint i = 0; i < 8; i++)
		kc[i] = ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8];
}

void
vcard_milenage_sres(const guint8 res[8], VcardSresMode mode, guint8 sres[4])
{
	for (guint i = 0; i < 4; i++)
		sres[i] = mode == VCARD_SRES_XOR ? res[i] ^ res[i + 4] : res[i];
}

void
vcard_milenage_gsm(const guint8 k[16], const guint8 opc[16], const guint8 rand[16],
                   VcardSresMode mode, guint8 sres[4], guint8 kc[8])
{
	guint8 res[8], ck[16], ik[16];

	vcard_milenage_f2345(k, opc, rand, res, ck, ik, NULL, NULL);
	vcard_milenage_sres(res, mode, sres);
	vcard_milenage_c3(ck, ik, kc);
}
