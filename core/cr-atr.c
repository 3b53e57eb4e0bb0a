// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading an ATR (cardroute/cr-atr.h): whether it is well formed, the
 * protocols its TDi bytes name, and its historical bytes' announcement of
 * extended Lc/Le fields. Pure: bytes in, bytes out; fuzzed on its own
 * (tests/core/fuzz-atr-caps.c). Built as a static library of its own, so
 * that backend-vcard's card engine, which has no core, checks its profiles'
 * ATRs with the same code.
 */
#include <string.h>

#include "cardroute/cr-atr.h"

/* Where the parts of an ATR are, as T0 and its TDi bytes announce them. */
typedef struct {
	gsize historical;   /* offset of the first historical byte */
	gsize n_historical; /* how many T0 announces */
	gboolean has_tck;   /* a TDi names a protocol other than T=0 */
	guint protocols;    /* CrProtocol bits the TDi bytes read name */
} AtrLayout;

/*
 * Walks T0 and the chain of TDi bytes. FALSE when @atr has no T0 or ends
 * inside the interface bytes they announce; @layout->protocols holds what
 * the TDi bytes read up to there name, either way.
 */
static gboolean
atr_layout(const guint8 *atr, gsize len, AtrLayout *layout)
{
	gsize i = 2;
	guint8 y;

	memset(layout, 0, sizeof(*layout));
	if (atr == NULL || len < 2)
		return FALSE;
	layout->n_historical = atr[1] & 0x0F;
	/* the high nibble of T0 and of each TDi: which of TAi+1, TBi+1,
	 * TCi+1, TDi+1 follow; the low nibble of a TDi: a protocol */
	y = atr[1] >> 4;
	for (;;) {
		i += (y & 1u) + ((y >> 1) & 1u) + ((y >> 2) & 1u);
		if (!(y & 0x8))
			break;
		if (i >= len)
			return FALSE;
		switch (atr[i] & 0x0F) {
		case 0:
			layout->protocols |= CR_PROTOCOL_T0;
			break;
		case 1:
			layout->protocols |= CR_PROTOCOL_T1;
			layout->has_tck = TRUE;
			break;
		default:
			layout->has_tck = TRUE;
			break;
		}
		y = atr[i++] >> 4;
	}
	if (i > len)
		return FALSE;
	layout->historical = i;
	return TRUE;
}

gboolean
cr_atr_check(const guint8 *atr, gsize len, GQuark domain, gint code, GError **error)
{
	AtrLayout layout;
	gsize announced;
	guint8 tck = 0;

	if (atr == NULL || len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F)) {
		g_set_error(error, domain, code, "an ATR starts with TS = 3B or 3F and T0");
		return FALSE;
	}
	if (len > CR_ATR_MAX) {
		g_set_error(error, domain, code, "the ATR has %zu bytes, more than the %u allowed",
		            len, CR_ATR_MAX);
		return FALSE;
	}
	if (!atr_layout(atr, len, &layout)) {
		g_set_error(error, domain, code, "the ATR ends inside its interface bytes");
		return FALSE;
	}
	announced = layout.historical + layout.n_historical + (layout.has_tck ? 1 : 0);
	if (len != announced) {
		g_set_error(error, domain, code, "the ATR has %zu bytes, its T0/TDi announce %zu",
		            len, announced);
		return FALSE;
	}
	if (!layout.has_tck)
		return TRUE;
	/* TCK: T0 to TCK exclusive-ored give zero */
	for (gsize k = 1; k < len; k++)
		tck ^= atr[k];
	if (tck != 0) {
		g_set_error(error, domain, code, "wrong TCK: it should be %02X",
		            atr[len - 1] ^ tck);
		return FALSE;
	}
	return TRUE;
}

guint
cr_atr_protocols(const guint8 *atr, gsize len)
{
	AtrLayout layout;

	/* a cut ATR still names the protocols of the TDi bytes it has */
	atr_layout(atr, len, &layout);
	return layout.protocols != 0 ? layout.protocols : CR_PROTOCOL_T0;
}

gboolean
cr_atr_clear_extended(const guint8 *atr, gsize len, guint8 *out)
{
	AtrLayout layout;
	gsize p, end;
	guint8 tck = 0;
	guint8 copy[CR_ATR_MAX];
	gboolean changed = FALSE;

	if (len > CR_ATR_MAX || !atr_layout(atr, len, &layout))
		return FALSE;
	end = layout.historical + layout.n_historical;
	if (end + (layout.has_tck ? 1 : 0) != len || layout.n_historical == 0)
		return FALSE;
	/* category 80: COMPACT-TLV to the end; 00: the last three are status */
	p = layout.historical + 1;
	if (atr[layout.historical] == 0x00 && layout.n_historical >= 4)
		end -= 3;
	else if (atr[layout.historical] != 0x80)
		return FALSE;
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
	if (layout.has_tck) {
		for (gsize k = 1; k + 1 < len; k++)
			tck ^= copy[k];
		copy[len - 1] = tck;
	}
	memcpy(out, copy, len);
	return TRUE;
}
