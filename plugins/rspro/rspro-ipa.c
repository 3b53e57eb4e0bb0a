// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPA deframer and frame writers (rspro.md A.2, A.3). The deframer holds at most
 * one frame: it reads the 3-byte header, then grows its buffer to exactly the
 * announced payload length (bounded by max_payload) and hands the frame out.
 */
#include "rspro-ipa.h"

#include <string.h>

#include "rspro-error.h"

/* CCM identity tags (IPA ID_GET / ID_RESP) */
enum {
	IPA_IDTAG_SERNR = 0x00,
	IPA_IDTAG_UNITNAME = 0x01,
	IPA_IDTAG_LOCATION1 = 0x02,
	IPA_IDTAG_LOCATION2 = 0x03,
	IPA_IDTAG_EQUIPVERS = 0x04,
	IPA_IDTAG_SWVERSION = 0x05,
	IPA_IDTAG_MACADDR = 0x07,
	IPA_IDTAG_UNIT = 0x08,
};

struct _RsproIpaDeframer {
	gsize max_payload;
	guint8 header[RSPRO_IPA_HEADER_LEN];
	gsize header_have;
	guint8 *payload; /* room for the announced length, kept from frame to frame */
	gsize payload_cap;
	gsize payload_len;
	gsize payload_have;
	gboolean delivered; /* the last push returned a complete frame */
};

RsproIpaDeframer *
rspro_ipa_deframer_new(gsize max_payload)
{
	RsproIpaDeframer *self = g_new0(RsproIpaDeframer, 1);

	if (max_payload == 0 || max_payload > RSPRO_IPA_MAX_PAYLOAD)
		max_payload = RSPRO_IPA_MAX_PAYLOAD;
	self->max_payload = max_payload;
	return self;
}

/* a buffer this small stays for the next frame (no allocation per frame) */
#define KEEP_PAYLOAD_CAP 4096

void
rspro_ipa_deframer_reset(RsproIpaDeframer *self)
{
	if (self->payload_cap > KEEP_PAYLOAD_CAP) {
		g_clear_pointer(&self->payload, g_free);
		self->payload_cap = 0;
	}
	self->header_have = 0;
	self->payload_len = 0;
	self->payload_have = 0;
	self->delivered = FALSE;
}

void
rspro_ipa_deframer_free(RsproIpaDeframer *self)
{
	if (self == NULL)
		return;
	g_free(self->payload);
	g_free(self);
}

gboolean
rspro_ipa_deframer_is_partial(const RsproIpaDeframer *self)
{
	return !self->delivered && self->header_have > 0;
}

gssize
rspro_ipa_deframer_push(RsproIpaDeframer *self, const guint8 *data, gsize len, RsproIpaFrame *frame,
                        GError **error)
{
	gsize used = 0;

	memset(frame, 0, sizeof(*frame));
	if (self->delivered)
		rspro_ipa_deframer_reset(self);

	if (self->header_have < RSPRO_IPA_HEADER_LEN) {
		gsize n = MIN(len, RSPRO_IPA_HEADER_LEN - self->header_have);

		memcpy(self->header + self->header_have, data, n);
		self->header_have += n;
		used += n;
		if (self->header_have < RSPRO_IPA_HEADER_LEN)
			return (gssize)used;
		self->payload_len = ((gsize)self->header[0] << 8) | self->header[1];
		if (self->payload_len > self->max_payload) {
			g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG,
			            "IPA frame of %" G_GSIZE_FORMAT
			            " bytes exceeds the limit of %" G_GSIZE_FORMAT,
			            self->payload_len, self->max_payload);
			return -1;
		}
		/* +1 so that an empty payload still has a valid pointer */
		if (self->payload_len + 1 > self->payload_cap) {
			g_free(self->payload);
			self->payload_cap = MAX(self->payload_len + 1, 256);
			self->payload = g_malloc(self->payload_cap);
		}
		self->payload_have = 0;
	}

	{
		gsize n = MIN(len - used, self->payload_len - self->payload_have);

		if (n > 0)
			memcpy(self->payload + self->payload_have, data + used, n);
		self->payload_have += n;
		used += n;
	}
	if (self->payload_have == self->payload_len) {
		frame->complete = TRUE;
		frame->proto = self->header[2];
		frame->payload = self->payload;
		frame->len = self->payload_len;
		self->delivered = TRUE;
	}
	return (gssize)used;
}

RsproIpaKind
rspro_ipa_frame_kind(const RsproIpaFrame *frame, const guint8 **body, gsize *body_len)
{
	*body = NULL;
	*body_len = 0;
	if (!frame->complete || frame->len < 1)
		return RSPRO_IPA_KIND_INVALID;
	if (frame->proto == RSPRO_IPA_PROTO_CCM) {
		*body = frame->payload;
		*body_len = frame->len;
		return RSPRO_IPA_KIND_CCM;
	}
	if (frame->proto == RSPRO_IPA_PROTO_OSMO && frame->payload[0] == RSPRO_IPA_EXT_RSPRO) {
		*body = frame->payload + 1;
		*body_len = frame->len - 1;
		return RSPRO_IPA_KIND_RSPRO;
	}
	return RSPRO_IPA_KIND_INVALID;
}

gboolean
rspro_ipa_append_frame(GByteArray *out, guint8 proto, const guint8 *payload, gsize len,
                       GError **error)
{
	guint8 hdr[RSPRO_IPA_HEADER_LEN];

	if (len > RSPRO_IPA_MAX_PAYLOAD) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG,
		            "IPA payload of %" G_GSIZE_FORMAT " bytes does not fit a frame", len);
		return FALSE;
	}
	hdr[0] = (guint8)(len >> 8);
	hdr[1] = (guint8)(len & 0xff);
	hdr[2] = proto;
	g_byte_array_append(out, hdr, sizeof(hdr));
	if (len > 0)
		g_byte_array_append(out, payload, (guint)len);
	return TRUE;
}

gboolean
rspro_ipa_append_rspro(GByteArray *out, const guint8 *pdu, gsize len, GError **error)
{
	guint8 hdr[RSPRO_IPA_HEADER_LEN + 1];

	if (len > RSPRO_IPA_MAX_PDU) {
		g_set_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG,
		            "RSPRO PDU of %" G_GSIZE_FORMAT " bytes does not fit an IPA frame",
		            len);
		return FALSE;
	}
	hdr[0] = (guint8)((len + 1) >> 8);
	hdr[1] = (guint8)((len + 1) & 0xff);
	hdr[2] = RSPRO_IPA_PROTO_OSMO;
	hdr[3] = RSPRO_IPA_EXT_RSPRO;
	g_byte_array_append(out, hdr, sizeof(hdr));
	if (len > 0)
		g_byte_array_append(out, pdu, (guint)len);
	return TRUE;
}

void
rspro_ipa_append_ccm(GByteArray *out, RsproCcmType type)
{
	const guint8 frame[] = {0x00, 0x01, RSPRO_IPA_PROTO_CCM, (guint8)type};

	g_byte_array_append(out, frame, sizeof(frame));
}

/* the value an all-zero unit identity gives for @tag; NULL for a tag libosmocore
 * does not know (it then sends no ID_RESP at all) */
static const gchar *
id_tag_value(guint8 tag)
{
	switch (tag) {
	case IPA_IDTAG_UNIT:
		return "0/0/0"; /* site/bts/trx */
	case IPA_IDTAG_MACADDR:
		return "00:00:00:00:00:00";
	case IPA_IDTAG_UNITNAME:
		return "00-00-00-00-00-00"; /* no unit name: the MAC address, dashed */
	case IPA_IDTAG_SERNR:
	case IPA_IDTAG_LOCATION1:
	case IPA_IDTAG_LOCATION2:
	case IPA_IDTAG_EQUIPVERS:
	case IPA_IDTAG_SWVERSION:
		return "";
	default:
		return NULL;
	}
}

gboolean
rspro_ipa_append_id_resp(GByteArray *out, const guint8 *id_get, gsize len)
{
	g_autoptr(GByteArray) body = g_byte_array_new();
	guint8 type = RSPRO_CCM_ID_RESP;
	gsize off = 0;

	g_byte_array_append(body, &type, 1);
	/* the request: entries of a length octet (counting the tag), the tag and
	 * length - 1 further octets; a zero length ends the list */
	while (len - off >= 2) {
		guint8 t_len = id_get[off], tag = id_get[off + 1];
		const gchar *value;
		guint8 tlv[3];
		gsize vlen;

		if (t_len == 0 || t_len - 1u > len - off - 2)
			break;
		off += 2 + (t_len - 1u);
		value = id_tag_value(tag);
		if (value == NULL)
			return FALSE;
		/* answer: 0x00, length (tag + value + NUL), tag, value, NUL */
		vlen = strlen(value) + 1;
		tlv[0] = 0x00;
		tlv[1] = (guint8)(vlen + 1);
		tlv[2] = tag;
		if (body->len + sizeof(tlv) + vlen > RSPRO_IPA_MAX_PAYLOAD)
			return FALSE;
		g_byte_array_append(body, tlv, sizeof(tlv));
		g_byte_array_append(body, (const guint8 *)value, (guint)vlen);
	}
	return rspro_ipa_append_frame(out, RSPRO_IPA_PROTO_CCM, body->data, body->len, NULL);
}

const gchar *
rspro_ccm_type_name(guint8 type)
{
	switch (type) {
	case RSPRO_CCM_PING:
		return "PING";
	case RSPRO_CCM_PONG:
		return "PONG";
	case RSPRO_CCM_ID_GET:
		return "ID_GET";
	case RSPRO_CCM_ID_RESP:
		return "ID_RESP";
	case RSPRO_CCM_ID_ACK:
		return "ID_ACK";
	default:
		return "unknown";
	}
}
