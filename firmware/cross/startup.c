// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Minimal Cortex-M3 start-up for the cross-build check: a vector table, a
 * reset handler, and a main loop that runs one cardem instance on a HAL of
 * stubs. It proves the core links for the target with no heap; the SAM3S port
 * replaces it with real UART, timer, GPIO and USB drivers.
 */
#include <stdint.h>
#include <string.h>

#include "st2/st2-cardem.h"

extern uint32_t _estack, _etext, _sdata, _edata, _sbss, _ebss;

void Reset_Handler(void);
void Default_Handler(void);
int main(void);

struct vector_table {
	uint32_t *initial_sp;
	void (*handlers[15])(void);
};

__attribute__((section(".vectors"), used))
static const struct vector_table vectors = {
	.initial_sp = &_estack,
	.handlers = {
		Reset_Handler,
		Default_Handler, Default_Handler, Default_Handler, Default_Handler,
		Default_Handler, Default_Handler, Default_Handler, Default_Handler,
		Default_Handler, Default_Handler, Default_Handler, Default_Handler,
		Default_Handler, Default_Handler,
	},
};

static struct st2_cardem cardem;
static volatile uint8_t uart_thr;	/* stands in for the USART's holding register */
static volatile uint32_t pending;	/* stands in for ISR -> main loop event flags */

static void
stub_uart_tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	uart_thr = byte;
}

static void
stub_timer_start(void *ctx, uint32_t etu)
{
	(void)ctx;
	(void)etu;
}

static const struct st2_hal hal = {
	.uart_tx = stub_uart_tx,
	.timer_start = stub_timer_start,
};

static const struct st2_cardem_config config = {
	.ep_out = ST2_EP_OUT_0,
	.ep_in = ST2_EP_IN_0,
	.ep_irq = ST2_EP_IRQ_0,
	.default_pres_pol = 1,
};

int
main(void)
{
	static const uint8_t select_sim[] = { 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00,
					      0x01 };
	uint16_t len;

	st2_cardem_init(&cardem, &hal, NULL, &config);
	st2_cardem_usb_out(&cardem, select_sim, sizeof(select_sim));
	for (;;) {
		uint32_t ev = pending;

		pending = 0;
		if (ev & 1)
			st2_cardem_io(&cardem, true, true, (ev & 2) != 0);
		if (ev & 4)
			st2_cardem_uart_rx(&cardem, (uint8_t)(ev >> 8));
		if (ev & 8)
			st2_cardem_uart_tx_done(&cardem);
		if (ev & 16)
			st2_cardem_timer_expired(&cardem);
		if (st2_cardem_in_peek(&cardem, ST2_EP_IN_0, &len) != NULL)
			st2_cardem_in_pop(&cardem, ST2_EP_IN_0);
	}
}

void
Reset_Handler(void)
{
	memcpy(&_sdata, &_etext, (size_t)((char *)&_edata - (char *)&_sdata));
	memset(&_sbss, 0, (size_t)((char *)&_ebss - (char *)&_sbss));
	main();
	for (;;)
		;
}

void
Default_Handler(void)
{
	for (;;)
		;
}
