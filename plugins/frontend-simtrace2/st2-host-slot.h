// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One frontend slot of frontend-simtrace2: a cardem interface of a board (or
 * of the simulator) when one is bound, DOWN otherwise. Glue between the
 * transport channel, the pure protocol parts (st2-host-in, -apdu, -line) and
 * the core.
 */
#pragma once

#include <cardroute/cardroute.h>

#include "st2-host-apdu.h"
#include "st2-events.h"
#include "st2-host-line.h"
#include "st2-transport.h"

G_BEGIN_DECLS

typedef struct {
	GBytes *atr_override; /* `atr =`, NULL: the route's card */
	gboolean modem_reset; /* pulse the modem reset after start-up */
	guint8 pres_pol;      /* CONFIG pres_pol (0: leave the board's) */
	St2Events events;     /* the event script (its runner is the instance's) */
} St2SlotConfig;

#define ST2_TYPE_SLOT (st2_slot_get_type())
G_DECLARE_FINAL_TYPE(St2Slot, st2_slot, ST2, SLOT, CrFrontendSlot)

struct _St2Slot {
	CrFrontendSlot parent_instance;
	St2SlotConfig config;
	St2Channel *chan;
	gchar *last_key; /* the channel last bound (a replug comes back here) */
	St2Apdu apdu;
	St2Line line;
	GBytes *atr_sent; /* last SET_ATR */
	/* emulation is on (SIM_SELECT remote): the phone was offered a card */
	gboolean offered;
	/* a TPDU header came while the core still had the previous command */
	gboolean stale_in_flight;
	guint8 parked[5 + 256];
	gsize parked_len;
	/* the firmware reports contact changes by interrupt (CONFIG reply) */
	gboolean status_irq;
	/* a TPDU header held until every IN transfer that came with it was seen
	 * (in_done): a STATUS among them that reports a reset makes it stale */
	gboolean hdr_held;
	guint32 hdr_flags;
	guint8 hdr_bytes[ST2_MSG_MAX];
	guint16 hdr_len;
	guint64 hdr_dropped; /* headers not answered: the phone reset the card after them */
	guint64 in_ignored;
	/* called after the channel was released (the owner may look again) */
	void (*unbound)(St2Slot *slot, gpointer user_data);
	gpointer unbound_data;
};

St2Slot *st2_slot_new(const gchar *name, const St2SlotConfig *config);
/* Takes @chan and runs the start-up sequence (the sheet §7.3). */
void st2_slot_bind(St2Slot *self, St2Channel *chan);
/* Releases the channel; with @restore the board gets its local SIM back. */
void st2_slot_unbind(St2Slot *self, gboolean restore, const GError *reason);
gboolean st2_slot_is_bound(St2Slot *self);

G_END_DECLS
