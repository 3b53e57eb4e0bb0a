// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host simulator of a SIMtrace2 board running the cardem core, wired to a
 * simulated phone that plays a script of TPDUs over a simulated ISO 7816 line.
 * Time is virtual (card clock cycles), so runs are fast and deterministic.
 *
 * The USB side is the entry point for any host driver: st2_sim_usb_out() takes
 * one bulk OUT transfer, st2_sim_usb_in() hands out one IN transfer (one
 * message per transfer, as the firmware sends them). A umockdev ioctl handler
 * calls these for SUBMITURB/REAPURB; the st2-sim program puts them on a Unix
 * socket (framing in firmware/README.md).
 *
 * The simulator is host-only code (malloc, stdio); the core stays portable.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st2/st2-cardem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST2_SIM_CLOCK_HZ	3571200u

/* ---- scripts ---- */

enum st2_step_kind {
	ST2_STEP_TPDU,		/* one TPDU (optionally cut short by a warm reset) */
	ST2_STEP_PPS,		/* a PPS request */
	ST2_STEP_WARM_RESET,
	ST2_STEP_COLD_RESET,
};

/* how the scripted host answers a TPDU */
enum st2_host_mode {
	ST2_HOST_ACK,		/* PB_AND_TX(INS+data), then FINAL(SW) */
	ST2_HOST_COMBINED,	/* one message: INS+data+SW, FINAL */
	ST2_HOST_BATCH,		/* the two messages in one OUT transfer */
	ST2_HOST_PER_BYTE,	/* ~INS before every data byte */
};

struct st2_step {
	enum st2_step_kind kind;
	const char *name;
	uint8_t hdr[5];
	const uint8_t *cmd;	/* data phone -> card (P3 bytes) */
	uint16_t cmd_len;
	const uint8_t *resp;	/* data card -> phone */
	uint16_t resp_len;
	uint8_t sw[2];
	enum st2_host_mode host_mode;
	uint8_t host_delay;	/* the host lets this many NULL periods pass first */
	uint8_t host_delay_sw;	/* ... and this many before the SW after data */
	uint16_t abort_tx;	/* warm reset after the phone sent this many bytes */
	uint16_t abort_rx;	/* warm reset after the card sent this many bytes */
	bool reset_after_hdr;	/* warm reset reset_delay_etu after the header's last byte */
	uint16_t reset_delay_etu;	/* (0: at once), whatever the card does meanwhile */
	/* PPS */
	uint8_t pps[6];
	uint8_t pps_len;
	uint8_t pps_resp[6];	/* expected answer; pps_resp_len 0: no answer */
	uint8_t pps_resp_len;	/* (ST2_FW_UPSTREAM: the echo of a request with a good PCK) */
};

struct st2_script {
	const char *name;
	const char *description;
	const uint8_t *atr;	/* what the host sets and the phone must see */
	uint8_t atr_len;
	const struct st2_step *steps;
	unsigned n_steps;
};

const struct st2_script *st2_script_find(const char *name);
/* NULL-terminated list of every built-in script */
const struct st2_script *const *st2_script_all(void);

/* ---- the simulated board + phone ---- */

struct st2_sim;

struct st2_sim_options {
	const char *script;	/* name of a built-in script */
	bool strict;		/* compare data and SW with the script (else ISO checks only) */
	unsigned max_mute;	/* power-ups without ATR tolerated (0: none) */
	/* like a modem: after this many power-ups in a row without an ATR the
	 * phone declares "no SIM" and waits for a modem reset (0: retries on) */
	unsigned mute_give_up;
	void (*log)(void *ctx, const char *line);	/* transcript and events, or NULL */
	void *log_ctx;
	unsigned repeat;	/* play the script this many times (0 and 1: once) */
	enum st2_fw_profile firmware;	/* whose firmware behaviour the board has */
};

enum st2_sim_result {
	ST2_SIM_IDLE,		/* an IN message was queued, or only waits are left */
	ST2_SIM_DONE,		/* script finished */
	ST2_SIM_FAILED,		/* an ISO 7816-3 or script check failed: st2_sim_error() */
};

struct st2_sim_counters {
	unsigned steps_done;
	unsigned tpdus;
	unsigned atrs;
	unsigned nulls;		/* NULL bytes the phone saw */
	unsigned pps_ok;
	unsigned resets;
	unsigned mutes;
	unsigned boots;
	unsigned waits;		/* wait events st2_sim_run() let pass */
};

struct st2_sim *st2_sim_new(const struct st2_sim_options *opt);	/* NULL: unknown script */
void st2_sim_free(struct st2_sim *sim);

/* run events in time order until the firmware queues an IN message or only
 * waits are left; at most max_waits of them may be waits on the host (the
 * firmware's NULL timer, the phone's deadlines and retries) */
enum st2_sim_result st2_sim_run(struct st2_sim *sim, unsigned max_waits);

/* USB: one bulk OUT transfer to endpoint 0x04; false for another endpoint */
bool st2_sim_usb_out(struct st2_sim *sim, uint8_t ep, const uint8_t *data, size_t len);
/* one IN transfer from 0x85 or 0x86: its length, 0 if none queued, -1 if cap too small
 * or no such endpoint */
int st2_sim_usb_in(struct st2_sim *sim, uint8_t ep, uint8_t *buf, size_t cap);

const char *st2_sim_error(const struct st2_sim *sim);
const struct st2_sim_counters *st2_sim_counters(const struct st2_sim *sim);
const struct st2_script *st2_sim_script(const struct st2_sim *sim);
enum st2_fw_profile st2_sim_firmware(const struct st2_sim *sim);
/* "own" / "upstream"; false for another name */
bool st2_fw_profile_from_string(const char *name, enum st2_fw_profile *out);
const char *st2_fw_profile_to_string(enum st2_fw_profile profile);
const struct st2_cardem *st2_sim_cardem(const struct st2_sim *sim);
uint64_t st2_sim_now(const struct st2_sim *sim);	/* clock cycles */

/* USB device + configuration descriptors of the simulated board (SIMtrace 2,
 * one cardem interface, DFU runtime), as a umockdev `descriptors` attribute */
const uint8_t *st2_sim_usb_descriptors(size_t *len);

/* ---- the scripted host: answers like a card, from the script ---- */

struct st2_sim_host;

struct st2_sim_host *st2_sim_host_new(struct st2_sim *sim);
void st2_sim_host_free(struct st2_sim_host *host);
/* CONFIG, CARDINSERT, SIM_SELECT, SET_ATR, MODEM_RESET as the reference host does */
void st2_sim_host_start(struct st2_sim_host *host);
/* run the script to its end; ST2_SIM_DONE or ST2_SIM_FAILED (error in the sim or here) */
enum st2_sim_result st2_sim_host_run(struct st2_sim_host *host, unsigned max_rounds);
const char *st2_sim_host_error(const struct st2_sim_host *host);

#ifdef __cplusplus
}
#endif
