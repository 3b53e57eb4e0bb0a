// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The message codec, and the fact sheet's worked example (§9) byte for byte:
 * the host's messages as the encoders build them, and the firmware's answers
 * as the core produces them when a phone sends the TPDUs.
 */
#include "fake-board.h"
#include "fw-test.h"

#include "st2/st2-proto.h"

int fw_test_failures;

static const uint8_t t_config[] = { 0x01, 0x08, 0, 0, 0, 0, 0x0e, 0x00, 0x01, 0, 0, 0, 0, 0 };
static const uint8_t t_config_reply[] = { 0x01, 0x08, 0, 0, 0, 0, 0x0e, 0x00,
					  0x01, 0, 0, 0, 0, 0x02 };
static const uint8_t t_a[] = { 0x01, 0x05, 0, 0, 0, 0, 0x09, 0x00, 0x01 };
static const uint8_t t_b[] = { 0x02, 0x02, 0, 0, 0, 0, 0x09, 0x00, 0x01 };
static const uint8_t t_c[] = { 0x01, 0x02, 0, 0, 0, 0, 0x0b, 0x00, 0x02, 0x3b, 0x00 };
static const uint8_t t_d[] = { 0x02, 0x01, 0, 0, 0, 0, 0x0b, 0x00, 0x02, 0x2c, 0x01 };
static const uint8_t t_e[] = { 0x01, 0x06, 0, 0, 0, 0, 0x13, 0x00, 0x01, 0, 0, 0,
			       0x05, 0x00, 0xa0, 0xa4, 0x00, 0x00, 0x02 };
static const uint8_t t_f[] = { 0x01, 0x01, 0, 0, 0, 0, 0x0f, 0x00, 0x08, 0, 0, 0,
			       0x01, 0x00, 0xa4 };
static const uint8_t t_g[] = { 0x01, 0x06, 0, 0, 0, 0, 0x10, 0x00, 0x02, 0, 0, 0,
			       0x02, 0x00, 0x7f, 0x20 };
static const uint8_t t_h[] = { 0x01, 0x01, 0, 0, 0, 0, 0x10, 0x00, 0x06, 0, 0, 0,
			       0x02, 0x00, 0x9f, 0x17 };

static void
test_encode_trace(void)
{
	struct st2_config cfg = { .features = ST2_FEAT_STATUS_IRQ };
	uint8_t buf[ST2_MSG_MAX];
	uint8_t atr[] = { 0x3b, 0x00 };
	uint8_t hdr[] = { 0xa0, 0xa4, 0x00, 0x00, 0x02 };
	uint8_t pb = 0xa4, data[] = { 0x7f, 0x20 }, sw[] = { 0x9f, 0x17 };
	size_t n;

	n = st2_config_encode(buf, sizeof(buf), &cfg);
	CHECK_MEM(buf, n, t_config, sizeof(t_config));
	n = st2_cardinsert_encode(buf, sizeof(buf), true);
	CHECK_MEM(buf, n, t_a, sizeof(t_a));
	n = st2_sim_select_encode(buf, sizeof(buf), true);
	CHECK_MEM(buf, n, t_b, sizeof(t_b));
	n = st2_set_atr_encode(buf, sizeof(buf), atr, sizeof(atr));
	CHECK_MEM(buf, n, t_c, sizeof(t_c));
	n = st2_modem_reset_encode(buf, sizeof(buf), ST2_MODEM_RESET_PULSE, 300);
	CHECK_MEM(buf, n, t_d, sizeof(t_d));
	n = st2_rx_data_encode(buf, sizeof(buf), ST2_DATA_F_TPDU_HDR, hdr, sizeof(hdr));
	CHECK_MEM(buf, n, t_e, sizeof(t_e));
	n = st2_tx_data_encode(buf, sizeof(buf), ST2_DATA_F_PB_AND_RX, &pb, 1);
	CHECK_MEM(buf, n, t_f, sizeof(t_f));
	n = st2_rx_data_encode(buf, sizeof(buf), ST2_DATA_F_FINAL, data, sizeof(data));
	CHECK_MEM(buf, n, t_g, sizeof(t_g));
	n = st2_tx_data_encode(buf, sizeof(buf), ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, sw, 2);
	CHECK_MEM(buf, n, t_h, sizeof(t_h));
	/* too small a buffer */
	CHECK_EQ(st2_tx_data_encode(buf, 15, 0, sw, 2), 0);
	CHECK_EQ(st2_set_atr_encode(buf, sizeof(buf), buf, 300), 0);
}

static void
test_decode_trace(void)
{
	struct st2_msg m;
	struct st2_data d;
	struct st2_modem_reset mr;
	struct st2_config cfg;
	const uint8_t *atr;
	uint8_t u8;

	CHECK(st2_msg_decode(t_e, sizeof(t_e), &m));
	CHECK_EQ(m.msg_class, ST2_CLASS_CARDEM);
	CHECK_EQ(m.msg_type, ST2_CEMU_DO_RX_DATA);
	CHECK_EQ(m.msg_len, 19);
	CHECK(st2_data_decode(&m, &d));
	CHECK_EQ(d.flags, ST2_DATA_F_TPDU_HDR);
	CHECK_EQ(d.data_len, 5);
	CHECK_EQ(d.len, 5);
	CHECK_EQ(d.data[1], 0xa4);
	CHECK(st2_msg_decode(t_d, sizeof(t_d), &m));
	CHECK(st2_modem_reset_decode(&m, &mr));
	CHECK_EQ(mr.asserted, 2);
	CHECK_EQ(mr.pulse_ms, 300);
	CHECK(st2_msg_decode(t_c, sizeof(t_c), &m));
	CHECK(st2_set_atr_decode(&m, &atr, &u8));
	CHECK_EQ(u8, 2);
	CHECK_EQ(atr[0], 0x3b);
	CHECK(st2_msg_decode(t_a, sizeof(t_a), &m));
	CHECK(st2_u8_decode(&m, &u8));
	CHECK_EQ(u8, 1);
	CHECK(st2_msg_decode(t_config_reply, sizeof(t_config_reply), &m));
	CHECK(st2_config_decode(&m, &cfg));
	CHECK_EQ(cfg.features, 1);
	CHECK_EQ(cfg.pres_pol, 2);
	CHECK_EQ(cfg.present, 6);
	CHECK_EQ(strcmp(st2_msg_name(1, 6), "RX_DATA"), 0);
	CHECK_EQ(strcmp(st2_msg_name(9, 9), "UNKNOWN"), 0);
}

static void
test_decode_bad(void)
{
	uint8_t two[sizeof(t_a) + sizeof(t_b) + 3];
	struct st2_msg m;
	struct st2_data d;
	size_t off = 0;
	unsigned count = 0;
	uint8_t bad_len[] = { 0x01, 0x01, 0, 0, 0, 0, 0x07, 0x00 };
	uint8_t atr_long[] = { 0x01, 0x02, 0, 0, 0, 0, 0x0a, 0x00, 0x05, 0x3b };

	memcpy(two, t_a, sizeof(t_a));
	memcpy(two + sizeof(t_a), t_b, sizeof(t_b));
	memcpy(two + sizeof(t_a) + sizeof(t_b), "\x01\x01\x00", 3);
	while (st2_msg_next(two, sizeof(two), &off, &m))
		count++;
	CHECK_EQ(count, 2);
	CHECK_EQ(off, sizeof(two));
	CHECK(!st2_msg_decode(t_a, 7, &m));
	CHECK(!st2_msg_decode(t_a, 8, &m));	/* msg_len 9 > 8 */
	CHECK(!st2_msg_decode(bad_len, sizeof(bad_len), &m));
	CHECK(st2_msg_decode(t_a, sizeof(t_a), &m));
	CHECK(!st2_data_decode(&m, &d));
	CHECK(st2_msg_decode(atr_long, sizeof(atr_long), &m));
	{
		const uint8_t *atr;
		uint8_t len;

		CHECK(!st2_set_atr_decode(&m, &atr, &len));
	}
}

static void
test_status_pts_board_info(void)
{
	struct st2_status st = { .flags = 0x1b, .voltage_mv = 3300, .f_index = 9, .d_index = 5,
				 .wi = 10, .waiting_time = 153600 };
	struct st2_status st2;
	struct st2_pts pts = { .pts_len = 4, .req = { 0xff, 0x10, 0x95, 0x7a },
			       .resp = { 0xff, 0x10, 0x95, 0x7a } }, pts2;
	struct st2_board_info bi = { .cap_generic_bytes = 2, .cap_generic = 0x3002,
				     .cap_vendor_bytes = 1, .cap_vendor = 0x5,
				     .max_baud_rate = 115200 }, bi2;
	static const uint8_t st_exp[] = { 0x01, 0x04, 0, 0, 0, 0, 0x15, 0x00, 0x1b, 0, 0, 0,
					  0xe4, 0x0c, 0x09, 0x05, 0x0a, 0x00, 0x58, 0x02, 0x00 };
	uint8_t buf[ST2_MSG_MAX];
	struct st2_msg m;
	size_t n;

	n = st2_status_encode(buf, sizeof(buf), &st);
	CHECK_MEM(buf, n, st_exp, sizeof(st_exp));
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_status_decode(&m, &st2));
	CHECK_EQ(st2.waiting_time, 153600);
	CHECK_EQ(st2.voltage_mv, 3300);
	n = st2_pts_encode(buf, sizeof(buf), &pts);
	CHECK_EQ(n, 21);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_pts_decode(&m, &pts2));
	CHECK_MEM(pts2.resp, 4, pts.resp, 4);
	strcpy(bi.hw_model, "a model name that is far longer than 31 characters");
	strcpy(bi.sw_name, "cardem");
	n = st2_board_info_encode(buf, sizeof(buf), &bi);
	CHECK_EQ(n, 8 + 234 + 3);
	CHECK(st2_msg_decode(buf, n, &m));
	CHECK(st2_board_info_decode(&m, &bi2));
	CHECK_EQ(strcmp(bi2.sw_name, "cardem"), 0);
	CHECK_EQ(strlen(bi2.hw_model), 31);
	CHECK_EQ(bi2.cap_generic, 0x3002);
	CHECK_EQ(bi2.cap_vendor, 0x5);
	CHECK_EQ(bi2.max_baud_rate, 115200);
}

/* the firmware side of §9 */
static void
test_firmware_trace(void)
{
	struct fake_board fb;
	uint8_t buf[ST2_MSG_MAX];
	uint8_t gr_msg[ST2_MSG_MAX], resp[24];
	static const uint8_t hdr[] = { 0xa0, 0xa4, 0x00, 0x00, 0x02 };
	static const uint8_t gr[] = { 0xa0, 0xc0, 0x00, 0x00, 0x17 };
	static const uint8_t ok[] = { 0x90, 0x00 };
	size_t n;

	fb_init(&fb, 0, NULL);
	fb_out(&fb, t_config, sizeof(t_config));
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK_MEM(buf, n, t_config_reply, sizeof(t_config_reply));
	fb_out(&fb, t_a, sizeof(t_a));
	CHECK(!fb.card_detect);	/* board polarity 0: "present" is a low level */
	fb_out(&fb, t_b, sizeof(t_b));
	CHECK(fb.sim_select);
	fb_out(&fb, t_c, sizeof(t_c));
	fb_out(&fb, t_d, sizeof(t_d));
	CHECK_EQ(fb.modem_resets, 1);
	CHECK_EQ(fb.modem_asserted, 2);
	CHECK_EQ(fb.modem_ms, 300);
	/* the phone powers the card: the ATR is the one set */
	st2_cardem_io(&fb.ce, true, true, true);
	st2_cardem_io(&fb.ce, true, true, false);
	CHECK(fb.timer_on);
	CHECK_EQ(fb.timer_etu, ST2_ATR_DELAY_ETU);
	fb_timer(&fb);
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\x3b\x00", 2);
	fb.tx_len = 0;
	/* (e) */
	fb_phone(&fb, hdr, sizeof(hdr));
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK_MEM(buf, n, t_e, sizeof(t_e));
	/* (f): procedure byte A4, then the card receives */
	fb_out(&fb, t_f, sizeof(t_f));
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\xa4", 1);
	CHECK_EQ(fb.ce.card.state, ST2_CARD_TPDU_RX);
	fb_phone(&fb, (const uint8_t *)"\x7f\x20", 2);
	/* (g) */
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK_MEM(buf, n, t_g, sizeof(t_g));
	/* (h) */
	fb_out(&fb, t_h, sizeof(t_h));
	fb_drain_tx(&fb);
	CHECK_MEM(fb.tx, fb.tx_len, "\xa4\x9f\x17", 3);
	CHECK_EQ(fb.ce.card.state, ST2_CARD_IDLE);
	/* GET RESPONSE: 38-byte TX_DATA(0x04, C0 + 23 bytes), then TX_DATA(0x06, 90 00) */
	fb.tx_len = 0;
	fb_phone(&fb, gr, sizeof(gr));
	n = fb_in(&fb, ST2_EP_IN_0, buf);
	CHECK_EQ(n, 19);
	resp[0] = 0xc0;
	for (unsigned i = 1; i < 24; i++)
		resp[i] = (uint8_t)i;
	n = st2_tx_data_encode(gr_msg, sizeof(gr_msg), ST2_DATA_F_PB_AND_TX, resp, 24);
	CHECK_EQ(n, 38);
	CHECK_EQ(gr_msg[6], 38);
	fb_out(&fb, gr_msg, n);
	n = st2_tx_data_encode(gr_msg, sizeof(gr_msg), ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL,
			       ok, 2);
	fb_out(&fb, gr_msg, n);
	fb_drain_tx(&fb);
	CHECK_EQ(fb.tx_len, 26);
	CHECK_MEM(fb.tx, 24, resp, 24);
	CHECK_MEM(fb.tx + 24, 2, ok, 2);
	CHECK_EQ(fb.ce.card.state, ST2_CARD_IDLE);
	CHECK_EQ(fb.ce.stats.msg_unknown, 0);
	CHECK_EQ(fb.ce.stats.msg_short, 0);
	CHECK_EQ(fb.ce.card.stats.tx_dropped, 0);
}

int
main(void)
{
	RUN(test_encode_trace);
	RUN(test_decode_trace);
	RUN(test_decode_bad);
	RUN(test_status_pts_board_info);
	RUN(test_firmware_trace);
	return fw_test_failures ? 1 : 0;
}
