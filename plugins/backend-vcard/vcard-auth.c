// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AUTHENTICATE (TS 31.102 §7.1.2: 3G and GSM security contexts) and RUN GSM
 * ALGORITHM (GSM 11.11 §9.2.16) with Milenage. A 2G challenge is answered
 * with the TS 33.102 conversion functions (c2 for SRES, c3 for Kc), or with
 * SRES = the first 32 bits of RES (TS 55.205) when the profile says so.
 */
#include "vcard-card-private.h"

#include <string.h>

static gsize
gsm_context(VcardCard *card, const guint8 rand[16], guint8 *rsp)
{
	VcardProfile *p = card->profile;
	guint8 sres[4], kc[8];

	vcard_milenage_gsm(p->k, p->opc, rand, p->sres_mode, sres, kc);
	if (card->gsm) {
		/* RUN GSM ALGORITHM: SRES ‖ Kc */
		memcpy(card->pending, sres, 4);
		memcpy(card->pending + 4, kc, 8);
		return vcard_card_answer_pending(card, rsp, 12);
	}
	/* AUTHENTICATE, GSM context: 04 SRES 08 Kc */
	card->pending[0] = 4;
	memcpy(card->pending + 1, sres, 4);
	card->pending[5] = 8;
	memcpy(card->pending + 6, kc, 8);
	return vcard_card_answer_pending(card, rsp, 14);
}

static gsize
umts_context(VcardCard *card, const guint8 rand[16], const guint8 autn[16], guint8 *rsp)
{
	static const guint8 amf_zero[2] = {0, 0};
	VcardProfile *p = card->profile;
	guint8 res[8], ck[16], ik[16], ak[6], sqn[6], xmac[8];
	guint8 *out = card->pending;
	gsize pos = 0;

	vcard_milenage_f2345(p->k, p->opc, rand, res, ck, ik, ak, NULL);
	for (guint i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ ak[i];
	vcard_milenage_f1(p->k, p->opc, rand, sqn, autn + 6, xmac, NULL);
	if (memcmp(xmac, autn + 8, 8) != 0)
		return vcard_card_error(card, rsp, VCARD_SW_MAC);

	if (p->sqn_check && memcmp(sqn, card->sqn_ms, 6) <= 0) {
		/* synchronisation failure: DC 0E AUTS, AUTS = (SQN_MS ⊕ AK*) ‖ MAC-S,
		 * MAC-S = f1*(SQN_MS, RAND, AMF = 0000) (TS 33.102 §6.3.3) */
		guint8 ak_star[6];
		vcard_milenage_f2345(p->k, p->opc, rand, NULL, NULL, NULL, NULL, ak_star);
		out[pos++] = 0xDC;
		out[pos++] = 14;
		for (guint i = 0; i < 6; i++)
			out[pos++] = card->sqn_ms[i] ^ ak_star[i];
		vcard_milenage_f1(p->k, p->opc, rand, card->sqn_ms, amf_zero, NULL, out + pos);
		pos += 8;
		return vcard_card_answer_pending(card, rsp, pos);
	}
	memcpy(card->sqn_ms, sqn, 6);

	/* DB 08 RES 10 CK 10 IK [08 Kc] */
	out[pos++] = 0xDB;
	out[pos++] = 8;
	memcpy(out + pos, res, 8);
	pos += 8;
	out[pos++] = 16;
	memcpy(out + pos, ck, 16);
	pos += 16;
	out[pos++] = 16;
	memcpy(out + pos, ik, 16);
	pos += 16;
	if (p->kc_in_3g) {
		out[pos++] = 8;
		vcard_milenage_c3(ck, ik, out + pos);
		pos += 8;
	}
	return vcard_card_answer_pending(card, rsp, pos);
}

gsize
vcard_auth_command(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	if (!card->profile->has_auth)
		return vcard_card_error(card, rsp, VCARD_SW_INS);
	if (card->gsm) {
		if (cmd->p1 != 0 || cmd->p2 != 0)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
		if (cmd->lc != 16)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		if (!vcard_card_access_ok(card, VCARD_ACCESS_PIN1))
			return vcard_card_error(card, rsp, VCARD_SW_SECURITY);
		return gsm_context(card, cmd->data, rsp);
	}
	if (cmd->p1 != 0 || (cmd->p2 != 0x80 && cmd->p2 != 0x81))
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
	if (!vcard_card_access_ok(card, VCARD_ACCESS_PIN1))
		return vcard_card_error(card, rsp, VCARD_SW_SECURITY);
	if (cmd->p2 == 0x80) {
		if (cmd->lc != 17 || cmd->data[0] != 16)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		return gsm_context(card, cmd->data + 1, rsp);
	}
	if (cmd->lc != 34 || cmd->data[0] != 16 || cmd->data[17] != 16)
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
	return umts_context(card, cmd->data + 1, cmd->data + 18, rsp);
}
