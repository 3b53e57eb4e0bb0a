// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backend slot of backend-remote: one osmo-remsim client slot. It keeps
 * the control link to the remsim-server and, while the server maps it to a
 * bank slot, the data link to that bankd; the card is PRESENT only while the
 * bank link is up and mapped.
 */
#pragma once

#include <cardroute/cardroute.h>

#include "rspro-conn.h"

G_BEGIN_DECLS

typedef struct {
	gchar *server_host;
	guint16 server_port;
	gboolean has_client_id; /* FALSE: connectClientReq without clientSlot */
	guint16 client_id;
	guint16 client_slot;
	gboolean atr_ignore;
	GBytes *atr;            /* the local ATR (atr-ignore, or no setAtrReq in time) */
	guint ping_interval_ms; /* 0 = no PINGs */
	guint pong_timeout_ms;
	guint connect_timeout_ms;
	guint response_timeout_ms;
	gint reconnect_delay_ms; /* -1 = upstream's back-off table */
	guint atr_wait_ms;
	gchar *identity_name;
	gchar *software;
	gchar *event_script; /* upstream's -e COMMAND, or NULL */
	guint event_script_timeout_ms;
	RsproTls *tls; /* `tls = on`: both links, NULL = plain */
} RemoteConfig;

void remote_config_clear(RemoteConfig *cfg);

#define REMOTE_TYPE_SLOT (remote_slot_get_type())
G_DECLARE_FINAL_TYPE(RemoteSlot, remote_slot, REMOTE, SLOT, CrBackendSlot)

/* TLS: server and bank peers refused for what their certificate names, and
 * the /metrics series (remote-tls.c) */
guint64 remote_slot_get_tls_refusals(RemoteSlot *self);
RsproTls *remote_slot_get_tls(RemoteSlot *self);
void remote_tls_metrics(GString *out, RemoteSlot *slot, const gchar *instance);

/* takes the contents of @cfg (zeroed afterwards) */
RemoteSlot *remote_slot_new(const gchar *name, RemoteConfig *cfg);
void remote_slot_start(RemoteSlot *self);
void remote_slot_stop(RemoteSlot *self);
void remote_slot_describe(RemoteSlot *self, GVariantDict *dict);

G_END_DECLS
