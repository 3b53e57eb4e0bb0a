// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON views of the running router (REST bodies, the event stream, state file). */
#pragma once

#include <cardroute/cardroute.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void cr_json_add_stats(JsonBuilder *b, const CrStats *stats);
void cr_json_add_policy(JsonBuilder *b, const CrRoutePolicy *policy);
JsonNode *cr_json_frontend(CrFrontendSlot *slot);
JsonNode *cr_json_backend(CrBackendSlot *slot);
JsonNode *cr_json_route(CrRoute *route);
/* cr-json-describe.c: with "details", the instance's describe() */
JsonNode *cr_json_instance(CrInstance *inst);
JsonNode *cr_json_frontend_detailed(CrFrontendSlot *slot);
JsonNode *cr_json_backend_detailed(CrBackendSlot *slot);
/* A CARD event says what a frontend slot's terminal was told (TRUE) or what
 * a backend slot reported (FALSE). The event carries both slots of a route,
 * so this tells them apart: the frontend's event carries the very ATR the
 * frontend holds now, the backend's arrives before the frontend is told. */
gboolean cr_json_card_event_is_frontend(const CrEvent *event);
/* One event of the stream (NULL for events nobody shows). */
JsonNode *cr_json_event(const CrEvent *event);
gchar *cr_json_to_string(JsonNode *node, gboolean pretty);
gchar *cr_json_time_iso(gint64 wall_us);

G_END_DECLS
