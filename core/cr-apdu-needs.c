// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a command asks of the slots it passes: the route check's parser
 * (cr-slot-caps.c). Pure: bytes in, two values out; fuzzed on its own
 * (tests/core/fuzz-apdu-needs.c) against cr_command_apdu_parse().
 */
#include "cr-private.h"

/*
 * What a command needs from a slot: extended length fields or not, and the
 * answer it insists on: Ne + SW1 SW2 for an explicit Le (01..FF, 0001..FFFF);
 * 2 without Le, or with Le = 00 / 0000, which ask for as much as there is (up
 * to 256 / 65536 bytes): bounded by what the ends carry, and checked on the
 * answer itself. Extended only when the length fields are consistent, so a
 * T=0 TPDU is never taken for one (and a malformed command is left for the
 * card to judge).
 */
void
cr_apdu_command_needs(const guint8 *c, gsize len, gboolean *extended, gsize *response)
{
	gsize lc, le;

	*extended = FALSE;
	*response = 2;
	if (len < 5)
		return;
	if (len == 5) {
		*response = c[4] != 0 ? c[4] + 2u : 2;
		return;
	}
	if (c[4] == 0 && len >= 7) {
		if (len == 7) {
			le = (gsize)c[5] << 8 | c[6];
			*extended = TRUE;
			*response = le != 0 ? le + 2 : 2;
			return;
		}
		lc = (gsize)c[5] << 8 | c[6];
		if (lc != 0 && len == 7 + lc) {
			*extended = TRUE;
			return;
		}
		if (lc != 0 && len == 9 + lc) {
			le = (gsize)c[len - 2] << 8 | c[len - 1];
			*extended = TRUE;
			*response = le != 0 ? le + 2 : 2;
		}
		return;
	}
	lc = c[4];
	if (lc != 0 && len == 6 + lc && c[len - 1] != 0)
		*response = c[len - 1] + 2u;
}
