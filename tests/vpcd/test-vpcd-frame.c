// SPDX-License-Identifier: GPL-2.0-or-later
/* vpcd frame reassembly, classification and encoding. */
#include <glib.h>
#include <string.h>

#include "vpcd-frame.h"

static VpcdFrameReader reader;

static void
test_frame_whole(void)
{
	static const guint8 in[] = {0x00, 0x01, 0x04, 0x00, 0x05, 0x00, 0xA4, 0x04, 0x00, 0x00};
	size_t used, len;
	const guint8 *p;
	vpcd_frame_reader_init(&reader);
	g_assert_cmpint(vpcd_frame_reader_feed(&reader, in, sizeof(in), &used), ==,
	                VPCD_FRAME_READY);
	g_assert_cmpuint(used, ==, 3);
	p = vpcd_frame_reader_payload(&reader, &len);
	g_assert_cmpuint(len, ==, 1);
	g_assert_cmpint(vpcd_message_classify(p, len), ==, VPCD_MSG_GET_ATR);
	g_assert_cmpint(vpcd_frame_reader_feed(&reader, in + 3, sizeof(in) - 3, &used), ==,
	                VPCD_FRAME_READY);
	g_assert_cmpuint(used, ==, 7);
	p = vpcd_frame_reader_payload(&reader, &len);
	g_assert_cmpuint(len, ==, 5);
	g_assert_cmpint(vpcd_message_classify(p, len), ==, VPCD_MSG_APDU);
	g_assert_cmpmem(p, len, in + 5, 5);
}

static void
test_frame_bytewise(void)
{
	/* one byte at a time, including a split length */
	static const guint8 in[] = {0x00, 0x04, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x02};
	guint frames = 0;
	vpcd_frame_reader_init(&reader);
	for (gsize i = 0; i < sizeof(in); i++) {
		size_t used, len;
		VpcdFrameStatus st = vpcd_frame_reader_feed(&reader, in + i, 1, &used);
		g_assert_cmpuint(used, ==, 1);
		if (st == VPCD_FRAME_READY) {
			const guint8 *p = vpcd_frame_reader_payload(&reader, &len);
			frames++;
			if (frames == 1)
				g_assert_cmpint(vpcd_message_classify(p, len), ==, VPCD_MSG_APDU);
			else
				g_assert_cmpint(vpcd_message_classify(p, len), ==, VPCD_MSG_RESET);
		} else {
			g_assert_cmpint(st, ==, VPCD_FRAME_NEED_MORE);
		}
	}
	g_assert_cmpuint(frames, ==, 2);
}

static void
test_frame_empty(void)
{
	static const guint8 in[] = {0x00, 0x00, 0x00, 0x01, 0x00};
	size_t used, len;
	vpcd_frame_reader_init(&reader);
	g_assert_cmpint(vpcd_frame_reader_feed(&reader, in, sizeof(in), &used), ==,
	                VPCD_FRAME_EMPTY);
	g_assert_cmpuint(used, ==, 2);
	g_assert_null(vpcd_frame_reader_payload(&reader, &len));
	g_assert_cmpint(vpcd_frame_reader_feed(&reader, in + 2, 3, &used), ==, VPCD_FRAME_READY);
	{
		const guint8 *p = vpcd_frame_reader_payload(&reader, &len);
		g_assert_cmpint(vpcd_message_classify(p, len), ==, VPCD_MSG_POWER_OFF);
	}
}

static void
test_frame_max(void)
{
	g_autofree guint8 *in = g_malloc(VPCD_FRAME_MAX_PAYLOAD + 2);
	size_t used, len;
	in[0] = 0xFF;
	in[1] = 0xFF;
	memset(in + 2, 0x5A, VPCD_FRAME_MAX_PAYLOAD);
	vpcd_frame_reader_init(&reader);
	g_assert_cmpint(vpcd_frame_reader_feed(&reader, in, 1000, &used), ==, VPCD_FRAME_NEED_MORE);
	g_assert_cmpint(vpcd_frame_reader_feed(&reader, in + 1000,
	                                       VPCD_FRAME_MAX_PAYLOAD + 2 - 1000, &used),
	                ==, VPCD_FRAME_READY);
	g_assert_nonnull(vpcd_frame_reader_payload(&reader, &len));
	g_assert_cmpuint(len, ==, VPCD_FRAME_MAX_PAYLOAD);
}

static void
test_classify(void)
{
	static const guint8 b[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0xFF};
	g_assert_cmpint(vpcd_message_classify(b, 1), ==, VPCD_MSG_POWER_OFF);
	g_assert_cmpint(vpcd_message_classify(b + 1, 1), ==, VPCD_MSG_POWER_ON);
	g_assert_cmpint(vpcd_message_classify(b + 2, 1), ==, VPCD_MSG_RESET);
	g_assert_cmpint(vpcd_message_classify(b + 3, 1), ==, VPCD_MSG_UNKNOWN_CONTROL);
	g_assert_cmpint(vpcd_message_classify(b + 4, 1), ==, VPCD_MSG_GET_ATR);
	g_assert_cmpint(vpcd_message_classify(b + 5, 1), ==, VPCD_MSG_UNKNOWN_CONTROL);
	g_assert_cmpint(vpcd_message_classify(b, 2), ==, VPCD_MSG_SHORT_APDU);
	g_assert_cmpint(vpcd_message_classify(b, 3), ==, VPCD_MSG_SHORT_APDU);
	g_assert_cmpint(vpcd_message_classify(b, 4), ==, VPCD_MSG_APDU);
	g_assert_cmpint(vpcd_message_classify(b, 0), ==, VPCD_MSG_INVALID);
	g_assert_cmpint(vpcd_message_classify(NULL, 3), ==, VPCD_MSG_INVALID);
	g_assert_cmpstr(vpcd_message_name(VPCD_MSG_GET_ATR), ==, "get ATR");
}

static void
test_encode(void)
{
	static const guint8 atr[] = {0x3B, 0x02, 0x14, 0x50};
	guint8 out[8];
	g_assert_cmpuint(vpcd_frame_encode(atr, 4, out, sizeof(out)), ==, 6);
	g_assert_cmpmem(out, 6, ((const guint8[]){0x00, 0x04, 0x3B, 0x02, 0x14, 0x50}), 6);
	g_assert_cmpuint(vpcd_frame_encode(atr, 0, out, sizeof(out)), ==, 0);
	g_assert_cmpuint(vpcd_frame_encode(atr, 4, out, 5), ==, 0);
	g_assert_cmpuint(vpcd_frame_encode(atr, VPCD_FRAME_MAX_PAYLOAD + 1, out, G_MAXSIZE), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vpcd/frame/whole", test_frame_whole);
	g_test_add_func("/vpcd/frame/bytewise", test_frame_bytewise);
	g_test_add_func("/vpcd/frame/empty", test_frame_empty);
	g_test_add_func("/vpcd/frame/max", test_frame_max);
	g_test_add_func("/vpcd/classify", test_classify);
	g_test_add_func("/vpcd/encode", test_encode);
	return g_test_run();
}
