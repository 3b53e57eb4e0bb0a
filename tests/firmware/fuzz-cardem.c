// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the firmware's USB command dispatch and message decoders, with
 * the card state machine driven by the same input. The input is a program of
 * operations: 0 = OUT transfer (next byte = length), 1 = pins (next byte: bits
 * VCC/CLK/RST), 2 = phone byte, 3 = UART byte done, 4 = timer expiry, 5 = read
 * IN endpoints; anything else is decoded as a raw transfer by every decoder.
 */
#include <stdint.h>
#include <string.h>

#include "st2/st2-cardem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool tx_pending;

static void
f_uart_tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
	tx_pending = true;
}

static void
f_uart_abort(void *ctx)
{
	(void)ctx;
	tx_pending = false;
}

static void
decode_all(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	struct st2_msg m;

	while (st2_msg_next(buf, len, &off, &m)) {
		struct st2_data d;
		struct st2_status st;
		struct st2_config c;
		struct st2_pts p;
		struct st2_modem_reset mr;
		struct st2_board_info bi;
		const uint8_t *atr;
		uint8_t u8;

		if (st2_data_decode(&m, &d) && d.len > 0)
			(void)d.data[d.len - 1];
		(void)st2_status_decode(&m, &st);
		(void)st2_config_decode(&m, &c);
		(void)st2_pts_decode(&m, &p);
		if (st2_set_atr_decode(&m, &atr, &u8) && u8 > 0)
			(void)atr[u8 - 1];
		(void)st2_u8_decode(&m, &u8);
		(void)st2_modem_reset_decode(&m, &mr);
		(void)st2_board_info_decode(&m, &bi);
		(void)st2_msg_name(m.msg_class, m.msg_type);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct st2_cardem ce;
	static const struct st2_board_info info = { .sw_name = "fuzz" };
	static const struct st2_hal hal = { .uart_tx = f_uart_tx, .uart_abort = f_uart_abort };
	/* odd lengths run the upstream profile (a host-test model, same inputs) */
	const struct st2_cardem_config cfg = {
		.ep_out = ST2_EP_OUT_0, .ep_in = ST2_EP_IN_0, .ep_irq = ST2_EP_IRQ_0,
		.board_info = &info,
		.profile = (size & 1) ? ST2_FW_UPSTREAM : ST2_FW_OWN,
	};
	size_t i = 0;

	tx_pending = false;
	st2_cardem_init(&ce, &hal, NULL, &cfg);
	decode_all(data, size);
	while (i < size) {
		uint8_t op = data[i++];
		uint16_t len;

		switch (op) {
		case 0: {
			size_t n = i < size ? data[i++] * 2u : 0;

			if (n > size - i)
				n = size - i;
			st2_cardem_usb_out(&ce, data + i, n);
			i += n;
			break;
		}
		case 1:
			if (i < size) {
				uint8_t b = data[i++];

				st2_cardem_io(&ce, b & 1, b & 2, b & 4);
			}
			break;
		case 2:
			if (i < size)
				st2_cardem_uart_rx(&ce, data[i++]);
			break;
		case 3:
			if (tx_pending) {
				tx_pending = false;
				st2_cardem_uart_tx_done(&ce);
			}
			break;
		case 4:
			st2_cardem_timer_expired(&ce);
			break;
		case 5:
			while (st2_cardem_in_peek(&ce, ST2_EP_IN_0, &len) != NULL)
				st2_cardem_in_pop(&ce, ST2_EP_IN_0);
			while (st2_cardem_in_peek(&ce, ST2_EP_IRQ_0, &len) != NULL)
				st2_cardem_in_pop(&ce, ST2_EP_IRQ_0);
			break;
		default:
			break;
		}
	}
	return 0;
}
