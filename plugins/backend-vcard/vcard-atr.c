// SPDX-License-Identifier: GPL-2.0-or-later
/* ATR well-formedness (ISO/IEC 7816-3 §8.2): the structure that T0 and the
 * TDi bytes announce, and the check byte. */
#include "vcard-profile.h"

gboolean
vcard_atr_is_valid(const guint8 *atr, gsize len, GError **error)
{
	gsize i = 2;
	guint8 y;
	guint historical;
	gboolean need_tck = FALSE;
	guint8 tck = 0;

	if (len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F)) {
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE,
		            "an ATR starts with TS = 3B or 3F and T0");
		return FALSE;
	}
	y = atr[1] >> 4;
	historical = atr[1] & 0x0F;
	while (y != 0) {
		guint8 td;
		for (guint bit = 0; bit < 3; bit++)
			i += (y >> bit) & 1;
		if (!(y & 0x8))
			break;
		if (i >= len) {
			g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE,
			            "the ATR ends inside its interface bytes");
			return FALSE;
		}
		td = atr[i++];
		if ((td & 0x0F) != 0)
			need_tck = TRUE;
		y = td >> 4;
	}
	if (i > len) {
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE,
		            "the ATR ends inside its interface bytes");
		return FALSE;
	}
	if (len != i + historical + (need_tck ? 1 : 0)) {
		g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE,
		            "the ATR has %zu bytes, its T0/TDi announce %zu", len,
		            i + historical + (need_tck ? 1 : 0));
		return FALSE;
	}
	if (need_tck) {
		for (gsize j = 1; j < len; j++)
			tck ^= atr[j];
		if (tck != 0) {
			g_set_error(error, VCARD_ERROR, VCARD_ERROR_PROFILE,
			            "wrong TCK: it should be %02X", atr[len - 1] ^ tck);
			return FALSE;
		}
	}
	return TRUE;
}

guint
vcard_atr_protocols(const guint8 *atr, gsize len)
{
	gsize i = 2;
	guint8 y;
	guint protocols = 0;

	if (len < 2)
		return VCARD_PROTOCOL_T0;
	y = atr[1] >> 4;
	while (y & 0x8) {
		for (guint bit = 0; bit < 3; bit++)
			i += (y >> bit) & 1;
		if (i >= len)
			break;
		switch (atr[i] & 0x0F) {
		case 0:
			protocols |= VCARD_PROTOCOL_T0;
			break;
		case 1:
			protocols |= VCARD_PROTOCOL_T1;
			break;
		default:
			break;
		}
		y = atr[i++] >> 4;
	}
	return protocols != 0 ? protocols : VCARD_PROTOCOL_T0;
}

/*
 * T=1 only (TD1 = 81, TD2 = 31: IFSC 254, BWI 4, CWI 5), historical bytes in
 * compact-TLV: card capabilities 73 C0 21 C0, whose third byte says command
 * chaining and extended Lc and Le fields (ISO/IEC 7816-4 §12.1.1.9).
 */
static const guint8 t1_atr[] = {0x3B, 0x85, 0x81, 0x31, 0xFE, 0x45, 0x80,
                                0x73, 0xC0, 0x21, 0xC0, 0x5C};

GBytes *
vcard_atr_t1_default(void)
{
	return g_bytes_new_static(t1_atr, sizeof(t1_atr));
}
