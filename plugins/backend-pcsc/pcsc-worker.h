// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blocking half of a PC/SC backend slot: two threads per reader, each
 * with its own PC/SC context. The monitor thread finds the reader (regex,
 * hotplug, pcscd restarts) and watches its card with SCardGetStatusChange;
 * the I/O thread connects, transmits, resets and powers off, one request at
 * a time in order. Both report through events delivered on the main context
 * the worker was made on; nothing is delivered after pcsc_worker_stop().
 */
#pragma once

#include <cardroute/cardroute.h>
#include <winscard.h>

G_BEGIN_DECLS

typedef enum {
	PCSC_EVENT_DOWN,        /* no pcscd or no matching reader: error says why */
	PCSC_EVENT_READER,      /* the reader was found: reader */
	PCSC_EVENT_CARD,        /* card state: present, data = ATR */
	PCSC_EVENT_TRANSMITTED, /* tx_id: data = response, or error */
	PCSC_EVENT_RESET_DONE,  /* data = ATR after the reset, or error */
	PCSC_EVENT_POWERED_OFF, /* error when it failed */
} PcscEventType;

typedef struct {
	PcscEventType type;
	const gchar *reader;
	gboolean present;
	GBytes *data;
	const GError *error;
	guint64 tx_id;
} PcscEvent;

typedef void (*PcscEventFunc)(const PcscEvent *event, gpointer user_data);

typedef struct _PcscWorker PcscWorker;

/* @pattern must compile (checked by the caller). */
PcscWorker *pcsc_worker_new(const gchar *name, const gchar *pattern, DWORD share_mode,
                            DWORD protocols, PcscEventFunc func, gpointer user_data);
void pcsc_worker_start(PcscWorker *self);
void pcsc_worker_transmit(PcscWorker *self, guint64 tx_id, const guint8 *command, gsize len);
void pcsc_worker_reset(PcscWorker *self, CrResetKind kind);
void pcsc_worker_power_off(PcscWorker *self);
/* The card went away: drop the handle (without touching the reader). */
void pcsc_worker_card_gone(PcscWorker *self);
/* Wakes both threads, joins them; no event is delivered afterwards. */
void pcsc_worker_stop(PcscWorker *self);
void pcsc_worker_free(PcscWorker *self);

G_END_DECLS
