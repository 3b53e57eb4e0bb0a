// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Inside backend-remote's slot, shared by its two files: remote-slot.c (the
 * server and bank links, the life cycle) and remote-card.c (the card the
 * bank link presents: its ATR, transactions, resets and power).
 */
#pragma once

#include "event-script.h"
#include "remote-slot.h"
#include "rspro-retry-log.h"

G_BEGIN_DECLS

struct _RemoteSlot {
	CrBackendSlot parent_instance;
	RemoteConfig cfg;
	gboolean started;

	RsproConn *server;
	RsproConn *bank;
	/* repeated identical failures: logged once, then a summary every few
	 * minutes (rspro-retry-log.h); describe() shows the last error */
	RsproRetryLog server_retry;
	RsproRetryLog bank_retry;

	gboolean has_client_slot;
	RsproClientSlot client_slot;
	gboolean mapped;
	RsproBankSlot bank_slot;
	gchar *bank_host;
	guint16 bank_port;
	gchar *bank_down_reason; /* why we stopped/moved the bank link ourselves */

	GBytes *card_atr;  /* while PRESENT */
	CrTimer atr_timer; /* waiting for setAtrReq, on the reactor */
	gboolean vcc_on;
	gboolean rst_on, clk_on;

	EventScript *script;  /* event-script, or NULL */
	gboolean server_seen; /* event-server-connect is for the first time only */

	gboolean peer_caps; /* the bank is a cardroute peer (rspro-caps.h) */

	CrTransaction *in_flight;
	CrTransaction *queued; /* waits for stale answers */
	guint stale;
	guint64 tpdus;
};

static inline const gchar *
remote_slot_name(RemoteSlot *self)
{
	return cr_backend_slot_get_name(CR_BACKEND_SLOT(self));
}

/* remote-slot.c: the links */
/* "bank 1 slot 0 (h:p)" */
gchar *remote_slot_bank_who(RemoteSlot *self);
/* Sends @msg on @conn; a failure is logged only (the link's state says more). */
gboolean remote_slot_send_or_log(RemoteSlot *self, RsproConn *conn, const RsproMsg *msg);
/* Runs the event script (if any) for @cause with upstream's REMSIM_*. */
void remote_slot_script_event(RemoteSlot *self, const gchar *cause);

/* remote-card.c: the card */
/* The vfuncs transmit, cancel, reset, power_off; the ATR wait timer. */
void remote_card_class_init(CrBackendSlotClass *klass);
void remote_card_init(RemoteSlot *self);
/* The bank's setAtrReq (or the local ATR): the card is PRESENT. */
void remote_card_present(RemoteSlot *self, GBytes *atr);
/* The bank link is down: no card, the transaction in flight fails. */
void remote_card_gone(RemoteSlot *self, const gchar *message);
/* Fails the transaction in flight and the queued one with @code. */
void remote_card_fail_transactions(RemoteSlot *self, gint code, const gchar *message);
/* The bank's tpduCardToModem. */
void remote_card_answer(RemoteSlot *self, const RsproTpduCardToModem *tpdu);

G_END_DECLS
