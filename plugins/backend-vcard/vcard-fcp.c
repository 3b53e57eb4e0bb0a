// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SELECT/STATUS responses: the FCP template of TS 102 221 §11.1.1.3 (CLA 00)
 * and the GSM 11.11 §9.2.1 response (CLA A0).
 */
#include "vcard-card-private.h"

/* Key references of the PINs in TS 102 221 §9.5.1 (PIN1, PIN2, ADM1). */
static const guint8 pin_key_ref[VCARD_PIN_COUNT] = {0x01, 0x81, 0x0A};

static gsize
put_tlv(guint8 *out, gsize pos, guint8 tag, const guint8 *value, gsize len)
{
	out[pos++] = tag;
	out[pos++] = (guint8)len;
	for (gsize i = 0; i < len; i++)
		out[pos++] = value[i];
	return pos;
}

gsize
vcard_fcp_build(VcardCard *card, const VcardFile *file, guint8 *out)
{
	/* security attributes: a reference to EF.ARR 2F06 record 1; the rules the
	 * card applies are the profile's read/update keys */
	static const guint8 arr_ref[] = {0x2F, 0x06, 0x01};
	static const guint8 lcsi[] = {0x05}; /* operational, activated */
	guint8 fid[2] = {file->fid >> 8, file->fid & 0xFF};
	gsize pos = 2;

	if (vcard_file_is_df(file)) {
		static const guint8 df_descriptor[] = {0x78, 0x21};
		static const guint8 uicc_characteristics[] = {0x80, 0x01, 0x71};
		guint8 ps[2 + 3 * VCARD_PIN_COUNT + 3];
		gsize ps_len = 3;
		guint8 ps_do = 0;
		guint bit = 0;

		pos = put_tlv(out, pos, 0x82, df_descriptor, sizeof(df_descriptor));
		pos = put_tlv(out, pos, 0x83, fid, 2);
		if (file->type == VCARD_FILE_ADF)
			pos = put_tlv(out, pos, 0x84, file->aid, file->aid_len);
		if (file->type == VCARD_FILE_MF)
			pos = put_tlv(out, pos, 0xA5, uicc_characteristics,
			              sizeof(uicc_characteristics));
		pos = put_tlv(out, pos, 0x8A, lcsi, 1);
		pos = put_tlv(out, pos, 0x8B, arr_ref, sizeof(arr_ref));
		/* PIN status template: PS_DO (one bit per key reference, b8
		 * first: 1 = enabled), then the key references */
		for (guint i = 0; i < VCARD_PIN_COUNT; i++) {
			if (!card->profile->pins[i].present)
				continue;
			if (card->pins[i].enabled)
				ps_do |= 0x80 >> bit;
			bit++;
			ps[ps_len++] = 0x83;
			ps[ps_len++] = 0x01;
			ps[ps_len++] = pin_key_ref[i];
		}
		ps[0] = 0x90;
		ps[1] = 0x01;
		ps[2] = ps_do;
		pos = put_tlv(out, pos, 0xC6, ps, ps_len);
	} else {
		guint8 size[2] = {file->size >> 8, file->size & 0xFF};
		guint8 sfi = (guint8)(file->sfi << 3);

		if (file->type == VCARD_FILE_TRANSPARENT) {
			static const guint8 ef_descriptor[] = {0x41, 0x21};
			pos = put_tlv(out, pos, 0x82, ef_descriptor, sizeof(ef_descriptor));
		} else {
			guint8 rec_descriptor[] = {0x42, 0x21, 0x00, (guint8)file->record_len,
			                           (guint8)file->n_records};
			pos = put_tlv(out, pos, 0x82, rec_descriptor, sizeof(rec_descriptor));
		}
		pos = put_tlv(out, pos, 0x83, fid, 2);
		pos = put_tlv(out, pos, 0x8A, lcsi, 1);
		pos = put_tlv(out, pos, 0x8B, arr_ref, sizeof(arr_ref));
		pos = put_tlv(out, pos, 0x80, size, 2);
		/* 88 00: no SFI (an absent 88 would mean "SFI = low 5 bits of the FID") */
		pos = put_tlv(out, pos, 0x88, &sfi, file->sfi != 0 ? 1 : 0);
	}
	out[0] = 0x62;
	out[1] = (guint8)(pos - 2);
	return pos;
}

/* GSM 11.11 §9.3 access condition nibbles */
static guint8
gsm_access_nibble(VcardAccess access)
{
	switch (access) {
	case VCARD_ACCESS_ALWAYS:
		return 0x0;
	case VCARD_ACCESS_PIN1:
		return 0x1;
	case VCARD_ACCESS_PIN2:
		return 0x2;
	case VCARD_ACCESS_ADM1:
		return 0x4;
	case VCARD_ACCESS_NEVER:
		return 0xF;
	}
	return 0xF;
}

static guint8
gsm_secret_status(VcardCard *card, VcardPinId id, gboolean puk)
{
	const VcardPinConfig *config = &card->profile->pins[id];

	if (!config->present || (puk && !config->has_puk))
		return 0x00;
	/* b8: secret code initialised; b4-b1: attempts left */
	return 0x80 | (puk ? card->pins[id].puk_left : card->pins[id].retries_left);
}

gsize
vcard_gsm_response_build(VcardCard *card, const VcardFile *file, guint8 *out)
{
	out[0] = 0x00;
	out[1] = 0x00;
	out[4] = file->fid >> 8;
	out[5] = file->fid & 0xFF;
	if (vcard_file_is_df(file)) {
		guint n_codes = 0;

		for (guint i = 0; i < VCARD_PIN_COUNT; i++) {
			n_codes += card->profile->pins[i].present ? 1 : 0;
			n_codes += card->profile->pins[i].has_puk ? 1 : 0;
		}
		out[2] = 0x00; /* memory not allocated: none */
		out[3] = 0x00;
		out[6] = file->type == VCARD_FILE_MF ? 0x01 : 0x02;
		for (guint i = 7; i <= 11; i++)
			out[i] = 0x00;
		out[12] = 22 - 13; /* GSM specific data: bytes 14..22 */
		/* file characteristics: clock stop allowed, 3 V; b8 = CHV1 disabled */
		out[13] = 0x11;
		if (card->profile->pins[VCARD_PIN1].present && !card->pins[VCARD_PIN1].enabled)
			out[13] |= 0x80;
		out[14] = (guint8)vcard_file_count_dfs(file);
		out[15] = (guint8)vcard_file_count_efs(file);
		out[16] = (guint8)n_codes;
		out[17] = 0x00;
		out[18] = gsm_secret_status(card, VCARD_PIN1, FALSE);
		out[19] = gsm_secret_status(card, VCARD_PIN1, TRUE);
		out[20] = gsm_secret_status(card, VCARD_PIN2, FALSE);
		out[21] = gsm_secret_status(card, VCARD_PIN2, TRUE);
		return 22;
	}
	out[2] = file->size >> 8;
	out[3] = file->size & 0xFF;
	out[6] = 0x04;
	out[7] = 0x00;
	out[8] = (guint8)(gsm_access_nibble(file->read_access) << 4 |
	                  gsm_access_nibble(file->update_access));
	out[9] = 0xF0;  /* INCREASE: never; RFU */
	out[10] = 0x44; /* REHABILITATE, INVALIDATE: ADM */
	out[11] = 0x01; /* not invalidated */
	out[12] = 0x02;
	out[13] = file->type == VCARD_FILE_TRANSPARENT ? 0x00 : 0x01;
	out[14] = file->type == VCARD_FILE_TRANSPARENT ? 0x00 : (guint8)file->record_len;
	return 15;
}
