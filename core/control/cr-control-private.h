// SPDX-License-Identifier: GPL-2.0-or-later
/* Internals shared by the control plane's files. */
#pragma once

#include <cardroute/cardroute.h>
#include <cardroute/cr-http.h>

#include "cr-control.h"
#include "cr-rest-auth.h"

G_BEGIN_DECLS

typedef enum {
	CR_DBUS_NONE,
	CR_DBUS_SESSION,
	CR_DBUS_SYSTEM,
} CrDbusMode;

typedef struct _CrRest CrRest;
typedef struct _CrDbus CrDbus;
typedef struct _CrPersist CrPersist;
typedef struct _CrSse CrSse;

struct _CrControl {
	CrRouter *router; /* weak: the router outlives the control plane */
	/* configuration */
	gchar *rest_host; /* NULL: REST disabled */
	gchar *rest_where; /* "FILE:LINE: [router] rest" for messages */
	guint16 rest_port;
	CrRestAuth *auth; /* tokens and scopes (cr-rest-auth.h) */
	gchar *tls_cert;
	gchar *tls_key;
	gsize max_body;
	guint header_timeout_ms;
	guint idle_timeout_ms;
	guint max_connections;
	guint max_per_address;
	gboolean allow_apdu;
	guint apdu_timeout_ms;
	CrDbusMode dbus_mode;
	gboolean dbus_write; /* AddRoute/RemoveRoute/Remove allowed */
	gchar *state_dir;
	/* parts */
	CrRest *rest;
	CrSse *sse;
	CrDbus *dbus;
	CrPersist *persist;
	GArray *handler_ids; /* cr_router_add_http_handler() ids */
	gboolean started;
};

/* cr-rest.c: the HTTP server (libsoup) */
CrRest *cr_rest_new(CrControl *control);
gboolean cr_rest_start(CrRest *rest, GError **error);
void cr_rest_free(CrRest *rest);
/* connection counters for /metrics; NULL is fine */
void cr_rest_metrics(CrRest *rest, GString *out);

/* cr-events-sse.c: GET /api/v1/events (needs soup: streaming) */
CrSse *cr_sse_new(CrRouter *router);
void cr_sse_free(CrSse *sse);
struct _CrRestConns;
/* takes the connection of a server message (a SoupServerMessage) from
 * libsoup (cr_rest_conns_take()) and streams on it */
void cr_sse_add_client(CrSse *sse, struct _CrRestConns *conns, gpointer soup_server_message);
/* clients now, clients dropped; NULL is fine */
void cr_sse_metrics(CrSse *sse, GString *out);

/* cr-rest-api.c: /api/v1 and /metrics through the handler registry */
void cr_rest_api_register(CrControl *control);

/* cr-rest-session.c: the token check before a body is read (FALSE: the
 * message has its refusal) and GET /api/v1/session */
gboolean cr_rest_session_check(CrControl *control, gpointer soup_server_message,
			       const gchar *path);
void cr_rest_session_register(CrControl *control);

/* cr-rest-static.c: the console's files at / and /ui/ */
void cr_rest_static_register(CrControl *control);

/* cr-metrics.c */
gchar *cr_metrics_render(CrRouter *router);
/* the router's metrics and the control plane's own (connections, streams) */
gchar *cr_control_metrics_render(CrControl *self);

/* cr-plugins.c-like listing lives in cr-rest-api.c */

/* cr-dbus.c */
CrDbus *cr_dbus_new(CrControl *control);
void cr_dbus_free(CrDbus *dbus);

/* cr-persist.c */
CrPersist *cr_persist_new(CrRouter *router, const gchar *state_dir);
/* restores the routes of the state file and starts following changes */
void cr_persist_restore(CrPersist *persist);
void cr_persist_free(CrPersist *persist);

/* HTTP status for an error of CR_ERROR */
guint cr_control_http_status(const GError *error);
const gchar *cr_control_error_code(const GError *error);

G_END_DECLS
