// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * st2-sim: the simulated SIMtrace2 board with a simulated phone.
 *
 *   st2-sim --list
 *   st2-sim --script NAME                 scripted host in-process (a self test)
 *   st2-sim --socket PATH [--script NAME] a host driver connects to PATH
 *   --firmware own|upstream               whose firmware behaviour the board has
 *
 * Socket framing (both directions), one USB transfer per frame:
 *   1 byte endpoint address, 2 bytes length (little-endian), payload.
 * Host -> sim: OUT transfers for 0x04. Sim -> host: IN transfers from 0x85 and
 * 0x86, sent as soon as the firmware queues them; the transfers queued in one
 * step go in one write(), interrupt endpoint first (--in-order bulk-first: the
 * other way round, as the two endpoints are not ordered on a real bus).
 */
#include "st2/st2-sim.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *socket_path;
	const char *script;
	bool strict;
	bool quiet;
	int idle_ms;
	int timeout_s;
	unsigned repeat;
	unsigned mute_retries;
	enum st2_fw_profile firmware;
	bool bulk_first;
};

static void
log_line(void *ctx, const char *line)
{
	const struct opts *o = ctx;

	if (!o->quiet) {
		printf("%s\n", line);
		fflush(stdout);
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: st2-sim [--socket PATH] [--script NAME] [--strict] [--idle-ms N]\n"
		"               [--timeout S] [--repeat N] [--firmware own|upstream]\n"
		"               [--in-order irq-first|bulk-first] [--mute-retries N] [--quiet]\n"
		"               | --list\n"
		"Without --socket the built-in scripted host answers (strict checks).\n"
		"--mute-retries N: with --socket, the phone powers a mute card up N times,\n"
		"then declares no SIM until a modem reset, as modems do (default 3; 0: retry\n"
		"every second for ever).\n");
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* everything queued goes in one write(), so a host reads it in one go */
static bool
flush_in(struct st2_sim *sim, int fd, bool bulk_first)
{
	static const uint8_t irq_first[] = { ST2_EP_IRQ_0, ST2_EP_IN_0 };
	static const uint8_t bulk_first_eps[] = { ST2_EP_IN_0, ST2_EP_IRQ_0 };
	const uint8_t *eps = bulk_first ? bulk_first_eps : irq_first;
	/* at most 3 messages per endpoint are queued */
	uint8_t out[2 * ST2_INQ_LEN * (3 + ST2_MSG_MAX)];
	size_t len = 0;

	for (unsigned i = 0; i < 2; i++) {
		int n;

		while ((n = st2_sim_usb_in(sim, eps[i], out + len + 3, ST2_MSG_MAX)) > 0) {
			out[len] = eps[i];
			out[len + 1] = (uint8_t)n;
			out[len + 2] = (uint8_t)(n >> 8);
			len += (size_t)n + 3;
		}
	}
	return len == 0 || write_all(fd, out, len);
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int fd;

	if (strlen(path) + 5 >= sizeof(sa.sun_path)) {
		fprintf(stderr, "st2-sim: socket path too long\n");
		return -1;
	}
	/* bind a temporary name and rename it: the path appears when it is ready */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", tmp);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    rename(tmp, path) < 0) {
		fprintf(stderr, "st2-sim: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
run_socket(struct st2_sim *sim, const struct opts *o)
{
	static uint8_t rbuf[3 + 65535 + 4096];
	size_t rlen = 0;
	double deadline = mono_s() + o->timeout_s;
	struct pollfd pfd;
	enum st2_sim_result r;
	int lfd, cfd, pr;

	lfd = listen_on(o->socket_path);
	if (lfd < 0)
		return 2;
	pfd.fd = lfd;
	pfd.events = POLLIN;
	pr = poll(&pfd, 1, o->timeout_s * 1000);
	cfd = pr > 0 ? accept(lfd, NULL, NULL) : -1;
	close(lfd);
	unlink(o->socket_path);
	if (cfd < 0) {
		fprintf(stderr, "st2-sim: no host connected\n");
		return 2;
	}
	/* every run's IN transfers go out before the board runs on */
	r = st2_sim_run(sim, 0);
	for (;;) {
		if (!flush_in(sim, cfd, o->bulk_first)) {
			fprintf(stderr, "st2-sim: host connection lost\n");
			r = ST2_SIM_FAILED;
			break;
		}
		if (r != ST2_SIM_IDLE)
			break;
		if (mono_s() > deadline) {
			fprintf(stderr, "st2-sim: timeout\n");
			r = ST2_SIM_FAILED;
			break;
		}
		pfd.fd = cfd;
		pfd.events = POLLIN;
		pr = poll(&pfd, 1, o->idle_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			/* the host is quiet: let virtual time pass one wait */
			r = st2_sim_run(sim, 1);
			continue;
		}
		{
			ssize_t n = read(cfd, rbuf + rlen, sizeof(rbuf) - rlen);
			size_t off = 0;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fprintf(stderr, "st2-sim: host closed the connection\n");
				r = ST2_SIM_FAILED;
				break;
			}
			rlen += (size_t)n;
			while (rlen - off >= 3) {
				size_t len = (size_t)rbuf[off + 1] | ((size_t)rbuf[off + 2] << 8);

				if (rlen - off < 3 + len)
					break;
				if (!st2_sim_usb_out(sim, rbuf[off], rbuf + off + 3, len))
					fprintf(stderr, "st2-sim: frame for endpoint %02x ignored\n",
						rbuf[off]);
				off += 3 + len;
			}
			memmove(rbuf, rbuf + off, rlen - off);
			rlen -= off;
			r = st2_sim_run(sim, 0);
		}
	}
	close(cfd);
	return r == ST2_SIM_DONE ? 0 : 1;
}

static int
run_self(struct st2_sim *sim)
{
	struct st2_sim_host *host = st2_sim_host_new(sim);
	enum st2_sim_result r;

	if (host == NULL)
		return 2;
	st2_sim_host_start(host);
	r = st2_sim_host_run(host, 1000000);
	if (st2_sim_host_error(host) != NULL)
		fprintf(stderr, "st2-sim: %s\n", st2_sim_host_error(host));
	st2_sim_host_free(host);
	return r == ST2_SIM_DONE ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "script", required_argument, NULL, 'S' },
		{ "strict", no_argument, NULL, 'x' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "firmware", required_argument, NULL, 'f' },
		{ "in-order", required_argument, NULL, 'o' },
		{ "mute-retries", required_argument, NULL, 'm' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .script = "gsm", .idle_ms = 20, .timeout_s = 60, .mute_retries = 3 };
	struct st2_sim_options so = { 0 };
	const struct st2_sim_counters *c;
	struct st2_sim *sim;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "s:S:xi:t:qr:f:o:m:lh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.socket_path = optarg;
			break;
		case 'S':
			o.script = optarg;
			break;
		case 'x':
			o.strict = true;
			break;
		case 'i':
			o.idle_ms = atoi(optarg);
			break;
		case 't':
			o.timeout_s = atoi(optarg);
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'r':
			o.repeat = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			o.mute_retries = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			if (!st2_fw_profile_from_string(optarg, &o.firmware)) {
				usage(stderr);
				return 2;
			}
			break;
		case 'o':
			if (strcmp(optarg, "bulk-first") != 0 && strcmp(optarg, "irq-first") != 0) {
				usage(stderr);
				return 2;
			}
			o.bulk_first = strcmp(optarg, "bulk-first") == 0;
			break;
		case 'l':
			for (const struct st2_script *const *s = st2_script_all(); *s; s++)
				printf("%-12s %s\n", (*s)->name, (*s)->description);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.idle_ms < 1 || o.timeout_s < 1) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	so.script = o.script;
	so.strict = o.socket_path == NULL || o.strict;
	so.repeat = o.repeat;
	so.firmware = o.firmware;
	/* a host driver may come up after the phone: retry mute cards */
	so.max_mute = o.socket_path != NULL ? 1000000u : 0u;
	so.mute_give_up = o.socket_path != NULL ? o.mute_retries : 0u;
	so.log = log_line;
	so.log_ctx = &o;
	sim = st2_sim_new(&so);
	if (sim == NULL) {
		fprintf(stderr, "st2-sim: unknown script '%s' (see --list)\n", o.script);
		return 2;
	}
	rc = o.socket_path != NULL ? run_socket(sim, &o) : run_self(sim);
	c = st2_sim_counters(sim);
	if (st2_sim_error(sim) != NULL)
		fprintf(stderr, "st2-sim: %s\n", st2_sim_error(sim));
	printf("st2-sim: script %s (%s firmware) %s: %u steps, %u TPDUs, %u ATRs, %u NULL, %u PPS, "
	       "%u resets, %u mute, %.3f s virtual\n",
	       o.script, st2_fw_profile_to_string(o.firmware), rc == 0 ? "passed" : "FAILED",
	       c->steps_done, c->tpdus, c->atrs, c->nulls, c->pps_ok, c->resets, c->mutes,
	       (double)st2_sim_now(sim) / ST2_SIM_CLOCK_HZ);
	st2_sim_free(sim);
	return rc;
}
