// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Direct DER writing and reading of the two TPDU messages, the hot path of
 * rspro_msg_encode() and rspro_msg_decode(). Internal to the RSPRO library.
 */
#pragma once

#include "rspro-msg.h"

G_BEGIN_DECLS

enum {
	RSPRO_TPDU_NOT_HANDLED = 0, /* not this shape: take the general (asn1c) path */
	RSPRO_TPDU_DONE = 1,
};

/* Appends the DER of a TPDU message to @out, the same bytes asn1c writes.
 * NOT_HANDLED (and @out untouched) for any other message and for values the
 * general path must refuse with an error. */
gint rspro_tpdu_encode(const RsproMsg *msg, GByteArray *out);

/* Reads a TPDU message given in exactly the DER form rspro_tpdu_encode()
 * writes (with ids and tags in range) into @out. NOT_HANDLED (and @out
 * untouched) for anything else, which the general path then decides on. */
gint rspro_tpdu_decode(const guint8 *data, gsize len, RsproMsg *out);

G_END_DECLS
