// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ISO 7816-3 card side (T=0 only) of the cardem firmware: power/clock/reset,
 * ATR, PPS, TPDU header collection, procedure bytes, NULL bytes at WT/2.
 *
 * The card talks to the hardware through struct st2_hal and to the USB side
 * through struct st2_card_ops (implemented by st2-cardem.c, or by a test).
 * Fixed buffers only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st2/st2-hal.h"
#include "st2/st2-proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST2_TXQ_LEN		4	/* TX_DATA messages queued from the host */
#define ST2_TX_MSG_MAX		(ST2_MSG_MAX - ST2_MSG_HDR_LEN - ST2_DATA_HDR_LEN)
#define ST2_ATR_DELAY_ETU	2	/* after RST release (744 clocks at F=372) */
#define ST2_NULL_BYTE		0x60

/*
 * Which firmware's behaviour the core has. ST2_FW_OWN is this firmware.
 * ST2_FW_UPSTREAM models the released Osmocom cardem firmware as observed
 * from its USB side (firmware/README.md, "The upstream profile"), so host
 * drivers can be tested against what users run; a board port never uses it.
 */
enum st2_fw_profile {
	ST2_FW_OWN,
	ST2_FW_UPSTREAM,
};

enum st2_card_state {
	ST2_CARD_OFF,		/* WAIT_POWER: no VCC */
	ST2_CARD_WAIT_CLK,	/* VCC, no clock */
	ST2_CARD_WAIT_RST,	/* VCC+CLK, RST asserted */
	ST2_CARD_WAIT_ATR,	/* RST released, ATR delay running */
	ST2_CARD_IN_ATR,	/* sending the ATR */
	ST2_CARD_IDLE,		/* WAIT_TPDU: waiting for a header (or PPS) */
	ST2_CARD_PPS_RX,	/* receiving a PPS request */
	ST2_CARD_PPS_TX,	/* sending the PPS response */
	ST2_CARD_TPDU_HDR,	/* receiving the 5 header bytes */
	ST2_CARD_TPDU_WAIT,	/* waiting for the host (procedure byte, data, SW) */
	ST2_CARD_TPDU_RX,	/* receiving command data from the phone */
	ST2_CARD_TPDU_TX,	/* sending the host's bytes */
	ST2_CARD_N_STATES,
};

/* what the next byte the card sends means in the T=0 exchange */
enum st2_t0_phase {
	ST2_T0_PB,		/* procedure byte (NULL, ACK, SW1) */
	ST2_T0_DATA,		/* data bytes announced by an ACK */
	ST2_T0_SW2,		/* second status byte */
	ST2_T0_DONE,		/* SW2 sent */
};

struct st2_card_ops {
	/* TPDU header or command data for the host (RX_DATA) */
	void (*rx_data)(void *ctx, uint32_t flags, const uint8_t *data, uint16_t len);
	/* PPS request received with good PCK and the response (resp_len 0 = none) */
	void (*pts)(void *ctx, const uint8_t *req, uint8_t req_len, const uint8_t *resp,
		    uint8_t resp_len);
	/* a VCC/CLK/RST input changed */
	void (*io_changed)(void *ctx);
};

struct st2_card_stats {
	uint32_t tx_bytes;
	uint32_t rx_bytes;
	uint32_t null_bytes;
	uint32_t tpdus;
	uint32_t resets;
	uint32_t pps_ok;
	uint32_t pps_refused;
	uint32_t pps_bad_pck;
	uint32_t rx_unexpected;		/* phone bytes in a state that takes none */
	uint32_t tx_dropped;		/* host TX_DATA dropped (wrong state, queue full, leftover) */
	uint32_t tx_bad_pb;		/* host sent a byte that is no valid procedure byte */
};

struct st2_tx_msg {
	uint32_t flags;
	uint16_t len;
	uint16_t pos;
	uint8_t data[ST2_TX_MSG_MAX];
};

/* ATR facts the card needs */
struct st2_atr_info {
	bool valid;		/* structure complete within the given length */
	bool has_ta1;
	uint8_t ta1;
	bool specific_mode;	/* TA2 present */
	uint8_t wi;		/* TC2, or 10 */
	uint16_t protocols;	/* bit n: T=n offered (T=0 when no TD1) */
};

struct st2_card {
	const struct st2_hal *hal;
	void *hal_ctx;
	const struct st2_card_ops *ops;
	void *ops_ctx;
	enum st2_fw_profile profile;

	enum st2_card_state state;
	bool vcc, clk, rst;		/* inputs; rst = reset asserted */

	uint8_t atr[ST2_ATR_MAX];	/* in use for the current session */
	uint8_t atr_len;
	uint8_t next_atr[ST2_ATR_MAX];	/* taken at the next reset */
	uint8_t next_atr_len;
	struct st2_atr_info atr_info;

	uint8_t f_index, d_index, wi;
	uint32_t wt;			/* etu */

	bool tx_busy;			/* a byte is on the line */
	bool timer_on;
	uint8_t out_pos;		/* ATR / PPS response bytes sent */
	uint8_t out_len;
	uint8_t out_buf[6];		/* PPS response */
	uint8_t pps_f_index, pps_d_index;
	bool pps_allowed;		/* first exchange after the ATR */

	uint8_t pps_req[6];
	uint8_t pps_len, pps_need;

	uint8_t hdr[5];
	uint8_t hdr_len;
	enum st2_t0_phase phase;
	uint16_t xfer_total;		/* bytes P3 announces (256 for P3 = 0 outgoing) */
	uint16_t xfer_done;		/* data bytes moved so far in this TPDU */
	uint16_t data_left;		/* data bytes the last ACK announced */
	bool rx_dir;			/* data phase is phone -> card */
	bool rx_empty;			/* ACK for receiving with nothing left (P3 = 0) */
	uint8_t rx_buf[256];
	uint16_t rx_len;

	struct st2_tx_msg txq[ST2_TXQ_LEN];
	uint8_t txq_head, txq_count;

	struct st2_card_stats stats;
};

void st2_card_init(struct st2_card *card, const struct st2_hal *hal, void *hal_ctx,
		   const struct st2_card_ops *ops, void *ops_ctx);
/* store the ATR for the next reset; false if longer than 33 bytes or empty */
bool st2_card_set_atr(struct st2_card *card, const uint8_t *atr, size_t len);

/* inputs */
void st2_card_io(struct st2_card *card, bool vcc, bool clk, bool rst);
void st2_card_rx_byte(struct st2_card *card, uint8_t byte);
void st2_card_tx_done(struct st2_card *card);
void st2_card_timer_expired(struct st2_card *card);
/* a TX_DATA from the host; false when dropped */
bool st2_card_tx_data(struct st2_card *card, uint32_t flags, const uint8_t *data, size_t len);

const char *st2_card_state_name(enum st2_card_state state);

/* ISO 7816-3 tables: 0 for RFU indices */
uint16_t st2_iso_f(uint8_t f_index);
uint8_t st2_iso_d(uint8_t d_index);
/* WT = WI x 960 x D, with D = 1 for RFU indices */
uint32_t st2_iso_wt(uint8_t wi, uint8_t d_index);
/* parse the facts above out of an ATR; false (and info->valid false) if malformed */
bool st2_atr_parse(const uint8_t *atr, size_t len, struct st2_atr_info *info);
/* the default ATR used before any SET_ATR */
extern const uint8_t st2_default_atr[];
extern const uint8_t st2_default_atr_len;

#ifdef __cplusplus
}
#endif
