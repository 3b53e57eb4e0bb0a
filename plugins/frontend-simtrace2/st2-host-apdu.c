// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host T=0 APDU state machine: see st2-host-apdu.h and the sheet §7.
 *
 * Layouts sent to the firmware:
 *   case 3/4 command data: TX_DATA(PB_AND_RX, INS)
 *   SW only:               TX_DATA(PB_AND_TX | FINAL, SW1 SW2)
 *   Le bytes of data:      TX_DATA(PB_AND_TX | FINAL, INS ‖ data ‖ SW1 SW2)  (<= 273 bytes)
 *   fewer than Le bytes:   TX_DATA(PB_AND_TX, ~INS d0 ~INS d1 ...), last one with SW and FINAL
 */
#include "st2-host-apdu.h"

#include <string.h>

#define SW_INS_NOT_SUPPORTED 0x6D00

typedef struct {
	guint8 buf[ST2_MSG_MAX];
	gsize len;
} OutTransfer;

static void logf_(St2Apdu *self, gboolean anomaly, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

static void
logf_(St2Apdu *self, gboolean anomaly, const gchar *format, ...)
{
	g_autofree gchar *line = NULL;
	va_list ap;

	if (self->ops->log == NULL)
		return;
	va_start(ap, format);
	line = g_strdup_vprintf(format, ap);
	va_end(ap);
	self->ops->log(self->ctx, anomaly, line);
}

static void
out_flush(St2Apdu *self, OutTransfer *out)
{
	if (out->len == 0)
		return;
	self->ops->send(self->ctx, out->buf, out->len);
	out->len = 0;
}

/* appends one TX_DATA message, flushing first when it would not fit */
static void
out_tx(St2Apdu *self, OutTransfer *out, guint32 flags, const guint8 *data, gsize len)
{
	gsize need = ST2_MSG_HDR_LEN + ST2_DATA_HDR_LEN + len;
	gsize n;

	g_return_if_fail(need <= ST2_MSG_MAX);
	if (out->len + need > sizeof(out->buf))
		out_flush(self, out);
	n = st2_tx_data_encode(out->buf + out->len, sizeof(out->buf) - out->len, flags, data, len);
	g_return_if_fail(n == need);
	out->len += n;
}

void
st2_apdu_init(St2Apdu *self, const St2ApduOps *ops, gpointer ctx)
{
	memset(self, 0, sizeof(*self));
	self->ops = ops;
	self->ctx = ctx;
}

void
st2_apdu_reset(St2Apdu *self)
{
	self->state = ST2_APDU_IDLE;
	self->lc = 0;
	self->lc_have = 0;
	self->prev_valid = FALSE;
	self->held_valid = FALSE;
	self->held_len = 0;
}

St2ApduState
st2_apdu_get_state(const St2Apdu *self)
{
	return self->state;
}

static void
remember(St2Apdu *self, guint8 sw1)
{
	memcpy(self->prev_hdr, self->hdr, 5);
	self->prev_case = self->apdu_case;
	self->prev_sw1 = sw1;
	self->prev_valid = TRUE;
	self->state = ST2_APDU_IDLE;
}

static void
send_sw(St2Apdu *self, guint8 sw1, guint8 sw2)
{
	OutTransfer out = {.len = 0};
	guint8 sw[2] = {sw1, sw2};

	out_tx(self, &out, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, sw, 2);
	out_flush(self, &out);
	remember(self, sw1);
}

/* data for the phone in a TPDU whose P3 is Le, then the SW */
static void
send_data_sw(St2Apdu *self, const guint8 *data, gsize len, guint8 sw1, guint8 sw2)
{
	OutTransfer out = {.len = 0};
	gsize le = self->hdr[4] != 0 ? self->hdr[4] : 256;
	guint8 msg[ST2_MSG_MAX];

	if (len == 0) {
		send_sw(self, sw1, sw2);
		return;
	}
	if (len > le) {
		logf_(self, TRUE,
		      "the card gave %" G_GSIZE_FORMAT " bytes for Le %" G_GSIZE_FORMAT
		      ": the first %" G_GSIZE_FORMAT " go to the phone",
		      len, le, le);
		len = le;
	}
	if (len == le) {
		/* ACK = INS: all Le bytes follow, then the SW (one message) */
		msg[0] = self->hdr[1];
		memcpy(msg + 1, data, len);
		msg[1 + len] = sw1;
		msg[2 + len] = sw2;
		out_tx(self, &out, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, msg, len + 3);
		out_flush(self, &out);
		remember(self, sw1);
		return;
	}
	/* fewer bytes than Le: one ~INS before each byte, then the SW */
	self->counters.short_answers++;
	for (gsize pos = 0; pos < len;) {
		/* 132 pairs and the SW fill a message (8 + 6 + 266 = 280) */
		gsize pairs = MIN(len - pos, 132);
		gboolean last = pos + pairs == len;
		gsize n = 0;

		for (gsize i = 0; i < pairs; i++) {
			msg[n++] = (guint8)(0xff ^ self->hdr[1]);
			msg[n++] = data[pos + i];
		}
		if (last) {
			msg[n++] = sw1;
			msg[n++] = sw2;
		}
		out_tx(self, &out, ST2_DATA_F_PB_AND_TX | (last ? ST2_DATA_F_FINAL : 0), msg, n);
		pos += pairs;
	}
	out_flush(self, &out);
	remember(self, sw1);
}

static void
submit(St2Apdu *self)
{
	gsize len;

	self->state = ST2_APDU_WAIT_CARD;
	memcpy(self->cmd, self->hdr, 5);
	switch (self->apdu_case) {
	case CR_APDU_CASE_1:
		len = 4;
		break;
	case CR_APDU_CASE_2:
		len = 5;
		break;
	default:
		/* cases 3 and 4: header, Lc, data (T=0: Le comes with GET RESPONSE);
		 * P3 = 0 is passed on as the terminal sent it */
		len = 5 + self->lc;
		break;
	}
	self->ops->submit(self->ctx, self->cmd, len);
}

/* GET RESPONSE answered from the data held back from a case 4 command */
static void
serve_held(St2Apdu *self)
{
	gsize le = self->hdr[4] != 0 ? self->hdr[4] : 256;
	gboolean gsm = self->hdr[0] == 0xa0;

	self->counters.local_get_response++;
	logf_(self, FALSE,
	      "GET RESPONSE of %" G_GSIZE_FORMAT " bytes from %" G_GSIZE_FORMAT " held bytes", le,
	      self->held_len);
	if (le > self->held_len) {
		if (gsm) {
			self->held_valid = FALSE;
			send_sw(self, 0x67, 0x00);
		} else {
			send_sw(self, 0x6c, (guint8)self->held_len);
		}
		return;
	}
	if (le == self->held_len || gsm) {
		self->held_valid = FALSE;
		send_data_sw(self, self->held, le, 0x90, 0x00);
		return;
	}
	{
		guint8 part[256];
		gsize left = self->held_len - le;

		memcpy(part, self->held, le);
		memmove(self->held, self->held + le, left);
		self->held_len = left;
		send_data_sw(self, part, le, 0x61, (guint8)left);
	}
}

static void
new_tpdu(St2Apdu *self, const guint8 *bytes, gsize len)
{
	const guint8 *hdr = bytes;

	if (self->state != ST2_APDU_IDLE)
		logf_(self, TRUE, "TPDU header %02X %02X while the last TPDU was not answered",
		      hdr[0], hdr[1]);
	self->counters.tpdus++;
	memcpy(self->hdr, hdr, 5);
	self->lc = 0;
	self->lc_have = 0;
	self->apdu_case = cr_apdu_case_lookup(hdr[0], hdr[1], hdr[2], hdr[3]);
	/* GET DATA with INS CA carries no command data (ISO 7816-4, GlobalPlatform
	 * 11.3): the table's case 4 would ask the phone for P3 bytes it never sends */
	if (hdr[1] == 0xca && self->apdu_case == CR_APDU_CASE_4)
		self->apdu_case = CR_APDU_CASE_2;
	/* a re-sent command after 6Cxx keeps the case of the first try (§7) */
	if (self->prev_valid && self->prev_sw1 == 0x6c && self->prev_case >= CR_APDU_CASE_1 &&
	    self->prev_case <= CR_APDU_CASE_3 && memcmp(self->prev_hdr, hdr, 4) == 0)
		self->apdu_case = self->prev_case;

	if (self->held_valid && hdr[1] == 0xc0 && self->apdu_case == CR_APDU_CASE_2) {
		serve_held(self);
		return;
	}
	self->held_valid = FALSE;

	switch (self->apdu_case) {
	case CR_APDU_CASE_1:
	case CR_APDU_CASE_2:
		submit(self);
		return;
	case CR_APDU_CASE_3:
	case CR_APDU_CASE_4:
		self->lc = hdr[4];
		self->lc_have = MIN(len - 5, self->lc);
		memcpy(self->cmd + 5, bytes + 5, self->lc_have);
		if (self->lc_have < self->lc) {
			OutTransfer out = {.len = 0};

			self->state = ST2_APDU_WAIT_DATA;
			out_tx(self, &out, ST2_DATA_F_PB_AND_RX, &hdr[1], 1);
			out_flush(self, &out);
			return;
		}
		submit(self);
		return;
	case CR_APDU_CASE_UNKNOWN:
	default:
		break;
	}
	self->counters.unknown_ins++;
	logf_(self, TRUE, "unknown instruction (CLA %02X INS %02X P1 %02X P2 %02X): answered 6D00",
	      hdr[0], hdr[1], hdr[2], hdr[3]);
	send_sw(self, SW_INS_NOT_SUPPORTED >> 8, SW_INS_NOT_SUPPORTED & 0xff);
}

void
st2_apdu_rx_data(St2Apdu *self, const struct st2_data *data)
{
	if (data->flags & ST2_DATA_F_TPDU_HDR) {
		if (data->len < 5) {
			self->counters.ignored++;
			logf_(self, TRUE, "TPDU header of %u bytes ignored", data->len);
			return;
		}
		new_tpdu(self, data->data, data->len);
		return;
	}
	if (self->state != ST2_APDU_WAIT_DATA) {
		self->counters.ignored++;
		logf_(self, TRUE, "%u bytes of command data outside a command phase ignored",
		      data->len);
		return;
	}
	{
		gsize n = MIN((gsize)data->len, self->lc - self->lc_have);

		memcpy(self->cmd + 5 + self->lc_have, data->data, n);
		self->lc_have += n;
	}
	if (self->lc_have == self->lc)
		submit(self);
}

void
st2_apdu_card_answer(St2Apdu *self, const guint8 *resp, gsize len, guint16 fail_sw)
{
	guint8 sw1, sw2;
	gsize dlen;

	if (self->state != ST2_APDU_WAIT_CARD)
		return;
	if (resp == NULL || len < 2) {
		sw1 = fail_sw >> 8;
		sw2 = fail_sw & 0xff;
		dlen = 0;
	} else {
		sw1 = resp[len - 2];
		sw2 = resp[len - 1];
		dlen = len - 2;
	}
	if (self->apdu_case == CR_APDU_CASE_2) {
		send_data_sw(self, resp, dlen, sw1, sw2);
		return;
	}
	if (dlen > 0) {
		/* T=0 sends no data after the command data: hold it for the
		 * phone's GET RESPONSE (pitfall 11) */
		if (sw1 == 0x90 && sw2 == 0x00 && dlen <= sizeof(self->held)) {
			memcpy(self->held, resp, dlen);
			self->held_len = dlen;
			self->held_valid = TRUE;
			send_sw(self, self->hdr[0] == 0xa0 ? 0x9f : 0x61, (guint8)dlen);
			/* keep the held data past remember() */
			self->held_valid = TRUE;
			return;
		}
		logf_(self, TRUE,
		      "%" G_GSIZE_FORMAT " response bytes with SW %02X%02X to a "
		      "case %d command dropped",
		      dlen, sw1, sw2, self->apdu_case);
	}
	send_sw(self, sw1, sw2);
}
