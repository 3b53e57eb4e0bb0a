// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzes the GSMTAP frame builder: byte 0 holds the redact flags (bits 0-1)
 * and the tpdu flag (bit 2); then records of LEN(1) COMMAND LEN(1) RESPONSE
 * (a length of 0xff means "an ATR follows" for the command record).
 */
#include <stdint.h>
#include <string.h>

#include "gsmtap-encode.h"
#include "gsmtap-trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_frame(guint8 sub_type, gint64 ts, const guint8 *payload, gsize len, gpointer user_data)
{
	gsize *total = user_data;

	g_assert(len <= GSMTAP_MAX_PAYLOAD);
	g_assert(sub_type <= GSMTAP_SIM_TPDU_SW);
	if (len > 0)
		*total += payload[0] + payload[len - 1];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GsmtapTrace) trace = NULL;
	g_autoptr(GByteArray) out = g_byte_array_new();
	gsize total = 0;
	gsize pos = 1;
	gint64 ts = 0;

	if (size < 1)
		return 0;
	trace = gsmtap_trace_new(data[0] & 3, (data[0] & 4) != 0, check_frame, &total);
	while (pos < size) {
		gsize cmd_len = data[pos++];
		const guint8 *cmd = data + pos;
		gsize rsp_len;
		const guint8 *rsp;

		if (cmd_len == 0xff) {
			gsize atr_len = size - pos < 33 ? size - pos : 33;

			gsmtap_trace_atr(trace, ts++, data + pos, atr_len);
			pos += atr_len;
			continue;
		}
		if (cmd_len > size - pos)
			cmd_len = size - pos;
		pos += cmd_len;
		rsp_len = pos < size ? data[pos++] : 0;
		if (rsp_len > size - pos)
			rsp_len = size - pos;
		rsp = data + pos;
		pos += rsp_len;
		gsmtap_trace_exchange(trace, ts++, cmd, cmd_len, rsp, rsp_len);
		g_byte_array_set_size(out, 0);
		if (gsmtap_apdu_payload_build(out, cmd, cmd_len, rsp, rsp_len, data[0] & 3))
			g_assert(out->len >= 2);
	}
	gsmtap_trace_flush(trace);
	return 0;
}
