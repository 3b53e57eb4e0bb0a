// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: the RSRES request parsers of the rspro-server plugin. The input
 * is the POST /slotmaps body; it is also tried as a request path (after the
 * prefix) and as a path id, so one corpus covers the three parsers. */
#include <stdint.h>
#include <string.h>

#include <cardroute/cr-error.h>

#include "srv-rsres-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SrvRsresMapRequest req;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_autofree gchar *path = g_strconcat(SRV_RSRES_PREFIX, text, NULL);
	g_autofree gchar *id_text = NULL;
	SrvRsresResource res;
	guint64 id;

	if (srv_rsres_parse_map_body((const gchar *)data, size, &req, &error)) {
		g_assert(req.bank_id <= 1023 && req.bank_slot <= 1023);
		g_assert(req.client_id <= 1023 && req.client_slot <= 1023);
	} else {
		g_assert(error != NULL && g_utf8_validate(error->message, -1, NULL));
	}
	g_clear_error(&error);

	res = srv_rsres_route(path, &id_text);
	g_assert((res == SRV_RSRES_CLIENT || res == SRV_RSRES_BANK || res == SRV_RSRES_SLOTMAP) ==
		 (id_text != NULL));
	g_assert((res == SRV_RSRES_NONE) == (srv_rsres_allowed(res) == NULL));
	if (id_text != NULL && !srv_rsres_parse_id(id_text, G_MAXUINT32, &id, &error))
		g_assert(error != NULL && g_utf8_validate(error->message, -1, NULL));
	g_clear_error(&error);

	if (srv_rsres_parse_id(text, 65535, &id, &error))
		g_assert(id <= 65535);
	else
		g_assert(error != NULL && g_utf8_validate(error->message, -1, NULL));
	return 0;
}
