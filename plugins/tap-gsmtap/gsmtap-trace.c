// SPDX-License-Identifier: GPL-2.0-or-later
#include "gsmtap-trace.h"

#include <string.h>

#include "gsmtap-encode.h"

#define INS_GET_RESPONSE 0xc0

struct _GsmtapTrace {
	guint redact;
	gboolean tpdu;
	GsmtapEmitFunc emit;
	gpointer user_data;
	GByteArray *frame; /* scratch for the frame being built */

	/* The held case-4 exchange: its command (header + data) and the
	 * response data gathered so far, the last SW and the INS whose
	 * redaction rules apply to it. */
	gboolean holding;
	gint64 held_time;
	guint8 held_header[5];
	GByteArray *held_data; /* the command data */
	GByteArray *held_rsp;
	guint8 held_sw1, held_sw2;

	/* The last exchange was an AUTHENTICATE answered 61xx/9Fxx that is no
	 * longer held: its GET RESPONSE data are still secret. */
	guint8 pending_ins;
};

GsmtapTrace *
gsmtap_trace_new(guint redact, gboolean tpdu, GsmtapEmitFunc emit, gpointer user_data)
{
	GsmtapTrace *self = g_new0(GsmtapTrace, 1);

	self->redact = redact;
	self->tpdu = tpdu;
	self->emit = emit;
	self->user_data = user_data;
	self->frame = g_byte_array_sized_new(512);
	self->held_rsp = g_byte_array_sized_new(256);
	self->held_data = g_byte_array_sized_new(256);
	return self;
}

void
gsmtap_trace_free(GsmtapTrace *self)
{
	if (self == NULL)
		return;
	g_byte_array_unref(self->frame);
	g_byte_array_unref(self->held_rsp);
	g_byte_array_unref(self->held_data);
	g_free(self);
}

static void
emit_frame(GsmtapTrace *self, guint8 sub_type, gint64 ts)
{
	gsize len = self->frame->len;

	if (len > GSMTAP_MAX_PAYLOAD) {
		/* cannot be sent whole (an extended exchange near 64 KiB): the
		 * data is cut, an APDU frame keeps its status word */
		len = GSMTAP_MAX_PAYLOAD;
		if (sub_type == GSMTAP_SIM_APDU)
			memmove(self->frame->data + len - 2,
			        self->frame->data + self->frame->len - 2, 2);
	}
	self->emit(sub_type, ts, self->frame->data, len, self->user_data);
	g_byte_array_set_size(self->frame, 0);
}

void
gsmtap_trace_flush(GsmtapTrace *self)
{
	GsmtapCommand c;

	if (!self->holding)
		return;
	self->holding = FALSE;
	memset(&c, 0, sizeof(c));
	c.valid = TRUE;
	memcpy(c.header, self->held_header, 5);
	c.data = self->held_data->data;
	c.data_len = self->held_data->len;
	gsmtap_apdu_payload_append(self->frame, &c, self->held_rsp->data, self->held_rsp->len,
	                           self->held_sw1, self->held_sw2, self->redact, c.header[1]);
	/* Its answer is not complete: a GET RESPONSE may still fetch it. */
	if (self->held_sw1 == 0x61 || self->held_sw1 == 0x9f)
		self->pending_ins = c.header[1];
	emit_frame(self, GSMTAP_SIM_APDU, self->held_time);
}

gboolean
gsmtap_trace_is_holding(GsmtapTrace *self, gint64 *since)
{
	if (self->holding && since != NULL)
		*since = self->held_time;
	return self->holding;
}

static void
emit_tpdu(GsmtapTrace *self, gint64 ts, const GsmtapCommand *c, const guint8 *rsp, gsize rsp_len,
          guint8 redact_ins)
{
	gsize data_len = rsp_len - 2;
	gboolean hide_cmd =
	        c->valid &&
	        (((self->redact & GSMTAP_REDACT_PIN) && gsmtap_ins_is_pin(redact_ins)) ||
	         ((self->redact & GSMTAP_REDACT_AUTH) && gsmtap_ins_is_auth(redact_ins)));
	gboolean hide_rsp = (self->redact & GSMTAP_REDACT_AUTH) && gsmtap_ins_is_auth(redact_ins);

	if (!c->valid)
		return; /* no header to show */
	g_byte_array_append(self->frame, c->header, 5);
	emit_frame(self, GSMTAP_SIM_TPDU_HDR, ts);
	if (c->data_len > 0) {
		g_byte_array_append(self->frame, c->data, (guint)c->data_len);
		if (hide_cmd)
			memset(self->frame->data, 0, self->frame->len);
		emit_frame(self, GSMTAP_SIM_TPDU_CMD, ts);
	}
	if (data_len > 0) {
		g_byte_array_append(self->frame, rsp, (guint)data_len);
		if (hide_rsp)
			memset(self->frame->data, 0, self->frame->len);
		emit_frame(self, GSMTAP_SIM_TPDU_RSP, ts);
	}
	g_byte_array_append(self->frame, rsp + data_len, 2);
	emit_frame(self, GSMTAP_SIM_TPDU_SW, ts);
}

static gboolean
is_get_response(const GsmtapCommand *c)
{
	return c->valid && c->header[1] == INS_GET_RESPONSE && c->data_len == 0;
}

static void
hold(GsmtapTrace *self, gint64 ts, const GsmtapCommand *c, guint8 sw1, guint8 sw2)
{
	self->holding = TRUE;
	self->held_time = ts;
	memcpy(self->held_header, c->header, 5);
	g_byte_array_set_size(self->held_data, 0);
	g_byte_array_append(self->held_data, c->data, (guint)c->data_len);
	g_byte_array_set_size(self->held_rsp, 0);
	self->held_sw1 = sw1;
	self->held_sw2 = sw2;
}

void
gsmtap_trace_exchange(GsmtapTrace *self, gint64 timestamp_us, const guint8 *cmd, gsize cmd_len,
                      const guint8 *rsp, gsize rsp_len)
{
	GsmtapCommand c;
	guint8 sw1, sw2;
	guint8 redact_ins;
	gsize data_len;
	gboolean get_response;

	if (rsp == NULL || rsp_len < 2)
		return;
	sw1 = rsp[rsp_len - 2];
	sw2 = rsp[rsp_len - 1];
	data_len = rsp_len - 2;
	gsmtap_command_parse(cmd, cmd_len, &c);
	get_response = is_get_response(&c);

	/* The held frame goes out before anything that is not its GET RESPONSE. */
	if (!get_response) {
		gsmtap_trace_flush(self);
		self->pending_ins = 0;
	}
	redact_ins = c.valid ? c.header[1] : 0;
	if (get_response && self->holding)
		redact_ins = self->held_header[1];
	else if (get_response && self->pending_ins != 0)
		redact_ins = self->pending_ins;

	if (self->tpdu)
		emit_tpdu(self, timestamp_us, &c, rsp, rsp_len, redact_ins);

	if (self->holding && get_response) {
		if (data_len == 0 && sw1 == 0x6c)
			return; /* wrong Le: the terminal retries */
		if (data_len > 0 && 5 + self->held_data->len + self->held_rsp->len + data_len + 2 <=
		                            GSMTAP_MAX_PAYLOAD) {
			g_byte_array_append(self->held_rsp, rsp, (guint)data_len);
			self->held_sw1 = sw1;
			self->held_sw2 = sw2;
			self->held_time = timestamp_us;
			if (sw1 != 0x61)
				gsmtap_trace_flush(self);
			return;
		}
		gsmtap_trace_flush(self);
	}

	if (c.valid && c.data_len > 0 && data_len == 0 && (sw1 == 0x61 || sw1 == 0x9f)) {
		hold(self, timestamp_us, &c, sw1, sw2);
		return;
	}
	if (get_response && sw1 != 0x61 && sw1 != 0x6c)
		self->pending_ins = 0;
	gsmtap_apdu_payload_append(self->frame, &c, rsp, data_len, sw1, sw2, self->redact,
	                           redact_ins);
	emit_frame(self, GSMTAP_SIM_APDU, timestamp_us);
}

void
gsmtap_trace_atr(GsmtapTrace *self, gint64 timestamp_us, const guint8 *atr, gsize len)
{
	gsmtap_trace_flush(self);
	self->pending_ins = 0;
	g_byte_array_append(self->frame, atr, (guint)len);
	emit_frame(self, GSMTAP_SIM_ATR, timestamp_us);
}
