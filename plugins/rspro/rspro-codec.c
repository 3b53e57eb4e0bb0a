// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RsproMsg <-> asn1c structures, DER encoding and BER decoding (rspro.md B).
 *
 * Encoding builds the asn1c structure on the stack with pointers borrowed from
 * the RsproMsg (nothing is allocated, nothing freed), checks the ASN.1
 * constraints and DER-encodes it. Decoding lets asn1c's BER decoder allocate,
 * checks constraints, copies everything into the RsproMsg and frees the asn1c
 * structure.
 */
#include "rspro-msg.h"

#include <string.h>

#include "rspro-ipa.h"

#include <RsproPDU.h>

/* asn1c's decoders stop at this much stack; our module nests a few levels only */
#define RSPRO_DECODE_MAX_STACK (32 * 1024)

/* storage for the OPTIONAL members, which asn1c keeps behind pointers */
typedef struct {
	RsproPDU_t pdu;
	ComponentName_t opt_names[5];
	ClientSlot_t client_slot;
	BankSlot_t bank_slot;
	BOOLEAN_t bools[3];
	ErrorString_t error_string;
} EncScratch;

static void
borrow_bytes(OCTET_STRING_t *dst, const guint8 *data, gsize len)
{
	dst->buf = (uint8_t *)data;
	dst->size = (int)len;
}

static void
borrow_gbytes(OCTET_STRING_t *dst, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;

	borrow_bytes(dst, data, len);
}

static gboolean
borrow_string(OCTET_STRING_t *dst, const gchar *s, const gchar *what, GError **error)
{
	if (s == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s missing", what);
		return FALSE;
	}
	borrow_bytes(dst, (const guint8 *)s, strlen(s));
	return TRUE;
}

static gboolean
enc_component_type(long *dst, RsproComponentType type, GError **error)
{
	/* ComponentType is not extensible, and asn1c does not check enumerations */
	if ((gint)type < RSPRO_COMPONENT_CLIENT || (gint)type > RSPRO_COMPONENT_BANKD) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "component type %d invalid",
			    (gint)type);
		return FALSE;
	}
	*dst = type;
	return TRUE;
}

static gboolean
enc_identity(ComponentIdentity_t *dst, const RsproIdentity *src, EncScratch *sc, GError **error)
{
	const gchar *opt[5] = {src->hw_manufacturer, src->hw_model, src->hw_serial_nr,
			       src->hw_version, src->fw_version};
	ComponentName_t **dst_opt[5] = {&dst->hwManufacturer, &dst->hwModel, &dst->hwSerialNr,
					&dst->hwVersion, &dst->fwVersion};

	if (!enc_component_type(&dst->type, src->type, error) ||
	    !borrow_string(&dst->name, src->name, "identity name", error) ||
	    !borrow_string(&dst->software, src->software, "identity software", error) ||
	    !borrow_string(&dst->swVersion, src->sw_version, "identity swVersion", error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(opt); i++) {
		if (opt[i] == NULL)
			continue;
		borrow_bytes(&sc->opt_names[i], (const guint8 *)opt[i], strlen(opt[i]));
		*dst_opt[i] = &sc->opt_names[i];
	}
	return TRUE;
}

static void
enc_client_slot(ClientSlot_t *dst, const RsproClientSlot *src)
{
	dst->clientId = src->client_id;
	dst->slotNr = src->slot_nr;
}

static void
enc_bank_slot(BankSlot_t *dst, const RsproBankSlot *src)
{
	dst->bankId = src->bank_id;
	dst->slotNr = src->slot_nr;
}

static void
enc_flags(TpduFlags_t *dst, const RsproTpduFlags *src)
{
	dst->tpduHeaderPresent = src->tpdu_header_present ? 1 : 0;
	dst->finalPart = src->final_part ? 1 : 0;
	dst->procByteContinueTx = src->proc_byte_continue_tx ? 1 : 0;
	dst->procByteContinueRx = src->proc_byte_continue_rx ? 1 : 0;
}

static void
enc_status(SlotPhysStatus_t *dst, const RsproSlotPhysStatus *src, EncScratch *sc)
{
	dst->resetActive = src->reset_active ? 1 : 0;
	if (src->has_vcc_present) {
		sc->bools[0] = src->vcc_present ? 1 : 0;
		dst->vccPresent = &sc->bools[0];
	}
	if (src->has_clk_active) {
		sc->bools[1] = src->clk_active ? 1 : 0;
		dst->clkActive = &sc->bools[1];
	}
	if (src->has_card_present) {
		sc->bools[2] = src->card_present ? 1 : 0;
		dst->cardPresent = &sc->bools[2];
	}
}

static void
enc_ip_port(IpPort_t *dst, const RsproIpPort *src)
{
	if (src->is_ipv6) {
		dst->ip.present = IpAddress_PR_ipv6;
		borrow_bytes(&dst->ip.choice.ipv6, src->addr, 16);
	} else {
		dst->ip.present = IpAddress_PR_ipv4;
		borrow_bytes(&dst->ip.choice.ipv4, src->addr, 4);
	}
	dst->port = src->port;
}

static gboolean
enc_error_ind(ErrorInd_t *dst, const RsproErrorInd *src, EncScratch *sc, GError **error)
{
	if (!enc_component_type(&dst->sender, src->sender, error))
		return FALSE;
	dst->severity = src->severity;
	dst->code = src->code;
	if (src->has_bank_slot) {
		enc_bank_slot(&sc->bank_slot, &src->bank_slot);
		dst->bankSlot = &sc->bank_slot;
	}
	if (src->has_client_slot) {
		enc_client_slot(&sc->client_slot, &src->client_slot);
		dst->clientSlot = &sc->client_slot;
	}
	if (src->error_string != NULL) {
		borrow_bytes(&sc->error_string, (const guint8 *)src->error_string,
			     strlen(src->error_string));
		dst->errorString = &sc->error_string;
	}
	return TRUE;
}

/* fills sc->pdu from msg; all pointers borrow from msg or sc */
static gboolean
enc_pdu(const RsproMsg *msg, EncScratch *sc, GError **error)
{
	RsproPDUchoice_t *c = &sc->pdu.msg;

	sc->pdu.version = msg->version;
	sc->pdu.tag = msg->tag;
	switch (msg->type) {
	case RSPRO_MSG_CONNECT_BANK_REQ:
		c->present = RsproPDUchoice_PR_connectBankReq;
		c->choice.connectBankReq.bankId = msg->u.connect_bank_req.bank_id;
		c->choice.connectBankReq.numberOfSlots = msg->u.connect_bank_req.num_slots;
		return enc_identity(&c->choice.connectBankReq.identity,
				    &msg->u.connect_bank_req.identity, sc, error);
	case RSPRO_MSG_CONNECT_BANK_RES:
		c->present = RsproPDUchoice_PR_connectBankRes;
		c->choice.connectBankRes.result = msg->u.connect_bank_res.result;
		return enc_identity(&c->choice.connectBankRes.identity,
				    &msg->u.connect_bank_res.identity, sc, error);
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		c->present = RsproPDUchoice_PR_connectClientReq;
		if (msg->u.connect_client_req.has_client_slot) {
			enc_client_slot(&sc->client_slot, &msg->u.connect_client_req.client_slot);
			c->choice.connectClientReq.clientSlot = &sc->client_slot;
		}
		return enc_identity(&c->choice.connectClientReq.identity,
				    &msg->u.connect_client_req.identity, sc, error);
	case RSPRO_MSG_CONNECT_CLIENT_RES:
		c->present = RsproPDUchoice_PR_connectClientRes;
		c->choice.connectClientRes.result = msg->u.connect_client_res.result;
		return enc_identity(&c->choice.connectClientRes.identity,
				    &msg->u.connect_client_res.identity, sc, error);
	case RSPRO_MSG_CREATE_MAPPING_REQ:
		c->present = RsproPDUchoice_PR_createMappingReq;
		enc_client_slot(&c->choice.createMappingReq.client,
				&msg->u.create_mapping_req.client);
		enc_bank_slot(&c->choice.createMappingReq.bank, &msg->u.create_mapping_req.bank);
		return TRUE;
	case RSPRO_MSG_CREATE_MAPPING_RES:
		c->present = RsproPDUchoice_PR_createMappingRes;
		c->choice.createMappingRes.result = msg->u.create_mapping_res.result;
		return TRUE;
	case RSPRO_MSG_REMOVE_MAPPING_REQ:
		c->present = RsproPDUchoice_PR_removeMappingReq;
		enc_client_slot(&c->choice.removeMappingReq.client,
				&msg->u.remove_mapping_req.client);
		enc_bank_slot(&c->choice.removeMappingReq.bank, &msg->u.remove_mapping_req.bank);
		return TRUE;
	case RSPRO_MSG_REMOVE_MAPPING_RES:
		c->present = RsproPDUchoice_PR_removeMappingRes;
		c->choice.removeMappingRes.result = msg->u.remove_mapping_res.result;
		return TRUE;
	case RSPRO_MSG_CONFIG_CLIENT_ID_REQ:
		c->present = RsproPDUchoice_PR_configClientIdReq;
		enc_client_slot(&c->choice.configClientIdReq.clientSlot,
				&msg->u.config_client_id_req.client_slot);
		return TRUE;
	case RSPRO_MSG_CONFIG_CLIENT_ID_RES:
		c->present = RsproPDUchoice_PR_configClientIdRes;
		c->choice.configClientIdRes.result = msg->u.config_client_id_res.result;
		return TRUE;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_REQ:
		c->present = RsproPDUchoice_PR_configClientBankReq;
		enc_bank_slot(&c->choice.configClientBankReq.bankSlot,
			      &msg->u.config_client_bank_req.bank_slot);
		enc_ip_port(&c->choice.configClientBankReq.bankd,
			    &msg->u.config_client_bank_req.bankd);
		return TRUE;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_RES:
		c->present = RsproPDUchoice_PR_configClientBankRes;
		c->choice.configClientBankRes.result = msg->u.config_client_bank_res.result;
		return TRUE;
	case RSPRO_MSG_SET_ATR_REQ:
		c->present = RsproPDUchoice_PR_setAtrReq;
		enc_client_slot(&c->choice.setAtrReq.slot, &msg->u.set_atr_req.slot);
		borrow_gbytes(&c->choice.setAtrReq.atr, msg->u.set_atr_req.atr);
		return TRUE;
	case RSPRO_MSG_SET_ATR_RES:
		c->present = RsproPDUchoice_PR_setAtrRes;
		c->choice.setAtrRes.result = msg->u.set_atr_res.result;
		return TRUE;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		c->present = RsproPDUchoice_PR_tpduModemToCard;
		enc_client_slot(&c->choice.tpduModemToCard.fromClientSlot,
				&msg->u.tpdu_modem_to_card.from_client_slot);
		enc_bank_slot(&c->choice.tpduModemToCard.toBankSlot,
			      &msg->u.tpdu_modem_to_card.to_bank_slot);
		enc_flags(&c->choice.tpduModemToCard.flags, &msg->u.tpdu_modem_to_card.flags);
		borrow_gbytes(&c->choice.tpduModemToCard.data, msg->u.tpdu_modem_to_card.data);
		return TRUE;
	case RSPRO_MSG_TPDU_CARD_TO_MODEM:
		c->present = RsproPDUchoice_PR_tpduCardToModem;
		enc_bank_slot(&c->choice.tpduCardToModem.fromBankSlot,
			      &msg->u.tpdu_card_to_modem.from_bank_slot);
		enc_client_slot(&c->choice.tpduCardToModem.toClientSlot,
				&msg->u.tpdu_card_to_modem.to_client_slot);
		enc_flags(&c->choice.tpduCardToModem.flags, &msg->u.tpdu_card_to_modem.flags);
		borrow_gbytes(&c->choice.tpduCardToModem.data, msg->u.tpdu_card_to_modem.data);
		return TRUE;
	case RSPRO_MSG_CLIENT_SLOT_STATUS_IND:
		c->present = RsproPDUchoice_PR_clientSlotStatusInd;
		enc_client_slot(&c->choice.clientSlotStatusInd.fromClientSlot,
				&msg->u.client_slot_status_ind.from_client_slot);
		enc_bank_slot(&c->choice.clientSlotStatusInd.toBankSlot,
			      &msg->u.client_slot_status_ind.to_bank_slot);
		enc_status(&c->choice.clientSlotStatusInd.slotPhysStatus,
			   &msg->u.client_slot_status_ind.status, sc);
		return TRUE;
	case RSPRO_MSG_BANK_SLOT_STATUS_IND:
		c->present = RsproPDUchoice_PR_bankSlotStatusInd;
		enc_bank_slot(&c->choice.bankSlotStatusInd.fromBankSlot,
			      &msg->u.bank_slot_status_ind.from_bank_slot);
		enc_client_slot(&c->choice.bankSlotStatusInd.toClientSlot,
				&msg->u.bank_slot_status_ind.to_client_slot);
		enc_status(&c->choice.bankSlotStatusInd.slotPhysStatus,
			   &msg->u.bank_slot_status_ind.status, sc);
		return TRUE;
	case RSPRO_MSG_ERROR_IND:
		c->present = RsproPDUchoice_PR_errorInd;
		return enc_error_ind(&c->choice.errorInd, &msg->u.error_ind, sc, error);
	case RSPRO_MSG_RESET_STATE_REQ:
		c->present = RsproPDUchoice_PR_resetStateReq;
		return TRUE;
	case RSPRO_MSG_RESET_STATE_RES:
		c->present = RsproPDUchoice_PR_resetStateRes;
		c->choice.resetStateRes.result = msg->u.reset_state_res.result;
		return TRUE;
	default:
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
			    "cannot encode message type %d", (gint)msg->type);
		return FALSE;
	}
}

static int
append_cb(const void *buffer, size_t size, void *app_key)
{
	g_byte_array_append(app_key, buffer, (guint)size);
	return 0;
}

gboolean
rspro_msg_encode(const RsproMsg *msg, GByteArray *out, GError **error)
{
	EncScratch sc;
	asn_enc_rval_t rv;
	char errbuf[128];
	size_t errlen = sizeof(errbuf);
	guint start = out->len;

	memset(&sc, 0, sizeof(sc));
	if (msg->tag > RSPRO_MAX_OPERATION_TAG || msg->version > RSPRO_MAX_VERSION) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
			    "version %u / tag %u out of range", msg->version, msg->tag);
		return FALSE;
	}
	if (!enc_pdu(msg, &sc, error))
		return FALSE;
	if (asn_check_constraints(&asn_DEF_RsproPDU, &sc.pdu, errbuf, &errlen) != 0) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s: %s",
			    rspro_msg_type_name(msg->type), errbuf);
		return FALSE;
	}
	rv = der_encode(&asn_DEF_RsproPDU, &sc.pdu, append_cb, out);
	if (rv.encoded < 0) {
		g_byte_array_set_size(out, start);
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s: DER encoding failed at %s",
			    rspro_msg_type_name(msg->type),
			    rv.failed_type != NULL ? rv.failed_type->name : "?");
		return FALSE;
	}
	return TRUE;
}

gboolean
rspro_msg_encode_ipa(const RsproMsg *msg, GByteArray *out, GError **error)
{
	g_autoptr(GByteArray) der = g_byte_array_new();

	if (!rspro_msg_encode(msg, der, error))
		return FALSE;
	return rspro_ipa_append_rspro(out, der->data, der->len, error);
}

/* ---- decoding ---- */

static gboolean
dec_string(gchar **dst, const OCTET_STRING_t *src, GError **error)
{
	if (src->size < 0 || memchr(src->buf, 0, (gsize)src->size) != NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "string with a NUL byte");
		return FALSE;
	}
	*dst = g_strndup((const gchar *)src->buf, (gsize)src->size);
	return TRUE;
}

static gboolean
dec_opt_string(gchar **dst, const OCTET_STRING_t *src, GError **error)
{
	return src == NULL || dec_string(dst, src, error);
}

static gboolean
dec_component_type(RsproComponentType *dst, long src, GError **error)
{
	if (src < RSPRO_COMPONENT_CLIENT || src > RSPRO_COMPONENT_BANKD) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "component type %ld invalid",
			    src);
		return FALSE;
	}
	*dst = (RsproComponentType)src;
	return TRUE;
}

/* extensible enumerations: any value that fits an int is kept */
static gboolean
dec_enum(gint *dst, long src, GError **error)
{
	if (src < G_MININT || src > G_MAXINT) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "enumeration value %ld", src);
		return FALSE;
	}
	*dst = (gint)src;
	return TRUE;
}

#define DEC_RESULT(dst, src, error) dec_enum((gint *)&(dst), (src), (error))

static gboolean
dec_identity(RsproIdentity *dst, const ComponentIdentity_t *src, GError **error)
{
	return dec_component_type(&dst->type, src->type, error) &&
	       dec_string(&dst->name, &src->name, error) &&
	       dec_string(&dst->software, &src->software, error) &&
	       dec_string(&dst->sw_version, &src->swVersion, error) &&
	       dec_opt_string(&dst->hw_manufacturer, src->hwManufacturer, error) &&
	       dec_opt_string(&dst->hw_model, src->hwModel, error) &&
	       dec_opt_string(&dst->hw_serial_nr, src->hwSerialNr, error) &&
	       dec_opt_string(&dst->hw_version, src->hwVersion, error) &&
	       dec_opt_string(&dst->fw_version, src->fwVersion, error);
}

/* the ranges were checked by asn_check_constraints() (0..1023) */
static void
dec_client_slot(RsproClientSlot *dst, const ClientSlot_t *src)
{
	dst->client_id = (guint16)src->clientId;
	dst->slot_nr = (guint16)src->slotNr;
}

static void
dec_bank_slot(RsproBankSlot *dst, const BankSlot_t *src)
{
	dst->bank_id = (guint16)src->bankId;
	dst->slot_nr = (guint16)src->slotNr;
}

static void
dec_flags(RsproTpduFlags *dst, const TpduFlags_t *src)
{
	dst->tpdu_header_present = src->tpduHeaderPresent != 0;
	dst->final_part = src->finalPart != 0;
	dst->proc_byte_continue_tx = src->procByteContinueTx != 0;
	dst->proc_byte_continue_rx = src->procByteContinueRx != 0;
}

static void
dec_status(RsproSlotPhysStatus *dst, const SlotPhysStatus_t *src)
{
	dst->reset_active = src->resetActive != 0;
	dst->has_vcc_present = src->vccPresent != NULL;
	dst->vcc_present = src->vccPresent != NULL && *src->vccPresent != 0;
	dst->has_clk_active = src->clkActive != NULL;
	dst->clk_active = src->clkActive != NULL && *src->clkActive != 0;
	dst->has_card_present = src->cardPresent != NULL;
	dst->card_present = src->cardPresent != NULL && *src->cardPresent != 0;
}

static GBytes *
dec_bytes(const OCTET_STRING_t *src)
{
	return g_bytes_new(src->buf, src->size > 0 ? (gsize)src->size : 0);
}

static gboolean
dec_ip_port(RsproIpPort *dst, const IpPort_t *src, GError **error)
{
	/* sizes are fixed by the constraints (4 / 16) */
	if (src->ip.present == IpAddress_PR_ipv4) {
		memcpy(dst->addr, src->ip.choice.ipv4.buf, 4);
	} else if (src->ip.present == IpAddress_PR_ipv6) {
		dst->is_ipv6 = TRUE;
		memcpy(dst->addr, src->ip.choice.ipv6.buf, 16);
	} else {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "IpPort without address");
		return FALSE;
	}
	dst->port = (guint16)src->port;
	return TRUE;
}

static gboolean
dec_error_ind(RsproErrorInd *dst, const ErrorInd_t *src, GError **error)
{
	if (!dec_component_type(&dst->sender, src->sender, error) ||
	    !DEC_RESULT(dst->severity, src->severity, error) ||
	    !DEC_RESULT(dst->code, src->code, error))
		return FALSE;
	if (src->bankSlot != NULL) {
		dst->has_bank_slot = TRUE;
		dec_bank_slot(&dst->bank_slot, src->bankSlot);
	}
	if (src->clientSlot != NULL) {
		dst->has_client_slot = TRUE;
		dec_client_slot(&dst->client_slot, src->clientSlot);
	}
	return dec_opt_string(&dst->error_string, src->errorString, error);
}

static gboolean
dec_pdu(RsproMsg *msg, const RsproPDUchoice_t *c, GError **error)
{
	switch (c->present) {
	case RsproPDUchoice_PR_connectBankReq:
		msg->type = RSPRO_MSG_CONNECT_BANK_REQ;
		msg->u.connect_bank_req.bank_id = (guint16)c->choice.connectBankReq.bankId;
		msg->u.connect_bank_req.num_slots = (guint16)c->choice.connectBankReq.numberOfSlots;
		return dec_identity(&msg->u.connect_bank_req.identity,
				    &c->choice.connectBankReq.identity, error);
	case RsproPDUchoice_PR_connectBankRes:
		msg->type = RSPRO_MSG_CONNECT_BANK_RES;
		return DEC_RESULT(msg->u.connect_bank_res.result, c->choice.connectBankRes.result,
				  error) &&
		       dec_identity(&msg->u.connect_bank_res.identity,
				    &c->choice.connectBankRes.identity, error);
	case RsproPDUchoice_PR_connectClientReq:
		msg->type = RSPRO_MSG_CONNECT_CLIENT_REQ;
		if (c->choice.connectClientReq.clientSlot != NULL) {
			msg->u.connect_client_req.has_client_slot = TRUE;
			dec_client_slot(&msg->u.connect_client_req.client_slot,
					c->choice.connectClientReq.clientSlot);
		}
		return dec_identity(&msg->u.connect_client_req.identity,
				    &c->choice.connectClientReq.identity, error);
	case RsproPDUchoice_PR_connectClientRes:
		msg->type = RSPRO_MSG_CONNECT_CLIENT_RES;
		return DEC_RESULT(msg->u.connect_client_res.result,
				  c->choice.connectClientRes.result, error) &&
		       dec_identity(&msg->u.connect_client_res.identity,
				    &c->choice.connectClientRes.identity, error);
	case RsproPDUchoice_PR_createMappingReq:
		msg->type = RSPRO_MSG_CREATE_MAPPING_REQ;
		dec_client_slot(&msg->u.create_mapping_req.client,
				&c->choice.createMappingReq.client);
		dec_bank_slot(&msg->u.create_mapping_req.bank, &c->choice.createMappingReq.bank);
		return TRUE;
	case RsproPDUchoice_PR_createMappingRes:
		msg->type = RSPRO_MSG_CREATE_MAPPING_RES;
		return DEC_RESULT(msg->u.create_mapping_res.result,
				  c->choice.createMappingRes.result, error);
	case RsproPDUchoice_PR_removeMappingReq:
		msg->type = RSPRO_MSG_REMOVE_MAPPING_REQ;
		dec_client_slot(&msg->u.remove_mapping_req.client,
				&c->choice.removeMappingReq.client);
		dec_bank_slot(&msg->u.remove_mapping_req.bank, &c->choice.removeMappingReq.bank);
		return TRUE;
	case RsproPDUchoice_PR_removeMappingRes:
		msg->type = RSPRO_MSG_REMOVE_MAPPING_RES;
		return DEC_RESULT(msg->u.remove_mapping_res.result,
				  c->choice.removeMappingRes.result, error);
	case RsproPDUchoice_PR_configClientIdReq:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_ID_REQ;
		dec_client_slot(&msg->u.config_client_id_req.client_slot,
				&c->choice.configClientIdReq.clientSlot);
		return TRUE;
	case RsproPDUchoice_PR_configClientIdRes:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_ID_RES;
		return DEC_RESULT(msg->u.config_client_id_res.result,
				  c->choice.configClientIdRes.result, error);
	case RsproPDUchoice_PR_configClientBankReq:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_BANK_REQ;
		dec_bank_slot(&msg->u.config_client_bank_req.bank_slot,
			      &c->choice.configClientBankReq.bankSlot);
		return dec_ip_port(&msg->u.config_client_bank_req.bankd,
				   &c->choice.configClientBankReq.bankd, error);
	case RsproPDUchoice_PR_configClientBankRes:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_BANK_RES;
		return DEC_RESULT(msg->u.config_client_bank_res.result,
				  c->choice.configClientBankRes.result, error);
	case RsproPDUchoice_PR_setAtrReq:
		msg->type = RSPRO_MSG_SET_ATR_REQ;
		dec_client_slot(&msg->u.set_atr_req.slot, &c->choice.setAtrReq.slot);
		msg->u.set_atr_req.atr = dec_bytes(&c->choice.setAtrReq.atr);
		return TRUE;
	case RsproPDUchoice_PR_setAtrRes:
		msg->type = RSPRO_MSG_SET_ATR_RES;
		return DEC_RESULT(msg->u.set_atr_res.result, c->choice.setAtrRes.result, error);
	case RsproPDUchoice_PR_tpduModemToCard:
		msg->type = RSPRO_MSG_TPDU_MODEM_TO_CARD;
		dec_client_slot(&msg->u.tpdu_modem_to_card.from_client_slot,
				&c->choice.tpduModemToCard.fromClientSlot);
		dec_bank_slot(&msg->u.tpdu_modem_to_card.to_bank_slot,
			      &c->choice.tpduModemToCard.toBankSlot);
		dec_flags(&msg->u.tpdu_modem_to_card.flags, &c->choice.tpduModemToCard.flags);
		msg->u.tpdu_modem_to_card.data = dec_bytes(&c->choice.tpduModemToCard.data);
		return TRUE;
	case RsproPDUchoice_PR_tpduCardToModem:
		msg->type = RSPRO_MSG_TPDU_CARD_TO_MODEM;
		dec_bank_slot(&msg->u.tpdu_card_to_modem.from_bank_slot,
			      &c->choice.tpduCardToModem.fromBankSlot);
		dec_client_slot(&msg->u.tpdu_card_to_modem.to_client_slot,
				&c->choice.tpduCardToModem.toClientSlot);
		dec_flags(&msg->u.tpdu_card_to_modem.flags, &c->choice.tpduCardToModem.flags);
		msg->u.tpdu_card_to_modem.data = dec_bytes(&c->choice.tpduCardToModem.data);
		return TRUE;
	case RsproPDUchoice_PR_clientSlotStatusInd:
		msg->type = RSPRO_MSG_CLIENT_SLOT_STATUS_IND;
		dec_client_slot(&msg->u.client_slot_status_ind.from_client_slot,
				&c->choice.clientSlotStatusInd.fromClientSlot);
		dec_bank_slot(&msg->u.client_slot_status_ind.to_bank_slot,
			      &c->choice.clientSlotStatusInd.toBankSlot);
		dec_status(&msg->u.client_slot_status_ind.status,
			   &c->choice.clientSlotStatusInd.slotPhysStatus);
		return TRUE;
	case RsproPDUchoice_PR_bankSlotStatusInd:
		msg->type = RSPRO_MSG_BANK_SLOT_STATUS_IND;
		dec_bank_slot(&msg->u.bank_slot_status_ind.from_bank_slot,
			      &c->choice.bankSlotStatusInd.fromBankSlot);
		dec_client_slot(&msg->u.bank_slot_status_ind.to_client_slot,
				&c->choice.bankSlotStatusInd.toClientSlot);
		dec_status(&msg->u.bank_slot_status_ind.status,
			   &c->choice.bankSlotStatusInd.slotPhysStatus);
		return TRUE;
	case RsproPDUchoice_PR_errorInd:
		msg->type = RSPRO_MSG_ERROR_IND;
		return dec_error_ind(&msg->u.error_ind, &c->choice.errorInd, error);
	case RsproPDUchoice_PR_resetStateReq:
		msg->type = RSPRO_MSG_RESET_STATE_REQ;
		return TRUE;
	case RsproPDUchoice_PR_resetStateRes:
		msg->type = RSPRO_MSG_RESET_STATE_RES;
		return DEC_RESULT(msg->u.reset_state_res.result, c->choice.resetStateRes.result,
				  error);
	default:
		msg->type = RSPRO_MSG_UNKNOWN;
		return TRUE;
	}
}

static gboolean
dec_checked(RsproMsg *out, const RsproPDU_t *pdu, GError **error)
{
	char errbuf[128];
	size_t errlen = sizeof(errbuf);

	if (pdu->msg.present == RsproPDUchoice_PR_NOTHING) {
		/* an extension alternative asn1c skipped: only the header is known */
		if (pdu->version < 0 || pdu->version > RSPRO_MAX_VERSION || pdu->tag < 0 ||
		    pdu->tag > (long)RSPRO_MAX_OPERATION_TAG) {
			g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
				    "version/tag out of range");
			return FALSE;
		}
	} else if (asn_check_constraints(&asn_DEF_RsproPDU, pdu, errbuf, &errlen) != 0) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s", errbuf);
		return FALSE;
	}
	out->version = (guint)pdu->version;
	out->tag = (guint32)pdu->tag;
	return dec_pdu(out, &pdu->msg, error);
}

gboolean
rspro_msg_decode(const guint8 *data, gsize len, RsproMsg *out, GError **error)
{
	RsproPDU_t *pdu = NULL;
	asn_codec_ctx_t ctx = {.max_stack_size = RSPRO_DECODE_MAX_STACK};
	asn_dec_rval_t rv;
	gboolean ok;

	memset(out, 0, sizeof(*out));
	if (len > RSPRO_IPA_MAX_PDU) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG, "RSPRO PDU too long");
		return FALSE;
	}
	rv = ber_decode(&ctx, &asn_DEF_RsproPDU, (void **)&pdu, data, len);
	if (rv.code != RC_OK) {
		ASN_STRUCT_FREE(asn_DEF_RsproPDU, pdu);
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_MALFORMED,
			    "BER decoding failed after %zu of %" G_GSIZE_FORMAT " bytes%s",
			    rv.consumed, len, rv.code == RC_WMORE ? " (truncated)" : "");
		return FALSE;
	}
	if (rv.consumed != len) {
		ASN_STRUCT_FREE(asn_DEF_RsproPDU, pdu);
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_MALFORMED,
			    "%" G_GSIZE_FORMAT " trailing bytes after the RSPRO PDU",
			    len - rv.consumed);
		return FALSE;
	}
	ok = dec_checked(out, pdu, error);
	ASN_STRUCT_FREE(asn_DEF_RsproPDU, pdu);
	if (!ok)
		rspro_msg_clear(out);
	return ok;
}
