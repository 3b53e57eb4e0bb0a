// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RsproMsg life cycle, names and log summaries. The ASN.1 conversion lives in
 * rspro-codec.c.
 */
#include "rspro-msg.h"

#include <string.h>

#include <gio/gio.h>

G_DEFINE_QUARK(rspro - error - quark, rspro_error)

void
rspro_msg_init(RsproMsg *msg, RsproMsgType type)
{
	memset(msg, 0, sizeof(*msg));
	msg->version = RSPRO_VERSION;
	msg->type = type;
	msg->tag = type == RSPRO_MSG_CONNECT_CLIENT_RES ? RSPRO_TAG_CONNECT_CLIENT_RES : 0;
}

void
rspro_identity_set(RsproIdentity *identity, RsproComponentType type, const gchar *name,
                   const gchar *software, const gchar *sw_version)
{
	rspro_identity_clear(identity);
	identity->type = type;
	identity->name = g_strdup(name);
	identity->software = g_strdup(software);
	identity->sw_version = g_strdup(sw_version);
}

void
rspro_identity_copy(RsproIdentity *dst, const RsproIdentity *src)
{
	rspro_identity_set(dst, src->type, src->name, src->software, src->sw_version);
	dst->hw_manufacturer = g_strdup(src->hw_manufacturer);
	dst->hw_model = g_strdup(src->hw_model);
	dst->hw_serial_nr = g_strdup(src->hw_serial_nr);
	dst->hw_version = g_strdup(src->hw_version);
	dst->fw_version = g_strdup(src->fw_version);
}

gchar *
rspro_component_name(const gchar *name)
{
	GString *s = g_string_new(NULL);
	for (const gchar *p = name != NULL ? name : ""; *p != '\0' && s->len < RSPRO_NAME_MAX_LEN;
	     p++)
		g_string_append_c(s, g_ascii_isprint(*p) ? *p : '_');
	if (s->len == 0)
		g_string_append(s, "cardroute");
	return g_string_free(s, FALSE);
}

void
rspro_identity_clear(RsproIdentity *identity)
{
	g_free(identity->name);
	g_free(identity->software);
	g_free(identity->sw_version);
	g_free(identity->hw_manufacturer);
	g_free(identity->hw_model);
	g_free(identity->hw_serial_nr);
	g_free(identity->hw_version);
	g_free(identity->fw_version);
	memset(identity, 0, sizeof(*identity));
}

void
rspro_msg_clear(RsproMsg *msg)
{
	switch (msg->type) {
	case RSPRO_MSG_CONNECT_BANK_REQ:
		rspro_identity_clear(&msg->u.connect_bank_req.identity);
		break;
	case RSPRO_MSG_CONNECT_BANK_RES:
		rspro_identity_clear(&msg->u.connect_bank_res.identity);
		break;
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		rspro_identity_clear(&msg->u.connect_client_req.identity);
		break;
	case RSPRO_MSG_CONNECT_CLIENT_RES:
		rspro_identity_clear(&msg->u.connect_client_res.identity);
		break;
	case RSPRO_MSG_SET_ATR_REQ:
		g_clear_pointer(&msg->u.set_atr_req.atr, g_bytes_unref);
		break;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		g_clear_pointer(&msg->u.tpdu_modem_to_card.data, g_bytes_unref);
		break;
	case RSPRO_MSG_TPDU_CARD_TO_MODEM:
		g_clear_pointer(&msg->u.tpdu_card_to_modem.data, g_bytes_unref);
		break;
	case RSPRO_MSG_ERROR_IND:
		g_clear_pointer(&msg->u.error_ind.error_string, g_free);
		break;
	default:
		break;
	}
	memset(msg, 0, sizeof(*msg));
}

const gchar *
rspro_msg_type_name(RsproMsgType type)
{
	static const gchar *const names[] = {
	        [RSPRO_MSG_CONNECT_BANK_REQ] = "connectBankReq",
	        [RSPRO_MSG_CONNECT_BANK_RES] = "connectBankRes",
	        [RSPRO_MSG_CONNECT_CLIENT_REQ] = "connectClientReq",
	        [RSPRO_MSG_CONNECT_CLIENT_RES] = "connectClientRes",
	        [RSPRO_MSG_CREATE_MAPPING_REQ] = "createMappingReq",
	        [RSPRO_MSG_CREATE_MAPPING_RES] = "createMappingRes",
	        [RSPRO_MSG_REMOVE_MAPPING_REQ] = "removeMappingReq",
	        [RSPRO_MSG_REMOVE_MAPPING_RES] = "removeMappingRes",
	        [RSPRO_MSG_CONFIG_CLIENT_ID_REQ] = "configClientIdReq",
	        [RSPRO_MSG_CONFIG_CLIENT_ID_RES] = "configClientIdRes",
	        [RSPRO_MSG_SET_ATR_REQ] = "setAtrReq",
	        [RSPRO_MSG_SET_ATR_RES] = "setAtrRes",
	        [RSPRO_MSG_TPDU_MODEM_TO_CARD] = "tpduModemToCard",
	        [RSPRO_MSG_TPDU_CARD_TO_MODEM] = "tpduCardToModem",
	        [RSPRO_MSG_CLIENT_SLOT_STATUS_IND] = "clientSlotStatusInd",
	        [RSPRO_MSG_BANK_SLOT_STATUS_IND] = "bankSlotStatusInd",
	        [RSPRO_MSG_ERROR_IND] = "errorInd",
	        [RSPRO_MSG_CONFIG_CLIENT_BANK_REQ] = "configClientBankReq",
	        [RSPRO_MSG_CONFIG_CLIENT_BANK_RES] = "configClientBankRes",
	        [RSPRO_MSG_RESET_STATE_REQ] = "resetStateReq",
	        [RSPRO_MSG_RESET_STATE_RES] = "resetStateRes",
	};

	if ((gint)type < 0 || (gsize)type >= G_N_ELEMENTS(names))
		return "unknown";
	return names[type];
}

const gchar *
rspro_result_name(RsproResult result)
{
	switch (result) {
	case RSPRO_RESULT_OK:
		return "ok";
	case RSPRO_RESULT_ILLEGAL_CLIENT_ID:
		return "illegalClientId";
	case RSPRO_RESULT_ILLEGAL_BANK_ID:
		return "illegalBankId";
	case RSPRO_RESULT_ILLEGAL_SLOT_ID:
		return "illegalSlotId";
	case RSPRO_RESULT_UNSUPPORTED_PROTOCOL_VERSION:
		return "unsupportedProtocolVersion";
	case RSPRO_RESULT_UNKNOWN_SLOTMAP:
		return "unknownSlotmap";
	case RSPRO_RESULT_IDENTITY_IN_USE:
		return "identityInUse";
	case RSPRO_RESULT_CARD_NOT_PRESENT:
		return "cardNotPresent";
	case RSPRO_RESULT_CARD_UNRESPONSIVE:
		return "cardUnresponsive";
	case RSPRO_RESULT_CARD_TRANSMISSION_ERROR:
		return "cardTransmissionError";
	default:
		return "unknown";
	}
}

const gchar *
rspro_component_type_name(RsproComponentType type)
{
	switch (type) {
	case RSPRO_COMPONENT_CLIENT:
		return "remsimClient";
	case RSPRO_COMPONENT_SERVER:
		return "remsimServer";
	case RSPRO_COMPONENT_BANKD:
		return "remsimBankd";
	default:
		return "unknown";
	}
}

static void
describe_identity(GString *s, const RsproIdentity *id)
{
	g_string_append_printf(s, " %s '%s' (%s %s)", rspro_component_type_name(id->type),
	                       id->name ? id->name : "", id->software ? id->software : "",
	                       id->sw_version ? id->sw_version : "");
}

static void
describe_slots(GString *s, gboolean client_first, const RsproClientSlot *c, const RsproBankSlot *b)
{
	if (client_first)
		g_string_append_printf(s, " C%u:%u->B%u:%u", c->client_id, c->slot_nr, b->bank_id,
		                       b->slot_nr);
	else
		g_string_append_printf(s, " B%u:%u->C%u:%u", b->bank_id, b->slot_nr, c->client_id,
		                       c->slot_nr);
}

static void
describe_status(GString *s, const RsproSlotPhysStatus *st)
{
	g_string_append_printf(s, " rst=%d", st->reset_active ? 1 : 0);
	if (st->has_vcc_present)
		g_string_append_printf(s, " vcc=%d", st->vcc_present ? 1 : 0);
	if (st->has_clk_active)
		g_string_append_printf(s, " clk=%d", st->clk_active ? 1 : 0);
	if (st->has_card_present)
		g_string_append_printf(s, " card=%d", st->card_present ? 1 : 0);
}

static void
describe_result(GString *s, RsproResult result)
{
	g_string_append_printf(s, " %s(%d)", rspro_result_name(result), (gint)result);
}

static gsize
bytes_size(GBytes *bytes)
{
	return bytes != NULL ? g_bytes_get_size(bytes) : 0;
}

gchar *
rspro_ip_port_host(const RsproIpPort *ip)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_bytes(
	        ip->addr, ip->is_ipv6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4);

	return g_inet_address_to_string(addr);
}

gchar *
rspro_msg_describe(const RsproMsg *msg)
{
	GString *s = g_string_new(rspro_msg_type_name(msg->type));
	const RsproIpPort *ip;
	const RsproClientSlot *cs;
	const RsproBankSlot *bs;

	switch (msg->type) {
	case RSPRO_MSG_CONNECT_BANK_REQ:
		describe_identity(s, &msg->u.connect_bank_req.identity);
		g_string_append_printf(s, " bank %u, %u slots", msg->u.connect_bank_req.bank_id,
		                       msg->u.connect_bank_req.num_slots);
		break;
	case RSPRO_MSG_CONNECT_BANK_RES:
	case RSPRO_MSG_CONNECT_CLIENT_RES:
		describe_identity(s, &msg->u.connect_bank_res.identity);
		describe_result(s, msg->u.connect_bank_res.result);
		break;
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		describe_identity(s, &msg->u.connect_client_req.identity);
		if (msg->u.connect_client_req.has_client_slot)
			g_string_append_printf(s, " C%u:%u",
			                       msg->u.connect_client_req.client_slot.client_id,
			                       msg->u.connect_client_req.client_slot.slot_nr);
		break;
	case RSPRO_MSG_CREATE_MAPPING_REQ:
	case RSPRO_MSG_REMOVE_MAPPING_REQ:
		describe_slots(s, TRUE, &msg->u.create_mapping_req.client,
		               &msg->u.create_mapping_req.bank);
		break;
	case RSPRO_MSG_CREATE_MAPPING_RES:
	case RSPRO_MSG_REMOVE_MAPPING_RES:
	case RSPRO_MSG_CONFIG_CLIENT_ID_RES:
	case RSPRO_MSG_CONFIG_CLIENT_BANK_RES:
	case RSPRO_MSG_SET_ATR_RES:
	case RSPRO_MSG_RESET_STATE_RES:
		describe_result(s, msg->u.create_mapping_res.result);
		break;
	case RSPRO_MSG_CONFIG_CLIENT_ID_REQ:
		cs = &msg->u.config_client_id_req.client_slot;
		g_string_append_printf(s, " C%u:%u", cs->client_id, cs->slot_nr);
		break;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_REQ:
		ip = &msg->u.config_client_bank_req.bankd;
		bs = &msg->u.config_client_bank_req.bank_slot;
		g_string_append_printf(s, " B%u:%u", bs->bank_id, bs->slot_nr);
		if (ip->is_ipv6)
			g_string_append(s, " ipv6");
		else
			g_string_append_printf(s, " %u.%u.%u.%u", ip->addr[0], ip->addr[1],
			                       ip->addr[2], ip->addr[3]);
		g_string_append_printf(s, ":%u", ip->port);
		break;
	case RSPRO_MSG_SET_ATR_REQ:
		cs = &msg->u.set_atr_req.slot;
		g_string_append_printf(s, " C%u:%u %" G_GSIZE_FORMAT " bytes", cs->client_id,
		                       cs->slot_nr, bytes_size(msg->u.set_atr_req.atr));
		break;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		describe_slots(s, TRUE, &msg->u.tpdu_modem_to_card.from_client_slot,
		               &msg->u.tpdu_modem_to_card.to_bank_slot);
		g_string_append_printf(s, " %" G_GSIZE_FORMAT " bytes",
		                       bytes_size(msg->u.tpdu_modem_to_card.data));
		break;
	case RSPRO_MSG_TPDU_CARD_TO_MODEM:
		describe_slots(s, FALSE, &msg->u.tpdu_card_to_modem.to_client_slot,
		               &msg->u.tpdu_card_to_modem.from_bank_slot);
		g_string_append_printf(s, " %" G_GSIZE_FORMAT " bytes",
		                       bytes_size(msg->u.tpdu_card_to_modem.data));
		break;
	case RSPRO_MSG_CLIENT_SLOT_STATUS_IND:
		describe_slots(s, TRUE, &msg->u.client_slot_status_ind.from_client_slot,
		               &msg->u.client_slot_status_ind.to_bank_slot);
		describe_status(s, &msg->u.client_slot_status_ind.status);
		break;
	case RSPRO_MSG_BANK_SLOT_STATUS_IND:
		describe_slots(s, FALSE, &msg->u.bank_slot_status_ind.to_client_slot,
		               &msg->u.bank_slot_status_ind.from_bank_slot);
		describe_status(s, &msg->u.bank_slot_status_ind.status);
		break;
	case RSPRO_MSG_ERROR_IND:
		g_string_append_printf(s, " from %s severity %d code %d",
		                       rspro_component_type_name(msg->u.error_ind.sender),
		                       (gint)msg->u.error_ind.severity,
		                       (gint)msg->u.error_ind.code);
		if (msg->u.error_ind.error_string != NULL)
			g_string_append_printf(s, " '%s'", msg->u.error_ind.error_string);
		break;
	default:
		break;
	}
	return g_string_free(s, FALSE);
}
