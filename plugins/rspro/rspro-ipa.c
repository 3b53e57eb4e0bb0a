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
#define IPA_IDTAG_MACADDR 0x07
#define IPA_IDTAG_UNIT    0x08

struct _RsproIpaDeframer {
	gsize max_payload;
	guint8 header[RSPRO_IPA_HEADER_LEN];
	gsize header_have;
	guint8 *payload;   /* announced length, allocated once the header is complete */
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

void
rspro_ipa_deframer_reset(RsproIpaDeframer *self)
{
	g_clear_pointer(&self->payload, g_free);
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
rspro_ipa_deframer_push(RsproIpaDeframer *self, const guint8 *data, gsize len,
			RsproIpaFrame *frame, GError **error)
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
				    "IPA frame of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
				    G_GSIZE_FORMAT, self->payload_len, self->max_payload);
			return -1;
		}
		/* +1 so that an empty payload still has a valid pointer */
		self->payload = g_malloc(self->payload_len + 1);
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

static void
append_id_tag(GByteArray *body, guint8 tag, const gchar *value)
{
	/* TLV: 16-bit length (tag + value + NUL), tag, NUL-terminated value */
	gsize vlen = strlen(value) + 1;
	guint8 hdr[3] = {(guint8)((vlen + 1) >> 8), (guint8)((vlen + 1) & 0xff), tag};

	g_byte_array_append(body, hdr, sizeof(hdr));
	g_byte_array_append(body, (const guint8 *)value, (guint)vlen);
}

void
rspro_ipa_append_id_resp(GByteArray *out, const guint8 *id_get, gsize len)
{
	g_autoptr(GByteArray) body = g_byte_array_new();
	guint8 type = RSPRO_CCM_ID_RESP;

	g_byte_array_append(body, &type, 1);
	/* the request lists (0x01, tag) pairs; at most 256 distinct tags matter, and
	 * the request itself is bounded by one IPA frame */
	for (gsize i = 0; i + 1 < len; i += 2) {
		guint8 tag = id_get[i + 1];

		if (body->len > RSPRO_IPA_MAX_PAYLOAD - 64)
			break;
		if (tag == IPA_IDTAG_UNIT)
			append_id_tag(body, tag, "0/0/0");
		else if (tag == IPA_IDTAG_MACADDR)
			append_id_tag(body, tag, "00:00:00:00:00:00");
		else
			append_id_tag(body, tag, "");
	}
	rspro_ipa_append_frame(out, RSPRO_IPA_PROTO_CCM, body->data, body->len, NULL);
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
