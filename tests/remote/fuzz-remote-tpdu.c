// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: backend-remote's command -> T=0 TPDU conversion. A result is
 * always 5..260 bytes and a well-formed TPDU (header only, or header + P3
 * data bytes); a failure always says why in CR_ERROR_INVALID.
 */
#include <stdint.h>
#include <stdlib.h>

#include <cardroute/cardroute.h>

#include "remote-tpdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	guint8 out[REMOTE_TPDU_MAX];
	gsize len = 0;
	GError *error = NULL;

	if (remote_tpdu_from_command(data, size, out, &len, &error)) {
		if (len < REMOTE_TPDU_MIN || len > REMOTE_TPDU_MAX)
			abort();
		if (len != REMOTE_TPDU_MIN && len != REMOTE_TPDU_MIN + (gsize)out[4])
			abort();
	} else {
		if (error == NULL || error->domain != CR_ERROR || error->code != CR_ERROR_INVALID)
			abort();
		g_error_free(error);
	}
	return 0;
}
