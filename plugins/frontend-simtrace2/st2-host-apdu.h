// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host's T=0 APDU state machine of one cardem slot (the sheet §7): turns
 * the firmware's RX_DATA messages into commands for the card and the card's
 * answers into TX_DATA messages (procedure bytes, data phases, SW). Pure: no
 * I/O, no GObject; the caller gives two callbacks.
 */
#pragma once

#include <glib.h>

#include <cardroute/cardroute.h>

#include "st2/st2-proto.h"

G_BEGIN_DECLS

typedef struct {
	/* one OUT transfer (one or more whole messages, at most ST2_MSG_MAX bytes) */
	void (*send)(gpointer ctx, const guint8 *buf, gsize len);
	/* a command for the card: case 1: CLA INS P1 P2; case 2: header + Le;
	 * cases 3/4: header + Lc + data (the T=0 C-TPDU; 5 bytes when P3 = 0);
	 * the answer comes via st2_apdu_card_answer() */
	void (*submit)(gpointer ctx, const guint8 *cmd, gsize len);
	/* a line for the log (debug traffic and anomalies); may be NULL */
	void (*log)(gpointer ctx, gboolean anomaly, const gchar *line);
} St2ApduOps;

typedef enum {
	ST2_APDU_IDLE,      /* waiting for a TPDU header */
	ST2_APDU_WAIT_DATA, /* PB_AND_RX sent: the phone sends the command data */
	ST2_APDU_WAIT_CARD, /* the command is with the card */
} St2ApduState;

typedef struct {
	guint64 tpdus;
	guint64 unknown_ins;        /* answered 6D00 */
	guint64 local_get_response; /* answered from held case 4 data */
	guint64 ignored;            /* RX_DATA that fits no state */
	guint64 short_answers;      /* fewer data bytes than Le: sent with ~INS */
} St2ApduCounters;

typedef struct {
	const St2ApduOps *ops;
	gpointer ctx;
	St2ApduState state;
	guint8 hdr[5];
	CrApduCase apdu_case;
	guint8 cmd[5 + 256];
	gsize lc; /* command data expected */
	gsize lc_have;
	/* the previous TPDU, for the 6Cxx rule (§7) */
	gboolean prev_valid;
	guint8 prev_hdr[5];
	CrApduCase prev_case;
	guint8 prev_sw1;
	/* response data of a case 4 command that the card gave at once, held for
	 * the phone's GET RESPONSE (pitfall 11) */
	guint8 held[256];
	gsize held_len;
	gboolean held_valid;
	St2ApduCounters counters;
} St2Apdu;

void st2_apdu_init(St2Apdu *self, const St2ApduOps *ops, gpointer ctx);
/* The phone reset or powered off the card: drop every state (an answer still
 * to come for a dropped command is ignored). */
void st2_apdu_reset(St2Apdu *self);
/* One RX_DATA message from the firmware. */
void st2_apdu_rx_data(St2Apdu *self, const struct st2_data *data);
/* The card's answer to the submitted command (data ‖ SW1 SW2), or NULL/short
 * when there is none: then @fail_sw is what the phone gets. Ignored unless a
 * command is with the card. */
void st2_apdu_card_answer(St2Apdu *self, const guint8 *resp, gsize len, guint16 fail_sw);
St2ApduState st2_apdu_get_state(const St2Apdu *self);

G_END_DECLS
