// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One cardem instance: USB command dispatch and IN queues. See st2/st2-cardem.h.
 */
#include "st2/st2-cardem.h"

#include <string.h>

static struct st2_in_queue *
queue_for(struct st2_cardem *ce, uint8_t ep)
{
	if (ep == ce->in_bulk.ep)
		return &ce->in_bulk;
	if (ep == ce->in_irq.ep)
		return &ce->in_irq;
	return NULL;
}

static void
in_push(struct st2_cardem *ce, struct st2_in_queue *q, const uint8_t *msg, size_t len)
{
	struct st2_in_buf *b;

	if (len == 0 || len > ST2_MSG_MAX)
		return;
	if (q->count == ST2_INQ_LEN) {
		/* nobody reads: the oldest message goes */
		q->head = (uint8_t)((q->head + 1) % ST2_INQ_LEN);
		q->count--;
		ce->stats.in_dropped++;
	}
	b = &q->buf[(q->head + q->count) % ST2_INQ_LEN];
	memcpy(b->data, msg, len);
	b->len = (uint16_t)len;
	q->count++;
	if (ce->hal->usb_in_kick != NULL)
		ce->hal->usb_in_kick(ce->hal_ctx, q->ep);
}

const uint8_t *
st2_cardem_in_peek(const struct st2_cardem *ce, uint8_t ep, uint16_t *len)
{
	const struct st2_in_queue *q = queue_for((struct st2_cardem *)ce, ep);

	if (q == NULL || q->count == 0)
		return NULL;
	*len = q->buf[q->head].len;
	return q->buf[q->head].data;
}

void
st2_cardem_in_pop(struct st2_cardem *ce, uint8_t ep)
{
	struct st2_in_queue *q = queue_for(ce, ep);

	if (q == NULL || q->count == 0)
		return;
	q->head = (uint8_t)((q->head + 1) % ST2_INQ_LEN);
	q->count--;
}

void
st2_cardem_get_status(const struct st2_cardem *ce, struct st2_status *st)
{
	const struct st2_card *card = &ce->card;
	bool upstream = ce->cfg.profile == ST2_FW_UPSTREAM;

	memset(st, 0, sizeof(*st));
	if (card->vcc)
		st->flags |= ST2_STATUS_F_VCC_PRESENT;
	/* upstream reports CLK as a copy of VCC */
	if (upstream ? card->vcc : card->clk)
		st->flags |= ST2_STATUS_F_CLK_ACTIVE;
	if (card->rst)
		st->flags |= ST2_STATUS_F_RESET_ACTIVE;
	/* upstream never sets RCEMU_ACTIVE and CARD_INSERT */
	if (ce->emulation && !upstream)
		st->flags |= ST2_STATUS_F_RCEMU_ACTIVE;
	if (ce->card_insert && !upstream)
		st->flags |= ST2_STATUS_F_CARD_INSERT;
	if (card->vcc && ce->hal->vcc_mv != NULL)
		st->voltage_mv = ce->hal->vcc_mv(ce->hal_ctx);
	st->f_index = card->f_index;
	st->d_index = card->d_index;
	st->wi = card->wi;
	/* upstream does not scale the reported WT by D (it stays WI x 960 after a PPS) */
	st->waiting_time = upstream ? st2_iso_wt(card->wi, 1) : card->wt;
}

static void
irq_status_update(struct st2_cardem *ce)
{
	struct st2_status st;
	uint8_t msg[ST2_MSG_HDR_LEN + ST2_STATUS_LEN];
	size_t n;

	st2_cardem_get_status(ce, &st);
	if (st.flags == ce->irq_flags)
		return;
	if (ce->cfg.profile == ST2_FW_UPSTREAM && (ce->features & ST2_FEAT_STATUS_IRQ) &&
	    (st.flags & ST2_STATUS_F_VCC_PRESENT) &&
	    !(ce->irq_flags & ST2_STATUS_F_VCC_PRESENT) && (st.flags & ST2_STATUS_F_CLK_ACTIVE)) {
		/* upstream reports a power-up in two steps: VCC first, its CLK copy next
		 * (0x11 -> 0x13 at a phone's power-up) */
		struct st2_status first = st;

		first.flags &= ~ST2_STATUS_F_CLK_ACTIVE;
		n = st2_status_encode(msg, sizeof(msg), &first);
		in_push(ce, &ce->in_irq, msg, n);
	}
	ce->irq_flags = st.flags;
	if (!(ce->features & ST2_FEAT_STATUS_IRQ))
		return;
	n = st2_status_encode(msg, sizeof(msg), &st);
	in_push(ce, &ce->in_irq, msg, n);
}

/* what the card state machine sees: nothing while emulation is off */
static void
feed_card_io(struct st2_cardem *ce)
{
	bool vcc = ce->emulation && ce->pin_vcc;
	bool clk = ce->emulation && ce->pin_clk;
	bool rst = ce->emulation && (ce->pin_rst || ce->await_reset);

	st2_card_io(&ce->card, vcc, clk, rst);
	irq_status_update(ce);
}

static void
card_rx_data(void *ctx, uint32_t flags, const uint8_t *data, uint16_t len)
{
	struct st2_cardem *ce = ctx;
	uint8_t msg[ST2_MSG_MAX];
	size_t n = st2_rx_data_encode(msg, sizeof(msg), flags, data, len);

	in_push(ce, &ce->in_bulk, msg, n);
}

static void
card_pts(void *ctx, const uint8_t *req, uint8_t req_len, const uint8_t *resp, uint8_t resp_len)
{
	struct st2_cardem *ce = ctx;
	struct st2_pts pts;
	uint8_t msg[ST2_MSG_HDR_LEN + ST2_PTS_LEN];
	size_t n;

	memset(&pts, 0, sizeof(pts));
	pts.pts_len = req_len > 6 ? 6 : req_len;
	memcpy(pts.req, req, pts.pts_len);
	if (resp != NULL)
		memcpy(pts.resp, resp, resp_len > 6 ? 6 : resp_len);
	n = st2_pts_encode(msg, sizeof(msg), &pts);
	in_push(ce, &ce->in_bulk, msg, n);
}

static void
card_io_changed(void *ctx)
{
	(void)ctx;	/* reported by feed_card_io() once the inputs settled */
}

static const struct st2_card_ops card_ops = {
	.rx_data = card_rx_data,
	.pts = card_pts,
	.io_changed = card_io_changed,
};

static void
apply_card_detect(struct st2_cardem *ce)
{
	bool level = ce->card_insert ? (ce->pres_pol & 1) : !(ce->pres_pol & 1);

	if (ce->hal->set_card_detect != NULL)
		ce->hal->set_card_detect(ce->hal_ctx, level);
}

void
st2_cardem_init(struct st2_cardem *ce, const struct st2_hal *hal, void *hal_ctx,
		const struct st2_cardem_config *cfg)
{
	memset(ce, 0, sizeof(*ce));
	ce->hal = hal;
	ce->hal_ctx = hal_ctx;
	ce->cfg = *cfg;
	ce->in_bulk.ep = cfg->ep_in;
	ce->in_irq.ep = cfg->ep_irq;
	ce->pres_pol = cfg->default_pres_pol & 1;
	st2_card_init(&ce->card, hal, hal_ctx, &card_ops, ce);
	ce->card.profile = cfg->profile;
	apply_card_detect(ce);
}

static void
reply_status(struct st2_cardem *ce)
{
	struct st2_status st;
	uint8_t msg[ST2_MSG_HDR_LEN + ST2_STATUS_LEN];
	size_t n;

	st2_cardem_get_status(ce, &st);
	n = st2_status_encode(msg, sizeof(msg), &st);
	in_push(ce, &ce->in_bulk, msg, n);
}

static void
handle_config(struct st2_cardem *ce, const struct st2_msg *m)
{
	struct st2_config cfg;
	uint8_t msg[ST2_MSG_HDR_LEN + ST2_CONFIG_LEN];
	size_t n;

	if (!st2_config_decode(m, &cfg)) {
		ce->stats.msg_short++;
		return;
	}
	ce->features = cfg.features & ST2_FEAT_ALL;
	if (cfg.present >= 5 && ce->cfg.has_mux)
		ce->slot_mux_nr = cfg.slot_mux_nr;
	if (cfg.present >= 6 && (cfg.pres_pol & ST2_PRES_POL_VALID)) {
		ce->pres_pol = cfg.pres_pol & ST2_PRES_POL_HIGH;
		apply_card_detect(ce);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.features = ce->features;
	cfg.slot_mux_nr = ce->slot_mux_nr;
	cfg.pres_pol = (uint8_t)(ce->pres_pol | ST2_PRES_POL_VALID);
	cfg.present = ST2_CONFIG_LEN;
	n = st2_config_encode(msg, sizeof(msg), &cfg);
	in_push(ce, &ce->in_bulk, msg, n);
}

static void
handle_cardem(struct st2_cardem *ce, const struct st2_msg *m)
{
	struct st2_data data;
	const uint8_t *atr;
	uint8_t u8;

	switch (m->msg_type) {
	case ST2_CEMU_DT_TX_DATA:
		if (!st2_data_decode(m, &data)) {
			ce->stats.msg_short++;
			return;
		}
		/* the bytes up to msg_len count, data_len does not */
		st2_card_tx_data(&ce->card, data.flags, data.data, data.len);
		return;
	case ST2_CEMU_DT_SET_ATR:
		if (!st2_set_atr_decode(m, &atr, &u8)) {
			ce->stats.msg_short++;
			return;
		}
		if (!st2_card_set_atr(&ce->card, atr, u8))
			ce->stats.atr_rejected++;
		return;
	case ST2_CEMU_BD_STATUS:
		reply_status(ce);
		return;
	case ST2_CEMU_DT_CARDINSERT:
		if (!st2_u8_decode(m, &u8)) {
			ce->stats.msg_short++;
			return;
		}
		ce->card_insert = u8 != 0;
		apply_card_detect(ce);
		irq_status_update(ce);
		return;
	case ST2_CEMU_BD_CONFIG:
		handle_config(ce, m);
		return;
	case ST2_CEMU_BD_STATS:
		ce->stats.msg_ignored++;
		return;
	default:
		ce->stats.msg_unknown++;
		return;
	}
}

static void
handle_modem(struct st2_cardem *ce, const struct st2_msg *m)
{
	struct st2_modem_reset mr;
	uint8_t u8;

	switch (m->msg_type) {
	case ST2_MODEM_DT_RESET:
		if (!st2_modem_reset_decode(m, &mr)) {
			ce->stats.msg_short++;
			return;
		}
		if (mr.asserted > ST2_MODEM_RESET_PULSE) {
			ce->stats.msg_unknown++;
			return;
		}
		if (ce->hal->modem_reset != NULL)
			ce->hal->modem_reset(ce->hal_ctx, mr.asserted, mr.pulse_ms);
		return;
	case ST2_MODEM_DT_SIM_SELECT:
		if (!st2_u8_decode(m, &u8)) {
			ce->stats.msg_short++;
			return;
		}
		if ((u8 != 0) != ce->emulation) {
			ce->emulation = u8 != 0;
			/* turned on under power: the phone's next reset starts the session */
			ce->await_reset = ce->emulation && ce->pin_vcc && !ce->pin_rst;
		}
		if (ce->hal->set_sim_select != NULL)
			ce->hal->set_sim_select(ce->hal_ctx, ce->emulation);
		feed_card_io(ce);
		return;
	case ST2_MODEM_BD_STATUS:
		ce->stats.msg_ignored++;
		return;
	default:
		ce->stats.msg_unknown++;
		return;
	}
}

static void
handle_generic(struct st2_cardem *ce, const struct st2_msg *m)
{
	uint8_t msg[ST2_MSG_MAX];
	size_t n;

	if (m->msg_type != ST2_GEN_BD_BOARD_INFO) {
		ce->stats.msg_unknown++;
		return;
	}
	if (ce->cfg.board_info == NULL) {
		ce->stats.msg_ignored++;
		return;
	}
	n = st2_board_info_encode(msg, sizeof(msg), ce->cfg.board_info);
	in_push(ce, &ce->in_bulk, msg, n);
}

void
st2_cardem_usb_out(struct st2_cardem *ce, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	struct st2_msg m;

	ce->stats.out_transfers++;
	if (len > ST2_MSG_MAX) {
		ce->stats.out_oversize++;
		return;
	}
	while (off < len) {
		if (!st2_msg_next(buf, len, &off, &m)) {
			ce->stats.out_truncated++;
			break;
		}
		ce->stats.out_msgs++;
		switch (m.msg_class) {
		case ST2_CLASS_GENERIC:
			handle_generic(ce, &m);
			break;
		case ST2_CLASS_CARDEM:
			handle_cardem(ce, &m);
			break;
		case ST2_CLASS_MODEM:
			handle_modem(ce, &m);
			break;
		default:
			ce->stats.msg_unknown++;
			break;
		}
	}
}

void
st2_cardem_io(struct st2_cardem *ce, bool vcc, bool clk, bool rst)
{
	ce->pin_vcc = vcc;
	ce->pin_clk = clk;
	ce->pin_rst = rst;
	if (!vcc || rst)
		ce->await_reset = false;
	feed_card_io(ce);
}

void
st2_cardem_uart_rx(struct st2_cardem *ce, uint8_t byte)
{
	if (!ce->emulation) {
		ce->stats.rx_discarded++;
		return;
	}
	st2_card_rx_byte(&ce->card, byte);
}

void
st2_cardem_uart_tx_done(struct st2_cardem *ce)
{
	st2_card_tx_done(&ce->card);
}

void
st2_cardem_timer_expired(struct st2_cardem *ce)
{
	st2_card_timer_expired(&ce->card);
}
