// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ISO 7816-3 card side, T=0. See st2/st2-card.h and firmware/README.md.
 *
 * The card follows the T=0 exchange on its own transmit side: after a header
 * the next byte it sends is a procedure byte; an ACK (INS) announces all the
 * remaining data bytes, ~INS one byte, 6x/9x is SW1 followed by SW2. That lets
 * it send a NULL byte only where a procedure byte is allowed, receive exactly
 * the bytes an ACK announced, and close the TPDU after SW2.
 *
 * With ST2_FW_UPSTREAM the card behaves as the released upstream firmware is
 * seen to: TX_DATA is queued in any state and only RST assertion empties the
 * queue (an answer that comes too late goes out in the next TPDU); every PPS
 * request with a good PCK is echoed, at any time in the idle state; command
 * data is received until P3 bytes came in, whatever the procedure byte.
 */
#include "st2/st2-card.h"

#include <string.h>

static void
hal_tx(struct st2_card *card, uint8_t byte)
{
	card->tx_busy = true;
	card->stats.tx_bytes++;
	if (card->hal->uart_tx != NULL)
		card->hal->uart_tx(card->hal_ctx, byte);
}

static void
timer_start(struct st2_card *card, uint32_t etu)
{
	card->timer_on = true;
	if (card->hal->timer_start != NULL)
		card->hal->timer_start(card->hal_ctx, etu);
}

static void
timer_stop(struct st2_card *card)
{
	if (!card->timer_on)
		return;
	card->timer_on = false;
	if (card->hal->timer_stop != NULL)
		card->hal->timer_stop(card->hal_ctx);
}

static void
set_rate(struct st2_card *card, uint8_t f_index, uint8_t d_index)
{
	card->f_index = f_index;
	card->d_index = d_index;
	card->wt = st2_iso_wt(card->wi, d_index);
	if (card->hal->uart_set_rate != NULL)
		card->hal->uart_set_rate(card->hal_ctx, f_index, d_index);
}

static void
txq_drop_all(struct st2_card *card)
{
	card->stats.tx_dropped += card->txq_count;
	card->txq_head = 0;
	card->txq_count = 0;
}

static void
txq_pop(struct st2_card *card)
{
	card->txq_head = (uint8_t)((card->txq_head + 1) % ST2_TXQ_LEN);
	card->txq_count--;
}

static bool
upstream(const struct st2_card *card)
{
	return card->profile == ST2_FW_UPSTREAM;
}

/* everything of the current session goes: on reset and power loss (the
 * upstream profile keeps its TX queue: only RST assertion empties it) */
static void
abort_session(struct st2_card *card)
{
	if (card->tx_busy && card->hal->uart_abort != NULL) {
		card->hal->uart_abort(card->hal_ctx);
		card->tx_busy = false;
	}
	timer_stop(card);
	if (!upstream(card))
		txq_drop_all(card);
	card->hdr_len = 0;
	card->rx_len = 0;
	card->pps_len = 0;
	card->out_pos = 0;
	card->out_len = 0;
	card->phase = ST2_T0_PB;
	card->pps_allowed = false;
}

void
st2_card_init(struct st2_card *card, const struct st2_hal *hal, void *hal_ctx,
	      const struct st2_card_ops *ops, void *ops_ctx)
{
	memset(card, 0, sizeof(*card));
	card->hal = hal;
	card->hal_ctx = hal_ctx;
	card->ops = ops;
	card->ops_ctx = ops_ctx;
	card->state = ST2_CARD_OFF;
	card->f_index = 1;
	card->d_index = 1;
	card->wi = 10;
	card->wt = st2_iso_wt(10, 1);
	memcpy(card->next_atr, st2_default_atr, st2_default_atr_len);
	card->next_atr_len = st2_default_atr_len;
}

bool
st2_card_set_atr(struct st2_card *card, const uint8_t *atr, size_t len)
{
	if (len == 0 || len > ST2_ATR_MAX)
		return false;
	memcpy(card->next_atr, atr, len);
	card->next_atr_len = (uint8_t)len;
	return true;
}

static void
enter_wait_atr(struct st2_card *card)
{
	card->stats.resets++;
	abort_session(card);
	memcpy(card->atr, card->next_atr, card->next_atr_len);
	card->atr_len = card->next_atr_len;
	st2_atr_parse(card->atr, card->atr_len, &card->atr_info);
	card->wi = 10;
	set_rate(card, 1, 1);
	card->state = ST2_CARD_WAIT_ATR;
	timer_start(card, ST2_ATR_DELAY_ETU);
}

void
st2_card_io(struct st2_card *card, bool vcc, bool clk, bool rst)
{
	bool changed = vcc != card->vcc || clk != card->clk || rst != card->rst;

	if (upstream(card) && rst && !card->rst)
		txq_drop_all(card);	/* the moment RST is asserted */
	card->vcc = vcc;
	card->clk = clk;
	card->rst = rst;
	if (!vcc) {
		if (card->state != ST2_CARD_OFF)
			abort_session(card);
		card->state = ST2_CARD_OFF;
	} else if (rst) {
		if (card->state > ST2_CARD_WAIT_RST)
			abort_session(card);
		card->state = clk ? ST2_CARD_WAIT_RST : ST2_CARD_WAIT_CLK;
	} else if (!clk) {
		/* clock stop after the ATR keeps the session */
		if (card->state <= ST2_CARD_WAIT_RST)
			card->state = ST2_CARD_WAIT_CLK;
	} else if (card->state <= ST2_CARD_WAIT_RST) {
		enter_wait_atr(card);
	}
	if (changed && card->ops->io_changed != NULL)
		card->ops->io_changed(card->ops_ctx);
}

/* NULL bytes only where a procedure byte may come and nothing else is to send */
static void
null_timer_update(struct st2_card *card)
{
	bool want = card->state == ST2_CARD_TPDU_WAIT && card->phase == ST2_T0_PB &&
		    !card->tx_busy && card->txq_count == 0;

	if (want && !card->timer_on)
		timer_start(card, card->wt / 2);
	else if (!want)
		timer_stop(card);
}

static void
end_tpdu(struct st2_card *card)
{
	timer_stop(card);
	if (!upstream(card))
		txq_drop_all(card);
	card->state = ST2_CARD_IDLE;
	card->phase = ST2_T0_PB;
	card->hdr_len = 0;
}

/* track the T=0 exchange for one byte the card is about to send */
static void
classify_tx_byte(struct st2_card *card, uint8_t byte, uint32_t msg_flags)
{
	uint8_t ins = card->hdr[1];
	uint8_t nins = (uint8_t)(0xffu - ins);	/* ~INS */
	uint8_t p3 = card->hdr[4];

	switch (card->phase) {
	case ST2_T0_PB:
		if (byte == ST2_NULL_BYTE)
			break;
		if (byte == ins || byte == nins) {
			uint16_t total, left;

			card->rx_dir = (msg_flags & ST2_DATA_F_PB_AND_RX) != 0;
			total = card->rx_dir ? p3 : (p3 == 0 ? 256 : p3);
			card->xfer_total = total;
			left = card->xfer_done < total ? (uint16_t)(total - card->xfer_done) : 0;
			if (left == 0) {
				/* P3 = 0 towards the card: answer RX_DATA(FINAL, no bytes) */
				if (card->rx_dir)
					card->rx_empty = true;
				else
					card->stats.tx_bad_pb++;
				break;
			}
			/* upstream receives all P3 bytes whatever the ACK said */
			card->data_left = byte == ins || (card->rx_dir && upstream(card)) ? left : 1;
			card->phase = ST2_T0_DATA;
			break;
		}
		if ((byte & 0xf0) == 0x60 || (byte & 0xf0) == 0x90) {
			card->phase = ST2_T0_SW2;
			break;
		}
		card->stats.tx_bad_pb++;
		break;
	case ST2_T0_DATA:
		if (card->rx_dir) {
			/* the phone owes data bytes: the host should not send now */
			card->stats.tx_bad_pb++;
			break;
		}
		card->xfer_done++;
		if (--card->data_left == 0)
			card->phase = ST2_T0_PB;
		break;
	case ST2_T0_SW2:
		card->phase = ST2_T0_DONE;
		break;
	case ST2_T0_DONE:
		break;
	}
}

/* move the TPDU forward with the host's queued bytes */
static void
service(struct st2_card *card)
{
	for (;;) {
		struct st2_tx_msg *m;
		uint8_t byte;

		if (card->tx_busy)
			return;
		if (card->state != ST2_CARD_TPDU_WAIT && card->state != ST2_CARD_TPDU_TX)
			return;
		if (card->phase == ST2_T0_DONE) {
			/* SW2 is out: the message that carried it is done, anything
			 * after it is dropped by end_tpdu() */
			if (card->txq_count > 0 &&
			    card->txq[card->txq_head].pos >= card->txq[card->txq_head].len)
				txq_pop(card);
			end_tpdu(card);
			return;
		}
		if (card->txq_count == 0) {
			card->state = card->phase == ST2_T0_PB ? ST2_CARD_TPDU_WAIT
							       : ST2_CARD_TPDU_TX;
			null_timer_update(card);
			return;
		}
		m = &card->txq[card->txq_head];
		if (m->pos >= m->len) {
			uint32_t flags = m->flags;

			txq_pop(card);
			if ((flags & ST2_DATA_F_PB_AND_RX) && card->rx_dir &&
			    card->phase == ST2_T0_DATA) {
				card->state = ST2_CARD_TPDU_RX;
				card->rx_len = 0;
				null_timer_update(card);
				return;
			}
			if ((flags & ST2_DATA_F_PB_AND_RX) && card->rx_empty) {
				card->rx_empty = false;
				if (card->ops->rx_data != NULL)
					card->ops->rx_data(card->ops_ctx, ST2_DATA_F_FINAL,
							   card->rx_buf, 0);
			}
			if (flags & ST2_DATA_F_FINAL) {
				end_tpdu(card);
				return;
			}
			continue;
		}
		byte = m->data[m->pos++];
		classify_tx_byte(card, byte, m->flags);
		timer_stop(card);
		card->state = ST2_CARD_TPDU_TX;
		hal_tx(card, byte);
		return;
	}
}

static void
send_next_out(struct st2_card *card)
{
	if (card->tx_busy)
		return;
	if (card->state == ST2_CARD_IN_ATR) {
		if (card->out_pos < card->atr_len) {
			hal_tx(card, card->atr[card->out_pos++]);
			return;
		}
		/* ATR done: TC2 gives WI */
		card->wi = card->atr_info.wi;
		card->wt = st2_iso_wt(card->wi, card->d_index);
		card->state = ST2_CARD_IDLE;
		card->pps_allowed = true;
	} else if (card->state == ST2_CARD_PPS_TX) {
		if (card->out_pos < card->out_len) {
			hal_tx(card, card->out_buf[card->out_pos++]);
			return;
		}
		set_rate(card, card->pps_f_index, card->pps_d_index);
		card->state = ST2_CARD_IDLE;
	}
}

/* may the phone switch to Fi/Di? The default pair always; else what TA1 offers */
static bool
pps1_allowed(const struct st2_card *card, uint8_t fi, uint8_t di)
{
	uint8_t ta_fi = card->atr_info.ta1 >> 4;
	uint8_t ta_di = card->atr_info.ta1 & 0x0f;

	if (st2_iso_f(fi) == 0 || st2_iso_d(di) == 0)
		return false;
	if (st2_iso_f(fi) == 372 && fi <= 1 && di == 1)
		return true;
	if (!card->atr_info.has_ta1 || st2_iso_f(ta_fi) == 0 || st2_iso_d(ta_di) == 0)
		return false;
	return fi == ta_fi && st2_iso_d(di) <= st2_iso_d(ta_di);
}

/* the upstream profile: any request is accepted as it came (PPS2/PPS3 too) */
static void
pps_echo(struct st2_card *card)
{
	card->pps_f_index = 1;
	card->pps_d_index = 1;
	if (card->pps_req[1] & 0x10) {
		card->pps_f_index = card->pps_req[2] >> 4;
		card->pps_d_index = card->pps_req[2] & 0x0f;
	}
	memcpy(card->out_buf, card->pps_req, card->pps_len);
	card->out_len = card->pps_len;
	card->out_pos = 0;
	card->stats.pps_ok++;
	if (card->ops->pts != NULL)
		card->ops->pts(card->ops_ctx, card->pps_req, card->pps_len, card->out_buf,
			       card->out_len);
	card->state = ST2_CARD_PPS_TX;
	send_next_out(card);
}

static void
pps_process(struct st2_card *card)
{
	uint8_t x = 0, pps0 = card->pps_req[1];
	uint8_t n = 2;

	card->pps_allowed = false;
	for (unsigned i = 0; i < card->pps_len; i++)
		x ^= card->pps_req[i];
	if (x != 0) {
		/* ISO 7816-3: no answer to an erroneous request */
		card->stats.pps_bad_pck++;
		card->state = ST2_CARD_IDLE;
		return;
	}
	if (upstream(card)) {
		pps_echo(card);
		return;
	}
	if (!card->atr_info.valid || card->atr_info.specific_mode || (pps0 & 0x0f) != 0 ||
	    !(card->atr_info.protocols & 1)) {
		/* a protocol we do not offer, or no PPS allowed at all: stay silent */
		card->stats.pps_refused++;
		if (card->ops->pts != NULL)
			card->ops->pts(card->ops_ctx, card->pps_req, card->pps_len, NULL, 0);
		card->state = ST2_CARD_IDLE;
		return;
	}
	card->pps_f_index = 1;
	card->pps_d_index = 1;
	card->out_buf[0] = 0xff;
	card->out_buf[1] = 0x00;
	if (pps0 & 0x10) {
		uint8_t pps1 = card->pps_req[2];

		if (pps1_allowed(card, pps1 >> 4, pps1 & 0x0f)) {
			card->out_buf[1] |= 0x10;
			card->out_buf[n++] = pps1;
			card->pps_f_index = pps1 >> 4;
			card->pps_d_index = pps1 & 0x0f;
			card->stats.pps_ok++;
		} else {
			card->stats.pps_refused++;
		}
	} else {
		card->stats.pps_ok++;
	}
	/* PPS2/PPS3 are not supported: left out of the response */
	x = 0;
	for (unsigned i = 0; i < n; i++)
		x ^= card->out_buf[i];
	card->out_buf[n++] = x;
	card->out_len = n;
	card->out_pos = 0;
	if (card->ops->pts != NULL)
		card->ops->pts(card->ops_ctx, card->pps_req, card->pps_len, card->out_buf, n);
	card->state = ST2_CARD_PPS_TX;
	send_next_out(card);
}

static void
start_tpdu(struct st2_card *card)
{
	card->stats.tpdus++;
	card->phase = ST2_T0_PB;
	card->xfer_total = 0;
	card->xfer_done = 0;
	card->data_left = 0;
	card->rx_dir = false;
	card->rx_empty = false;
	card->rx_len = 0;
	card->state = ST2_CARD_TPDU_WAIT;
	if (card->ops->rx_data != NULL)
		card->ops->rx_data(card->ops_ctx, ST2_DATA_F_TPDU_HDR, card->hdr, 5);
	service(card);
}

void
st2_card_rx_byte(struct st2_card *card, uint8_t byte)
{
	card->stats.rx_bytes++;
	switch (card->state) {
	case ST2_CARD_IDLE:
		if (byte == 0xff) {
			if (!card->pps_allowed && !upstream(card)) {
				/* CLA FF is invalid in T=0 */
				card->stats.rx_unexpected++;
				break;
			}
			card->pps_req[0] = byte;
			card->pps_len = 1;
			card->pps_need = 2;
			card->state = ST2_CARD_PPS_RX;
			break;
		}
		card->pps_allowed = false;
		card->hdr[0] = byte;
		card->hdr_len = 1;
		card->state = ST2_CARD_TPDU_HDR;
		break;
	case ST2_CARD_PPS_RX:
		card->pps_req[card->pps_len++] = byte;
		if (card->pps_len == 2) {
			card->pps_need = 3;
			for (unsigned bit = 4; bit < 7; bit++)
				if (byte & (1u << bit))
					card->pps_need++;
		}
		if (card->pps_len == card->pps_need)
			pps_process(card);
		break;
	case ST2_CARD_TPDU_HDR:
		card->hdr[card->hdr_len++] = byte;
		if (card->hdr_len == 5)
			start_tpdu(card);
		break;
	case ST2_CARD_TPDU_RX:
		card->rx_buf[card->rx_len++] = byte;
		card->xfer_done++;
		if (--card->data_left == 0) {
			uint32_t flags = card->xfer_done >= card->xfer_total ? ST2_DATA_F_FINAL : 0;

			card->phase = ST2_T0_PB;
			card->state = ST2_CARD_TPDU_WAIT;
			if (card->ops->rx_data != NULL)
				card->ops->rx_data(card->ops_ctx, flags, card->rx_buf,
						   card->rx_len);
			card->rx_len = 0;
			service(card);
		}
		break;
	default:
		card->stats.rx_unexpected++;
		break;
	}
}

void
st2_card_tx_done(struct st2_card *card)
{
	card->tx_busy = false;
	switch (card->state) {
	case ST2_CARD_IN_ATR:
	case ST2_CARD_PPS_TX:
		send_next_out(card);
		break;
	case ST2_CARD_TPDU_WAIT:
	case ST2_CARD_TPDU_TX:
		service(card);
		break;
	default:
		break;
	}
}

void
st2_card_timer_expired(struct st2_card *card)
{
	if (!card->timer_on)
		return;
	card->timer_on = false;
	switch (card->state) {
	case ST2_CARD_WAIT_ATR:
		card->state = ST2_CARD_IN_ATR;
		card->out_pos = 0;
		send_next_out(card);
		break;
	case ST2_CARD_TPDU_WAIT:
		if (card->phase == ST2_T0_PB && !card->tx_busy && card->txq_count == 0) {
			card->stats.null_bytes++;
			hal_tx(card, ST2_NULL_BYTE);
		}
		break;
	default:
		break;
	}
}

bool
st2_card_tx_data(struct st2_card *card, uint32_t flags, const uint8_t *data, size_t len)
{
	struct st2_tx_msg *m;

	if (card->state != ST2_CARD_TPDU_WAIT && card->state != ST2_CARD_TPDU_TX &&
	    card->state != ST2_CARD_TPDU_RX && !upstream(card)) {
		card->stats.tx_dropped++;
		return false;
	}
	if (len > ST2_TX_MSG_MAX || card->txq_count >= ST2_TXQ_LEN) {
		card->stats.tx_dropped++;
		return false;
	}
	m = &card->txq[(card->txq_head + card->txq_count) % ST2_TXQ_LEN];
	m->flags = flags;
	m->len = (uint16_t)len;
	m->pos = 0;
	if (len > 0)
		memcpy(m->data, data, len);
	card->txq_count++;
	service(card);
	return true;
}

const char *
st2_card_state_name(enum st2_card_state state)
{
	static const char *const names[ST2_CARD_N_STATES] = {
		"OFF", "WAIT_CLK", "WAIT_RST", "WAIT_ATR", "IN_ATR", "IDLE", "PPS_RX",
		"PPS_TX", "TPDU_HDR", "TPDU_WAIT", "TPDU_RX", "TPDU_TX",
	};

	if ((unsigned)state < ST2_CARD_N_STATES)
		return names[state];
	return "?";
}
