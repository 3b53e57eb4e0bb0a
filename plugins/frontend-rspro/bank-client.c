// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One client data connection (rspro.md C.3): connectClientReq ->
 * connectClientRes (tag 2342) + setAtrReq, one tpduCardToModem for every
 * tpduModemToCard, clientSlotStatusInd -> edge-triggered resets. Anything
 * that breaks the protocol closes this connection only, with a log line
 * saying why.
 */
#include <stdarg.h>

#include "bank-private.h"

static const gchar *const state_names[] = {"WAIT_ID", "WAIT_MAP", "WAIT_CARD", "READY",
                                           "CLOSED"};

const gchar *
bank_client_state_name(BankClientState state)
{
	return state <= BANK_CLIENT_CLOSED ? state_names[state] : "?";
}

gboolean
bank_client_send(BankClient *self, const RsproMsg *msg)
{
	g_autoptr(GError) error = NULL;

	if (self->state == BANK_CLIENT_CLOSED)
		return FALSE;
	if (self->link == NULL) {
		if (!rspro_msg_encode_ipa(msg, self->sink, &error)) {
			g_critical("client %s: cannot encode %s: %s", self->peer,
			           rspro_msg_type_name(msg->type), error->message);
			return FALSE;
		}
		return TRUE;
	}
	if (!rspro_link_send(self->link, msg, &error)) {
		/* the down callback has closed us already when the link ended */
		bank_client_close(self, "cannot send %s: %s", rspro_msg_type_name(msg->type),
		                  error->message);
		return FALSE;
	}
	return TRUE;
}

static void
send_connect_res(BankClient *self, RsproResult result)
{
	RsproMsg res;

	rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
	bank_instance_fill_identity(self->bank, &res.u.connect_client_res.identity, FALSE);
	bank_caps_answer(self, &res.u.connect_client_res.identity);
	res.u.connect_client_res.result = result;
	bank_client_send(self, &res);
	rspro_msg_clear(&res);
}

static void
send_set_atr(BankClient *self, GBytes *atr)
{
	RsproMsg req;

	rspro_msg_init(&req, RSPRO_MSG_SET_ATR_REQ);
	req.u.set_atr_req.slot = self->client_slot;
	req.u.set_atr_req.atr = g_bytes_ref(atr);
	if (bank_client_send(self, &req)) {
		g_clear_pointer(&self->atr_sent, g_bytes_unref);
		self->atr_sent = g_bytes_ref(atr);
		self->state = BANK_CLIENT_READY;
	}
	rspro_msg_clear(&req);
}

/* hold-not-present-ms: the upstream client closes and reconnects on
 * cardNotPresent (1.0.0 at once, in a tight loop); while the answer is held
 * back it waits in its ESTABLISHED state (its own limit is 10 s), and when
 * the mapping or the card comes in time it gets ok and setAtrReq at once. */
static gboolean
hold_expired(gpointer data)
{
	BankClient *self = data;

	self->hold_timer = 0;
	self->answer_pending = FALSE;
	send_connect_res(self, RSPRO_RESULT_CARD_NOT_PRESENT);
	return G_SOURCE_REMOVE;
}

static void
answer_not_present(BankClient *self)
{
	if (self->bank->hold_ms == 0 || self->sink != NULL) {
		send_connect_res(self, RSPRO_RESULT_CARD_NOT_PRESENT);
		return;
	}
	self->answer_pending = TRUE;
	self->hold_timer = g_timeout_add(self->bank->hold_ms, hold_expired, self);
}

/* the held-back connectClientRes, now that the card is there */
static void
answer_ok_if_pending(BankClient *self)
{
	if (!self->answer_pending)
		return;
	g_clear_handle_id(&self->hold_timer, g_source_remove);
	self->answer_pending = FALSE;
	send_connect_res(self, RSPRO_RESULT_OK);
}

static gboolean
atr_usable(GBytes *atr)
{
	return atr != NULL && g_bytes_get_size(atr) >= 1 &&
	       g_bytes_get_size(atr) <= RSPRO_ATR_MAX_LEN;
}

void
bank_client_send_response(BankClient *self, const guint8 *data, gsize len)
{
	RsproMsg res;

	rspro_msg_init(&res, RSPRO_MSG_TPDU_CARD_TO_MODEM);
	res.u.tpdu_card_to_modem.from_bank_slot.bank_id = self->bank->bank_id;
	res.u.tpdu_card_to_modem.from_bank_slot.slot_nr =
	        self->slot != NULL ? (guint16)bank_slot_get_index(self->slot) : 0;
	res.u.tpdu_card_to_modem.to_client_slot = self->client_slot;
	/* encoded before this returns and kept by nobody: no copy of the answer */
	res.u.tpdu_card_to_modem.data = g_bytes_new_static(data, len);
	bank_client_send(self, &res);
	rspro_msg_clear(&res);
}

void
bank_client_card_changed(BankClient *self, GBytes *atr)
{
	const gchar *slot_name = cr_frontend_slot_get_name(CR_FRONTEND_SLOT(self->slot));

	if (self->state != BANK_CLIENT_WAIT_CARD && self->state != BANK_CLIENT_READY)
		return; /* still claiming: the caller looks at the ATR itself */
	if (atr == NULL) {
		if (self->atr_sent != NULL)
			g_message("%s: the card of client %u:%u went away; commands get an "
			          "error status until it is back",
			          slot_name, self->client_slot.client_id, self->client_slot.slot_nr);
		g_clear_pointer(&self->atr_sent, g_bytes_unref);
		return;
	}
	if (!atr_usable(atr)) {
		g_message("%s: ATR of %zu bytes cannot go in setAtrReq (1..%u)", slot_name,
		          g_bytes_get_size(atr), RSPRO_ATR_MAX_LEN);
		return;
	}
	/* upstream sends no setAtrReq after a reset: only a new or changed card
	 * is announced */
	if (self->atr_sent != NULL && g_bytes_equal(self->atr_sent, atr))
		return;
	g_message("%s: card for client %u:%u, sending setAtrReq", slot_name,
	          self->client_slot.client_id, self->client_slot.slot_nr);
	answer_ok_if_pending(self);
	if (self->state != BANK_CLIENT_CLOSED)
		send_set_atr(self, atr);
}

void
bank_client_attach(BankClient *self, guint bank_slot, gboolean answer_connect)
{
	BankSlot *slot = self->bank->slots[bank_slot];
	GBytes *atr;

	self->state = BANK_CLIENT_WAIT_ID; /* ignore card changes while claiming */
	bank_slot_claim(slot, self);
	if (self->state == BANK_CLIENT_CLOSED)
		return;
	atr = cr_frontend_slot_get_atr(CR_FRONTEND_SLOT(slot));
	g_message("%s: client %u:%u from %s holds bank slot %u:%u%s",
	          cr_frontend_slot_get_name(CR_FRONTEND_SLOT(slot)), self->client_slot.client_id,
	          self->client_slot.slot_nr, self->peer, self->bank->bank_id, bank_slot,
	          atr_usable(atr) ? "" : " (no card yet)");
	if (!atr_usable(atr)) {
		self->state = BANK_CLIENT_WAIT_CARD;
		bank_admit_update(self);
		if (answer_connect)
			answer_not_present(self);
		return;
	}
	if (answer_connect)
		send_connect_res(self, RSPRO_RESULT_OK);
	else
		answer_ok_if_pending(self);
	if (self->state != BANK_CLIENT_CLOSED)
		send_set_atr(self, atr);
	bank_admit_update(self);
}

static void
handle_connect(BankClient *self, const RsproConnectClientReq *req)
{
	gint bank_slot;

	if (self->state != BANK_CLIENT_WAIT_ID) {
		send_connect_res(self, RSPRO_RESULT_ILLEGAL_CLIENT_ID);
		bank_client_close(self, "second connectClientReq on one connection");
		return;
	}
	if (!req->has_client_slot) {
		send_connect_res(self, RSPRO_RESULT_ILLEGAL_CLIENT_ID);
		bank_client_close(self, "connectClientReq without a client slot");
		return;
	}
	if (self->link != NULL && !bank_tls_check_client(self->bank, self->link, self->peer,
	                                                 req->client_slot.client_id)) {
		send_connect_res(self, RSPRO_RESULT_ILLEGAL_CLIENT_ID);
		bank_client_close(self, "client id not named by its certificate");
		return;
	}
	cr_timer_cancel(&self->id_timer);
	self->client_slot = req->client_slot;
	bank_caps_hello(self, &req->identity);
	bank_log_client(self->bank, self->peer, &req->client_slot, "hello",
	                "client %s is %u:%u (%s, %s %s)", self->peer, req->client_slot.client_id,
	                req->client_slot.slot_nr,
	                req->identity.name != NULL ? req->identity.name : "?",
	                req->identity.software != NULL ? req->identity.software : "?",
	                req->identity.sw_version != NULL ? req->identity.sw_version : "?");
	/* a client that reconnects replaces its old connection at once, as
	 * `takeover` allows (bank-admit.c) */
	self->state = BANK_CLIENT_WAIT_MAP;
	if (!bank_admit_takeover(self)) {
		send_connect_res(self, RSPRO_RESULT_IDENTITY_IN_USE);
		bank_client_close(self, "takeover refused");
		return;
	}
	bank_slot = bank_maps_find_client(self->bank->maps, self->client_slot);
	if (bank_slot < 0) {
		bank_log_client(self->bank, self->peer, &self->client_slot, "no-mapping",
		                "client %u:%u: no mapping yet, answering cardNotPresent",
		                self->client_slot.client_id, self->client_slot.slot_nr);
		bank_admit_update(self);
		if (self->state != BANK_CLIENT_CLOSED)
			answer_not_present(self);
		return;
	}
	bank_client_attach(self, (guint)bank_slot, TRUE);
}

static gboolean
same_client(RsproClientSlot a, RsproClientSlot b)
{
	return a.client_id == b.client_id && a.slot_nr == b.slot_nr;
}

static void
handle_tpdu(BankClient *self, const RsproTpduModemToCard *tpdu)
{
	gsize len = g_bytes_get_size(tpdu->data);

	if (self->state == BANK_CLIENT_WAIT_ID) {
		bank_client_close(self, "tpduModemToCard before connectClientReq");
		return;
	}
	if (!same_client(tpdu->from_client_slot, self->client_slot)) {
		bank_client_close(self, "tpduModemToCard from client %u:%u on the connection of %u:%u",
		                  tpdu->from_client_slot.client_id, tpdu->from_client_slot.slot_nr,
		                  self->client_slot.client_id, self->client_slot.slot_nr);
		return;
	}
	if (self->slot == NULL || self->state != BANK_CLIENT_READY) {
		guint8 sw[2] = {0x6F, 0x00};
		bank_log_client(self->bank, self->peer, &self->client_slot, "no-card",
		                "client %u:%u (%s): command while it has no card (%s): "
		                "answering 6F00",
		                self->client_slot.client_id, self->client_slot.slot_nr, self->peer,
		                bank_client_state_name(self->state));
		self->bank->error_answers++;
		bank_client_send_response(self, sw, 2);
		return;
	}
	if (tpdu->to_bank_slot.bank_id != self->bank->bank_id ||
	    tpdu->to_bank_slot.slot_nr != bank_slot_get_index(self->slot)) {
		bank_client_close(self, "tpduModemToCard to bank slot %u:%u, the client holds %u:%u",
		                  tpdu->to_bank_slot.bank_id, tpdu->to_bank_slot.slot_nr,
		                  self->bank->bank_id, bank_slot_get_index(self->slot));
		return;
	}
	if (len == 0) {
		bank_client_close(self, "empty tpduModemToCard");
		return;
	}
	if (g_queue_get_length(&self->queued) >= BANK_CLIENT_MAX_QUEUED) {
		bank_client_close(self, "more than %u commands waiting for an answer",
		                  BANK_CLIENT_MAX_QUEUED);
		return;
	}
	g_queue_push_tail(&self->queued, g_bytes_ref(tpdu->data));
	bank_slot_pump(self->slot);
}

/* Edge-triggered resets as upstream's bankd (rspro.md C.3): VCC going off is
 * a cold reset, RST going active a warm one. */
static void
handle_status(BankClient *self, const RsproClientSlotStatusInd *ind)
{
	const RsproSlotPhysStatus *st = &ind->status;
	CrFrontendSlot *fs = self->slot != NULL ? CR_FRONTEND_SLOT(self->slot) : NULL;

	if (st->has_vcc_present && !st->vcc_present && self->last_vcc) {
		if (fs != NULL)
			cr_frontend_slot_reset(fs, CR_RESET_COLD);
	} else if (st->reset_active && !self->last_rst) {
		if (fs != NULL)
			cr_frontend_slot_reset(fs, CR_RESET_WARM);
	}
	if (st->has_vcc_present)
		self->last_vcc = st->vcc_present;
	self->last_rst = st->reset_active;
	/* commands queued behind the reset go to the card after it */
	if (self->slot != NULL)
		bank_slot_pump(self->slot);
}

void
bank_client_handle(BankClient *self, const RsproMsg *msg)
{
	if (self->state == BANK_CLIENT_CLOSED)
		return;
	switch (msg->type) {
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		handle_connect(self, &msg->u.connect_client_req);
		break;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		handle_tpdu(self, &msg->u.tpdu_modem_to_card);
		break;
	case RSPRO_MSG_CLIENT_SLOT_STATUS_IND:
		handle_status(self, &msg->u.client_slot_status_ind);
		break;
	case RSPRO_MSG_SET_ATR_RES:
		if (msg->u.set_atr_res.result != RSPRO_RESULT_OK)
			bank_log_client(self->bank, self->peer, &self->client_slot, "setAtrRes",
			                "client %s: setAtrRes %s", self->peer,
			                rspro_result_name(msg->u.set_atr_res.result));
		break;
	default:
		bank_client_close(self, "unexpected %s", rspro_msg_type_name(msg->type));
		break;
	}
}

static void
on_link_msg(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	bank_client_handle(user_data, msg);
}

static void
on_link_down(RsproLink *link, const GError *error, gpointer user_data)
{
	BankClient *self = user_data;

	if (g_error_matches(error, RSPRO_ERROR, RSPRO_ERROR_CLOSED))
		bank_client_close(self, "connection closed by the client");
	else
		bank_client_close(self, "%s", error->message);
}

void
bank_client_close(BankClient *self, const gchar *format, ...)
{
	g_autofree gchar *why = NULL;
	va_list ap;

	if (self->state == BANK_CLIENT_CLOSED)
		return;
	va_start(ap, format);
	why = g_strdup_vprintf(format, ap);
	va_end(ap);
	if (self->state == BANK_CLIENT_WAIT_ID)
		bank_log_client(self->bank, self->peer, NULL, why, "client %s: closing: %s",
		                self->peer, why);
	else
		bank_log_client(self->bank, self->peer, &self->client_slot, why,
		                "client %u:%u (%s): closing: %s", self->client_slot.client_id,
		                self->client_slot.slot_nr, self->peer, why);
	self->state = BANK_CLIENT_CLOSED;
	bank_admit_remove(self);
	cr_timer_cancel(&self->id_timer);
	g_clear_handle_id(&self->hold_timer, g_source_remove);
	g_queue_clear_full(&self->queued, (GDestroyNotify)g_bytes_unref);
	if (self->slot != NULL)
		bank_slot_release(self->slot);
	if (self->link != NULL)
		rspro_link_close(self->link);
	/* freed outside the link's callbacks */
	if (self->link != NULL && g_hash_table_steal(self->bank->clients, self))
		rspro_reaper_add(&self->bank->closed, self);
}

static void
id_timeout(CrTimer *timer, gpointer data)
{
	BankClient *self = data;

	bank_client_close(self, "no connectClientReq within %u ms",
	                  self->bank->identify_timeout_ms);
}

static BankClient *
client_new(BankInstance *bank, gchar *peer)
{
	BankClient *self = g_new0(BankClient, 1);

	self->bank = bank;
	self->peer = peer;
	self->serial = ++bank->next_client_serial;
	self->state = BANK_CLIENT_WAIT_ID;
	self->last_vcc = TRUE;
	g_queue_init(&self->queued);
	cr_timer_init(&self->id_timer, NULL, id_timeout, self);
	return self;
}

BankClient *
bank_client_new(BankInstance *bank, GIOStream *connection)
{
	gchar *peer = rspro_stream_peer_string(connection);
	BankClient *self;

	self = client_new(bank, peer);
	self->link = rspro_link_new(connection, RSPRO_LINK_ROLE_BANK, peer);
	rspro_link_set_callbacks(self->link, on_link_msg, on_link_down, self);
	cr_timer_arm(&self->id_timer, bank->identify_timeout_ms);
	bank_admit_update(self);
	rspro_link_start(self->link);
	return self;
}

BankClient *
bank_client_new_detached(BankInstance *bank, GByteArray *sink)
{
	BankClient *self = client_new(bank, g_strdup("detached"));

	self->sink = sink;
	return self;
}

void
bank_client_free(BankClient *self)
{
	if (self == NULL)
		return;
	bank_admit_remove(self);
	cr_timer_cancel(&self->id_timer);
	g_clear_handle_id(&self->hold_timer, g_source_remove);
	if (self->state != BANK_CLIENT_CLOSED) {
		g_queue_clear_full(&self->queued, (GDestroyNotify)g_bytes_unref);
		if (self->slot != NULL)
			bank_slot_release(self->slot);
	}
	if (self->link != NULL)
		rspro_link_unref(self->link);
	g_clear_pointer(&self->atr_sent, g_bytes_unref);
	g_free(self->peer);
	g_free(self);
}
