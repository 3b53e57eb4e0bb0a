// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CrRouter CrRouter;
typedef struct _CrInstance CrInstance;
typedef struct _CrFrontendSlot CrFrontendSlot;
typedef struct _CrBackendSlot CrBackendSlot;
typedef struct _CrRoute CrRoute;
typedef struct _CrTransaction CrTransaction;
typedef struct _CrConfigSection CrConfigSection;

/* What a slot can see of its peer. */
typedef enum {
	CR_SLOT_STATE_DOWN,    /* the device/link/reader is not there */
	CR_SLOT_STATE_EMPTY,   /* there, but no card (backend) / no terminal (frontend) */
	CR_SLOT_STATE_PRESENT, /* a card with an ATR (backend) / a terminal (frontend) */
} CrSlotState;

typedef enum {
	CR_RESET_COLD, /* power cycle */
	CR_RESET_WARM, /* RST only */
} CrResetKind;

const gchar *cr_slot_state_to_string(CrSlotState state);
const gchar *cr_reset_kind_to_string(CrResetKind kind);

G_END_DECLS
