// SPDX-License-Identifier: GPL-2.0-or-later
/* The card's ATR: the core's reader (cardroute/cr-atr.h) with the errors in
 * the engine's own domain, and the built-in ATR of a T=1 card. */
#include "vcard-profile.h"

gboolean
vcard_atr_is_valid(const guint8 *atr, gsize len, GError **error)
{
	return cr_atr_check(atr, len, VCARD_ERROR, VCARD_ERROR_PROFILE, error);
}

guint
vcard_atr_protocols(const guint8 *atr, gsize len)
{
	return cr_atr_protocols(atr, len);
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
