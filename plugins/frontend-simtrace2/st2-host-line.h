// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the phone does to the card's contacts, from the firmware's STATUS
 * messages (the sheet §7.2): power-up, reset pulses, power loss. Pure.
 *
 * The card is "active" while VCC is present and RST is released. CLK is not
 * used: a phone may stop the clock of an idle card (clock stop), and upstream
 * firmware reports CLK as a copy of VCC anyway. A reset ends when the card
 * becomes active; it is cold when VCC was off at any moment since the card
 * was last active, else warm.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	ST2_LINE_NONE,
	ST2_LINE_RESET_START, /* RST asserted on an active card: drop the TPDU */
	ST2_LINE_RESET_COLD,  /* the card was powered up and released from reset */
	ST2_LINE_RESET_WARM,  /* a reset pulse on a powered card ended */
	ST2_LINE_POWER_OFF,   /* VCC went away from an active (or resetting) card */
} St2LineEvent;

typedef struct {
	gboolean known; /* a STATUS was seen */
	guint32 flags;
	gboolean vcc_lost; /* VCC was off since the card was last active */
} St2Line;

void st2_line_init(St2Line *self);
/* Feeds one STATUS flags word; returns what happened (at most one event:
 * a STATUS reports one change of the contacts). */
St2LineEvent st2_line_update(St2Line *self, guint32 flags);
gboolean st2_line_is_active(const St2Line *self);
const gchar *st2_line_event_to_string(St2LineEvent event);
/* The waiting time in etu from a STATUS: WI x 960 x D (ISO 7816-3 10.2; D
 * from Table 8, 1 for RFU indices; WI 0 is RFU: 10). Computed here because
 * the released firmware does not scale its waiting_time field by D. */
guint32 st2_line_wt_etu(guint8 wi, guint8 d_index);

G_END_DECLS
