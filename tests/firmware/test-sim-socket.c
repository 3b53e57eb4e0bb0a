// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * st2-sim over its Unix socket: this test is the host driver. It starts
 * `st2-sim --socket PATH --script trace --strict`, sends the reference host's
 * start-up and answers the phone's two TPDUs like a card (the fact sheet's §9
 * exchange), using the documented framing (endpoint, LE16 length, payload).
 */
#include "fw-test.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "st2/st2-proto.h"

int fw_test_failures;

static const uint8_t rsp_df23[] = { 0x00, 0x00, 0x00, 0x00, 0x7f, 0x20, 0x02, 0x00, 0x00, 0x00,
				    0x00, 0x00, 0x0a, 0x13, 0x00, 0x0c, 0x04, 0x00, 0x83, 0x8a,
				    0x83, 0x8a, 0x00 };

static int
send_frame(int fd, const uint8_t *msg, size_t len)
{
	uint8_t f[3 + ST2_MSG_MAX];

	f[0] = ST2_EP_OUT_0;
	f[1] = (uint8_t)len;
	f[2] = (uint8_t)(len >> 8);
	memcpy(f + 3, msg, len);
	return write(fd, f, len + 3) == (ssize_t)(len + 3) ? 0 : -1;
}

static int
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 20000) <= 0)
			return -1;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void
tx(int fd, uint32_t flags, const uint8_t *data, size_t len)
{
	uint8_t msg[ST2_MSG_MAX];

	CHECK_EQ(send_frame(fd, msg, st2_tx_data_encode(msg, sizeof(msg), flags, data, len)), 0);
}

static void
test_socket_trace(const char *sim_exe)
{
	char dir[] = "/tmp/st2-sim-test-XXXXXX";
	char path[96];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct st2_config cfg = { .features = ST2_FEAT_STATUS_IRQ };
	uint8_t msg[ST2_MSG_MAX];
	unsigned answered = 0, statuses = 0;
	int fd = -1, status = 0;
	pid_t pid;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sim.sock", dir);
	pid = fork();
	if (pid == 0) {
		execl(sim_exe, sim_exe, "--socket", path, "--script", "trace", "--strict",
		      "--quiet", "--timeout", "30", (char *)NULL);
		_exit(127);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* the path appears once the simulator listens */
	for (int i = 0; i < 2000 && fd < 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (access(path, F_OK) == 0) {
			fd = socket(AF_UNIX, SOCK_STREAM, 0);
			if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
				close(fd);
				fd = -1;
			}
		}
		if (fd < 0)
			nanosleep(&ts, NULL);
	}
	CHECK(fd >= 0);
	if (fd < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return;
	}
	CHECK_EQ(send_frame(fd, msg, st2_config_encode(msg, sizeof(msg), &cfg)), 0);
	CHECK_EQ(send_frame(fd, msg, st2_cardinsert_encode(msg, sizeof(msg), true)), 0);
	CHECK_EQ(send_frame(fd, msg, st2_sim_select_encode(msg, sizeof(msg), true)), 0);
	CHECK_EQ(send_frame(fd, msg, st2_set_atr_encode(msg, sizeof(msg),
							(const uint8_t *)"\x3b\x00", 2)), 0);
	CHECK_EQ(send_frame(fd, msg, st2_modem_reset_encode(msg, sizeof(msg), 2, 300)), 0);
	for (;;) {
		uint8_t h[3];
		struct st2_msg m;
		struct st2_data d;
		size_t len;

		if (read_full(fd, h, 3) < 0)
			break;	/* the simulator closed: script over */
		len = (size_t)h[1] | ((size_t)h[2] << 8);
		CHECK(len <= ST2_MSG_MAX);
		if (len > ST2_MSG_MAX || read_full(fd, msg, len) < 0)
			break;
		CHECK(h[0] == ST2_EP_IN_0 || h[0] == ST2_EP_IRQ_0);
		CHECK(st2_msg_decode(msg, len, &m));
		if (h[0] == ST2_EP_IRQ_0) {
			statuses++;
			continue;
		}
		if (m.msg_type != ST2_CEMU_DO_RX_DATA || !st2_data_decode(&m, &d))
			continue;
		if ((d.flags & ST2_DATA_F_TPDU_HDR) && d.data[1] == 0xa4) {
			tx(fd, ST2_DATA_F_PB_AND_RX, (const uint8_t *)"\xa4", 1);
		} else if (d.flags & ST2_DATA_F_TPDU_HDR) {
			uint8_t r[24];

			r[0] = 0xc0;
			memcpy(r + 1, rsp_df23, sizeof(rsp_df23));
			tx(fd, ST2_DATA_F_PB_AND_TX, r, sizeof(r));
			tx(fd, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL,
			   (const uint8_t *)"\x90\x00", 2);
			answered++;
		} else {
			CHECK_MEM(d.data, d.len, "\x7f\x20", 2);
			tx(fd, ST2_DATA_F_PB_AND_TX | ST2_DATA_F_FINAL,
			   (const uint8_t *)"\x9f\x17", 2);
			answered++;
		}
	}
	close(fd);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	CHECK_EQ(answered, 2);
	CHECK(statuses >= 2);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-st2-sim\n", argv[0]);
		return 2;
	}
	test_socket_trace(argv[1]);
	printf("%s test_socket_trace\n", fw_test_failures ? "FAIL" : "ok  ");
	return fw_test_failures ? 1 : 0;
}
