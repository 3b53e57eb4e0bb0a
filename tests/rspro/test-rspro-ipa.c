// SPDX-License-Identifier: GPL-2.0-or-later
/* IPA deframer and frame writers: partial reads, random splits, limits, garbage. */
#include <string.h>

#include "rspro-ipa.h"
#include "rspro-test-util.h"

/* PING, an RSPRO frame (G.4 createMappingRes), PONG, an empty-payload frame, ID_ACK */
static const gchar *stream_hex = "00 01 FE 00 "
                                 "00 10 EE 07 30 0D 80 01 02 81 01 00 A2 05 A5 03 0A 01 00 "
                                 "00 01 FE 01 "
                                 "00 00 EE "
                                 "00 01 FE 06";

typedef struct {
	guint8 proto;
	gsize len;
	guint8 first;
} Seen;

/* feeds @data in chunks of the sizes given by @next_chunk; collects the frames */
static GArray *
feed_all(const guint8 *data, gsize len, gsize (*next_chunk)(gsize remaining))
{
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(0);
	GArray *seen = g_array_new(FALSE, TRUE, sizeof(Seen));
	gsize off = 0;

	while (off < len) {
		gsize chunk = next_chunk(len - off);
		gsize end = off + chunk;

		while (off < end) {
			RsproIpaFrame f;
			g_autoptr(GError) error = NULL;
			gssize n = rspro_ipa_deframer_push(d, data + off, end - off, &f, &error);

			g_assert_no_error(error);
			g_assert_cmpint(n, >, 0);
			off += (gsize)n;
			if (f.complete) {
				Seen s = {f.proto, f.len, f.len > 0 ? f.payload[0] : 0};

				g_assert_nonnull(f.payload);
				g_array_append_val(seen, s);
			}
		}
	}
	g_assert_false(rspro_ipa_deframer_is_partial(d));
	return seen;
}

static void
assert_stream_frames(GArray *seen)
{
	g_assert_cmpuint(seen->len, ==, 5);
	g_assert_cmpuint(g_array_index(seen, Seen, 0).proto, ==, RSPRO_IPA_PROTO_CCM);
	g_assert_cmpuint(g_array_index(seen, Seen, 0).first, ==, RSPRO_CCM_PING);
	g_assert_cmpuint(g_array_index(seen, Seen, 1).proto, ==, RSPRO_IPA_PROTO_OSMO);
	g_assert_cmpuint(g_array_index(seen, Seen, 1).len, ==, 16);
	g_assert_cmpuint(g_array_index(seen, Seen, 1).first, ==, RSPRO_IPA_EXT_RSPRO);
	g_assert_cmpuint(g_array_index(seen, Seen, 2).first, ==, RSPRO_CCM_PONG);
	g_assert_cmpuint(g_array_index(seen, Seen, 3).len, ==, 0);
	g_assert_cmpuint(g_array_index(seen, Seen, 4).first, ==, RSPRO_CCM_ID_ACK);
}

static gsize
chunk_one(gsize remaining)
{
	return 1;
}

static gsize
chunk_all(gsize remaining)
{
	return remaining;
}

static gsize
chunk_random(gsize remaining)
{
	return (gsize)g_test_rand_int_range(1, (gint32)MIN(remaining, 40) + 1);
}

static void
test_byte_by_byte(void)
{
	g_autoptr(GByteArray) s = test_hex(stream_hex);
	g_autoptr(GArray) seen = feed_all(s->data, s->len, chunk_one);

	assert_stream_frames(seen);
}

static void
test_whole(void)
{
	g_autoptr(GByteArray) s = test_hex(stream_hex);
	g_autoptr(GArray) seen = feed_all(s->data, s->len, chunk_all);

	assert_stream_frames(seen);
}

static void
test_random_splits(void)
{
	g_autoptr(GByteArray) s = test_hex(stream_hex);

	for (guint round = 0; round < 500; round++) {
		g_autoptr(GArray) seen = feed_all(s->data, s->len, chunk_random);

		assert_stream_frames(seen);
	}
}

static void
test_partial_state(void)
{
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(0);
	const guint8 part[] = {0x00, 0x05, 0xEE, 0x07};
	RsproIpaFrame f;

	g_assert_false(rspro_ipa_deframer_is_partial(d));
	g_assert_cmpint(rspro_ipa_deframer_push(d, part, sizeof(part), &f, NULL), ==, 4);
	g_assert_false(f.complete);
	g_assert_true(rspro_ipa_deframer_is_partial(d));
	g_assert_cmpint(rspro_ipa_deframer_push(d, part, 0, &f, NULL), ==, 0);
	rspro_ipa_deframer_reset(d);
	g_assert_false(rspro_ipa_deframer_is_partial(d));
}

static void
test_oversize(void)
{
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(100);
	g_autoptr(GError) error = NULL;
	const guint8 big[] = {0x00, 0x65, 0xEE}; /* 101 > 100 */
	const guint8 ok[] = {0x00, 0x64, 0xEE};  /* 100 is fine */
	RsproIpaFrame f;

	g_assert_cmpint(rspro_ipa_deframer_push(d, big, sizeof(big), &f, &error), ==, -1);
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG);
	rspro_ipa_deframer_reset(d);
	g_assert_cmpint(rspro_ipa_deframer_push(d, ok, sizeof(ok), &f, NULL), ==, 3);
	g_assert_false(f.complete);
}

static void
test_max_frame(void)
{
	g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(0);
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree guint8 *payload = g_malloc0(RSPRO_IPA_MAX_PAYLOAD + 1);
	g_autoptr(GError) error = NULL;
	RsproIpaFrame f;

	g_assert_true(rspro_ipa_append_frame(out, 0xEE, payload, RSPRO_IPA_MAX_PAYLOAD, &error));
	g_assert_cmpuint(out->len, ==, RSPRO_IPA_MAX_PAYLOAD + 3);
	g_assert_cmpuint(out->data[0], ==, 0xff);
	g_assert_cmpuint(out->data[1], ==, 0xff);
	g_assert_cmpint(rspro_ipa_deframer_push(d, out->data, out->len, &f, &error), ==,
	                (gssize)out->len);
	g_assert_true(f.complete);
	g_assert_cmpuint(f.len, ==, RSPRO_IPA_MAX_PAYLOAD);

	g_assert_false(
	        rspro_ipa_append_frame(out, 0xEE, payload, RSPRO_IPA_MAX_PAYLOAD + 1, &error));
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG);
	g_clear_error(&error);
	g_assert_false(rspro_ipa_append_rspro(out, payload, RSPRO_IPA_MAX_PDU + 1, &error));
	g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG);
	g_clear_error(&error);
	g_byte_array_set_size(out, 0);
	g_assert_true(rspro_ipa_append_rspro(out, payload, RSPRO_IPA_MAX_PDU, &error));
	g_assert_cmpuint(out->len, ==, RSPRO_IPA_MAX_PAYLOAD + 3);
}

static void
test_kinds(void)
{
	const guint8 rspro[] = {0x07, 0x30, 0x00};
	const guint8 other_ext[] = {0x05, 0x30, 0x00};
	const guint8 ccm[] = {0x00};
	const guint8 *body;
	gsize body_len;
	RsproIpaFrame f = {TRUE, RSPRO_IPA_PROTO_OSMO, rspro, sizeof(rspro)};

	g_assert_cmpint(rspro_ipa_frame_kind(&f, &body, &body_len), ==, RSPRO_IPA_KIND_RSPRO);
	g_assert_true(body == rspro + 1);
	g_assert_cmpuint(body_len, ==, 2);
	f.payload = other_ext;
	g_assert_cmpint(rspro_ipa_frame_kind(&f, &body, &body_len), ==, RSPRO_IPA_KIND_INVALID);
	f.proto = RSPRO_IPA_PROTO_CCM;
	f.payload = ccm;
	f.len = 1;
	g_assert_cmpint(rspro_ipa_frame_kind(&f, &body, &body_len), ==, RSPRO_IPA_KIND_CCM);
	g_assert_cmpuint(body[0], ==, RSPRO_CCM_PING);
	f.len = 0;
	g_assert_cmpint(rspro_ipa_frame_kind(&f, &body, &body_len), ==, RSPRO_IPA_KIND_INVALID);
	f.len = 1;
	f.proto = 0x00; /* RSL: not ours */
	g_assert_cmpint(rspro_ipa_frame_kind(&f, &body, &body_len), ==, RSPRO_IPA_KIND_INVALID);
	f.complete = FALSE;
	f.proto = RSPRO_IPA_PROTO_CCM;
	g_assert_cmpint(rspro_ipa_frame_kind(&f, &body, &body_len), ==, RSPRO_IPA_KIND_INVALID);
}

static void
test_garbage(void)
{
	/* random bytes: the deframer never fails except on over-long frames, never
	 * allocates more than the announced length, and always makes progress */
	for (guint round = 0; round < 200; round++) {
		g_autoptr(RsproIpaDeframer) d = rspro_ipa_deframer_new(200);
		guint8 buf[512];
		gsize off = 0;

		for (gsize i = 0; i < sizeof(buf); i++)
			buf[i] = (guint8)g_test_rand_int_range(0, 256);
		while (off < sizeof(buf)) {
			RsproIpaFrame f;
			g_autoptr(GError) error = NULL;
			gssize n = rspro_ipa_deframer_push(d, buf + off, sizeof(buf) - off, &f,
			                                   &error);

			if (n < 0) {
				g_assert_error(error, RSPRO_ERROR, RSPRO_ERROR_TOO_BIG);
				break;
			}
			g_assert_cmpint(n, >, 0);
			off += (gsize)n;
			if (f.complete)
				g_assert_cmpuint(f.len, <=, 200);
		}
	}
}

static void
test_id_resp(void)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	/* ID_GET asking for the unit id (0x08), the MAC address (0x07), the serial
	 * number (0x00, with one octet of data to skip) and the unit name (0x01) */
	const guint8 id_get[] = {0x01, 0x08, 0x01, 0x07, 0x02, 0x00, 0xAA, 0x01, 0x01};
	const guint8 unknown[] = {0x01, 0x08, 0x01, 0x06}; /* 0x06 (IP address) */
	g_autoptr(GByteArray) want = test_hex("00 38 FE 05 "
	                                      "00 07 08 30 2F 30 2F 30 00 "
	                                      "00 13 07 30 30 3A 30 30 3A 30 30 3A 30 30 3A "
	                                      "30 30 3A 30 30 00 "
	                                      "00 02 00 00 "
	                                      "00 13 01 30 30 2D 30 30 2D 30 30 2D 30 30 2D "
	                                      "30 30 2D 30 30 00");

	g_assert_true(rspro_ipa_append_id_resp(out, id_get, sizeof(id_get)));
	test_assert_bytes(out->data, out->len, want->data, want->len, "ID_RESP");
	g_byte_array_set_size(out, 0);
	g_assert_false(rspro_ipa_append_id_resp(out, unknown, sizeof(unknown)));
	g_assert_cmpuint(out->len, ==, 0);
	/* an entry longer than the request ends the list */
	g_assert_true(rspro_ipa_append_id_resp(out, (const guint8 *)"\x05\x08", 2));
	g_assert_cmpuint(out->len, ==, 4);
	g_assert_cmpstr(rspro_ccm_type_name(RSPRO_CCM_ID_RESP), ==, "ID_RESP");
	g_assert_cmpstr(rspro_ccm_type_name(0x42), ==, "unknown");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rspro/ipa/byte-by-byte", test_byte_by_byte);
	g_test_add_func("/rspro/ipa/whole", test_whole);
	g_test_add_func("/rspro/ipa/random-splits", test_random_splits);
	g_test_add_func("/rspro/ipa/partial-state", test_partial_state);
	g_test_add_func("/rspro/ipa/oversize", test_oversize);
	g_test_add_func("/rspro/ipa/max-frame", test_max_frame);
	g_test_add_func("/rspro/ipa/kinds", test_kinds);
	g_test_add_func("/rspro/ipa/garbage", test_garbage);
	g_test_add_func("/rspro/ipa/id-resp", test_id_resp);
	return g_test_run();
}
