// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include <glib/gstdio.h>

#include "bank-test.h"

static gboolean
wake(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

void
bank_test_spin(guint ms)
{
	gboolean done = FALSE;

	g_timeout_add(ms, wake, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

CrRouter *
bank_test_router(const gchar *ini)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("bank-test-XXXXXX", &error);
	g_autofree gchar *path = NULL;
	CrRouter *router;

	g_assert_no_error(error);
	path = g_build_filename(dir, "bank.ini", NULL);
	g_assert_true(g_file_set_contents(path, ini, -1, NULL));
	router = cr_router_new();
	cr_router_set_plugin_dir(router, BANK_TEST_PLUGIN_DIR);
	if (!cr_router_load_config(router, path, &error))
		g_error("%s", error->message);
	if (!cr_router_start(router, &error))
		g_error("%s", error->message);
	g_unlink(path);
	g_rmdir(dir);
	return router;
}

static GVariant *
describe(CrRouter *router, const gchar *name, const gchar *key)
{
	CrInstance *inst = cr_router_lookup_instance(router, name);
	g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);
	GVariant *v;

	g_assert_nonnull(inst);
	CR_INSTANCE_GET_CLASS(inst)->describe(inst, &dict);
	v = g_variant_dict_lookup_value(&dict, key, NULL);
	g_assert_nonnull(v);
	return v;
}

guint16
bank_test_port(CrRouter *router, const gchar *name)
{
	g_autoptr(GVariant) v = describe(router, name, "listen-port");
	return g_variant_get_uint16(v);
}

guint64
bank_test_describe_uint(CrRouter *router, const gchar *name, const gchar *key)
{
	g_autoptr(GVariant) v = describe(router, name, key);

	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
		return g_variant_get_uint32(v);
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT16))
		return g_variant_get_uint16(v);
	return g_variant_get_uint64(v);
}

GByteArray *
bank_test_hex(const gchar *hex)
{
	GByteArray *b = g_byte_array_new();
	gint hi = -1;

	for (const gchar *p = hex; *p != '\0'; p++) {
		gint v = g_ascii_xdigit_value(*p);
		if (v < 0) {
			g_assert_true(g_ascii_isspace(*p));
			continue;
		}
		if (hi < 0) {
			hi = v;
		} else {
			guint8 byte = (guint8)(hi << 4 | v);
			g_byte_array_append(b, &byte, 1);
			hi = -1;
		}
	}
	g_assert_cmpint(hi, ==, -1);
	return b;
}

gchar *
bank_test_to_hex(const guint8 *data, gsize len)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02X", data[i]);
	return g_string_free(s, FALSE);
}

/* a deep copy through the codec */
static RsproMsg *
copy_msg(const RsproMsg *msg)
{
	g_autoptr(GByteArray) der = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	RsproMsg *copy = g_new0(RsproMsg, 1);

	g_assert_true(rspro_msg_encode(msg, der, &error));
	g_assert_true(rspro_msg_decode(der->data, der->len, copy, &error));
	return copy;
}

void
test_msg_free(RsproMsg *msg)
{
	if (msg == NULL)
		return;
	rspro_msg_clear(msg);
	g_free(msg);
}

static void
client_on_msg(RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	TestClient *self = user_data;

	g_queue_push_tail(&self->msgs, copy_msg(msg));
}

static void
client_on_down(RsproLink *link, const GError *error, gpointer user_data)
{
	TestClient *self = user_data;

	self->down = TRUE;
	self->down_reason = g_strdup(error->message);
}

/* loopback only: no proxy resolver (libproxy and ASan do not mix) */
static GSocketClient *
no_proxy_client(void)
{
	GSocketClient *sc = g_socket_client_new();

	g_socket_client_set_enable_proxy(sc, FALSE);
	return sc;
}

TestClient *
test_client_new(guint16 port, guint16 client_id, guint16 slot_nr)
{
	g_autoptr(GSocketClient) sc = no_proxy_client();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
	        g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, &error);
	TestClient *self = g_new0(TestClient, 1);

	g_assert_no_error(error);
	g_queue_init(&self->msgs);
	self->slot.client_id = client_id;
	self->slot.slot_nr = slot_nr;
	self->bank.bank_id = 1;
	self->link = rspro_link_new(G_IO_STREAM(conn), RSPRO_LINK_ROLE_CLIENT, "test client");
	rspro_link_set_keepalive(self->link, 0, 0);
	rspro_link_set_callbacks(self->link, client_on_msg, client_on_down, self);
	rspro_link_start(self->link);
	return self;
}

void
test_client_free(TestClient *self)
{
	if (self == NULL)
		return;
	rspro_link_unref(self->link);
	g_queue_clear_full(&self->msgs, (GDestroyNotify)test_msg_free);
	g_free(self->down_reason);
	g_free(self);
}

void
test_client_send(TestClient *self, const RsproMsg *msg)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(rspro_link_send(self->link, msg, &error));
}

void
test_client_hello(TestClient *self)
{
	RsproMsg req;

	rspro_msg_init(&req, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_identity_set(&req.u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT, "test",
	                   "remsim-client", "1.1.3");
	req.u.connect_client_req.has_client_slot = TRUE;
	req.u.connect_client_req.client_slot = self->slot;
	test_client_send(self, &req);
	rspro_msg_clear(&req);
}

RsproMsg *
test_client_expect(TestClient *self, RsproMsgType type)
{
	RsproMsg *msg;

	WAIT_FOR(!g_queue_is_empty(&self->msgs) || self->down);
	if (g_queue_is_empty(&self->msgs))
		g_error("client %u:%u: link down (%s) while waiting for %s", self->slot.client_id,
		        self->slot.slot_nr, self->down_reason, rspro_msg_type_name(type));
	msg = g_queue_pop_head(&self->msgs);
	if (msg->type != type) {
		g_autofree gchar *got = rspro_msg_describe(msg);
		g_error("client %u:%u: got %s, want %s", self->slot.client_id, self->slot.slot_nr,
		        got, rspro_msg_type_name(type));
	}
	return msg;
}

GBytes *
test_client_attach(TestClient *self, guint16 bank_slot)
{
	RsproMsg *res, *atr;
	RsproMsg ok;
	GBytes *bytes;

	self->bank.slot_nr = bank_slot;
	test_client_hello(self);
	res = test_client_expect(self, RSPRO_MSG_CONNECT_CLIENT_RES);
	g_assert_cmpint(res->u.connect_client_res.result, ==, RSPRO_RESULT_OK);
	g_assert_cmpuint(res->tag, ==, RSPRO_TAG_CONNECT_CLIENT_RES);
	g_assert_cmpint(res->u.connect_client_res.identity.type, ==, RSPRO_COMPONENT_BANKD);
	test_msg_free(res);
	atr = test_client_expect(self, RSPRO_MSG_SET_ATR_REQ);
	g_assert_cmpuint(atr->u.set_atr_req.slot.client_id, ==, self->slot.client_id);
	g_assert_cmpuint(atr->u.set_atr_req.slot.slot_nr, ==, self->slot.slot_nr);
	bytes = g_bytes_ref(atr->u.set_atr_req.atr);
	test_msg_free(atr);
	rspro_msg_init(&ok, RSPRO_MSG_SET_ATR_RES);
	test_client_send(self, &ok);
	return bytes;
}

void
test_client_send_tpdu(TestClient *self, const gchar *hex)
{
	g_autoptr(GByteArray) cmd = bank_test_hex(hex);
	RsproMsg req;

	rspro_msg_init(&req, RSPRO_MSG_TPDU_MODEM_TO_CARD);
	req.u.tpdu_modem_to_card.from_client_slot = self->slot;
	req.u.tpdu_modem_to_card.to_bank_slot = self->bank;
	req.u.tpdu_modem_to_card.data = g_bytes_new(cmd->data, cmd->len);
	test_client_send(self, &req);
	rspro_msg_clear(&req);
}

gchar *
test_client_transact(TestClient *self, const gchar *hex)
{
	RsproMsg *res;
	gchar *out;
	gsize len;
	const guint8 *data;

	test_client_send_tpdu(self, hex);
	res = test_client_expect(self, RSPRO_MSG_TPDU_CARD_TO_MODEM);
	g_assert_cmpuint(res->u.tpdu_card_to_modem.from_bank_slot.bank_id, ==, self->bank.bank_id);
	g_assert_cmpuint(res->u.tpdu_card_to_modem.from_bank_slot.slot_nr, ==, self->bank.slot_nr);
	g_assert_cmpuint(res->u.tpdu_card_to_modem.to_client_slot.client_id, ==,
	                 self->slot.client_id);
	data = g_bytes_get_data(res->u.tpdu_card_to_modem.data, &len);
	out = bank_test_to_hex(data, len);
	test_msg_free(res);
	return out;
}

void
test_client_wait_down(TestClient *self)
{
	WAIT_FOR(self->down);
}

static void
server_on_msg(RsproPeer *peer, RsproLink *link, const RsproMsg *msg, gpointer user_data)
{
	TestServer *self = user_data;
	RsproMsg res;

	switch (msg->type) {
	case RSPRO_MSG_CONNECT_BANK_REQ:
		self->hellos++;
		self->bank_id = msg->u.connect_bank_req.bank_id;
		rspro_msg_init(&res, RSPRO_MSG_CONNECT_BANK_RES);
		rspro_peer_fill_identity(&res.u.connect_bank_res.identity, RSPRO_COMPONENT_SERVER);
		res.u.connect_bank_res.result = RSPRO_RESULT_OK;
		rspro_peer_send(link, &res);
		rspro_msg_clear(&res);
		for (guint i = 0; i < self->push_on_hello->len; i++) {
			RsproMsg req;
			rspro_msg_init(&req, RSPRO_MSG_CREATE_MAPPING_REQ);
			req.u.create_mapping_req = *(RsproMappingReq *)self->push_on_hello->pdata[i];
			rspro_peer_send(link, &req);
		}
		break;
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		self->client_hellos++;
		rspro_msg_init(&res, RSPRO_MSG_CONNECT_CLIENT_RES);
		rspro_peer_fill_identity(&res.u.connect_client_res.identity, RSPRO_COMPONENT_SERVER);
		res.u.connect_client_res.result = RSPRO_RESULT_OK;
		rspro_peer_send(link, &res);
		rspro_msg_clear(&res);
		if (self->bank_port != 0) {
			RsproMsg req;
			rspro_msg_init(&req, RSPRO_MSG_CONFIG_CLIENT_BANK_REQ);
			req.u.config_client_bank_req.bank_slot.bank_id = 1;
			req.u.config_client_bank_req.bank_slot.slot_nr = 0;
			req.u.config_client_bank_req.bankd.addr[0] = 127;
			req.u.config_client_bank_req.bankd.addr[3] = 1;
			req.u.config_client_bank_req.bankd.port = self->bank_port;
			rspro_peer_send(link, &req);
		}
		break;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_RES:
		break;
	case RSPRO_MSG_CREATE_MAPPING_RES:
		g_array_append_val(self->results, msg->u.create_mapping_res.result);
		break;
	case RSPRO_MSG_REMOVE_MAPPING_RES:
		g_array_append_val(self->results, msg->u.remove_mapping_res.result);
		break;
	case RSPRO_MSG_RESET_STATE_RES:
		g_array_append_val(self->results, msg->u.reset_state_res.result);
		break;
	default:
		g_error("server got unexpected %s", rspro_msg_type_name(msg->type));
	}
}

TestServer *
test_server_new(void)
{
	g_autoptr(GError) error = NULL;
	TestServer *self = g_new0(TestServer, 1);

	self->peer = rspro_peer_new(RSPRO_LINK_ROLE_SERVER, "test server", 0, &error);
	g_assert_no_error(error);
	rspro_peer_set_keepalive(self->peer, 0, 0);
	rspro_peer_set_callbacks(self->peer, server_on_msg, NULL, self);
	self->results = g_array_new(FALSE, FALSE, sizeof(RsproResult));
	self->push_on_hello = g_ptr_array_new_with_free_func(g_free);
	return self;
}

void
test_server_free(TestServer *self)
{
	rspro_peer_free(self->peer);
	g_array_unref(self->results);
	g_ptr_array_unref(self->push_on_hello);
	g_free(self);
}

guint16
test_server_port(TestServer *self)
{
	return rspro_peer_get_port(self->peer);
}

void
test_server_send_mapping(TestServer *self, gboolean create, guint16 client_id,
                         guint16 client_slot, guint16 bank_id, guint16 bank_slot)
{
	RsproMsg req;

	WAIT_FOR(rspro_peer_last_link(self->peer) != NULL && self->hellos > 0);
	rspro_msg_init(&req, create ? RSPRO_MSG_CREATE_MAPPING_REQ : RSPRO_MSG_REMOVE_MAPPING_REQ);
	req.u.create_mapping_req.client.client_id = client_id;
	req.u.create_mapping_req.client.slot_nr = client_slot;
	req.u.create_mapping_req.bank.bank_id = bank_id;
	req.u.create_mapping_req.bank.slot_nr = bank_slot;
	rspro_peer_send(rspro_peer_last_link(self->peer), &req);
}

RsproResult
test_server_result(TestServer *self, guint n)
{
	WAIT_FOR(self->results->len >= n);
	return g_array_index(self->results, RsproResult, n - 1);
}

void
test_server_push_on_hello(TestServer *self, guint16 client_id, guint16 client_slot,
                          guint16 bank_slot)
{
	RsproMappingReq *m = g_new0(RsproMappingReq, 1);

	m->client.client_id = client_id;
	m->client.slot_nr = client_slot;
	m->bank.bank_id = 1;
	m->bank.slot_nr = bank_slot;
	g_ptr_array_add(self->push_on_hello, m);
}

gchar *
bank_test_vcard_ini(guint n_cards)
{
	return g_strdup_printf("[backend:card]\nplugin = vcard\nprofile = %s\nslots = %u\n",
	                       BANK_TEST_VCARD_PROFILE, MAX(n_cards, 2)); /* 1 would be "card" */
}

gchar *
bank_test_routes_ini(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "[route:r%u]\nfrontend = bank.%u\nbackend = card.%u\n", i,
		                       i, i);
	return g_string_free(s, FALSE);
}
