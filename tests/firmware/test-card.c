// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ISO 7816-3 card state machine: every state transition, ATR, PPS good and
 * bad, NULL bytes at WT/2, reset in each state, and the USB dispatch around it.
 */
#include "fake-board.h"
#include "fw-test.h"

int fw_test_failures;

static const uint8_t hdr_in[] = { 0x00, 0xd6, 0x00, 0x00, 0x04 };	/* case 3 */
static const uint8_t hdr_out[] = { 0x00, 0xb0, 0x00, 0x00, 0x04 };	/* case 2 */

static void
host_tx(struct fake_board *fb, uint32_t flags, const uint8_t *data, size_t len)
{
	uint8_t msg[ST2_MSG_MAX];
	size_t n = st2_tx_data_encode(msg, sizeof(msg), flags, data, len);

	fb_out(fb, msg, n);
}

static struct st2_data
in_data(struct fake_board *fb, uint8_t *buf)
{
	struct st2_data d = { 0 };
	struct st2_msg m;
	size_t n = fb_in(fb, ST2_EP_IN_0, buf);

	CHECK(n > 0);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK_EQ(m.msg_type, ST2_CEMU_DO_RX_DATA);
	CHECK(st2_data_decode(&m, &d));
	return d;
}

static void
test_power_states(void)
{
	struct fake_board fb;
	struct st2_card *c = &fb.ce.card;

	fb_init(&fb, 1, NULL);
	/* emulation off: the card sees nothing */
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK_EQ(c->state, ST2_CARD_OFF);
	st2_cardem_uart_rx(&fb.ce, 0x00);
	CHECK_EQ(fb.ce.stats.rx_discarded, 1);
	st2_cardem_io(&fb.ce, false, false, true);
	fb_out(&fb, (const uint8_t *)"\x02\x02\x00\x00\x00\x00\x09\x00\x01", 9);
	CHECK(fb.ce.emulation);
	CHECK_EQ(c->state, ST2_CARD_OFF);
	st2_cardem_io(&fb.ce, true, false, true);
	CHECK_EQ(c->state, ST2_CARD_WAIT_CLK);
	st2_cardem_io(&fb.ce, true, true, true);
	CHECK_EQ(c->state, ST2_CARD_WAIT_RST);
	st2_cardem_io(&fb.ce, true, false, true);
	CHECK_EQ(c->state, ST2_CARD_WAIT_CLK);
	st2_cardem_io(&fb.ce, true, true, true);
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK_EQ(c->state, ST2_CARD_WAIT_ATR);
	CHECK(fb.timer_on);
	CHECK_EQ(fb.f_index, 1);
	CHECK_EQ(fb.d_index, 1);
	fb_timer(&fb);
	CHECK_EQ(c->state, ST2_CARD_IN_ATR);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, st2_default_atr, st2_default_atr_len);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK_EQ(c->wt, 9600);
	/* clock stop keeps the session */
	st2_cardem_io(&fb.ce, true, false, false);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	/* power loss */
	st2_cardem_io(&fb.ce, false, false, false);
	CHECK_EQ(c->state, ST2_CARD_OFF);
	/* improper power-up: VCC+CLK without a reset pulse still gives an ATR */
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK_EQ(c->state, ST2_CARD_WAIT_ATR);
	/* emulation switched on under power waits for the next reset */
	fb_init(&fb, 1, NULL);
	st2_cardem_io(&fb.ce, true, true, false);
	fb_out(&fb, (const uint8_t *)"\x02\x02\x00\x00\x00\x00\x09\x00\x01", 9);
	CHECK_EQ(c->state, ST2_CARD_WAIT_RST);
	st2_cardem_io(&fb.ce, true, true, true);
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK_EQ(c->state, ST2_CARD_WAIT_ATR);
	/* SIM_SELECT(0) turns the card off */
	fb_out(&fb, (const uint8_t *)"\x02\x02\x00\x00\x00\x00\x09\x00\x00", 9);
	CHECK_EQ(c->state, ST2_CARD_OFF);
	CHECK(!fb.sim_select);
}

static void
test_atr_settings(void)
{
	struct fake_board fb;
	uint8_t msg[64];
	/* TC2 = 0x20: WI 32 */
	static const uint8_t atr_wi[] = { 0x3b, 0x80, 0x40, 0x20 };
	uint8_t long_atr[34] = { 0x3b };
	size_t n;

	fb_init(&fb, 1, NULL);
	fb_power_up(&fb);
	n = st2_set_atr_encode(msg, sizeof(msg), atr_wi, sizeof(atr_wi));
	fb_out(&fb, msg, n);
	n = st2_set_atr_encode(msg, sizeof(msg), long_atr, sizeof(long_atr));
	fb_out(&fb, msg, n);
	CHECK_EQ(fb.ce.stats.atr_rejected, 1);
	/* current session unchanged; next reset sends the new one */
	CHECK_EQ(fb.ce.card.wt, 9600);
	st2_cardem_io(&fb.ce, true, true, true);
	st2_cardem_io(&fb.ce, true, true, false);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, atr_wi, sizeof(atr_wi));
	CHECK_EQ(fb.ce.card.wi, 32);
	CHECK_EQ(fb.ce.card.wt, 32 * 960);
}

static void
test_tpdu_in(void)
{
	struct fake_board fb;
	uint8_t buf[ST2_MSG_MAX];
	struct st2_data d;
	struct st2_card *c = &fb.ce.card;

	fb_init(&fb, 1, NULL);
	fb_power_up(&fb);
	fb_phone(&fb, hdr_in, 3);
	CHECK_EQ(c->state, ST2_CARD_TPDU_HDR);
	fb_phone(&fb, hdr_in + 3, 2);
	CHECK_EQ(c->state, ST2_CARD_TPDU_WAIT);
	d = in_data(&fb, buf);
	CHECK_EQ(d.flags, ST2_DATA_F_TPDU_HDR);
	CHECK_MEM(d.data, d.len, hdr_in, 5);
	CHECK(fb.timer_on);
	CHECK_EQ(fb.timer_etu, 4800);
	/* ~INS: one byte at a time */
	host_tx(&fb, ST2_DATA_F_PB_AND_RX, (const uint8_t *)"\x29", 1);
	CHECK_EQ(c->state, ST2_CARD_TPDU_TX);
	CHECK(!fb.timer_on);
	fb_drain_tx(&fb);
	CHECK_EQ(c->state, ST2_CARD_TPDU_RX);
	CHECK(!fb.timer_on);	/* no NULL while the phone owes data */
	fb_phone(&fb, (const uint8_t *)"\x11", 1);
	CHECK_EQ(c->state, ST2_CARD_TPDU_WAIT);
	d = in_data(&fb, buf);
	CHECK_EQ(d.flags, 0);
	CHECK_EQ(d.len, 1);
	CHECK(fb.timer_on);
	/* INS: the other three */
	host_tx(&fb, ST2_DATA_F_PB_AND_RX, (const uint8_t *)"\xd6", 1);
	fb_drain_tx(&fb);
	fb_phone(&fb, (const uint8_t *)"\x22\x33\x44", 3);
	d = in_data(&fb, buf);
	CHECK_EQ(d.flags, ST2_DATA_F_FINAL);
	CHECK_MEM(d.data, d.len, "\x22\x33\x44", 3);
	/* the host is slow: NULL at WT/2, timer re-armed */
	fb_timer(&fb);
	CHECK_EQ(c->stats.null_bytes, 1);
	fb_drain_tx(&fb);
	CHECK(fb.timer_on);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	host_tx(&fb, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, (const uint8_t *)"\x90\x00", 2);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\x29\xd6\x60\x60\x90\x00", 6);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK(!fb.timer_on);
	CHECK_EQ(c->stats.tx_bad_pb, 0);
}

static void
test_tpdu_out(void)
{
	struct fake_board fb;
	uint8_t buf[ST2_MSG_MAX];
	struct st2_card *c = &fb.ce.card;

	fb_init(&fb, 1, NULL);
	fb_power_up(&fb);
	fb_phone(&fb, hdr_out, 5);
	in_data(&fb, buf);
	/* INS and half the data: the card is in the data phase, no NULL allowed */
	host_tx(&fb, ST2_DATA_F_PB_AND_TX, (const uint8_t *)"\xb0\x01\x02", 3);
	fb_drain_tx(&fb);
	CHECK_EQ(c->state, ST2_CARD_TPDU_TX);
	CHECK_EQ(c->phase, ST2_T0_DATA);
	CHECK(!fb.timer_on);
	host_tx(&fb, ST2_DATA_F_PB_AND_TX, (const uint8_t *)"\x03\x04", 2);
	fb_drain_tx(&fb);
	/* all data out: a procedure byte may follow, so NULLs may too */
	CHECK_EQ(c->state, ST2_CARD_TPDU_WAIT);
	CHECK(fb.timer_on);
	/* SW ends the TPDU even without FINAL */
	host_tx(&fb, 0, (const uint8_t *)"\x90\x00", 2);
	fb_drain_tx(&fb);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK_MEM(fb.tx, fb.tx_len, "\xb0\x01\x02\x03\x04\x90\x00", 7);
	/* TX_DATA now is dropped */
	host_tx(&fb, ST2_DATA_F_FINAL, (const uint8_t *)"\x90\x00", 2);
	CHECK_EQ(c->stats.tx_dropped, 1);
	/* leftovers after the SW are dropped */
	fb.tx_len = 0;
	fb_phone(&fb, hdr_out, 5);
	in_data(&fb, buf);
	host_tx(&fb, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, (const uint8_t *)"\x6a\x82\x55", 3);
	host_tx(&fb, ST2_DATA_F_FINAL, (const uint8_t *)"\x90\x00", 2);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\x6a\x82", 2);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK_EQ(c->stats.tx_dropped, 3);	/* the rest of the SW message and the next */
	/* an invalid procedure byte is counted (and sent: the host decides) */
	fb_phone(&fb, hdr_out, 5);
	in_data(&fb, buf);
	host_tx(&fb, 0, (const uint8_t *)"\x12", 1);
	fb_drain_tx(&fb);
	CHECK_EQ(c->stats.tx_bad_pb, 1);
	/* P3 = 0 towards the card: an ACK gets an empty FINAL RX_DATA */
	st2_cardem_io(&fb.ce, true, true, true);
	st2_cardem_io(&fb.ce, true, true, false);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	while (fb_in(&fb, ST2_EP_IN_0, buf) > 0)
		;
	fb_phone(&fb, (const uint8_t *)"\x00\xd6\x00\x00\x00", 5);
	in_data(&fb, buf);
	host_tx(&fb, ST2_DATA_F_PB_AND_RX, (const uint8_t *)"\xd6", 1);
	fb_drain_tx(&fb);
	{
		struct st2_data d = in_data(&fb, buf);

		CHECK_EQ(d.flags, ST2_DATA_F_FINAL);
		CHECK_EQ(d.len, 0);
	}
	CHECK_EQ(c->state, ST2_CARD_TPDU_WAIT);
}

static void
pps(struct fake_board *fb, const uint8_t *req, size_t len)
{
	fb->tx_len = 0;
	fb_phone(fb, req, len);
	fb_drain_tx(fb);
}

static void
test_pps(void)
{
	struct fake_board fb;
	uint8_t buf[ST2_MSG_MAX];
	struct st2_msg m;
	struct st2_pts p;
	struct st2_card *c = &fb.ce.card;
	size_t n;

	/* default ATR has TA1 95: accepted, echoed, new rate after the answer */
	fb_init(&fb, 1, NULL);
	fb_power_up(&fb);
	fb_phone(&fb, (const uint8_t *)"\xff\x10\x95", 3);
	CHECK_EQ(c->state, ST2_CARD_PPS_RX);
	fb_phone(&fb, (const uint8_t *)"\x7a", 1);
	CHECK_EQ(c->state, ST2_CARD_PPS_TX);
	CHECK_EQ(fb.f_index, 1);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\xff\x10\x95\x7a", 4);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK_EQ(fb.f_index, 9);
	CHECK_EQ(fb.d_index, 5);
	CHECK_EQ(c->wt, 10 * 960 * 16);
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK_EQ(m.msg_type, ST2_CEMU_DO_PTS);
	CHECK(st2_pts_decode(&m, &p));
	CHECK_EQ(p.pts_len, 4);
	CHECK_MEM(p.resp, 4, "\xff\x10\x95\x7a", 4);
	/* a second PPS is not allowed; FF is then ignored */
	pps(&fb, (const uint8_t *)"\xff", 1);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK_EQ(c->stats.rx_unexpected, 1);

	/* beyond TA1: answered without PPS1 */
	fb_power_up(&fb);
	pps(&fb, (const uint8_t *)"\xff\x10\x96\x79", 4);
	CHECK_MEM(fb.tx, fb.tx_len, "\xff\x00\xff", 3);
	CHECK_EQ(fb.f_index, 1);
	CHECK_EQ(fb.d_index, 1);
	CHECK_EQ(c->stats.pps_refused, 1);
	/* bad PCK: silence */
	fb_power_up(&fb);
	pps(&fb, (const uint8_t *)"\xff\x10\x95\x00", 4);
	CHECK_EQ(fb.tx_len, 0);
	CHECK_EQ(c->state, ST2_CARD_IDLE);
	CHECK_EQ(c->stats.pps_bad_pck, 1);
	/* T=1: silence */
	fb_power_up(&fb);
	pps(&fb, (const uint8_t *)"\xff\x01\xfe", 3);
	CHECK_EQ(fb.tx_len, 0);
	/* PPS2 and PPS3 are left out */
	fb_power_up(&fb);
	pps(&fb, (const uint8_t *)"\xff\x70\x94\x01\x02\x18", 6);
	CHECK_MEM(fb.tx, fb.tx_len, "\xff\x10\x94\x7b", 4);
	CHECK_EQ(fb.d_index, 4);
	/* an ATR without TA1 allows only the default */
	{
		uint8_t msg[32];

		n = st2_set_atr_encode(msg, sizeof(msg), (const uint8_t *)"\x3b\x00", 2);
		fb_out(&fb, msg, n);
	}
	fb_power_up(&fb);
	pps(&fb, (const uint8_t *)"\xff\x10\x95\x7a", 4);
	CHECK_MEM(fb.tx, fb.tx_len, "\xff\x00\xff", 3);
	fb_power_up(&fb);
	pps(&fb, (const uint8_t *)"\xff\x10\x11\xfe", 4);
	CHECK_MEM(fb.tx, fb.tx_len, "\xff\x10\x11\xfe", 4);
	/* specific mode (TA2): no PPS at all */
	{
		uint8_t msg[32];

		n = st2_set_atr_encode(msg, sizeof(msg), (const uint8_t *)"\x3b\x90\x95\x10\x80",
				       5);
		fb_out(&fb, msg, n);
	}
	fb_power_up(&fb);
	CHECK(c->atr_info.specific_mode);
	pps(&fb, (const uint8_t *)"\xff\x10\x95\x7a", 4);
	CHECK_EQ(fb.tx_len, 0);
}

/* drive the card to `state`, then assert RST: everything is discarded */
static void
reset_in(enum st2_card_state state)
{
	struct fake_board fb;
	uint8_t buf[ST2_MSG_MAX];
	struct st2_card *c = &fb.ce.card;

	fb_init(&fb, 1, NULL);
	fb_out(&fb, (const uint8_t *)"\x02\x02\x00\x00\x00\x00\x09\x00\x01", 9);
	st2_cardem_io(&fb.ce, true, state != ST2_CARD_WAIT_CLK, true);
	if (state > ST2_CARD_WAIT_RST) {
		st2_cardem_io(&fb.ce, true, true, false);
		if (state > ST2_CARD_WAIT_ATR)
			fb_timer(&fb);
		if (state > ST2_CARD_IN_ATR)
			fb_drain_tx(&fb);
	}
	switch (state) {
	case ST2_CARD_PPS_RX:
		fb_phone(&fb, (const uint8_t *)"\xff\x10", 2);
		break;
	case ST2_CARD_PPS_TX:
		fb_phone(&fb, (const uint8_t *)"\xff\x10\x95\x7a", 4);
		break;
	case ST2_CARD_TPDU_HDR:
		fb_phone(&fb, hdr_in, 2);
		break;
	case ST2_CARD_TPDU_WAIT:
		fb_phone(&fb, hdr_in, 5);
		break;
	case ST2_CARD_TPDU_RX:
		fb_phone(&fb, hdr_in, 5);
		host_tx(&fb, ST2_DATA_F_PB_AND_RX, hdr_in + 1, 1);
		fb_drain_tx(&fb);
		fb_phone(&fb, (const uint8_t *)"\x01", 1);
		break;
	case ST2_CARD_TPDU_TX:
		fb_phone(&fb, hdr_out, 5);
		host_tx(&fb, ST2_DATA_F_PB_AND_TX, (const uint8_t *)"\xb0\x01\x02\x03\x04", 5);
		host_tx(&fb, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, (const uint8_t *)"\x90\x00",
			2);
		break;
	default:
		break;
	}
	CHECK_EQ(c->state, state);
	if (c->state != state)
		fprintf(stderr, "  wanted %s, got %s\n", st2_card_state_name(state),
			st2_card_state_name(c->state));
	st2_cardem_io(&fb.ce, true, true, true);
	CHECK_EQ(c->state, ST2_CARD_WAIT_RST);
	CHECK_EQ(c->txq_count, 0);
	CHECK(!fb.timer_on);
	CHECK(!fb.tx_pending);
	/* and the next session starts clean */
	while (fb_in(&fb, ST2_EP_IN_0, buf) > 0)
		;
	fb.tx_len = 0;
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK_EQ(c->state, ST2_CARD_WAIT_ATR);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, st2_default_atr, st2_default_atr_len);
	CHECK_EQ(fb.f_index, 1);
	CHECK_EQ(c->wt, 9600);
	fb_phone(&fb, hdr_out, 5);
	CHECK_EQ(c->state, ST2_CARD_TPDU_WAIT);
	/* power loss in that state too */
	st2_cardem_io(&fb.ce, false, false, false);
	CHECK_EQ(c->state, ST2_CARD_OFF);
}

static void
test_reset_every_state(void)
{
	for (int s = ST2_CARD_WAIT_CLK; s < ST2_CARD_N_STATES; s++)
		reset_in((enum st2_card_state)s);
}

static void
test_dispatch(void)
{
	struct fake_board fb;
	struct st2_board_info bi = { .cap_generic_bytes = 2, .cap_generic = 0x1000 };
	uint8_t buf[ST2_MSG_MAX], big[300] = { 0 };
	struct st2_msg m;
	struct st2_status st;
	struct st2_board_info bi2;
	size_t n;

	strcpy(bi.sw_name, "cardem");
	fb_init(&fb, 1, &bi);
	/* unknown class, unknown type, short payloads, stray bytes */
	fb_out(&fb, (const uint8_t *)"\x7f\x01\x00\x00\x00\x00\x08\x00", 8);
	fb_out(&fb, (const uint8_t *)"\x01\x63\x00\x00\x00\x00\x08\x00", 8);
	fb_out(&fb, (const uint8_t *)"\x01\x01\x00\x00\x00\x00\x08\x00", 8);
	fb_out(&fb, (const uint8_t *)"\x02\x01\x00\x00\x00\x00\x09\x00\x02", 9);
	fb_out(&fb, (const uint8_t *)"\x01\x03\x00\x00\x00\x00\x08\x00\x01\x02", 10);
	fb_out(&fb, big, sizeof(big));
	CHECK_EQ(fb.ce.stats.msg_unknown, 2);
	CHECK_EQ(fb.ce.stats.msg_short, 2);
	CHECK_EQ(fb.ce.stats.msg_ignored, 1);
	CHECK_EQ(fb.ce.stats.out_truncated, 1);
	CHECK_EQ(fb.ce.stats.out_oversize, 1);
	CHECK_EQ(fb_in(&fb, ST2_EP_IN_0, buf), 0);
	/* BOARD_INFO is answered */
	n = st2_board_info_req_encode(buf, sizeof(buf));
	fb_out(&fb, buf, n);
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_board_info_decode(&m, &bi2));
	CHECK_EQ(strcmp(bi2.sw_name, "cardem"), 0);
	CHECK_EQ(bi2.cap_generic, 0x1000);
	/* STATUS with the card-insert and emulation bits */
	fb_out(&fb, (const uint8_t *)"\x01\x05\x00\x00\x00\x00\x09\x00\x01", 9);
	CHECK(fb.card_detect);
	fb_out(&fb, (const uint8_t *)"\x02\x02\x00\x00\x00\x00\x09\x00\x01", 9);
	st2_cardem_io(&fb.ce, true, true, true);
	n = st2_status_req_encode(buf, sizeof(buf));
	fb_out(&fb, buf, n);
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_status_decode(&m, &st));
	CHECK_EQ(st.flags, ST2_STATUS_F_VCC_PRESENT | ST2_STATUS_F_CLK_ACTIVE |
			   ST2_STATUS_F_RESET_ACTIVE | ST2_STATUS_F_RCEMU_ACTIVE |
			   ST2_STATUS_F_CARD_INSERT);
	CHECK_EQ(st.voltage_mv, 1800);
	CHECK_EQ(st.waiting_time, 9600);
	/* no IRQ STATUS until enabled */
	CHECK_EQ(fb_in(&fb, ST2_EP_IRQ_0, buf), 0);
	/* CONFIG: features masked, polarity applied, reply on bulk IN */
	{
		struct st2_config cfg = { .features = 0xffffffffu, .slot_mux_nr = 3,
					  .pres_pol = ST2_PRES_POL_VALID };

		n = st2_config_encode(buf, sizeof(buf), &cfg);
		fb_out(&fb, buf, n);
		CHECK(!fb.card_detect);
		n = fb_in(&fb, ST2_EP_IN_0, buf);
		CHECK(st2_msg_decode(buf, n, &m));
		CHECK(st2_config_decode(&m, &cfg));
		CHECK_EQ(cfg.features, ST2_FEAT_STATUS_IRQ);
		CHECK_EQ(cfg.slot_mux_nr, 0);	/* no mux on this board */
		CHECK_EQ(cfg.pres_pol, ST2_PRES_POL_VALID);
	}
	st2_cardem_io(&fb.ce, true, true, false);
	n = fb_in(&fb, ST2_EP_IRQ_0, buf);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_status_decode(&m, &st));
	CHECK_EQ(st.flags & ST2_STATUS_F_RESET_ACTIVE, 0);
	CHECK(st.flags & ST2_STATUS_F_VCC_PRESENT);
	/* card removal is reported too */
	fb_out(&fb, (const uint8_t *)"\x01\x05\x00\x00\x00\x00\x09\x00\x00", 9);
	n = fb_in(&fb, ST2_EP_IRQ_0, buf);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_status_decode(&m, &st));
	CHECK_EQ(st.flags & ST2_STATUS_F_CARD_INSERT, 0);
	/* the IN queue keeps the newest 3 */
	for (int i = 0; i < 5; i++)
		fb_out(&fb, (const uint8_t *)"\x01\x04\x00\x00\x00\x00\x08\x00", 8);
	CHECK_EQ(fb.ce.stats.in_dropped, 2);
	for (int i = 0; i < 3; i++)
		CHECK(fb_in(&fb, ST2_EP_IN_0, buf) > 0);
	CHECK_EQ(fb_in(&fb, ST2_EP_IN_0, buf), 0);
	{
		uint16_t len16;

		CHECK(!st2_cardem_in_peek(&fb.ce, 0x99, &len16));
	}
	/* MODEM_RESET with an unknown value */
	fb_out(&fb, (const uint8_t *)"\x02\x01\x00\x00\x00\x00\x0b\x00\x07\x00\x00", 11);
	CHECK_EQ(fb.modem_resets, 0);
}

static void
test_iso_tables(void)
{
	struct st2_atr_info info;

	CHECK_EQ(st2_iso_f(9), 512);
	CHECK_EQ(st2_iso_f(7), 0);
	CHECK_EQ(st2_iso_d(8), 12);
	CHECK_EQ(st2_iso_d(0), 0);
	CHECK_EQ(st2_iso_wt(10, 0), 9600);
	CHECK(st2_atr_parse(st2_default_atr, st2_default_atr_len, &info));
	CHECK(info.has_ta1);
	CHECK_EQ(info.ta1, 0x95);
	CHECK_EQ(info.protocols, (1u << 0) | (1u << 15));
	CHECK(!st2_atr_parse(st2_default_atr, st2_default_atr_len - 1, &info));
	CHECK(!st2_atr_parse((const uint8_t *)"\x3b\x90\x95\x80\x1f\xc7\x00", 7, &info));
	CHECK(!st2_atr_parse((const uint8_t *)"\x12\x00", 2, &info));
	CHECK(st2_atr_parse((const uint8_t *)"\x3b\x02\x14\x50", 4, &info));
	CHECK_EQ(info.protocols, 1);
	CHECK_EQ(strcmp(st2_card_state_name(ST2_CARD_TPDU_RX), "TPDU_RX"), 0);
}

int
main(void)
{
	RUN(test_power_states);
	RUN(test_atr_settings);
	RUN(test_tpdu_in);
	RUN(test_tpdu_out);
	RUN(test_pps);
	RUN(test_reset_every_state);
	RUN(test_dispatch);
	RUN(test_iso_tables);
	return fw_test_failures ? 1 : 0;
}
