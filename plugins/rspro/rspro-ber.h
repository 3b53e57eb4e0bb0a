// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A strict structural check of BER input, run before asn1c's decoder sees it.
 * Internal to the RSPRO library.
 */
#pragma once

#include <glib.h>

/* nesting deeper than this is refused (RSPRO needs 7 levels) */
#define RSPRO_BER_MAX_DEPTH 24

/*
 * TRUE if @data is exactly one well-formed BER TLV: every length fits its
 * container, constructed contents are a sequence of TLVs that fill them
 * exactly, indefinite lengths occur only on constructed encodings and end with
 * an end-of-contents (00 00), tag 0 appears only as such an end-of-contents,
 * tags are at most 4 octets and lengths at most 4 length octets.
 *
 * This keeps malformed input away from known asn1c 0.9.28 decoder bugs, such as
 * the endless loop in the CHOICE decoder when an indefinite-length CHOICE is
 * followed by 00 and a non-zero octet.
 */
gboolean rspro_ber_check(const guint8 *data, gsize len);
