// SPDX-License-Identifier: GPL-2.0-or-later
/* backend-remote's event script (upstream's -e): the REMSIM_* environment of
 * osmo-remsim-client's helper script (remsim-roles.md 4.4) from the slot's
 * state, running it, and its counters for describe(). */
#pragma once

#include <glib.h>

#include "event-script.h"

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
/* Runs @script (nothing when NULL) for @cause with the environment of @st. */
void remote_events_run(EventScript *script, const gchar *cause, const RemoteEventState *st);
/* event-script-runs, -failed, -killed (nothing when @script is NULL). */
void remote_events_describe(EventScript *script, GVariantDict *dict);

G_END_DECLS
