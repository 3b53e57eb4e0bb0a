// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every worked example of rspro.md section G, byte for byte in both directions:
 * the message built in C encodes to the IPA frame given there, and the frame
 * decodes to the same message (and re-encodes to the same bytes).
 */
#include <string.h>

#include "rspro-ipa.h"
#include "rspro-msg.h"
#include "rspro-test-util.h"

static const RsproClientSlot c23_0 = {23, 0};
static const RsproBankSlot b1_1 = {1, 1};

static void
set_bytes(GBytes **dst, const gchar *hex)
{
	g_autoptr(GByteArray) b = test_hex(hex);

	*dst = g_bytes_new(b->data, b->len);
}

/* ---- builders, one per example ---- */

static void
g1_connect_client_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONNECT_CLIENT_REQ);
	rspro_identity_set(&m->u.connect_client_req.identity, RSPRO_COMPONENT_CLIENT, "host1",
	                   "remsim-client", "1.1.3");
	m->u.connect_client_req.has_client_slot = TRUE;
	m->u.connect_client_req.client_slot = c23_0;
}

static void
g2_connect_client_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONNECT_CLIENT_RES);
	rspro_identity_set(&m->u.connect_client_res.identity, RSPRO_COMPONENT_SERVER, "srv",
	                   "remsim-server", "1.1.3");
	m->u.connect_client_res.result = RSPRO_RESULT_OK;
}

static void
g2_connect_client_res_bankd(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONNECT_CLIENT_RES);
	rspro_identity_set(&m->u.connect_client_res.identity, RSPRO_COMPONENT_BANKD, "bank1",
	                   "remsim-bankd", "1.1.3");
	m->u.connect_client_res.result = RSPRO_RESULT_CARD_NOT_PRESENT;
}

static void
g3_connect_bank_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONNECT_BANK_REQ);
	rspro_identity_set(&m->u.connect_bank_req.identity, RSPRO_COMPONENT_BANKD, "bank1",
	                   "remsim-bankd", "1.1.3");
	m->u.connect_bank_req.bank_id = 1;
	m->u.connect_bank_req.num_slots = 8;
}

static void
g3_connect_bank_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONNECT_BANK_RES);
	rspro_identity_set(&m->u.connect_bank_res.identity, RSPRO_COMPONENT_SERVER, "srv",
	                   "remsim-server", "1.1.3");
	m->u.connect_bank_res.result = RSPRO_RESULT_IDENTITY_IN_USE;
}

static void
g4_create_mapping_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CREATE_MAPPING_REQ);
	m->u.create_mapping_req.client = c23_0;
	m->u.create_mapping_req.bank = b1_1;
}

static void
g4_create_mapping_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CREATE_MAPPING_RES);
	m->u.create_mapping_res.result = RSPRO_RESULT_OK;
}

static void
g4_remove_mapping_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_REMOVE_MAPPING_REQ);
	m->u.remove_mapping_req.client = c23_0;
	m->u.remove_mapping_req.bank = b1_1;
}

static void
g4_remove_mapping_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_REMOVE_MAPPING_RES);
	m->u.remove_mapping_res.result = RSPRO_RESULT_UNKNOWN_SLOTMAP;
}

static void
g5_config_client_bank_req(RsproMsg *m)
{
	static const guint8 ip[4] = {192, 168, 1, 10};

	rspro_msg_init(m, RSPRO_MSG_CONFIG_CLIENT_BANK_REQ);
	m->u.config_client_bank_req.bank_slot = b1_1;
	memcpy(m->u.config_client_bank_req.bankd.addr, ip, sizeof(ip));
	m->u.config_client_bank_req.bankd.port = 9999;
}

static void
g5_config_client_bank_req_none(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONFIG_CLIENT_BANK_REQ);
	m->u.config_client_bank_req.bank_slot = b1_1;
}

static void
g5_config_client_bank_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONFIG_CLIENT_BANK_RES);
}

static void
g6_set_atr_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_SET_ATR_REQ);
	m->u.set_atr_req.slot = c23_0;
	set_bytes(&m->u.set_atr_req.atr, "3B 7D 94 00 00 55 55 53 0A 74 86 93 0B 24 7C 4D 54 68");
}

static void
g6_set_atr_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_SET_ATR_RES);
}

static void
g7_tpdu_modem_to_card(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_TPDU_MODEM_TO_CARD);
	m->u.tpdu_modem_to_card.from_client_slot = c23_0;
	m->u.tpdu_modem_to_card.to_bank_slot = b1_1;
	set_bytes(&m->u.tpdu_modem_to_card.data, "A0 A4 00 00 02 3F 00");
}

static void
g8_tpdu_card_to_modem(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_TPDU_CARD_TO_MODEM);
	m->u.tpdu_card_to_modem.from_bank_slot = b1_1;
	m->u.tpdu_card_to_modem.to_client_slot = c23_0;
	set_bytes(&m->u.tpdu_card_to_modem.data, "90 00");
}

static void
g9_client_slot_status_all(RsproMsg *m)
{
	RsproSlotPhysStatus *st = &m->u.client_slot_status_ind.status;

	rspro_msg_init(m, RSPRO_MSG_CLIENT_SLOT_STATUS_IND);
	m->u.client_slot_status_ind.from_client_slot = c23_0;
	m->u.client_slot_status_ind.to_bank_slot = b1_1;
	st->reset_active = TRUE;
	st->has_vcc_present = st->vcc_present = TRUE;
	st->has_clk_active = st->clk_active = TRUE;
	st->has_card_present = st->card_present = TRUE;
}

static void
g9_client_slot_status_st2(RsproMsg *m)
{
	RsproSlotPhysStatus *st = &m->u.client_slot_status_ind.status;

	rspro_msg_init(m, RSPRO_MSG_CLIENT_SLOT_STATUS_IND);
	m->u.client_slot_status_ind.from_client_slot = c23_0;
	m->u.client_slot_status_ind.to_bank_slot = b1_1;
	st->has_vcc_present = st->vcc_present = TRUE;
	st->has_clk_active = TRUE;
}

static void
g10_bank_slot_status(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_BANK_SLOT_STATUS_IND);
	m->u.bank_slot_status_ind.from_bank_slot = b1_1;
	m->u.bank_slot_status_ind.to_client_slot = c23_0;
}

static void
g10_error_ind(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_ERROR_IND);
	m->u.error_ind.sender = RSPRO_COMPONENT_BANKD;
	m->u.error_ind.severity = RSPRO_SEVERITY_MAJOR;
	m->u.error_ind.code = RSPRO_ERRCODE_UNKNOWN_CLIENT_CONNECTED;
	m->u.error_ind.has_bank_slot = TRUE;
	m->u.error_ind.bank_slot = b1_1;
	m->u.error_ind.has_client_slot = TRUE;
	m->u.error_ind.client_slot = c23_0;
	m->u.error_ind.error_string = g_strdup("oops");
}

static void
g10_reset_state_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_RESET_STATE_REQ);
}

static void
g10_reset_state_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_RESET_STATE_RES);
}

static void
g10_config_client_id_req(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONFIG_CLIENT_ID_REQ);
	m->u.config_client_id_req.client_slot = c23_0;
}

static void
g10_config_client_id_res(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CONFIG_CLIENT_ID_RES);
}

static void
g10_integer_edges(RsproMsg *m)
{
	rspro_msg_init(m, RSPRO_MSG_CREATE_MAPPING_REQ);
	m->tag = 2147483647u;
	m->u.create_mapping_req.client.client_id = 1023;
	m->u.create_mapping_req.client.slot_nr = 128;
	m->u.create_mapping_req.bank.bank_id = 255;
	m->u.create_mapping_req.bank.slot_nr = 127;
}

typedef struct {
	const gchar *name;
	void (*build)(RsproMsg *m);
	const gchar *frame;
} Vector;

static const Vector vectors[] = {
        {"G.1 connectClientReq", g1_connect_client_req,
         "00 37 EE 07 30 34 80 01 02 81 01 00 A2 2C A2 2A 30 20 0A 01 00 16 05 68 6F 73 "
         "74 31 80 0D 72 65 6D 73 69 6D 2D 63 6C 69 65 6E 74 81 05 31 2E 31 2E 33 30 06 "
         "02 01 17 02 01 00"},
        {"G.2 connectClientRes", g2_connect_client_res,
         "00 31 EE 07 30 2E 80 01 02 81 02 09 26 A2 25 A3 23 30 1E 0A 01 01 16 03 73 72 "
         "76 80 0D 72 65 6D 73 69 6D 2D 73 65 72 76 65 72 81 05 31 2E 31 2E 33 0A 01 00"},
        {"G.2 connectClientRes bankd", g2_connect_client_res_bankd,
         "00 32 EE 07 30 2F 80 01 02 81 02 09 26 A2 26 A3 24 30 1F 0A 01 02 16 05 62 61 "
         "6E 6B 31 80 0C 72 65 6D 73 69 6D 2D 62 61 6E 6B 64 81 05 31 2E 31 2E 33 0A 01 "
         "64"},
        {"G.3 connectBankReq", g3_connect_bank_req,
         "00 34 EE 07 30 31 80 01 02 81 01 00 A2 29 A0 27 30 1F 0A 01 02 16 05 62 61 6E "
         "6B 31 80 0C 72 65 6D 73 69 6D 2D 62 61 6E 6B 64 81 05 31 2E 31 2E 33 02 01 01 "
         "02 01 08"},
        {"G.3 connectBankRes", g3_connect_bank_res,
         "00 30 EE 07 30 2D 80 01 02 81 01 00 A2 25 A1 23 30 1E 0A 01 01 16 03 73 72 76 "
         "80 0D 72 65 6D 73 69 6D 2D 73 65 72 76 65 72 81 05 31 2E 31 2E 33 0A 01 06"},
        {"G.4 createMappingReq", g4_create_mapping_req,
         "00 1D EE 07 30 1A 80 01 02 81 01 00 A2 12 A4 10 30 06 02 01 17 02 01 00 30 06 "
         "02 01 01 02 01 01"},
        {"G.4 createMappingRes", g4_create_mapping_res,
         "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00"},
        {"G.4 removeMappingReq", g4_remove_mapping_req,
         "00 1D EE 07 30 1A 80 01 02 81 01 00 A2 12 A6 10 30 06 02 01 17 02 01 00 30 06 "
         "02 01 01 02 01 01"},
        {"G.4 removeMappingRes", g4_remove_mapping_res,
         "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A7 03 0A 01 05"},
        {"G.5 configClientBankReq", g5_config_client_bank_req,
         "00 21 EE 07 30 1E 80 01 02 81 01 00 A2 16 B1 14 30 06 02 01 01 02 01 01 30 0A "
         "80 04 C0 A8 01 0A 02 02 27 0F"},
        {"G.5 configClientBankReq no bankd", g5_config_client_bank_req_none,
         "00 20 EE 07 30 1D 80 01 02 81 01 00 A2 15 B1 13 30 06 02 01 01 02 01 01 30 09 "
         "80 04 00 00 00 00 02 01 00"},
        {"G.5 configClientBankRes", g5_config_client_bank_res,
         "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 B2 03 0A 01 00"},
        {"G.6 setAtrReq", g6_set_atr_req,
         "00 29 EE 07 30 26 80 01 02 81 01 00 A2 1E AA 1C 30 06 02 01 17 02 01 00 04 12 "
         "3B 7D 94 00 00 55 55 53 0A 74 86 93 0B 24 7C 4D 54 68"},
        {"G.6 setAtrRes", g6_set_atr_res,
         "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 AB 03 0A 01 00"},
        {"G.7 tpduModemToCard", g7_tpdu_modem_to_card,
         "00 34 EE 07 30 31 80 01 02 81 01 00 A2 29 AC 27 30 06 02 01 17 02 01 00 30 06 "
         "02 01 01 02 01 01 30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 07 A0 A4 00 00 "
         "02 3F 00"},
        {"G.8 tpduCardToModem", g8_tpdu_card_to_modem,
         "00 2F EE 07 30 2C 80 01 02 81 01 00 A2 24 AD 22 30 06 02 01 01 02 01 01 30 06 "
         "02 01 17 02 01 00 30 0C 01 01 00 01 01 00 01 01 00 01 01 00 04 02 90 00"},
        {"G.9 clientSlotStatusInd all", g9_client_slot_status_all,
         "00 2B EE 07 30 28 80 01 02 81 01 00 A2 20 AE 1E 30 06 02 01 17 02 01 00 30 06 "
         "02 01 01 02 01 01 30 0C 80 01 FF 81 01 FF 82 01 FF 83 01 FF"},
        {"G.9 clientSlotStatusInd st2", g9_client_slot_status_st2,
         "00 28 EE 07 30 25 80 01 02 81 01 00 A2 1D AE 1B 30 06 02 01 17 02 01 00 30 06 "
         "02 01 01 02 01 01 30 09 80 01 00 81 01 FF 82 01 00"},
        {"G.10 bankSlotStatusInd", g10_bank_slot_status,
         "00 22 EE 07 30 1F 80 01 02 81 01 00 A2 17 AF 15 30 06 02 01 01 02 01 01 30 06 "
         "02 01 17 02 01 00 30 03 80 01 00"},
        {"G.10 errorInd", g10_error_ind,
         "00 2C EE 07 30 29 80 01 02 81 01 00 A2 21 B0 1F 0A 01 02 0A 01 02 0A 01 01 A0 "
         "06 02 01 01 02 01 01 A1 06 02 01 17 02 01 00 82 04 6F 6F 70 73"},
        {"G.10 resetStateReq", g10_reset_state_req,
         "00 0D EE 07 30 0A 80 01 02 81 01 00 A2 02 B3 00"},
        {"G.10 resetStateRes", g10_reset_state_res,
         "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 B4 03 0A 01 00"},
        {"G.10 configClientIdReq", g10_config_client_id_req,
         "00 15 EE 07 30 12 80 01 02 81 01 00 A2 0A A8 08 30 06 02 01 17 02 01 00"},
        {"G.10 configClientIdRes", g10_config_client_id_res,
         "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A9 03 0A 01 00"},
        {"G.10 INTEGER edges", g10_integer_edges,
         "00 23 EE 07 30 20 80 01 02 81 04 7F FF FF FF A2 15 A4 13 30 08 02 02 03 FF 02 "
         "02 00 80 30 07 02 02 00 FF 02 01 7F"},
};

static void
check_vector(gconstpointer data)
{
	const Vector *v = data;
	g_autoptr(GByteArray) want = test_hex(v->frame);
	g_autoptr(GByteArray) got = g_byte_array_new();
	g_autoptr(GByteArray) again = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(0);
	RsproMsg built, decoded;
	RsproIpaFrame frame;
	const guint8 *pdu;
	gsize pdu_len;
	gssize n;

	/* C -> bytes */
	v->build(&built);
	g_assert_true(rspro_msg_encode_ipa(&built, got, &error));
	g_assert_no_error(error);
	test_assert_bytes(got->data, got->len, want->data, want->len, v->name);

	/* bytes -> C, through the deframer */
	n = rspro_ipa_deframer_push(d, want->data, want->len, &frame, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, ==, (gssize)want->len);
	g_assert_true(frame.complete);
	g_assert_cmpint(rspro_ipa_frame_kind(&frame, &pdu, &pdu_len), ==, RSPRO_IPA_KIND_RSPRO);
	g_assert_true(rspro_msg_decode(pdu, pdu_len, &decoded, &error));
	g_assert_no_error(error);
	test_assert_msg_equal(&decoded, &built, v->name);

	/* and back again */
	g_assert_true(rspro_msg_encode_ipa(&decoded, again, &error));
	test_assert_bytes(again->data, again->len, want->data, want->len, v->name);

	{
		g_autofree gchar *s = rspro_msg_describe(&decoded);

		g_test_message("%s: %s", v->name, s);
	}
	rspro_msg_clear(&built);
	rspro_msg_clear(&decoded);
}

/* G.7 note: tpduHeaderPresent + finalPart TRUE encode as 01 01 FF 01 01 FF 01 01 00 01 01 00 */
static void
test_flags_true(void)
{
	g_autoptr(GByteArray) der = g_byte_array_new();
	g_autoptr(GByteArray) want = test_hex("30 0C 01 01 FF 01 01 FF 01 01 00 01 01 00 "
	                                      "04 07 00 A4 00 04 02 3F 00");
	g_autoptr(GError) error = NULL;
	RsproMsg m, d;

	g7_tpdu_modem_to_card(&m);
	g_bytes_unref(m.u.tpdu_modem_to_card.data);
	set_bytes(&m.u.tpdu_modem_to_card.data, "00 A4 00 04 02 3F 00");
	m.u.tpdu_modem_to_card.flags.tpdu_header_present = TRUE;
	m.u.tpdu_modem_to_card.flags.final_part = TRUE;
	g_assert_true(rspro_msg_encode(&m, der, &error));
	g_assert_cmpuint(der->len, >=, want->len);
	test_assert_bytes(der->data + der->len - want->len, want->len, want->data, want->len,
	                  "flags");
	g_assert_true(rspro_msg_decode(der->data, der->len, &d, &error));
	test_assert_msg_equal(&d, &m, "flags");
	rspro_msg_clear(&m);
	rspro_msg_clear(&d);
}

static void
test_ccm_frames(void)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GByteArray) want = test_hex("00 01 FE 00 00 01 FE 01 00 01 FE 06");

	rspro_ipa_append_ccm(out, RSPRO_CCM_PING);
	rspro_ipa_append_ccm(out, RSPRO_CCM_PONG);
	rspro_ipa_append_ccm(out, RSPRO_CCM_ID_ACK);
	test_assert_bytes(out->data, out->len, want->data, want->len, "CCM");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
		g_autofree gchar *path = g_strdup_printf("/rspro/vectors/%s", vectors[i].name);

		g_strdelimit(path + strlen("/rspro/vectors/"), " /", '_');
		g_test_add_data_func(path, &vectors[i], check_vector);
	}
	g_test_add_func("/rspro/vectors/G.7 flags TRUE", test_flags_true);
	g_test_add_func("/rspro/vectors/CCM", test_ccm_frames);
	return g_test_run();
}
