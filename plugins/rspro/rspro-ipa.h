// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPA framing as used by RSPRO (rspro.md A.2): a 3-byte header (16-bit big-endian
 * payload length, stream identifier) followed by the payload. RSPRO PDUs travel
 * in stream 0xEE with the extension byte 0x07; keep-alive and identity messages
 * (CCM) in stream 0xFE. Plain C, no I/O.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RSPRO_IPA_HEADER_LEN 3
#define RSPRO_IPA_MAX_PAYLOAD 65535u
#define RSPRO_IPA_PROTO_OSMO 0xEE
#define RSPRO_IPA_PROTO_CCM 0xFE
#define RSPRO_IPA_EXT_RSPRO 0x07
/* the largest DER PDU that fits one frame (the extension byte takes one) */
#define RSPRO_IPA_MAX_PDU (RSPRO_IPA_MAX_PAYLOAD - 1)

typedef enum {
	RSPRO_CCM_PING = 0x00,
	RSPRO_CCM_PONG = 0x01,
	RSPRO_CCM_ID_GET = 0x04,
	RSPRO_CCM_ID_RESP = 0x05,
	RSPRO_CCM_ID_ACK = 0x06,
} RsproCcmType;

/* One complete frame as returned by the deframer. payload is valid until the next
 * call on the deframer that returned it. */
typedef struct {
	gboolean complete;
	guint8 proto;
	const guint8 *payload;
	gsize len;
} RsproIpaFrame;

typedef enum {
	RSPRO_IPA_KIND_INVALID, /* unknown stream, unknown extension, or empty payload */
	RSPRO_IPA_KIND_RSPRO,   /* body = the DER/BER RsproPDU */
	RSPRO_IPA_KIND_CCM,     /* body[0] = RsproCcmType, then its TLVs */
} RsproIpaKind;

typedef struct _RsproIpaDeframer RsproIpaDeframer;

/* max_payload: frames announcing a longer payload are refused (0 = 65535). The
 * buffer grows to the announced size of the frame being read, never beyond. */
RsproIpaDeframer *rspro_ipa_deframer_new(gsize max_payload);
void rspro_ipa_deframer_free(RsproIpaDeframer *self);
void rspro_ipa_deframer_reset(RsproIpaDeframer *self);
/* TRUE while part of a frame has been received but not all of it */
gboolean rspro_ipa_deframer_is_partial(const RsproIpaDeframer *self);

/*
 * Feeds bytes; consumes at most up to the end of one frame. Returns the number
 * of bytes consumed (the caller feeds the rest next) and fills *frame; when
 * frame->complete is TRUE, a full frame is ready. Returns -1 with @error set if
 * the header announces more than max_payload; the deframer must then be reset
 * (the connection is useless anyway).
 */
gssize rspro_ipa_deframer_push(RsproIpaDeframer *self, const guint8 *data, gsize len,
                               RsproIpaFrame *frame, GError **error);

/* What a complete frame carries; body and body_len point into the frame. */
RsproIpaKind rspro_ipa_frame_kind(const RsproIpaFrame *frame, const guint8 **body, gsize *body_len);

/* Appends a frame of any stream; fails if len > 65535. */
gboolean rspro_ipa_append_frame(GByteArray *out, guint8 proto, const guint8 *payload, gsize len,
                                GError **error);
/* Appends an RSPRO frame (EE 07 + pdu); fails if the PDU exceeds RSPRO_IPA_MAX_PDU. */
gboolean rspro_ipa_append_rspro(GByteArray *out, const guint8 *pdu, gsize len, GError **error);
/* Appends a one-byte CCM frame such as PING: 00 01 FE 00 */
void rspro_ipa_append_ccm(GByteArray *out, RsproCcmType type);
/*
 * Appends the ID_RESP answering an ID_GET (@id_get: its body after the type
 * byte) as libosmocore does for the all-zero unit identity upstream clients
 * use: unit id "0/0/0", MAC address "00:00:00:00:00:00", unit name
 * "00-00-00-00-00-00", the other known tags empty. Returns FALSE (and appends
 * nothing) if a tag is unknown; libosmocore then answers nothing. No upstream
 * peer sends ID_GET.
 */
gboolean rspro_ipa_append_id_resp(GByteArray *out, const guint8 *id_get, gsize len);
const gchar *rspro_ccm_type_name(guint8 type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RsproIpaDeframer, rspro_ipa_deframer_free)

G_END_DECLS
