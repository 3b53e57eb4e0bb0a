// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulated phone: an ISO 7816-3 terminal that powers the card, reads the
 * ATR, optionally negotiates PPS and plays the script's TPDUs, checking every
 * byte it receives (procedure bytes, NULL bytes, SW, timing).
 */
#include "sim-private.h"

#include <stdio.h>
#include <string.h>

#define RST_HOLD_CYCLES		1000	/* >= 400 clocks with RST low */
#define ATR_MAX_DELAY_CYCLES	40000	/* first ATR byte after RST release */
#define POWER_OFF_CYCLES	20000
#define MUTE_RETRY_CYCLES	ST2_SIM_CLOCK_HZ	/* 1 s */
#define TURNAROUND_ETU		4	/* + 12 etu of a byte: 16 etu between edges */
#define GAP_ETU			20

static const struct st2_step *
cur_step(struct st2_sim *sim)
{
	if (sim->ph.step >= sim->script->n_steps)
		return NULL;
	return &sim->script->steps[sim->ph.step];
}

static void
phone_timer_in(struct st2_sim *sim, uint64_t cycles, bool wait)
{
	sim->ph.timer_is_wait = wait;
	sim_timer_at(sim, TM_PHONE, cycles);
}

static void
phone_timer_etu(struct st2_sim *sim, unsigned etu, bool wait)
{
	phone_timer_in(sim, sim_etu_cycles(sim->ph.f_index, sim->ph.d_index, etu), wait);
}

/* deadline for the card's next byte: WT plus the byte itself */
static void
arm_deadline(struct st2_sim *sim, bool wait)
{
	uint32_t wt = st2_iso_wt(sim->ph.wi, sim->ph.d_index);

	phone_timer_etu(sim, wt + 12, wait);
}

static void
set_pins(struct st2_sim *sim, bool vcc, bool clk, bool rst)
{
	sim->ph.vcc = vcc;
	sim->ph.clk = clk;
	sim->ph.rst = rst;
	st2_cardem_io(&sim->ce, vcc, clk, rst);
}

void
phone_init(struct st2_sim *sim)
{
	memset(&sim->ph, 0, sizeof(sim->ph));
	sim->ph.f_index = 1;
	sim->ph.d_index = 1;
	sim->ph.wi = 10;
	sim->ph.state = PH_OFF;
}

static bool
upstream(const struct st2_sim *sim)
{
	return sim->opt.firmware == ST2_FW_UPSTREAM;
}

static void
power_up(struct st2_sim *sim)
{
	sim_timer_off(sim, TM_PHONE_RESET);
	sim->ph.f_index = 1;
	sim->ph.d_index = 1;
	sim->ph.wi = 10;
	set_pins(sim, true, true, true);
	sim->ph.state = PH_RST_LOW;
	phone_timer_in(sim, RST_HOLD_CYCLES, false);
}

void
phone_boot(struct st2_sim *sim)
{
	sim->cnt.boots++;
	sim->ph.mutes_in_row = 0;
	sim->ph.step = 0;
	sim->ph.step_done_on_atr = false;
	sim_log(sim, "phone: boot, powering the card");
	power_up(sim);
}

static void
power_off(struct st2_sim *sim)
{
	set_pins(sim, false, false, true);
	sim_timer_off(sim, TM_PHONE);
	sim_timer_off(sim, TM_PHONE_RESET);
}

static void
warm_reset(struct st2_sim *sim)
{
	sim->cnt.resets++;
	sim_timer_off(sim, TM_PHONE_RESET);
	sim->ph.step_done_on_atr = true;
	sim->ph.f_index = 1;
	sim->ph.d_index = 1;
	sim->ph.wi = 10;
	set_pins(sim, true, true, true);
	sim->ph.state = PH_RST_LOW;
	phone_timer_in(sim, RST_HOLD_CYCLES, false);
}

static void
cold_reset(struct st2_sim *sim)
{
	sim->cnt.resets++;
	sim->ph.step_done_on_atr = true;
	power_off(sim);
	sim->ph.state = PH_POWER_GAP;
	phone_timer_in(sim, POWER_OFF_CYCLES, false);
}

static void
next_step_later(struct st2_sim *sim)
{
	sim->ph.state = PH_GAP;
	phone_timer_etu(sim, GAP_ETU, false);
}

static void
start_tx(struct st2_sim *sim, const uint8_t *data, uint16_t len, enum phone_after_tx after)
{
	memcpy(sim->ph.tx_buf, data, len);
	sim->ph.tx_len = len;
	sim->ph.tx_pos = 0;
	sim->ph.after_tx = after;
	sim->ph.state = PH_TX;
	sim_timer_off(sim, TM_PHONE);
	sim_phone_line_tx(sim, sim->ph.tx_buf[sim->ph.tx_pos++]);
}

/* send after the turnaround time */
static void
start_tx_later(struct st2_sim *sim, const uint8_t *data, uint16_t len, enum phone_after_tx after)
{
	memcpy(sim->ph.tx_buf, data, len);
	sim->ph.tx_len = len;
	sim->ph.tx_pos = 0;
	sim->ph.after_tx = after;
	sim->ph.state = PH_TX_WAIT;
	phone_timer_etu(sim, TURNAROUND_ETU, false);
}

static void
start_step(struct st2_sim *sim)
{
	const struct st2_step *s = cur_step(sim);

	if (s == NULL && sim->opt.repeat > 1 && sim->ph.round + 1 < sim->opt.repeat) {
		/* --repeat: play the script again without a reset */
		sim->ph.round++;
		sim->ph.step = 0;
		s = cur_step(sim);
	}
	if (s == NULL) {
		sim->ph.state = PH_DONE;
		sim->done = true;
		sim_log(sim, "phone: script '%s' done", sim->script->name);
		return;
	}
	sim->ph.tx_step = 0;
	sim->ph.rx_step = 0;
	sim->ph.nulls_step = 0;
	sim->ph.rx_len = 0;
	sim->ph.cmd_sent = 0;
	switch (s->kind) {
	case ST2_STEP_TPDU:
		start_tx(sim, s->hdr, 5, AFTER_HDR);
		break;
	case ST2_STEP_PPS:
		sim->ph.pps_rx_len = 0;
		start_tx(sim, s->pps, s->pps_len, AFTER_PPS);
		break;
	case ST2_STEP_WARM_RESET:
		sim_log(sim, "phone: warm reset");
		warm_reset(sim);
		break;
	case ST2_STEP_COLD_RESET:
		sim_log(sim, "phone: cold reset");
		cold_reset(sim);
		break;
	}
}

static void
step_finished(struct st2_sim *sim)
{
	sim->cnt.steps_done++;
	sim->ph.step++;
	next_step_later(sim);
}

/* total ATR length once enough bytes are in, else 0 */
static unsigned
atr_total_len(const uint8_t *atr, unsigned n)
{
	unsigned pos = 2;
	uint8_t y;
	bool tck = false;

	if (n < 2)
		return 0;
	y = atr[1] >> 4;
	for (;;) {
		pos += (y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1);
		if (!(y & 8))
			break;
		if (pos >= n)
			return 0;
		if ((atr[pos] & 0x0f) != 0)
			tck = true;
		y = atr[pos] >> 4;
		pos++;
	}
	return pos + (atr[1] & 0x0f) + (tck ? 1 : 0);
}

static void
atr_complete(struct st2_sim *sim)
{
	struct st2_atr_info info;
	char hex[200];

	sim_hex(hex, sizeof(hex), sim->ph.atr, sim->ph.atr_len);
	sim_log(sim, "ATR %s", hex);
	if (!st2_atr_parse(sim->ph.atr, sim->ph.atr_len, &info)) {
		sim_fail(sim, "malformed ATR (structure or TCK): %s", hex);
		return;
	}
	if (sim->opt.strict && (sim->ph.atr_len != sim->script->atr_len ||
				memcmp(sim->ph.atr, sim->script->atr, sim->ph.atr_len) != 0)) {
		sim_fail(sim, "ATR %s is not the script's", hex);
		return;
	}
	sim->cnt.atrs++;
	sim->ph.mutes_in_row = 0;
	sim->ph.wi = info.wi;
	if (sim->ph.step_done_on_atr) {
		sim->ph.step_done_on_atr = false;
		step_finished(sim);
		return;
	}
	next_step_later(sim);
}

static void
tpdu_complete(struct st2_sim *sim)
{
	const struct st2_step *s = cur_step(sim);
	char h[16], d[800], sw[8];

	if (s == NULL)
		return;
	if (sim->tm[TM_PHONE_RESET].on) {
		sim_log(sim, "phone: TPDU '%s' ended before its reset at %u etu",
			s->name ? s->name : "", s->reset_delay_etu);
		sim_timer_off(sim, TM_PHONE_RESET);
	}
	sim->cnt.tpdus++;
	sim_hex(h, sizeof(h), s->hdr, 5);
	if (s->cmd_len)
		sim_hex(d, sizeof(d), s->cmd, s->cmd_len);
	else
		sim_hex(d, sizeof(d), sim->ph.rx_buf, sim->ph.rx_len);
	snprintf(sw, sizeof(sw), "%02x%02x", sim->ph.sw1, sim->ph.sw2);
	sim_log(sim, "TPDU %s: %s %s %s -> %s (%u NULL)", s->name ? s->name : "", h,
		s->cmd_len ? "<" : ">", d, sw, sim->ph.nulls_step);
	if (sim->opt.strict) {
		if (sim->ph.sw1 != s->sw[0] || sim->ph.sw2 != s->sw[1]) {
			sim_fail(sim, "SW %s, script says %02x%02x", sw, s->sw[0], s->sw[1]);
			return;
		}
		if (sim->ph.rx_len != s->resp_len ||
		    (s->resp_len && memcmp(sim->ph.rx_buf, s->resp, s->resp_len) != 0)) {
			sim_fail(sim, "response data differs from the script (%u bytes)",
				 sim->ph.rx_len);
			return;
		}
		if (sim->ph.nulls_step < (unsigned)s->host_delay + s->host_delay_sw) {
			sim_fail(sim, "%u NULL bytes, expected at least %u", sim->ph.nulls_step,
				 s->host_delay + s->host_delay_sw);
			return;
		}
	}
	step_finished(sim);
}

static bool
check_abort(struct st2_sim *sim)
{
	const struct st2_step *s = cur_step(sim);

	if (s == NULL || s->kind != ST2_STEP_TPDU)
		return false;
	if ((s->abort_tx && sim->ph.tx_step >= s->abort_tx) ||
	    (s->abort_rx && sim->ph.rx_step >= s->abort_rx)) {
		sim_log(sim, "phone: warm reset in TPDU '%s' after %u bytes out, %u in",
			s->name ? s->name : "", sim->ph.tx_step, sim->ph.rx_step);
		warm_reset(sim);
		return true;
	}
	return false;
}

static void
rx_procedure_byte(struct st2_sim *sim, const struct st2_step *s, uint8_t byte)
{
	uint8_t ins = s->hdr[1];
	uint8_t nins = (uint8_t)(0xffu - ins);

	if (byte == ST2_NULL_BYTE) {
		sim->ph.nulls_step++;
		sim->cnt.nulls++;
		arm_deadline(sim, true);
		return;
	}
	if (byte == ins || byte == nins) {
		bool one = byte != ins;

		if (s->cmd_len > 0) {
			uint16_t left = (uint16_t)(s->cmd_len - sim->ph.cmd_sent);
			uint16_t n = one ? 1 : left;

			if (left == 0) {
				sim_fail(sim, "ACK %02x but all command data was sent", byte);
				return;
			}
			start_tx_later(sim, s->cmd + sim->ph.cmd_sent, n, AFTER_DATA);
			sim->ph.cmd_sent = (uint16_t)(sim->ph.cmd_sent + n);
			return;
		}
		if (s->resp_len > 0 || s->hdr[4] != 0 || !sim->opt.strict) {
			uint16_t total = s->hdr[4] ? s->hdr[4] : 256;
			uint16_t left = total > sim->ph.rx_len ? total - sim->ph.rx_len : 0;

			if (left == 0) {
				sim_fail(sim, "ACK %02x but all response data was received", byte);
				return;
			}
			sim->ph.expect_data = one ? 1 : left;
			sim->ph.state = PH_DATA_RX;
			arm_deadline(sim, true);
			return;
		}
		sim_fail(sim, "ACK %02x in a TPDU without data", byte);
		return;
	}
	if ((byte & 0xf0) == 0x60 || (byte & 0xf0) == 0x90) {
		sim->ph.sw1 = byte;
		sim->ph.state = PH_SW2;
		arm_deadline(sim, true);
		return;
	}
	sim_fail(sim, "invalid procedure byte %02x (INS %02x)", byte, ins);
}

/* the answer the card should give: the script's, or the echo upstream gives
 * to every request with a good PCK; NULL when it should stay silent */
static const uint8_t *
pps_expected(const struct st2_sim *sim, const struct st2_step *s, uint8_t *len)
{
	uint8_t x = 0;

	if (!upstream(sim)) {
		*len = s->pps_resp_len;
		return s->pps_resp_len ? s->pps_resp : NULL;
	}
	for (unsigned i = 0; i < s->pps_len; i++)
		x ^= s->pps[i];
	*len = x == 0 ? s->pps_len : 0;
	return x == 0 ? s->pps : NULL;
}

static void
rx_pps(struct st2_sim *sim, const struct st2_step *s, uint8_t byte)
{
	const uint8_t *want;
	uint8_t want_len;
	uint8_t x = 0;

	sim->ph.pps_rx[sim->ph.pps_rx_len++] = byte;
	if (sim->ph.pps_rx_len == 2) {
		sim->ph.pps_rx_need = 3;
		for (unsigned bit = 4; bit < 7; bit++)
			if (byte & (1u << bit))
				sim->ph.pps_rx_need++;
	}
	if (sim->ph.pps_rx_len == 1 && byte != 0xff) {
		sim_fail(sim, "PPS answer starts with %02x", byte);
		return;
	}
	if (sim->ph.pps_rx_len < 2 || sim->ph.pps_rx_len < sim->ph.pps_rx_need) {
		arm_deadline(sim, false);
		return;
	}
	for (unsigned i = 0; i < sim->ph.pps_rx_len; i++)
		x ^= sim->ph.pps_rx[i];
	if (x != 0) {
		sim_fail(sim, "PPS answer with bad PCK");
		return;
	}
	want = pps_expected(sim, s, &want_len);
	if (want == NULL) {
		sim_fail(sim, "card answered a PPS request it should ignore");
		return;
	}
	if ((sim->opt.strict || upstream(sim)) &&
	    (sim->ph.pps_rx_len != want_len || memcmp(sim->ph.pps_rx, want, want_len) != 0)) {
		sim_fail(sim, "PPS answer differs from the %s",
			 upstream(sim) ? "request (upstream echoes it)" : "script");
		return;
	}
	if ((sim->ph.pps_rx[1] & 0x0f) != (s->pps[1] & 0x0f)) {
		sim_fail(sim, "PPS answer with another protocol");
		return;
	}
	sim_log(sim, "PPS %02x %02x -> PPS0 %02x%s", s->pps[1], s->pps_len > 3 ? s->pps[2] : 0,
		sim->ph.pps_rx[1],
		upstream(sim) && want != s->pps_resp ? " (echo)" : "");
	if ((sim->ph.pps_rx[1] & 0x0f) != 0) {
		/* only upstream gets here: it accepted a protocol its ATR does not
		 * offer; this phone speaks T=0 only and starts again */
		sim_log(sim, "phone: the card agreed to T=%u: cold reset", sim->ph.pps_rx[1] & 0x0f);
		sim->cnt.pps_ok++;
		cold_reset(sim);
		return;
	}
	if (sim->ph.pps_rx[1] & 0x10) {
		if (!(s->pps[1] & 0x10) || sim->ph.pps_rx[2] != s->pps[2]) {
			sim_fail(sim, "PPS1 in the answer is not the requested one");
			return;
		}
		sim->ph.f_index = sim->ph.pps_rx[2] >> 4;
		sim->ph.d_index = sim->ph.pps_rx[2] & 0x0f;
	}
	sim->cnt.pps_ok++;
	step_finished(sim);
}

void
phone_rx(struct st2_sim *sim, uint8_t byte)
{
	const struct st2_step *s = cur_step(sim);

	if (!sim->ph.vcc || sim->ph.rst)
		return;		/* a byte still on the line while resetting */
	sim->ph.rx_step++;
	if (s == NULL && sim->ph.state != PH_ATR) {
		sim_fail(sim, "byte %02x from the card after the script", byte);
		return;
	}
	switch (sim->ph.state) {
	case PH_ATR:
		if (sim->ph.atr_len >= sizeof(sim->ph.atr)) {
			sim_fail(sim, "ATR too long");
			return;
		}
		sim->ph.atr[sim->ph.atr_len++] = byte;
		if (sim->ph.atr_len == 1 && byte != 0x3b && byte != 0x3f) {
			sim_fail(sim, "ATR TS %02x", byte);
			return;
		}
		if (atr_total_len(sim->ph.atr, sim->ph.atr_len) == sim->ph.atr_len) {
			atr_complete(sim);
			return;
		}
		phone_timer_etu(sim, 9600 + 12, false);
		return;
	case PH_PB:
		rx_procedure_byte(sim, s, byte);
		break;
	case PH_DATA_RX:
		if (sim->ph.rx_len >= sizeof(sim->ph.rx_buf)) {
			sim_fail(sim, "too much response data");
			return;
		}
		sim->ph.rx_buf[sim->ph.rx_len++] = byte;
		if (--sim->ph.expect_data == 0)
			sim->ph.state = PH_PB;
		arm_deadline(sim, true);
		break;
	case PH_SW2:
		sim->ph.sw2 = byte;
		sim_timer_off(sim, TM_PHONE);
		tpdu_complete(sim);
		return;
	case PH_PPS_RX:
		rx_pps(sim, s, byte);
		return;
	default:
		sim_fail(sim, "unexpected byte %02x from the card (phone state %d)", byte,
			 sim->ph.state);
		return;
	}
	if (!sim->failed)
		check_abort(sim);
}

void
phone_tx_done(struct st2_sim *sim)
{
	const struct st2_step *s = cur_step(sim);

	if (sim->ph.state != PH_TX)
		return;
	sim->ph.tx_step++;
	if (check_abort(sim))
		return;
	if (sim->ph.tx_pos < sim->ph.tx_len) {
		sim_phone_line_tx(sim, sim->ph.tx_buf[sim->ph.tx_pos++]);
		return;
	}
	if (sim->ph.after_tx == AFTER_HDR && s != NULL && s->reset_after_hdr) {
		if (s->reset_delay_etu == 0) {
			sim_log(sim, "phone: warm reset right after the header of '%s'",
				s->name ? s->name : "");
			warm_reset(sim);
			return;
		}
		sim_timer_at(sim, TM_PHONE_RESET,
			     sim_etu_cycles(sim->ph.f_index, sim->ph.d_index, s->reset_delay_etu));
	}
	switch (sim->ph.after_tx) {
	case AFTER_HDR:
	case AFTER_DATA:
		sim->ph.state = PH_PB;
		arm_deadline(sim, true);
		break;
	case AFTER_PPS:
		sim->ph.state = PH_PPS_RX;
		/* the card owes the answer within the initial WT; no host involved */
		arm_deadline(sim, false);
		break;
	}
}

static void
deadline_missed(struct st2_sim *sim)
{
	const struct st2_step *s = cur_step(sim);
	uint8_t len;

	switch (sim->ph.state) {
	case PH_ATR:
		if (sim->ph.atr_len > 0) {
			sim_fail(sim, "ATR stopped after %u bytes", sim->ph.atr_len);
			return;
		}
		sim->cnt.mutes++;
		sim_log(sim, "phone: card mute (no ATR)");
		if (sim->cnt.mutes > sim->opt.max_mute) {
			sim_fail(sim, "card mute");
			return;
		}
		power_off(sim);
		sim->ph.mutes_in_row++;
		if (sim->opt.mute_give_up > 0 && sim->ph.mutes_in_row >= sim->opt.mute_give_up) {
			/* what modems do: "SIM not inserted" until they restart */
			sim_log(sim, "phone: no SIM after %u mute power-ups: waiting for a "
				"modem reset", sim->ph.mutes_in_row);
			sim->ph.state = PH_NO_SIM;
			return;
		}
		sim->ph.state = PH_MUTE;
		phone_timer_in(sim, MUTE_RETRY_CYCLES, true);
		return;
	case PH_PPS_RX:
		if (s != NULL && pps_expected(sim, s, &len) == NULL && sim->ph.pps_rx_len == 0) {
			/* expected silence: ISO 7816-3 says reset the card */
			sim_log(sim, "PPS ignored by the card, as expected");
			cold_reset(sim);
			return;
		}
		sim_fail(sim, "no (complete) PPS answer");
		return;
	default:
		sim_fail(sim, "waiting time exceeded (phone state %d)", sim->ph.state);
		return;
	}
}

void
phone_timer(struct st2_sim *sim)
{
	switch (sim->ph.state) {
	case PH_OFF:
		phone_boot(sim);
		break;
	case PH_MUTE:
		power_up(sim);
		break;
	case PH_POWER_GAP:
		power_up(sim);
		break;
	case PH_RST_LOW:
		set_pins(sim, true, true, false);
		sim->ph.state = PH_ATR;
		sim->ph.atr_len = 0;
		phone_timer_in(sim, ATR_MAX_DELAY_CYCLES, false);
		break;
	case PH_GAP:
		start_step(sim);
		break;
	case PH_TX_WAIT:
		sim->ph.state = PH_TX;
		sim_phone_line_tx(sim, sim->ph.tx_buf[sim->ph.tx_pos++]);
		break;
	default:
		deadline_missed(sim);
		break;
	}
}

void
phone_modem_reset(struct st2_sim *sim, uint8_t asserted, uint16_t pulse_ms)
{
	sim_log(sim, "modem reset %u (%u ms)", asserted, pulse_ms);
	switch (asserted) {
	case ST2_MODEM_RESET_ASSERT:
		power_off(sim);
		sim->ph.state = PH_HELD;
		sim_timer_off(sim, TM_MODEM);
		break;
	case ST2_MODEM_RESET_RELEASE:
		if (sim->ph.state == PH_HELD)
			phone_boot(sim);
		break;
	case ST2_MODEM_RESET_PULSE:
		power_off(sim);
		sim->ph.state = PH_HELD;
		sim_timer_at(sim, TM_MODEM, (uint64_t)pulse_ms * ST2_SIM_CLOCK_HZ / 1000);
		break;
	default:
		break;
	}
}

void
phone_reset_timer(struct st2_sim *sim)
{
	const struct st2_step *s = cur_step(sim);

	sim_log(sim, "phone: warm reset %u etu after the header of '%s'",
		s != NULL ? s->reset_delay_etu : 0, s != NULL && s->name ? s->name : "");
	warm_reset(sim);
}

void
phone_modem_timer(struct st2_sim *sim)
{
	if (sim->ph.state == PH_HELD)
		phone_boot(sim);
}
