// SPDX-License-Identifier: GPL-2.0-or-later
/* The REMSIM_* environment of osmo-remsim-client's helper script
 * (remsim-roles.md 4.4) from backend-remote's state. Plain C, no I/O. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	const gchar *server_host;
	guint16 server_port;
	const gchar *server_state; /* INIT, REESTABLISH_DELAY, ... CONNECTED */
	const gchar *bank_host;    /* NULL before any configClientBankReq */
	guint16 bank_port;
	const gchar *bank_state;
	guint client_id, client_slot;
	guint bank_id, bank_slot;
	gboolean vcc, rst, clk; /* the last status sent to the bank */
} RemoteEventState;

/* "REMSIM_X=value" strings, NULL-terminated (REMSIM_CAUSE is the runner's). */
GStrv remote_events_env(const RemoteEventState *st);

G_END_DECLS
