// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ISO 7816-3 facts the card side needs: Fi/Di tables, WT, ATR structure.
 */
#include "st2/st2-card.h"

#include <string.h>

/*
 * The default ATR: direct convention; TA1 = 0x95 (Fi 512, Di 16, so a phone may
 * speed up with PPS); TD1 = T=0; TD2 = T=15 with TA3 = 0xC7 (class A/B/C,
 * clock stop allowed); no historical bytes; TCK (T=15 is indicated).
 */
const uint8_t st2_default_atr[] = { 0x3b, 0x90, 0x95, 0x80, 0x1f, 0xc7, 0x5d };
const uint8_t st2_default_atr_len = sizeof(st2_default_atr);

uint16_t
st2_iso_f(uint8_t f_index)
{
	static const uint16_t f[16] = { 372, 372, 558, 744, 1116, 1488, 1860, 0,
					0, 512, 768, 1024, 1536, 2048, 0, 0 };

	return f_index < 16 ? f[f_index] : 0;
}

uint8_t
st2_iso_d(uint8_t d_index)
{
	static const uint8_t d[16] = { 0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0 };

	return d_index < 16 ? d[d_index] : 0;
}

uint32_t
st2_iso_wt(uint8_t wi, uint8_t d_index)
{
	uint32_t d = st2_iso_d(d_index);

	if (d == 0)
		d = 1;
	return (uint32_t)wi * 960u * d;
}

bool
st2_atr_parse(const uint8_t *atr, size_t len, struct st2_atr_info *info)
{
	size_t pos = 2;
	uint8_t y, k;
	unsigned i = 1;
	bool tck = false;
	bool any_td = false;

	memset(info, 0, sizeof(*info));
	info->wi = 10;
	if (atr == NULL || len < 2 || len > ST2_ATR_MAX)
		return false;
	if (atr[0] != 0x3b && atr[0] != 0x3f)
		return false;
	y = atr[1] >> 4;
	k = atr[1] & 0x0f;
	for (;;) {
		uint8_t td;

		if (y & 0x1) {
			if (pos >= len)
				return false;
			if (i == 1) {
				info->has_ta1 = true;
				info->ta1 = atr[pos];
			} else if (i == 2) {
				info->specific_mode = true;
			}
			pos++;
		}
		if (y & 0x2)
			pos++;
		if (y & 0x4) {
			if (pos >= len)
				return false;
			if (i == 2 && atr[pos] != 0)
				info->wi = atr[pos];
			pos++;
		}
		if (!(y & 0x8))
			break;
		if (pos >= len)
			return false;
		td = atr[pos++];
		any_td = true;
		info->protocols |= (uint16_t)(1u << (td & 0x0f));
		if ((td & 0x0f) != 0)
			tck = true;
		y = td >> 4;
		i++;
	}
	if (!any_td)
		info->protocols = 1;
	pos += k;
	if (tck)
		pos++;
	if (pos != len)
		return false;
	if (tck) {
		uint8_t x = 0;

		for (size_t n = 1; n < len; n++)
			x ^= atr[n];
		if (x != 0)
			return false;
	}
	info->valid = true;
	return true;
}
