// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a card with [card] extended-length = true does beyond short APDUs:
 * extended length fields (ISO/IEC 7816-4 §5.1) and command chaining (§5.3.3,
 * CLA b5). No allocation per command: the chain buffer is the card's.
 */
#include "vcard-card-private.h"

#include <string.h>

gboolean
vcard_ext_decode(const guint8 *buf, gsize len, gboolean has_data, VcardCommand *cmd)
{
	gsize lc;

	if (len < 7 || buf[4] != 0x00)
		return FALSE;
	if (len == 7) {
		/* case 2E: 00 Le1 Le2 (0000: up to 65536) */
		if (has_data)
			return FALSE;
		cmd->le = (guint)buf[5] << 8 | buf[6];
		cmd->extended = TRUE;
		return TRUE;
	}
	/* cases 3E and 4E: 00 Lc1 Lc2 data [Le1 Le2] */
	lc = (gsize)buf[5] << 8 | buf[6];
	if (lc == 0 || !has_data)
		return FALSE;
	if (len == 9 + lc)
		cmd->le = (guint)buf[len - 2] << 8 | buf[len - 1];
	else if (len != 7 + lc)
		return FALSE;
	cmd->data = buf + 7;
	cmd->lc = lc;
	cmd->extended = TRUE;
	return TRUE;
}

void
vcard_chain_reset(VcardCard *card)
{
	card->chaining = FALSE;
	card->chain_len = 0;
}

static gboolean
chain_error(VcardCard *card, guint8 *rsp, gsize *rsp_len, guint16 sw)
{
	vcard_chain_reset(card);
	*rsp_len = vcard_put_sw(rsp, 0, sw);
	return TRUE;
}

gboolean
vcard_chain_step(VcardCard *card, VcardCommand *cmd, gboolean chained, guint8 *rsp,
                 gsize *rsp_len)
{
	if (!chained && !card->chaining)
		return FALSE;
	/* a chain carries one command: same INS, P1, P2 in every part */
	if (card->chaining &&
	    (cmd->ins != card->chain_ins || cmd->p1 != card->chain_p1 || cmd->p2 != card->chain_p2))
		return chain_error(card, rsp, rsp_len, 0x6883); /* last command of the chain expected */
	if (chained && cmd->lc == 0)
		return chain_error(card, rsp, rsp_len, 0x6700);
	if (card->chain_len + cmd->lc > VCARD_EXT_DATA_MAX)
		return chain_error(card, rsp, rsp_len, 0x6700);
	if (cmd->lc > 0)
		memcpy(card->chain + card->chain_len, cmd->data, cmd->lc);
	card->chain_len += cmd->lc;
	if (chained) {
		card->chaining = TRUE;
		card->chain_ins = cmd->ins;
		card->chain_p1 = cmd->p1;
		card->chain_p2 = cmd->p2;
		*rsp_len = vcard_put_sw(rsp, 0, 0x9000);
		return TRUE;
	}
	/* the last part: the whole command goes on */
	cmd->data = card->chain;
	cmd->lc = card->chain_len;
	vcard_chain_reset(card);
	return FALSE;
}
