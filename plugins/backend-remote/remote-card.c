// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend-remote's card: what the bank link presents (rspro.md C.3, D.2).
 * setAtrReq makes the card PRESENT (or, after atr-wait-ms or with
 * atr-ignore, the local ATR does); one tpduModemToCard/tpduCardToModem pair
 * per transaction; resets and power-off go to the bank as
 * clientSlotStatusInd.
 *
 * A transaction cancelled by the core while its TPDU is at the bank leaves
 * one answer to come: it is discarded (stale count) and the next command
 * waits for it, so answers never go to the wrong transaction.
 */
#define G_LOG_DOMAIN "remote"

#include "remote-slot-private.h"

#include "remote-tpdu.h"

void
remote_card_fail_transactions(RemoteSlot *self, gint code, const gchar *message)
{
	CrTransaction *tx = g_steal_pointer(&self->in_flight);
	CrTransaction *queued = g_steal_pointer(&self->queued);

	self->stale = 0;
	if (tx != NULL)
		cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, code, message));
	if (queued != NULL)
		cr_transaction_fail(queued, g_error_new_literal(CR_ERROR, code, message));
}

void
remote_card_present(RemoteSlot *self, GBytes *atr)
{
	cr_timer_cancel(&self->atr_timer);
	g_clear_pointer(&self->card_atr, g_bytes_unref);
	self->card_atr = g_bytes_ref(atr);
	self->vcc_on = TRUE;
	cr_backend_slot_set_card(CR_BACKEND_SLOT(self), g_bytes_get_data(atr, NULL),
	                         g_bytes_get_size(atr));
}

void
remote_card_gone(RemoteSlot *self, const gchar *message)
{
	g_autoptr(GError) reason = g_error_new_literal(CR_ERROR, CR_ERROR_BACKEND_GONE, message);

	cr_timer_cancel(&self->atr_timer);
	g_clear_pointer(&self->card_atr, g_bytes_unref);
	remote_card_fail_transactions(self, CR_ERROR_BACKEND_GONE, message);
	cr_backend_slot_set_state(CR_BACKEND_SLOT(self), CR_SLOT_STATE_DOWN, reason);
}

static void
atr_wait_cb(CrTimer *timer, gpointer data)
{
	RemoteSlot *self = data;
	g_autofree gchar *who = remote_slot_bank_who(self);

	g_message("%s: %s sent no setAtrReq within %u ms: using the local ATR",
	          remote_slot_name(self), who, self->cfg.atr_wait_ms);
	remote_card_present(self, self->cfg.atr);
}

static void
send_tpdu(RemoteSlot *self, CrTransaction *tx)
{
	g_autoptr(GError) error = NULL;
	guint8 tpdu[REMOTE_TPDU_MAX];
	gsize cmd_len, tpdu_len;
	const guint8 *cmd = cr_transaction_get_command(tx, &cmd_len);
	RsproMsg msg;
	gboolean ok;
	GBytes *data;

	if (self->peer_caps && remote_command_goes_whole(cmd, cmd_len, self->card_atr)) {
		/* a cardroute bank: the command as the terminal sent it */
		data = g_bytes_new(cmd, cmd_len);
	} else if (remote_tpdu_from_command(cmd, cmd_len, tpdu, &tpdu_len, &error)) {
		data = g_bytes_new(tpdu, tpdu_len);
	} else {
		cr_transaction_fail(tx, g_steal_pointer(&error));
		return;
	}
	rspro_msg_init(&msg, RSPRO_MSG_TPDU_MODEM_TO_CARD);
	msg.u.tpdu_modem_to_card.from_client_slot = self->client_slot;
	msg.u.tpdu_modem_to_card.to_bank_slot = self->bank_slot;
	msg.u.tpdu_modem_to_card.data = data;
	self->in_flight = tx;
	ok = rspro_conn_send(self->bank, &msg, &error);
	rspro_msg_clear(&msg);
	if (!ok && self->in_flight == tx) {
		self->in_flight = NULL;
		cr_transaction_fail(tx,
		                    g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE,
		                                "tpduModemToCard not sent: %s", error->message));
	}
	self->tpdus++;
}

static void
remote_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	RemoteSlot *self = REMOTE_SLOT(slot);

	if (self->card_atr == NULL || !rspro_conn_is_connected(self->bank)) {
		cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, CR_ERROR_NO_CARD,
		                                            "the bank link is not up"));
		return;
	}
	if (self->in_flight != NULL || self->queued != NULL) {
		cr_transaction_fail(tx, g_error_new_literal(CR_ERROR, CR_ERROR_BUSY,
		                                            "a TPDU is already at the bank"));
		return;
	}
	if (self->stale > 0) {
		self->queued = tx; /* sent when the cancelled command's answer is in */
		return;
	}
	send_tpdu(self, tx);
}

static void
remote_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
	RemoteSlot *self = REMOTE_SLOT(slot);

	if (self->in_flight == tx) {
		self->in_flight = NULL;
		self->stale++;
	} else if (self->queued == tx) {
		self->queued = NULL;
	}
}

void
remote_card_answer(RemoteSlot *self, const RsproTpduCardToModem *tpdu)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(tpdu->data, &len);
	CrTransaction *tx;

	if (self->stale > 0) {
		g_debug("%s: discarding the answer to a cancelled command", remote_slot_name(self));
		if (--self->stale == 0 && self->queued != NULL)
			send_tpdu(self, g_steal_pointer(&self->queued));
		return;
	}
	tx = g_steal_pointer(&self->in_flight);
	if (tx == NULL) {
		g_message("%s: ignoring tpduCardToModem (%" G_GSIZE_FORMAT
		          " bytes) with no command outstanding",
		          remote_slot_name(self), len);
		return;
	}
	if (len < 2) {
		cr_transaction_fail(tx, g_error_new(CR_ERROR, CR_ERROR_CARD,
		                                    "the bank answered %" G_GSIZE_FORMAT
		                                    " bytes (no status word)",
		                                    len));
		return;
	}
	cr_transaction_complete(tx, data, len);
}
static void
send_status(RemoteSlot *self, gboolean rst, gboolean vcc, gboolean clk)
{
	gboolean changed = rst != self->rst_on || vcc != self->vcc_on || clk != self->clk_on;

	RsproMsg msg;
	RsproSlotPhysStatus *st;

	rspro_msg_init(&msg, RSPRO_MSG_CLIENT_SLOT_STATUS_IND);
	msg.u.client_slot_status_ind.from_client_slot = self->client_slot;
	msg.u.client_slot_status_ind.to_bank_slot = self->bank_slot;
	st = &msg.u.client_slot_status_ind.status;
	st->reset_active = rst;
	st->has_vcc_present = TRUE;
	st->vcc_present = vcc;
	st->has_clk_active = TRUE;
	st->clk_active = clk;
	st->has_card_present = TRUE;
	st->card_present = TRUE;
	remote_slot_send_or_log(self, self->bank, &msg);
	rspro_msg_clear(&msg);
	self->vcc_on = vcc;
	self->rst_on = rst;
	self->clk_on = clk;
	/* upstream's documented intent (its code fires on *unchanged* status) */
	if (changed)
		remote_slot_script_event(self, "event-modem-status");
}

/* as upstream's ifd handler: cold = power off {RST VCC- CLK-} then on; warm =
 * {RST VCC CLK} then {VCC CLK}. The bankd resets on the VCC falling edge (cold)
 * or the RST rising edge (warm) and sends no new ATR. */
static void
remote_reset(CrBackendSlot *slot, CrResetKind kind)
{
	RemoteSlot *self = REMOTE_SLOT(slot);

	if (!rspro_conn_is_connected(self->bank))
		return;
	if (kind == CR_RESET_COLD) {
		if (self->vcc_on)
			send_status(self, TRUE, FALSE, FALSE);
	} else {
		send_status(self, TRUE, TRUE, TRUE);
	}
	send_status(self, FALSE, TRUE, TRUE);
	if (self->card_atr != NULL) {
		g_autoptr(GBytes) atr = g_bytes_ref(self->card_atr);

		remote_card_present(self, atr);
	}
}

static void
remote_power_off(CrBackendSlot *slot)
{
	RemoteSlot *self = REMOTE_SLOT(slot);

	if (rspro_conn_is_connected(self->bank))
		send_status(self, TRUE, FALSE, FALSE);
}

void
remote_card_class_init(CrBackendSlotClass *klass)
{
	klass->transmit = remote_transmit;
	klass->cancel = remote_cancel;
	klass->reset = remote_reset;
	klass->power_off = remote_power_off;
}

void
remote_card_init(RemoteSlot *self)
{
	cr_timer_init(&self->atr_timer, NULL, atr_wait_cb, self);
}
