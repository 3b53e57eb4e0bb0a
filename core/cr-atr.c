// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What an ATR says about the path it is presented on (cr-slot-caps.h): the
 * protocols its TDi bytes name, and its historical bytes' announcement of
 * extended Lc/Le fields. Pure: bytes in, bytes out; fuzzed on its own
 * (tests/core/fuzz-atr-caps.c).
 */
#include <string.h>

#include "cardroute/cardroute.h"

guint
cr_atr_protocols(const guint8 *atr, gsize len)
{
	gsize i = 2;
	guint8 y;
	guint protocols = 0;

	if (atr == NULL || len < 2)
		return CR_PROTOCOL_T0;
	/* T0 then each TDi: the high nibble says which of TAi+1..TDi+1 follow,
	 * the low nibble of a TDi names a protocol */
	y = atr[1] >> 4;
	while (y & 0x8) {
		for (guint bit = 0; bit < 3; bit++)
			i += (y >> bit) & 1;
		if (i >= len)
			break;
		if ((atr[i] & 0x0F) == 0)
			protocols |= CR_PROTOCOL_T0;
		else if ((atr[i] & 0x0F) == 1)
			protocols |= CR_PROTOCOL_T1;
		y = atr[i++] >> 4;
	}
	return protocols != 0 ? protocols : CR_PROTOCOL_T0;
}

gboolean
cr_atr_clear_extended(const guint8 *atr, gsize len, guint8 *out)
{
	gsize i = 2, hist, end, p;
	guint8 y, tck = 0;
	guint8 copy[CR_ATR_MAX];
	gboolean has_tck = FALSE, changed = FALSE;

	if (atr == NULL || len < 2 || len > CR_ATR_MAX)
		return FALSE;
	/* interface bytes: TAi TBi TCi as the high nibble of T0 / TDi says;
	 * a TDi naming a protocol other than T=0 means a check byte */
	y = atr[1] >> 4;
	for (;;) {
		i += (y & 1u) + ((y >> 1) & 1u) + ((y >> 2) & 1u);
		if (!(y & 0x8) || i >= len)
			break;
		if ((atr[i] & 0x0F) != 0)
			has_tck = TRUE;
		y = atr[i++] >> 4;
	}
	hist = i;
	end = hist + (atr[1] & 0x0F);
	if (end + (has_tck ? 1 : 0) != len || end == hist)
		return FALSE;
	/* category 80: COMPACT-TLV to the end; 00: the last three are status */
	if (atr[hist] == 0x80) {
		p = hist + 1;
	} else if (atr[hist] == 0x00 && end >= hist + 4) {
		p = hist + 1;
		end -= 3;
	} else {
		return FALSE;
	}
	/* every card capabilities object (one in a sane ATR) */
	memcpy(copy, atr, len);
	while (p < end) {
		gsize object_len = atr[p] & 0x0F;

		if (p + 1 + object_len > end)
			return FALSE;
		if ((atr[p] >> 4) == 0x7 && object_len >= 3 && (atr[p + 3] & 0x40)) {
			copy[p + 3] &= (guint8)~0x40;
			changed = TRUE;
		}
		p += 1 + object_len;
	}
	if (!changed)
		return FALSE;
	if (has_tck) {
		for (gsize k = 1; k + 1 < len; k++)
			tck ^= copy[k];
		copy[len - 1] = tck;
	}
	memcpy(out, copy, len);
	return TRUE;
}
