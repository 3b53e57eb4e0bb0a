// SPDX-License-Identifier: GPL-2.0-or-later
/* What an RSRES request asks for (rsres.md 2): the path and the POST /slotmaps
 * body, parsed without I/O (fuzzed by tests/server/fuzz-rsres.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SRV_RSRES_PREFIX "/api/backend/v1/"
#define SRV_RSRES_MAX_BODY (64 * 1024)
#define SRV_RSRES_MAX_DEPTH 16

typedef enum {
	SRV_RSRES_NONE, /* no such resource: 404 */
	SRV_RSRES_CLIENTS,
	SRV_RSRES_CLIENT, /* /clients/ID */
	SRV_RSRES_BANKS,
	SRV_RSRES_BANK, /* /banks/ID */
	SRV_RSRES_SLOTMAPS,
	SRV_RSRES_SLOTMAP, /* /slotmaps/ID */
	SRV_RSRES_GLOBAL_RESET,
	SRV_RSRES_RESTART_COUNTER,
} SrvRsresResource;

/* A request body of POST /slotmaps. */
typedef struct {
	guint bank_id;
	guint bank_slot;
	guint client_id;
	guint client_slot;
} SrvRsresMapRequest;

/* The resource of @path (the whole request path, with the prefix; trailing
 * slashes ignored). For the ID forms, *@id_text is set to the last segment
 * (free it), else to NULL. */
SrvRsresResource srv_rsres_route(const gchar *path, gchar **id_text);

/* The methods @resource answers to, for Allow ("GET, POST"); NULL for NONE. */
const gchar *srv_rsres_allowed(SrvRsresResource resource);

/* Whether @method is one of srv_rsres_allowed(@resource). */
gboolean srv_rsres_method_allowed(SrvRsresResource resource, const gchar *method);

/* An id of a path: decimal digits only, at most @max. CR_ERROR_INVALID with a
 * message fit for the client otherwise. */
gboolean srv_rsres_parse_id(const gchar *text, guint64 max, guint64 *out, GError **error);

/* The POST /slotmaps body: a JSON object with "bank": {"bankId", "slotNr"} and
 * "client": {"clientId", "slotNr"}, integers 0..SRV_MAP_MAX_ID (other keys
 * ignored). UTF-8, at most SRV_RSRES_MAX_BODY bytes and SRV_RSRES_MAX_DEPTH
 * levels of nesting. CR_ERROR_INVALID naming the fault otherwise. */
gboolean srv_rsres_parse_map_body(const gchar *data, gsize len, SrvRsresMapRequest *out,
				  GError **error);

G_END_DECLS
