// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-types.h"

G_BEGIN_DECLS

/*
 * Everything observable is an event: taps (GSMTAP), the REST event stream,
 * D-Bus signals and metrics consume the same stream. Hooks run synchronously
 * on the main context, in the order added, and must not block.
 */
typedef enum {
	CR_EVENT_CARD,		/* a slot's card: state + ATR (backend or frontend view) */
	CR_EVENT_SLOT_STATE,	/* a slot's own state (DOWN/EMPTY/PRESENT) */
	CR_EVENT_RESET,		/* terminal reset (reset_kind), forwarded or not */
	CR_EVENT_POWER_OFF,	/* terminal powered the card off */
	CR_EVENT_TRANSACTION,	/* one finished transaction (its outcome); frontend NULL
				 * for a standalone one (cr_backend_slot_transmit) */
	CR_EVENT_ERROR,		/* something went wrong outside a transaction */
	CR_EVENT_ROUTE_ADDED,
	CR_EVENT_ROUTE_REMOVED,
	CR_EVENT_SLOT_ADDED,
	CR_EVENT_SLOT_REMOVED,
} CrEventType;

typedef struct {
	CrEventType type;
	gint64 timestamp_us;	/* g_get_monotonic_time() */
	CrRoute *route;		/* NULL when none */
	CrFrontendSlot *frontend;
	CrBackendSlot *backend;
	CrSlotState state;	/* CARD, SLOT_STATE */
	GBytes *atr;		/* CARD with PRESENT */
	CrResetKind reset_kind; /* RESET */
	gboolean forwarded;	/* RESET, POWER_OFF: reached the backend */
	CrTransaction *transaction; /* TRANSACTION */
	const GError *error;	/* ERROR; TRANSACTION that failed; state reasons */
	gboolean terminal_view; /* CARD: what the frontend (terminal) was told,
				 * not the backend's own card */
} CrEvent;

typedef void (*CrEventFunc)(const CrEvent *event, gpointer user_data);

const gchar *cr_event_type_to_string(CrEventType type);

G_END_DECLS
