// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hardware abstraction the cardem core runs on. The host simulator
 * implements it now; a board port (SAM3S) implements it later.
 *
 * Calls from the core to the hardware go through struct st2_hal. Events from
 * the hardware go into the core through the st2_cardem_*() input functions in
 * st2-cardem.h (called from the board's interrupt handlers or main loop, never
 * re-entrantly: a port serialises them, e.g. by handling events in its main
 * loop from ISR-filled queues).
 *
 * Every function pointer may be NULL when the board has no such hardware.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct st2_hal {
	/* ISO 7816 I/O line (UART). Start sending one byte; the board calls
	 * st2_cardem_uart_tx_done() once its last (guard) bit is on the line. */
	void (*uart_tx)(void *ctx, uint8_t byte);
	/* drop the byte being sent, if any (reset/power loss): no tx_done follows */
	void (*uart_abort)(void *ctx);
	/* set the bit rate to F/D with F = Table 7[f_index], D = Table 8[d_index] */
	void (*uart_set_rate)(void *ctx, uint8_t f_index, uint8_t d_index);

	/* one-shot timer counting etu at the current rate; st2_cardem_timer_expired()
	 * on expiry. timer_start re-arms a running timer. */
	void (*timer_start)(void *ctx, uint32_t etu);
	void (*timer_stop)(void *ctx);

	/* GPIO outputs */
	void (*set_card_detect)(void *ctx, bool level);	/* SIM presence line level */
	void (*set_sim_select)(void *ctx, bool remote);		/* bus switch: emulated SIM */
	/* modem PERST: asserted 0 release, 1 assert, 2 pulse of pulse_ms */
	void (*modem_reset)(void *ctx, uint8_t asserted, uint16_t pulse_ms);
	/* measured VCC in mV (0 when the board cannot measure) */
	uint16_t (*vcc_mv)(void *ctx);

	/* USB: a message was queued for IN endpoint `ep`; fetch it with
	 * st2_cardem_in_peek() and release it with st2_cardem_in_pop() */
	void (*usb_in_kick)(void *ctx, uint8_t ep);
};

#ifdef __cplusplus
}
#endif
