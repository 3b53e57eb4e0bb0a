// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the RSPRO BER decoder. Whatever decodes must re-encode (DER), and
 * the DER must decode and re-encode to the very same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rspro-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GByteArray) der = g_byte_array_new();
	g_autoptr(GByteArray) der2 = g_byte_array_new();
	RsproMsg msg, msg2;

	if (!rspro_msg_decode(data, size, &msg, NULL))
		return 0;
	g_free(rspro_msg_describe(&msg));
	if (msg.type == RSPRO_MSG_UNKNOWN) {
		rspro_msg_clear(&msg);
		return 0;
	}
	if (!rspro_msg_encode(&msg, der, NULL))
		abort(); /* decoded values passed the same checks the encoder makes */
	rspro_msg_clear(&msg);
	if (!rspro_msg_decode(der->data, der->len, &msg2, NULL))
		abort();
	if (!rspro_msg_encode(&msg2, der2, NULL))
		abort();
	rspro_msg_clear(&msg2);
	if (der->len != der2->len || memcmp(der->data, der2->data, der->len) != 0)
		abort();
	return 0;
}
