// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: the vpcd frame reader over arbitrary chunking. The first input
 * byte picks the chunk size; the rest is the stream. */
#include <stdlib.h>
#include <string.h>

#include "vpcd-frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static VpcdFrameReader reader;
	static uint8_t out[VPCD_FRAME_MAX_PAYLOAD + VPCD_FRAME_HEADER];
	size_t chunk, off = 1;
	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1;
	vpcd_frame_reader_init(&reader);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t used = 0;
		VpcdFrameStatus st = vpcd_frame_reader_feed(&reader, data + off, n, &used);
		if (used == 0 && st == VPCD_FRAME_NEED_MORE)
			abort(); /* must always make progress */
		if (used > n)
			abort();
		off += used;
		if (st == VPCD_FRAME_READY) {
			size_t len, enc;
			const uint8_t *p = vpcd_frame_reader_payload(&reader, &len);
			if (p == NULL || len == 0 || len > VPCD_FRAME_MAX_PAYLOAD)
				abort();
			(void)vpcd_message_name(vpcd_message_classify(p, len));
			enc = vpcd_frame_encode(p, len, out, sizeof(out));
			if (enc != len + VPCD_FRAME_HEADER || memcmp(out + 2, p, len) != 0)
				abort();
		}
	}
	return 0;
}
