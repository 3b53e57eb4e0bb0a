// SPDX-License-Identifier: GPL-2.0-or-later
/* A backend slot on one PC/SC reader (the main-context half; the blocking
 * calls are in pcsc-worker.c). */
#pragma once

#include <cardroute/cardroute.h>
#include <winscard.h>

G_BEGIN_DECLS

#define PCSC_TYPE_SLOT (pcsc_slot_get_type())
G_DECLARE_FINAL_TYPE(PcscSlot, pcsc_slot, PCSC, SLOT, CrBackendSlot)

PcscSlot *pcsc_slot_new(const gchar *name, const gchar *pattern, DWORD share_mode, DWORD protocols);
void pcsc_slot_start(PcscSlot *self);
void pcsc_slot_stop(PcscSlot *self);
void pcsc_slot_describe(PcscSlot *self, GVariantDict *dict);

G_END_DECLS
