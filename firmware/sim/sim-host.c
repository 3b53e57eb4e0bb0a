// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scripted host: plays the USB host driver and the card behind it. It
 * reads the firmware's IN transfers, finds the script step of each TPDU header
 * and answers with TX_DATA the way the step says (layout, delays).
 */
#include "sim-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum host_phase {
	H_NONE,
	H_ANSWER_HDR,	/* a header is waiting for its first answer */
	H_WAIT_DATA,	/* asked the phone for command data */
	H_ANSWER_SW,	/* all data in (or sent): the SW is due */
};

struct st2_sim_host {
	struct st2_sim *sim;
	const struct st2_script *script;
	unsigned idx;
	const struct st2_step *cur;
	enum host_phase phase;
	unsigned delay;
	uint8_t data[256];
	uint16_t data_len;
	uint32_t status_flags;
	bool status_seen;
	bool config_seen;
	bool failed;
	char err[200];
};

static void
host_fail(struct st2_sim_host *host, const char *what)
{
	if (host->failed)
		return;
	host->failed = true;
	snprintf(host->err, sizeof(host->err), "host: %s", what);
	sim_log(host->sim, "FAIL %s", host->err);
}

struct st2_sim_host *
st2_sim_host_new(struct st2_sim *sim)
{
	struct st2_sim_host *host = calloc(1, sizeof(*host));

	if (host == NULL)
		return NULL;
	host->sim = sim;
	host->script = st2_sim_script(sim);
	return host;
}

void
st2_sim_host_free(struct st2_sim_host *host)
{
	free(host);
}

const char *
st2_sim_host_error(const struct st2_sim_host *host)
{
	return host->failed ? host->err : NULL;
}

static void
out(struct st2_sim_host *host, const uint8_t *buf, size_t len)
{
	if (len == 0) {
		host_fail(host, "message does not fit");
		return;
	}
	st2_sim_usb_out(host->sim, ST2_EP_OUT_0, buf, len);
}

static void
send_tx(struct st2_sim_host *host, uint32_t flags, const uint8_t *data, size_t len)
{
	uint8_t msg[ST2_MSG_MAX];

	out(host, msg, st2_tx_data_encode(msg, sizeof(msg), flags, data, len));
}

void
st2_sim_host_start(struct st2_sim_host *host)
{
	struct st2_config cfg = { .features = ST2_FEAT_STATUS_IRQ, .present = 4 };
	uint8_t msg[ST2_MSG_MAX];
	size_t n;

	out(host, msg, st2_config_encode(msg, sizeof(msg), &cfg));
	/* two messages in one transfer */
	n = st2_cardinsert_encode(msg, sizeof(msg), true);
	n += st2_sim_select_encode(msg + n, sizeof(msg) - n, true);
	out(host, msg, n);
	out(host, msg, st2_set_atr_encode(msg, sizeof(msg), host->script->atr,
					  host->script->atr_len));
	out(host, msg, st2_modem_reset_encode(msg, sizeof(msg), ST2_MODEM_RESET_PULSE, 300));
}

static const struct st2_step *
find_step(struct st2_sim_host *host, const uint8_t *hdr)
{
	const struct st2_script *sc = host->script;

	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = pass ? 0 : host->idx; i < sc->n_steps; i++) {
			const struct st2_step *s = &sc->steps[i];

			if (s->kind == ST2_STEP_TPDU && memcmp(s->hdr, hdr, 5) == 0) {
				host->idx = i + 1;
				return s;
			}
		}
	}
	return NULL;
}

static void
on_rx_data(struct st2_sim_host *host, const struct st2_data *d)
{
	if (d->flags & ST2_DATA_F_TPDU_HDR) {
		if (d->len != 5) {
			host_fail(host, "TPDU header of another length than 5");
			return;
		}
		/* a header from before a reset we saw is not answered: upstream
		 * would send the answer in the next TPDU */
		if (host->status_seen && ((host->status_flags & ST2_STATUS_F_RESET_ACTIVE) ||
					  !(host->status_flags & ST2_STATUS_F_VCC_PRESENT))) {
			sim_log(host->sim, "host: TPDU header from before the reset ignored");
			host->cur = NULL;
			host->phase = H_NONE;
			return;
		}
		/* a new header starts a new TPDU, whatever was pending */
		host->cur = find_step(host, d->data);
		if (host->cur == NULL) {
			host_fail(host, "TPDU header not in the script");
			return;
		}
		host->phase = H_ANSWER_HDR;
		host->delay = host->cur->host_delay;
		host->data_len = 0;
		return;
	}
	if (host->cur == NULL || host->phase != H_WAIT_DATA) {
		host_fail(host, "command data without a request");
		return;
	}
	if (d->len > host->cur->cmd_len - host->data_len) {
		host_fail(host, "more command data than P3");
		return;
	}
	memcpy(host->data + host->data_len, d->data, d->len);
	host->data_len = (uint16_t)(host->data_len + d->len);
	if (((d->flags & ST2_DATA_F_FINAL) != 0) != (host->data_len == host->cur->cmd_len)) {
		host_fail(host, "FINAL flag does not match the data count");
		return;
	}
	if (host->data_len < host->cur->cmd_len) {
		/* per-byte mode: ask for the next one */
		uint8_t pb = (uint8_t)~host->cur->hdr[1];

		send_tx(host, ST2_DATA_F_PB_AND_RX, &pb, 1);
		return;
	}
	if (memcmp(host->data, host->cur->cmd, host->cur->cmd_len) != 0) {
		host_fail(host, "command data differs from the script");
		return;
	}
	host->phase = H_ANSWER_SW;
	host->delay = host->cur->host_delay_sw;
}

/* read everything the firmware has queued */
static void
drain(struct st2_sim_host *host)
{
	uint8_t buf[ST2_MSG_MAX];
	struct st2_msg m;
	struct st2_status st;
	struct st2_data d;
	int n;

	while ((n = st2_sim_usb_in(host->sim, ST2_EP_IRQ_0, buf, sizeof(buf))) > 0) {
		if (!st2_msg_decode(buf, (size_t)n, &m) || !st2_status_decode(&m, &st)) {
			host_fail(host, "bad message on the interrupt endpoint");
			return;
		}
		host->status_flags = st.flags;
		host->status_seen = true;
		if ((st.flags & ST2_STATUS_F_RESET_ACTIVE) || !(st.flags & ST2_STATUS_F_VCC_PRESENT)) {
			host->cur = NULL;
			host->phase = H_NONE;
		}
	}
	while ((n = st2_sim_usb_in(host->sim, ST2_EP_IN_0, buf, sizeof(buf))) > 0) {
		if (!st2_msg_decode(buf, (size_t)n, &m) || m.msg_len != n) {
			host_fail(host, "bad message on the bulk endpoint");
			return;
		}
		if (m.msg_class == ST2_CLASS_CARDEM && m.msg_type == ST2_CEMU_DO_RX_DATA) {
			if (!st2_data_decode(&m, &d) || d.data_len != d.len) {
				host_fail(host, "bad RX_DATA");
				return;
			}
			on_rx_data(host, &d);
		} else if (m.msg_class == ST2_CLASS_CARDEM && m.msg_type == ST2_CEMU_BD_CONFIG) {
			host->config_seen = true;
		}
		if (host->failed)
			return;
	}
}

static void
answer_out(struct st2_sim_host *host, const struct st2_step *s)
{
	uint8_t buf[ST2_MSG_MAX];
	uint8_t pl[ST2_MSG_MAX];
	size_t n = 0, k;

	switch (s->host_mode) {
	case ST2_HOST_COMBINED:
		pl[0] = s->hdr[1];
		memcpy(pl + 1, s->resp, s->resp_len);
		memcpy(pl + 1 + s->resp_len, s->sw, 2);
		send_tx(host, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, pl, s->resp_len + 3u);
		host->phase = H_NONE;
		return;
	case ST2_HOST_BATCH:
		pl[0] = s->hdr[1];
		memcpy(pl + 1, s->resp, s->resp_len);
		n = st2_tx_data_encode(buf, sizeof(buf), ST2_DATA_F_PB_AND_TX, pl,
				       s->resp_len + 1u);
		k = st2_tx_data_encode(buf + n, sizeof(buf) - n,
				       ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, s->sw, 2);
		out(host, buf, k ? n + k : 0);
		host->phase = H_NONE;
		return;
	case ST2_HOST_PER_BYTE:
		for (unsigned i = 0; i < s->resp_len; i++) {
			pl[n++] = (uint8_t)~s->hdr[1];
			pl[n++] = s->resp[i];
		}
		send_tx(host, ST2_DATA_F_PB_AND_TX, pl, n);
		break;
	case ST2_HOST_ACK:
		pl[0] = s->hdr[1];
		memcpy(pl + 1, s->resp, s->resp_len);
		send_tx(host, ST2_DATA_F_PB_AND_TX, pl, s->resp_len + 1u);
		break;
	}
	host->phase = H_ANSWER_SW;
	host->delay = s->host_delay_sw;
}

/* answer what is due; true if something was sent */
static bool
act(struct st2_sim_host *host)
{
	const struct st2_step *s = host->cur;
	uint8_t pb;

	if (s == NULL || host->delay > 0)
		return false;
	switch (host->phase) {
	case H_ANSWER_HDR:
		if (s->cmd_len > 0) {
			/* upstream waits for all P3 bytes after ~INS, so the phone and
			 * the firmware would both wait: ACK them all there */
			pb = s->host_mode == ST2_HOST_PER_BYTE &&
					     st2_sim_firmware(host->sim) != ST2_FW_UPSTREAM
				     ? (uint8_t)~s->hdr[1]
				     : s->hdr[1];
			send_tx(host, ST2_DATA_F_PB_AND_RX, &pb, 1);
			host->phase = H_WAIT_DATA;
			return true;
		}
		if (s->resp_len > 0) {
			answer_out(host, s);
			return true;
		}
		send_tx(host, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, s->sw, 2);
		host->phase = H_NONE;
		return true;
	case H_ANSWER_SW:
		send_tx(host, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL, s->sw, 2);
		host->phase = H_NONE;
		return true;
	default:
		return false;
	}
}

enum st2_sim_result
st2_sim_host_run(struct st2_sim_host *host, unsigned max_rounds)
{
	enum st2_sim_result r = st2_sim_run(host->sim, 0);

	/* the host reads what every run queued before the board runs on */
	for (unsigned round = 0; round < max_rounds; round++) {
		unsigned waits;

		if (r != ST2_SIM_IDLE)
			return r;
		drain(host);
		if (host->failed)
			return ST2_SIM_FAILED;
		if (act(host)) {
			r = st2_sim_run(host->sim, 0);
			continue;
		}
		waits = st2_sim_counters(host->sim)->waits;
		r = st2_sim_run(host->sim, 1);
		if (host->delay > 0 && st2_sim_counters(host->sim)->waits > waits)
			host->delay--;
	}
	host_fail(host, "script did not end");
	return ST2_SIM_FAILED;
}
