// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SIMtrace2 cardem USB message codec. See st2/st2-proto.h.
 */
#include "st2/st2-proto.h"

#include <string.h>

bool
st2_msg_decode(const uint8_t *buf, size_t len, struct st2_msg *msg)
{
	uint16_t msg_len;

	if (buf == NULL || len < ST2_MSG_HDR_LEN)
		return false;
	msg_len = st2_get_le16(buf + 6);
	if (msg_len < ST2_MSG_HDR_LEN || msg_len > len)
		return false;
	msg->msg_class = buf[0];
	msg->msg_type = buf[1];
	msg->seq_nr = buf[2];
	msg->slot_nr = buf[3];
	msg->msg_len = msg_len;
	msg->payload = buf + ST2_MSG_HDR_LEN;
	msg->payload_len = (uint16_t)(msg_len - ST2_MSG_HDR_LEN);
	return true;
}

bool
st2_msg_next(const uint8_t *buf, size_t len, size_t *offset, struct st2_msg *msg)
{
	if (*offset >= len)
		return false;
	if (!st2_msg_decode(buf + *offset, len - *offset, msg)) {
		*offset = len;
		return false;
	}
	*offset += msg->msg_len;
	return true;
}

bool
st2_data_decode(const struct st2_msg *msg, struct st2_data *out)
{
	if (msg->payload_len < ST2_DATA_HDR_LEN)
		return false;
	out->flags = st2_get_le32(msg->payload);
	out->data_len = st2_get_le16(msg->payload + 4);
	out->data = msg->payload + ST2_DATA_HDR_LEN;
	out->len = (uint16_t)(msg->payload_len - ST2_DATA_HDR_LEN);
	return true;
}

bool
st2_status_decode(const struct st2_msg *msg, struct st2_status *out)
{
	const uint8_t *p = msg->payload;

	if (msg->payload_len < ST2_STATUS_LEN)
		return false;
	out->flags = st2_get_le32(p);
	out->voltage_mv = st2_get_le16(p + 4);
	out->f_index = p[6];
	out->d_index = p[7];
	out->wi = p[8];
	out->waiting_time = st2_get_le32(p + 9);
	return true;
}

bool
st2_config_decode(const struct st2_msg *msg, struct st2_config *out)
{
	const uint8_t *p = msg->payload;

	if (msg->payload_len < 4)
		return false;
	memset(out, 0, sizeof(*out));
	out->features = st2_get_le32(p);
	out->present = 4;
	if (msg->payload_len >= 5) {
		out->slot_mux_nr = p[4];
		out->present = 5;
	}
	if (msg->payload_len >= 6) {
		out->pres_pol = p[5];
		out->present = 6;
	}
	return true;
}

bool
st2_pts_decode(const struct st2_msg *msg, struct st2_pts *out)
{
	const uint8_t *p = msg->payload;

	if (msg->payload_len < ST2_PTS_LEN)
		return false;
	out->pts_len = p[0];
	memcpy(out->req, p + 1, 6);
	memcpy(out->resp, p + 7, 6);
	return out->pts_len <= 6;
}

bool
st2_set_atr_decode(const struct st2_msg *msg, const uint8_t **atr, uint8_t *atr_len)
{
	if (msg->payload_len < 1)
		return false;
	if (msg->payload[0] > msg->payload_len - 1)
		return false;
	*atr_len = msg->payload[0];
	*atr = msg->payload + 1;
	return true;
}

bool
st2_u8_decode(const struct st2_msg *msg, uint8_t *value)
{
	if (msg->payload_len < 1)
		return false;
	*value = msg->payload[0];
	return true;
}

bool
st2_modem_reset_decode(const struct st2_msg *msg, struct st2_modem_reset *out)
{
	if (msg->payload_len < 3)
		return false;
	out->asserted = msg->payload[0];
	out->pulse_ms = st2_get_le16(msg->payload + 1);
	return true;
}

static void
copy_str32(char *dst, const uint8_t *src)
{
	memcpy(dst, src, 32);
	dst[31] = '\0';
}

static void
put_str32(uint8_t *dst, const char *src)
{
	size_t n = 0;

	memset(dst, 0, 32);
	while (n < 31 && src[n] != '\0') {
		dst[n] = (uint8_t)src[n];
		n++;
	}
}

bool
st2_board_info_decode(const struct st2_msg *msg, struct st2_board_info *out)
{
	const uint8_t *p = msg->payload;
	size_t need;

	if (msg->payload_len < ST2_BOARD_INFO_LEN)
		return false;
	memset(out, 0, sizeof(*out));
	copy_str32(out->hw_manufacturer, p);
	copy_str32(out->hw_model, p + 32);
	copy_str32(out->hw_version, p + 64);
	copy_str32(out->sw_provider, p + 96);
	copy_str32(out->sw_name, p + 128);
	copy_str32(out->sw_version, p + 160);
	copy_str32(out->sw_buildhost, p + 192);
	out->sw_crc32 = st2_get_le32(p + 224);
	out->max_baud_rate = st2_get_le32(p + 228);
	out->cap_generic_bytes = p[232];
	out->cap_vendor_bytes = p[233];
	need = (size_t)ST2_BOARD_INFO_LEN + out->cap_generic_bytes + out->cap_vendor_bytes;
	if (out->cap_generic_bytes > 4 || out->cap_vendor_bytes > 4 || msg->payload_len < need)
		return false;
	for (unsigned i = 0; i < out->cap_generic_bytes; i++)
		out->cap_generic |= (uint32_t)p[234 + i] << (8 * i);
	for (unsigned i = 0; i < out->cap_vendor_bytes; i++)
		out->cap_vendor |= (uint32_t)p[234 + out->cap_generic_bytes + i] << (8 * i);
	return true;
}

/* writes the header; returns a pointer to the payload or NULL */
static uint8_t *
put_hdr(uint8_t *buf, size_t cap, uint8_t msg_class, uint8_t msg_type, size_t payload_len)
{
	size_t total = ST2_MSG_HDR_LEN + payload_len;

	if (buf == NULL || total > cap || total > 0xffff)
		return NULL;
	buf[0] = msg_class;
	buf[1] = msg_type;
	buf[2] = 0;
	buf[3] = 0;
	buf[4] = 0;
	buf[5] = 0;
	st2_put_le16(buf + 6, (uint16_t)total);
	return buf + ST2_MSG_HDR_LEN;
}

size_t
st2_msg_encode(uint8_t *buf, size_t cap, uint8_t msg_class, uint8_t msg_type,
	       const uint8_t *payload, size_t payload_len)
{
	uint8_t *p = put_hdr(buf, cap, msg_class, msg_type, payload_len);

	if (p == NULL)
		return 0;
	if (payload_len > 0)
		memcpy(p, payload, payload_len);
	return ST2_MSG_HDR_LEN + payload_len;
}

size_t
st2_data_encode(uint8_t *buf, size_t cap, uint8_t msg_type, uint32_t flags, const uint8_t *data,
		size_t len)
{
	uint8_t *p;

	if (len > 0xffff)
		return 0;
	p = put_hdr(buf, cap, ST2_CLASS_CARDEM, msg_type, ST2_DATA_HDR_LEN + len);
	if (p == NULL)
		return 0;
	st2_put_le32(p, flags);
	st2_put_le16(p + 4, (uint16_t)len);
	if (len > 0)
		memcpy(p + ST2_DATA_HDR_LEN, data, len);
	return ST2_MSG_HDR_LEN + ST2_DATA_HDR_LEN + len;
}

size_t
st2_tx_data_encode(uint8_t *buf, size_t cap, uint32_t flags, const uint8_t *data, size_t len)
{
	return st2_data_encode(buf, cap, ST2_CEMU_DT_TX_DATA, flags, data, len);
}

size_t
st2_rx_data_encode(uint8_t *buf, size_t cap, uint32_t flags, const uint8_t *data, size_t len)
{
	return st2_data_encode(buf, cap, ST2_CEMU_DO_RX_DATA, flags, data, len);
}

size_t
st2_set_atr_encode(uint8_t *buf, size_t cap, const uint8_t *atr, size_t atr_len)
{
	uint8_t *p;

	if (atr_len > 0xff)
		return 0;
	p = put_hdr(buf, cap, ST2_CLASS_CARDEM, ST2_CEMU_DT_SET_ATR, 1 + atr_len);
	if (p == NULL)
		return 0;
	p[0] = (uint8_t)atr_len;
	if (atr_len > 0)
		memcpy(p + 1, atr, atr_len);
	return ST2_MSG_HDR_LEN + 1 + atr_len;
}

size_t
st2_status_encode(uint8_t *buf, size_t cap, const struct st2_status *st)
{
	uint8_t *p = put_hdr(buf, cap, ST2_CLASS_CARDEM, ST2_CEMU_BD_STATUS, ST2_STATUS_LEN);

	if (p == NULL)
		return 0;
	st2_put_le32(p, st->flags);
	st2_put_le16(p + 4, st->voltage_mv);
	p[6] = st->f_index;
	p[7] = st->d_index;
	p[8] = st->wi;
	st2_put_le32(p + 9, st->waiting_time);
	return ST2_MSG_HDR_LEN + ST2_STATUS_LEN;
}

size_t
st2_status_req_encode(uint8_t *buf, size_t cap)
{
	return st2_msg_encode(buf, cap, ST2_CLASS_CARDEM, ST2_CEMU_BD_STATUS, NULL, 0);
}

size_t
st2_config_encode(uint8_t *buf, size_t cap, const struct st2_config *config)
{
	size_t n = config->present == 0 ? ST2_CONFIG_LEN : config->present;
	uint8_t *p;

	if (n < 4 || n > ST2_CONFIG_LEN)
		return 0;
	p = put_hdr(buf, cap, ST2_CLASS_CARDEM, ST2_CEMU_BD_CONFIG, n);
	if (p == NULL)
		return 0;
	st2_put_le32(p, config->features);
	if (n >= 5)
		p[4] = config->slot_mux_nr;
	if (n >= 6)
		p[5] = config->pres_pol;
	return ST2_MSG_HDR_LEN + n;
}

size_t
st2_pts_encode(uint8_t *buf, size_t cap, const struct st2_pts *pts)
{
	uint8_t *p = put_hdr(buf, cap, ST2_CLASS_CARDEM, ST2_CEMU_DO_PTS, ST2_PTS_LEN);

	if (p == NULL || pts->pts_len > 6)
		return 0;
	p[0] = pts->pts_len;
	memcpy(p + 1, pts->req, 6);
	memcpy(p + 7, pts->resp, 6);
	return ST2_MSG_HDR_LEN + ST2_PTS_LEN;
}

size_t
st2_cardinsert_encode(uint8_t *buf, size_t cap, bool insert)
{
	uint8_t v = insert ? 1 : 0;

	return st2_msg_encode(buf, cap, ST2_CLASS_CARDEM, ST2_CEMU_DT_CARDINSERT, &v, 1);
}

size_t
st2_sim_select_encode(uint8_t *buf, size_t cap, bool remote)
{
	uint8_t v = remote ? 1 : 0;

	return st2_msg_encode(buf, cap, ST2_CLASS_MODEM, ST2_MODEM_DT_SIM_SELECT, &v, 1);
}

size_t
st2_modem_reset_encode(uint8_t *buf, size_t cap, uint8_t asserted, uint16_t pulse_ms)
{
	uint8_t pl[3];

	pl[0] = asserted;
	st2_put_le16(pl + 1, pulse_ms);
	return st2_msg_encode(buf, cap, ST2_CLASS_MODEM, ST2_MODEM_DT_RESET, pl, sizeof(pl));
}

size_t
st2_board_info_req_encode(uint8_t *buf, size_t cap)
{
	return st2_msg_encode(buf, cap, ST2_CLASS_GENERIC, ST2_GEN_BD_BOARD_INFO, NULL, 0);
}

size_t
st2_board_info_encode(uint8_t *buf, size_t cap, const struct st2_board_info *info)
{
	size_t n = ST2_BOARD_INFO_LEN;
	uint8_t *p;

	if (info->cap_generic_bytes > 4 || info->cap_vendor_bytes > 4)
		return 0;
	n += info->cap_generic_bytes + info->cap_vendor_bytes;
	p = put_hdr(buf, cap, ST2_CLASS_GENERIC, ST2_GEN_BD_BOARD_INFO, n);
	if (p == NULL)
		return 0;
	put_str32(p, info->hw_manufacturer);
	put_str32(p + 32, info->hw_model);
	put_str32(p + 64, info->hw_version);
	put_str32(p + 96, info->sw_provider);
	put_str32(p + 128, info->sw_name);
	put_str32(p + 160, info->sw_version);
	put_str32(p + 192, info->sw_buildhost);
	st2_put_le32(p + 224, info->sw_crc32);
	st2_put_le32(p + 228, info->max_baud_rate);
	p[232] = info->cap_generic_bytes;
	p[233] = info->cap_vendor_bytes;
	for (unsigned i = 0; i < info->cap_generic_bytes; i++)
		p[234 + i] = (uint8_t)(info->cap_generic >> (8 * i));
	for (unsigned i = 0; i < info->cap_vendor_bytes; i++)
		p[234 + info->cap_generic_bytes + i] = (uint8_t)(info->cap_vendor >> (8 * i));
	return ST2_MSG_HDR_LEN + n;
}

const char *
st2_msg_name(uint8_t msg_class, uint8_t msg_type)
{
	static const char *const cardem[] = {
		"CEMU?", "TX_DATA", "SET_ATR", "STATS", "STATUS", "CARDINSERT",
		"RX_DATA", "PTS", "CONFIG",
	};
	static const char *const modem[] = { "MODEM?", "MODEM_RESET", "SIM_SELECT",
					      "MODEM_STATUS" };

	switch (msg_class) {
	case ST2_CLASS_GENERIC:
		if (msg_type == ST2_GEN_DO_ERROR)
			return "ERROR";
		if (msg_type == ST2_GEN_BD_BOARD_INFO)
			return "BOARD_INFO";
		return "GENERIC?";
	case ST2_CLASS_CARDEM:
		if (msg_type < sizeof(cardem) / sizeof(cardem[0]))
			return cardem[msg_type];
		return "CEMU?";
	case ST2_CLASS_MODEM:
		if (msg_type < sizeof(modem) / sizeof(modem[0]))
			return modem[msg_type];
		return "MODEM?";
	default:
		return "UNKNOWN";
	}
}
