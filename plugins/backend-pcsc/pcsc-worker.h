// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The I/O thread of one PC/SC reader: its own PC/SC context; connects,
 * transmits, resets and powers off, one request at a time in order. It is
 * started when the reader appears and retired when the reader goes (the
 * thread ends after the call it is in). Requests wake it only when it waits
 * (one futex wake-up per APDU at most); results go through the instance's
 * PcscHandoff with the worker as the event's source.
 */
#pragma once

#include <cardroute/cardroute.h>
#include <winscard.h>

#include "pcsc-handoff.h"

G_BEGIN_DECLS

typedef struct _PcscWorker PcscWorker;

PcscWorker *pcsc_worker_new(const gchar *slot_name, const gchar *reader, DWORD share_mode,
                            DWORD protocols, PcscHandoff *handoff);
PcscWorker *pcsc_worker_ref(PcscWorker *self);
void pcsc_worker_unref(PcscWorker *self);
const gchar *pcsc_worker_get_reader(PcscWorker *self);

void pcsc_worker_transmit(PcscWorker *self, guint64 tx_id, const guint8 *command, gsize len);
void pcsc_worker_reset(PcscWorker *self, CrResetKind kind);
void pcsc_worker_power_off(PcscWorker *self);
/* The card went away: drop the handle (without touching the reader). */
void pcsc_worker_card_gone(PcscWorker *self);
/* The reader went away or the instance stops: the thread powers the card
 * off, ends after the call it is in and posts PCSC_EVENT_EXITED. */
void pcsc_worker_retire(PcscWorker *self);
/* Waits for the thread (after retire); safe to call twice. */
void pcsc_worker_join(PcscWorker *self);

G_END_DECLS
