// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the IPA deframer and what a link does with each frame. The first
 * input byte picks the read sizes, the rest is the byte stream. Every complete
 * frame is classified; RSPRO payloads go through the decoder, ID_GET through the
 * ID_RESP writer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rspro-ipa.h"
#include "rspro-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
handle_frame(const RsproIpaFrame *frame)
{
	const guint8 *body;
	gsize body_len;

	if (frame->len > RSPRO_IPA_MAX_PAYLOAD)
		abort();
	switch (rspro_ipa_frame_kind(frame, &body, &body_len)) {
	case RSPRO_IPA_KIND_RSPRO: {
		RsproMsg msg;

		if (rspro_msg_decode(body, body_len, &msg, NULL))
			rspro_msg_clear(&msg);
		break;
	}
	case RSPRO_IPA_KIND_CCM:
		if (body[0] == RSPRO_CCM_ID_GET) {
			g_autoptr(GByteArray) out = g_byte_array_new();

			if (rspro_ipa_append_id_resp(out, body + 1, body_len - 1) &&
			    out->len > RSPRO_IPA_HEADER_LEN + RSPRO_IPA_MAX_PAYLOAD)
				abort();
		}
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(RsproIpaDeframer) d = NULL;
	gsize chunk, off = 1;

	if (size < 1)
		return 0;
	chunk = data[0] == 0 ? size : data[0];
	d = rspro_ipa_deframer_new(data[0] & 1 ? 300 : 0);
	while (off < size) {
		gsize end = MIN(size, off + chunk);

		while (off < end) {
			RsproIpaFrame frame;
			gssize n = rspro_ipa_deframer_push(d, data + off, end - off, &frame, NULL);

			if (n < 0)
				return 0; /* over-long frame: a link closes here */
			if (n == 0)
				abort(); /* no progress would loop forever */
			off += (gsize)n;
			if (frame.complete)
				handle_frame(&frame);
		}
	}
	return 0;
}
