// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The core's upstream profile (ST2_FW_UPSTREAM): the behaviour of the released
 * upstream cardem firmware as seen from USB, which host drivers are tested
 * against. Each test states one observed behaviour (firmware/README.md, "The
 * upstream profile").
 */
#include "fake-board.h"
#include "fw-test.h"

int fw_test_failures;

static const uint8_t sim_select_on[] = { 0x02, 0x02, 0, 0, 0, 0, 0x09, 0x00, 0x01 };
static const uint8_t config_irq[] = { 0x01, 0x08, 0, 0, 0, 0, 0x0c, 0x00, 0x01, 0, 0, 0 };
static const uint8_t cardinsert_on[] = { 0x01, 0x05, 0, 0, 0, 0, 0x09, 0x00, 0x01 };

static void
up_init(struct fake_board *fb)
{
	fb_init_profile(fb, 1, NULL, ST2_FW_UPSTREAM);
	fb->hal.vcc_mv = NULL; /* a SIMtrace 2 has no VCC ADC */
}

static void
host_tx(struct fake_board *fb, uint32_t flags, const uint8_t *data, size_t len)
{
	uint8_t msg[ST2_MSG_MAX];
	size_t n = st2_tx_data_encode(msg, sizeof(msg), flags, data, len);

	fb_out(fb, msg, n);
}

/* the next STATUS on `ep`; flags 0xffffffff when none */
static struct st2_status
next_status(struct fake_board *fb, uint8_t ep)
{
	struct st2_status st = { .flags = 0xffffffffu };
	uint8_t buf[ST2_MSG_MAX];
	struct st2_msg m;
	size_t n;

	while ((n = fb_in(fb, ep, buf)) > 0) {
		if (st2_msg_decode(buf, n, &m) && m.msg_type == ST2_CEMU_BD_STATUS &&
		    st2_status_decode(&m, &st))
			return st;
	}
	return st;
}

/* STATUS: no RCEMU_ACTIVE / CARD_INSERT, 0 mV, CLK a copy of VCC reported one
 * step late at power-up (0x11 -> 0x13 -> 0x03), RST without VCC at first */
static void
test_status_flags(void)
{
	struct fake_board fb;
	struct st2_status st;

	up_init(&fb);
	fb_out(&fb, config_irq, sizeof(config_irq));
	fb_out(&fb, cardinsert_on, sizeof(cardinsert_on));
	fb_out(&fb, sim_select_on, sizeof(sim_select_on));
	CHECK_EQ(next_status(&fb, ST2_EP_IRQ_0).flags, 0xffffffffu); /* nothing changed */
	st2_cardem_io(&fb.ce, false, false, true);
	CHECK_EQ(next_status(&fb, ST2_EP_IRQ_0).flags, 0x10);
	st2_cardem_io(&fb.ce, true, true, true);
	CHECK_EQ(next_status(&fb, ST2_EP_IRQ_0).flags, 0x11);
	CHECK_EQ(next_status(&fb, ST2_EP_IRQ_0).flags, 0x13);
	st2_cardem_io(&fb.ce, true, true, false);
	st = next_status(&fb, ST2_EP_IRQ_0);
	CHECK_EQ(st.flags, 0x03);
	CHECK_EQ(st.voltage_mv, 0);
	/* clock stop is not seen: CLK follows VCC */
	st2_cardem_io(&fb.ce, true, false, false);
	CHECK_EQ(next_status(&fb, ST2_EP_IRQ_0).flags, 0xffffffffu);
}

/* waiting_time is WI x 960 even after a PPS raised D; the card itself uses
 * the right WT for its NULL bytes */
static void
test_wt_not_scaled(void)
{
	struct fake_board fb;
	static const uint8_t status_req[] = { 0x01, 0x04, 0, 0, 0, 0, 0x08, 0x00 };
	uint8_t buf[ST2_MSG_MAX];
	struct st2_status st;

	up_init(&fb);
	fb_power_up(&fb);
	fb_phone(&fb, (const uint8_t *)"\xff\x10\x95\x7a", 4);
	fb_drain_tx(&fb);
	CHECK_EQ(fb.d_index, 5);
	CHECK_EQ(fb.ce.card.wt, 10 * 960 * 16);
	while (fb_in(&fb, ST2_EP_IN_0, buf) > 0)
		;
	fb_out(&fb, status_req, sizeof(status_req));
	st = next_status(&fb, ST2_EP_IN_0);
	CHECK_EQ(st.d_index, 5);
	CHECK_EQ(st.waiting_time, 9600);
}

/* TX_DATA is queued in any state; only RST assertion empties the queue. An
 * answer that comes after the reset is sent in the next TPDU (the failure a
 * host must avoid). */
static void
test_tx_queued_any_state(void)
{
	struct fake_board fb;
	static const uint8_t sel[] = { 0x00, 0xa4, 0x00, 0x04, 0x02 };
	static const uint8_t chal[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	static const uint8_t ins_a4 = 0xa4;
	struct st2_card *c = &fb.ce.card;

	up_init(&fb);
	fb_power_up(&fb);
	fb_phone(&fb, sel, sizeof(sel));
	CHECK_EQ(c->state, ST2_CARD_TPDU_WAIT);
	/* the phone resets the card before the host answered */
	st2_cardem_io(&fb.ce, true, true, true);
	host_tx(&fb, ST2_DATA_F_PB_AND_RX, &ins_a4, 1);
	CHECK_EQ(c->stats.tx_dropped, 0);
	CHECK_EQ(c->txq_count, 1);
	st2_cardem_io(&fb.ce, true, true, false);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	CHECK_EQ(c->txq_count, 1);	/* the ATR did not take it */
	fb.tx_len = 0;
	fb_phone(&fb, chal, sizeof(chal));
	CHECK_EQ(fb.tx_len, 1);
	CHECK_EQ(fb.tx[0], 0xa4);	/* the stale answer is the procedure byte */
	CHECK_EQ(c->stats.tx_bad_pb, 1);

	/* queued while idle and then RST asserted: gone */
	up_init(&fb);
	fb_power_up(&fb);
	host_tx(&fb, ST2_DATA_F_PB_AND_RX, &ins_a4, 1);
	CHECK_EQ(c->txq_count, 1);
	st2_cardem_io(&fb.ce, true, true, true);
	CHECK_EQ(c->txq_count, 0);
	CHECK_EQ(c->stats.tx_dropped, 1);
	st2_cardem_io(&fb.ce, true, true, false);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	fb.tx_len = 0;
	fb_phone(&fb, chal, sizeof(chal));
	CHECK_EQ(fb.tx_len, 0);		/* the card waits for the host */
	CHECK(fb.timer_on);
}

/* every PPS request with a good PCK is echoed (any Fi/Di, any T, PPS2/3),
 * also later than right after the ATR; DO_CEMU_PTS is queued before the
 * answer goes out */
static void
test_pps_echo(void)
{
	struct fake_board fb;
	static const uint8_t req[] = { 0xff, 0x70, 0x96, 0x01, 0x02, 0x1a };
	uint8_t buf[ST2_MSG_MAX];
	struct st2_msg m = { 0 };
	struct st2_pts p = { 0 };
	size_t n;

	up_init(&fb);
	fb_power_up(&fb);
	fb_phone(&fb, req, sizeof(req));
	n = fb_in(&fb, ST2_EP_IN_0, buf);	/* queued before the line finished */
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK_EQ(m.msg_type, ST2_CEMU_DO_PTS);
	CHECK(st2_pts_decode(&m, &p));
	CHECK_EQ(p.pts_len, 6);
	CHECK_MEM(p.resp, 6, req, 6);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, req, sizeof(req));
	CHECK_EQ(fb.f_index, 9);
	CHECK_EQ(fb.d_index, 6);
	/* a second one, T=1: echoed too */
	fb.tx_len = 0;
	fb_phone(&fb, (const uint8_t *)"\xff\x01\xfe", 3);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\xff\x01\xfe", 3);
	CHECK_EQ(fb.d_index, 1);
	/* bad PCK: silence */
	fb.tx_len = 0;
	fb_phone(&fb, (const uint8_t *)"\xff\x10\x95\x00", 4);
	CHECK_EQ(fb.tx_len, 0);
	CHECK_EQ(fb.ce.card.stats.pps_bad_pck, 1);
}

/* after ~INS the card still waits for all P3 bytes (per-byte hosts hang) */
static void
test_all_p3_bytes(void)
{
	struct fake_board fb;
	static const uint8_t upd[] = { 0x00, 0xd6, 0x00, 0x00, 0x04 };
	uint8_t nins = 0x29, buf[ST2_MSG_MAX];
	struct st2_msg m = { 0 };
	struct st2_data d = { 0 };
	size_t n;

	up_init(&fb);
	fb_power_up(&fb);
	fb_phone(&fb, upd, sizeof(upd));
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK(n > 0);
	host_tx(&fb, ST2_DATA_F_PB_AND_RX, &nins, 1);
	fb_drain_tx(&fb);
	CHECK_EQ(fb.ce.card.state, ST2_CARD_TPDU_RX);
	fb_phone(&fb, (const uint8_t *)"\xca", 1);
	CHECK_EQ(fb_in(&fb, ST2_EP_IN_0, buf), 0);
	CHECK_EQ(fb.ce.card.state, ST2_CARD_TPDU_RX);
	fb_phone(&fb, (const uint8_t *)"\xfe\xba\xbe", 3);
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_data_decode(&m, &d));
	CHECK_EQ(d.flags, ST2_DATA_F_FINAL);
	CHECK(d.data != NULL);
	if (d.data != NULL)
		CHECK_MEM(d.data, d.len, "\xca\xfe\xba\xbe", 4);
}

int
main(void)
{
	RUN(test_status_flags);
	RUN(test_wt_not_scaled);
	RUN(test_tx_queued_any_state);
	RUN(test_pps_echo);
	RUN(test_all_p3_bytes);
	return fw_test_failures ? 1 : 0;
}
