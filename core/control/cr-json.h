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
/* One event of the stream (NULL for events nobody shows). */
JsonNode *cr_json_event(const CrEvent *event);
gchar *cr_json_to_string(JsonNode *node, gboolean pretty);
gchar *cr_json_time_iso(gint64 wall_us);

G_END_DECLS
