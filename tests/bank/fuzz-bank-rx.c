// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the bank's receive path. The input is the byte stream of one
 * client connection: IPA frames are split as a link splits them, every RSPRO
 * PDU goes to the client connection's handler (connectClientReq, TPDUs to a
 * routed card, status indications, anything else), and the server's PDUs
 * (create/removeMappingReq, resetStateReq) to the server handler, so
 * mappings come and go under the client. The plugin's sources are compiled
 * in; the card is an in-process test backend that answers at once.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bank-private.h"
#include "rspro-ipa.h"
#include "test-slots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static BankInstance *bank;

static GLogWriterOutput
quiet(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
		abort(); /* a g_return_if_fail() is a bug */
	return G_LOG_WRITER_HANDLED;
}

static void
setup(void)
{
	static const guint8 atr[] = {0x3B, 0x15, 0x13, 0x80, 0x73, 0xFF, 0x01, 0x00};
	CrRouter *router = cr_router_new();
	TestInstance *inst = test_instance_new();
	TestBackend *card = test_backend_new("card");
	GError *error = NULL;

	g_log_set_writer_func(quiet, NULL, NULL);
	bank = g_object_new(BANK_TYPE_INSTANCE, NULL);
	bank->n_slots = 2;
	if (!bank_instance_setup(bank, "bank", &error) ||
	    !cr_router_add_instance(router, CR_INSTANCE(bank), "bank", "rspro-bank",
	                            CR_PLUGIN_KIND_FRONTEND, &error) ||
	    !cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(card), &error) ||
	    !cr_router_add_instance(router, CR_INSTANCE(inst), "test", "test",
	                            CR_PLUGIN_KIND_BACKEND, &error) ||
	    cr_router_add_route(router, "r", "bank.0", "card", NULL, &error) == NULL)
		abort();
	cr_backend_slot_set_card(CR_BACKEND_SLOT(card), atr, sizeof(atr));
}

static gboolean
for_server(RsproMsgType type)
{
	return type == RSPRO_MSG_CREATE_MAPPING_REQ || type == RSPRO_MSG_REMOVE_MAPPING_REQ ||
	       type == RSPRO_MSG_RESET_STATE_REQ;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GByteArray) sink = g_byte_array_new();
	g_autoptr(RsproIpaDeframer) deframer = rspro_ipa_deframer_new(0);
	BankClient *client;
	gsize pos = 0;

	if (bank == NULL)
		setup();
	/* the state every input starts from: C7:0 -> B1:0 (routed), C8:0 -> B1:1 */
	for (guint b = 0; b < bank->n_slots; b++)
		bank_maps_remove(bank->maps, b);
	bank_maps_set(bank->maps, 0, (RsproClientSlot){7, 0});
	bank_maps_set(bank->maps, 1, (RsproClientSlot){8, 0});

	client = bank_client_new_detached(bank, sink);
	while (pos < size && client->state != BANK_CLIENT_CLOSED) {
		RsproIpaFrame frame;
		const guint8 *body;
		gsize body_len;
		gssize n = rspro_ipa_deframer_push(deframer, data + pos, size - pos, &frame, NULL);
		RsproMsg msg;

		if (n < 0)
			break; /* the link ends here */
		pos += (gsize)n;
		if (!frame.complete)
			continue;
		if (rspro_ipa_frame_kind(&frame, &body, &body_len) != RSPRO_IPA_KIND_RSPRO)
			continue;
		if (!rspro_msg_decode(body, body_len, &msg, NULL))
			break; /* the bank's link closes on an undecodable PDU */
		if (for_server(msg.type))
			bank_server_handle(bank, &msg);
		else
			bank_client_handle(client, &msg);
		rspro_msg_clear(&msg);
	}
	/* every frame the bank sent decodes */
	for (gsize off = 0; off + 3 <= sink->len;) {
		gsize len = (gsize)(sink->data[off] << 8 | sink->data[off + 1]);
		RsproMsg msg;

		if (off + 3 + len > sink->len || len < 2 || sink->data[off + 2] != 0xEE ||
		    !rspro_msg_decode(sink->data + off + 4, len - 1, &msg, NULL))
			abort();
		/* never an empty answer */
		if (msg.type == RSPRO_MSG_TPDU_CARD_TO_MODEM &&
		    g_bytes_get_size(msg.u.tpdu_card_to_modem.data) < 2)
			abort();
		rspro_msg_clear(&msg);
		off += 3 + len;
	}
	bank_client_close(client, "end of input");
	bank_client_free(client);
	while (g_main_context_iteration(NULL, FALSE))
		;
	return 0;
}
