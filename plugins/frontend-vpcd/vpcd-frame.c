// SPDX-License-Identifier: GPL-2.0-or-later
#include "vpcd-frame.h"

#include <string.h>

void
vpcd_frame_reader_init(VpcdFrameReader *reader)
{
	reader->header_have = 0;
	reader->payload_len = 0;
	reader->payload_have = 0;
}

VpcdFrameStatus
vpcd_frame_reader_feed(VpcdFrameReader *reader, const uint8_t *data, size_t len, size_t *consumed)
{
	size_t used = 0;

	/* a frame handed out last time: start the next one */
	if (reader->header_have == VPCD_FRAME_HEADER && reader->payload_have == reader->payload_len)
		vpcd_frame_reader_init(reader);

	while (reader->header_have < VPCD_FRAME_HEADER && used < len)
		reader->header[reader->header_have++] = data[used++];
	if (reader->header_have < VPCD_FRAME_HEADER) {
		*consumed = used;
		return VPCD_FRAME_NEED_MORE;
	}
	if (reader->payload_have == 0 && reader->payload_len == 0) {
		reader->payload_len = (size_t)reader->header[0] << 8 | reader->header[1];
		if (reader->payload_len == 0) {
			vpcd_frame_reader_init(reader);
			*consumed = used;
			return VPCD_FRAME_EMPTY;
		}
	}
	if (used < len) {
		size_t want = reader->payload_len - reader->payload_have;
		size_t take = len - used < want ? len - used : want;
		memcpy(reader->payload + reader->payload_have, data + used, take);
		reader->payload_have += take;
		used += take;
	}
	*consumed = used;
	return reader->payload_have == reader->payload_len ? VPCD_FRAME_READY
	                                                   : VPCD_FRAME_NEED_MORE;
}

const uint8_t *
vpcd_frame_reader_payload(const VpcdFrameReader *reader, size_t *len)
{
	if (reader->header_have < VPCD_FRAME_HEADER || reader->payload_len == 0 ||
	    reader->payload_have != reader->payload_len) {
		*len = 0;
		return NULL;
	}
	*len = reader->payload_len;
	return reader->payload;
}

VpcdMessage
vpcd_message_classify(const uint8_t *payload, size_t len)
{
	if (payload == NULL || len == 0)
		return VPCD_MSG_INVALID;
	if (len == 1) {
		switch (payload[0]) {
		case 0x00:
			return VPCD_MSG_POWER_OFF;
		case 0x01:
			return VPCD_MSG_POWER_ON;
		case 0x02:
			return VPCD_MSG_RESET;
		case 0x04:
			return VPCD_MSG_GET_ATR;
		default:
			return VPCD_MSG_UNKNOWN_CONTROL;
		}
	}
	return len < 4 ? VPCD_MSG_SHORT_APDU : VPCD_MSG_APDU;
}

const char *
vpcd_message_name(VpcdMessage message)
{
	switch (message) {
	case VPCD_MSG_POWER_OFF:
		return "power off";
	case VPCD_MSG_POWER_ON:
		return "power on";
	case VPCD_MSG_RESET:
		return "reset";
	case VPCD_MSG_GET_ATR:
		return "get ATR";
	case VPCD_MSG_UNKNOWN_CONTROL:
		return "unknown control";
	case VPCD_MSG_SHORT_APDU:
		return "short APDU";
	case VPCD_MSG_APDU:
		return "APDU";
	case VPCD_MSG_INVALID:
		break;
	}
	return "invalid";
}

size_t
vpcd_frame_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t out_size)
{
	if (len == 0 || len > VPCD_FRAME_MAX_PAYLOAD || out_size < len + VPCD_FRAME_HEADER)
		return 0;
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)(len & 0xFF);
	memcpy(out + VPCD_FRAME_HEADER, payload, len);
	return len + VPCD_FRAME_HEADER;
}
