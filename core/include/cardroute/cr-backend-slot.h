// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib-object.h>

#include "cr-stats.h"
#include "cr-transaction.h"
#include "cr-types.h"

G_BEGIN_DECLS

/*
 * A backend slot: one card source.
 *
 * core -> backend: the class vfuncs, on the main context.
 * backend -> core: cr_backend_slot_set_card() and _set_state(), on the main
 *                  context (worker threads hand results back first).
 */
#define CR_TYPE_BACKEND_SLOT (cr_backend_slot_get_type())
G_DECLARE_DERIVABLE_TYPE(CrBackendSlot, cr_backend_slot, CR, BACKEND_SLOT, GObject)

struct _CrBackendSlotClass {
	GObjectClass parent_class;

	/* Send the command to the card; finish with cr_transaction_complete()
	 * or cr_transaction_fail(), now or later. Only called while the slot
	 * is PRESENT, one transaction at a time. */
	void (*transmit)(CrBackendSlot *self, CrTransaction *transaction);
	/* Forget @transaction: it must not be completed or touched again. */
	void (*cancel)(CrBackendSlot *self, CrTransaction *transaction);
	/* Reset the card; report the ATR again with cr_backend_slot_set_card(). */
	void (*reset)(CrBackendSlot *self, CrResetKind kind);
	/* Power the card off (it is powered on again by the next reset). */
	void (*power_off)(CrBackendSlot *self);

	gpointer padding[8];
};

const gchar *cr_backend_slot_get_name(CrBackendSlot *self);
CrInstance *cr_backend_slot_get_instance(CrBackendSlot *self);
CrRouter *cr_backend_slot_get_router(CrBackendSlot *self);
CrRoute *cr_backend_slot_get_route(CrBackendSlot *self);
CrSlotState cr_backend_slot_get_state(CrBackendSlot *self);
/* The card's ATR while PRESENT, else NULL. */
GBytes *cr_backend_slot_get_atr(CrBackendSlot *self);
gboolean cr_backend_slot_is_busy(CrBackendSlot *self);
const CrStats *cr_backend_slot_get_stats(CrBackendSlot *self);

/* Where the card is, for people (backend-pcsc: the PC/SC reader name); NULL
 * when not known. Shown as "location" in REST and Location on D-Bus; set it
 * before the state change that should publish it. */
void cr_backend_slot_set_location(CrBackendSlot *self, const gchar *location);
const gchar *cr_backend_slot_get_location(CrBackendSlot *self);

/* A card is there with this ATR (insert, reset done, link up and mapped). */
void cr_backend_slot_set_card(CrBackendSlot *self, const guint8 *atr, gsize atr_len);
/* No card (EMPTY) or no reader/link (DOWN); @reason says why (may be NULL). */
void cr_backend_slot_set_state(CrBackendSlot *self, CrSlotState state, const GError *reason);

/*
 * Send a standalone transaction (cr_transaction_new()) straight to the
 * backend, outside any route: the REST debugging shell and the benchmark.
 * Fails at once (via the transaction) when the slot is routed, busy or has
 * no card.
 */
void cr_backend_slot_transmit(CrBackendSlot *self, CrTransaction *transaction);

G_END_DECLS
