// SPDX-License-Identifier: GPL-2.0-or-later
#include "fake-board.h"

#include <string.h>

static void
f_uart_tx(void *ctx, uint8_t byte)
{
	struct fake_board *fb = ctx;

	if (fb->tx_len < sizeof(fb->tx))
		fb->tx[fb->tx_len++] = byte;
	fb->tx_pending = true;
}

static void
f_uart_abort(void *ctx)
{
	struct fake_board *fb = ctx;

	fb->tx_pending = false;
}

static void
f_set_rate(void *ctx, uint8_t f_index, uint8_t d_index)
{
	struct fake_board *fb = ctx;

	fb->f_index = f_index;
	fb->d_index = d_index;
}

static void
f_timer_start(void *ctx, uint32_t etu)
{
	struct fake_board *fb = ctx;

	fb->timer_on = true;
	fb->timer_etu = etu;
}

static void
f_timer_stop(void *ctx)
{
	struct fake_board *fb = ctx;

	fb->timer_on = false;
}

static void
f_card_detect(void *ctx, bool level)
{
	struct fake_board *fb = ctx;

	fb->card_detect = level;
}

static void
f_sim_select(void *ctx, bool remote)
{
	struct fake_board *fb = ctx;

	fb->sim_select = remote;
}

static void
f_modem_reset(void *ctx, uint8_t asserted, uint16_t ms)
{
	struct fake_board *fb = ctx;

	fb->modem_resets++;
	fb->modem_asserted = asserted;
	fb->modem_ms = ms;
}

static uint16_t
f_vcc_mv(void *ctx)
{
	return 1800;
}

static void
f_kick(void *ctx, uint8_t ep)
{
	struct fake_board *fb = ctx;

	fb->kicks++;
}

void
fb_init(struct fake_board *fb, uint8_t default_pres_pol, const struct st2_board_info *info)
{
	fb_init_profile(fb, default_pres_pol, info, ST2_FW_OWN);
}

void
fb_init_profile(struct fake_board *fb, uint8_t default_pres_pol,
		const struct st2_board_info *info, enum st2_fw_profile profile)
{
	struct st2_cardem_config cfg = {
		.ep_out = ST2_EP_OUT_0,
		.ep_in = ST2_EP_IN_0,
		.ep_irq = ST2_EP_IRQ_0,
		.default_pres_pol = default_pres_pol,
		.board_info = info,
		.profile = profile,
	};

	memset(fb, 0, sizeof(*fb));
	fb->hal.uart_tx = f_uart_tx;
	fb->hal.uart_abort = f_uart_abort;
	fb->hal.uart_set_rate = f_set_rate;
	fb->hal.timer_start = f_timer_start;
	fb->hal.timer_stop = f_timer_stop;
	fb->hal.set_card_detect = f_card_detect;
	fb->hal.set_sim_select = f_sim_select;
	fb->hal.modem_reset = f_modem_reset;
	fb->hal.vcc_mv = f_vcc_mv;
	fb->hal.usb_in_kick = f_kick;
	st2_cardem_init(&fb->ce, &fb->hal, fb, &cfg);
}

void
fb_out(struct fake_board *fb, const uint8_t *data, size_t len)
{
	st2_cardem_usb_out(&fb->ce, data, len);
}

size_t
fb_in(struct fake_board *fb, uint8_t ep, uint8_t *buf)
{
	uint16_t len;
	const uint8_t *m = st2_cardem_in_peek(&fb->ce, ep, &len);

	if (m == NULL)
		return 0;
	memcpy(buf, m, len);
	st2_cardem_in_pop(&fb->ce, ep);
	return len;
}

size_t
fb_drain_tx(struct fake_board *fb)
{
	size_t n = 0;

	while (fb->tx_pending && n < 10000) {
		fb->tx_pending = false;
		n++;
		st2_cardem_uart_tx_done(&fb->ce);
	}
	return n;
}

void
fb_phone(struct fake_board *fb, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		st2_cardem_uart_rx(&fb->ce, data[i]);
}

void
fb_timer(struct fake_board *fb)
{
	fb->timer_on = false;
	st2_cardem_timer_expired(&fb->ce);
}

void
fb_power_up(struct fake_board *fb)
{
	static const uint8_t sel[] = { 0x02, 0x02, 0, 0, 0, 0, 0x09, 0x00, 0x01 };

	fb_out(fb, sel, sizeof(sel));
	st2_cardem_io(&fb->ce, true, true, true);
	st2_cardem_io(&fb->ce, true, true, false);
	fb_timer(fb);
	fb_drain_tx(fb);
	fb->tx_len = 0;
}
