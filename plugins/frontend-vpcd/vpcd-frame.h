// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpcd frames (../shared/protocols/vpcd.md §3-4): a 2-byte big-endian length
 * and that many payload bytes, both directions. Plain C, no I/O: the
 * connection code feeds received bytes in and gets whole frames out.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VPCD_FRAME_MAX_PAYLOAD 65535u
#define VPCD_FRAME_HEADER 2u
/* The largest APDU a frame carries either way: extended commands whole
 * (65544 bytes at most would need more: Lc = FFFF with Le), responses up to
 * 65533 data bytes + SW1 SW2 (an extended Le = 0000 may ask 65536). What the
 * slot reports as its max command / response size (cr-slot-caps.h). */
#define VPCD_APDU_MAX VPCD_FRAME_MAX_PAYLOAD

typedef enum {
	VPCD_FRAME_NEED_MORE, /* every byte given was taken; no frame yet */
	VPCD_FRAME_READY,     /* a frame is complete: vpcd_frame_reader_payload() */
	VPCD_FRAME_EMPTY,     /* a frame of length 0: the peer breaks the protocol */
} VpcdFrameStatus;

/* Reassembles frames from a byte stream of any chunking. */
typedef struct {
	uint8_t header[VPCD_FRAME_HEADER];
	size_t header_have;
	size_t payload_len;
	size_t payload_have;
	uint8_t payload[VPCD_FRAME_MAX_PAYLOAD];
} VpcdFrameReader;

void vpcd_frame_reader_init(VpcdFrameReader *reader);

/*
 * Takes bytes from @data (at most @len) until one frame is complete or the
 * input is used up; *@consumed says how many were taken. After READY the
 * payload stays valid until the next call, which starts a new frame. After
 * EMPTY the reader is reset; the caller should drop the connection.
 */
VpcdFrameStatus vpcd_frame_reader_feed(VpcdFrameReader *reader, const uint8_t *data, size_t len,
                                       size_t *consumed);
const uint8_t *vpcd_frame_reader_payload(const VpcdFrameReader *reader, size_t *len);

/* What a payload from vpcd asks for. */
typedef enum {
	VPCD_MSG_POWER_OFF,       /* 00: no reply */
	VPCD_MSG_POWER_ON,        /* 01: no reply */
	VPCD_MSG_RESET,           /* 02: warm reset, no reply */
	VPCD_MSG_GET_ATR,         /* 04: reply the ATR (also the presence poll) */
	VPCD_MSG_UNKNOWN_CONTROL, /* any other 1-byte payload: ignored, no reply */
	VPCD_MSG_SHORT_APDU,      /* 2 or 3 bytes: too short for an APDU header */
	VPCD_MSG_APDU,            /* 4 bytes or more: a command APDU */
	VPCD_MSG_INVALID,         /* no payload */
} VpcdMessage;

VpcdMessage vpcd_message_classify(const uint8_t *payload, size_t len);
const char *vpcd_message_name(VpcdMessage message);

/*
 * Writes the frame (header + payload) for @payload into @out, which holds
 * @out_size bytes. Returns the frame length, or 0 when @len is 0, above
 * VPCD_FRAME_MAX_PAYLOAD, or does not fit.
 */
size_t vpcd_frame_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t out_size);
