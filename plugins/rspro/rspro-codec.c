// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RsproMsg <-> asn1c structures, DER encoding and BER decoding (rspro.md B).
 *
 * Encoding checks every value against the ASN.1 constraints, builds the asn1c
 * structure on the stack with pointers borrowed from the RsproMsg (nothing is
 * allocated, nothing freed) and DER-encodes it. Decoding lets asn1c's BER
 * decoder allocate, checks every value, copies it into the RsproMsg and frees
 * the asn1c structure.
 *
 * The constraints are checked here, not with asn_check_constraints(): in asn1c
 * 0.9.28 a derived type's descriptor replaces its own constraint check with
 * the base type's (no-op) one the first time any codec function runs on it, so
 * ranges such as BankId (0..1023) would silently stop being checked.
 */
#include "rspro-msg.h"

#include <string.h>

#include "rspro-ber.h"
#include "rspro-ipa.h"
#include "rspro-tpdu.h"

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

/* IA5String (SIZE (1..max)): 7-bit characters, NUL excluded as C cannot carry it */
static gboolean
check_ia5(const guint8 *s, gsize len, gsize max, const gchar *what, GError **error)
{
	if (len < 1 || len > max) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
		            "%s: length %" G_GSIZE_FORMAT " outside 1..%" G_GSIZE_FORMAT, what, len,
		            max);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (s[i] == 0 || s[i] > 0x7f) {
			g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
			            "%s: character 0x%02x not allowed", what, s[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
check_id(long value, long max, const gchar *what, GError **error)
{
	if (value < 0 || value > max) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s %ld outside 0..%ld", what,
		            value, max);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_atr_size(long size, GError **error)
{
	if (size < 1 || size > RSPRO_ATR_MAX_LEN) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "ATR of %ld bytes", size);
		return FALSE;
	}
	return TRUE;
}

static gboolean
borrow_string(OCTET_STRING_t *dst, const gchar *s, gsize max, const gchar *what, GError **error)
{
	if (s == NULL) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s missing", what);
		return FALSE;
	}
	if (!check_ia5((const guint8 *)s, strlen(s), max, what, error))
		return FALSE;
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
	    !borrow_string(&dst->name, src->name, RSPRO_NAME_MAX_LEN, "identity name", error) ||
	    !borrow_string(&dst->software, src->software, RSPRO_NAME_MAX_LEN, "identity software",
	                   error) ||
	    !borrow_string(&dst->swVersion, src->sw_version, RSPRO_NAME_MAX_LEN,
	                   "identity swVersion", error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(opt); i++) {
		if (opt[i] == NULL)
			continue;
		if (!borrow_string(&sc->opt_names[i], opt[i], RSPRO_NAME_MAX_LEN,
		                   "identity hw/fw field", error))
			return FALSE;
		*dst_opt[i] = &sc->opt_names[i];
	}
	return TRUE;
}

static gboolean
enc_client_slot(ClientSlot_t *dst, const RsproClientSlot *src, GError **error)
{
	dst->clientId = src->client_id;
	dst->slotNr = src->slot_nr;
	return check_id(dst->clientId, RSPRO_MAX_ID, "clientId", error) &&
	       check_id(dst->slotNr, RSPRO_MAX_ID, "slotNr", error);
}

static gboolean
enc_bank_slot(BankSlot_t *dst, const RsproBankSlot *src, GError **error)
{
	dst->bankId = src->bank_id;
	dst->slotNr = src->slot_nr;
	return check_id(dst->bankId, RSPRO_MAX_ID, "bankId", error) &&
	       check_id(dst->slotNr, RSPRO_MAX_ID, "slotNr", error);
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
		if (!enc_bank_slot(&sc->bank_slot, &src->bank_slot, error))
			return FALSE;
		dst->bankSlot = &sc->bank_slot;
	}
	if (src->has_client_slot) {
		if (!enc_client_slot(&sc->client_slot, &src->client_slot, error))
			return FALSE;
		dst->clientSlot = &sc->client_slot;
	}
	if (src->error_string != NULL) {
		if (!borrow_string(&sc->error_string, src->error_string, RSPRO_ERROR_STRING_MAX_LEN,
		                   "errorString", error))
			return FALSE;
		dst->errorString = &sc->error_string;
	}
	return TRUE;
}

static gboolean
check_enum(gint value, const gchar *what, GError **error)
{
	if (value < 0) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "%s %d negative", what, value);
		return FALSE;
	}
	return TRUE;
}

/* the extensible enumerations of @msg must be non-negative (see dec_enum()) */
static gboolean
check_msg_enums(const RsproMsg *msg, GError **error)
{
	switch (msg->type) {
	case RSPRO_MSG_CONNECT_BANK_RES:
	case RSPRO_MSG_CONNECT_CLIENT_RES:
		return check_enum(msg->u.connect_bank_res.result, "result", error);
	case RSPRO_MSG_CREATE_MAPPING_RES:
	case RSPRO_MSG_REMOVE_MAPPING_RES:
	case RSPRO_MSG_CONFIG_CLIENT_ID_RES:
	case RSPRO_MSG_CONFIG_CLIENT_BANK_RES:
	case RSPRO_MSG_SET_ATR_RES:
	case RSPRO_MSG_RESET_STATE_RES:
		return check_enum(msg->u.create_mapping_res.result, "result", error);
	case RSPRO_MSG_ERROR_IND:
		return check_enum(msg->u.error_ind.severity, "severity", error) &&
		       check_enum(msg->u.error_ind.code, "code", error);
	default:
		return TRUE;
	}
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
		return check_id(msg->u.connect_bank_req.bank_id, RSPRO_MAX_ID, "bankId", error) &&
		       check_id(msg->u.connect_bank_req.num_slots, RSPRO_MAX_ID, "numberOfSlots",
		                error) &&
		       enc_identity(&c->choice.connectBankReq.identity,
		                    &msg->u.connect_bank_req.identity, sc, error);
	case RSPRO_MSG_CONNECT_BANK_RES:
		c->present = RsproPDUchoice_PR_connectBankRes;
		c->choice.connectBankRes.result = msg->u.connect_bank_res.result;
		return enc_identity(&c->choice.connectBankRes.identity,
		                    &msg->u.connect_bank_res.identity, sc, error);
	case RSPRO_MSG_CONNECT_CLIENT_REQ:
		c->present = RsproPDUchoice_PR_connectClientReq;
		if (msg->u.connect_client_req.has_client_slot) {
			if (!enc_client_slot(&sc->client_slot,
			                     &msg->u.connect_client_req.client_slot, error))
				return FALSE;
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
		return enc_client_slot(&c->choice.createMappingReq.client,
		                       &msg->u.create_mapping_req.client, error) &&
		       enc_bank_slot(&c->choice.createMappingReq.bank,
		                     &msg->u.create_mapping_req.bank, error);
	case RSPRO_MSG_CREATE_MAPPING_RES:
		c->present = RsproPDUchoice_PR_createMappingRes;
		c->choice.createMappingRes.result = msg->u.create_mapping_res.result;
		return TRUE;
	case RSPRO_MSG_REMOVE_MAPPING_REQ:
		c->present = RsproPDUchoice_PR_removeMappingReq;
		return enc_client_slot(&c->choice.removeMappingReq.client,
		                       &msg->u.remove_mapping_req.client, error) &&
		       enc_bank_slot(&c->choice.removeMappingReq.bank,
		                     &msg->u.remove_mapping_req.bank, error);
	case RSPRO_MSG_REMOVE_MAPPING_RES:
		c->present = RsproPDUchoice_PR_removeMappingRes;
		c->choice.removeMappingRes.result = msg->u.remove_mapping_res.result;
		return TRUE;
	case RSPRO_MSG_CONFIG_CLIENT_ID_REQ:
		c->present = RsproPDUchoice_PR_configClientIdReq;
		return enc_client_slot(&c->choice.configClientIdReq.clientSlot,
		                       &msg->u.config_client_id_req.client_slot, error);
	case RSPRO_MSG_CONFIG_CLIENT_ID_RES:
		c->present = RsproPDUchoice_PR_configClientIdRes;
		c->choice.configClientIdRes.result = msg->u.config_client_id_res.result;
		return TRUE;
	case RSPRO_MSG_CONFIG_CLIENT_BANK_REQ:
		c->present = RsproPDUchoice_PR_configClientBankReq;
		enc_ip_port(&c->choice.configClientBankReq.bankd,
		            &msg->u.config_client_bank_req.bankd);
		return enc_bank_slot(&c->choice.configClientBankReq.bankSlot,
		                     &msg->u.config_client_bank_req.bank_slot, error);
	case RSPRO_MSG_CONFIG_CLIENT_BANK_RES:
		c->present = RsproPDUchoice_PR_configClientBankRes;
		c->choice.configClientBankRes.result = msg->u.config_client_bank_res.result;
		return TRUE;
	case RSPRO_MSG_SET_ATR_REQ:
		c->present = RsproPDUchoice_PR_setAtrReq;
		borrow_gbytes(&c->choice.setAtrReq.atr, msg->u.set_atr_req.atr);
		return check_atr_size(c->choice.setAtrReq.atr.size, error) &&
		       enc_client_slot(&c->choice.setAtrReq.slot, &msg->u.set_atr_req.slot, error);
	case RSPRO_MSG_SET_ATR_RES:
		c->present = RsproPDUchoice_PR_setAtrRes;
		c->choice.setAtrRes.result = msg->u.set_atr_res.result;
		return TRUE;
	case RSPRO_MSG_TPDU_MODEM_TO_CARD:
		c->present = RsproPDUchoice_PR_tpduModemToCard;
		enc_flags(&c->choice.tpduModemToCard.flags, &msg->u.tpdu_modem_to_card.flags);
		borrow_gbytes(&c->choice.tpduModemToCard.data, msg->u.tpdu_modem_to_card.data);
		return enc_client_slot(&c->choice.tpduModemToCard.fromClientSlot,
		                       &msg->u.tpdu_modem_to_card.from_client_slot, error) &&
		       enc_bank_slot(&c->choice.tpduModemToCard.toBankSlot,
		                     &msg->u.tpdu_modem_to_card.to_bank_slot, error);
	case RSPRO_MSG_TPDU_CARD_TO_MODEM:
		c->present = RsproPDUchoice_PR_tpduCardToModem;
		enc_flags(&c->choice.tpduCardToModem.flags, &msg->u.tpdu_card_to_modem.flags);
		borrow_gbytes(&c->choice.tpduCardToModem.data, msg->u.tpdu_card_to_modem.data);
		return enc_bank_slot(&c->choice.tpduCardToModem.fromBankSlot,
		                     &msg->u.tpdu_card_to_modem.from_bank_slot, error) &&
		       enc_client_slot(&c->choice.tpduCardToModem.toClientSlot,
		                       &msg->u.tpdu_card_to_modem.to_client_slot, error);
	case RSPRO_MSG_CLIENT_SLOT_STATUS_IND:
		c->present = RsproPDUchoice_PR_clientSlotStatusInd;
		enc_status(&c->choice.clientSlotStatusInd.slotPhysStatus,
		           &msg->u.client_slot_status_ind.status, sc);
		return enc_client_slot(&c->choice.clientSlotStatusInd.fromClientSlot,
		                       &msg->u.client_slot_status_ind.from_client_slot, error) &&
		       enc_bank_slot(&c->choice.clientSlotStatusInd.toBankSlot,
		                     &msg->u.client_slot_status_ind.to_bank_slot, error);
	case RSPRO_MSG_BANK_SLOT_STATUS_IND:
		c->present = RsproPDUchoice_PR_bankSlotStatusInd;
		enc_status(&c->choice.bankSlotStatusInd.slotPhysStatus,
		           &msg->u.bank_slot_status_ind.status, sc);
		return enc_bank_slot(&c->choice.bankSlotStatusInd.fromBankSlot,
		                     &msg->u.bank_slot_status_ind.from_bank_slot, error) &&
		       enc_client_slot(&c->choice.bankSlotStatusInd.toClientSlot,
		                       &msg->u.bank_slot_status_ind.to_client_slot, error);
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
	guint start = out->len;

	if (msg->tag > RSPRO_MAX_OPERATION_TAG || msg->version > RSPRO_MAX_VERSION) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
		            "version %u / tag %u out of range", msg->version, msg->tag);
		return FALSE;
	}
	if (rspro_tpdu_encode(msg, out) == RSPRO_TPDU_DONE)
		return TRUE;
	memset(&sc, 0, sizeof(sc));
	if (!check_msg_enums(msg, error) || !enc_pdu(msg, &sc, error)) {
		g_prefix_error(error, "%s: ", rspro_msg_type_name(msg->type));
		return FALSE;
	}
	rv = der_encode(&asn_DEF_RsproPDU, &sc.pdu, append_cb, out);
	if (rv.encoded < 0) {
		g_byte_array_set_size(out, start);
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID,
		            "%s: DER encoding failed at %s", rspro_msg_type_name(msg->type),
		            rv.failed_type != NULL ? rv.failed_type->name : "?");
		return FALSE;
	}
	return TRUE;
}

/* The DER goes straight after a reserved IPA header in @out (no temporary
 * buffer: a link that reuses @out allocates nothing per frame). */
gboolean
rspro_msg_encode_ipa(const RsproMsg *msg, GByteArray *out, GError **error)
{
	const guint8 reserved[RSPRO_IPA_HEADER_LEN + 1] = {0};
	guint start = out->len;
	gsize len;

	g_byte_array_append(out, reserved, sizeof(reserved));
	if (!rspro_msg_encode(msg, out, error)) {
		g_byte_array_set_size(out, start);
		return FALSE;
	}
	len = out->len - start - sizeof(reserved);
	if (len > RSPRO_IPA_MAX_PDU) {
		g_byte_array_set_size(out, start);
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG,
		            "RSPRO PDU of %" G_GSIZE_FORMAT " bytes does not fit an IPA frame",
		            len);
		return FALSE;
	}
	out->data[start] = (guint8)((len + 1) >> 8);
	out->data[start + 1] = (guint8)((len + 1) & 0xff);
	out->data[start + 2] = RSPRO_IPA_PROTO_OSMO;
	out->data[start + 3] = RSPRO_IPA_EXT_RSPRO;
	return TRUE;
}

/* ---- decoding ---- */

static gboolean
dec_string(gchar **dst, const OCTET_STRING_t *src, gsize max, const gchar *what, GError **error)
{
	if (!check_ia5(src->buf, src->size > 0 ? (gsize)src->size : 0, max, what, error))
		return FALSE;
	*dst = g_strndup((const gchar *)src->buf, (gsize)src->size);
	return TRUE;
}

static gboolean
dec_name(gchar **dst, const OCTET_STRING_t *src, const gchar *what, GError **error)
{
	return src == NULL || dec_string(dst, src, RSPRO_NAME_MAX_LEN, what, error);
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

/* extensible enumerations: any value of a later version is kept, but only
 * non-negative ones (all defined values are; asn1c 0.9.28 DER-encodes a negative
 * ENUMERATED as a large positive number, so it could not be sent back anyway) */
static gboolean
dec_enum(gint *dst, long src, GError **error)
{
	if (src < 0 || src > G_MAXINT) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "enumeration value %ld", src);
		return FALSE;
	}
	*dst = (gint)src;
	return TRUE;
}

#define DEC_ENUM(dst, src, error) dec_enum((gint *)&(dst), (src), (error))

static gboolean
dec_identity(RsproIdentity *dst, const ComponentIdentity_t *src, GError **error)
{
	return dec_component_type(&dst->type, src->type, error) &&
	       dec_name(&dst->name, &src->name, "identity name", error) &&
	       dec_name(&dst->software, &src->software, "identity software", error) &&
	       dec_name(&dst->sw_version, &src->swVersion, "identity swVersion", error) &&
	       dec_name(&dst->hw_manufacturer, src->hwManufacturer, "hwManufacturer", error) &&
	       dec_name(&dst->hw_model, src->hwModel, "hwModel", error) &&
	       dec_name(&dst->hw_serial_nr, src->hwSerialNr, "hwSerialNr", error) &&
	       dec_name(&dst->hw_version, src->hwVersion, "hwVersion", error) &&
	       dec_name(&dst->fw_version, src->fwVersion, "fwVersion", error);
}

static gboolean
dec_id(guint16 *dst, long src, const gchar *what, GError **error)
{
	if (!check_id(src, RSPRO_MAX_ID, what, error))
		return FALSE;
	*dst = (guint16)src;
	return TRUE;
}

static gboolean
dec_client_slot(RsproClientSlot *dst, const ClientSlot_t *src, GError **error)
{
	return dec_id(&dst->client_id, src->clientId, "clientId", error) &&
	       dec_id(&dst->slot_nr, src->slotNr, "slotNr", error);
}

static gboolean
dec_bank_slot(RsproBankSlot *dst, const BankSlot_t *src, GError **error)
{
	return dec_id(&dst->bank_id, src->bankId, "bankId", error) &&
	       dec_id(&dst->slot_nr, src->slotNr, "slotNr", error);
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
	if (src->ip.present == IpAddress_PR_ipv4 && src->ip.choice.ipv4.size == 4) {
		memcpy(dst->addr, src->ip.choice.ipv4.buf, 4);
	} else if (src->ip.present == IpAddress_PR_ipv6 && src->ip.choice.ipv6.size == 16) {
		dst->is_ipv6 = TRUE;
		memcpy(dst->addr, src->ip.choice.ipv6.buf, 16);
	} else {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "IpPort address invalid");
		return FALSE;
	}
	if (src->port < 0 || src->port > G_MAXUINT16) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_INVALID, "port %ld", src->port);
		return FALSE;
	}
	dst->port = (guint16)src->port;
	return TRUE;
}

static gboolean
dec_error_ind(RsproErrorInd *dst, const ErrorInd_t *src, GError **error)
{
	if (!dec_component_type(&dst->sender, src->sender, error) ||
	    !DEC_ENUM(dst->severity, src->severity, error) ||
	    !DEC_ENUM(dst->code, src->code, error))
		return FALSE;
	if (src->bankSlot != NULL) {
		dst->has_bank_slot = TRUE;
		if (!dec_bank_slot(&dst->bank_slot, src->bankSlot, error))
			return FALSE;
	}
	if (src->clientSlot != NULL) {
		dst->has_client_slot = TRUE;
		if (!dec_client_slot(&dst->client_slot, src->clientSlot, error))
			return FALSE;
	}
	return src->errorString == NULL ||
	       dec_string(&dst->error_string, src->errorString, RSPRO_ERROR_STRING_MAX_LEN,
	                  "errorString", error);
}

static gboolean
dec_pdu(RsproMsg *msg, const RsproPDUchoice_t *x, GError **error)
{
	switch (x->present) {
	case RsproPDUchoice_PR_connectBankReq:
		msg->type = RSPRO_MSG_CONNECT_BANK_REQ;
		return dec_id(&msg->u.connect_bank_req.bank_id, x->choice.connectBankReq.bankId,
		              "bankId", error) &&
		       dec_id(&msg->u.connect_bank_req.num_slots,
		              x->choice.connectBankReq.numberOfSlots, "numberOfSlots", error) &&
		       dec_identity(&msg->u.connect_bank_req.identity,
		                    &x->choice.connectBankReq.identity, error);
	case RsproPDUchoice_PR_connectBankRes:
		msg->type = RSPRO_MSG_CONNECT_BANK_RES;
		return DEC_ENUM(msg->u.connect_bank_res.result, x->choice.connectBankRes.result,
		                error) &&
		       dec_identity(&msg->u.connect_bank_res.identity,
		                    &x->choice.connectBankRes.identity, error);
	case RsproPDUchoice_PR_connectClientReq:
		msg->type = RSPRO_MSG_CONNECT_CLIENT_REQ;
		if (x->choice.connectClientReq.clientSlot != NULL) {
			msg->u.connect_client_req.has_client_slot = TRUE;
			if (!dec_client_slot(&msg->u.connect_client_req.client_slot,
			                     x->choice.connectClientReq.clientSlot, error))
				return FALSE;
		}
		return dec_identity(&msg->u.connect_client_req.identity,
		                    &x->choice.connectClientReq.identity, error);
	case RsproPDUchoice_PR_connectClientRes:
		msg->type = RSPRO_MSG_CONNECT_CLIENT_RES;
		return DEC_ENUM(msg->u.connect_client_res.result, x->choice.connectClientRes.result,
		                error) &&
		       dec_identity(&msg->u.connect_client_res.identity,
		                    &x->choice.connectClientRes.identity, error);
	case RsproPDUchoice_PR_createMappingReq:
		msg->type = RSPRO_MSG_CREATE_MAPPING_REQ;
		return dec_client_slot(&msg->u.create_mapping_req.client,
		                       &x->choice.createMappingReq.client, error) &&
		       dec_bank_slot(&msg->u.create_mapping_req.bank,
		                     &x->choice.createMappingReq.bank, error);
	case RsproPDUchoice_PR_createMappingRes:
		msg->type = RSPRO_MSG_CREATE_MAPPING_RES;
		return DEC_ENUM(msg->u.create_mapping_res.result, x->choice.createMappingRes.result,
		                error);
	case RsproPDUchoice_PR_removeMappingReq:
		msg->type = RSPRO_MSG_REMOVE_MAPPING_REQ;
		return dec_client_slot(&msg->u.remove_mapping_req.client,
		                       &x->choice.removeMappingReq.client, error) &&
		       dec_bank_slot(&msg->u.remove_mapping_req.bank,
		                     &x->choice.removeMappingReq.bank, error);
	case RsproPDUchoice_PR_removeMappingRes:
		msg->type = RSPRO_MSG_REMOVE_MAPPING_RES;
		return DEC_ENUM(msg->u.remove_mapping_res.result, x->choice.removeMappingRes.result,
		                error);
	case RsproPDUchoice_PR_configClientIdReq:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_ID_REQ;
		return dec_client_slot(&msg->u.config_client_id_req.client_slot,
		                       &x->choice.configClientIdReq.clientSlot, error);
	case RsproPDUchoice_PR_configClientIdRes:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_ID_RES;
		return DEC_ENUM(msg->u.config_client_id_res.result,
		                x->choice.configClientIdRes.result, error);
	case RsproPDUchoice_PR_configClientBankReq:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_BANK_REQ;
		return dec_bank_slot(&msg->u.config_client_bank_req.bank_slot,
		                     &x->choice.configClientBankReq.bankSlot, error) &&
		       dec_ip_port(&msg->u.config_client_bank_req.bankd,
		                   &x->choice.configClientBankReq.bankd, error);
	case RsproPDUchoice_PR_configClientBankRes:
		msg->type = RSPRO_MSG_CONFIG_CLIENT_BANK_RES;
		return DEC_ENUM(msg->u.config_client_bank_res.result,
		                x->choice.configClientBankRes.result, error);
	case RsproPDUchoice_PR_setAtrReq:
		msg->type = RSPRO_MSG_SET_ATR_REQ;
		if (!check_atr_size(x->choice.setAtrReq.atr.size, error))
			return FALSE;
		msg->u.set_atr_req.atr = dec_bytes(&x->choice.setAtrReq.atr);
		return dec_client_slot(&msg->u.set_atr_req.slot, &x->choice.setAtrReq.slot, error);
	case RsproPDUchoice_PR_setAtrRes:
		msg->type = RSPRO_MSG_SET_ATR_RES;
		return DEC_ENUM(msg->u.set_atr_res.result, x->choice.setAtrRes.result, error);
	case RsproPDUchoice_PR_tpduModemToCard:
		msg->type = RSPRO_MSG_TPDU_MODEM_TO_CARD;
		dec_flags(&msg->u.tpdu_modem_to_card.flags, &x->choice.tpduModemToCard.flags);
		msg->u.tpdu_modem_to_card.data = dec_bytes(&x->choice.tpduModemToCard.data);
		return dec_client_slot(&msg->u.tpdu_modem_to_card.from_client_slot,
		                       &x->choice.tpduModemToCard.fromClientSlot, error) &&
		       dec_bank_slot(&msg->u.tpdu_modem_to_card.to_bank_slot,
		                     &x->choice.tpduModemToCard.toBankSlot, error);
	case RsproPDUchoice_PR_tpduCardToModem:
		msg->type = RSPRO_MSG_TPDU_CARD_TO_MODEM;
		dec_flags(&msg->u.tpdu_card_to_modem.flags, &x->choice.tpduCardToModem.flags);
		msg->u.tpdu_card_to_modem.data = dec_bytes(&x->choice.tpduCardToModem.data);
		return dec_bank_slot(&msg->u.tpdu_card_to_modem.from_bank_slot,
		                     &x->choice.tpduCardToModem.fromBankSlot, error) &&
		       dec_client_slot(&msg->u.tpdu_card_to_modem.to_client_slot,
		                       &x->choice.tpduCardToModem.toClientSlot, error);
	case RsproPDUchoice_PR_clientSlotStatusInd:
		msg->type = RSPRO_MSG_CLIENT_SLOT_STATUS_IND;
		dec_status(&msg->u.client_slot_status_ind.status,
		           &x->choice.clientSlotStatusInd.slotPhysStatus);
		return dec_client_slot(&msg->u.client_slot_status_ind.from_client_slot,
		                       &x->choice.clientSlotStatusInd.fromClientSlot, error) &&
		       dec_bank_slot(&msg->u.client_slot_status_ind.to_bank_slot,
		                     &x->choice.clientSlotStatusInd.toBankSlot, error);
	case RsproPDUchoice_PR_bankSlotStatusInd:
		msg->type = RSPRO_MSG_BANK_SLOT_STATUS_IND;
		dec_status(&msg->u.bank_slot_status_ind.status,
		           &x->choice.bankSlotStatusInd.slotPhysStatus);
		return dec_bank_slot(&msg->u.bank_slot_status_ind.from_bank_slot,
		                     &x->choice.bankSlotStatusInd.fromBankSlot, error) &&
		       dec_client_slot(&msg->u.bank_slot_status_ind.to_client_slot,
		                       &x->choice.bankSlotStatusInd.toClientSlot, error);
	case RsproPDUchoice_PR_errorInd:
		msg->type = RSPRO_MSG_ERROR_IND;
		return dec_error_ind(&msg->u.error_ind, &x->choice.errorInd, error);
	case RsproPDUchoice_PR_resetStateReq:
		msg->type = RSPRO_MSG_RESET_STATE_REQ;
		return TRUE;
	case RsproPDUchoice_PR_resetStateRes:
		msg->type = RSPRO_MSG_RESET_STATE_RES;
		return DEC_ENUM(msg->u.reset_state_res.result, x->choice.resetStateRes.result,
		                error);
	default:
		/* an extension alternative asn1c skipped */
		msg->type = RSPRO_MSG_UNKNOWN;
		return TRUE;
	}
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
	if (rspro_tpdu_decode(data, len, out) == RSPRO_TPDU_DONE)
		return TRUE;
	if (!rspro_ber_check(data, len)) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_MALFORMED,
		            "not a well-formed BER encoding of %" G_GSIZE_FORMAT " bytes", len);
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
	ok = check_id(pdu->version, RSPRO_MAX_VERSION, "version", error) &&
	     check_id(pdu->tag, RSPRO_MAX_OPERATION_TAG, "tag", error);
	if (ok) {
		out->version = (guint)pdu->version;
		out->tag = (guint32)pdu->tag;
		ok = dec_pdu(out, &pdu->msg, error);
		if (!ok)
			g_prefix_error(error, "%s: ", rspro_msg_type_name(out->type));
	}
	ASN_STRUCT_FREE(asn_DEF_RsproPDU, pdu);
	if (!ok)
		rspro_msg_clear(out);
	return ok;
}
