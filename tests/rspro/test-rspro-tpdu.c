// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The direct TPDU writer and reader against asn1c: for ids at every integer
 * length boundary, every flag combination and data sizes at every length-form
 * boundary, the writer's bytes are asn1c's DER bytes, and the reader gives
 * what asn1c's decoder gives. Input in any other form is left to asn1c.
 */
#include <string.h>

#include <RsproPDU.h>

#include "rspro-msg.h"
#include "rspro-test-util.h"
#include "rspro-tpdu.h"

static const guint32 ids[] = {0, 1, 127, 128, 255, 256, 1023};
static const gsize sizes[] = {0, 1, 2, 100, 127, 128, 200, 255, 256, 261, 1000, 65000};

static int
append_cb(const void *buffer, size_t size, void *app_key)
{
	g_byte_array_append(app_key, buffer, (guint)size);
	return 0;
}

/* asn1c's own DER for the message (the general path's encoder) */
static GByteArray *
asn1c_encode(const RsproMsg *msg)
{
	GByteArray *out = g_byte_array_new();
	RsproPDU_t pdu;
	gsize len = 0;
	asn_enc_rval_t rv;

	memset(&pdu, 0, sizeof(pdu));
	pdu.version = msg->version;
	pdu.tag = msg->tag;
	if (msg->type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
		const RsproTpduModemToCard *t = &msg->u.tpdu_modem_to_card;
		TpduModemToCard_t *x = &pdu.msg.choice.tpduModemToCard;

		pdu.msg.present = RsproPDUchoice_PR_tpduModemToCard;
		x->fromClientSlot.clientId = t->from_client_slot.client_id;
		x->fromClientSlot.slotNr = t->from_client_slot.slot_nr;
		x->toBankSlot.bankId = t->to_bank_slot.bank_id;
		x->toBankSlot.slotNr = t->to_bank_slot.slot_nr;
		x->flags.tpduHeaderPresent = t->flags.tpdu_header_present;
		x->flags.finalPart = t->flags.final_part;
		x->flags.procByteContinueTx = t->flags.proc_byte_continue_tx;
		x->flags.procByteContinueRx = t->flags.proc_byte_continue_rx;
		x->data.buf = (uint8_t *)g_bytes_get_data(t->data, &len);
		x->data.size = (int)len;
	} else {
		const RsproTpduCardToModem *t = &msg->u.tpdu_card_to_modem;
		TpduCardToModem_t *x = &pdu.msg.choice.tpduCardToModem;

		pdu.msg.present = RsproPDUchoice_PR_tpduCardToModem;
		x->fromBankSlot.bankId = t->from_bank_slot.bank_id;
		x->fromBankSlot.slotNr = t->from_bank_slot.slot_nr;
		x->toClientSlot.clientId = t->to_client_slot.client_id;
		x->toClientSlot.slotNr = t->to_client_slot.slot_nr;
		x->flags.tpduHeaderPresent = t->flags.tpdu_header_present;
		x->flags.finalPart = t->flags.final_part;
		x->flags.procByteContinueTx = t->flags.proc_byte_continue_tx;
		x->flags.procByteContinueRx = t->flags.proc_byte_continue_rx;
		x->data.buf = (uint8_t *)g_bytes_get_data(t->data, &len);
		x->data.size = (int)len;
	}
	rv = der_encode(&asn_DEF_RsproPDU, &pdu, append_cb, out);
	g_assert_cmpint(rv.encoded, ==, out->len);
	return out;
}

static GBytes *
pattern(gsize n)
{
	guint8 *d = g_malloc(MAX(n, 1));

	for (gsize i = 0; i < n; i++)
		d[i] = (guint8)(i * 7 + 3);
	return g_bytes_new_take(d, n);
}

static void
fill(RsproMsg *msg, RsproMsgType type, guint32 a, guint32 b, guint f, GBytes *data)
{
	RsproTpduFlags flags = {
		.tpdu_header_present = (f & 1) != 0,
		.final_part = (f & 2) != 0,
		.proc_byte_continue_tx = (f & 4) != 0,
		.proc_byte_continue_rx = (f & 8) != 0,
	};

	rspro_msg_init(msg, type);
	if (type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
		RsproTpduModemToCard *t = &msg->u.tpdu_modem_to_card;

		t->from_client_slot.client_id = (guint16)a;
		t->from_client_slot.slot_nr = (guint16)b;
		t->to_bank_slot.bank_id = (guint16)b;
		t->to_bank_slot.slot_nr = (guint16)a;
		t->flags = flags;
		t->data = g_bytes_ref(data);
	} else {
		RsproTpduCardToModem *t = &msg->u.tpdu_card_to_modem;

		t->from_bank_slot.bank_id = (guint16)a;
		t->from_bank_slot.slot_nr = (guint16)b;
		t->to_client_slot.client_id = (guint16)b;
		t->to_client_slot.slot_nr = (guint16)a;
		t->flags = flags;
		t->data = g_bytes_ref(data);
	}
}

static void
assert_same_msg(const RsproMsg *a, const RsproMsg *b)
{
	const RsproTpduCardToModem *x = &a->u.tpdu_card_to_modem;
	const RsproTpduCardToModem *y = &b->u.tpdu_card_to_modem;

	/* both TPDU structs share one layout: slot, slot, flags, data */
	G_STATIC_ASSERT(sizeof(RsproTpduCardToModem) == sizeof(RsproTpduModemToCard));
	g_assert_cmpint(a->type, ==, b->type);
	g_assert_cmpuint(a->version, ==, b->version);
	g_assert_cmpuint(a->tag, ==, b->tag);
	g_assert_cmpuint(x->from_bank_slot.bank_id, ==, y->from_bank_slot.bank_id);
	g_assert_cmpuint(x->from_bank_slot.slot_nr, ==, y->from_bank_slot.slot_nr);
	g_assert_cmpuint(x->to_client_slot.client_id, ==, y->to_client_slot.client_id);
	g_assert_cmpuint(x->to_client_slot.slot_nr, ==, y->to_client_slot.slot_nr);
	g_assert_cmpint(x->flags.tpdu_header_present, ==, y->flags.tpdu_header_present);
	g_assert_cmpint(x->flags.final_part, ==, y->flags.final_part);
	g_assert_cmpint(x->flags.proc_byte_continue_tx, ==, y->flags.proc_byte_continue_tx);
	g_assert_cmpint(x->flags.proc_byte_continue_rx, ==, y->flags.proc_byte_continue_rx);
	g_assert_true(g_bytes_equal(x->data, y->data));
}

static void
check_one(const RsproMsg *msg)
{
	g_autoptr(GByteArray) want = asn1c_encode(msg);
	g_autoptr(GByteArray) got = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	RsproMsg fast, general;
	RsproPDU_t *pdu = NULL;
	asn_dec_rval_t rv;

	g_assert_cmpint(rspro_tpdu_encode(msg, got), ==, RSPRO_TPDU_DONE);
	g_assert_cmpmem(got->data, got->len, want->data, want->len);

	/* the library's own decoder takes the direct path and agrees */
	g_assert_cmpint(rspro_tpdu_decode(want->data, want->len, &fast), ==, RSPRO_TPDU_DONE);
	assert_same_msg(&fast, msg);
	g_assert_true(rspro_msg_decode(want->data, want->len, &general, &error));
	g_assert_no_error(error);
	assert_same_msg(&general, msg);
	/* and asn1c reads those bytes back to the same values */
	rv = ber_decode(NULL, &asn_DEF_RsproPDU, (void **)&pdu, want->data, want->len);
	g_assert_cmpint(rv.code, ==, RC_OK);
	g_assert_cmpuint(rv.consumed, ==, want->len);
	g_assert_cmpint(pdu->tag, ==, (long)msg->tag);
	ASN_STRUCT_FREE(asn_DEF_RsproPDU, pdu);
	rspro_msg_clear(&fast);
	rspro_msg_clear(&general);
}

static void
test_same_as_asn1c(void)
{
	const RsproMsgType types[] = {RSPRO_MSG_TPDU_MODEM_TO_CARD, RSPRO_MSG_TPDU_CARD_TO_MODEM};
	const guint32 tags[] = {0, 1, 200, 70000, 0x1000000, RSPRO_MAX_OPERATION_TAG};
	guint n = 0;

	for (guint t = 0; t < G_N_ELEMENTS(types); t++)
		for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
			g_autoptr(GBytes) data = pattern(sizes[s]);

			for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
				for (guint j = 0; j < G_N_ELEMENTS(ids); j++)
					for (guint f = 0; f < 16; f += (sizes[s] > 300 ? 15 : 1)) {
						RsproMsg msg;

						fill(&msg, types[t], ids[i], ids[j], f, data);
						msg.tag = tags[n % G_N_ELEMENTS(tags)];
						msg.version = (n % 3 == 0) ? RSPRO_MAX_VERSION : 2;
						check_one(&msg);
						rspro_msg_clear(&msg);
						n++;
					}
		}
	g_assert_cmpuint(n, >, 1000);
}

/* values the general path refuses are not written here */
static void
test_encode_leaves_errors(void)
{
	g_autoptr(GBytes) data = pattern(5);
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	RsproMsg msg;

	fill(&msg, RSPRO_MSG_TPDU_CARD_TO_MODEM, 1024, 0, 0, data);
	g_assert_cmpint(rspro_tpdu_encode(&msg, out), ==, RSPRO_TPDU_NOT_HANDLED);
	g_assert_cmpuint(out->len, ==, 0);
	g_assert_false(rspro_msg_encode(&msg, out, &error));
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID);
	g_assert_cmpuint(out->len, ==, 0);
	rspro_msg_clear(&msg);

	rspro_msg_init(&msg, RSPRO_MSG_SET_ATR_RES);
	g_assert_cmpint(rspro_tpdu_encode(&msg, out), ==, RSPRO_TPDU_NOT_HANDLED);
	rspro_msg_clear(&msg);
}

/* other forms: the direct reader declines, asn1c decides as before */
static void
test_decode_declines(void)
{
	static const struct {
		const gchar *hex;
		gboolean valid;
	} cases[] = {
		/* DER, for reference: taken directly */
		{"30 2A 80 01 02 81 01 00 A2 22 AD 20 30 06 02 01 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 00",
		 TRUE},
		/* non-minimal length octets (81 00) on the data */
		{"30 2B 80 01 02 81 01 00 A2 23 AD 21 30 06 02 01 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 81 00",
		 TRUE},
		/* non-minimal INTEGER (02 02 00 01) */
		{"30 2B 80 01 02 81 01 00 A2 23 AD 21 30 07 02 02 00 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 00",
		 TRUE},
		/* bankId 1024 */
		{"30 2B 80 01 02 81 01 00 A2 23 AD 21 30 07 02 02 04 00 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 00",
		 FALSE},
		/* a BOOLEAN of two octets (BER allows no such thing; asn1c decides) */
		{"30 2B 80 01 02 81 01 00 A2 23 AD 21 30 06 02 01 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0D 01 02 00 00 01 01 00 01 01 00 01 01 00 04 00",
		 TRUE},
		/* a BER TRUE that is not DER's 0xff (found by fuzz-rspro-tpdu) */
		{"30 2A 80 01 02 81 01 00 A2 22 AD 20 30 06 02 01 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 30 01 01 00 01 01 00 01 01 00 04 00",
		 TRUE},
		/* one trailing byte */
		{"30 2A 80 01 02 81 01 00 A2 22 AD 20 30 06 02 01 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 00 00",
		 FALSE},
		/* truncated */
		{"30 2A 80 01 02 81 01 00 A2 22 AD 20 30 06 02 01 01 02 01 00 30 06 02 01 05 02 01 00 "
		 "30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04",
		 FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) b = test_hex(cases[i].hex);
		g_autoptr(GError) error = NULL;
		RsproMsg direct, msg;
		gint r = rspro_tpdu_decode(b->data, b->len, &direct);

		g_test_message("case %u", i);
		g_assert_cmpint(r, ==, i == 0 ? RSPRO_TPDU_DONE : RSPRO_TPDU_NOT_HANDLED);
		if (r == RSPRO_TPDU_DONE)
			rspro_msg_clear(&direct);
		g_assert_cmpint(rspro_msg_decode(b->data, b->len, &msg, &error), ==, cases[i].valid);
		if (cases[i].valid) {
			g_assert_cmpint(msg.type, ==, RSPRO_MSG_TPDU_CARD_TO_MODEM);
			g_assert_cmpuint(msg.u.tpdu_card_to_modem.from_bank_slot.bank_id, ==, 1);
			g_assert_cmpuint(msg.u.tpdu_card_to_modem.to_client_slot.client_id, ==, 5);
			rspro_msg_clear(&msg);
		} else {
			g_assert_nonnull(error);
			g_assert_cmpint(msg.type, ==, 0);
		}
	}
}

gint
main(gint argc, gchar **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro/tpdu/same-as-asn1c", test_same_as_asn1c);
	g_test_add_func("/rspro/tpdu/encode-leaves-errors", test_encode_leaves_errors);
	g_test_add_func("/rspro/tpdu/decode-declines", test_decode_declines);
	return g_test_run();
}
