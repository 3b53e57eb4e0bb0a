// SPDX-License-Identifier: GPL-2.0-or-later
/* The backend slot of a virtual card: the card engine behind the core's
 * CrBackendSlot, with the test knobs (latency, failures, removal). */
#pragma once

#include <cardroute/cardroute.h>

#include "vcard-card.h"

G_BEGIN_DECLS

typedef enum {
	VCARD_FAIL_MUTE,   /* transactions fail with CR_ERROR_CARD until a reset */
	VCARD_FAIL_REMOVE, /* the card is removed */
} VcardFailMode;

/* The knobs of one slot, from the instance's INI section. */
typedef struct {
	guint latency_ms; /* 0: answer inside transmit() */
	guint fail_after; /* 0: never */
	VcardFailMode fail_mode;
	guint remove_after;      /* 0: never */
	guint reinsert_after_ms; /* 0: stays removed */
	gboolean present;        /* a card at start */
	guint insert_after_ms;   /* 0: never (with present = false) */
} VcardKnobs;

#define VCARD_TYPE_SLOT (vcard_slot_get_type())
G_DECLARE_FINAL_TYPE(VcardSlot, vcard_slot, VCARD, SLOT, CrBackendSlot)

VcardSlot *vcard_slot_new(const gchar *name, VcardProfile *profile, GBytes *atr,
                          const VcardKnobs *knobs);
/* Powers the slot up as configured (card present or not, insertion timer). */
void vcard_slot_start(VcardSlot *self);
/* Drops every timer; the core has finished every transaction. */
void vcard_slot_stop(VcardSlot *self);
/* Takes the card out / puts it back (runtime knobs, control plane). */
void vcard_slot_remove_card(VcardSlot *self, const gchar *why);
void vcard_slot_insert_card(VcardSlot *self);
gboolean vcard_slot_has_card(VcardSlot *self);
guint64 vcard_slot_get_apdu_count(VcardSlot *self);

G_END_DECLS
