// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: the REST request body parsers (route creation, APDU shell). */
#include <stdint.h>

#include "cr-rest-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CrRestRouteRequest req;
	GBytes *apdu;
	if (cr_rest_parse_route_request((const gchar *)data, size, &req, NULL))
		cr_rest_route_request_clear(&req);
	apdu = cr_rest_parse_apdu_request((const gchar *)data, size, NULL);
	if (apdu != NULL)
		g_bytes_unref(apdu);
	return 0;
}
