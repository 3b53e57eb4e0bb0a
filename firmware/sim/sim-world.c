// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulated board: virtual clock, the ISO 7816 I/O line between the
 * firmware's UART and the phone, the HAL the core runs on, and the USB entry
 * points.
 */
#include "sim-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_EVENTS_PER_RUN 20000000u

void
sim_hex(char *out, size_t cap, const uint8_t *data, size_t len)
{
	size_t o = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < len && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, i ? " %02x" : "%02x", data[i]);
}

void
sim_log(struct st2_sim *sim, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (sim->opt.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sim->opt.log(sim->opt.log_ctx, line);
}

void
sim_fail(struct st2_sim *sim, const char *fmt, ...)
{
	va_list ap;
	char msg[200];

	if (sim->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(sim->err, sizeof(sim->err), "step %u: %s", sim->ph.step, msg);
	sim->failed = true;
	sim_log(sim, "FAIL %s", sim->err);
}

uint64_t
sim_etu_cycles(uint8_t f_index, uint8_t d_index, unsigned etu)
{
	uint64_t f = st2_iso_f(f_index);
	uint64_t d = st2_iso_d(d_index);

	if (f == 0)
		f = 372;
	if (d == 0)
		d = 1;
	return (uint64_t)etu * f / d;
}

void
sim_timer_at(struct st2_sim *sim, enum sim_timer_id id, uint64_t cycles_from_now)
{
	sim->tm[id].on = true;
	sim->tm[id].at = sim->now + cycles_from_now;
}

void
sim_timer_off(struct st2_sim *sim, enum sim_timer_id id)
{
	sim->tm[id].on = false;
}

/* ---- HAL ---- */

static void
hal_uart_tx(void *ctx, uint8_t byte)
{
	struct st2_sim *sim = ctx;

	if (sim->card_tx_on) {
		sim_fail(sim, "firmware started a byte while its last one is on the line");
		return;
	}
	if (sim->phone_tx_on) {
		sim_fail(sim, "collision: card sends %02x while the phone sends", byte);
		return;
	}
	sim->card_tx_on = true;
	sim->card_tx_byte = byte;
	sim_timer_at(sim, TM_CARD_TX, sim_etu_cycles(sim->card_f, sim->card_d, 12));
}

static void
hal_uart_abort(void *ctx)
{
	struct st2_sim *sim = ctx;

	sim->card_tx_on = false;
	sim_timer_off(sim, TM_CARD_TX);
}

static void
hal_uart_set_rate(void *ctx, uint8_t f_index, uint8_t d_index)
{
	struct st2_sim *sim = ctx;

	sim->card_f = f_index;
	sim->card_d = d_index;
}

static void
hal_timer_start(void *ctx, uint32_t etu)
{
	struct st2_sim *sim = ctx;

	sim_timer_at(sim, TM_FW, sim_etu_cycles(sim->card_f, sim->card_d, etu));
}

static void
hal_timer_stop(void *ctx)
{
	sim_timer_off(ctx, TM_FW);
}

static void
hal_set_card_detect(void *ctx, bool level)
{
	struct st2_sim *sim = ctx;

	sim->card_detect = level;
}

static void
hal_set_sim_select(void *ctx, bool remote)
{
	struct st2_sim *sim = ctx;

	sim->sim_select = remote;
}

static void
hal_modem_reset(void *ctx, uint8_t asserted, uint16_t pulse_ms)
{
	phone_modem_reset(ctx, asserted, pulse_ms);
}

static void
hal_usb_in_kick(void *ctx, uint8_t ep)
{
	struct st2_sim *sim = ctx;

	sim->in_kicked = true;
}

static uint16_t
hal_vcc_mv(void *ctx)
{
	struct st2_sim *sim = ctx;

	return sim->ph.vcc ? 3000 : 0;
}

void
sim_phone_line_tx(struct st2_sim *sim, uint8_t byte)
{
	if (sim->card_tx_on) {
		sim_fail(sim, "collision: phone sends %02x while the card sends", byte);
		return;
	}
	sim->phone_tx_on = true;
	sim->phone_tx_byte = byte;
	sim_timer_at(sim, TM_PHONE_TX, sim_etu_cycles(sim->ph.f_index, sim->ph.d_index, 12));
}

/* ---- lifecycle ---- */

struct st2_sim *
st2_sim_new(const struct st2_sim_options *opt)
{
	const struct st2_script *script = st2_script_find(opt->script ? opt->script : "gsm");
	struct st2_cardem_config cfg = {
		.ep_out = ST2_EP_OUT_0,
		.ep_in = ST2_EP_IN_0,
		.ep_irq = ST2_EP_IRQ_0,
		.has_mux = false,
		.default_pres_pol = 1,
	};
	struct st2_sim *sim;

	if (script == NULL)
		return NULL;
	sim = calloc(1, sizeof(*sim));
	if (sim == NULL)
		return NULL;
	sim->opt = *opt;
	sim->script = script;
	sim->hal.uart_tx = hal_uart_tx;
	sim->hal.uart_abort = hal_uart_abort;
	sim->hal.uart_set_rate = hal_uart_set_rate;
	sim->hal.timer_start = hal_timer_start;
	sim->hal.timer_stop = hal_timer_stop;
	sim->hal.set_card_detect = hal_set_card_detect;
	sim->hal.set_sim_select = hal_set_sim_select;
	sim->hal.modem_reset = hal_modem_reset;
	/* a SIMtrace 2 has no VCC ADC: upstream reports 0 mV (this firmware's
	 * simulated board pretends to measure) */
	sim->hal.vcc_mv = opt->firmware == ST2_FW_UPSTREAM ? NULL : hal_vcc_mv;
	sim->hal.usb_in_kick = hal_usb_in_kick;
	sim->card_f = 1;
	sim->card_d = 1;

	snprintf(sim->board_info.hw_manufacturer, 32, "cardroute");
	snprintf(sim->board_info.hw_model, 32, "st2-sim");
	snprintf(sim->board_info.hw_version, 32, "1");
	snprintf(sim->board_info.sw_provider, 32, "cardroute");
	snprintf(sim->board_info.sw_name, 32, "cardem");
	snprintf(sim->board_info.sw_version, 32, "0.1.0");
	snprintf(sim->board_info.sw_buildhost, 32, "simulator");
	sim->board_info.max_baud_rate = 115200;
	sim->board_info.cap_generic_bytes = 2;
	/* 3.3 V, assert card-detect, assert modem reset */
	sim->board_info.cap_generic = (1u << 1) | (1u << 12) | (1u << 13);
	/* upstream ignores BOARD_INFO */
	cfg.board_info = opt->firmware == ST2_FW_UPSTREAM ? NULL : &sim->board_info;
	cfg.profile = opt->firmware;

	st2_cardem_init(&sim->ce, &sim->hal, sim, &cfg);
	phone_init(sim);
	/* the phone powers the card when it boots, at t = 0 */
	sim->ph.state = PH_OFF;
	sim->ph.timer_is_wait = false;
	sim_timer_at(sim, TM_PHONE, 0);
	return sim;
}

void
st2_sim_free(struct st2_sim *sim)
{
	free(sim);
}

/* is this pending event a wait on the host (or on time itself)? */
static bool
timer_is_wait(const struct st2_sim *sim, enum sim_timer_id id)
{
	switch (id) {
	case TM_FW:
		return sim->ce.card.state == ST2_CARD_TPDU_WAIT;
	case TM_PHONE:
		return sim->ph.timer_is_wait;
	default:
		return false;
	}
}

static void
fire(struct st2_sim *sim, enum sim_timer_id id)
{
	uint8_t byte;

	switch (id) {
	case TM_CARD_TX:
		byte = sim->card_tx_byte;
		sim->card_tx_on = false;
		if (sim->ph.vcc && (sim->ph.f_index != sim->card_f ||
				    sim->ph.d_index != sim->card_d)) {
			sim_fail(sim, "rate mismatch: card F/D %u/%u, phone %u/%u", sim->card_f,
				 sim->card_d, sim->ph.f_index, sim->ph.d_index);
			return;
		}
		st2_cardem_uart_tx_done(&sim->ce);
		phone_rx(sim, byte);
		break;
	case TM_PHONE_TX:
		byte = sim->phone_tx_byte;
		sim->phone_tx_on = false;
		if (sim->ph.f_index != sim->card_f || sim->ph.d_index != sim->card_d) {
			sim_fail(sim, "rate mismatch: card F/D %u/%u, phone %u/%u", sim->card_f,
				 sim->card_d, sim->ph.f_index, sim->ph.d_index);
			return;
		}
		st2_cardem_uart_rx(&sim->ce, byte);
		phone_tx_done(sim);
		break;
	case TM_FW:
		st2_cardem_timer_expired(&sim->ce);
		break;
	case TM_PHONE:
		phone_timer(sim);
		break;
	case TM_MODEM:
		phone_modem_timer(sim);
		break;
	case TM_PHONE_RESET:
		phone_reset_timer(sim);
		break;
	case TM_COUNT:
		break;
	}
}

enum st2_sim_result
st2_sim_run(struct st2_sim *sim, unsigned max_waits)
{
	for (unsigned n = 0;; n++) {
		int best = -1;

		if (sim->failed)
			return ST2_SIM_FAILED;
		if (sim->done)
			return ST2_SIM_DONE;
		if (sim->in_kicked) {
			/* USB is instant: the host sees each IN message when it is queued */
			sim->in_kicked = false;
			return ST2_SIM_IDLE;
		}
		if (n >= SIM_MAX_EVENTS_PER_RUN) {
			sim_fail(sim, "no end in sight after %u events", n);
			return ST2_SIM_FAILED;
		}
		for (int i = 0; i < TM_COUNT; i++) {
			if (sim->tm[i].on && (best < 0 || sim->tm[i].at < sim->tm[best].at))
				best = i;
		}
		if (best < 0)
			return ST2_SIM_IDLE;
		if (timer_is_wait(sim, (enum sim_timer_id)best)) {
			if (max_waits == 0)
				return ST2_SIM_IDLE;
			max_waits--;
			sim->cnt.waits++;
		}
		sim->now = sim->tm[best].at;
		sim->tm[best].on = false;
		fire(sim, (enum sim_timer_id)best);
	}
}

bool
st2_sim_usb_out(struct st2_sim *sim, uint8_t ep, const uint8_t *data, size_t len)
{
	if (ep != sim->ce.cfg.ep_out)
		return false;
	st2_cardem_usb_out(&sim->ce, data, len);
	return true;
}

int
st2_sim_usb_in(struct st2_sim *sim, uint8_t ep, uint8_t *buf, size_t cap)
{
	const uint8_t *msg;
	uint16_t len;

	if (ep != sim->ce.cfg.ep_in && ep != sim->ce.cfg.ep_irq)
		return -1;
	msg = st2_cardem_in_peek(&sim->ce, ep, &len);
	if (msg == NULL)
		return 0;
	if (len > cap)
		return -1;
	memcpy(buf, msg, len);
	st2_cardem_in_pop(&sim->ce, ep);
	return len;
}

const char *
st2_sim_error(const struct st2_sim *sim)
{
	return sim->failed ? sim->err : NULL;
}

const struct st2_sim_counters *
st2_sim_counters(const struct st2_sim *sim)
{
	return &sim->cnt;
}

const struct st2_script *
st2_sim_script(const struct st2_sim *sim)
{
	return sim->script;
}

enum st2_fw_profile
st2_sim_firmware(const struct st2_sim *sim)
{
	return sim->opt.firmware;
}

bool
st2_fw_profile_from_string(const char *name, enum st2_fw_profile *out)
{
	if (strcmp(name, "own") == 0)
		*out = ST2_FW_OWN;
	else if (strcmp(name, "upstream") == 0)
		*out = ST2_FW_UPSTREAM;
	else
		return false;
	return true;
}

const char *
st2_fw_profile_to_string(enum st2_fw_profile profile)
{
	return profile == ST2_FW_UPSTREAM ? "upstream" : "own";
}

const struct st2_cardem *
st2_sim_cardem(const struct st2_sim *sim)
{
	return &sim->ce;
}

uint64_t
st2_sim_now(const struct st2_sim *sim)
{
	return sim->now;
}
