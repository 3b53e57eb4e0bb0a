// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib-object.h>

#include "cr-stats.h"
#include "cr-transaction.h"
#include "cr-types.h"

G_BEGIN_DECLS

/*
 * A frontend slot: one place where a terminal expects a card.
 *
 * frontend -> core: cr_frontend_slot_submit(), _reset(), _power_off(),
 *                   _set_state().
 * core -> frontend: the class vfuncs below, always on the main context.
 */
#define CR_TYPE_FRONTEND_SLOT (cr_frontend_slot_get_type())
G_DECLARE_DERIVABLE_TYPE(CrFrontendSlot, cr_frontend_slot, CR, FRONTEND_SLOT, GObject)

struct _CrFrontendSlotClass {
	GObjectClass parent_class;

	/* The card the terminal should see changed: @atr is its ATR, or NULL
	 * when there is none (no route, card removed, `remove-card` policy).
	 * Called with the same ATR again when the backend reports it again
	 * (reset); a frontend applies it as its hardware allows. */
	void (*card_changed)(CrFrontendSlot *self, GBytes *atr);
	/* The outcome of the submitted transaction; exactly once per submit,
	 * possibly before cr_frontend_slot_submit() returns. @transaction is
	 * valid during the call only. */
	void (*transaction_done)(CrFrontendSlot *self, CrTransaction *transaction);
	/* The slot was routed or unrouted (@route NULL). Optional. */
	void (*route_changed)(CrFrontendSlot *self, CrRoute *route);

	gpointer padding[8];
};

const gchar *cr_frontend_slot_get_name(CrFrontendSlot *self);
CrInstance *cr_frontend_slot_get_instance(CrFrontendSlot *self);
CrRouter *cr_frontend_slot_get_router(CrFrontendSlot *self);
CrRoute *cr_frontend_slot_get_route(CrFrontendSlot *self);
/* The ATR last handed to card_changed() (NULL: no card). */
GBytes *cr_frontend_slot_get_atr(CrFrontendSlot *self);
CrSlotState cr_frontend_slot_get_state(CrFrontendSlot *self);
/* A transaction is in flight. */
gboolean cr_frontend_slot_is_busy(CrFrontendSlot *self);
const CrStats *cr_frontend_slot_get_stats(CrFrontendSlot *self);

/* Submit one command; exactly one transaction_done() follows. Submitting
 * while busy completes at once with CR_ERROR_BUSY. */
void cr_frontend_slot_submit(CrFrontendSlot *self, const guint8 *command, gsize len);
/* The terminal reset or powered the card off: cancels a transaction in flight
 * (CR_ERROR_CANCELLED) and goes to the backend per the route's policy. */
void cr_frontend_slot_reset(CrFrontendSlot *self, CrResetKind kind);
void cr_frontend_slot_power_off(CrFrontendSlot *self);
/* The terminal side came or went (board plugged, client connected). */
void cr_frontend_slot_set_state(CrFrontendSlot *self, CrSlotState state, const GError *reason);

G_END_DECLS
