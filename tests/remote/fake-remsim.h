// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A scripted osmo-remsim for tests and the benchmark, built on RsproPeer:
 * a server (connectClientRes, configClientBankReq pointing at the fake bank)
 * and a bankd (connectClientRes, setAtrReq, one tpduCardToModem per
 * tpduModemToCard from an answer function). Everything the client sends is
 * recorded as one-line descriptions.
 */
#pragma once

#include <stdio.h>

#include "rspro-peer.h"

G_BEGIN_DECLS

/* fills @resp (data + SW) for @tpdu; FALSE = do not answer (held until
 * fake_bank_release()) */
typedef gboolean (*FakeAnswerFunc)(const guint8 *tpdu, gsize len, GByteArray *resp,
                                   gpointer user_data);

typedef struct {
	RsproPeer *server;
	RsproPeer *bank;
	guint16 server_port;
	guint16 bank_port;

	/* script */
	gboolean map;            /* the server maps the client at once */
	RsproBankSlot bank_slot; /* B1:0 by default */
	GQueue server_results;   /* RsproResult per connectClientReq; empty = ok */
	GQueue bank_results;     /* the same for the bank */
	GBytes *atr;             /* sent in setAtrReq */
	gboolean send_atr;       /* default TRUE */
	FakeAnswerFunc answer;   /* default: echo data + 90 00 */
	gpointer answer_data;
	gboolean hold; /* hold every TPDU until fake_bank_release() */
	/* a cardroute bank: this capability announcement (rspro-caps.h) in the
	 * connectClientRes identity; NULL: an upstream bankd */
	const gchar *bank_caps;

	/* records */
	GPtrArray *server_rx; /* gchar*: rspro_msg_describe() of each PDU */
	GPtrArray *bank_rx;
	GPtrArray *tpdus;  /* GBytes: tpduModemToCard data */
	gchar *client_hw_version; /* of the last connectClientReq at the bank */
	GPtrArray *status; /* gchar*: "RST VCC CLK CARD" as 0/1, e.g. "1001" */
	GQueue held;       /* GBytes: TPDUs not yet answered */
	RsproLink *held_link;
	RsproClientSlot last_client_slot;
	gboolean last_had_client_slot;
	guint server_connects; /* connectClientReq at the server */
	guint bank_connects;
	guint bank_links_down;
	FILE *wire; /* $CARDROUTE_TEST_FRAMES: "LINK c2p|p2c HEX" per IPA frame */
} FakeRemsim;

/* listens on two kernel-chosen ports */
FakeRemsim *fake_remsim_new(void);
void fake_remsim_free(FakeRemsim *self);

/* stops / restarts one side on the same port (a daemon restart) */
void fake_server_stop(FakeRemsim *self);
void fake_server_restart(FakeRemsim *self);
void fake_bank_stop(FakeRemsim *self);
void fake_bank_restart(FakeRemsim *self);

/* configClientBankReq to every connected client: the fake bank, or 0.0.0.0:0 */
void fake_server_map(FakeRemsim *self);
void fake_server_unmap(FakeRemsim *self);
/* answers the oldest held TPDU */
void fake_bank_release(FakeRemsim *self);
/* sends raw bytes (one IPA frame or garbage) on the newest bank link */
void fake_bank_send_raw(FakeRemsim *self, const guint8 *data, gsize len);
void fake_server_send_raw(FakeRemsim *self, const guint8 *data, gsize len);

G_END_DECLS
