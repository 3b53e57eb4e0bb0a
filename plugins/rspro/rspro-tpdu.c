// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The two messages that carry APDUs (tpduModemToCard, tpduCardToModem) are
 * nearly all of the traffic. asn1c's DER encoder sizes every SEQUENCE by
 * encoding its members once more per nesting level (about 2.7 us for one TPDU
 * here), so these two are written directly: the same DER bytes, computed in
 * one pass. Reading takes the same shortcut for input in exactly that DER
 * shape; anything else (BER lengths, non-minimal integers, extensions, other
 * messages) goes to asn1c as before, so what is accepted does not change.
 * Internal to the RSPRO library.
 */
#include <string.h>

#include "rspro-error.h"
#include "rspro-tpdu.h"

#define TAG_BOOLEAN 0x01
#define TAG_INTEGER 0x02
#define TAG_OCTET_STRING 0x04
#define TAG_SEQUENCE 0x30
#define TAG_VERSION 0x80       /* [0] IMPLICIT INTEGER */
#define TAG_OPERATION 0x81     /* [1] IMPLICIT OperationTag */
#define TAG_MSG 0xa2           /* [2] RsproPDUchoice, EXPLICIT (a CHOICE) */
#define TAG_MODEM_TO_CARD 0xac /* [12] IMPLICIT TpduModemToCard */
#define TAG_CARD_TO_MODEM 0xad /* [13] IMPLICIT TpduCardToModem */

/* the largest TPDU data written here; longer ones take the general path */
#define MAX_DATA 0xffff

/* ---- writing ---- */

static gsize
int_len(guint32 v)
{
	if (v < 0x80u)
		return 1;
	if (v < 0x8000u)
		return 2;
	if (v < 0x800000u)
		return 3;
	return 4; /* v < 2^31: no leading zero octet needed */
}

static gsize
len_len(gsize n)
{
	if (n < 0x80)
		return 1;
	if (n < 0x100)
		return 2;
	if (n < 0x10000)
		return 3;
	return 4;
}

static gsize
tlv_len(gsize n)
{
	return 1 + len_len(n) + n;
}

static guint8 *
put_tl(guint8 *p, guint8 tag, gsize n)
{
	*p++ = tag;
	switch (len_len(n)) {
	case 1:
		*p++ = (guint8)n;
		break;
	case 2:
		*p++ = 0x81;
		*p++ = (guint8)n;
		break;
	case 3:
		*p++ = 0x82;
		*p++ = (guint8)(n >> 8);
		*p++ = (guint8)n;
		break;
	default:
		*p++ = 0x83;
		*p++ = (guint8)(n >> 16);
		*p++ = (guint8)(n >> 8);
		*p++ = (guint8)n;
		break;
	}
	return p;
}

static guint8 *
put_int(guint8 *p, guint8 tag, guint32 v)
{
	gsize n = int_len(v);

	*p++ = tag;
	*p++ = (guint8)n;
	for (gsize i = n; i > 0; i--)
		*p++ = (guint8)(v >> (8 * (i - 1)));
	return p;
}

static gsize
slot_content_len(guint32 a, guint32 b)
{
	return 2 + int_len(a) + 2 + int_len(b);
}

static guint8 *
put_slot(guint8 *p, guint32 a, guint32 b)
{
	p = put_tl(p, TAG_SEQUENCE, slot_content_len(a, b));
	p = put_int(p, TAG_INTEGER, a);
	return put_int(p, TAG_INTEGER, b);
}

static guint8 *
put_flags(guint8 *p, const RsproTpduFlags *f)
{
	const gboolean v[4] = {f->tpdu_header_present, f->final_part, f->proc_byte_continue_tx,
	                       f->proc_byte_continue_rx};

	p = put_tl(p, TAG_SEQUENCE, 12);
	for (guint i = 0; i < 4; i++) {
		*p++ = TAG_BOOLEAN;
		*p++ = 1;
		*p++ = v[i] ? 0xff : 0x00; /* as asn1c writes TRUE */
	}
	return p;
}

gint
rspro_tpdu_encode(const RsproMsg *msg, GByteArray *out)
{
	guint32 s1a, s1b, s2a, s2b;
	const RsproTpduFlags *flags;
	GBytes *bytes;
	const guint8 *data = NULL;
	gsize data_len = 0, body, choice, pdu;
	guint8 tag;
	guint start;
	guint8 *p;

	if (msg->type == RSPRO_MSG_TPDU_MODEM_TO_CARD) {
		const RsproTpduModemToCard *t = &msg->u.tpdu_modem_to_card;

		tag = TAG_MODEM_TO_CARD;
		s1a = t->from_client_slot.client_id;
		s1b = t->from_client_slot.slot_nr;
		s2a = t->to_bank_slot.bank_id;
		s2b = t->to_bank_slot.slot_nr;
		flags = &t->flags;
		bytes = t->data;
	} else if (msg->type == RSPRO_MSG_TPDU_CARD_TO_MODEM) {
		const RsproTpduCardToModem *t = &msg->u.tpdu_card_to_modem;

		tag = TAG_CARD_TO_MODEM;
		s1a = t->from_bank_slot.bank_id;
		s1b = t->from_bank_slot.slot_nr;
		s2a = t->to_client_slot.client_id;
		s2b = t->to_client_slot.slot_nr;
		flags = &t->flags;
		bytes = t->data;
	} else {
		return RSPRO_TPDU_NOT_HANDLED;
	}
	/* out of range values: the general path words the error */
	if (s1a > RSPRO_MAX_ID || s1b > RSPRO_MAX_ID || s2a > RSPRO_MAX_ID ||
	    s2b > RSPRO_MAX_ID || msg->version > RSPRO_MAX_VERSION ||
	    msg->tag > RSPRO_MAX_OPERATION_TAG)
		return RSPRO_TPDU_NOT_HANDLED;
	if (bytes != NULL)
		data = g_bytes_get_data(bytes, &data_len);
	if (data_len > MAX_DATA)
		return RSPRO_TPDU_NOT_HANDLED;

	body = tlv_len(slot_content_len(s1a, s1b)) + tlv_len(slot_content_len(s2a, s2b)) +
	       tlv_len(12) + tlv_len(data_len);
	choice = tlv_len(body);
	pdu = 2 + int_len(msg->version) + 2 + int_len(msg->tag) + tlv_len(choice);

	start = out->len;
	g_byte_array_set_size(out, start + (guint)tlv_len(pdu));
	p = out->data + start;
	p = put_tl(p, TAG_SEQUENCE, pdu);
	p = put_int(p, TAG_VERSION, msg->version);
	p = put_int(p, TAG_OPERATION, msg->tag);
	p = put_tl(p, TAG_MSG, choice);
	p = put_tl(p, tag, body);
	p = put_slot(p, s1a, s1b);
	p = put_slot(p, s2a, s2b);
	p = put_flags(p, flags);
	p = put_tl(p, TAG_OCTET_STRING, data_len);
	if (data_len > 0)
		memcpy(p, data, data_len);
	p += data_len;
	g_assert(p == out->data + out->len);
	return RSPRO_TPDU_DONE;
}

/* ---- reading ---- */

typedef struct {
	const guint8 *p;
	const guint8 *end;
} Cursor;

/* one TLV of @tag in minimal DER length form; its contents in @inner */
static gboolean
get_tlv(Cursor *c, guint8 tag, Cursor *inner)
{
	gsize n;

	if (c->end - c->p < 2 || c->p[0] != tag)
		return FALSE;
	n = c->p[1];
	c->p += 2;
	if (n >= 0x80) {
		gsize k = n & 0x7f;

		/* long form: 1 or 2 octets, minimal, as DER writes it */
		if (k < 1 || k > 2 || (gsize)(c->end - c->p) < k)
			return FALSE;
		n = c->p[0];
		if (k == 2)
			n = n << 8 | c->p[1];
		if (n < (k == 1 ? 0x80u : 0x100u))
			return FALSE;
		c->p += k;
	}
	if ((gsize)(c->end - c->p) < n)
		return FALSE;
	inner->p = c->p;
	inner->end = c->p + n;
	c->p += n;
	return TRUE;
}

/* a non-negative INTEGER in minimal form, at most @max */
static gboolean
get_uint(Cursor *c, guint8 tag, guint32 max, guint32 *v)
{
	Cursor in;
	gsize n;

	if (!get_tlv(c, tag, &in))
		return FALSE;
	n = (gsize)(in.end - in.p);
	if (n < 1 || n > 4 || (in.p[0] & 0x80) != 0)
		return FALSE;
	if (n > 1 && in.p[0] == 0 && (in.p[1] & 0x80) == 0)
		return FALSE; /* not minimal */
	*v = 0;
	for (gsize i = 0; i < n; i++)
		*v = *v << 8 | in.p[i];
	return *v <= max;
}

static gboolean
get_slot(Cursor *c, guint32 *a, guint32 *b)
{
	Cursor in;

	return get_tlv(c, TAG_SEQUENCE, &in) && get_uint(&in, TAG_INTEGER, RSPRO_MAX_ID, a) &&
	       get_uint(&in, TAG_INTEGER, RSPRO_MAX_ID, b) && in.p == in.end;
}

static gboolean
get_flags(Cursor *c, RsproTpduFlags *f)
{
	gboolean *v[4] = {&f->tpdu_header_present, &f->final_part, &f->proc_byte_continue_tx,
	                  &f->proc_byte_continue_rx};
	Cursor in;

	if (!get_tlv(c, TAG_SEQUENCE, &in))
		return FALSE;
	for (guint i = 0; i < 4; i++) {
		Cursor b;

		/* DER: TRUE is 0xff only (BER's other non-zero values go to asn1c) */
		if (!get_tlv(&in, TAG_BOOLEAN, &b) || b.end - b.p != 1 ||
		    (b.p[0] != 0x00 && b.p[0] != 0xff))
			return FALSE;
		*v[i] = b.p[0] == 0xff;
	}
	return in.p == in.end;
}

gint
rspro_tpdu_decode(const guint8 *data, gsize len, RsproMsg *out)
{
	Cursor c, pdu, choice, body, octets;
	guint32 version, tag, s1a, s1b, s2a, s2b;
	RsproTpduFlags flags = {0};
	guint8 which;

	if (data == NULL || len == 0)
		return RSPRO_TPDU_NOT_HANDLED; /* (and no arithmetic on a NULL pointer) */
	c.p = data;
	c.end = data + len;
	if (!get_tlv(&c, TAG_SEQUENCE, &pdu) || c.p != c.end ||
	    !get_uint(&pdu, TAG_VERSION, RSPRO_MAX_VERSION, &version) ||
	    !get_uint(&pdu, TAG_OPERATION, RSPRO_MAX_OPERATION_TAG, &tag) ||
	    !get_tlv(&pdu, TAG_MSG, &choice) || pdu.p != pdu.end || choice.p == choice.end)
		return RSPRO_TPDU_NOT_HANDLED;
	which = choice.p[0];
	if ((which != TAG_MODEM_TO_CARD && which != TAG_CARD_TO_MODEM) ||
	    !get_tlv(&choice, which, &body) || choice.p != choice.end ||
	    !get_slot(&body, &s1a, &s1b) || !get_slot(&body, &s2a, &s2b) ||
	    !get_flags(&body, &flags) || !get_tlv(&body, TAG_OCTET_STRING, &octets) ||
	    body.p != body.end)
		return RSPRO_TPDU_NOT_HANDLED;

	memset(out, 0, sizeof(*out));
	out->version = version;
	out->tag = tag;
	if (which == TAG_MODEM_TO_CARD) {
		RsproTpduModemToCard *t = &out->u.tpdu_modem_to_card;

		out->type = RSPRO_MSG_TPDU_MODEM_TO_CARD;
		t->from_client_slot.client_id = (guint16)s1a;
		t->from_client_slot.slot_nr = (guint16)s1b;
		t->to_bank_slot.bank_id = (guint16)s2a;
		t->to_bank_slot.slot_nr = (guint16)s2b;
		t->flags = flags;
		t->data = g_bytes_new(octets.p, (gsize)(octets.end - octets.p));
	} else {
		RsproTpduCardToModem *t = &out->u.tpdu_card_to_modem;

		out->type = RSPRO_MSG_TPDU_CARD_TO_MODEM;
		t->from_bank_slot.bank_id = (guint16)s1a;
		t->from_bank_slot.slot_nr = (guint16)s1b;
		t->to_client_slot.client_id = (guint16)s2a;
		t->to_client_slot.slot_nr = (guint16)s2b;
		t->flags = flags;
		t->data = g_bytes_new(octets.p, (gsize)(octets.end - octets.p));
	}
	return RSPRO_TPDU_DONE;
}
