// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the ATR readers of the capability code, cr_atr_protocols()
 * and cr_atr_clear_extended(), on any bytes. A cleared ATR has the same
 * length and protocols, differs from the original only by cleared bits
 * (and a recomputed check byte), and has nothing left to clear. A
 * well-formed ATR (cr_atr_check()) stays well formed when cleared.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cardroute/cardroute.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	guint8 out[CR_ATR_MAX], again[CR_ATR_MAX];
	guint protocols = cr_atr_protocols(data, size);
	guint diffs = 0;
	gboolean well_formed = cr_atr_check(data, size, CR_ERROR, CR_ERROR_INVALID, NULL);

	if (protocols == 0 || (protocols & ~(guint)(CR_PROTOCOL_T0 | CR_PROTOCOL_T1)) != 0)
		abort();
	if (!cr_atr_clear_extended(data, size, out))
		return 0;
	if (size < 2 || size > CR_ATR_MAX || cr_atr_protocols(out, size) != protocols)
		abort();
	/* bits cleared, none set, except in a check byte (the last one) */
	for (size_t i = 0; i < size; i++) {
		if (i + 1 < size && (out[i] & (guint8)~data[i]) != 0)
			abort();
		diffs += (guint)__builtin_popcount(out[i] ^ data[i]);
	}
	if (diffs == 0)
		abort();
	if (cr_atr_clear_extended(out, size, again))
		abort();
	if (well_formed && !cr_atr_check(out, size, CR_ERROR, CR_ERROR_INVALID, NULL))
		abort();
	return 0;
}
