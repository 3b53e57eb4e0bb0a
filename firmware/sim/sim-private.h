// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Internals shared by the simulator's files: the virtual clock, the simulated
 * ISO 7816 line and the phone.
 */
#pragma once

#include "st2/st2-sim.h"

enum sim_timer_id {
	TM_CARD_TX,	/* a card byte finishes on the line */
	TM_PHONE_TX,	/* a phone byte finishes on the line */
	TM_FW,		/* the firmware's etu timer */
	TM_PHONE,	/* the phone's own timer (actions, deadlines) */
	TM_MODEM,	/* end of a modem reset pulse */
	TM_PHONE_RESET,	/* a warm reset the script puts after a TPDU header */
	TM_COUNT,
};

struct sim_timer {
	bool on;
	uint64_t at;
};

enum phone_state {
	PH_OFF,
	PH_HELD,	/* modem held in reset */
	PH_POWER_GAP,	/* powered down between a cold reset's off and on */
	PH_RST_LOW,	/* powered, RST asserted, waiting to release it */
	PH_ATR,		/* receiving the ATR */
	PH_GAP,		/* before the next step */
	PH_TX_WAIT,	/* turnaround before sending */
	PH_TX,		/* sending tx_buf */
	PH_PB,		/* waiting for a procedure byte */
	PH_DATA_RX,
	PH_SW2,
	PH_PPS_RX,
	PH_MUTE,	/* card stayed mute: waiting to retry */
	PH_NO_SIM,	/* gave up after mute power-ups: until a modem reset */
	PH_DONE,
};

enum phone_after_tx {
	AFTER_HDR,
	AFTER_DATA,
	AFTER_PPS,
};

struct phone {
	enum phone_state state;
	bool timer_is_wait;	/* TM_PHONE is a wait on the host */
	unsigned step;
	unsigned round;		/* completed plays of the script (--repeat) */
	bool step_done_on_atr;	/* a reset step: the step ends with the ATR */
	uint8_t f_index, d_index;
	uint8_t wi;
	bool vcc, clk, rst;

	uint8_t tx_buf[300];
	uint16_t tx_len, tx_pos;
	enum phone_after_tx after_tx;

	uint8_t atr[40];
	uint8_t atr_len;

	uint8_t rx_buf[260];
	uint16_t rx_len;
	uint16_t expect_data;
	uint16_t cmd_sent;
	uint8_t sw1, sw2;
	unsigned nulls_step;
	unsigned tx_step, rx_step;	/* bytes of the current step, for aborts */
	unsigned mutes_in_row;	/* power-ups without ATR since boot or the last ATR */

	uint8_t pps_rx[6];
	uint8_t pps_rx_len, pps_rx_need;
};

struct st2_sim {
	struct st2_sim_options opt;
	const struct st2_script *script;
	struct st2_hal hal;
	struct st2_board_info board_info;
	struct st2_cardem ce;

	uint64_t now;
	struct sim_timer tm[TM_COUNT];

	uint8_t card_f, card_d;
	bool card_tx_on;
	uint8_t card_tx_byte;
	bool phone_tx_on;
	uint8_t phone_tx_byte;
	bool card_detect;
	bool sim_select;
	bool in_kicked;		/* an IN message was queued: let the host read it */

	struct phone ph;
	struct st2_sim_counters cnt;
	bool failed;
	bool done;
	char err[256];
};

void sim_timer_at(struct st2_sim *sim, enum sim_timer_id id, uint64_t cycles_from_now);
void sim_timer_off(struct st2_sim *sim, enum sim_timer_id id);
uint64_t sim_etu_cycles(uint8_t f_index, uint8_t d_index, unsigned etu);
void sim_fail(struct st2_sim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_log(struct st2_sim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_hex(char *out, size_t cap, const uint8_t *data, size_t len);
/* phone -> line: the phone starts one byte */
void sim_phone_line_tx(struct st2_sim *sim, uint8_t byte);

/* sim-phone.c */
void phone_init(struct st2_sim *sim);
void phone_boot(struct st2_sim *sim);
void phone_rx(struct st2_sim *sim, uint8_t byte);
void phone_tx_done(struct st2_sim *sim);
void phone_timer(struct st2_sim *sim);
void phone_modem_reset(struct st2_sim *sim, uint8_t asserted, uint16_t pulse_ms);
void phone_modem_timer(struct st2_sim *sim);
void phone_reset_timer(struct st2_sim *sim);
