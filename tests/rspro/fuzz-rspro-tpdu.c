// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the direct TPDU reader against asn1c. Whatever the direct
 * reader takes (RSPRO_TPDU_DONE), asn1c must decode too, consume every byte
 * and give the same values; and the direct writer must give back the very
 * bytes it read (it only takes DER, which has one form per value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <RsproPDU.h>

#include "rspro-msg.h"
#include "rspro-tpdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean
same_bytes(const OCTET_STRING_t *os, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(bytes, &len);

	return (gsize)os->size == len && (len == 0 || memcmp(os->buf, p, len) == 0);
}

static gboolean
same_flags(const TpduFlags_t *x, const RsproTpduFlags *f)
{
	return (x->tpduHeaderPresent != 0) == f->tpdu_header_present &&
	       (x->finalPart != 0) == f->final_part &&
	       (x->procByteContinueTx != 0) == f->proc_byte_continue_tx &&
	       (x->procByteContinueRx != 0) == f->proc_byte_continue_rx;
}

static gboolean
same_as_asn1c(const RsproPDU_t *pdu, const RsproMsg *msg)
{
	if (pdu->version != (long)msg->version || pdu->tag != (long)msg->tag)
		return FALSE;
	if (msg->type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
		const TpduModemToCard_t *x = &pdu->msg.choice.tpduModemToCard;
		const RsproTpduModemToCard *t = &msg->u.tpdu_modem_to_card;

		return pdu->msg.present == RsproPDUchoice_PR_tpduModemToCard &&
		       x->fromClientSlot.clientId == t->from_client_slot.client_id &&
		       x->fromClientSlot.slotNr == t->from_client_slot.slot_nr &&
		       x->toBankSlot.bankId == t->to_bank_slot.bank_id &&
		       x->toBankSlot.slotNr == t->to_bank_slot.slot_nr &&
		       same_flags(&x->flags, &t->flags) && same_bytes(&x->data, t->data);
	}
	if (msg->type == RSPRO_MSG_TPDU_CARD_TO_MODEM) {
		const TpduCardToModem_t *x = &pdu->msg.choice.tpduCardToModem;
		const RsproTpduCardToModem *t = &msg->u.tpdu_card_to_modem;

		return pdu->msg.present == RsproPDUchoice_PR_tpduCardToModem &&
		       x->fromBankSlot.bankId == t->from_bank_slot.bank_id &&
		       x->fromBankSlot.slotNr == t->from_bank_slot.slot_nr &&
		       x->toClientSlot.clientId == t->to_client_slot.client_id &&
		       x->toClientSlot.slotNr == t->to_client_slot.slot_nr &&
		       same_flags(&x->flags, &t->flags) && same_bytes(&x->data, t->data);
	}
	return FALSE; /* the direct reader handles the two TPDU messages only */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GByteArray) again = g_byte_array_new();
	RsproPDU_t *pdu = NULL;
	asn_dec_rval_t rv;
	RsproMsg msg;

	if (rspro_tpdu_decode(data, size, &msg) != RSPRO_TPDU_DONE)
		return 0;
	rv = ber_decode(NULL, &asn_DEF_RsproPDU, (void **)&pdu, data, size);
	if (rv.code != RC_OK || rv.consumed != size || !same_as_asn1c(pdu, &msg))
		abort();
	ASN_STRUCT_FREE(asn_DEF_RsproPDU, pdu);
	if (rspro_tpdu_encode(&msg, again) != RSPRO_TPDU_DONE ||
	    again->len != size || memcmp(again->data, data, size) != 0)
		abort();
	rspro_msg_clear(&msg);
	return 0;
}
