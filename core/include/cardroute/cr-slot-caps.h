// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

#include "cr-atr.h"
#include "cr-types.h"

G_BEGIN_DECLS

/*
 * What a slot can carry between its terminal or card and the core: the
 * transmission protocols, whether extended length fields (ISO 7816-4 §5.1)
 * pass, and the largest command and response APDU in bytes.
 *
 * A plugin sets its slot's capabilities, preferably before it registers the
 * slot; a slot that sets nothing has CR_SLOT_CAPS_DEFAULT (T=0, short APDUs
 * only). The core refuses, with status word 6700, a command its route's two
 * ends cannot both carry, and a response larger than the frontend can carry:
 * an APDU is never cut (see cardroute.ini(5), route keys).
 */

/* CrProtocol, the ATR readers (cr_atr_protocols(), cr_atr_clear_extended()):
 * cr-atr.h. */

/* The largest short APDUs: case 4 with Lc = 255 and Le, and 256 data bytes
 * with SW1 SW2. */
#define CR_SLOT_CAPS_SHORT_MAX_COMMAND 261u
#define CR_SLOT_CAPS_SHORT_MAX_RESPONSE 258u
/* The largest extended APDUs: header, 00 Lc1 Lc2, 65535 data bytes, Le1 Le2;
 * and 65536 data bytes with SW1 SW2. */
#define CR_SLOT_CAPS_EXT_MAX_COMMAND 65544u
#define CR_SLOT_CAPS_EXT_MAX_RESPONSE 65538u

typedef struct {
	guint protocols;     /* CrProtocol bits, at least one */
	gboolean extended;   /* extended length fields pass */
	guint max_command;   /* bytes of the largest C-APDU, header included */
	guint max_response;  /* bytes of the largest R-APDU, SW1 SW2 included */
} CrSlotCaps;

#define CR_SLOT_CAPS_DEFAULT                                                                       \
	{                                                                                          \
		CR_PROTOCOL_T0, FALSE, CR_SLOT_CAPS_SHORT_MAX_COMMAND,                             \
			CR_SLOT_CAPS_SHORT_MAX_RESPONSE                                            \
	}

/*
 * Sets a slot's capabilities. They are made consistent first: sizes are
 * clamped to what the encoding allows (short: 261/258 bytes at most;
 * extended: 65544/65538; never below 5/2), and no protocol means T=0.
 * Call on the main context.
 */
void cr_frontend_slot_set_caps(CrFrontendSlot *self, const CrSlotCaps *caps);
const CrSlotCaps *cr_frontend_slot_get_caps(CrFrontendSlot *self);
void cr_backend_slot_set_caps(CrBackendSlot *self, const CrSlotCaps *caps);
const CrSlotCaps *cr_backend_slot_get_caps(CrBackendSlot *self);

/* "T=0", "T=1", "T=0,T=1": for descriptions; never NULL. */
const gchar *cr_slot_caps_protocols_to_string(guint protocols);

G_END_DECLS
