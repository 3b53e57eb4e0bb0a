// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A recording HAL for unit tests of the cardem core: bytes sent on the I/O
 * line, timer state, GPIO outputs. Transmission completes when the test says.
 */
#pragma once

#include "st2/st2-cardem.h"

struct fake_board {
	struct st2_hal hal;
	struct st2_cardem ce;
	uint8_t tx[2048];
	size_t tx_len;
	bool tx_pending;
	bool timer_on;
	uint32_t timer_etu;
	uint8_t f_index, d_index;
	bool card_detect;
	bool sim_select;
	unsigned modem_resets;
	uint8_t modem_asserted;
	uint16_t modem_ms;
	unsigned kicks;
};

void fb_init(struct fake_board *fb, uint8_t default_pres_pol,
	     const struct st2_board_info *info);
void fb_init_profile(struct fake_board *fb, uint8_t default_pres_pol,
		     const struct st2_board_info *info, enum st2_fw_profile profile);
void fb_out(struct fake_board *fb, const uint8_t *data, size_t len);
/* one IN message or 0 */
size_t fb_in(struct fake_board *fb, uint8_t ep, uint8_t *buf);
/* let every byte the card starts finish; returns how many went out */
size_t fb_drain_tx(struct fake_board *fb);
void fb_phone(struct fake_board *fb, const uint8_t *data, size_t len);
void fb_timer(struct fake_board *fb);
/* SIM_SELECT(1) then a cold reset; the ATR is drained; tx log cleared */
void fb_power_up(struct fake_board *fb);
