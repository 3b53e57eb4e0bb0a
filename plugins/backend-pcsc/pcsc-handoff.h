// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Results from the PC/SC threads to the main context, with at most one
 * wake-up per batch: a thread appends an event to a queue and writes the
 * eventfd only when the queue was empty; the main context drains the whole
 * queue on that one wake-up. One persistent GSource per instance: nothing is
 * created or attached per APDU.
 */
#pragma once

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

typedef enum {
	PCSC_EVENT_SERVICE_DOWN, /* monitor: no pcscd (error says why) */
	PCSC_EVENT_READERS,      /* monitor: the matching readers now (readers) */
	PCSC_EVENT_CARD,         /* monitor: card state of reader: present, data = ATR */
	PCSC_EVENT_TRANSMITTED,  /* worker: tx_id: data = response, or error */
	PCSC_EVENT_RESET_DONE,   /* worker: data = ATR after the reset, or error */
	PCSC_EVENT_POWERED_OFF,  /* worker: error when it failed */
	PCSC_EVENT_CONNECTED,    /* worker: connected or reconnected: protocol, max_input */
	PCSC_EVENT_EXITED,       /* worker: its thread ended (join it) */
} PcscEventType;

typedef struct {
	PcscEventType type;
	gpointer source; /* the PcscWorker that posted it (referenced), or NULL */
	gchar *reader;
	gchar **readers;
	gboolean present;
	GBytes *data;
	GError *error;
	guint64 tx_id;
	guint32 protocol;  /* CONNECTED: dwActiveProtocol (SCARD_PROTOCOL_*) */
	guint32 max_input; /* CONNECTED: SCARD_ATTR_MAXINPUT, 0 when the driver has none */
} PcscEvent;

typedef struct _PcscHandoff PcscHandoff;

/* Called on the main context for each event; the event is freed after. */
typedef void (*PcscHandoffFunc)(PcscEvent *event, gpointer user_data);
/* Frees what an event's source pointer holds (the worker's unref). */
typedef void (*PcscSourceUnref)(gpointer source);

PcscHandoff *pcsc_handoff_new(PcscHandoffFunc func, gpointer user_data,
                              PcscSourceUnref source_unref, GError **error);
/* Any thread: queues @event (taken) for the main context. */
void pcsc_handoff_post(PcscHandoff *self, PcscEvent *event);
PcscEvent *pcsc_event_new(PcscEventType type);
/* Main context; after every posting thread has ended: drops what is queued. */
void pcsc_handoff_free(PcscHandoff *self);

G_END_DECLS
