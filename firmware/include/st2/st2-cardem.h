// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One cardem instance (one USB interface, one card-side UART): the firmware's
 * USB command dispatch, its IN endpoint queues, and the card state machine.
 *
 * A board calls the st2_cardem_*() inputs from its event loop; the instance
 * calls the board through struct st2_hal. No heap; the struct holds every
 * buffer (about 3 kB).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st2/st2-card.h"
#include "st2/st2-hal.h"
#include "st2/st2-proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST2_INQ_LEN	3	/* messages held per IN endpoint; the oldest goes first */

/* board facts of this instance */
struct st2_cardem_config {
	uint8_t ep_out;			/* 0x04 */
	uint8_t ep_in;			/* 0x85 */
	uint8_t ep_irq;			/* 0x86 */
	bool has_mux;			/* CONFIG slot_mux_nr is honoured */
	uint8_t default_pres_pol;	/* bit0: presence line level when "present" */
	const struct st2_board_info *board_info;	/* BOARD_INFO answer, or NULL */
	enum st2_fw_profile profile;	/* ST2_FW_OWN on boards; ST2_FW_UPSTREAM in tests */
};

struct st2_cardem_stats {
	uint32_t out_transfers;
	uint32_t out_msgs;
	uint32_t out_oversize;		/* OUT transfers above 280 bytes, dropped whole */
	uint32_t out_truncated;		/* trailing bytes that were no whole message */
	uint32_t msg_short;		/* payload shorter than its type needs */
	uint32_t msg_unknown;		/* class/type this firmware does not know */
	uint32_t msg_ignored;		/* known but not implemented (STATS, MODEM_STATUS) */
	uint32_t atr_rejected;		/* SET_ATR longer than 33 bytes or empty */
	uint32_t in_dropped;		/* IN messages lost to a full queue */
	uint32_t rx_discarded;		/* phone bytes while emulation is off */
};

struct st2_in_buf {
	uint16_t len;
	uint8_t data[ST2_MSG_MAX];
};

struct st2_in_queue {
	uint8_t ep;
	uint8_t head;
	uint8_t count;
	struct st2_in_buf buf[ST2_INQ_LEN];
};

struct st2_cardem {
	const struct st2_hal *hal;
	void *hal_ctx;
	struct st2_cardem_config cfg;
	struct st2_card card;

	uint32_t features;
	uint8_t slot_mux_nr;
	uint8_t pres_pol;		/* bit0 only */
	bool emulation;			/* SIM_SELECT(remote) */
	bool card_insert;
	bool pin_vcc, pin_clk, pin_rst;
	bool await_reset;		/* enabled under power: wait for a reset first */
	uint32_t irq_flags;		/* last STATUS flags sent on the interrupt EP */

	struct st2_in_queue in_bulk;
	struct st2_in_queue in_irq;
	struct st2_cardem_stats stats;
};

void st2_cardem_init(struct st2_cardem *ce, const struct st2_hal *hal, void *hal_ctx,
		     const struct st2_cardem_config *cfg);

/* inputs from the board */
void st2_cardem_usb_out(struct st2_cardem *ce, const uint8_t *buf, size_t len);
void st2_cardem_io(struct st2_cardem *ce, bool vcc, bool clk, bool rst);
void st2_cardem_uart_rx(struct st2_cardem *ce, uint8_t byte);
void st2_cardem_uart_tx_done(struct st2_cardem *ce);
void st2_cardem_timer_expired(struct st2_cardem *ce);

/* IN endpoints: the oldest queued message of `ep`, NULL if none */
const uint8_t *st2_cardem_in_peek(const struct st2_cardem *ce, uint8_t ep, uint16_t *len);
void st2_cardem_in_pop(struct st2_cardem *ce, uint8_t ep);

/* the STATUS the firmware would report now */
void st2_cardem_get_status(const struct st2_cardem *ce, struct st2_status *st);

#ifdef __cplusplus
}
#endif
