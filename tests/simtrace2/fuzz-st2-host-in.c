// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: frontend-simtrace2's incoming USB message parser and the host
 * APDU state machine behind it. The input is a sequence of records:
 *   1 byte kind (bit 0: interrupt endpoint; bit 1: a card answer instead of
 *   an IN transfer; bit 2: a phone reset), 1 byte length, that many bytes.
 * Every OUT transfer the machine produces must decode as whole messages of at
 * most 280 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "st2-host-apdu.h"
#include "st2-host-in.h"
#include "st2-host-line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	St2Apdu apdu;
	St2Line line;
} Host;

static void
check_out(gpointer ctx, const guint8 *buf, gsize len)
{
	struct st2_msg msg;
	size_t off = 0;

	if (len > ST2_MSG_MAX)
		abort();
	while (off < len)
		if (!st2_msg_next(buf, len, &off, &msg))
			abort();
}

static void
submit(gpointer ctx, const guint8 *cmd, gsize len)
{
	if (len < 4 || len > 5 + 255)
		abort();
}

static const St2ApduOps ops = {check_out, submit, NULL};

static void
rx(gpointer ctx, const struct st2_data *d)
{
	Host *h = ctx;

	st2_apdu_rx_data(&h->apdu, d);
}

static void
status(gpointer ctx, const struct st2_status *st, gboolean irq)
{
	Host *h = ctx;

	if (st2_line_update(&h->line, st->flags) != ST2_LINE_NONE)
		st2_apdu_reset(&h->apdu);
}

static void
config(gpointer ctx, const struct st2_config *c)
{
}

static void
pts(gpointer ctx, const struct st2_pts *p)
{
}

static void
info(gpointer ctx, const struct st2_board_info *i)
{
}

static void
ignored(gpointer ctx, guint8 c, guint8 t, const gchar *why)
{
}

static const St2InOps in_ops = {rx, status, config, pts, info, ignored};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Host h;
	size_t pos = 0;

	st2_apdu_init(&h.apdu, &ops, &h);
	st2_line_init(&h.line);
	while (pos + 2 <= size) {
		uint8_t kind = data[pos];
		size_t len = data[pos + 1];

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (kind & 4)
			st2_apdu_reset(&h.apdu);
		else if (kind & 2)
			st2_apdu_card_answer(&h.apdu, data + pos, len, 0x6f00);
		else
			st2_host_in_transfer(&in_ops, &h, kind & 1, data + pos, len);
		pos += len;
	}
	return 0;
}
