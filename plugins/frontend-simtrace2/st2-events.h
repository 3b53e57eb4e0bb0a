// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend-simtrace2's part of osmo-remsim-client-st2's helper script
 * (`event-script`, remsim-roles.md 4.4): event-modem-status when the phone's
 * VCC, RST or CLK change, request-card-insert / request-card-remove when the
 * routed card comes or goes, with REMSIM_SIM_VCC/RST/CLK, REMSIM_USB_PATH and
 * REMSIM_USB_INTERFACE. The runner (plugins/event-script) is the instance's.
 */
#pragma once

#include <glib.h>

#include "event-script.h"

G_BEGIN_DECLS

typedef struct {
	EventScript *script; /* borrowed; NULL: no script */
	const gchar *usb_path;
	gint interface_number;
	gboolean known;
	guint32 flags; /* the last STATUS flags */
} St2Events;

/* STATUS flags from the board: a run when VCC, RST or CLK changed. */
void st2_events_status(St2Events *ev, guint32 flags);
/* The card the phone sees came (TRUE) or went. */
void st2_events_card(St2Events *ev, gboolean present);

G_END_DECLS
