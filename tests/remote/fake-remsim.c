// SPDX-License-Identifier: GPL-2.0-or-later
/* The scripted osmo-remsim (see fake-remsim.h). */
#include "fake-remsim.h"

#include <string.h>

static const guint8 default_atr[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31,
                                     0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20,
                                     0x4E, 0x83, 0x00, 0x90, 0x00, 0x93};

static gboolean
echo_answer(const guint8 *tpdu, gsize len, GByteArray *resp, gpointer user_data)
{
	static const guint8 ok[] = {0x90, 0x00};

	(void)user_data;
	if (len > 5)
		g_byte_array_append(resp, tpdu + 5, (guint)(len - 5));
	g_byte_array_append(resp, ok, 2);
	return TRUE;
}

static void
wire_hex(FakeRemsim *self, RsproLink *link, gboolean to_client, const guint8 *d, gsize len)
{
	if (self->wire == NULL)
		return;
	fprintf(self->wire, "%s %s ", rspro_link_get_name(link), to_client ? "p2c" : "c2p");
	for (gsize i = 0; i < len; i++)
		fprintf(self->wire, "%02X", d[i]);
	fputc('\n', self->wire);
	fflush(self->wire);
}

static void
wire_msg(FakeRemsim *self, RsproLink *link, gboolean to_client, const RsproMsg *msg)
{
	g_autoptr(GByteArray) frame = NULL;

	if (self->wire == NULL)
		return;
	frame = g_byte_array_new();
	g_assert_true(rspro_msg_encode_ipa(msg, frame, NULL));
	wire_hex(self, link, to_client, frame->data, frame->len);
}

/* the client sent it; DER both ways, so the re-encoding is the wire bytes */
static void
record(FakeRemsim *self, RsproLink *link, GPtrArray *list, const RsproMsg *msg)
{
	wire_msg(self, link, FALSE, msg);
	g_ptr_array_add(list, rspro_msg_describe(msg));
}

static void
send_msg(FakeRemsim *self, RsproLink *link, const RsproMsg *msg)
{
	wire_msg(self, link, TRUE, msg);
	rspro_peer_send(link, msg);
}

/* the client's first PING and our PONG (both really cross at link start) */
static void
wire_keepalive(FakeRemsim *self, RsproLink *link)
{
	static const guint8 ping[] = {0x00, 0x01, 0xFE, 0x00};
	static const guint8 pong[] = {0x00, 0x01, 0xFE, 0x01};

	wire_hex(self, link, FALSE, ping, sizeof(ping));
	wire_hex(self, link, TRUE, pong, sizeof(pong));
}

static RsproResult
next_result(GQueue *q)
{
	return g_queue_is_empty(q) ? RSPRO_RESULT_OK
	                           : (RsproResult)GPOINTER_TO_INT(g_queue_pop_head(q));
}

static void
send_bank_config(FakeRemsim *self, RsproLink *link, gboolean unmap)
{
	RsproMsg m;

	rspro_msg_init(&m, RSPRO_MSG_CONFIG_CLIENT_BANK_REQ);
	m.u.config_client_bank_req.bank_slot = self->bank_slot;
	if (!unmap) {
		static const guint8 lo[] = {127, 0, 0, 1};

		memcpy(m.u.config_client_bank_req.bankd.addr, lo, 4);
		m.u.config_client_bank_req.bankd.port = self->bank_port;
	}
	send_msg(self, link, &m);
	rspro_msg_clear(&m);
}

static void
server_msg(RsproPeer *peer, RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	FakeRemsim *self = user_data;
	RsproMsg res;
	RsproResult result;

	(void)peer;
	record(self, link, self->server_rx, msg);
	if (msg->type != RSPRO_MSG_CONNECT_CLIENT_REQ)
		return;
	self->server_connects++;
	self->last_had_client_slot = msg->u.connect_client_req.has_client_slot;
	self->last_client_slot = msg->u.connect_client_req.client_slot;
	result = next_result(&self->server_results);
	rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
	rspro_peer_fill_identity(&res.u.connect_client_res.identity, RSPRO_COMPONENT_SERVER);
	res.u.connect_client_res.result = result;
	send_msg(self, link, &res);
	rspro_msg_clear(&res);
	if (result == RSPRO_RESULT_OK && self->map)
		send_bank_config(self, link, FALSE);
}

static void
answer_tpdu(FakeRemsim *self, RsproLink *link, GBytes *tpdu)
{
	g_autoptr(GByteArray) resp = g_byte_array_new();
	gsize len;
	const guint8 *data = g_bytes_get_data(tpdu, &len);
	RsproMsg m;

	if (!self->answer(data, len, resp, self->answer_data))
		return;
	rspro_msg_init(&m, RSPRO_MSG_TPDU_CARD_TO_MODEM);
	m.u.tpdu_card_to_modem.from_bank_slot = self->bank_slot;
	m.u.tpdu_card_to_modem.to_client_slot = self->last_client_slot;
	m.u.tpdu_card_to_modem.data = g_bytes_new(resp->data, resp->len);
	send_msg(self, link, &m);
	rspro_msg_clear(&m);
}

static void
bank_msg(RsproPeer *peer, RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	FakeRemsim *self = user_data;
	RsproMsg res;
	RsproResult result;

	(void)peer;
	record(self, link, self->bank_rx, msg);
	switch (msg->type) {
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		self->bank_connects++;
		self->last_client_slot = msg->u.connect_client_req.client_slot;
		result = next_result(&self->bank_results);
		rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
		g_free(self->client_hw_version);
		self->client_hw_version = g_strdup(msg->u.connect_client_req.identity.hw_version);
		rspro_peer_fill_identity(&res.u.connect_client_res.identity, RSPRO_COMPONENT_BANKD);
		if (self->bank_caps != NULL) {
			res.u.connect_client_res.identity.hw_manufacturer = g_strdup("cardroute");
			res.u.connect_client_res.identity.hw_version = g_strdup(self->bank_caps);
		}
		res.u.connect_client_res.result = result;
		send_msg(self, link, &res);
		rspro_msg_clear(&res);
		if (result != RSPRO_RESULT_OK || !self->send_atr)
			break;
		rspro_msg_init(&res, RSPRO_MSG_SET_ATR_REQ);
		res.u.set_atr_req.slot = self->last_client_slot;
		res.u.set_atr_req.atr = g_bytes_ref(self->atr);
		send_msg(self, link, &res);
		rspro_msg_clear(&res);
		break;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		g_ptr_array_add(self->tpdus, g_bytes_ref(msg->u.tpdu_modem_to_card.data));
		if (self->hold) {
			g_queue_push_tail(&self->held, g_bytes_ref(msg->u.tpdu_modem_to_card.data));
			self->held_link = link;
			break;
		}
		answer_tpdu(self, link, msg->u.tpdu_modem_to_card.data);
		break;
	case RSPRO_MSG_CLIENT_SLOT_STATUS_IND: {
		const RsproSlotPhysStatus *st = &msg->u.client_slot_status_ind.status;

		g_ptr_array_add(
		        self->status,
		        g_strdup_printf("%d%d%d%d", st->reset_active ? 1 : 0,
		                        st->has_vcc_present ? (st->vcc_present ? 1 : 0) : 9,
		                        st->has_clk_active ? (st->clk_active ? 1 : 0) : 9,
		                        st->has_card_present ? (st->card_present ? 1 : 0) : 9));
		break;
	}
	default:
		break;
	}
}

static void
server_link(RsproPeer *peer, RsproLink *link, const GError *error, gpointer user_data)
{
	(void)peer;
	if (error == NULL)
		wire_keepalive(user_data, link);
}

static void
bank_link(RsproPeer *peer, RsproLink *link, const GError *error, gpointer user_data)
{
	FakeRemsim *self = user_data;

	(void)peer;
	if (error == NULL)
		wire_keepalive(self, link);
	if (error != NULL) {
		self->bank_links_down++;
		if (self->held_link == link)
			self->held_link = NULL;
	}
}

static void
start_server(FakeRemsim *self, guint16 port)
{
	g_autoptr(GError) error = NULL;

	self->server = rspro_peer_new(RSPRO_LINK_ROLE_SERVER, "fake-server", port, &error);
	g_assert_no_error(error);
	self->server_port = rspro_peer_get_port(self->server);
	rspro_peer_set_callbacks(self->server, server_msg, server_link, self);
}

static void
start_bank(FakeRemsim *self, guint16 port)
{
	g_autoptr(GError) error = NULL;

	self->bank = rspro_peer_new(RSPRO_LINK_ROLE_BANK, "fake-bank", port, &error);
	g_assert_no_error(error);
	self->bank_port = rspro_peer_get_port(self->bank);
	rspro_peer_set_callbacks(self->bank, bank_msg, bank_link, self);
}

FakeRemsim *
fake_remsim_new(void)
{
	FakeRemsim *self = g_new0(FakeRemsim, 1);

	self->map = TRUE;
	self->bank_slot.bank_id = 1;
	self->atr = g_bytes_new_static(default_atr, sizeof(default_atr));
	self->send_atr = TRUE;
	self->answer = echo_answer;
	if (g_getenv("CARDROUTE_TEST_FRAMES") != NULL)
		self->wire = fopen(g_getenv("CARDROUTE_TEST_FRAMES"), "a");
	g_queue_init(&self->server_results);
	g_queue_init(&self->bank_results);
	g_queue_init(&self->held);
	self->server_rx = g_ptr_array_new_with_free_func(g_free);
	self->bank_rx = g_ptr_array_new_with_free_func(g_free);
	self->status = g_ptr_array_new_with_free_func(g_free);
	self->tpdus = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	start_bank(self, 0);
	start_server(self, 0);
	return self;
}

void
fake_remsim_free(FakeRemsim *self)
{
	if (self == NULL)
		return;
	rspro_peer_free(self->server);
	rspro_peer_free(self->bank);
	g_queue_clear(&self->server_results);
	g_queue_clear(&self->bank_results);
	g_queue_clear_full(&self->held, (GDestroyNotify)g_bytes_unref);
	g_free(self->client_hw_version);
	g_ptr_array_unref(self->server_rx);
	g_ptr_array_unref(self->bank_rx);
	g_ptr_array_unref(self->status);
	g_ptr_array_unref(self->tpdus);
	g_bytes_unref(self->atr);
	if (self->wire != NULL)
		fclose(self->wire);
	g_free(self);
}

void
fake_server_stop(FakeRemsim *self)
{
	g_clear_pointer(&self->server, rspro_peer_free);
}

void
fake_server_restart(FakeRemsim *self)
{
	fake_server_stop(self);
	start_server(self, self->server_port);
}

void
fake_bank_stop(FakeRemsim *self)
{
	self->held_link = NULL;
	g_queue_clear_full(&self->held, (GDestroyNotify)g_bytes_unref);
	g_clear_pointer(&self->bank, rspro_peer_free);
}

void
fake_bank_restart(FakeRemsim *self)
{
	fake_bank_stop(self);
	start_bank(self, self->bank_port);
}

static void
server_config_all(FakeRemsim *self, gboolean unmap)
{
	RsproLink *link = rspro_peer_last_link(self->server);

	g_assert_nonnull(link);
	send_bank_config(self, link, unmap);
}

void
fake_server_map(FakeRemsim *self)
{
	server_config_all(self, FALSE);
}

void
fake_server_unmap(FakeRemsim *self)
{
	server_config_all(self, TRUE);
}

void
fake_bank_release(FakeRemsim *self)
{
	g_autoptr(GBytes) tpdu = g_queue_pop_head(&self->held);

	g_assert_nonnull(tpdu);
	if (self->held_link != NULL)
		answer_tpdu(self, self->held_link, tpdu);
}

static void
send_raw(RsproPeer *peer, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	RsproLink *link = rspro_peer_last_link(peer);

	g_assert_nonnull(link);
	g_assert_true(rspro_link_send_frame(link, data, len, &error));
}

void
fake_bank_send_raw(FakeRemsim *self, const guint8 *data, gsize len)
{
	send_raw(self->bank, data, len);
}

void
fake_server_send_raw(FakeRemsim *self, const guint8 *data, gsize len)
{
	send_raw(self->server, data, len);
}
