// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A backend slot on one PC/SC reader (the main-context half). The slot keeps
 * its name while the daemon runs; the reader's I/O thread (pcsc-worker.c) is
 * attached when the reader appears and retired when it goes.
 */
#pragma once

#include <cardroute/cardroute.h>
#include <winscard.h>

#include "pcsc-handoff.h"
#include "pcsc-worker.h"

G_BEGIN_DECLS

#define PCSC_TYPE_SLOT (pcsc_slot_get_type())
G_DECLARE_FINAL_TYPE(PcscSlot, pcsc_slot, PCSC, SLOT, CrBackendSlot)

PcscSlot *pcsc_slot_new(const gchar *name, DWORD share_mode, DWORD protocols);
/* The reader is there: a new I/O thread (returned, referenced) and EMPTY
 * until the monitor reports the card. */
PcscWorker *pcsc_slot_attach_reader(PcscSlot *self, const gchar *reader, PcscHandoff *handoff);
/* The reader (or pcscd) went: the thread is retired, the slot DOWN. */
void pcsc_slot_detach_reader(PcscSlot *self, const GError *reason);
/* The attached I/O thread, or NULL. */
PcscWorker *pcsc_slot_get_worker(PcscSlot *self);
/* The reader attached now, else the last one, else NULL. */
const gchar *pcsc_slot_get_reader(PcscSlot *self);
/* Card state of the attached reader, from the monitor. */
void pcsc_slot_card_event(PcscSlot *self, gboolean present, GBytes *atr);
/* A result of the slot's I/O thread (stale threads' results are dropped). */
void pcsc_slot_worker_event(PcscSlot *self, const PcscEvent *event);
/* "T=0", "T=1" or "raw": the protocol of the last connection to the card;
 * NULL before one. */
const gchar *pcsc_slot_get_protocol(PcscSlot *self);
guint64 pcsc_slot_get_transmits(PcscSlot *self);
guint64 pcsc_slot_get_resets(PcscSlot *self);

G_END_DECLS
