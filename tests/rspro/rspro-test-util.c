// SPDX-License-Identifier: GPL-2.0-or-later
#include "rspro-test-util.h"

#include <string.h>

GByteArray *
test_hex(const gchar *hex)
{
	GByteArray *out = g_byte_array_new();
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
			guint8 b = (guint8)(hi << 4 | v);

			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	g_assert_cmpint(hi, ==, -1);
	return out;
}

static gchar *
to_hex(const guint8 *data, gsize len)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", data[i]);
	return g_string_free(s, FALSE);
}

void
test_assert_bytes(const guint8 *got, gsize got_len, const guint8 *want, gsize want_len,
                  const gchar *what)
{
	if (got_len != want_len || (got_len > 0 && memcmp(got, want, got_len) != 0)) {
		g_autofree gchar *g = to_hex(got, got_len);
		g_autofree gchar *w = to_hex(want, want_len);

		g_error("%s: bytes differ\n got  %s\n want %s", what, g, w);
	}
}

static void
assert_str(const gchar *a, const gchar *b, const gchar *what)
{
	if (g_strcmp0(a, b) != 0)
		g_error("%s: string '%s' != '%s'", what, a ? a : "(null)", b ? b : "(null)");
}

static void
assert_identity(const RsproIdentity *a, const RsproIdentity *b, const gchar *what)
{
	g_assert_cmpint(a->type, ==, b->type);
	assert_str(a->name, b->name, what);
	assert_str(a->software, b->software, what);
	assert_str(a->sw_version, b->sw_version, what);
	assert_str(a->hw_manufacturer, b->hw_manufacturer, what);
	assert_str(a->hw_model, b->hw_model, what);
	assert_str(a->hw_serial_nr, b->hw_serial_nr, what);
	assert_str(a->hw_version, b->hw_version, what);
	assert_str(a->fw_version, b->fw_version, what);
}

static void
assert_gbytes(GBytes *a, GBytes *b, const gchar *what)
{
	gsize alen = 0, blen = 0;
	const guint8 *ad = a ? g_bytes_get_data(a, &alen) : NULL;
	const guint8 *bd = b ? g_bytes_get_data(b, &blen) : NULL;

	test_assert_bytes(ad, alen, bd, blen, what);
}

#define CS_EQ(x, y)                                                                                \
	do {                                                                                       \
		g_assert_cmpuint((x).client_id, ==, (y).client_id);                                \
		g_assert_cmpuint((x).slot_nr, ==, (y).slot_nr);                                    \
	} while (0)
#define BS_EQ(x, y)                                                                                \
	do {                                                                                       \
		g_assert_cmpuint((x).bank_id, ==, (y).bank_id);                                    \
		g_assert_cmpuint((x).slot_nr, ==, (y).slot_nr);                                    \
	} while (0)

static void
assert_flags(const RsproTpduFlags *a, const RsproTpduFlags *b)
{
	g_assert_cmpint(a->tpdu_header_present, ==, b->tpdu_header_present);
	g_assert_cmpint(a->final_part, ==, b->final_part);
	g_assert_cmpint(a->proc_byte_continue_tx, ==, b->proc_byte_continue_tx);
	g_assert_cmpint(a->proc_byte_continue_rx, ==, b->proc_byte_continue_rx);
}

static void
assert_status(const RsproSlotPhysStatus *a, const RsproSlotPhysStatus *b)
{
	g_assert_cmpint(a->reset_active, ==, b->reset_active);
	g_assert_cmpint(a->has_vcc_present, ==, b->has_vcc_present);
	g_assert_cmpint(a->has_clk_active, ==, b->has_clk_active);
	g_assert_cmpint(a->has_card_present, ==, b->has_card_present);
	if (a->has_vcc_present)
		g_assert_cmpint(a->vcc_present, ==, b->vcc_present);
	if (a->has_clk_active)
		g_assert_cmpint(a->clk_active, ==, b->clk_active);
	if (a->has_card_present)
		g_assert_cmpint(a->card_present, ==, b->card_present);
}

void
test_assert_msg_equal(const RsproMsg *a, const RsproMsg *b, const gchar *what)
{
	g_assert_cmpint(a->type, ==, b->type);
	g_assert_cmpuint(a->version, ==, b->version);
	g_assert_cmpuint(a->tag, ==, b->tag);
	switch (a->type) {
	case RSPRO_MSG_CONNECT_BANK_REQ:
		assert_identity(&a->u.connect_bank_req.identity, &b->u.connect_bank_req.identity,
		                what);
		g_assert_cmpuint(a->u.connect_bank_req.bank_id, ==, b->u.connect_bank_req.bank_id);
		g_assert_cmpuint(a->u.connect_bank_req.num_slots, ==,
		                 b->u.connect_bank_req.num_slots);
		break;
	case RSPRO_MSG_CONNECT_BANK_RES:
	case RSPRO_MSG_CONNECT_CLIENT_RES:
		assert_identity(&a->u.connect_bank_res.identity, &b->u.connect_bank_res.identity,
		                what);
		g_assert_cmpint(a->u.connect_bank_res.result, ==, b->u.connect_bank_res.result);
		break;
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		assert_identity(&a->u.connect_client_req.identity,
		                &b->u.connect_client_req.identity, what);
		g_assert_cmpint(a->u.connect_client_req.has_client_slot, ==,
		                b->u.connect_client_req.has_client_slot);
		CS_EQ(a->u.connect_client_req.client_slot, b->u.connect_client_req.client_slot);
		break;
	case RSPRO_MSG_CREATE_MAPPING_REQ:
	case RSPRO_MSG_REMOVE_MAPPING_REQ:
		CS_EQ(a->u.create_mapping_req.client, b->u.create_mapping_req.client);
		BS_EQ(a->u.create_mapping_req.bank, b->u.create_mapping_req.bank);
		break;
	case RSPRO_MSG_CREATE_MAPPING_RES:
	case RSPRO_MSG_REMOVE_MAPPING_RES:
	case RSPRO_MSG_CONFIG_CLIENT_ID_RES:
	case RSPRO_MSG_CONFIG_CLIENT_BANK_RES:
	case RSPRO_MSG_SET_ATR_RES:
	case RSPRO_MSG_RESET_STATE_RES:
		g_assert_cmpint(a->u.create_mapping_res.result, ==, b->u.create_mapping_res.result);
		break;
	case RSPRO_MSG_CONFIG_CLIENT_ID_REQ:
		CS_EQ(a->u.config_client_id_req.client_slot, b->u.config_client_id_req.client_slot);
		break;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_REQ:
		BS_EQ(a->u.config_client_bank_req.bank_slot, b->u.config_client_bank_req.bank_slot);
		g_assert_cmpint(a->u.config_client_bank_req.bankd.is_ipv6, ==,
		                b->u.config_client_bank_req.bankd.is_ipv6);
		test_assert_bytes(a->u.config_client_bank_req.bankd.addr,
		                  a->u.config_client_bank_req.bankd.is_ipv6 ? 16 : 4,
		                  b->u.config_client_bank_req.bankd.addr,
		                  b->u.config_client_bank_req.bankd.is_ipv6 ? 16 : 4, what);
		g_assert_cmpuint(a->u.config_client_bank_req.bankd.port, ==,
		                 b->u.config_client_bank_req.bankd.port);
		break;
	case RSPRO_MSG_SET_ATR_REQ:
		CS_EQ(a->u.set_atr_req.slot, b->u.set_atr_req.slot);
		assert_gbytes(a->u.set_atr_req.atr, b->u.set_atr_req.atr, what);
		break;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		CS_EQ(a->u.tpdu_modem_to_card.from_client_slot,
		      b->u.tpdu_modem_to_card.from_client_slot);
		BS_EQ(a->u.tpdu_modem_to_card.to_bank_slot, b->u.tpdu_modem_to_card.to_bank_slot);
		assert_flags(&a->u.tpdu_modem_to_card.flags, &b->u.tpdu_modem_to_card.flags);
		assert_gbytes(a->u.tpdu_modem_to_card.data, b->u.tpdu_modem_to_card.data, what);
		break;
	case RSPRO_MSG_TPDU_CARD_TO_MODEM:
		BS_EQ(a->u.tpdu_card_to_modem.from_bank_slot,
		      b->u.tpdu_card_to_modem.from_bank_slot);
		CS_EQ(a->u.tpdu_card_to_modem.to_client_slot,
		      b->u.tpdu_card_to_modem.to_client_slot);
		assert_flags(&a->u.tpdu_card_to_modem.flags, &b->u.tpdu_card_to_modem.flags);
		assert_gbytes(a->u.tpdu_card_to_modem.data, b->u.tpdu_card_to_modem.data, what);
		break;
	case RSPRO_MSG_CLIENT_SLOT_STATUS_IND:
		CS_EQ(a->u.client_slot_status_ind.from_client_slot,
		      b->u.client_slot_status_ind.from_client_slot);
		BS_EQ(a->u.client_slot_status_ind.to_bank_slot,
		      b->u.client_slot_status_ind.to_bank_slot);
		assert_status(&a->u.client_slot_status_ind.status,
		              &b->u.client_slot_status_ind.status);
		break;
	case RSPRO_MSG_BANK_SLOT_STATUS_IND:
		BS_EQ(a->u.bank_slot_status_ind.from_bank_slot,
		      b->u.bank_slot_status_ind.from_bank_slot);
		CS_EQ(a->u.bank_slot_status_ind.to_client_slot,
		      b->u.bank_slot_status_ind.to_client_slot);
		assert_status(&a->u.bank_slot_status_ind.status, &b->u.bank_slot_status_ind.status);
		break;
	case RSPRO_MSG_ERROR_IND:
		g_assert_cmpint(a->u.error_ind.sender, ==, b->u.error_ind.sender);
		g_assert_cmpint(a->u.error_ind.severity, ==, b->u.error_ind.severity);
		g_assert_cmpint(a->u.error_ind.code, ==, b->u.error_ind.code);
		g_assert_cmpint(a->u.error_ind.has_bank_slot, ==, b->u.error_ind.has_bank_slot);
		BS_EQ(a->u.error_ind.bank_slot, b->u.error_ind.bank_slot);
		g_assert_cmpint(a->u.error_ind.has_client_slot, ==, b->u.error_ind.has_client_slot);
		CS_EQ(a->u.error_ind.client_slot, b->u.error_ind.client_slot);
		assert_str(a->u.error_ind.error_string, b->u.error_ind.error_string, what);
		break;
	default:
		break;
	}
}
