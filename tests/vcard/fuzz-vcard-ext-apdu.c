// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: commands into the extended-length card (data/vcard/
 * extended.ini): extended length fields, command chaining, GET RESPONSE. The
 * input is a sequence of commands, each a two-byte big-endian length and that
 * many bytes; a length of FFFF resets the card instead. Every response must
 * be 2..VCARD_EXT_RESPONSE_MAX bytes long, and the card must keep answering.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vcard-card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static VcardProfile *profile;
	static guint8 rsp[VCARD_EXT_RESPONSE_MAX];
	static const guint8 read_2f30[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00};
	g_autoptr(VcardCard) card = NULL;
	size_t pos = 0;
	gsize n;

	if (profile == NULL) {
		profile = vcard_profile_load_file(VCARD_EXTENDED_PROFILE, NULL);
		if (profile == NULL)
			abort();
	}
	card = vcard_card_new(profile);
	if (vcard_card_response_max(card) != VCARD_EXT_RESPONSE_MAX)
		abort();
	while (pos + 2 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len == 0xFFFF) {
			vcard_card_reset(card, (pos & 2) != 0);
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		n = vcard_card_process(card, data + pos, len, rsp);
		if (n < 2 || n > VCARD_EXT_RESPONSE_MAX)
			abort();
		pos += len;
	}
	/* still a card: after a reset, EF 2F30 reads whole */
	vcard_card_reset(card, TRUE);
	n = vcard_card_process(card, (const guint8[]){0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0x30}, 7,
	                       rsp);
	if (n != 2 || rsp[0] != 0x90)
		abort();
	n = vcard_card_process(card, read_2f30, sizeof(read_2f30), rsp);
	if (n != 4096 + 2 || rsp[4096] != 0x90)
		abort();
	return 0;
}
