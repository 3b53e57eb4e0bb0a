// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: command bytes into the card engine (default profile). The
 * input is a sequence of commands, each a length byte and that many bytes;
 * a length byte of FF resets the card instead. Every response must be 2..258
 * bytes long.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vcard-card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static VcardProfile *profile;
	g_autoptr(VcardCard) card = NULL;
	guint8 rsp[VCARD_RESPONSE_MAX];
	size_t pos = 0;

	if (profile == NULL) {
		profile = vcard_profile_load_file(VCARD_DEFAULT_PROFILE, NULL);
		if (profile == NULL)
			abort();
	}
	card = vcard_card_new(profile);
	while (pos < size) {
		size_t len = data[pos++];
		gsize n;
		if (len == 0xFF) {
			vcard_card_reset(card, (pos & 1) != 0);
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		n = vcard_card_process(card, data + pos, len, rsp);
		if (n < 2 || n > VCARD_RESPONSE_MAX)
			abort();
		pos += len;
	}
	return 0;
}
