// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN (TS 102 221 §11.1.9-13)
 * and their GSM 11.11 CHV counterparts (§9.2.9-13).
 */
#include "vcard-card-private.h"

#include <string.h>

/* Constant-time comparison of two 8-byte secrets. */
static gboolean
secret_equal(const guint8 *a, const guint8 *b)
{
	guint8 diff = 0;

	for (guint i = 0; i < 8; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* The PIN a key reference names, or -1. */
static gint
pin_from_reference(VcardCard *card, guint8 ins, guint8 ref)
{
	gint id = -1;

	if (card->gsm) {
		/* CHV1 = 01 (UNBLOCK CHV names it 00), CHV2 = 02, ADM = 0A */
		if (ref == 0x01 || (ref == 0x00 && ins == 0x2C))
			id = VCARD_PIN1;
		else if (ref == 0x02)
			id = VCARD_PIN2;
		else if (ref == 0x0A)
			id = VCARD_ADM1;
	} else {
		if (ref == 0x01)
			id = VCARD_PIN1;
		else if (ref == 0x81)
			id = VCARD_PIN2;
		else if (ref == 0x0A)
			id = VCARD_ADM1;
	}
	if (id >= 0 && !card->profile->pins[id].present)
		id = -1;
	return id;
}

/* The answer to a wrong PIN or PUK that left @left attempts. */
static gsize
wrong_secret(VcardCard *card, guint8 *rsp, guint left)
{
	if (card->gsm)
		return vcard_put_sw(rsp, 0, left > 0 ? 0x9804 : 0x9840);
	return vcard_put_sw(rsp, 0, 0x63C0 | (left & 0x0F));
}

/* Checks @value against PIN @pin, counting a failure; NULL return = match. */
static gboolean
check_pin(VcardCard *card, VcardPinState *pin, VcardPinId id, const guint8 *value)
{
	if (secret_equal(pin->value, value)) {
		pin->retries_left = card->profile->pins[id].retries;
		pin->verified = TRUE;
		return TRUE;
	}
	pin->retries_left--;
	pin->verified = FALSE;
	return FALSE;
}

gsize
vcard_pin_command(VcardCard *card, const VcardCommand *cmd, guint8 *rsp)
{
	gint id = pin_from_reference(card, cmd->ins, cmd->p2);
	VcardPinState *pin;

	if (cmd->p1 != 0x00)
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_P1P2);
	if (id < 0)
		return vcard_card_error(card, rsp, VCARD_SW_NO_REFDATA);
	pin = &card->pins[id];

	if (cmd->ins == 0x2C) { /* UNBLOCK: PUK ‖ new PIN */
		const VcardPinConfig *config = &card->profile->pins[id];
		if (!config->has_puk)
			return vcard_card_error(card, rsp, VCARD_SW_NO_REFDATA);
		if (cmd->lc == 0 && !card->gsm) {
			if (pin->puk_left == 0)
				return vcard_card_error(card, rsp, VCARD_SW_BLOCKED);
			return vcard_put_sw(rsp, 0, 0x63C0 | (pin->puk_left & 0x0F));
		}
		if (cmd->lc != 16)
			return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
		if (pin->puk_left == 0)
			return vcard_card_error(card, rsp, VCARD_SW_BLOCKED);
		if (!secret_equal(config->puk, cmd->data)) {
			pin->puk_left--;
			return wrong_secret(card, rsp, pin->puk_left);
		}
		pin->puk_left = config->puk_retries;
		memcpy(pin->value, cmd->data + 8, 8);
		pin->retries_left = config->retries;
		pin->verified = TRUE;
		return vcard_put_sw(rsp, 0, 0x9000);
	}

	if (cmd->ins == 0x20 && cmd->lc == 0 && !card->gsm) {
		/* retry counter query */
		if (pin->retries_left == 0)
			return vcard_card_error(card, rsp, VCARD_SW_BLOCKED);
		if (pin->verified || !pin->enabled)
			return vcard_put_sw(rsp, 0, 0x9000);
		return vcard_put_sw(rsp, 0, 0x63C0 | (pin->retries_left & 0x0F));
	}
	if (cmd->lc != (cmd->ins == 0x24 ? 16u : 8u))
		return vcard_card_error(card, rsp, VCARD_SW_WRONG_LENGTH);
	if (pin->retries_left == 0)
		return vcard_card_error(card, rsp, VCARD_SW_BLOCKED);

	switch (cmd->ins) {
	case 0x20: /* VERIFY */
		if (card->gsm && !pin->enabled)
			return vcard_card_error(card, rsp, VCARD_SW_PIN_STATE);
		break;
	case 0x24: /* CHANGE: old ‖ new */
	case 0x26: /* DISABLE */
		if (!pin->enabled || (cmd->ins == 0x26 && id == VCARD_ADM1))
			return vcard_card_error(card, rsp, VCARD_SW_PIN_STATE);
		break;
	case 0x28: /* ENABLE */
		if (pin->enabled)
			return vcard_card_error(card, rsp, VCARD_SW_PIN_STATE);
		break;
	default:
		return vcard_card_error(card, rsp, VCARD_SW_INS);
	}
	if (!check_pin(card, pin, id, cmd->data))
		return wrong_secret(card, rsp, pin->retries_left);
	if (cmd->ins == 0x24)
		memcpy(pin->value, cmd->data + 8, 8);
	else if (cmd->ins == 0x26)
		pin->enabled = FALSE;
	else if (cmd->ins == 0x28)
		pin->enabled = TRUE;
	return vcard_put_sw(rsp, 0, 0x9000);
}

void
vcard_pin_reset(VcardCard *card, gboolean cold)
{
	/* a warm reset is a reset too: the security status starts over */
	for (guint i = 0; i < VCARD_PIN_COUNT; i++)
		card->pins[i].verified = FALSE;
}
