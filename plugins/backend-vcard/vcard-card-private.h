// SPDX-License-Identifier: GPL-2.0-or-later
/* Internals shared by the card engine's files. */
#pragma once

#include "vcard-card.h"

G_BEGIN_DECLS

typedef struct {
	guint8 value[8];
	guint retries_left;
	guint puk_left;
	gboolean enabled;
	gboolean verified;
} VcardPinState;

struct _VcardCard {
	VcardProfile *profile;
	guint8 *image;
	VcardFile *current_df;  /* MF, DF or ADF */
	VcardFile *current_ef;  /* NULL: none */
	VcardFile *current_adf; /* NULL: no application selected */
	guint current_record;   /* 0: no record pointer */
	gboolean gsm;           /* the command being processed has CLA A0 */
	VcardPinState pins[VCARD_PIN_COUNT];
	guint8 sqn_ms[6];
	guint8 pending[256]; /* response data waiting for GET RESPONSE */
	gsize pending_len;
	/* command chaining (extended-length cards): the data so far */
	guint8 *chain; /* VCARD_EXT_DATA_MAX bytes; NULL: no chaining */
	gsize chain_len;
	gboolean chaining; /* a chain is open */
	guint8 chain_ins, chain_p1, chain_p2;
};

/* One decoded command. */
typedef struct {
	guint8 cla, ins, p1, p2;
	const guint8 *data;
	gsize lc;
	guint le; /* 1..256 as asked; 0: absent or 00 = "all there is" (up to 256) */
	/* extended length fields: le is 1..65535, 0 for absent or 0000 ("all
	 * there is", up to VCARD_EXT_DATA_MAX) */
	gboolean extended;
} VcardCommand;

/* Errors with their UICC (TS 102 221) and GSM 11.11 status words. */
typedef enum {
	VCARD_SW_WRONG_LENGTH, /* 6700 / 6700 */
	VCARD_SW_WRONG_P1P2,   /* 6A86 / 6B00 */
	VCARD_SW_NOT_FOUND,    /* 6A82 / 9404 */
	VCARD_SW_NO_EF,        /* 6986 / 9400 */
	VCARD_SW_WRONG_TYPE,   /* 6981 / 9408 */
	VCARD_SW_OUT_OF_RANGE, /* 6B00 / 9402 */
	VCARD_SW_NO_RECORD,    /* 6A83 / 9402 */
	VCARD_SW_SECURITY,     /* 6982 / 9804 */
	VCARD_SW_BLOCKED,      /* 6983 / 9840 */
	VCARD_SW_PIN_STATE,    /* 6985 / 9808 */
	VCARD_SW_NO_REFDATA,   /* 6A88 / 9802 */
	VCARD_SW_CONDITIONS,   /* 6985 / 6F00 */
	VCARD_SW_INS,          /* 6D00 / 6D00 */
	VCARD_SW_CLA,          /* 6E00 / 6E00 */
	VCARD_SW_TECHNICAL,    /* 6F00 / 6F00 */
	VCARD_SW_MAC,          /* 9862 / 9862 */
} VcardSw;

/* Writes SW1 SW2 at @rsp + @pos; returns the total length. */
static inline gsize
vcard_put_sw(guint8 *rsp, gsize pos, guint16 sw)
{
	rsp[pos] = sw >> 8;
	rsp[pos + 1] = sw & 0xFF;
	return pos + 2;
}

gsize vcard_card_error(VcardCard *card, guint8 *rsp, VcardSw error);
/* Keeps @len bytes of card->pending for GET RESPONSE: 61xx / 9Fxx (9000 if 0). */
gsize vcard_card_answer_pending(VcardCard *card, guint8 *rsp, gsize len);
/* Does the current security status satisfy @access? */
gboolean vcard_card_access_ok(VcardCard *card, VcardAccess access);

/* vcard-fcp.c: select responses into @out (at most 256 bytes); length */
gsize vcard_fcp_build(VcardCard *card, const VcardFile *file, guint8 *out);
gsize vcard_gsm_response_build(VcardCard *card, const VcardFile *file, guint8 *out);

/* vcard-ext.c: extended length fields and command chaining */
/* Decodes a command with extended length fields (ISO 7816-4 §5.1) whose
 * header is in @cmd already; @has_data: the INS carries data (case 3/4). */
gboolean vcard_ext_decode(const guint8 *buf, gsize len, gboolean has_data, VcardCommand *cmd);
/* One command of a chain (CLA b5 set, @chained) or the one after an open
 * chain. TRUE: answered into @rsp (*rsp_len): a part kept (9000) or an
 * error. FALSE: go on with @cmd, which now carries the whole chain's data. */
gboolean vcard_chain_step(VcardCard *card, VcardCommand *cmd, gboolean chained, guint8 *rsp,
                          gsize *rsp_len);
void vcard_chain_reset(VcardCard *card);

/* vcard-pin.c: VERIFY, CHANGE, DISABLE, ENABLE, UNBLOCK */
gsize vcard_pin_command(VcardCard *card, const VcardCommand *cmd, guint8 *rsp);
void vcard_pin_reset(VcardCard *card, gboolean cold);

/* vcard-auth.c: AUTHENTICATE and RUN GSM ALGORITHM */
gsize vcard_auth_command(VcardCard *card, const VcardCommand *cmd, guint8 *rsp);

G_END_DECLS
