// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command interpreter of the virtual card: command decoding, class
 * checks, SELECT, STATUS, READ/UPDATE BINARY and RECORD, GET RESPONSE.
 * PIN commands are in vcard-pin.c, authentication in vcard-auth.c.
 */
#include "vcard-card-private.h"

#include <string.h>

static const guint16 sw_uicc[] = {
        [VCARD_SW_WRONG_LENGTH] = 0x6700, [VCARD_SW_WRONG_P1P2] = 0x6A86,
        [VCARD_SW_NOT_FOUND] = 0x6A82,    [VCARD_SW_NO_EF] = 0x6986,
        [VCARD_SW_WRONG_TYPE] = 0x6981,   [VCARD_SW_OUT_OF_RANGE] = 0x6B00,
        [VCARD_SW_NO_RECORD] = 0x6A83,    [VCARD_SW_SECURITY] = 0x6982,
        [VCARD_SW_BLOCKED] = 0x6983,      [VCARD_SW_PIN_STATE] = 0x6985,
        [VCARD_SW_NO_REFDATA] = 0x6A88,   [VCARD_SW_CONDITIONS] = 0x6985,
        [VCARD_SW_INS] = 0x6D00,          [VCARD_SW_CLA] = 0x6E00,
        [VCARD_SW_TECHNICAL] = 0x6F00,    [VCARD_SW_MAC] = 0x9862,
};

static const guint16 sw_gsm[] = {
        [VCARD_SW_WRONG_LENGTH] = 0x6700, [VCARD_SW_WRONG_P1P2] = 0x6B00,
        [VCARD_SW_NOT_FOUND] = 0x9404,    [VCARD_SW_NO_EF] = 0x9400,
        [VCARD_SW_WRONG_TYPE] = 0x9408,   [VCARD_SW_OUT_OF_RANGE] = 0x9402,
        [VCARD_SW_NO_RECORD] = 0x9402,    [VCARD_SW_SECURITY] = 0x9804,
        [VCARD_SW_BLOCKED] = 0x9840,      [VCARD_SW_PIN_STATE] = 0x9808,
        [VCARD_SW_NO_REFDATA] = 0x9802,   [VCARD_SW_CONDITIONS] = 0x6F00,
        [VCARD_SW_INS] = 0x6D00,          [VCARD_SW_CLA] = 0x6E00,
        [VCARD_SW_TECHNICAL] = 0x6F00,    [VCARD_SW_MAC] = 0x9862,
};

gsize
vcard_card_error(VcardCard *card, guint8 *rsp, VcardSw error)
{
	return vcard_put_sw(rsp, 0, card->gsm ? sw_gsm[error] : sw_uicc[error]);
}

gsize
vcard_card_answer_pending(VcardCard *card, guint8 *rsp, gsize len)
{
	card->pending_len = len;
	if (len == 0)
		return vcard_put_sw(rsp, 0, 0x9000);
	return vcard_put_sw(rsp, 0, (card->gsm ? 0x9F00 : 0x6100) | (len & 0xFF));
}

/*
 * Data of a fixed length (a record, a select response, STATUS) for a command
 * asking @le bytes: Le 00 (or none) gets it all; the exact length gets it;
 * fewer bytes get a prefix where @truncate allows; otherwise a UICC answers
 * 6Cxx with the right length and a GSM SIM 6700 (incorrect P3).
 */
static gsize
reply_fixed(VcardCard *card, guint8 *rsp, const guint8 *data, gsize len, guint le,
            gboolean truncate)
{
	gsize n = len;

	if (le != 0 && le != len) {
		if (le < len && truncate)
			n = le;
		else if (card->gsm)
			return vcard_put_sw(rsp, 0, 0x6700);
		else
			return vcard_put_sw(rsp, 0, 0x6C00 | (len & 0xFF));
	}
	memmove(rsp, data, n);
	return vcard_put_sw(rsp, n, 0x9000);
}

static gboolean
pin_satisfied(VcardCard *card, VcardPinId id)
{
	if (!card->profile->pins[id].present)
		return id != VCARD_ADM1;
	return !card->pins[id].enabled || card->pins[id].verified;
}

gboolean
vcard_card_access_ok(VcardCard *card, VcardAccess access)
{
	switch (access) {
	case VCARD_ACCESS_ALWAYS:
		return TRUE;
	case VCARD_ACCESS_PIN1:
		return pin_satisfied(card, VCARD_PIN1);
	case VCARD_ACCESS_PIN2:
		return pin_satisfied(card, VCARD_PIN2);
	case VCARD_ACCESS_ADM1:
		return pin_satisfied(card, VCARD_ADM1);
	case VCARD_ACCESS_NEVER:
		return FALSE;
	}
	return FALSE;
}

/* ---- SELECT ---- */

/* A FID selectable from the current DF (TS 102 221 §8.4.1, GSM 11.11 §6.5). */
static VcardFile *
find_fid(VcardCard *card, guint16 fid)
{
	VcardFile *df = card->current_df;
	VcardFile *file;

	if (fid == 0x3F00)
		return card->profile->mf;
	if (fid == 0x7FFF)
		return card->gsm ? NULL : card->current_adf;
	if (df->fid == fid)
		return df;
	file = vcard_file_find_child(df, fid);
	if (file != NULL)
		return file;
	if (df->parent != NULL) {
		if (df->parent->fid == fid)
			return df->parent;
		file = vcard_file_find_child(df->parent, fid);
		if (file != NULL && vcard_file_is_df(file))
			return file;
	}
	return NULL;
}

static VcardFile *
find_path(VcardCard *card, VcardFile *start, const guint8 *path, gsize len)
{
	VcardFile *file = start;

	for (gsize i = 0; i < len; i += 2) {
		guint16 fid = (guint16)(path[i] << 8 | path[i + 1]);
		if (file == NULL || !vcard_file_is_df(file))
			return NULL;
		if (i == 0 && fid == 0x7FFF)
			file = card->current_adf;
		else
			file = vcard_file_find_child(file, fid);
	}
	return file;
}

static VcardFile *
find_aid(VcardCard *card, const guint8 *aid, gsize len)
{
	GPtrArray *adfs = card->profile->adfs;

	for (guint i = 0; i < adfs->len; i++) {
		VcardFile *adf = g_ptr_array_index(adfs, i);
		if (len <= adf->aid_len && memcmp(adf->aid, aid, len) == 0)
			return adf;
	}
	return NULL;
}

static void
make_current(VcardCard *card, VcardFile *file)
{
	if (vcard_file_is_df(file)) {
		card->current_df = file;
		card->current_ef = NULL;
		if (file->type == VCARD_FILE_ADF)
			card->current_adf = file;
	} else {
		card->current_ef = file;
		card->current_df = file->parent;
		if (file->parent->type == VCARD_FILE_ADF)
			card->current_adf = file->parent;
	}
	card->current_record = 0;
}

static gsize
cmd_select(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	VcardFile *file = NULL;
	gboolean want_data = TRUE;
	gsize len;

	if (card->gsm) {
		if (cmd->p2 != 0x00 || (cmd->p1 != 0x00 && cmd->p1 != 0x08 && cmd->p1 != 0x09))
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
	} else {
		/* P2: b4-b3 = 01 FCP, 11 nothing, 00 (FCI) answered as FCP;
		 * b2-b1 = first/only occurrence (next occurrence treated alike) */
		if ((cmd->p2 & 0xF0) != 0 || (cmd->p2 & 0x0C) == 0x08 || (cmd->p2 & 0x01) != 0)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
		want_data = (cmd->p2 & 0x0C) != 0x0C;
	}
	switch (cmd->p1) {
	case 0x00: /* by FID; no data selects the MF (TS 102 221) */
		if (cmd->lc == 0 && !card->gsm)
			file = card->profile->mf;
		else if (cmd->lc != 2)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		else
			file = find_fid(card, (guint16)(cmd->data[0] << 8 | cmd->data[1]));
		break;
	case 0x01: /* child DF */
		if (cmd->lc != 2)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		file = vcard_file_find_child(card->current_df,
		                             (guint16)(cmd->data[0] << 8 | cmd->data[1]));
		if (file != NULL && !vcard_file_is_df(file))
			file = NULL;
		break;
	case 0x03: /* parent DF */
		if (cmd->lc != 0)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		file = card->current_ef != NULL ? card->current_df : card->current_df->parent;
		break;
	case 0x04: /* DF name (AID), right-truncated allowed */
		if (cmd->lc == 0 || cmd->lc > 16)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		file = find_aid(card, cmd->data, cmd->lc);
		break;
	case 0x08: /* path from the MF */
	case 0x09: /* path from the current DF */
		if (cmd->lc == 0 || (cmd->lc & 1) != 0)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		file = find_path(card, cmd->p1 == 0x08 ? card->profile->mf : card->current_df,
		                 cmd->data, cmd->lc);
		break;
	default:
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
	}
	if (file == NULL)
		return vcard_card_error(card, rsp, VCARD_SW_NOT_FOUND);
	make_current(card, file);
	if (!want_data)
		return vcard_put_sw(rsp, 0, 0x9000);
	len = card->gsm ? vcard_gsm_response_build(card, file, card->pending)
	                : vcard_fcp_build(card, file, card->pending);
	return vcard_card_answer_pending(card, rsp, len);
}

/* ---- STATUS ---- */

static gsize
cmd_status(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	guint8 buf[256];
	gsize len;

	if (card->gsm) {
		if (cmd->p1 != 0 || cmd->p2 != 0)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
		len = vcard_gsm_response_build(card, card->current_df, buf);
		return reply_fixed(card, rsp, buf, len, cmd->le, TRUE);
	}
	if (cmd->p1 > 0x02)
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
	switch (cmd->p2) {
	case 0x00:
		len = vcard_fcp_build(card, card->current_df, buf);
		break;
	case 0x01:
		if (card->current_adf == NULL)
			return vcard_put_sw(rsp, 0, 0x9000);
		buf[0] = 0x84;
		buf[1] = card->current_adf->aid_len;
		memcpy(buf + 2, card->current_adf->aid, card->current_adf->aid_len);
		len = 2 + card->current_adf->aid_len;
		break;
	case 0x0C:
		return vcard_put_sw(rsp, 0, 0x9000);
	default:
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
	}
	return reply_fixed(card, rsp, buf, len, cmd->le, FALSE);
}

/* ---- transparent EFs ---- */

/* The EF a READ/UPDATE BINARY works on, and the offset; NULL with *rsp_len set. */
static VcardFile *
binary_target(VcardCard *card, const VcardCommand *cmd, guint8 *rsp, gsize *offset, gsize *rsp_len)
{
	VcardFile *file;

	if ((cmd->p1 & 0x80) != 0) {
		/* short file identifier in P1 b5-b1, offset in P2 */
		if (card->gsm || (cmd->p1 & 0x60) != 0) {
			*rsp_len = vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
			return NULL;
		}
		file = vcard_file_find_sfi(card->current_df, cmd->p1 & 0x1F);
		if (file == NULL) {
			*rsp_len = vcard_card_error(card, rsp, VCARD_SW_NOT_FOUND);
			return NULL;
		}
		make_current(card, file);
		*offset = cmd->p2;
	} else {
		file = card->current_ef;
		if (file == NULL) {
			*rsp_len = vcard_card_error(card, rsp, VCARD_SW_NO_EF);
			return NULL;
		}
		*offset = (gsize)cmd->p1 << 8 | cmd->p2;
	}
	if (file->type != VCARD_FILE_TRANSPARENT) {
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_WRONG_TYPE);
		return NULL;
	}
	if (*offset >= file->size) {
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_OUT_OF_RANGE);
		return NULL;
	}
	return file;
}

static gsize
cmd_read_binary(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	gsize offset, avail, n, rsp_len = 0;
	VcardFile *file = binary_target(card, cmd, rsp, &offset, &rsp_len);

	if (file == NULL)
		return rsp_len;
	if (!vcard_card_access_ok(card, file->read_access))
		return vcard_card_error(card, rsp, VCARD_SW_SECURITY);
	avail = MIN(file->size - offset, cmd->extended ? VCARD_EXT_DATA_MAX : 256);
	n = cmd->le == 0 ? avail : cmd->le;
	if (n > avail && cmd->extended) {
		/* Le is a maximum: what there is, "end of file reached" */
		memcpy(rsp, card->image + file->offset + offset, avail);
		return vcard_put_sw(rsp, avail, 0x6282);
	}
	if (n > avail) {
		if (card->gsm)
			return vcard_put_sw(rsp, 0, 0x6700);
		return vcard_put_sw(rsp, 0, 0x6C00 | (avail & 0xFF));
	}
	memcpy(rsp, card->image + file->offset + offset, n);
	return vcard_put_sw(rsp, n, 0x9000);
}

static gsize
cmd_update_binary(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	gsize offset, rsp_len = 0;
	VcardFile *file;

	if (cmd->lc == 0)
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
	file = binary_target(card, cmd, rsp, &offset, &rsp_len);
	if (file == NULL)
		return rsp_len;
	if (!vcard_card_access_ok(card, file->update_access))
		return vcard_card_error(card, rsp, VCARD_SW_SECURITY);
	if (offset + cmd->lc > file->size)
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
	memcpy(card->image + file->offset + offset, cmd->data, cmd->lc);
	return vcard_put_sw(rsp, 0, 0x9000);
}

/* ---- linear fixed EFs ---- */

/* The record a READ/UPDATE RECORD addresses (1-based) or 0 with *rsp_len set. */
static guint
record_target(VcardCard *card, const VcardCommand *cmd, gboolean update, guint8 *rsp,
              VcardFile **out, gsize *rsp_len)
{
	guint sfi = cmd->p2 >> 3;
	guint mode = cmd->p2 & 0x07;
	VcardFile *file;
	guint rec;

	if (sfi != 0) {
		if (card->gsm || sfi == 0x1F) {
			*rsp_len = vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
			return 0;
		}
		file = vcard_file_find_sfi(card->current_df, sfi);
		if (file == NULL) {
			*rsp_len = vcard_card_error(card, rsp, VCARD_SW_NOT_FOUND);
			return 0;
		}
		if (file != card->current_ef)
			make_current(card, file);
	}
	file = card->current_ef;
	if (file == NULL) {
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_NO_EF);
		return 0;
	}
	if (file->type != VCARD_FILE_LINEAR_FIXED) {
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_WRONG_TYPE);
		return 0;
	}
	if (!vcard_card_access_ok(card, update ? file->update_access : file->read_access)) {
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_SECURITY);
		return 0;
	}
	switch (mode) {
	case 0x04: /* absolute, or current with P1 = 00 */
		rec = cmd->p1 != 0 ? cmd->p1 : card->current_record;
		break;
	case 0x02: /* next */
	case 0x03: /* previous */
		if (cmd->p1 != 0) {
			*rsp_len = vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
			return 0;
		}
		if (mode == 0x02)
			rec = card->current_record + 1;
		else
			rec = card->current_record == 0 ? file->n_records
			                                : card->current_record - 1;
		break;
	default:
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
		return 0;
	}
	if (rec == 0 || rec > file->n_records) {
		*rsp_len = vcard_card_error(card, rsp, VCARD_SW_NO_RECORD);
		return 0;
	}
	*out = file;
	return rec;
}

static gsize
cmd_read_record(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	VcardFile *file = NULL;
	gsize rsp_len = 0;
	guint rec = record_target(card, cmd, FALSE, rsp, &file, &rsp_len);
	gsize len;

	if (rec == 0)
		return rsp_len;
	len = reply_fixed(card, rsp,
	                  card->image + file->offset + (gsize)(rec - 1) * file->record_len,
	                  file->record_len, cmd->le, FALSE);
	/* absolute mode leaves the record pointer alone (TS 102 221 §11.1.5) */
	if (rsp[len - 2] == 0x90 && (cmd->p2 & 0x07) != 0x04)
		card->current_record = rec;
	return len;
}

static gsize
cmd_update_record(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	VcardFile *file = NULL;
	gsize rsp_len = 0;
	guint rec = record_target(card, cmd, TRUE, rsp, &file, &rsp_len);

	if (rec == 0)
		return rsp_len;
	if (cmd->lc != file->record_len)
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
	memcpy(card->image + file->offset + (gsize)(rec - 1) * file->record_len, cmd->data,
	       cmd->lc);
	if ((cmd->p2 & 0x07) != 0x04)
		card->current_record = rec;
	return vcard_put_sw(rsp, 0, 0x9000);
}

/* ---- GET RESPONSE ---- */

static gsize
cmd_get_response(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	gsize len = card->pending_len;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return vcard_put_sw(rsp, 0, 0x6B00);
	if (len == 0)
		return vcard_card_error(card, rsp, VCARD_SW_CONDITIONS);
	if (cmd->le == 0 || cmd->le == len || (cmd->extended && cmd->le > len)) {
		memcpy(rsp, card->pending, len);
		card->pending_len = 0;
		return vcard_put_sw(rsp, len, 0x9000);
	}
	if (cmd->le > len) {
		if (card->gsm)
			return vcard_put_sw(rsp, 0, 0x6700);
		return vcard_put_sw(rsp, 0, 0x6C00 | (len & 0xFF));
	}
	/* fewer bytes than there are */
	memcpy(rsp, card->pending, cmd->le);
	if (card->gsm) {
		card->pending_len = 0;
		return vcard_put_sw(rsp, cmd->le, 0x9000);
	}
	card->pending_len = len - cmd->le;
	memmove(card->pending, card->pending + cmd->le, card->pending_len);
	return vcard_put_sw(rsp, cmd->le, 0x6100 | (card->pending_len & 0xFF));
}

/* ---- decoding and dispatch ---- */

/* Instructions that carry data to the card (cases 3 and 4). */
static gboolean
ins_has_data(guint8 ins)
{
	switch (ins) {
	case 0xA4: /* SELECT */
	case 0xD6: /* UPDATE BINARY */
	case 0xDC: /* UPDATE RECORD */
	case 0xA2: /* SEEK / SEARCH RECORD */
	case 0x32: /* INCREASE */
	case 0x20: /* VERIFY */
	case 0x24: /* CHANGE */
	case 0x26: /* DISABLE */
	case 0x28: /* ENABLE */
	case 0x2C: /* UNBLOCK */
	case 0x88: /* AUTHENTICATE / RUN GSM ALGORITHM */
	case 0x89: /* AUTHENTICATE (odd) */
	case 0x10: /* TERMINAL PROFILE */
	case 0xC2: /* ENVELOPE */
	case 0x14: /* TERMINAL RESPONSE */
		return TRUE;
	default:
		return FALSE;
	}
}

/*
 * Header, then: nothing (case 1); P3 alone (Le of a case 2 command, or 00 for
 * a data command); P3 = Lc and Lc bytes (case 3, or a case 4 TPDU); or those
 * and a trailing Le (case 4 APDU). Extended lengths: vcard_ext_decode().
 */
static gboolean
decode(const guint8 *buf, gsize len, VcardCommand *cmd)
{
	guint8 p3;

	cmd->cla = buf[0];
	cmd->ins = buf[1];
	cmd->p1 = buf[2];
	cmd->p2 = buf[3];
	cmd->data = NULL;
	cmd->lc = 0;
	cmd->le = 0;
	cmd->extended = FALSE;
	if (len == 4)
		return TRUE;
	p3 = buf[4];
	if (len == 5) {
		if (ins_has_data(cmd->ins))
			return p3 == 0;
		cmd->le = p3;
		return TRUE;
	}
	if (p3 == 0 || !ins_has_data(cmd->ins))
		return FALSE;
	if (len != 5 + (gsize)p3 && len != 6 + (gsize)p3)
		return FALSE;
	cmd->data = buf + 5;
	cmd->lc = p3;
	return TRUE;
}

typedef enum {
	CLASS_GSM,         /* A0 */
	CLASS_ISO,         /* 0X, 4X, 6X */
	CLASS_PROPRIETARY, /* 8X, CX, EX */
} CommandClass;

gsize
vcard_card_process(VcardCard *card, const guint8 *command, gsize len, guint8 *response)
{
	VcardCommand cmd;
	CommandClass cls;
	guint8 high;
	gboolean chained = FALSE;
	gsize chain_rsp_len;

	if (len < 4 || command == NULL)
		return vcard_put_sw(response, 0, 0x6700);
	card->gsm = command[0] == 0xA0;
	high = command[0] & 0xF0;
	if (card->chain != NULL && (high == 0x10 || high == 0x90)) {
		/* CLA b5: command chaining, on cards that do it */
		chained = TRUE;
		high &= 0xE0;
	}
	if (card->gsm)
		cls = CLASS_GSM;
	else if (high == 0x00 || high == 0x40 || high == 0x60)
		cls = CLASS_ISO;
	else if (high == 0x80 || high == 0xC0 || high == 0xE0)
		cls = CLASS_PROPRIETARY;
	else
		return vcard_put_sw(response, 0, 0x6E00);
	if (command[1] != 0xC0)
		card->pending_len = 0;
	if (!decode(command, len, &cmd) &&
	    (card->chain == NULL || !vcard_ext_decode(command, len, ins_has_data(cmd.ins), &cmd)))
		return vcard_put_sw(response, 0, 0x6700);
	if (cls != CLASS_GSM) {
		/* only the basic logical channel, no secure messaging */
		if (high != 0x00 && high != 0x80)
			return vcard_put_sw(response, 0, 0x6881);
		if ((cmd.cla & 0x03) != 0)
			return vcard_put_sw(response, 0, 0x6881);
		if ((cmd.cla & 0x0C) != 0)
			return vcard_put_sw(response, 0, 0x6882);
	}
	if (card->chain != NULL &&
	    vcard_chain_step(card, &cmd, chained, response, &chain_rsp_len))
		return chain_rsp_len;
	/* an extended Le is a maximum: fixed-length answers come whole */
	if (cmd.extended && cmd.ins != 0xB0 && cmd.ins != 0xC0)
		cmd.le = 0;

	switch (cmd.ins) {
	case 0xA4:
	case 0xB0:
	case 0xD6:
	case 0xB2:
	case 0xDC:
	case 0x20:
	case 0x24:
	case 0x26:
	case 0x28:
	case 0x2C:
	case 0x88:
		if (cls == CLASS_PROPRIETARY)
			return vcard_put_sw(response, 0, 0x6E00);
		break;
	case 0xF2:
	case 0x10:
		if (cls == CLASS_ISO)
			return vcard_put_sw(response, 0, 0x6E00);
		break;
	default:
		break;
	}

	switch (cmd.ins) {
	case 0xA4:
		return cmd_select(card, &cmd, response);
	case 0xF2:
		return cmd_status(card, &cmd, response);
	case 0xB0:
		return cmd_read_binary(card, &cmd, response);
	case 0xD6:
		return cmd_update_binary(card, &cmd, response);
	case 0xB2:
		return cmd_read_record(card, &cmd, response);
	case 0xDC:
		return cmd_update_record(card, &cmd, response);
	case 0xC0:
		return cmd_get_response(card, &cmd, response);
	case 0x20:
	case 0x24:
	case 0x26:
	case 0x28:
	case 0x2C:
		return vcard_pin_command(card, &cmd, response);
	case 0x88:
		return vcard_auth_command(card, &cmd, response);
	case 0x10: /* TERMINAL PROFILE: accepted, no proactive commands follow */
		return vcard_put_sw(response, 0, 0x9000);
	case 0xFA: /* SLEEP (GSM) */
		if (cls == CLASS_GSM)
			return vcard_put_sw(response, 0, 0x9000);
		return vcard_put_sw(response, 0, 0x6D00);
	case 0x70: /* MANAGE CHANNEL: no logical channels */
		if (cls == CLASS_ISO)
			return vcard_put_sw(response, 0, 0x6881);
		return vcard_put_sw(response, 0, 0x6D00);
	default:
		return vcard_put_sw(response, 0, 0x6D00);
	}
}

/* ---- life cycle ---- */

VcardCard *
vcard_card_new(VcardProfile *profile)
{
	VcardCard *card = g_new0(VcardCard, 1);

	card->profile = vcard_profile_ref(profile);
	card->image = g_memdup2(profile->image, profile->image_len);
	for (guint i = 0; i < VCARD_PIN_COUNT; i++) {
		const VcardPinConfig *config = &profile->pins[i];
		memcpy(card->pins[i].value, config->value, 8);
		card->pins[i].retries_left = config->retries;
		card->pins[i].puk_left = config->puk_retries;
		card->pins[i].enabled = config->present && config->enabled;
	}
	memcpy(card->sqn_ms, profile->sqn, 6);
	if (profile->extended)
		card->chain = g_malloc(VCARD_EXT_DATA_MAX);
	vcard_card_reset(card, TRUE);
	return card;
}

void
vcard_card_free(VcardCard *card)
{
	if (card == NULL)
		return;
	vcard_profile_unref(card->profile);
	g_free(card->chain);
	g_free(card->image);
	g_free(card);
}

VcardProfile *
vcard_card_get_profile(VcardCard *card)
{
	return card->profile;
}

void
vcard_card_reset(VcardCard *card, gboolean cold)
{
	card->current_df = card->profile->mf;
	card->current_ef = NULL;
	card->current_adf = NULL;
	card->current_record = 0;
	card->pending_len = 0;
	card->gsm = FALSE;
	vcard_chain_reset(card);
	vcard_pin_reset(card, cold);
}

gsize
vcard_card_response_max(VcardCard *card)
{
	return card->chain != NULL ? VCARD_EXT_RESPONSE_MAX : VCARD_RESPONSE_MAX;
}

const VcardFile *
vcard_card_get_current_df(VcardCard *card)
{
	return card->current_df;
}

const VcardFile *
vcard_card_get_current_ef(VcardCard *card)
{
	return card->current_ef;
}

guint
vcard_card_get_pin_retries(VcardCard *card, VcardPinId pin)
{
	return card->pins[pin].retries_left;
}

gboolean
vcard_card_is_pin_verified(VcardCard *card, VcardPinId pin)
{
	return card->pins[pin].verified;
}

const guint8 *
vcard_card_peek_file(VcardCard *card, const VcardFile *file)
{
	return card->image + file->offset;
}
