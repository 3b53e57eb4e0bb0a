// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the route check's view of a command (cr_apdu_command_needs():
 * extended length fields? the longest answer?) against the full ISO 7816-4
 * parser (cr_command_apdu_parse()). The input is one command. The two must
 * agree: extended exactly when the full parser reads a well-formed extended
 * command, and the answer it insists on is Ne + 2 when the command has an
 * explicit Le (not 00 / 0000), else 2.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cr-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CrCommandApdu apdu;
	gboolean extended, parsed;
	gsize response;

	if (size < 4 || size > CR_APDU_MAX)
		return 0;
	cr_apdu_command_needs(data, size, &extended, &response);
	parsed = cr_command_apdu_parse(data, size, &apdu, NULL);
	if (extended != (parsed && apdu.extended))
		abort();
	if (response < 2 || response > CR_SLOT_CAPS_EXT_MAX_RESPONSE)
		abort();
	/* Le = 00 / 0000 ("as much as there is") insists on nothing */
	if (parsed && apdu.le_present && apdu.le != (apdu.extended ? 65536u : 256u) &&
	    response != apdu.le + 2)
		abort();
	if ((!parsed || !apdu.le_present || apdu.le == (apdu.extended ? 65536u : 256u)) &&
	    response != 2)
		abort();
	if (!extended && response > CR_SLOT_CAPS_SHORT_MAX_RESPONSE)
		abort();
	return 0;
}
