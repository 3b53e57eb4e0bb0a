// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Simulator runs: every built-in script against the scripted host (which
 * answers like a card), with the phone checking every byte at ISO 7816-3 level
 * and against the script.
 */
#include "fw-test.h"

#include "st2/st2-sim.h"

int fw_test_failures;

static void
quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void
loud(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "  | %s\n", line);
}

static const struct st2_sim_counters *
run_script(const char *name, struct st2_sim **out)
{
	struct st2_sim_options opt = { .script = name, .strict = true, .log = quiet };
	struct st2_sim *sim = st2_sim_new(&opt);
	struct st2_sim_host *host;
	enum st2_sim_result r;

	CHECK(sim != NULL);
	if (sim == NULL)
		return NULL;
	host = st2_sim_host_new(sim);
	st2_sim_host_start(host);
	r = st2_sim_host_run(host, 1000000);
	CHECK_EQ(r, ST2_SIM_DONE);
	if (r != ST2_SIM_DONE) {
		fprintf(stderr, "script %s: %s / %s\n", name,
			st2_sim_error(sim) ? st2_sim_error(sim) : "-",
			st2_sim_host_error(host) ? st2_sim_host_error(host) : "-");
		/* once more, with the transcript */
		st2_sim_host_free(host);
		st2_sim_free(sim);
		opt.log = loud;
		sim = st2_sim_new(&opt);
		host = st2_sim_host_new(sim);
		st2_sim_host_start(host);
		st2_sim_host_run(host, 1000000);
	}
	st2_sim_host_free(host);
	*out = sim;
	return st2_sim_counters(sim);
}

static void
test_all_scripts(void)
{
	for (const struct st2_script *const *s = st2_script_all(); *s != NULL; s++) {
		struct st2_sim *sim = NULL;
		const struct st2_sim_counters *c = run_script((*s)->name, &sim);

		if (c == NULL)
			continue;
		CHECK_EQ(c->steps_done, (*s)->n_steps);
		CHECK_EQ(c->mutes, 0);
		CHECK_EQ(st2_sim_cardem(sim)->stats.msg_unknown, 0);
		CHECK_EQ(st2_sim_cardem(sim)->stats.msg_short, 0);
		CHECK_EQ(st2_sim_cardem(sim)->stats.in_dropped, 0);
		CHECK_EQ(st2_sim_cardem(sim)->card.stats.tx_bad_pb, 0);
		printf("     %-12s %3u steps %3u TPDUs %2u ATRs %3u NULL %u PPS\n", (*s)->name,
		       c->steps_done, c->tpdus, c->atrs, c->nulls, c->pps_ok);
		st2_sim_free(sim);
	}
}

static void
test_script_details(void)
{
	struct st2_sim *sim = NULL;
	const struct st2_sim_counters *c;

	c = run_script("cases", &sim);
	CHECK(c->nulls >= 3 + 4 + 5);
	CHECK_EQ(st2_sim_cardem(sim)->card.stats.tx_dropped, 0);
	st2_sim_free(sim);

	c = run_script("reset", &sim);
	CHECK_EQ(c->resets, 7);
	CHECK_EQ(c->atrs, 8);
	/* answers to aborted TPDUs never reach the phone */
	CHECK(st2_sim_cardem(sim)->card.stats.tx_dropped > 0);
	st2_sim_free(sim);

	c = run_script("pps", &sim);
	CHECK_EQ(c->pps_ok, 3);
	st2_sim_free(sim);

	c = run_script("pps-bad", &sim);
	CHECK_EQ(st2_sim_cardem(sim)->card.stats.pps_bad_pck, 1);
	CHECK(st2_sim_cardem(sim)->card.stats.pps_refused >= 2);
	st2_sim_free(sim);
}

static void
test_no_host(void)
{
	/* nobody enables emulation: the phone finds the card mute */
	struct st2_sim_options opt = { .script = "gsm", .strict = true, .log = quiet };
	struct st2_sim *sim = st2_sim_new(&opt);
	enum st2_sim_result r = st2_sim_run(sim, 10);

	CHECK_EQ(r, ST2_SIM_FAILED);
	CHECK(st2_sim_error(sim) != NULL && strstr(st2_sim_error(sim), "mute") != NULL);
	st2_sim_free(sim);
	opt.script = "no such script";
	CHECK(st2_sim_new(&opt) == NULL);
}

static void
test_usb_entry(void)
{
	struct st2_sim_options opt = { .script = "trace", .strict = true, .max_mute = 5 };
	struct st2_sim *sim = st2_sim_new(&opt);
	uint8_t buf[ST2_MSG_MAX];
	size_t len;
	const uint8_t *d = st2_sim_usb_descriptors(&len);

	CHECK_EQ(len, 18 + 57);
	CHECK_EQ(d[8] | d[9] << 8, ST2_USB_VID);
	CHECK_EQ(d[10] | d[11] << 8, ST2_USB_PID_SIMTRACE2);
	CHECK_EQ(d[18 + 2] | d[18 + 3] << 8, 57);
	CHECK(!st2_sim_usb_out(sim, 0x01, buf, 0));
	CHECK_EQ(st2_sim_usb_in(sim, 0x84, buf, sizeof(buf)), -1);
	CHECK_EQ(st2_sim_usb_in(sim, ST2_EP_IN_0, buf, sizeof(buf)), 0);
	len = st2_board_info_req_encode(buf, sizeof(buf));
	CHECK(st2_sim_usb_out(sim, ST2_EP_OUT_0, buf, len));
	CHECK_EQ(st2_sim_usb_in(sim, ST2_EP_IN_0, buf, 8), -1);
	CHECK_EQ(st2_sim_usb_in(sim, ST2_EP_IN_0, buf, sizeof(buf)), 8 + 234 + 2);
	st2_sim_free(sim);
}

int
main(void)
{
	RUN(test_all_scripts);
	RUN(test_script_details);
	RUN(test_no_host);
	RUN(test_usb_entry);
	return fw_test_failures ? 1 : 0;
}
