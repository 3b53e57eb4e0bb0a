// SPDX-License-Identifier: GPL-2.0-or-later
/* Structural BER check (see rspro-ber.h). Plain C, no allocation, bounded depth. */
#include "rspro-ber.h"

#define MAX_TAG_OCTETS 4
#define MAX_LENGTH_OCTETS 4
#define INDEFINITE ((gsize)-1)

static gssize check_tlv(const guint8 *p, gsize len, guint depth);

/* checks the TLVs filling p[0..len) exactly (definite) or up to their EOC
 * (indefinite, returns the bytes used including the EOC) */
static gssize
check_contents(const guint8 *p, gsize len, gboolean indefinite, guint depth)
{
	gsize off = 0;

	for (;;) {
		gssize n;

		if (indefinite) {
			if (len - off >= 2 && p[off] == 0 && p[off + 1] == 0)
				return (gssize)(off + 2);
			if (off == len)
				return -1; /* no end-of-contents */
		} else if (off == len) {
			return (gssize)off;
		}
		n = check_tlv(p + off, len - off, depth);
		if (n < 0)
			return -1;
		off += (gsize)n;
	}
}

/* returns the size of the TLV at p, or -1 */
static gssize
check_tlv(const guint8 *p, gsize len, guint depth)
{
	gsize off = 1, value_len;
	gboolean constructed;

	if (depth > RSPRO_BER_MAX_DEPTH || len < 2)
		return -1;
	if (p[0] == 0)
		return -1; /* tag 0 is only an end-of-contents, handled by the caller */
	constructed = (p[0] & 0x20) != 0;
	if ((p[0] & 0x1f) == 0x1f) {
		/* high tag number: continuation octets with bit 8 set, then a last one */
		for (;;) {
			if (off >= len || off > MAX_TAG_OCTETS)
				return -1;
			if ((p[off++] & 0x80) == 0)
				break;
		}
	}
	if (off >= len)
		return -1;
	if (p[off] < 0x80) {
		value_len = p[off++];
	} else if (p[off] == 0x80) {
		if (!constructed)
			return -1;
		value_len = INDEFINITE;
		off++;
	} else {
		gsize n = p[off++] & 0x7f;

		if (n > MAX_LENGTH_OCTETS || n > len - off)
			return -1;
		value_len = 0;
		for (gsize i = 0; i < n; i++)
			value_len = (value_len << 8) | p[off++];
	}

	if (value_len == INDEFINITE) {
		gssize used = check_contents(p + off, len - off, TRUE, depth + 1);

		return used < 0 ? -1 : (gssize)(off + (gsize)used);
	}
	if (value_len > len - off)
		return -1;
	if (constructed && check_contents(p + off, value_len, FALSE, depth + 1) < 0)
		return -1;
	return (gssize)(off + value_len);
}

gboolean
rspro_ber_check(const guint8 *data, gsize len)
{
	return len > 0 && check_tlv(data, len, 0) == (gssize)len;
}
