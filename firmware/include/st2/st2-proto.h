// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SIMtrace2 cardem USB message protocol: constants, encoders and decoders.
 *
 * One definition for both sides (the firmware core and the host driver).
 * Plain C11, no I/O, no heap. Every multi-byte field is little-endian on the
 * wire, whatever the byte order of the machine running this code.
 *
 * Encoders write one whole message (header included) into a caller buffer and
 * return its length, or 0 when the buffer is too small or an argument is out
 * of range. Decoders return true when the bytes form a valid message or
 * payload and fill the output structure; pointers in outputs point into the
 * caller's buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* USB identities (SIMtrace 2 board, first cardem interface) */
#define ST2_USB_VID			0x1d50
#define ST2_USB_PID_SIMTRACE2		0x60e3
#define ST2_USB_PID_QMOD		0x4004
#define ST2_USB_PID_OWHW		0x4001
#define ST2_USB_PID_OCTSIMTEST		0x616d
#define ST2_USB_PID_NGFF_CARDEM		0x616e
#define ST2_USB_CLASS_VENDOR		0xff
#define ST2_USB_SUBCLASS_CARDEM		0x02
#define ST2_EP_OUT_0			0x04
#define ST2_EP_IN_0			0x85
#define ST2_EP_IRQ_0			0x86
#define ST2_EP_OUT_1			0x01
#define ST2_EP_IN_1			0x82
#define ST2_EP_IRQ_1			0x83

/* sizes */
#define ST2_MSG_HDR_LEN			8
#define ST2_MSG_MAX			280	/* largest OUT transfer / IN message */
#define ST2_DATA_HDR_LEN		6	/* flags + data_len of TX_DATA/RX_DATA */
#define ST2_ATR_MAX			33
#define ST2_STATUS_LEN			13
#define ST2_PTS_LEN			13
#define ST2_CONFIG_LEN			6
#define ST2_BOARD_INFO_LEN		234	/* without the capability masks */

/* message classes */
enum st2_msg_class {
	ST2_CLASS_GENERIC = 0x00,
	ST2_CLASS_CARDEM = 0x01,
	ST2_CLASS_MODEM = 0x02,
	ST2_CLASS_SNIFF = 0x03,
};

/* GENERIC types */
#define ST2_GEN_DO_ERROR		0x00
#define ST2_GEN_BD_BOARD_INFO		0x01

/* CARDEM types */
#define ST2_CEMU_DT_TX_DATA		0x01
#define ST2_CEMU_DT_SET_ATR		0x02
#define ST2_CEMU_BD_STATS		0x03
#define ST2_CEMU_BD_STATUS		0x04
#define ST2_CEMU_DT_CARDINSERT		0x05
#define ST2_CEMU_DO_RX_DATA		0x06
#define ST2_CEMU_DO_PTS			0x07
#define ST2_CEMU_BD_CONFIG		0x08

/* MODEM types */
#define ST2_MODEM_DT_RESET		0x01
#define ST2_MODEM_DT_SIM_SELECT		0x02
#define ST2_MODEM_BD_STATUS		0x03

/* TX_DATA / RX_DATA flags */
#define ST2_DATA_F_TPDU_HDR		0x00000001u
#define ST2_DATA_F_FINAL		0x00000002u
#define ST2_DATA_F_PB_AND_TX		0x00000004u
#define ST2_DATA_F_PB_AND_RX		0x00000008u

/* STATUS flags */
#define ST2_STATUS_F_VCC_PRESENT	0x00000001u
#define ST2_STATUS_F_CLK_ACTIVE		0x00000002u
#define ST2_STATUS_F_RCEMU_ACTIVE	0x00000004u
#define ST2_STATUS_F_CARD_INSERT	0x00000008u
#define ST2_STATUS_F_RESET_ACTIVE	0x00000010u

/* CONFIG features */
#define ST2_FEAT_STATUS_IRQ		0x00000001u
#define ST2_FEAT_ALL			ST2_FEAT_STATUS_IRQ

/* CONFIG pres_pol bits */
#define ST2_PRES_POL_HIGH		0x01
#define ST2_PRES_POL_VALID		0x02

/* MODEM_RESET asserted values */
#define ST2_MODEM_RESET_RELEASE		0
#define ST2_MODEM_RESET_ASSERT		1
#define ST2_MODEM_RESET_PULSE		2

/* little-endian helpers */
static inline uint16_t
st2_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
st2_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline void
st2_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
st2_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* one decoded message; payload points into the decoded buffer */
struct st2_msg {
	uint8_t msg_class;
	uint8_t msg_type;
	uint8_t seq_nr;
	uint8_t slot_nr;
	uint16_t msg_len;		/* as on the wire, header included */
	const uint8_t *payload;
	uint16_t payload_len;		/* msg_len - 8 */
};

/* TX_DATA / RX_DATA payload */
struct st2_data {
	uint32_t flags;
	uint16_t data_len;		/* as on the wire */
	const uint8_t *data;		/* bytes after the 6-byte sub-header ... */
	uint16_t len;			/* ... up to msg_len (what the firmware uses) */
};

struct st2_status {
	uint32_t flags;
	uint16_t voltage_mv;
	uint8_t f_index;
	uint8_t d_index;
	uint8_t wi;
	uint32_t waiting_time;
};

/* CONFIG; `present` counts the payload bytes given (4: features, 5: +mux, 6: +pres_pol) */
struct st2_config {
	uint32_t features;
	uint8_t slot_mux_nr;
	uint8_t pres_pol;
	uint8_t present;
};

struct st2_pts {
	uint8_t pts_len;
	uint8_t req[6];
	uint8_t resp[6];
};

struct st2_modem_reset {
	uint8_t asserted;
	uint16_t pulse_ms;
};

struct st2_board_info {
	char hw_manufacturer[32];
	char hw_model[32];
	char hw_version[32];
	char sw_provider[32];
	char sw_name[32];
	char sw_version[32];
	char sw_buildhost[32];
	uint32_t sw_crc32;
	uint32_t max_baud_rate;
	uint8_t cap_generic_bytes;	/* <= 4 */
	uint8_t cap_vendor_bytes;	/* <= 4 */
	uint32_t cap_generic;		/* bit numbers per the sheet */
	uint32_t cap_vendor;
};

/*
 * Split the next message off a transfer. *offset is where to start and is
 * advanced past the message. Returns false at the end of the buffer or when the
 * remaining bytes are not a whole message (shorter than a header, msg_len < 8,
 * or msg_len past the end); *offset is then set to len (the rest is dropped).
 */
bool st2_msg_next(const uint8_t *buf, size_t len, size_t *offset, struct st2_msg *msg);
/* decode exactly one message that fills buf */
bool st2_msg_decode(const uint8_t *buf, size_t len, struct st2_msg *msg);

/* payload decoders (payload and payload_len from struct st2_msg) */
bool st2_data_decode(const struct st2_msg *msg, struct st2_data *out);
bool st2_status_decode(const struct st2_msg *msg, struct st2_status *out);
bool st2_config_decode(const struct st2_msg *msg, struct st2_config *out);
bool st2_pts_decode(const struct st2_msg *msg, struct st2_pts *out);
/* atr points into the message */
bool st2_set_atr_decode(const struct st2_msg *msg, const uint8_t **atr, uint8_t *atr_len);
bool st2_u8_decode(const struct st2_msg *msg, uint8_t *value);	/* CARDINSERT, SIM_SELECT */
bool st2_modem_reset_decode(const struct st2_msg *msg, struct st2_modem_reset *out);
bool st2_board_info_decode(const struct st2_msg *msg, struct st2_board_info *out);

/* encoders: return the message length or 0 */
size_t st2_msg_encode(uint8_t *buf, size_t cap, uint8_t msg_class, uint8_t msg_type,
		      const uint8_t *payload, size_t payload_len);
size_t st2_data_encode(uint8_t *buf, size_t cap, uint8_t msg_type, uint32_t flags,
		       const uint8_t *data, size_t len);
size_t st2_tx_data_encode(uint8_t *buf, size_t cap, uint32_t flags, const uint8_t *data,
			  size_t len);
size_t st2_rx_data_encode(uint8_t *buf, size_t cap, uint32_t flags, const uint8_t *data,
			  size_t len);
size_t st2_set_atr_encode(uint8_t *buf, size_t cap, const uint8_t *atr, size_t atr_len);
size_t st2_status_encode(uint8_t *buf, size_t cap, const struct st2_status *st);
size_t st2_status_req_encode(uint8_t *buf, size_t cap);
/* payload bytes written = config->present (4..6; 0 means 6) */
size_t st2_config_encode(uint8_t *buf, size_t cap, const struct st2_config *config);
size_t st2_pts_encode(uint8_t *buf, size_t cap, const struct st2_pts *pts);
size_t st2_cardinsert_encode(uint8_t *buf, size_t cap, bool insert);
size_t st2_sim_select_encode(uint8_t *buf, size_t cap, bool remote);
size_t st2_modem_reset_encode(uint8_t *buf, size_t cap, uint8_t asserted, uint16_t pulse_ms);
size_t st2_board_info_req_encode(uint8_t *buf, size_t cap);
size_t st2_board_info_encode(uint8_t *buf, size_t cap, const struct st2_board_info *info);

/* names for logs; never NULL */
const char *st2_msg_name(uint8_t msg_class, uint8_t msg_type);

#ifdef __cplusplus
}
#endif
